import { describe, expect, it, vi } from 'vitest';
import { gql } from 'graphql-tag';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createOperationExecutor } from '../../../subgraphs/kernel/executor.js';
import { badInput } from '../../../subgraphs/kernel/errors.js';
import { Money } from '../../../subgraphs/kernel/scalars.js';
import type { Logger } from '../../../subgraphs/kernel/logger.js';

const schema = buildSubgraphSchema({
  typeDefs: gql`
    scalar Money
    type Query {
      price(amount: Money!): Money!
      refused: String
      broken: String
      count: Int!
    }
  `,
  resolvers: {
    Money,
    Query: {
      price: (_: unknown, { amount }: { amount: number }) => amount * 2,
      refused: () => {
        throw badInput('input.amount', 'must be positive');
      },
      broken: () => {
        throw new Error('connection reset');
      },
      count: () => null,
    },
  } as never,
});

function executor() {
  const error = vi.fn();
  const run = createOperationExecutor(schema, { error } as unknown as Logger);
  return {
    error,
    run: (query: string, variables?: Record<string, unknown>, operationName?: string) =>
      run({ query, variables, operationName }, {}, 'req-1'),
  };
}

describe('the subgraph operation executor', () => {
  it('executes, coercing variables and serialising custom scalars', async () => {
    const { run } = executor();
    const answer = await run('query ($a: Money!) { price(amount: $a) }', { a: '12.50' });
    expect(answer).toEqual({ status: 200, body: { data: { price: '25.00' } } });
  });

  it('refuses unparsable and invalid documents with 400 and Apollo’s codes', async () => {
    const { run, error } = executor();
    const parse = await run('{ price(');
    expect(parse.status).toBe(400);
    expect(parse.body.errors![0].extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
    const invalid = await run('{ nothing }');
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors![0]).toMatchObject({
      message: 'Cannot query field "nothing" on type "Query".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    // Refused a second time from the remembered result, the same way.
    expect(await run('{ nothing }')).toEqual(invalid);
    expect(error).not.toHaveBeenCalled();
  });

  it('answers a variable that does not coerce with BAD_USER_INPUT and 400', async () => {
    const { run } = executor();
    const missing = await run('query ($a: Money!) { price(amount: $a) }', {});
    expect(missing.status).toBe(400);
    expect(missing.body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    const wrong = await run('query ($a: Money!) { price(amount: $a) }', { a: 5 });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'Money',
    });
  });

  it('names the operation to run, and refuses a name the document does not have', async () => {
    const { run } = executor();
    const two = 'query A { count } query B { price(amount: "1.00") }';
    expect((await run(two, {}, 'B')).body).toEqual({ data: { price: '2.00' } });
    const unknown = await run(two, {}, 'C');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors![0].extensions).toEqual({ code: 'OPERATION_RESOLUTION_FAILURE' });
  });

  it('keeps a resolver’s code, masks none, logs only errors raised without one', async () => {
    const { run, error } = executor();
    const refused = await run('{ refused }');
    expect(refused).toEqual({
      status: 200,
      body: {
        errors: [
          {
            message: 'input.amount: must be positive',
            locations: [{ line: 1, column: 3 }],
            path: ['refused'],
            extensions: { code: 'BAD_USER_INPUT', field: 'input.amount' },
          },
        ],
        data: { refused: null },
      },
    });
    expect(error).not.toHaveBeenCalled();
    const broken = await run('{ broken }');
    expect(broken.body.errors![0]).toEqual({
      message: 'connection reset',
      locations: [{ line: 1, column: 3 }],
      path: ['broken'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(broken.body)).not.toMatch(/stack|at /);
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ requestId: 'req-1', path: ['broken'] }),
      'resolver error',
    );
  });

  it('bubbles a null in a non-null field up to its parent', async () => {
    const { run } = executor();
    const answer = await run('{ count }');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors![0].extensions!.code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('answers introspection and the federation fields', async () => {
    const { run } = executor();
    const answer = await run('{ __schema { queryType { name } } _service { sdl } }');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({ __schema: { queryType: { name: 'Query' } } });
    expect((answer.body.data as { _service: { sdl: string } })._service.sdl).toContain('price');
  });
});
