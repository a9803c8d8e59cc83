import { createRequire } from 'node:module';
import {
  buildSchema,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  operationFromDocument,
  type CompositeType,
  type ObjectType,
  type OutputType,
  type SelectionSet,
} from '@apollo/federation-internals';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  apolloComputeResponse,
  computeResponse,
  useOwnResultShaping,
  type ComputeResponse,
} from '../../gateway/result-shaping.js';

const schema = buildSchema(`
  scalar Money
  enum Stage { SEED GROWTH MATURE }
  interface Node { id: ID! }
  type Enterprise implements Node {
    id: ID!
    name: String!
    stage: Stage
    founded: Int
    score: Float
    active: Boolean!
    tags: [String!]
    amount: Money
    patents: [Patent!]!
    needs: [Need]
    owner: Party
  }
  type Patent implements Node { id: ID! title: String kind: Stage! }
  type Need implements Node { id: ID! amount: Money! enterprise: Enterprise! }
  type Bank { id: ID! name: String! }
  union Party = Bank | Enterprise
  type Query {
    enterprise(id: ID!): Enterprise
    nodes: [Node!]!
    parties: [Party]!
    enterprises: [Enterprise!]
  }
`);

const operations = [
  `query Page($skip: Boolean!, $include: Boolean = true) {
    enterprise(id: "1") {
      id n: name stage founded score active __typename tags amount
      patents { id title kind }
      needs { id amount enterprise { id name @skip(if: $skip) } }
      owner { __typename ... on Bank { id name } ... on Enterprise { id stage } }
      again: patents @include(if: $include) { id }
    }
    nodes { __typename id ... on Enterprise { name } ... on Patent { title kind } ...NeedAmount }
    parties { ... on Bank { name } ... on Node { id } }
    enterprises { id name }
    __typename
    kind: __typename
  }
  fragment NeedAmount on Need { amount }`,
  `{ enterprises { id name needs { amount enterprise { active patents { kind } } } } }`,
  `query Flags($a: Boolean!, $b: Boolean!) {
    enterprise(id: "2") @include(if: $a) { id name @skip(if: $b) ... @include(if: $b) { stage } }
    parties { __typename ... on Enterprise @skip(if: $a) { name } }
  }`,
];

/** A small deterministic generator: the same answers on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Subgraph data for an operation as a gateway may merge it: mostly well-formed, and sometimes
 * a null where none may be, a field missing, a leaf of the wrong kind, an unknown enum value or
 * `__typename`, so that every error path of the shaping is taken.
 */
function answerFor(selectionSet: SelectionSet, next: () => number): Record<string, unknown> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];

  function leaf(type: OutputType): unknown {
    const roll = next();
    if (roll < 0.06) return pick(['x', 1.5, true, {}, 'BOGUS', 7]);
    const name = type.toString();
    if (isEnumType(type)) return pick(type.values).name;
    if (name === 'Int') return Math.floor(next() * 100);
    if (name === 'Float') return next() * 100;
    if (name === 'Boolean') return next() < 0.5;
    if (name === 'ID') return next() < 0.5 ? `id-${Math.floor(next() * 9)}` : 3;
    if (name === 'String') return `s${Math.floor(next() * 9)}`;
    return { fen: String(Math.floor(next() * 1e6)) };
  }

  function value(type: OutputType, selections: SelectionSet | undefined): unknown {
    const roll = next();
    if (roll < 0.05) return null;
    if (isNonNullType(type)) return value(type.ofType, selections);
    if (isListType(type)) {
      return Array.from({ length: Math.floor(next() * 4) }, () => value(type.ofType, selections));
    }
    if (isCompositeType(type)) return object(type, selections!);
    return leaf(type);
  }

  function runtimeTypes(type: CompositeType): readonly ObjectType[] {
    if (isObjectType(type)) return [type];
    if (isInterfaceType(type)) return type.possibleRuntimeTypes();
    if (isUnionType(type)) return type.types();
    return [];
  }

  function fill(
    target: Record<string, unknown>,
    selections: SelectionSet,
    runtime: ObjectType | undefined,
  ): void {
    for (const selection of selections.selections()) {
      if (selection.kind === 'FieldSelection') {
        const field = selection.element;
        if (next() < 0.04) continue;
        const name = field.responseName();
        if (field.name === '__typename') {
          if (next() < 0.5) target[name] = runtime?.name ?? 'Query';
          continue;
        }
        target[name] = value(field.definition.type!, selection.selectionSet);
      } else {
        const condition = selection.element.typeCondition;
        const applies =
          !condition || !runtime || runtimeTypes(condition).some((t) => t.name === runtime.name);
        if (applies || next() < 0.2) fill(target, selection.selectionSet, runtime);
      }
    }
  }

  function object(type: CompositeType, selections: SelectionSet): Record<string, unknown> {
    const runtime = pick(runtimeTypes(type));
    const target: Record<string, unknown> = {};
    const roll = next();
    if (roll < 0.03) target.__typename = 'Nowhere';
    else if (roll < 0.85 || !isObjectType(type)) target.__typename = runtime?.name;
    fill(target, selections, runtime);
    return target;
  }

  const root: Record<string, unknown> = {};
  fill(root, selectionSet, undefined);
  return root;
}

function run(shape: ComputeResponse, args: Parameters<ComputeResponse>[0]) {
  try {
    const { data, errors } = shape(args);
    return {
      data: JSON.parse(JSON.stringify(data ?? null)) as unknown,
      errors: errors.map((error) => ({
        message: error.message,
        path: error.path,
        extensions: error.extensions,
      })),
    };
  } catch (error) {
    return { thrown: (error as Error).message };
  }
}

describe("the gateway's shaping of answers", () => {
  it("shapes every answer as @apollo/gateway's own walk does, errors and nulls included", () => {
    const next = random(18);
    let compared = 0;
    let withErrors = 0;
    let thrown = 0;
    for (const text of operations) {
      const operation = operationFromDocument(schema, parse(text), { validate: false });
      for (let i = 0; i < 400; i++) {
        const input = answerFor(operation.selectionSet, next);
        const variables = { skip: next() < 0.5, a: next() < 0.5, b: next() < 0.5 };
        const introspectionHandling = () => ({ introspected: true });
        const theirs = run(apolloComputeResponse, {
          operation,
          variables,
          input: structuredClone(input),
          introspectionHandling,
        });
        const ours = run(computeResponse, {
          operation,
          variables,
          input: structuredClone(input),
          introspectionHandling,
        });
        expect(ours).toEqual(theirs);
        compared++;
        if ((theirs.errors?.length ?? 0) > 0) withErrors++;
        if (theirs.thrown !== undefined) thrown++;
      }
    }
    // The generated answers reach the error paths as well as the well-formed ones.
    expect(compared).toBe(1200);
    expect(withErrors).toBeGreaterThan(200);
    expect(compared - withErrors - thrown).toBeGreaterThan(100);
  });

  it('answers an empty or missing result as the library does', () => {
    const operation = operationFromDocument(schema, parse(operations[1]), { validate: false });
    const introspectionHandling = () => null;
    for (const input of [null, undefined]) {
      expect(computeResponse({ operation, input, introspectionHandling })).toEqual(
        apolloComputeResponse({ operation, input, introspectionHandling }),
      );
    }
  });

  it('is the walk @apollo/gateway calls once installed', () => {
    const fromGateway = createRequire(createRequire(import.meta.url).resolve('@apollo/gateway'));
    const shaping = fromGateway('./resultShaping') as { computeResponse: ComputeResponse };
    useOwnResultShaping();
    expect(shaping.computeResponse).toBe(computeResponse);
    expect(apolloComputeResponse).not.toBe(computeResponse);
  });
});
