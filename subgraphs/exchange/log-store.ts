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

/** One lock key for every integrating sequencer, whichever gateway replica runs it. */
const SEQUENCER_LOCK = 7_310_452_901;

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

/** How many entries wait for the sequencer. */
export async function queuedEntries(db: Db): Promise<number> {
  const [{ total }] = await rowsOf<{ total: number | string }>(
    db,
    sql`select count(*)::int as total from ${logQueue}`,
  );
  return Number(total);
}

async function storeTree(db: Db, leaves: { leafIndex: number; seq: number }[], nodes: TreeNode[]) {
  await db.execute(sql`insert into ${logLeaves} (leaf_index, seq)
    select * from unnest(${sql.param(leaves.map((l) => l.leafIndex))}::bigint[],
      ${sql.param(leaves.map((l) => l.seq))}::bigint[])`);
  await db.execute(sql`insert into ${logNodes} (level, idx, hash)
    select * from unnest(${sql.param(nodes.map((n) => n.level))}::smallint[],
      ${sql.param(nodes.map((n) => n.index))}::bigint[], ${sql.param(nodes.map((n) => n.hash))}::text[])`);
}

/**
 * Takes up to `limit` queued entries in `seq` order, appends them to the tree, stores the perfect
 * subtrees they complete and a newly signed tree head, all in one transaction. Only one sequencer
 * integrates at a time (a transaction-scoped advisory lock; one that finds it taken does nothing
 * this round): writers never take it, they only insert. Returns the new head, or undefined when
 * there was nothing to do. The first run over an empty log signs the empty tree.
 */
export function integrateQueued(
  db: Db,
  sign: (head: TreeHead) => Promise<string>,
  limit: number,
): Promise<SignedTreeHead | undefined> {
  return db.transaction(async (tx) => {
    const [{ locked }] = await rowsOf<{ locked: boolean }>(
      tx,
      sql`select pg_try_advisory_xact_lock(${SEQUENCER_LOCK}) as locked`,
    );
    if (!locked) return undefined;
    const previous = await latestTreeHead(tx);
    const taken = await rowsOf<{ seq: number | string }>(
      tx,
      sql`delete from ${logQueue} where seq in (
        select seq from ${logQueue} order by seq limit ${limit}) returning seq`,
    );
    if (taken.length === 0 && previous) return undefined;
    const entries = await tx
      .select()
      .from(disclosures)
      .where(sql`${disclosures.seq} = any(${sql.param(taken.map((t) => Number(t.seq)))}::bigint[])`)
      .orderBy(asc(disclosures.seq));
    const frontier = await Frontier.load(nodeReader(tx), previous?.treeSize ?? 0);
    const leaves: { leafIndex: number; seq: number }[] = [];
    const nodes: TreeNode[] = [];
    for (const entry of entries) {
      leaves.push({ leafIndex: frontier.size, seq: entry.seq });
      nodes.push(...frontier.append(leafHash(entry)));
    }
    if (leaves.length > 0) await storeTree(tx, leaves, nodes);
    const head: TreeHead = { treeSize: frontier.size, rootHash: frontier.root(), at: new Date() };
    const signed = { ...head, signature: await sign(head) };
    await tx.insert(treeHeads).values(signed);
    return signed;
  });
}
