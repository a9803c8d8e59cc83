import { asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../kernel/db.js';
import { leafHash } from './log-hash.js';
import { Frontier, nodeKey, type NodeKey, type NodeReader, type TreeNode } from './merkle-tree.js';
import { disclosures, logLeaves, logNodes, logQueue, treeHeads } from './tables.js';

/** A tree head as the exchange signs it. */
export interface TreeHead {
  treeSize: number;
  rootHash: string;
  at: Date;
}

export interface SignedTreeHead extends TreeHead {
  /** Compact JWS (ES256) over the head's JSON: `{"treeSize":…,"rootHash":…,"timestamp":…}`. */
  signature: string;
}

/** The JSON a tree head's signature covers. */
export function treeHeadPayload(head: TreeHead): string {
  return JSON.stringify({
    treeSize: head.treeSize,
    rootHash: head.rootHash,
    timestamp: head.at.toISOString(),
  });
}

/** Rows of a raw statement whichever driver ran it (postgres.js: an array; PGlite: `.rows`). */
async function rowsOf<T>(db: Db, query: SQL): Promise<T[]> {
  const result = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as T[];
}

/** Stored perfect-subtree hashes by key, in one statement of one shape whatever the count. */
export function nodeReader(db: Db): NodeReader {
  return async (keys: NodeKey[]) => {
    const rows = await rowsOf<{ level: number; idx: number | string; hash: string }>(
      db,
      sql`select n.level, n.idx, n.hash from ${logNodes} n
        join unnest(${sql.param(keys.map((k) => k.level))}::smallint[],
          ${sql.param(keys.map((k) => k.index))}::bigint[]) as k(level, idx)
          on n.level = k.level and n.idx = k.idx`,
    );
    return new Map(rows.map((row) => [nodeKey(Number(row.level), Number(row.idx)), row.hash]));
  };
}

export async function latestTreeHead(db: Db): Promise<SignedTreeHead | undefined> {
  const [head] = await db.select().from(treeHeads).orderBy(desc(treeHeads.treeSize)).limit(1);
  return head;
}

export async function treeHeadOfSize(db: Db, size: number): Promise<SignedTreeHead | undefined> {
  const [head] = await db.select().from(treeHeads).where(eq(treeHeads.treeSize, size));
  return head;
}

/** Each entry's leaf index, for the entries already in the tree. */
export async function leafIndexes(db: Db, seqs: number[]): Promise<Map<number, number>> {
  const rows = await db
    .select()
    .from(logLeaves)
    .where(sql`${logLeaves.seq} = any(${sql.param(seqs)}::bigint[])`);
  return new Map(rows.map((row) => [row.seq, row.leafIndex]));
}

/**
 * Makes the month partitions of `disclosures` (UTC) for the month of `now` and the next one, if
 * missing (disclosures_add_month in drizzle/exchange/0004_disclosures_by_month.sql). Entries of a
 * month without its partition are kept in the default partition and moved when it is made.
 */
export async function prepareMonths(db: Db, now: Date): Promise<void> {
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  await db.execute(
    sql`select disclosures_add_month(${now.toISOString()}::timestamptz),
      disclosures_add_month(${next.toISOString()}::timestamptz)`,
  );
}

/**
 * Refreshes the planner's statistics of the log's tables. They grow from empty without pause, and
 * a prepared statement keeps the plan it was given while they were small (a sequential scan)
 * until they are analyzed again: on a server without autovacuum, never, and every sequencer round
 * and proof would read them whole. Given a month, only that month's partition of the entries is
 * analyzed (the others no longer grow), or every partition if it has none: entries of a month
 * without its partition are in the default one.
 */
export async function analyzeLog(db: Db, month?: Date): Promise<void> {
  const partition = month && `disclosures_${month.toISOString().slice(0, 7).replace('-', '_')}`;
  // The columns the lookups select by: the other columns' statistics (the entries' JSON and
  // arrays) would cost most of the time and serve no plan of the log's.
  const others = 'log_leaves (seq), log_nodes (level, idx), tree_heads (tree_size)';
  try {
    await db.execute(sql.raw(`analyze ${partition ?? 'disclosures'} (seq), ${others}`));
  } catch (error) {
    if (!partition) throw error;
    await analyzeLog(db);
  }
}

/**
 * Reclaims the queue's dead rows. Every entry is queued by its writer and taken off by the
 * sequencer, so the queue's live rows are few and its dead ones as many as the log's entries: on a
 * server without autovacuum its table and index would grow with the log, and every round's lookup
 * of the oldest queued entries would step over what earlier rounds took.
 */
export async function vacuumQueue(db: Db): Promise<void> {
  await db.execute(sql.raw('vacuum log_queue'));
}

/** A sequencer's round that another sequencer beat to the same leaves: nothing of it was written. */
function isUniqueViolation(error: unknown): boolean {
  for (let e = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

/**
 * Stores a round in one statement: the leaves, the perfect subtrees they complete, the signed
 * head, and the queue rows taken off. One statement is atomic, and the keys (a leaf index, an
 * entry's seq, a node, a head's size) are unique: a round computed from a head another sequencer
 * has since extended collides on them and writes nothing.
 */
async function storeRound(
  db: Db,
  leaves: { leafIndex: number; seq: number }[],
  nodes: TreeNode[],
  head: SignedTreeHead,
): Promise<void> {
  await db.execute(sql`
    with leaves as (
      insert into ${logLeaves} (leaf_index, seq)
      select * from unnest(${sql.param(leaves.map((l) => l.leafIndex))}::bigint[],
        ${sql.param(leaves.map((l) => l.seq))}::bigint[])
    ), nodes as (
      insert into ${logNodes} (level, idx, hash)
      select * from unnest(${sql.param(nodes.map((n) => n.level))}::smallint[],
        ${sql.param(nodes.map((n) => n.index))}::bigint[],
        ${sql.param(nodes.map((n) => n.hash))}::text[])
    ), taken as (
      delete from ${logQueue} where seq = any(${sql.param(leaves.map((l) => l.seq))}::bigint[])
    )
    insert into ${treeHeads} (tree_size, root_hash, at, signature)
    values (${head.treeSize}, ${head.rootHash}, ${head.at.toISOString()}::timestamptz,
      ${head.signature})`);
}

/**
 * Appends up to `limit` queued entries, in `seq` order, to the tree after the latest signed head,
 * and stores them with the perfect subtrees they complete and a newly signed head. Writers never
 * wait on this; sequencers (one per gateway replica) need no lock either: the round is written in
 * one statement that fails whole if another sequencer extended the tree first, and that round's
 * entries are taken again next time. No transaction spans statements, so a database stopping
 * mid-round leaves nothing half done. Returns the new head, or undefined when there was nothing to
 * do or another sequencer won. The first run over an empty log signs the empty tree.
 */
export async function integrateQueued(
  db: Db,
  sign: (head: TreeHead) => Promise<string>,
  limit: number,
): Promise<SignedTreeHead | undefined> {
  const previous = await latestTreeHead(db);
  const queued = await db.select().from(logQueue).orderBy(asc(logQueue.seq)).limit(limit);
  if (queued.length === 0 && previous) return undefined;
  const entries = await db
    .select()
    .from(disclosures)
    .where(sql`${disclosures.seq} = any(${sql.param(queued.map((q) => q.seq))}::bigint[])`)
    .orderBy(asc(disclosures.seq));
  const frontier = await Frontier.load(nodeReader(db), previous?.treeSize ?? 0);
  const leaves: { leafIndex: number; seq: number }[] = [];
  const nodes: TreeNode[] = [];
  for (const entry of entries) {
    leaves.push({ leafIndex: frontier.size, seq: entry.seq });
    nodes.push(...frontier.append(leafHash(entry)));
  }
  const head: TreeHead = { treeSize: frontier.size, rootHash: frontier.root(), at: new Date() };
  const signed = { ...head, signature: await sign(head) };
  try {
    await storeRound(db, leaves, nodes, signed);
  } catch (error) {
    if (isUniqueViolation(error)) return undefined;
    throw error;
  }
  return signed;
}
