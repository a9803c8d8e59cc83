import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/databases.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { usccProblem } from '../../subgraphs/kernel/identifiers.js';

for (const backend of BACKENDS) {
  describe(`the seeded graph end to end (${backend})`, () => {
    let graph: TestGraph;
    let finance: string;
    beforeAll(async () => {
      graph = await startTestGraph(backend, { seedScale: 0.1 });
      finance = await graph.token('finance_office');
    });
    afterAll(async () => {
      await graph?.stop();
    });

    it('reports ready once the supergraph is loaded and every subgraph answers', async () => {
      const response = await fetch(new URL('/ready', graph.graph.gateway.url));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        status: 'ready',
        supergraph: true,
        subgraphs: { tech: 'up', finance: 'up', banks: 'up', exchange: 'up' },
      });
    });

    it('joins one enterprise across all four subgraphs', async () => {
      const { body } = await graph.query(
        `{ enterprises(first: 100) { nodes { id uscc financingNeeds { id enterprise { uscc } } creditLines { id enterprise { id } } consents { id enterprise { id } } } } }`,
        {},
        finance,
      );
      expect(body.errors ?? []).toEqual([]);
      const nodes = body.data.enterprises.nodes as any[];
      expect(nodes).toHaveLength(100);
      for (const node of nodes) {
        expect(usccProblem(node.uscc)).toBeNull();
        for (const need of node.financingNeeds) expect(need.enterprise.uscc).toBe(node.uscc);
        for (const line of node.creditLines) expect(line.enterprise.id).toBe(node.id);
        for (const consent of node.consents) expect(consent.enterprise.id).toBe(node.id);
      }
      expect(nodes.some((n) => n.financingNeeds.length > 0)).toBe(true);
      expect(nodes.some((n) => n.creditLines.length > 0)).toBe(true);
      expect(nodes.some((n) => n.consents.length > 0)).toBe(true);
    });

    it('resolves an enterprise by either key', async () => {
      const { body: first } = await graph.query(
        '{ enterprise(id: "ent-000007") { uscc name } }',
        {},
        finance,
      );
      const { body: second } = await graph.query(
        'query ($u: String!) { enterpriseByUscc(uscc: $u) { id name } }',
        { u: first.data.enterprise.uscc },
        finance,
      );
      expect(second.data.enterpriseByUscc).toEqual({
        id: 'ent-000007',
        name: first.data.enterprise.name,
      });
    });

    it('pages with opaque cursors, without gaps or repeats', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const { body }: any = await graph.query(
          'query ($after: String) { enterprises(first: 30, after: $after, filter: { libraryStatuses: [ADMITTED] }) { nodes { id libraryStatus } pageInfo { hasNextPage endCursor } } }',
          { after },
          finance,
        );
        const page = body.data.enterprises;
        for (const node of page.nodes) expect(node.libraryStatus).toBe('ADMITTED');
        seen.push(...page.nodes.map((n: { id: string }) => n.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual(seen);
      const { body } = await graph.query(
        '{ enterprises(first: 100, filter: { libraryStatuses: [ADMITTED] }) { nodes { id } } }',
        {},
        finance,
      );
      expect(seen).toEqual(body.data.enterprises.nodes.map((n: { id: string }) => n.id));
    });

    it('filters needs by status and products by amount in SQL', async () => {
      const { body } = await graph.query(
        '{ financingNeeds(first: 100, filter: { statuses: [OPEN, ASSIGNED] }) { nodes { status } } products(first: 100, filter: { amount: "5000000" }) { nodes { minAmount maxAmount } } }',
        {},
        finance,
      );
      expect(body.errors ?? []).toEqual([]);
      expect(body.data.financingNeeds.nodes.length).toBeGreaterThan(0);
      for (const need of body.data.financingNeeds.nodes)
        expect(['OPEN', 'ASSIGNED']).toContain(need.status);
      for (const p of body.data.products.nodes) {
        expect(Number(p.minAmount)).toBeLessThanOrEqual(5_000_000);
        expect(Number(p.maxAmount)).toBeGreaterThanOrEqual(5_000_000);
      }
    });

    it('answers bad input with BAD_USER_INPUT naming the field', async () => {
      const { body: uscc } = await graph.query(
        '{ enterpriseByUscc(uscc: "91110000802100433C") { id } }',
        {},
        finance,
      );
      expect(uscc.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(uscc.errors![0].message).toBe('uscc: check character should be "B", got "C"');
      const { body: page } = await graph.query(
        '{ enterprises(first: 1000) { nodes { id } } }',
        {},
        finance,
      );
      expect(page.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(page.errors![0].message).toBe('first: must be between 0 and 100');
      const { body: cursor } = await graph.query(
        '{ enterprises(after: "garbage") { nodes { id } } }',
        {},
        finance,
      );
      expect(cursor.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      const { body: money } = await graph.query(
        'query ($amount: Money) { products(filter: { amount: $amount }) { nodes { id } } }',
        { amount: '1.234' },
        finance,
      );
      expect(money.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(money.errors![0].message).toContain(
        'is not an amount in yuan with at most two decimals',
      );
      const { body: literal } = await graph.query(
        '{ products(filter: { amount: "1.234" }) { nodes { id } } }',
        {},
        finance,
      );
      expect(literal.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(literal.errors![0].message).toContain(
        'is not an amount in yuan with at most two decimals',
      );
    });
  });
}
