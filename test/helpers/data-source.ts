import { parse, type GraphQLError } from 'graphql';
import type { GraphQLDataSource } from '@apollo/gateway';
import type { Caller } from '../../subgraphs/kernel/caller.js';

/** One subgraph fetch through the data source, as the gateway's plan executor makes it. */
export function call(
  source: GraphQLDataSource,
  query: string,
  caller: Pick<Caller, 'party' | 'org'> = { party: 'finance_office', org: null },
) {
  return source.process({
    // GraphQLDataSourceRequestKind.INCOMING_OPERATION; the enum is not exported at run time.
    kind: 'incoming operation',
    request: { query, variables: {} },
    document: parse(query),
    context: {
      caller: { sub: 's', ...caller, scopes: new Set(), requestId: 'rid-1' },
      requestId: 'rid-1',
    },
    incomingRequestContext: {} as never,
  } as never);
}

/** The error a call ends with; fails the test if it succeeds. */
export async function failure(promise: Promise<unknown>): Promise<GraphQLError> {
  try {
    await promise;
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('expected the call to fail');
}
