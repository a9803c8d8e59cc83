import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES } from '../../subgraphs/kernel/config.js';
import { BACKENDS } from '../helpers/databases.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';

const DOSSIERS = `query Dossiers($first: Int!) {
  enterprises(first: $first) {
    nodes {
      id name uscc contact { phone } financials { year revenue }
      patents { number valuation owner { name } }
      patentStats { total granted }
      listingTier
      financingNeeds { id status amount mainBank { name } recommendedProducts(first: 3) { name bank { name } } solutions { id bank { name } } }
      creditSummary { totalApproved outstanding }
      creditLines { id amount loans { id amount firstLoan } outstanding bank { name } }
      consents { id dataSets bank { name } }
    }
  }
}`;

for (const backend of BACKENDS) {
  describe(`SQL statements per request (${backend})`, () => {
    let graph: TestGraph;
    beforeAll(async () => {
      // The log's sequencer integrates on a timer of its own: counted here, its rounds would land
      // in whichever request they overlap, so it waits out the test.
      graph = await startTestGraph(backend, {
        seedScale: 0.1,
        env: { LOG_INTEGRATION_MS: String(3_600_000) },
      });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const countStatements = async (first: number) => {
      const token = await graph.token('finance_office');
      const before = Object.fromEntries(
        SUBGRAPH_NAMES.map((n) => [n, graph.graph.databases[n].statements.count]),
      );
      const { body } = await graph.query(DOSSIERS, { first }, token);
      expect(body.errors ?? []).toEqual([]);
      expect(body.data.enterprises.nodes).toHaveLength(first);
      return Object.fromEntries(
        SUBGRAPH_NAMES.map((n) => [n, graph.graph.databases[n].statements.count - before[n]]),
      );
    };

    it('stays the same whatever the page size: one statement per entity type per subgraph request', async () => {
      // The first request warms what a gateway loads once.
      await countStatements(1);
      const small = await countStatements(5);
      const large = await countStatements(50);
      expect(large).toEqual(small);
      // tech: the page, financials, patents, their owners. finance: needs, products ranked, tiers.
      // banks: summary, lines, loans, solutions, and Bank names once per plan fetch that needs
      // them (main banks, product banks, solution banks, line banks, consent banks). exchange:
      // consents, and the one INSERT of the disclosure log (the office reads on its mandate).
      expect(small).toEqual({ tech: 4, finance: 3, banks: 9, exchange: 2 });
    });
  });
}
