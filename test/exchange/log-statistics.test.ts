import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { DisclosureLog } from '../../gateway/disclosure-log.js';
import { LogSequencer, loadTreeHeadKey } from '../../gateway/log-sequencer.js';
import { integrateQueued, prepareMonths } from '../../subgraphs/exchange/log-store.js';
import { openDatabase, type Database } from '../../subgraphs/kernel/db.js';
import { createTestDatabases, type TestDatabases } from '../helpers/databases.js';

const caller = (requestId: string) => ({
  sub: 'dev-bank-abc',
  party: 'bank' as const,
  org: 'abc',
  scopes: new Set<string>(),
  requestId,
});

const disclosure = {
  enterpriseId: 'ent-1',
  fields: ['Enterprise.contact'],
  bases: [{ policy: 'consent' as const, dataSet: 'CONTACT' as const, consentId: 'cons-1' }],
};

const LOG_TABLES = ['disclosures%', 'log_leaves', 'log_nodes'];

// A log that starts empty on a server without autovacuum: the sequencer's prepared statements are
// planned while the tables are empty, then the log grows. Unless the tables are analyzed again,
// those plans read them whole on every round, so the rows read by sequential scans grow with the
// square of the log.
describe.skipIf(!process.env.TEST_DATABASE_URL)('the log’s statistics as it grows', () => {
  let test: TestDatabases;
  let url: string;
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-log-statistics-'));

  beforeAll(async () => {
    test = await createTestDatabases('postgres');
    const [{ name }] = await test.databases.exchange.rows<{ name: string }>(
      sql`select current_database() as name`,
    );
    const address = new URL(process.env.TEST_DATABASE_URL!);
    address.pathname = `/${name}`;
    url = address.href;
    await prepareMonths(test.databases.exchange.db, new Date());
    // The server's own analyses would hide what the sequencer does (or fails to do).
    const tables = await test.databases.exchange.rows<{ name: string }>(
      sql`select inhrelid::regclass::text as name from pg_inherits
        where inhparent = 'disclosures'::regclass
        union all select unnest(array['log_leaves', 'log_nodes', 'log_queue', 'tree_heads'])`,
    );
    for (const { name } of tables) {
      await test.databases.exchange.rows(
        sql.raw(`alter table ${name} set (autovacuum_enabled = false)`),
      );
    }
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await test?.drop();
    fs.rmSync(keyDir, { recursive: true, force: true });
  });

  /** Rows the log's tables gave to sequential scans, once the given connections have closed. */
  async function rowsReadBySeqScans(closed: Database): Promise<number> {
    await closed.close();
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      // A backend hands its counters over as it exits.
      for (let waited = 0; ; waited += 50) {
        const [{ others }] = await admin<{ others: number }[]>`
          select count(*)::int as others from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid()
            and backend_type = 'client backend' and application_name = 'kx-log-statistics'`;
        if (others === 0) break;
        if (waited > 10_000) throw new Error('the measured connections did not close');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await admin`select pg_stat_clear_snapshot()`;
      const [{ rows }] = await admin<{ rows: string }[]>`
        select coalesce(sum(seq_tup_read), 0)::bigint as rows from pg_stat_user_tables
        where relname like any(${LOG_TABLES})`;
      return Number(rows);
    } finally {
      await admin.end();
    }
  }

  /** The queue's table and index (their data, not the free-space and visibility maps), in bytes. */
  async function queueSize(): Promise<number> {
    const [{ bytes }] = await test.databases.exchange.rows<{ bytes: string }>(
      sql`select (pg_relation_size('log_queue') + pg_relation_size('log_queue_pkey'))::bigint
        as bytes`,
    );
    return Number(bytes);
  }

  /**
   * Grows the log by 4,408 entries through `measured`'s rounds: eight of one entry each (PostgreSQL
   * caches a generic plan after five executions), then `planned` runs, then forty of a hundred
   * and forty of ten. Returns the rows read by sequential scans in all tests so far.
   */
  async function grow(
    measured: (database: Database) => () => Promise<unknown>,
    planned: () => void = () => {},
  ): Promise<{ seqScanRows: number; queueBytes: number }> {
    const named = new URL(url);
    named.searchParams.set('application_name', 'kx-log-statistics');
    const database = await openDatabase('exchange', { url: named.href, migrate: false });
    const integrate = measured(database);
    const log = new DisclosureLog(database);
    for (let i = 0; i < 8; i++) {
      await log.record({ caller: caller(`empty-${i}`), operationName: 'Dossier' }, [disclosure]);
      await integrate();
    }
    planned();
    for (let round = 0; round < 40; round++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          log.record({ caller: caller(`r-${round}-${i}`), operationName: 'Dossier' }, [disclosure]),
        ),
      );
      await integrate();
    }
    // Rounds of a few entries each, as a gateway's are under steady load.
    for (let round = 0; round < 40; round++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          log.record({ caller: caller(`s-${round}-${i}`), operationName: 'Dossier' }, [disclosure]),
        ),
      );
      await integrate();
    }
    return { seqScanRows: await rowsReadBySeqScans(database), queueBytes: await queueSize() };
  }

  async function emptyLog(): Promise<void> {
    await test.databases.exchange.rows(
      sql`truncate disclosures, log_leaves, log_nodes, log_queue, tree_heads`,
    );
    await test.databases.exchange.rows(sql`analyze disclosures, log_leaves, log_nodes`);
  }

  it('analyzes the tables as the tree grows and vacuums the queue, so no round reads them whole', async () => {
    await emptyLog();
    const key = await loadTreeHeadKey({ dataDir: keyDir });
    const bare = await grow(
      (database) => () => integrateQueued(database.db, async () => '', 5_000),
    );
    await emptyLog();
    const sequenced = await grow((database) => {
      const sequencer = new LogSequencer(database, key, 60_000);
      return () => sequencer.integrate();
    });
    const scanned = sequenced.seqScanRows - bare.seqScanRows;
    const entries = 8 + 40 * 100 + 40 * 10;
    // The rounds alone, with plans made for an empty log, read the tables whole over and over.
    expect(bare.seqScanRows).toBeGreaterThan(50 * entries);
    // With the sequencer's analyses, only rounds over a log still small scan it (rightly, the
    // cheaper plan there); the rounds over the grown log read none of it.
    expect(scanned).toBeLessThan(bare.seqScanRows / 20);
    // Every entry passed through the queue and left it. Without a vacuum its dead rows stay, a
    // heap tuple and an index entry each; the sequencer's vacuums let their space be used again.
    expect(bare.queueBytes).toBeGreaterThan(entries * 30);
    expect(sequenced.queueBytes).toBeLessThan(bare.queueBytes * 0.6);
  });

  // Entries go to their month's partition (drizzle/exchange/0004). The next month's is made ahead,
  // empty, and the plans a gateway caches hold it empty: when the month comes, it fills from
  // nothing while the rest of the log, however large, has not doubled.
  it('analyzes the tables as a new month fills, however large the log already is', async () => {
    await emptyLog();
    const key = await loadTreeHeadKey({ dataDir: keyDir });
    const sequencing = (database: Database) => {
      const sequencer = new LogSequencer(database, key, 60_000);
      return () => sequencer.integrate();
    };
    const lastMonth = (await grow(sequencing)).seqScanRows;
    const now = new Date();
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 1));
    // A gateway whose plans were made this month, in the next one.
    const thisMonth =
      (
        await grow(sequencing, () => {
          vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
          vi.setSystemTime(nextMonth);
        })
      ).seqScanRows - lastMonth;
    const [{ entries }] = await test.databases.exchange.rows<{ entries: number }>(
      sql`select count(*)::int as entries from disclosures where at >= ${nextMonth.toISOString()}`,
    );
    expect(entries).toBe(40 * 100 + 40 * 10);
    // Read whole on every round (plans made for it empty), the partition gives each round all it
    // holds then; with analyses as it doubles, only rounds over a partition still small scan it.
    let readWhole = 0;
    for (let round = 1; round <= 40; round++) readWhole += 100 * round;
    for (let round = 1; round <= 40; round++) readWhole += 40 * 100 + 10 * round;
    expect(thisMonth).toBeLessThan(readWhole / 5);
  });
});
