import {
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
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

/**
 * The paths where the operation selects `secretNote` and the stock answer has the key, null or
 * not: a field refused by scope is withheld wherever it is asked, even on an object the subgraph
 * owning it does not have (a null entity, whose fields stock federation answers null). Read from
 * the operation and the stock answer alone; type conditions by the answer's keys.
 */
function scopeRefusedPaths(
  document: DocumentNode,
  operationName: string | undefined,
  data: unknown,
) {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
    if (
      definition.kind === Kind.OPERATION_DEFINITION &&
      (!operationName || definition.name?.value === operationName)
    )
      operation ??= definition;
  }
  const out: Path[] = [];
  const walk = (set: SelectionSetNode, value: unknown, at: Path) => {
    if (Array.isArray(value)) return value.forEach((item, i) => walk(set, item, [...at, i]));
    if (value === null || typeof value !== 'object') return;
    const object = value as Record<string, unknown>;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        walk(fragments.get(selection.name.value)!.selectionSet, object, at);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, object, at);
      } else {
        const key = selection.alias?.value ?? selection.name.value;
        if (!(key in object)) continue;
        if (selection.name.value === 'secretNote') out.push([...at, key]);
        if (selection.selectionSet) walk(selection.selectionSet, object[key], [...at, key]);
      }
    }
  };
  if (operation) walk(operation.selectionSet, data, []);
  return out;
}

/** Withheld from the enterprise: by its policies (from the values) and by scope (from the operation). */
function withheldPaths(op: Operation, data: unknown): Path[] {
  const paths = new Map<string, Path>();
  for (const path of [
    ...gatedPaths(data),
    ...scopeRefusedPaths(parse(op.query), op.operationName, data),
  ])
    paths.set(JSON.stringify(path), path);
  return [...paths.values()];
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
        const withheld = withheldPaths(op, stock.body.data);
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
        if (withheldPaths(op, stock.body.data).length === 0) {
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
