import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DisclosureLog } from '../../gateway/disclosure-log.js';
import { LogSequencer, loadTreeHeadKey } from '../../gateway/log-sequencer.js';
import { auditLog } from '../../scripts/audit/log-audit.js';
import { openDatabase, type Database } from '../../subgraphs/kernel/db.js';
import { createTestDatabases, type TestDatabases } from '../helpers/databases.js';

const caller = (requestId: string) => ({
  sub: 'dev-bank-abc',
  party: 'bank' as const,
  org: 'abc',
  scopes: new Set<string>(),
  requestId,
});

const disclosure = (enterpriseId: string) => ({
  enterpriseId,
  fields: ['Enterprise.contact'],
  bases: [{ policy: 'consent' as const, dataSet: 'CONTACT' as const, consentId: 'cons-1' }],
});

// Several gateways, each with its own connection pool and its own sequencer, append to one log at
// once: writers take no shared head, and the sequencers' unique keys must leave one tree, signed head by
// signed head, that holds every acknowledged entry once.
describe.skipIf(!process.env.TEST_DATABASE_URL)('disclosure log with several writers', () => {
  let test: TestDatabases;
  const extra: Database[] = [];
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-writers-'));

  beforeAll(async () => {
    test = await createTestDatabases('postgres');
  });
  afterAll(async () => {
    await Promise.all(extra.map((database) => database.close()));
    await test?.drop();
    fs.rmSync(keyDir, { recursive: true, force: true });
  });

  it('leaves one consistent tree holding every acknowledged entry', async () => {
    const [{ name }] = await test.databases.exchange.rows<{ name: string }>(
      sql`select current_database() as name`,
    );
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${name}`;
    for (let i = 0; i < 3; i++) extra.push(await openDatabase('exchange', { url: url.href }));
    const gateways = [test.databases.exchange, ...extra];
    const key = await loadTreeHeadKey({ dataDir: keyDir });
    const sequencers = gateways.map((database) => new LogSequencer(database, key, 1_000));
    const logs = gateways.map((database) => new DisclosureLog(database));
    const requests = 40;
    const settled = await Promise.allSettled(
      Array.from({ length: requests }, async (_, i) => {
        await logs[i % logs.length].record(
          { caller: caller(`req-${i}`), operationName: 'Dossier' },
          [disclosure(`ent-${i}`), disclosure(`ent-${i}-b`)],
        );
        // Sequencers integrate while others still write, each on its own connections.
        await sequencers[i % sequencers.length].integrate();
      }),
    );
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    await Promise.all(sequencers.map((sequencer) => sequencer.integrate()));
    await sequencers[0].integrate();

    const report = await auditLog(test.databases.exchange, { jwks: { keys: [key.publicJwk] } });
    expect(report.problem).toBeUndefined();
    expect(report.pending).toBe(0);
    expect(report.head?.treeSize).toBe(requests * 2);
    expect(report.checked).toBe(requests * 2);
    // Every signed head extends the one before it.
    const heads = await test.databases.exchange.rows<{ tree_size: string }>(
      sql`select tree_size from tree_heads order by tree_size`,
    );
    for (const [i, { tree_size }] of heads.entries()) {
      if (i === 0) continue;
      const witnessed = await auditLog(test.databases.exchange, {
        jwks: { keys: [key.publicJwk] },
        witnessed: {
          head: (await headOfSize(test.databases.exchange, Number(heads[i - 1].tree_size)))!,
        },
      });
      expect(witnessed.problem, `head ${tree_size}`).toBeUndefined();
    }
    const ids = await test.databases.exchange.rows<{ request_id: string }>(
      sql`select distinct d.request_id from disclosures d join log_leaves l using (seq)`,
    );
    expect(new Set(ids.map((r) => r.request_id)).size).toBe(requests);
  });
});

async function headOfSize(exchange: Database, size: number) {
  const [row] = await exchange.rows<{
    tree_size: string;
    root_hash: string;
    at: string | Date;
    signature: string;
  }>(sql`select tree_size, root_hash, at, signature from tree_heads where tree_size = ${size}`);
  if (!row) return undefined;
  return {
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash,
    timestamp: new Date(row.at).toISOString(),
    signature: row.signature,
  };
}
