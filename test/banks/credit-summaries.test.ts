import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { seedDatabases } from '../../scripts/seed/load.js';
import type { Caller } from '../../subgraphs/kernel/caller.js';
import { BanksRepository, type CreditSummaryRow } from '../../subgraphs/banks/repository.js';
import { createLoaders } from '../../subgraphs/banks/loaders.js';
import { BACKENDS, createTestDatabases, type TestDatabases } from '../helpers/databases.js';

const byKey = (rows: CreditSummaryRow[]) =>
  [...rows].sort((a, b) =>
    `${a.over}:${a.enterpriseId}`.localeCompare(`${b.over}:${b.enterpriseId}`),
  );

for (const backend of BACKENDS) {
  // A dossier asks for both summaries of an enterprise: one statement answers the two, and must
  // answer exactly what each kind's own statement does, for callers that see a part of the
  // lines as for those that see them all.
  describe(`credit summaries, both in one statement (${backend})`, () => {
    let test: TestDatabases;
    let enterpriseIds: string[];
    let bankIds: string[];

    beforeAll(async () => {
      test = await createTestDatabases(backend);
      await seedDatabases(test.databases, 0.1);
      const banks = test.databases.banks;
      enterpriseIds = (
        await banks.rows<{ id: string }>(
          sql`select distinct enterprise_id as id from credit_lines order by 1`,
        )
      ).map((row) => row.id);
      bankIds = (
        await banks.rows<{ id: string }>(sql`select distinct bank_id as id from credit_lines`)
      ).map((row) => row.id);
    });
    afterAll(async () => {
      await test?.drop();
    });

    const caller = (party: Caller['party'], org: string | null): Caller => ({
      sub: `test-${party}`,
      party,
      org,
      scopes: new Set<string>(),
      requestId: 'credit-summaries',
    });

    it('gives each kind the rows of its own statement', async () => {
      expect(enterpriseIds.length).toBeGreaterThan(10);
      const callers = [caller('finance_office', null), ...bankIds.map((id) => caller('bank', id))];
      let narrower = 0;
      for (const who of callers) {
        const repository = new BanksRepository(test.databases.banks.db, who);
        const visible = await repository.creditSummaries(enterpriseIds, 'visible');
        const pooled = await repository.creditSummaries(enterpriseIds, 'pooled');
        const both = await repository.bothCreditSummaries(enterpriseIds);
        expect(byKey(both)).toEqual(byKey([...visible, ...pooled]));
        expect(pooled.every((row) => row.over === 'pooled')).toBe(true);
        expect(visible.every((row) => row.over === 'visible')).toBe(true);
        if (
          JSON.stringify(byKey(visible)) !==
          JSON.stringify(byKey(pooled).map((row) => ({ ...row, over: 'visible' })))
        ) {
          narrower++;
        }
      }
      // The banks see only their own lines: their visible summaries differ from the pooled ones.
      expect(narrower).toBeGreaterThanOrEqual(bankIds.length);
    });

    it('loads both kinds asked in one turn with one statement, each as asked', async () => {
      const database = test.databases.banks;
      const who = caller('bank', bankIds[0]);
      const repository = new BanksRepository(database.db, who);
      const expected = new Map(
        [
          ...(await repository.creditSummaries(enterpriseIds, 'visible')),
          ...(await repository.creditSummaries(enterpriseIds, 'pooled')),
        ].map((row) => [`${row.over}:${row.enterpriseId}`, row]),
      );
      const loaders = createLoaders(repository);
      const before = database.statements.count;
      const keys = enterpriseIds.flatMap((enterpriseId) => [
        { over: 'visible' as const, enterpriseId },
        { over: 'pooled' as const, enterpriseId },
      ]);
      const loaded = await Promise.all(keys.map((key) => loaders.creditSummary.load(key)));
      expect(database.statements.count - before).toBe(1);
      expect(loaded).toEqual(
        keys.map((key) => expected.get(`${key.over}:${key.enterpriseId}`) ?? null),
      );
      // One kind alone is that kind's own statement.
      const alone = createLoaders(repository);
      const visible = await Promise.all(
        enterpriseIds.map((enterpriseId) =>
          alone.creditSummary.load({ over: 'visible', enterpriseId }),
        ),
      );
      expect(visible).toEqual(enterpriseIds.map((id) => expected.get(`visible:${id}`) ?? null));
    });
  });
}
