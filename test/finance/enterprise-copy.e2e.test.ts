import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { SubgraphName } from '../../subgraphs/kernel/config.js';
import type { Database } from '../../subgraphs/kernel/db.js';
import { refreshProfiles, staleProfiles } from '../../scripts/seed/profiles.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { feedSettled, insertNeeds, ok, parties, sleep } from './helpers.js';

// A need's enterprise, as a bank's feed page shows it: answered from finance's copy of the library.
const ENTERPRISE = `id name uscc district industry stage highTechCertificate
  patentStats { enterpriseId total inventions granted }`;
const PAGE = `query { prospectFeed(first: 50) {
  nodes { need { id enterprise { ${ENTERPRISE} } } } caughtUp } }`;
const LIBRARY = `query ($id: ID!) { enterprise(id: $id) { ${ENTERPRISE} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateEnterpriseInput!) {
  updateEnterprise(id: $id, input: $input) { id } }`;

async function prepare(databases: Record<SubgraphName, Database>) {
  await loadFixture(databases);
  await insertNeeds(
    databases.finance,
    ['ent-a', 'ent-b', 'ent-c'].map((enterpriseId, i) => ({
      id: `need-copy-${i + 1}`,
      enterpriseId,
      amountFen: (i + 1) * 100_000_000,
      collateral: ['PATENT_PLEDGE'],
    })),
  );
}

type Shown = { id: string; name: string; [field: string]: unknown };

for (const backend of BACKENDS) {
  describe(`finance's copy of the library (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const databases = () => graph.graph.databases;

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    /**
     * Each need's enterprise on the bank's first page, by enterprise id, once the page has caught
     * up: on a shared PostgreSQL server another database's open transaction holds the feed's
     * horizon back for a while, and the page then says so (`caughtUp: false`).
     */
    const page = async () => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const data = ok(await graph.query(PAGE, {}, await as('bank', 'boc')));
        if (data.prospectFeed.caughtUp) {
          const shown = new Map<string, Shown>();
          for (const node of data.prospectFeed.nodes) {
            shown.set(node.need.enterprise.id, node.need.enterprise);
          }
          return shown;
        }
        if (Date.now() > deadline) throw new Error('the feed did not catch up within 30 s');
        await sleep(100);
      }
    };
    const library = async (id: string) =>
      ok(await graph.query(LIBRARY, { id }, await as('bank', 'boc'))).enterprise as Shown;

    it("shows a need's enterprise as the library does, without asking the library", async () => {
      const tech = databases().tech.statements;
      const before = tech.count;
      const shown = await page();
      expect(tech.count - before).toBe(0);
      expect([...shown.keys()].sort()).toEqual(['ent-a', 'ent-b', 'ent-c']);
      for (const [id, enterprise] of shown) expect(enterprise).toEqual(await library(id));
      // The counts are the library's public ones, patents of the fixture included.
      const counted = [...shown.values()].map((e) => e.patentStats as { total: number });
      expect(counted.some((stats) => stats.total > 0)).toBe(true);
    });

    it("reads the copies only when a page asks for a need's enterprise's attributes", async () => {
      const finance = databases().finance.statements;
      // Every need below the horizon, so that each page below holds the three of them.
      await feedSettled(databases().finance);
      const ask = async (enterprise: string) => {
        const query = `query { prospectFeed(first: 50) { nodes { need { id enterprise { ${enterprise} } } } } }`;
        ok(await graph.query(query, {}, await as('bank', 'boc')));
        const before = finance.count;
        const data = ok(await graph.query(query, {}, await as('bank', 'boc')));
        const ids = data.prospectFeed.nodes.map((node: { need: { id: string } }) => node.need.id);
        expect(ids).toEqual(expect.arrayContaining(['need-copy-1', 'need-copy-2', 'need-copy-3']));
        return {
          count: finance.count - before,
          texts: finance.recent.slice(-(finance.count - before)),
        };
      };
      const copies = (texts: string[]) => texts.filter((text) => /enterprise_profiles/.test(text));
      const keyOnly = await ask('id financingNeeds { id }');
      const attributes = await ask('id name patentStats { total }');
      expect(copies(keyOnly.texts)).toEqual([]);
      expect(copies(attributes.texts)).toHaveLength(1);
      expect(copies((await ask('id')).texts)).toEqual([]);
    });

    it('follows every library write that changes what it shows', async () => {
      ok(
        await graph.query(
          UPDATE,
          {
            id: 'ent-b',
            input: {
              name: '咸宁更名科技有限公司',
              stage: 'MATURE',
              highTechCertificate: 'GR202442009999',
              highTechValidUntil: '2029-12-31',
            },
          },
          await as('tech_bureau'),
        ),
      );
      const shown = (await page()).get('ent-b')!;
      expect(shown).toMatchObject({
        name: '咸宁更名科技有限公司',
        stage: 'MATURE',
        highTechCertificate: 'GR202442009999',
      });
      expect(shown).toEqual(await library('ent-b'));
    });

    it('is completed from the library after an upgrade, and refuses to guess before', async () => {
      const { tech, finance } = databases();
      await finance.db.execute(
        sql`update enterprise_profiles set name = null, patents = null where enterprise_id = 'ent-c'`,
      );
      expect(await staleProfiles(tech.db, finance.db)).toBe(1);
      await feedSettled(finance);
      const refused = await graph.query(PAGE, {}, await as('bank', 'boc'));
      expect(refused.body.errors?.length).toBeGreaterThan(0);
      // Whatever the subgraph said stays in the logs: no table, command or stack reaches a bank.
      expect(JSON.stringify(refused.body.errors)).not.toMatch(/profiles|refresh|at \//);

      expect(await refreshProfiles(tech.db, finance.db)).toBe(3);
      expect(await staleProfiles(tech.db, finance.db)).toBe(0);
      expect((await page()).get('ent-c')).toEqual(await library('ent-c'));
    });
  });
}
