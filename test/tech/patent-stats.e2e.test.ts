import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/databases.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';

const STATS = 'patentStats { enterpriseId total inventions utilityModels designs granted pledged }';
const STATS_ALONE = `{ enterprises(first: 60) { nodes { id ${STATS} } } }`;
const STATS_WITH_PATENTS = `{ enterprises(first: 60) { nodes {
  id ${STATS} patents { kind status pledge { status } }
} } }`;

type Stats = Record<string, number | string>;
type Patent = { kind: string; status: string; pledge: { status: string } | null };

/** What `patentStats` says of an enterprise's patents, counted from the patents themselves. */
function counted(id: string, patents: Patent[]): Stats {
  const n = (test: (p: Patent) => boolean) => patents.filter(test).length;
  return {
    enterpriseId: id,
    total: patents.length,
    inventions: n((p) => p.kind === 'INVENTION' || p.kind === 'PCT_INVENTION'),
    utilityModels: n((p) => p.kind === 'UTILITY_MODEL' || p.kind === 'PCT_UTILITY_MODEL'),
    designs: n((p) => p.kind === 'DESIGN'),
    granted: n((p) => p.status === 'GRANTED'),
    pledged: n((p) => p.pledge?.status === 'PLEDGED'),
  };
}

for (const backend of BACKENDS) {
  describe(`an enterprise's patent counts (${backend})`, () => {
    let graph: TestGraph;
    let office: string;
    beforeAll(async () => {
      graph = await startTestGraph(backend, { seedScale: 0.1 });
      office = await graph.token('finance_office');
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const ask = async (query: string) => {
      const statements = graph.graph.databases.tech.statements;
      const before = statements.count;
      const { body } = await graph.query(query, {}, office);
      expect(body.errors ?? []).toEqual([]);
      const sent = statements.recent.slice(-(statements.count - before));
      return { nodes: body.data.enterprises.nodes as Record<string, any>[], sent };
    };

    it('are counted by the database when the patents are not asked for, and agree with them', async () => {
      const alone = await ask(STATS_ALONE);
      const withPatents = await ask(STATS_WITH_PATENTS);

      // Asked alone, one statement counts them; asked beside the patents, they are counted from
      // the rows the patents were loaded from, and no counting statement is sent.
      const counting = (sql: string) => sql.includes('count(*) filter');
      expect(alone.sent.filter(counting)).toHaveLength(1);
      expect(alone.sent.some((sql) => sql.includes('"patents"."title"'))).toBe(false);
      expect(withPatents.sent.filter(counting)).toHaveLength(0);

      expect(alone.nodes.map((e) => e.id)).toEqual(withPatents.nodes.map((e) => e.id));
      for (const [i, enterprise] of withPatents.nodes.entries()) {
        const expected = counted(enterprise.id, enterprise.patents);
        expect(enterprise.patentStats).toEqual(expected);
        expect(alone.nodes[i].patentStats).toEqual(expected);
      }
      // The page holds enterprises with patents of several kinds and some with none at all.
      const totals = withPatents.nodes.map((e) => e.patentStats.total);
      expect(totals.some((t) => t === 0)).toBe(true);
      expect(withPatents.nodes.some((e) => e.patentStats.inventions > 0)).toBe(true);
      expect(withPatents.nodes.some((e) => e.patentStats.granted < e.patentStats.total)).toBe(true);
    });
  });
}
