import { describe, expect, it } from 'vitest';
import { gql } from 'graphql-tag';
import {
  execute,
  parse,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import * as jit from 'graphql-jit';
import { createOperationExecutor } from '../../../subgraphs/kernel/executor.js';
import { badInput } from '../../../subgraphs/kernel/errors.js';
import { Money } from '../../../subgraphs/kernel/scalars.js';
import type { Logger } from '../../../subgraphs/kernel/logger.js';

/**
 * graphql-jit's compiler, counting what it compiles and how many requests the functions it made
 * answered (passed to the executor: the main test project shares modules between files, so a
 * module mock would not reach an executor another file loaded first).
 */
function countingCompiler() {
  const compiled: (string | undefined)[] = [];
  const runs = { count: 0 };
  const compile = (
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName?: string,
    options?: Parameters<typeof jit.compileQuery>[3],
  ) => {
    compiled.push(operationName);
    const outcome = jit.compileQuery(schema, document, operationName, options);
    if (!jit.isCompiledQuery(outcome)) return outcome;
    const query = outcome.query;
    outcome.query = (root, context, variables) => {
      runs.count++;
      return query(root, context, variables);
    };
    return outcome;
  };
  return { compile: compile as typeof jit.compileQuery, compiled, runs };
}

interface Row {
  id: string;
  name: string;
  stage: string | null;
  rating: number | null;
  patents: { number: string; granted: boolean | null }[];
}

const ROWS: Row[] = [
  { id: 'e1', name: '星河', stage: 'SEED', rating: 3, patents: [{ number: 'p1', granted: true }] },
  {
    id: 'e2',
    name: '云帆',
    stage: null,
    rating: null,
    patents: [
      { number: 'p2', granted: null },
      { number: 'p3', granted: false },
    ],
  },
  { id: 'e3', name: '芯源', stage: 'GROWTH', rating: 5, patents: [] },
];
const byId = new Map(ROWS.map((row) => [row.id, row]));
const calls = { enterprises: 0 };
const later = <T>(value: T) => new Promise<T>((resolve) => setImmediate(() => resolve(value)));

const schema = buildSubgraphSchema({
  typeDefs: gql`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    scalar Money
    enum Stage {
      SEED
      GROWTH
    }
    interface Named {
      name: String!
    }
    type Enterprise implements Named @key(fields: "id") {
      id: ID!
      name: String!
      stage: Stage
      rating: Int!
      patents(first: Int = 2): [Patent!]!
      check: String
    }
    type Patent {
      number: String!
      granted: Boolean
    }
    type Query {
      enterprises(ids: [ID!]!): [Enterprise]!
      named: [Named!]!
      price(amount: Money!): Money
    }
    type Mutation {
      rename(id: ID!, name: String!): Enterprise
    }
  `,
  resolvers: {
    Money,
    Named: { __resolveType: () => 'Enterprise' },
    Enterprise: {
      __resolveReference: (ref: { id: string }) => later(byId.get(ref.id) ?? null),
      patents: (row: Row, { first }: { first: number }) => later(row.patents.slice(0, first)),
      check: (row: Row) => {
        if (row.id === 'e1') throw badInput('id', 'is not checked yet');
        if (row.id === 'e3') throw new Error('connection reset');
        return 'ok';
      },
    },
    Query: {
      enterprises: (_: unknown, { ids }: { ids: string[] }) => {
        calls.enterprises++;
        return ids.map((id) => byId.get(id));
      },
      named: () => later(ROWS),
      price: (_: unknown, { amount }: { amount: number }) => amount * 2,
    },
    Mutation: {
      rename: (_: unknown, { id, name }: { id: string; name: string }) => {
        const row = byId.get(id);
        return row ? { ...row, name } : null;
      },
    },
  } as never,
});

/** What graphql-js itself answers, formatted the way the executor formats its errors. */
async function reference(query: string, variables: Record<string, unknown>) {
  const result = (await execute({
    schema,
    document: parse(query),
    variableValues: variables,
  })) as ExecutionResult;
  const errors = result.errors?.map((error) => ({
    ...error.toJSON(),
    extensions: { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' },
  }));
  return { data: result.data, errors };
}

const byPath = (errors: readonly GraphQLFormattedError[] | undefined) =>
  [...(errors ?? [])].sort((a, b) => JSON.stringify(a.path).localeCompare(JSON.stringify(b.path)));

const OPERATIONS: [string, string, Record<string, unknown>][] = [
  [
    'lists with nulls, an enum, a field error with and without a code, @include',
    `query ($ids: [ID!]!, $all: Boolean!) {
      enterprises(ids: $ids) {
        __typename id name stage check
        ... on Named { named: name }
        patents @include(if: $all) { number granted }
        first: patents(first: 1) @skip(if: $all) { number }
      }
    }`,
    { ids: ['e1', 'nobody', 'e2', 'e3'], all: true },
  ],
  [
    'the same with @include off',
    `query ($ids: [ID!]!, $all: Boolean!) {
      enterprises(ids: $ids) { id patents @include(if: $all) { number } first: patents(first: 1) @skip(if: $all) { number } }
    }`,
    { ids: ['e3', 'e2'], all: false },
  ],
  [
    'entities, one missing and one whose non-null field is null',
    `query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        __typename
        ... on Enterprise { id name rating patents { number } }
      }
    }`,
    {
      representations: [
        { __typename: 'Enterprise', id: 'e1' },
        { __typename: 'Enterprise', id: 'gone' },
        { __typename: 'Enterprise', id: 'e2' },
      ],
    },
  ],
  [
    'an interface list whose non-null item bubbles to the root field',
    `{ named { __typename name ... on Enterprise { rating } } price(amount: "3.10") }`,
    {},
  ],
  [
    'fragments and a custom scalar',
    `query ($a: Money!) { price(amount: $a) enterprises(ids: ["e3"]) { ...E } }
     fragment E on Enterprise { id ... on Enterprise { stage } }`,
    { a: '12.50' },
  ],
  [
    'a mutation',
    `mutation ($id: ID!) { a: rename(id: $id, name: "甲") { name } b: rename(id: "x", name: "乙") { name } }`,
    { id: 'e1' },
  ],
];

describe('compiled subgraph operations', () => {
  it.each(OPERATIONS)('answer as graphql-js does: %s', async (_, query, variables) => {
    const run = createOperationExecutor(schema, { error: () => {} } as unknown as Logger);
    const expected = await reference(query, variables);
    for (let request = 0; request < 2; request++) {
      const answer = await run({ query, variables }, {}, `req-${request}`);
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual(expected.data);
      expect(byPath(answer.body.errors)).toEqual(byPath(expected.errors));
    }
  });

  it('compiles an operation once, and each operation of a text on its own', async () => {
    const { compile, compiled, runs } = countingCompiler();
    const logger = { error: () => {} } as unknown as Logger;
    const run = createOperationExecutor(schema, logger, compile);
    const text = 'query A { named { name } } query B { price(amount: "1.00") }';
    for (let request = 0; request < 3; request++) {
      expect((await run({ query: text, operationName: 'A' }, {}, 'r')).body.data).toEqual({
        named: ROWS.map(({ name }) => ({ name })),
      });
      expect((await run({ query: text, operationName: 'B' }, {}, 'r')).body.data).toEqual({
        price: '2.00',
      });
    }
    expect(compiled).toEqual(['A', 'B']);
    expect(runs.count).toBe(6);
  });

  it('refuses a variable that does not coerce in graphql’s words, without running anything', async () => {
    const run = createOperationExecutor(schema, { error: () => {} } as unknown as Logger);
    const query = 'query ($ids: [ID!]!) { enterprises(ids: $ids) { id } }';
    const expected = await reference(query, { ids: [null] });
    const before = calls.enterprises;
    const answer = await run({ query, variables: { ids: [null] } }, {}, 'r');
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual(
      expected.errors!.map((error) => ({
        ...error,
        extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
      })),
    );
    expect(calls.enterprises).toBe(before);
  });
});
