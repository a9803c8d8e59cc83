import { createHash } from 'node:crypto';
import type { Caller } from '../subgraphs/kernel/caller.js';
import type { Database } from '../subgraphs/kernel/db.js';
import {
  exchangeStore,
  type DisclosureRow,
  type ExchangeStore,
} from '../subgraphs/exchange/index.js';
import type { Basis } from './authorization/policies.js';
import { recordDisclosureEntries } from './metrics.js';

/** One enterprise's data disclosed to a bank or an agency in one request. */
export interface Disclosure {
  enterpriseId: string;
  fields: string[];
  bases: Basis[];
  /** The purposes the enterprise stated for the consents among `bases` (授权用途), in order. */
  purposes?: string[];
}

export interface DisclosureContext {
  caller: Caller;
  operationName: string | null;
  /**
   * Write the entries only if every consent they cite is still active at the database's clock,
   * for the caller's bank, the entry's enterprise and the data set; otherwise nothing is written
   * and `record` rejects with StaleConsentError.
   */
  confirmConsents?: boolean;
}

/** A consent an entry cites was revoked or expired before the entry could be written. */
export class StaleConsentError extends Error {
  constructor() {
    super('a consent the disclosure cites is no longer active');
    this.name = 'StaleConsentError';
  }
}

export const GENESIS_HASH = '0'.repeat(64);

type Entry = Omit<DisclosureRow, 'seq' | 'hash'>;

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

/** How often a batch is re-chained after other writers moved the head before it gives up. */
const MAX_RECHAINS = 50;

function isUniqueViolation(error: unknown): boolean {
  for (let e = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

type Unchained = Omit<Entry, 'prevHash'> & { confirm: boolean };

interface Waiting {
  entries: Unchained[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The append-only, hash-chained disclosure log in the exchange database. A unique index on
 * `prev_hash` keeps the chain from forking whoever writes: a batch is chained to the head this
 * gateway last wrote or read and inserted in one statement; if another gateway appended first,
 * the insert fails on the index, and the batch is chained again to the new head. One round trip
 * while a gateway is the only writer, no lock held across statements ever.
 *
 * Group commit: while one batch is being written, the requests that arrive wait together and go
 * in the next transaction, with one INSERT. Each request still returns only once its own entries
 * are committed (or learns that they were not, and withholds the data); under concurrency the
 * lock is taken once per batch instead of once per request, which is what bounded throughput.
 */
export class DisclosureLog {
  private queue: Waiting[] = [];
  private writing = false;
  /** The hash of the last entry this gateway wrote or read; null when it must look again. */
  private head: string | null = null;

  private readonly store: ExchangeStore;

  constructor(exchange: Database) {
    this.store = exchangeStore(exchange);
  }

  record(context: DisclosureContext, items: Disclosure[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    const { caller } = context;
    const at = new Date();
    const entries = items.map((item) => ({
      at,
      requestId: caller.requestId,
      operationName: context.operationName,
      party: caller.party,
      org: caller.org,
      subject: caller.sub,
      enterpriseId: item.enterpriseId,
      fields: [...item.fields].sort(),
      basis: item.bases,
      purpose: purposeOf(item),
      confirm: context.confirmConsents === true,
    }));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entries, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.queue.length);
      try {
        await this.append(batch.flatMap((waiting) => waiting.entries));
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        if (error instanceof StaleConsentError && batch.length > 1) {
          // Nothing of the batch was written; only the requests citing a stale consent fail.
          for (const waiting of batch) {
            await this.append(waiting.entries).then(waiting.resolve, waiting.reject);
          }
        } else {
          for (const waiting of batch) waiting.reject(error);
        }
      }
    }
    this.writing = false;
  }

  private async append(entries: Unchained[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let prevHash = this.head ?? (await this.readHead());
      const rows = entries.map(({ confirm, ...unchained }) => {
        const entry: Entry = { ...unchained, prevHash };
        const hash = entryHash(entry);
        prevHash = hash;
        return { ...entry, hash, confirm };
      });
      let written: number;
      try {
        written = await this.store.appendDisclosures(rows);
      } catch (error) {
        this.head = null;
        if (isUniqueViolation(error) && attempt < MAX_RECHAINS) continue;
        throw error;
      }
      if (written < rows.length) throw new StaleConsentError();
      this.head = prevHash;
      recordDisclosureEntries(entries.length);
      return;
    }
  }

  private async readHead(): Promise<string> {
    return (await this.store.lastDisclosureHash()) ?? GENESIS_HASH;
  }
}

/**
 * What the disclosure was for: on consent, the purpose the enterprise stated when it granted it
 * (several consents' purposes joined with "; "; "consent" only if none was given to the log);
 * as main bank, "main_bank"; under an agency's mandate, "mandate".
 */
function purposeOf({ bases, purposes = [] }: Disclosure): string | null {
  if (bases.some((b) => b.policy === 'consent')) {
    return purposes.length > 0 ? purposes.join('; ') : 'consent';
  }
  if (bases.some((b) => b.policy === 'main_bank')) return 'main_bank';
  if (bases.some((b) => b.policy === 'unrestricted')) return 'mandate';
  return null;
}

export interface ChainReport {
  entries: number;
  /**
   * The last entry found sound. Edits and removals inside the chain break it; removing entries
   * from its end does not, so an auditor keeps the head of each run to compare the next against.
   */
  head?: { seq: number; hash: string };
  /** The first entry whose hash or link does not match, if any. */
  broken?: { seq: number; reason: string };
}

export interface VerifyOptions {
  /** Entries read per statement: memory stays flat however long the log. */
  pageSize?: number;
  /** Called after each page with the entries checked so far and the count when the walk began. */
  onProgress?: (checked: number, total: number) => void;
}

/** Re-walks the chain from the first entry, in pages, and names the first entry that does not match. */
export async function verifyChain(
  exchange: Database,
  { pageSize = 5_000, onProgress }: VerifyOptions = {},
): Promise<ChainReport> {
  const store = exchangeStore(exchange);
  const total = await store.countDisclosures();
  let prevHash = GENESIS_HASH;
  let head: ChainReport['head'];
  let entries = 0;
  for (;;) {
    const rows = await store.disclosuresAfter(head?.seq, pageSize);
    for (const row of rows) {
      entries++;
      if (row.prevHash !== prevHash) {
        return {
          entries,
          head,
          broken: { seq: row.seq, reason: 'does not link to the entry before it' },
        };
      }
      const { seq, hash, ...entry } = row;
      if (entryHash(entry) !== hash) {
        return { entries, head, broken: { seq, reason: 'its content does not match its hash' } };
      }
      prevHash = hash;
      head = { seq, hash };
    }
    onProgress?.(entries, Math.max(entries, total));
    if (rows.length < pageSize) return { entries, head };
  }
}

/** The one-line verdict `npm run audit:verify` prints. */
export function describeChainReport(report: ChainReport): string {
  const count = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;
  if (report.broken) {
    const { seq, reason } = report.broken;
    return `disclosure log broken at seq ${seq}: ${reason} (${count(report.entries - 1)} before it intact)`;
  }
  const head = report.head ? ` (head: seq ${report.head.seq}, hash ${report.head.hash})` : '';
  return `${count(report.entries)}, chain intact${head}`;
}
