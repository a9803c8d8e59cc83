import { createHash } from 'node:crypto';
import { desc, sql } from 'drizzle-orm';
import type { Caller } from '../subgraphs/shared/caller.js';
import type { Database } from '../subgraphs/shared/db.js';
import { disclosures } from '../subgraphs/exchange/tables.js';
import type { Basis } from './authorization/policies.js';

/** One enterprise's data disclosed to a bank in one request. */
export interface Disclosure {
  enterpriseId: string;
  fields: string[];
  bases: Basis[];
}

export interface DisclosureContext {
  caller: Caller;
  operationName: string | null;
}

export const GENESIS_HASH = '0'.repeat(64);

type Entry = Omit<typeof disclosures.$inferSelect, 'seq' | 'hash'>;

/** JSON with object keys sorted at every level: jsonb does not keep key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The canonical form an entry's hash covers: fixed order, ISO time, sorted fields and keys. */
export function canonicalEntry(entry: Entry): string {
  return stableJson([
    entry.at.toISOString(),
    entry.requestId,
    entry.operationName ?? null,
    entry.party,
    entry.org ?? null,
    entry.subject,
    entry.enterpriseId,
    [...entry.fields].sort(),
    entry.basis,
    entry.purpose ?? null,
    entry.prevHash,
  ]);
}

export function entryHash(entry: Entry): string {
  return createHash('sha256').update(canonicalEntry(entry)).digest('hex');
}

// Any constant shared by all writers: serialises appends so the chain has no forks.
const CHAIN_LOCK = 4_242_001;

/**
 * The append-only, hash-chained disclosure log in the exchange database. Each request's entries
 * go in with one INSERT, chained to the last entry under a transaction-scoped advisory lock.
 */
export class DisclosureLog {
  constructor(private readonly exchange: Database) {}

  async record(context: DisclosureContext, items: Disclosure[]): Promise<void> {
    if (items.length === 0) return;
    const { caller } = context;
    await this.exchange.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`);
      const [last] = await tx
        .select({ hash: disclosures.hash })
        .from(disclosures)
        .orderBy(desc(disclosures.seq))
        .limit(1);
      let prevHash = last?.hash ?? GENESIS_HASH;
      const at = new Date();
      const rows = items.map((item) => {
        const entry: Entry = {
          at,
          requestId: caller.requestId,
          operationName: context.operationName,
          party: caller.party,
          org: caller.org,
          subject: caller.sub,
          enterpriseId: item.enterpriseId,
          fields: [...item.fields].sort(),
          basis: item.bases,
          purpose: purposeOf(item.bases),
          prevHash,
        };
        const hash = entryHash(entry);
        prevHash = hash;
        return { ...entry, hash };
      });
      await tx.insert(disclosures).values(rows);
    });
  }
}

function purposeOf(bases: Basis[]): string | null {
  if (bases.some((b) => b.policy === 'consent')) return 'consent';
  if (bases.some((b) => b.policy === 'main_bank')) return 'main_bank';
  return null;
}

export interface ChainReport {
  entries: number;
  /** The first entry whose hash or link does not match, if any. */
  broken?: { seq: number; reason: string };
}

/** Re-walks the chain from the first entry, in pages, and names the first entry that does not match. */
export async function verifyChain(exchange: Database, pageSize = 5_000): Promise<ChainReport> {
  let prevHash = GENESIS_HASH;
  let after = 0;
  let entries = 0;
  for (;;) {
    const rows = await exchange.db
      .select()
      .from(disclosures)
      .where(sql`${disclosures.seq} > ${after}`)
      .orderBy(disclosures.seq)
      .limit(pageSize);
    for (const row of rows) {
      entries++;
      if (row.prevHash !== prevHash) {
        return {
          entries,
          broken: { seq: row.seq, reason: 'does not link to the entry before it' },
        };
      }
      const { seq: _seq, hash, ...entry } = row;
      if (entryHash(entry) !== hash) {
        return { entries, broken: { seq: row.seq, reason: 'its content does not match its hash' } };
      }
      prevHash = hash;
      after = row.seq;
    }
    if (rows.length < pageSize) return { entries };
  }
}
