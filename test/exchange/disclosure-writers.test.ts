import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DisclosureLog, verifyChain } from '../../gateway/disclosure-log.js';
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

// Several gateways, each with its own connection pool, append to one log at once: the unique
// index on prev_hash must keep the chain whole, with every acknowledged entry in it.
describe.skipIf(!process.env.TEST_DATABASE_URL)('disclosure log with several writers', () => {
  let test: TestDatabases;
  const extra: Database[] = [];

  beforeAll(async () => {
    test = await createTestDatabases('postgres');
  });
  afterAll(async () => {
    await Promise.all(extra.map((database) => database.close()));
    await test?.drop();
  });

  it('keeps one unbroken chain holding every acknowledged entry', async () => {
    const [{ name }] = await test.databases.exchange.rows<{ name: string }>(
      sql`select current_database() as name`,
    );
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${name}`;
    for (let i = 0; i < 3; i++) extra.push(await openDatabase('exchange', { url: url.href }));
    const logs = [test.databases.exchange, ...extra].map((database) => new DisclosureLog(database));
    const requests = 40;
    const settled = await Promise.allSettled(
      Array.from({ length: requests }, (_, i) =>
        logs[i % logs.length].record({ caller: caller(`req-${i}`), operationName: 'Dossier' }, [
          disclosure(`ent-${i}`),
          disclosure(`ent-${i}-b`),
        ]),
      ),
    );
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    const report = await verifyChain(test.databases.exchange);
    expect(report.broken).toBeUndefined();
    expect(report.entries).toBe(requests * 2);
    const ids = await test.databases.exchange.rows<{ request_id: string }>(
      sql`select distinct request_id from disclosures`,
    );
    expect(new Set(ids.map((r) => r.request_id)).size).toBe(requests);
  });
});
