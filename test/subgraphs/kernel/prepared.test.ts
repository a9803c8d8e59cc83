import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, sql } from 'drizzle-orm';
import type { Caller } from '../../../subgraphs/kernel/caller.js';
import type { Db } from '../../../subgraphs/kernel/db.js';
import { anyOfPlaceholder, preparedOnce } from '../../../subgraphs/kernel/sql.js';
import { TechRepository } from '../../../subgraphs/tech/repository.js';
import { enterprises, patents } from '../../../subgraphs/tech/tables.js';
import { BACKENDS, createTestDatabases, type TestDatabases } from '../../helpers/databases.js';

/** Every kind of field a hot statement selects: columns, nested tables, a left join, SQL. */
function enterprisePatents(db: Db) {
  return db
    .select({
      id: enterprises.id,
      shout: sql<string>`upper(${enterprises.name})`,
      since: sql`${enterprises.createdAt}`.mapWith(enterprises.createdAt),
      enterprise: enterprises,
      patent: patents,
    })
    .from(enterprises)
    .leftJoin(patents, eq(patents.enterpriseId, enterprises.id))
    .where(anyOfPlaceholder(enterprises.id, 'ids'))
    .orderBy(asc(enterprises.id), asc(patents.id));
}

function caller(party: Caller['party'], org: string | null): Caller {
  return { sub: `${party}-${org}`, party, org, scopes: new Set(), requestId: 'prepared-test' };
}

function enterprise(id: string, uscc: string) {
  return {
    id,
    uscc,
    name: `Enterprise ${id}`,
    district: 'haidian',
    industry: 'C39',
    stage: 'GROWTH',
    foundedOn: '2015-03-02',
    libraryStatus: 'IN_LIBRARY',
    legalRepresentative: 'Li Lei',
    contactPerson: 'Han Meimei',
    phone: '010-12345678',
    address: 'Zhongguancun',
  };
}

for (const backend of BACKENDS) {
  describe(`statements prepared once (${backend})`, () => {
    let dbs: TestDatabases;
    let db: Db;
    beforeAll(async () => {
      dbs = await createTestDatabases(backend);
      db = dbs.databases.tech.db;
      await db
        .insert(enterprises)
        .values([
          { ...enterprise('ent-a', '91110108MA01A0001X'), highTechCertificate: 'GR2023' },
          enterprise('ent-b', '91110108MA01A0002X'),
        ]);
      await db.insert(patents).values([
        {
          id: 'pat-1',
          number: '201710601862.3',
          kind: 'INVENTION',
          title: 'A battery',
          status: 'GRANTED',
          filedOn: '2017-07-01',
          grantedOn: '2019-01-02',
          ipcClass: 'H01M',
          enterpriseId: 'ent-a',
          valuationFen: 12_345_678_901,
        },
        {
          id: 'pat-2',
          number: '201810601862.4',
          kind: 'DESIGN',
          title: 'A case',
          status: 'FILED',
          filedOn: '2018-07-01',
          ipcClass: 'H01M',
          enterpriseId: 'ent-a',
        },
      ]);
    });
    afterAll(async () => {
      await dbs?.drop();
    });

    it('maps rows as drizzle does, a table missing from a left join as null', async () => {
      const ids = ['ent-a', 'ent-b'];
      const statement = preparedOnce(db, 'test.enterprisePatents', (name) =>
        enterprisePatents(db).prepare(name),
      );
      const rows = await statement.execute({ ids });
      expect(rows).toEqual(await enterprisePatents(db).prepare('unmapped').execute({ ids }));
      expect(rows.map((row) => [row.id, row.patent?.id ?? null])).toEqual([
        ['ent-a', 'pat-1'],
        ['ent-a', 'pat-2'],
        ['ent-b', null],
      ]);
      expect(rows[0].since).toBeInstanceOf(Date);
      expect(rows[0].patent?.valuationFen).toBe(12_345_678_901);
      // The mapper hangs on a field drizzle keeps private: were it renamed, rows would silently
      // go back to drizzle's slower mapping.
      expect((statement as unknown as { customResultMapper?: unknown }).customResultMapper).toEqual(
        expect.any(Function),
      );
    });

    it('builds a statement once per database handle and key, binding values per call', async () => {
      let built = 0;
      const byId = (id: string) =>
        preparedOnce(db, 'test.enterpriseName', (name) => {
          built++;
          return db
            .select({ name: enterprises.name })
            .from(enterprises)
            .where(eq(enterprises.id, sql.placeholder('id')))
            .prepare(name);
        }).execute({ id });
      expect(await byId('ent-a')).toEqual([{ name: 'Enterprise ent-a' }]);
      expect(await byId('ent-b')).toEqual([{ name: 'Enterprise ent-b' }]);
      expect(built).toBe(1);
    });

    it("scopes rows to each caller: the caller's org is bound, not built into the statement", async () => {
      const ids = ['ent-a', 'ent-b'];
      const seen = async (who: Caller) =>
        (await new TechRepository(db, who).enterprisesByIds(ids)).map((row) => row.id).sort();
      expect(await seen(caller('enterprise', 'ent-a'))).toEqual(['ent-a']);
      expect(await seen(caller('enterprise', 'ent-b'))).toEqual(['ent-b']);
      expect(await seen(caller('enterprise', null))).toEqual([]);
      expect(await seen(caller('bank', 'bank-x'))).toEqual(ids);
      const patentsOf = async (who: Caller) =>
        (await new TechRepository(db, who).patentsByEnterprises(ids)).map((row) => row.id);
      expect(await patentsOf(caller('enterprise', 'ent-b'))).toEqual([]);
      expect(await patentsOf(caller('enterprise', 'ent-a'))).toEqual(['pat-1', 'pat-2']);
    });
  });
}
