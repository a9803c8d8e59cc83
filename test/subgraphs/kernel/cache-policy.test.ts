import { describe, expect, it, vi } from 'vitest';
import { gql } from 'graphql-tag';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createOperationExecutor } from '../../../subgraphs/kernel/executor.js';
import type { Logger } from '../../../subgraphs/kernel/logger.js';

const schema = buildSubgraphSchema({
  typeDefs: gql`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
    directive @cacheControl(
      maxAge: Int
      scope: CacheControlScope
      inheritMaxAge: Boolean
    ) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
    enum CacheControlScope {
      PUBLIC
      PRIVATE
    }
    type Bank @key(fields: "id") @cacheControl(maxAge: 60, scope: PUBLIC) {
      id: ID!
      name: String!
      rating: Rating
      branch: Branch
      holder: String @cacheControl(maxAge: 10, scope: PRIVATE)
    }
    type Branch @cacheControl(maxAge: 30) {
      city: String!
    }
    type Rating {
      score: Int!
    }
    type Loan @key(fields: "id") {
      id: ID!
      amount: Int!
    }
    type Query {
      banks: [Bank!]! @cacheControl(maxAge: 120)
      loans: [Loan!]!
      bankNames: [String!]!
    }
    type Mutation {
      renameBank(id: ID!): Bank
    }
  `,
  resolvers: {
    Query: {
      banks: () => [{ id: 'b1', name: 'One', branch: { city: 'Xianning' } }],
      loans: () => [{ id: 'l1', amount: 5 }],
      bankNames: () => ['One'],
    },
    Mutation: { renameBank: () => ({ id: 'b1', name: 'Uno' }) },
    Bank: {
      __resolveReference: ({ id }: { id: string }) =>
        id === 'broken' ? Promise.reject(new Error('lost')) : { id, name: `Bank ${id}` },
      holder: () => 'h',
    },
    Loan: { __resolveReference: ({ id }: { id: string }) => ({ id, amount: 1 }) },
  } as never,
});

const ENTITIES = (selection: string) =>
  `query($representations: [_Any!]!) { _entities(representations: $representations) { ${selection} } }`;

function run(query: string, variables?: Record<string, unknown>) {
  const execute = createOperationExecutor(schema, { error: vi.fn() } as unknown as Logger);
  return execute({ query, variables }, {}, 'req-1');
}

describe("a subgraph answer's cache-control, from the schema's @cacheControl hints", () => {
  it('marks entities of a public type public for its max-age, with only __typename beside', async () => {
    const answer = await run(ENTITIES('__typename ... on Bank { name }'), {
      representations: [
        { __typename: 'Bank', id: 'b1' },
        { __typename: 'Bank', id: 'b2' },
      ],
    });
    expect(answer.body.data).toEqual({
      _entities: [
        { __typename: 'Bank', name: 'Bank b1' },
        { __typename: 'Bank', name: 'Bank b2' },
      ],
    });
    expect(answer.cacheControl).toBe('max-age=60, public');
  });

  it('takes the shortest max-age and turns private if any field is', async () => {
    expect((await run('{ banks { name branch { city } } }')).cacheControl).toBe(
      'max-age=30, public',
    );
    expect((await run('{ banks { name holder } }')).cacheControl).toBe('max-age=10, private');
  });

  it('marks nothing when one field may not be kept', async () => {
    const cases: [string, Record<string, unknown>?][] = [
      // a root field without a hint, and one of an unhinted type
      ['{ bankNames }'],
      ['{ loans { id } }'],
      // a hinted type's field of an unhinted object type
      ['{ banks { rating { score } } }'],
      // entities of a type without a hint, alone or beside a hinted one
      [ENTITIES('... on Loan { amount }'), { representations: [{ __typename: 'Loan', id: 'l' }] }],
      [
        ENTITIES('... on Bank { name } ... on Loan { amount }'),
        { representations: [{ __typename: 'Bank', id: 'b' }] },
      ],
      // a representation of a type the fragments do not name
      [ENTITIES('... on Bank { name }'), { representations: [{ __typename: 'Loan', id: 'l' }] }],
      // representations given other than in $representations
      [
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Bank { name } } }`,
        { r: [{ __typename: 'Bank', id: 'b' }] },
      ],
      ['mutation { renameBank(id: "b1") { name } }'],
    ];
    for (const [query, variables] of cases) {
      const answer = await run(query, variables);
      expect(answer.status, query).toBe(200);
      expect(answer.cacheControl, query).toBeUndefined();
    }
  });

  it('marks no answer that carries an error', async () => {
    const answer = await run(ENTITIES('... on Bank { name }'), {
      representations: [{ __typename: 'Bank', id: 'broken' }],
    });
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.cacheControl).toBeUndefined();
  });
});
