import path from 'node:path';
import { CompactSign, type JWK } from 'jose';
import type { Database } from '../subgraphs/kernel/db.js';
import { loadOrCreateSigningKey, type SigningKey } from '../subgraphs/kernel/keys.js';
import {
  analyzeLog,
  integrateQueued,
  latestTreeHead,
  prepareMonths,
  treeHeadPayload,
  vacuumQueue,
  type SignedTreeHead,
  type TreeHead,
} from '../subgraphs/exchange/log-store.js';
import type { GatewayConfig } from './config.js';

/** Entries integrated per transaction: a backlog (a migration, a long outage) goes in steps. */
const BATCH = 5_000;

/**
 * The log's tables are analyzed again once the month's entries have grown by this many and this
 * share of what they were when the tables last were: once they have doubled. Entries go to their
 * month's partition, which starts empty, so it is the month's entries (those since the sequencer
 * started, within its first month) whose growth the plans must follow, not the whole log's. A
 * plan needs a table's size within a factor, not exactly, and an analysis reads the log: 0.4 s at
 * 60,000 entries on a 2-core machine, and at autovacuum's threshold (a tenth) a benchmark's
 * 60,000 entries took 94.
 */
const ANALYZE_AFTER = { entries: 50, share: 1 };

/**
 * The queue is vacuumed once this many entries have been taken off it since it last was (by any
 * replica's sequencer: the tree's size counts them all), so its dead rows stay a few pages.
 */
const VACUUM_QUEUE_AFTER = 1_000;

/** Where the exchange's tree-head key lives: generated on first use, like the other dev keys. */
export function treeHeadKeyFile(config: Pick<GatewayConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'keys', 'tree-head-signing.json');
}

export async function loadTreeHeadKey(config: Pick<GatewayConfig, 'dataDir'>) {
  return loadOrCreateSigningKey(treeHeadKeyFile(config), 'exchange-log');
}

export function signTreeHead(key: SigningKey, head: TreeHead): Promise<string> {
  return new CompactSign(new TextEncoder().encode(treeHeadPayload(head)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'tree-head+jws' })
    .sign(key.privateKey);
}

/**
 * Integrates the disclosure log's written entries into its Merkle tree and signs each new tree
 * head. Writers only insert their entries (and a queue row) and return; the sequencer takes them
 * in order every `intervalMs`, so an entry is in a signed tree head within about one interval
 * plus one integration (the log's maximum merge delay). Every gateway replica runs one; a round
 * that another replica's sequencer beat writes nothing, and its entries go in with the next. It
 * also makes the entries' month partitions ahead: this month's and the next, on its first round
 * and when the month changes; and it analyzes the log's tables on its first round and whenever the
 * month's entries have doubled since (`analyzeLog`), and vacuums the queue whenever a thousand
 * entries have left it (`vacuumQueue`), so that plans follow the log's growth and the queue stays
 * small on a server without autovacuum.
 */
export class LogSequencer {
  private timer?: NodeJS.Timeout;
  private running: Promise<SignedTreeHead | undefined> = Promise.resolve(undefined);

  constructor(
    private readonly exchange: Database,
    private readonly key: SigningKey,
    private readonly intervalMs: number,
  ) {}

  /** The key's public half, published as a JWKS. */
  get jwks(): { keys: JWK[] } {
    return { keys: [this.key.publicJwk] };
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.prepareMonths()
        .then(() => this.integrate())
        .catch(() => {
          // A failed round leaves the queue as it was; the next round takes it again.
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  /** The month (UTC) whose partitions were last made: they are made again when it changes. */
  private preparedMonth?: string;

  /** Makes the entries' partitions of this month and the next, once a month (and on start). */
  private async prepareMonths(): Promise<void> {
    const now = new Date();
    const month = now.toISOString().slice(0, 7);
    if (month === this.preparedMonth) return;
    await prepareMonths(this.exchange.db, now);
    this.preparedMonth = month;
  }

  /** Integrates everything queued now; the rounds of one process never overlap. */
  integrate(): Promise<SignedTreeHead | undefined> {
    const next = this.running.then(
      () => this.drain(),
      () => this.drain(),
    );
    this.running = next;
    return next;
  }

  private async drain(): Promise<SignedTreeHead | undefined> {
    let last: SignedTreeHead | undefined;
    for (;;) {
      const head = await integrateQueued(this.exchange.db, (h) => signTreeHead(this.key, h), BATCH);
      if (!head) return last;
      last = head;
      await this.analyzeIfGrown(head.treeSize);
      await this.vacuumQueueIfTaken(head.treeSize);
    }
  }

  /** The tree's size when this sequencer last vacuumed the queue. */
  private vacuumedSize?: number;

  private async vacuumQueueIfTaken(size: number): Promise<void> {
    const since = this.vacuumedSize;
    if (since !== undefined && size < since + VACUUM_QUEUE_AFTER) return;
    this.vacuumedSize = size;
    await vacuumQueue(this.exchange.db).catch(() => undefined);
  }

  /** The tree's size when this sequencer last analyzed the log's tables. */
  private analyzedSize?: number;
  /** The month (UTC) of the sequencer's last round, and the tree's size when that month began. */
  private month?: { name: string; startSize: number };
  /** The tree's size after the sequencer's last round. */
  private lastSize?: number;

  private async analyzeIfGrown(size: number): Promise<void> {
    const now = new Date();
    const name = now.toISOString().slice(0, 7);
    if (this.month?.name !== name) this.month = { name, startSize: this.lastSize ?? size };
    this.lastSize = size;
    const since = this.analyzedSize;
    if (since !== undefined) {
      // The month's entries when the tables were last analyzed: none if that was last month.
      const monthly = Math.max(0, since - this.month.startSize);
      if (size < since + ANALYZE_AFTER.entries + monthly * ANALYZE_AFTER.share) return;
    }
    // Tried once per threshold: a failure (another session holding the tables) waits for the next.
    this.analyzedSize = size;
    // The first analyzes every month's entries; later ones this month's, the one that grows.
    const month = since === undefined ? undefined : now;
    await analyzeLog(this.exchange.db, month).catch(() => undefined);
  }

  latestTreeHead(): Promise<SignedTreeHead | undefined> {
    return latestTreeHead(this.exchange.db);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running.catch(() => undefined);
  }
}

export async function openLogSequencer(
  config: GatewayConfig,
  exchange: Database,
): Promise<LogSequencer> {
  return new LogSequencer(exchange, await loadTreeHeadKey(config), config.logIntegrationMs);
}
