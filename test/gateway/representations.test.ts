import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../gateway/context.js';
import { withDistinctRepresentations } from '../../gateway/representations.js';

const ENTITIES =
  'query($representations:[_Any!]!){_entities(representations:$representations){...on Bank{name}}}';

type Representation = { __typename: string; id: string };

/**
 * A subgraph that answers each representation it is sent with `answer(representation, index)`,
 * and records the representations of every call.
 */
function subgraph(
  answer: (r: Representation, i: number) => unknown,
  errors?: (sent: Representation[]) => GatewayGraphQLResponse['errors'],
) {
  const calls: Representation[][] = [];
  const source: GraphQLDataSource<GatewayContext> = {
    async process(options) {
      const sent = options.request.variables?.representations as Representation[];
      calls.push(sent);
      return {
        data: { _entities: sent.map(answer) },
        ...(errors ? { errors: errors(sent) } : {}),
      };
    },
  };
  return { source, calls };
}

function call(representations: Representation[], query = ENTITIES) {
  return {
    kind: 'incoming operation',
    request: { query, variables: { representations, first: 3 } },
    incomingRequestContext: {},
    context: {},
  } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;
}

const bank = (id: string): Representation => ({ __typename: 'Bank', id });

describe('an entity repeated in a plan’s results', () => {
  it('is asked for once, and every place it stood gets the answer', async () => {
    const { source, calls } = subgraph((r) => ({ name: `bank ${r.id}` }));
    const asked = [bank('a'), bank('b'), bank('a'), bank('a'), bank('c'), bank('b')];
    const response = await withDistinctRepresentations(source).process(call(asked));

    expect(calls).toEqual([[bank('a'), bank('b'), bank('c')]]);
    expect(response.data!._entities).toEqual(asked.map((r) => ({ name: `bank ${r.id}` })));
  });

  it('keeps the other variables of the call', async () => {
    let variables: Record<string, unknown> | undefined;
    const source: GraphQLDataSource<GatewayContext> = {
      async process(options) {
        variables = options.request.variables;
        return { data: { _entities: [{ name: 'x' }] } };
      },
    };
    await withDistinctRepresentations(source).process(call([bank('a'), bank('a')]));
    expect(variables).toEqual({ representations: [bank('a')], first: 3 });
  });

  it('gives each place an object of its own, so what is merged into one is not seen in another', async () => {
    const { source } = subgraph(() => ({ name: 'n', branch: { city: 'Xining' } }));
    const response = await withDistinctRepresentations(source).process(
      call([bank('a'), bank('a')]),
    );
    const [first, second] = response.data!._entities as Record<string, any>[];
    expect(second).toEqual(first);
    first.branch.city = 'changed';
    first.extra = 1;
    expect(second).toEqual({ name: 'n', branch: { city: 'Xining' } });
  });

  it('repeats an error about an entity at every place that entity stood', async () => {
    const { source } = subgraph(
      (r) => (r.id === 'b' ? null : { name: r.id }),
      (sent) => [
        { message: 'no such bank', path: ['_entities', sent.findIndex((r) => r.id === 'b')] },
        { message: 'deep', path: ['_entities', 0, 'name'] },
        { message: 'whole call' },
      ],
    );
    const response = await withDistinctRepresentations(source).process(
      call([bank('a'), bank('b'), bank('a'), bank('b')]),
    );
    expect(response.data!._entities).toEqual([{ name: 'a' }, null, { name: 'a' }, null]);
    expect(response.errors).toEqual([
      { message: 'no such bank', path: ['_entities', 1] },
      { message: 'no such bank', path: ['_entities', 3] },
      { message: 'deep', path: ['_entities', 0, 'name'] },
      { message: 'deep', path: ['_entities', 2, 'name'] },
      { message: 'whole call' },
    ]);
  });

  it('sends calls without repeats, and calls that are not entity calls, as they are', async () => {
    const { source, calls } = subgraph((r) => ({ name: r.id }));
    const distinct = [bank('a'), bank('b')];
    const options = call(distinct);
    await withDistinctRepresentations(source).process(options);
    expect(calls[0]).toBe(distinct);

    const root = {
      kind: 'incoming operation',
      request: { query: '{ banks { id } }', variables: {} },
      incomingRequestContext: {},
      context: {},
    } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;
    let seen: unknown;
    await withDistinctRepresentations({
      async process(o) {
        seen = o;
        return { data: { banks: [] } };
      },
    }).process(root);
    expect(seen).toBe(root);
  });

  it('leaves an answer of the wrong shape for the gateway to refuse', async () => {
    const wrong = { data: { _entities: [{ name: 'only one' }, { name: 'extra' }, { name: 'x' }] } };
    const failed = { data: null, errors: [{ message: 'banks is down' }] };
    for (const answer of [wrong, failed]) {
      const response = await withDistinctRepresentations({
        process: async () => structuredClone(answer),
      }).process(call([bank('a'), bank('a')]));
      expect(response).toEqual(answer);
    }
  });
});
