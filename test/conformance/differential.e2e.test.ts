import { parse, type GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeOperation } from '../../gateway/authorization/analyze.js';
import { indexRequirements } from '../../gateway/authorization/directives.js';
import { maskError } from '../../gateway/server.js';
import type { Caller } from '../../subgraphs/kernel/caller.js';
import type { GraphQLResponse } from '../helpers/graph.js';
import { startFixtureGraph, type FixtureGraph } from './fixture-graph.js';
import { OPERATIONS, type Operation } from './operations.js';
import { OWN } from './subgraphs/data.js';

type Path = (string | number)[];

/** The response as the exchange's error masking would give it: what the agency must receive. */
function masked(response: GraphQLResponse): GraphQLResponse {
  const { errors, ...rest } = response.body;
  if (!errors) return response;
  return {
    ...response,
    body: {
      ...rest,
      errors: errors.map((e) => maskError(e as GraphQLFormattedError, e)) as typeof errors,
    },
  };
}

/**
 * The paths the enterprise ent-1 must not see, read from the values themselves: another
 * enterprise's contact (`@policy` self), and every `secretNote` (a scope it does not hold).
 */
function gatedPaths(data: unknown, at: Path = []): Path[] {
  if (typeof data === 'string') {
    const contact = /^contact\/([^/]+)\//.exec(data);
    return (contact && contact[1] !== OWN) || data.startsWith('secret/') ? [at] : [];
  }
  if (data === null || typeof data !== 'object') return [];
  return Object.entries(data).flatMap(([key, value]) =>
    gatedPaths(value, [...at, Array.isArray(data) ? Number(key) : key]),
  );
}

function withNulls(data: unknown, paths: Path[]): unknown {
  const copy = structuredClone(data) as Record<string | number, unknown>;
  for (const path of paths) {
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as typeof parent;
    parent[path.at(-1)!] = null;
  }
  return copy;
}

const AGENCY = 'finance_office' as const;

describe('the exchange rewrite is transparent to federation', () => {
  let graph: FixtureGraph;

  beforeAll(async () => {
    graph = await startFixtureGraph();
  });
  afterAll(async () => {
    await graph?.stop();
  });

  it('rewrites every valid operation of the list for the agency but those its token decides alone', () => {
    const index = indexRequirements(graph.supergraphSdl);
    const agency: Caller = {
      sub: 'conformance',
      party: AGENCY,
      org: null,
      scopes: new Set(['rows:all', 'need:read', 'stats:read', 'contact:read']),
      requestId: 'conformance',
    };
    const rewritten = (op: Operation) =>
      analyzeOperation(graph.apiSchema, index, parse(op.query), op.operationName ?? null, agency)
        .rewritten;
    const valid = OPERATIONS.filter((op) => !op.invalid);
    expect(
      valid.filter((op) => rewritten(op) === Boolean(op.unrewritten)).map((op) => op.name),
    ).toEqual([]);
  });

  describe('an agency entitled to every row gets what stock federation answers', () => {
    for (const op of OPERATIONS) {
      (op.knownDifference ? it.fails : it)(op.name, async () => {
        const stock = await graph.stock(op);
        const exchange = await graph.exchange(op, AGENCY);
        expect(exchange).toEqual(masked(stock));
        // Masking is the one documented difference, and only where an error has no client code.
        if (op.masked) expect(masked(stock)).not.toEqual(stock);
        else expect(masked(stock)).toEqual(stock);
      });
    }
  });

  it('is served by `npm run gateway` with the exchange features that need its database made safe', () => {
    expect(graph.startupLog).toContain('not the exchange supergraph');
    expect(graph.startupLog).toContain('throwaway database');
  });

  describe('an enterprise gets the same, but for the paths its policies withhold', () => {
    for (const op of OPERATIONS) {
      (op.knownDifference ? it.fails : it)(op.name, async () => {
        const stock = masked(await graph.stock(op));
        const exchange = await graph.exchange(op, 'enterprise', OWN);
        const withheld = gatedPaths(stock.body.data);
        expect(exchange.status).toBe(stock.status);
        expect(exchange.body.data).toEqual(
          stock.body.data === undefined ? undefined : withNulls(stock.body.data, withheld),
        );
        const errors = exchange.body.errors ?? [];
        const refusals = errors.filter((e) => e.extensions?.code === 'UNAUTHORIZED_FIELD_OR_TYPE');
        const others = errors.filter((e) => e.extensions?.code !== 'UNAUTHORIZED_FIELD_OR_TYPE');
        expect(others).toEqual(stock.body.errors ?? []);
        const key = (path: Path | undefined) => JSON.stringify(path);
        expect(refusals.map((e) => key(e.path)).sort()).toEqual(withheld.map(key).sort());
        expect(exchange.body.extensions).toEqual(stock.body.extensions);
      });
    }
  });

  describe('in reject mode, an enterprise gets the same where nothing is withheld, else only refusals', () => {
    for (const op of OPERATIONS) {
      (op.knownDifference ? it.fails : it)(op.name, async () => {
        const stock = masked(await graph.stock(op));
        const exchange = await graph.rejecting(op, 'enterprise', OWN);
        if (gatedPaths(stock.body.data).length === 0) {
          expect(exchange).toEqual(stock);
          return;
        }
        expect(exchange.body.data).toBeUndefined();
        expect(exchange.body.errors?.length).toBeGreaterThan(0);
        const codes = new Set(exchange.body.errors!.map((e) => e.extensions?.code));
        expect([...codes]).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
      });
    }
  });
});
