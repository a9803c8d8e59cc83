import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { describe, expect, it } from 'vitest';
import { absentKeys, withAbsentSubjects } from '../../gateway/authorization/absent.js';
import type { GatewayContext } from '../../gateway/context.js';

const ENTITIES = `query($representations:[_Any!]!){_entities(representations:$representations){
  ...on Author{_kx_subject:enterpriseId contact name}
  ...on Book{title}
}}`;

/** A subgraph that answers every call with `response`. */
function answering(response: GatewayGraphQLResponse): GraphQLDataSource<GatewayContext> {
  return { process: async () => structuredClone(response) };
}

function call(query: string, representations?: { __typename: string; id: string }[]) {
  return {
    kind: 'incoming operation',
    request: { query, variables: representations ? { representations } : {} },
    incomingRequestContext: {},
    context: {},
  } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;
}

const author = { __typename: 'Author', id: 'a1' };
const book = { __typename: 'Book', id: 'b1' };

describe('entities the subgraph owning the subject does not have', () => {
  it('answers a null entity selecting the subject with a stand-in naming what was asked of it', async () => {
    const source = withAbsentSubjects(
      answering({ data: { _entities: [null, { _kx_subject: 'ent-1', contact: 'c', name: 'n' }] } }),
    );
    const { data } = await source.process(call(ENTITIES, [author, author]));
    const [absent, present] = data!._entities as Record<string, unknown>[];
    expect(Object.keys(absent)).toEqual(['_kx_subject']);
    expect([...absentKeys(absent._kx_subject)!]).toEqual(['_kx_subject', 'contact', 'name']);
    expect(present).toEqual({ _kx_subject: 'ent-1', contact: 'c', name: 'n' });
    expect(absentKeys(present._kx_subject)).toBeUndefined();
  });

  it('leaves a null entity of a type whose selection has no subject null', async () => {
    const source = withAbsentSubjects(answering({ data: { _entities: [null] } }));
    expect((await source.process(call(ENTITIES, [book]))).data).toEqual({ _entities: [null] });
  });

  it('stands in for every entity of a call that failed, keeping its errors', async () => {
    const errors = [{ message: 'people is down' }];
    const source = withAbsentSubjects(answering({ data: null, errors }));
    const response = await source.process(call(ENTITIES, [author, book]));
    expect(response.errors).toEqual(errors);
    const [absent, untouched] = response.data!._entities as unknown[];
    expect(absentKeys((absent as Record<string, unknown>)._kx_subject)).toBeDefined();
    expect(untouched).toBeNull();
  });

  it('passes calls that add no subject, and root calls, as they are', async () => {
    const answer = { data: { _entities: [null] } };
    const plain =
      'query($representations:[_Any!]!){_entities(representations:$representations){...on Author{contact}}}';
    expect(await withAbsentSubjects(answering(answer)).process(call(plain, [author]))).toEqual(
      answer,
    );
    const root = { data: { authors: null } };
    expect(
      await withAbsentSubjects(answering(root)).process(
        call('{authors{_kx_subject:enterpriseId}}'),
      ),
    ).toEqual(root);
  });
});
