import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, sql } from 'drizzle-orm';
import { LogSequencer, loadTreeHeadKey } from '../../gateway/log-sequencer.js';
import { exchangeStore } from '../../subgraphs/exchange/index.js';
import { leafHash } from '../../subgraphs/exchange/log-hash.js';
import { leafIndexes, nodeReader } from '../../subgraphs/exchange/log-store.js';
import { inclusionProof } from '../../subgraphs/exchange/merkle-tree.js';
import { disclosures, logArchives } from '../../subgraphs/exchange/tables.js';
import type { Database } from '../../subgraphs/kernel/db.js';
import { auditLog, describeLogReport } from '../../scripts/audit/log-audit.js';
import { verifyInclusion } from '../../scripts/audit/rfc9162.js';
import { BACKENDS, createTestDatabases, type TestDatabases } from '../helpers/databases.js';

// A year of its own: a pooled database keeps the tables of months detached by an earlier test.
const YEAR = 2100 + Math.floor(Math.random() * 5000);
const day = (month: number, date: number) =>
  new Date(Date.UTC(YEAR, month - 1, date, 12)).toISOString();
const monthName = (month: number) => `${YEAR}-${String(month).padStart(2, '0')}`;
const partitionName = (month: number) => `disclosures_${YEAR}_${String(month).padStart(2, '0')}`;

function entry(at: string, enterpriseId: string) {
  const unhashed = {
    at: new Date(at),
    requestId: `req-${enterpriseId}-${at}`,
    operationName: 'Dossier',
    party: 'bank',
    org: 'abc',
    subject: 'dev-bank-abc',
    enterpriseId,
    fields: ['Enterprise.contact'],
    basis: [{ policy: 'consent', dataSet: 'CONTACT', consentId: 'cons-1' }],
    purpose: 'credit review',
    prevHash: null,
  };
  return { ...unhashed, hash: leafHash(unhashed), confirm: false };
}

async function partitionsOf(exchange: Database) {
  const rows = await exchange.rows<{ partition: string; seq: number | string }>(
    sql`select tableoid::regclass::text as partition, seq from disclosures order by seq`,
  );
  return rows.map((row) => [Number(row.seq), row.partition]);
}

describe.each(BACKENDS)('disclosure log partitioned by month (%s)', (backend) => {
  let dbs: TestDatabases;
  let exchange: Database;
  let sequencer: LogSequencer;
  let dataDir: string;

  beforeAll(async () => {
    dbs = await createTestDatabases(backend);
    exchange = dbs.databases.exchange;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-partitions-'));
    sequencer = new LogSequencer(exchange, await loadTreeHeadKey({ dataDir }), 60_000);
  });

  afterAll(async () => {
    await dbs?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores each month in its partition, archives one, and the tree still verifies', async () => {
    // January's partition is made ahead; February's entries wait in the default partition.
    await exchange.rows(sql`select disclosures_add_month(${day(1, 1)}::timestamptz)`);
    const store = exchangeStore(exchange);
    await store.appendDisclosures([entry(day(1, 3), 'ent-a'), entry(day(1, 20), 'ent-b')]);
    await store.appendDisclosures([entry(day(1, 31), 'ent-a'), entry(day(2, 2), 'ent-c')]);
    await store.appendDisclosures([entry(day(2, 27), 'ent-a')]);
    expect(await partitionsOf(exchange)).toEqual([
      [1, partitionName(1)],
      [2, partitionName(1)],
      [3, partitionName(1)],
      [4, 'disclosures_default'],
      [5, 'disclosures_default'],
    ]);
    await exchange.rows(sql`select disclosures_add_month(${day(2, 14)}::timestamptz)`);
    expect((await partitionsOf(exchange)).slice(3)).toEqual([
      [4, partitionName(2)],
      [5, partitionName(2)],
    ]);

    const head = (await sequencer.integrate())!;
    expect(head.treeSize).toBe(5);
    const before = await auditLog(exchange, { jwks: sequencer.jwks });
    expect(before.problem).toBeUndefined();
    expect(before.archived).toBeUndefined();

    await exchange.rows(sql`select disclosures_archive_month(${day(1, 9)}::timestamptz)`);
    expect(await partitionsOf(exchange)).toEqual([
      [4, partitionName(2)],
      [5, partitionName(2)],
    ]);
    expect(await exchange.db.select().from(logArchives)).toMatchObject([
      { partition: partitionName(1), month: monthName(1), firstSeq: 1, lastSeq: 3, entries: 3 },
    ]);

    const report = await auditLog(exchange, { jwks: sequencer.jwks });
    expect(report.problem).toBeUndefined();
    expect(report.checked).toBe(5);
    expect(report.archived).toEqual({ entries: 3, months: [monthName(1)] });
    expect(describeLogReport(report)).toBe(
      `5 entries in the Merkle tree, intact (signed head: size 5, root ${head.rootHash}); 3 entries archived (${monthName(1)}), covered by the tree's leaf hashes`,
    );

    // The remaining month's entries still prove their inclusion in the signed head.
    const remaining = await exchange.db.select().from(disclosures).orderBy(asc(disclosures.seq));
    const indexes = await leafIndexes(
      exchange.db,
      remaining.map((row) => row.seq),
    );
    for (const row of remaining) {
      const index = indexes.get(row.seq)!;
      const proof = await inclusionProof(nodeReader(exchange.db), index, head.treeSize);
      expect(verifyInclusion(index, head.treeSize, leafHash(row), proof, head.rootHash)).toBe(true);
    }
    expect(remaining.map((row) => indexes.get(row.seq))).toEqual([3, 4]);

    // A month cannot be made again once archived: its entries would not come back.
    await expect(
      exchange.rows(sql`select disclosures_add_month(${day(1, 1)}::timestamptz)`),
    ).rejects.toThrow();

    // An entry deleted from a month still in the log is not taken for an archived one.
    await exchange.db.delete(disclosures).where(eq(disclosures.seq, 4));
    const broken = await auditLog(exchange, { jwks: sequencer.jwks });
    expect(broken.problem).toEqual({
      reason: 'its entry is missing from the log',
      leafIndex: 3,
      seq: 4,
    });
  });
});
