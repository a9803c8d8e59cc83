import { and, asc, desc, eq, gte, lt, sql } from 'drizzle-orm';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { Database } from '../../subgraphs/kernel/db.js';
import { EMPTY_ROOT, leafHash } from '../../subgraphs/exchange/log-hash.js';
import {
  disclosures,
  logArchives,
  logLeaves,
  logNodes,
  logQueue,
  treeHeads,
} from '../../subgraphs/exchange/tables.js';
import { nodeReader } from '../../subgraphs/exchange/log-store.js';
import { consistencyProof } from '../../subgraphs/exchange/merkle-tree.js';
import { StreamingRoot, verifyConsistency } from './rfc9162.js';

/** A signed tree head as published (the JSON of /.well-known/disclosure-log/tree-head.json). */
export interface PublishedHead {
  treeSize: number;
  rootHash: string;
  timestamp: string;
  signature: string;
}

/** What a witness trusted last time: a head, and the leaf hashes it covered (for naming a change). */
export interface Witnessed {
  head: PublishedHead;
  /** Leaf hashes 0…head.treeSize-1, 32 bytes each; absent: changes are found, not located. */
  leaves?: Buffer;
}

export interface Problem {
  reason: string;
  /** The first leaf (tree position) that differs or is missing, and its entry when there is one. */
  leafIndex?: number;
  seq?: number;
}

export interface LogReport {
  head?: PublishedHead;
  /** Leaves found sound: re-hashed from their entry, or archived (see `archived`). */
  checked: number;
  /**
   * Leaves whose month was archived (its partition detached, recorded in log_archives): their
   * entries are no longer in the log, so the tree's stored leaf hash stands for them.
   */
  archived?: { entries: number; months: string[] };
  /** Entries written but not yet integrated by the sequencer. */
  pending: number;
  problem?: Problem;
}

export interface AuditOptions {
  /** The exchange's tree-head public key(s). */
  jwks: JSONWebKeySet;
  witnessed?: Witnessed;
  pageSize?: number;
  onProgress?: (checked: number, total: number) => void;
  /** Receives every leaf hash in order, e.g. to keep for the next witness run. */
  onLeaves?: (hashes: string[]) => void;
}

export async function latestPublishedHead(exchange: Database): Promise<PublishedHead | undefined> {
  const [row] = await exchange.db
    .select()
    .from(treeHeads)
    .orderBy(desc(treeHeads.treeSize))
    .limit(1);
  if (!row) return undefined;
  const { treeSize, rootHash, at, signature } = row;
  return { treeSize, rootHash, timestamp: at.toISOString(), signature };
}

/** Why the head's signature does not hold, or undefined when it does. */
export async function signatureProblem(
  head: PublishedHead,
  jwks: JSONWebKeySet,
): Promise<string | undefined> {
  try {
    const { payload } = await compactVerify(head.signature, createLocalJWKSet(jwks), {
      algorithms: ['ES256'],
    });
    const signed = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    if (
      signed.treeSize !== head.treeSize ||
      signed.rootHash !== head.rootHash ||
      signed.timestamp !== head.timestamp
    ) {
      return 'its signature covers another size, root or time';
    }
    return undefined;
  } catch (error) {
    return `its signature does not verify (${(error as Error).message})`;
  }
}

async function pendingEntries(exchange: Database): Promise<number> {
  const [{ total }] = await exchange.rows<{ total: number | string }>(
    sql`select count(*)::int as total from ${logQueue}`,
  );
  return Number(total);
}

/** Leaves in tree order with their entries and the leaf hash the log stored for each. */
function leafPage(exchange: Database, from: number, to: number, limit: number) {
  return exchange.db
    .select({
      leafIndex: logLeaves.leafIndex,
      seq: logLeaves.seq,
      stored: logNodes.hash,
      entry: disclosures,
    })
    .from(logLeaves)
    .leftJoin(disclosures, eq(disclosures.seq, logLeaves.seq))
    .leftJoin(logNodes, and(eq(logNodes.level, 0), eq(logNodes.idx, logLeaves.leafIndex)))
    .where(and(gte(logLeaves.leafIndex, from), lt(logLeaves.leafIndex, to)))
    .orderBy(asc(logLeaves.leafIndex))
    .limit(limit);
}

type Archive = typeof logArchives.$inferSelect;

/**
 * The archived months, and how many of each month's entries the walk has met: a leaf without its
 * entry is archived only within a month's seq range and up to its recorded count, so an entry
 * deleted from a month still in the log is not passed off as archived.
 */
class ArchivedLeaves {
  private readonly met = new Map<string, number>();
  entries = 0;

  constructor(private readonly archives: Archive[]) {}

  static async load(exchange: Database): Promise<ArchivedLeaves> {
    return new ArchivedLeaves(await exchange.db.select().from(logArchives));
  }

  take(seq: number): boolean {
    const archive = this.archives.find((a) => seq >= a.firstSeq && seq <= a.lastSeq);
    if (!archive) return false;
    const met = (this.met.get(archive.partition) ?? 0) + 1;
    if (met > archive.entries) return false;
    this.met.set(archive.partition, met);
    this.entries++;
    return true;
  }

  report(): LogReport['archived'] {
    if (this.entries === 0) return undefined;
    const months = this.archives.filter((a) => this.met.has(a.partition)).map((a) => a.month);
    return { entries: this.entries, months: months.sort() };
  }
}

const hex = (leaves: Buffer, index: number) =>
  leaves.subarray(index * 32, index * 32 + 32).toString('hex');

interface Walk {
  root?: string;
  archived?: LogReport['archived'];
  /** The root of the first `witnessed.head.treeSize` leaves, when the walk passed there. */
  witnessedRoot?: string;
  checked: number;
  problem?: Problem;
}

type Leaf = Awaited<ReturnType<typeof leafPage>>[number];

/** Why one leaf fails, in order of what a reader most needs to know. */
function leafProblem(
  leaf: Leaf,
  expected: number,
  archived: ArchivedLeaves,
  witnessed?: Witnessed,
): Problem | undefined {
  const { leafIndex, seq, stored, entry } = leaf;
  if (leafIndex !== expected) return { reason: 'missing from the tree', leafIndex: expected };
  if (!entry && !(stored && archived.take(seq))) {
    return { reason: 'its entry is missing from the log', leafIndex, seq };
  }
  const hash = entry ? leafHash(entry) : stored!;
  if (witnessed?.leaves && leafIndex < witnessed.head.treeSize) {
    if (hex(witnessed.leaves, leafIndex) !== hash) {
      return { reason: 'differs from the entry the trusted tree head covered', leafIndex, seq };
    }
  }
  if (hash !== stored) {
    return { reason: 'its content does not match the leaf the tree holds', leafIndex, seq };
  }
  return undefined;
}

/**
 * Re-hashes every entry the head covers, in tree order, and builds the root anew; stops at the
 * first leaf missing, edited, or differing from the leaf the witness kept.
 */
async function walkLeaves(exchange: Database, size: number, options: AuditOptions): Promise<Walk> {
  const { witnessed, pageSize = 5_000 } = options;
  const archived = await ArchivedLeaves.load(exchange);
  const tree = new StreamingRoot();
  let witnessedRoot = witnessed?.head.treeSize === 0 ? EMPTY_ROOT : undefined;
  while (tree.count < size) {
    const page = await leafPage(exchange, tree.count, size, pageSize);
    if (page.length === 0) {
      return {
        checked: tree.count,
        problem: { reason: 'missing from the log', leafIndex: tree.count },
      };
    }
    const hashes: string[] = [];
    for (const leaf of page) {
      const problem = leafProblem(leaf, tree.count, archived, witnessed);
      if (problem) return { checked: tree.count, problem };
      tree.push(leaf.stored!);
      hashes.push(leaf.stored!);
      if (tree.count === witnessed?.head.treeSize) witnessedRoot = tree.root();
    }
    options.onLeaves?.(hashes);
    options.onProgress?.(tree.count, size);
  }
  return {
    root: tree.root() ?? EMPTY_ROOT,
    witnessedRoot,
    checked: tree.count,
    archived: archived.report(),
  };
}

/** The witness's checks before the walk: its own head, and a log that shrank below it. */
async function witnessProblem(
  head: PublishedHead,
  { witnessed, jwks }: AuditOptions,
): Promise<Problem | undefined> {
  if (!witnessed) return undefined;
  const bad = await signatureProblem(witnessed.head, jwks);
  if (bad) return { reason: `the trusted tree head: ${bad}` };
  if (head.treeSize < witnessed.head.treeSize) {
    return {
      reason: `the log was truncated: its latest signed head has ${head.treeSize} entries, the trusted one ${witnessed.head.treeSize}`,
      leafIndex: head.treeSize,
    };
  }
  return undefined;
}

/** The log's own consistency proof from the trusted head, checked by RFC 9162's algorithm. */
async function consistencyProblem(
  exchange: Database,
  head: PublishedHead,
  witnessed: Witnessed,
): Promise<Problem | undefined> {
  const first = witnessed.head;
  const proof = await consistencyProof(nodeReader(exchange.db), first.treeSize, head.treeSize);
  if (verifyConsistency(first.treeSize, head.treeSize, first.rootHash, head.rootHash, proof)) {
    return undefined;
  }
  return {
    reason: `the signed head of ${head.treeSize} entries is not consistent with the trusted head of ${first.treeSize} (a forked or rewritten log)`,
  };
}

/**
 * Checks the whole log against its latest signed tree head: the signature, every entry re-hashed
 * in tree order, the root rebuilt from them. With a witnessed head it also checks that the log
 * still holds, unchanged, every entry that head covered, and that the log proves the new head
 * consistent with it.
 */
export async function auditLog(exchange: Database, options: AuditOptions): Promise<LogReport> {
  const pending = await pendingEntries(exchange);
  const head = await latestPublishedHead(exchange);
  if (!head) {
    const problem = options.witnessed
      ? { reason: 'the log has no signed tree head any more' }
      : undefined;
    return { checked: 0, pending, problem };
  }
  const bad = await signatureProblem(head, options.jwks);
  if (bad)
    return { head, checked: 0, pending, problem: { reason: `the latest tree head: ${bad}` } };
  const early = await witnessProblem(head, options);
  if (early) return { head, checked: 0, pending, problem: early };
  const walk = await walkLeaves(exchange, head.treeSize, options);
  const report = { head, checked: walk.checked, pending, archived: walk.archived };
  if (walk.problem) return { ...report, problem: walk.problem };
  const witnessed = options.witnessed;
  if (witnessed && walk.witnessedRoot !== witnessed.head.rootHash) {
    return {
      ...report,
      problem: {
        reason: `the first ${witnessed.head.treeSize} entries no longer hash to the trusted head's root`,
      },
    };
  }
  if (walk.root !== head.rootHash) {
    return { ...report, problem: { reason: 'the entries do not hash to the signed root' } };
  }
  const inconsistent = witnessed && (await consistencyProblem(exchange, head, witnessed));
  return inconsistent ? { ...report, problem: inconsistent } : report;
}

/** The verdict `npm run audit:verify` prints. */
export function describeLogReport(report: LogReport): string {
  const count = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;
  const pending = report.pending > 0 ? `, ${count(report.pending)} awaiting integration` : '';
  if (report.problem) {
    const { reason, leafIndex, seq } = report.problem;
    const where =
      leafIndex === undefined
        ? ''
        : ` at leaf ${leafIndex}${seq === undefined ? '' : ` (seq ${seq})`}`;
    return `disclosure log broken${where}: ${reason} (${count(report.checked)} before it intact)`;
  }
  if (!report.head) return `no signed tree head yet${pending}`;
  const { treeSize, rootHash } = report.head;
  const archived = report.archived
    ? `; ${count(report.archived.entries)} archived (${report.archived.months.join(', ')}), covered by the tree's leaf hashes`
    : '';
  return `${count(report.checked)} in the Merkle tree, intact (signed head: size ${treeSize}, root ${rootHash})${archived}${pending}`;
}
