import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metrics } from '../../gateway/metrics.js';
import type { Party } from '../../subgraphs/kernel/caller.js';
import { loadFixture } from '../helpers/fixture.js';
import { GRAPH_VARIANTS, startTestGraph, type TestGraph } from '../helpers/graph.js';

type Who = [Party, string?];
const TECH: Who = ['tech_bureau'];
const FINANCE: Who = ['finance_office'];
const PBOC: Who = ['pboc'];
const ICBC: Who = ['bank', 'icbc'];
const ABC: Who = ['bank', 'abc'];
const BOC: Who = ['bank', 'boc'];
const ENT_A: Who = ['enterprise', 'ent-a'];
const ENT_B: Who = ['enterprise', 'ent-b'];

function at(data: any, path: string): any {
  return path.split('.').reduce((value, key) => (value == null ? value : value[key]), data);
}

/**
 * Each row of the permitted-share matrix, per party, against the fixture: `visible` means a value
 * came back, `withheld` means null with one UNAUTHORIZED_FIELD_OR_TYPE error at that path.
 */
const FIELD_CASES: {
  data: string;
  query: string;
  path: string;
  visible: Who[];
  withheld: Who[];
}[] = [
  {
    data: 'Enterprise public profile',
    query: '{ enterprise(id: "ent-b") { name uscc district libraryStatus patentStats { total } } }',
    path: 'enterprise.name',
    visible: [TECH, FINANCE, PBOC, ICBC, ABC, ENT_B],
    withheld: [],
  },
  {
    data: 'Enterprise contact (main bank)',
    query: '{ enterprise(id: "ent-b") { id contact { phone } } }',
    path: 'enterprise.contact',
    visible: [TECH, FINANCE, ICBC, ENT_B],
    withheld: [PBOC, ABC, BOC],
  },
  {
    data: 'Enterprise contact (consent)',
    query: '{ enterprise(id: "ent-a") { id contact { phone legalRepresentative } } }',
    path: 'enterprise.contact',
    visible: [TECH, FINANCE, ABC, ENT_A],
    withheld: [PBOC, ICBC, BOC],
  },
  {
    data: 'Enterprise annual financials',
    query: '{ enterprise(id: "ent-a") { id financials { year revenue } } }',
    path: 'enterprise.financials',
    visible: [TECH, FINANCE, ABC, ENT_A],
    withheld: [PBOC, ICBC, BOC],
  },
  {
    data: 'Library assessment',
    query: '{ enterprise(id: "ent-a") { id assessment { techSmeScore } } }',
    path: 'enterprise.assessment',
    visible: [TECH, FINANCE],
    withheld: [PBOC, ICBC, ABC, ENT_A],
  },
  {
    data: 'Patent public data',
    query: '{ patent(id: "pat-a1") { number title status } }',
    path: 'patent.number',
    visible: [TECH, FINANCE, PBOC, ICBC, ABC, ENT_A],
    withheld: [],
  },
  {
    data: 'Patent valuation',
    query: '{ patent(id: "pat-c1") { id valuation pledge { status } } }',
    path: 'patent.valuation',
    visible: [TECH, FINANCE],
    withheld: [PBOC, ICBC, ABC],
  },
  {
    data: 'Enterprise pooled credit summary',
    query: '{ enterprise(id: "ent-c") { id pooledCreditSummary { totalApproved } } }',
    path: 'enterprise.pooledCreditSummary',
    visible: [FINANCE, PBOC],
    withheld: [TECH, ICBC, ABC],
  },
  {
    data: 'FinancingSolution',
    query: '{ financingNeed(id: "need-b1") { id solutions { id } } }',
    path: 'financingNeed.solutions',
    visible: [FINANCE, ICBC, ENT_B],
    withheld: [TECH],
  },
];

for (const { backend, inProcess, label } of GRAPH_VARIANTS) {
  describe(`the permitted share (${label})`, () => {
    let graph: TestGraph;
    const tokens = new Map<string, string>();
    const ask = async (who: Who, query: string) => {
      const key = who.join(':');
      if (!tokens.has(key)) tokens.set(key, await graph.token(who[0], who[1]));
      return graph.query(query, undefined, tokens.get(key));
    };

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare: loadFixture, inProcess });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    for (const row of FIELD_CASES) {
      for (const who of row.visible) {
        it(`shows ${row.data} to ${who.join(' ')}`, async () => {
          const { status, body } = await ask(who, row.query);
          expect(status, JSON.stringify(body)).toBe(200);
          expect(at(body.data, row.path)).not.toBeNull();
          expect(at(body.data, row.path)).not.toBeUndefined();
          expect(body.errors ?? []).toEqual([]);
        });
      }
      for (const who of row.withheld) {
        it(`withholds ${row.data} from ${who.join(' ')}`, async () => {
          const { status, body } = await ask(who, row.query);
          expect(status).toBe(200);
          expect(at(body.data, row.path)).toBeNull();
          const path = row.path.split('.');
          const errors = (body.errors ?? []).filter(
            (e) => JSON.stringify(e.path) === JSON.stringify(path),
          );
          expect(errors).toHaveLength(1);
          expect(errors[0].extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
          // The rest of the response is still served.
          expect(at(body.data, path.slice(0, -1).join('.'))).not.toBeNull();
        });
      }
    }

    it('decides per object: one list shows one enterprise’s contact and withholds another’s', async () => {
      const { body } = await ask(
        ICBC,
        '{ enterprises(first: 10) { nodes { id contact { phone } } } }',
      );
      const nodes = body.data.enterprises.nodes as { id: string; contact: unknown }[];
      expect(nodes.map((n) => n.id)).toEqual(['ent-a', 'ent-b', 'ent-c']);
      expect(nodes.find((n) => n.id === 'ent-b')!.contact).toEqual({ phone: '13800000000' });
      expect(nodes.find((n) => n.id === 'ent-a')!.contact).toBeNull();
      expect(nodes.find((n) => n.id === 'ent-c')!.contact).toBeNull();
      const paths = body.errors!.map((e) => e.path!.join('.')).sort();
      expect(paths).toEqual(['enterprises.nodes.0.contact', 'enterprises.nodes.2.contact']);
      expect(body.errors![0].message).toContain('consent for CONTACT');
      expect(body.errors![0].message).not.toContain('13800000000');
    });

    it('filters rows silently: each party sees only its needs', async () => {
      const ids = async (who: Who) => {
        const { body } = await ask(who, '{ financingNeeds(first: 50) { nodes { id } } }');
        expect(body.errors ?? []).toEqual([]);
        return body.data.financingNeeds.nodes.map((n: { id: string }) => n.id);
      };
      expect(await ids(FINANCE)).toEqual(['need-a1', 'need-b1', 'need-c1']);
      expect(await ids(TECH)).toEqual(['need-a1', 'need-b1', 'need-c1']);
      expect(await ids(ICBC)).toEqual(['need-a1', 'need-b1']);
      expect(await ids(ABC)).toEqual(['need-a1', 'need-c1']);
      expect(await ids(BOC)).toEqual(['need-a1']);
      expect(await ids(ENT_B)).toEqual(['need-b1']);
    });

    it('gives the PBOC no need rows: aggregates only', async () => {
      const { body } = await ask(PBOC, '{ financingNeeds(first: 50) { nodes { id } } }');
      expect(body.data.financingNeeds).toBeNull();
      expect(body.errors![0].extensions!.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });

    it('lists a bank’s own credit lines and an enterprise’s own', async () => {
      const lines = async (who: Who) => {
        const { body } = await ask(who, '{ creditLines(first: 50) { nodes { id bank { id } } } }');
        return body.data.creditLines?.nodes.map((n: { id: string }) => n.id) ?? null;
      };
      expect(await lines(FINANCE)).toEqual(['cl-1', 'cl-2']);
      expect(await lines(PBOC)).toEqual(['cl-1', 'cl-2']);
      expect(await lines(ICBC)).toEqual(['cl-1']);
      expect(await lines(ABC)).toEqual(['cl-2']);
      expect(await lines(ENT_B)).toEqual(['cl-1']);
      expect(await lines(TECH)).toBeNull();
    });

    it('serves a bank’s public fields kept from one party’s ask to another, and nothing else kept', async () => {
      const kept = () => metrics.subgraphSharedAnswers.get({ subgraph: 'banks' });
      const NAMES = '{ products(first: 100) { nodes { id bank { id name kind } } } }';
      const before = kept();
      const first = await ask(ICBC, NAMES);
      expect(first.body.data.products.nodes.length).toBeGreaterThan(1);
      expect((await ask(ENT_A, NAMES)).body).toEqual(first.body);
      expect(kept()).toBe(before + 1);
      // A bank's own rows are decided per caller every time, whoever asked first.
      const LINES = '{ creditLines(first: 50) { nodes { id bank { id name } } } }';
      const lines = async (who: Who) =>
        (await ask(who, LINES)).body.data.creditLines.nodes.map((n: { id: string }) => n.id);
      expect(await lines(ICBC)).toEqual(['cl-1']);
      expect(await lines(ABC)).toEqual(['cl-2']);
      expect(await lines(ICBC)).toEqual(['cl-1']);
      expect(kept()).toBe(before + 1);
    });

    it('calls no subgraph for a fetch whose fields are all denied', async () => {
      const finance = graph.graph.databases.finance.statements;
      const before = finance.count;
      const { body } = await ask(PBOC, '{ financingNeeds(first: 5) { nodes { id amount } } }');
      expect(body.data).toEqual({ financingNeeds: null });
      expect(finance.count).toBe(before);
    });

    it('never serves one party the plan rewritten for another (same text, either order)', async () => {
      const query =
        '{ enterprise(id: "ent-a") { name assessment { techSmeScore } contact { phone } } }';
      for (const order of [
        [PBOC, FINANCE, ABC],
        [ABC, FINANCE, PBOC],
      ]) {
        const results = new Map<string, any>();
        for (const who of order)
          results.set(who.join(':'), (await ask(who, query)).body.data.enterprise);
        expect(results.get('pboc')).toEqual({
          name: '咸宁甲科技有限公司',
          assessment: null,
          contact: null,
        });
        expect(results.get('finance_office')).toEqual({
          name: '咸宁甲科技有限公司',
          assessment: { techSmeScore: 80 },
          contact: { phone: '13800000000' },
        });
        expect(results.get('bank:abc')).toEqual({
          name: '咸宁甲科技有限公司',
          assessment: null,
          contact: { phone: '13800000000' },
        });
      }
    });

    it('lets an enterprise see only itself in the library', async () => {
      const { body } = await ask(ENT_A, '{ enterprises(first: 10) { nodes { id } } }');
      expect(body.data.enterprises.nodes).toEqual([{ id: 'ent-a' }]);
    });

    it('shows consents to the enterprise that gave them and the bank that holds them', async () => {
      const ids = async (who: Who) => {
        const { body } = await ask(who, '{ consents(first: 50) { nodes { id status } } }');
        return body.data.consents?.nodes.map((n: { id: string }) => n.id) ?? null;
      };
      expect(await ids(FINANCE)).toEqual(['cons-1', 'cons-2', 'cons-3']);
      expect(await ids(ENT_A)).toEqual(['cons-1', 'cons-2']);
      expect(await ids(ICBC)).toEqual(['cons-2', 'cons-3']);
      expect(await ids(TECH)).toBeNull();
    });
  });
}
