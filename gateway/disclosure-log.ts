import { createHash } from 'node:crypto';
import { canonicalEntry, leafHash } from '../subgraphs/exchange/log-hash.js';
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

export { canonicalEntry };

/** The hash of the retired chain: SHA-256 over an entry's canonical form, its prevHash included. */
export function entryHash(entry: Entry): string {
  return createHash('sha256').update(canonicalEntry(entry)).digest('hex');
}

type Unwritten = Omit<Entry, 'prevHash'> & { confirm: boolean };

interface Waiting {
  entries: Unwritten[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The append-only disclosure log in the exchange database, a Merkle transparency log (RFC 9162).
 * A request's entries are written, each with its leaf hash, and queued for the tree in one
 * statement before the response that discloses the data; no writer reads or waits for another's
 * head. The sequencer (log-sequencer.ts) then integrates queued entries into the tree in order and
 * signs tree heads.
 *
 * Group commit: while one batch is being written, the requests that arrive wait together and go
 * in the next statement. Each request still returns only once its own entries are committed (or
 * learns that they were not, and withholds the data).
 */
export class DisclosureLog {
  private queue: Waiting[] = [];
  private writing = false;

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

  private async append(entries: Unwritten[]): Promise<void> {
    const rows = entries.map(({ confirm, ...unwritten }) => {
      const entry: Entry = { ...unwritten, prevHash: null };
      return { ...entry, hash: leafHash(entry), confirm };
    });
    const written = await this.store.appendDisclosures(rows);
    if (written < rows.length) throw new StaleConsentError();
    recordDisclosureEntries(entries.length);
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

/**
 * Re-walks the retired hash chain (the entries written before the Merkle tree, which keep their
 * prevHash) from its first entry, in pages, and names the first entry that does not match. An
 * auditor who saved a chain head checks it against the head reported here; entries written since
 * are checked against the tree (`npm run audit:verify`).
 */
export async function verifyChain(
  exchange: Database,
  { pageSize = 5_000, onProgress }: VerifyOptions = {},
): Promise<ChainReport> {
  const store = exchangeStore(exchange);
  const total = await store.countChainedDisclosures();
  let prevHash = GENESIS_HASH;
  let head: ChainReport['head'];
  let entries = 0;
  for (;;) {
    const rows = await store.chainedDisclosuresAfter(head?.seq, pageSize);
    for (const row of rows) {
      entries++;
      if (row.prevHash !== prevHash) {
        return {
          entries,
          head,
          broken: { seq: row.seq, reason: 'does not link to the entry before it' },
        };
      }
      const { seq, hash, ...entry } = row as DisclosureRow & { prevHash: string };
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
