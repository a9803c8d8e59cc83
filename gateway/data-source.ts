import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { signGatewayToken } from '../subgraphs/shared/gateway-token.js';
import type { SigningKey } from '../subgraphs/shared/keys.js';
import type { GatewayContext } from './context.js';

/**
 * Calls one subgraph with a short-lived token the gateway signs for it: audience = the subgraph,
 * carrying the verified caller's claims and the request id. Headers from the client are never
 * forwarded, so nothing a caller sends can speak for it downstream.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly key: SigningKey,
    private readonly ttlSeconds: number,
  ) {
    super({ url });
  }

  override async willSendRequest({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    if (!context?.caller) throw new Error('subgraph call without a verified caller');
    const token = await signGatewayToken(this.key, context.caller, this.subgraph, this.ttlSeconds);
    request.http?.headers.set('authorization', `Bearer ${token}`);
    request.http?.headers.set('x-request-id', context.requestId);
  }
}
