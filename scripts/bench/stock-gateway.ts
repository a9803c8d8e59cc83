import http from 'node:http';
import { randomUUID } from 'node:crypto';
import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { decodeJwt } from 'jose';
import { isParty, type Caller } from '../../subgraphs/kernel/caller.js';
import { type SubgraphName } from '../../subgraphs/kernel/config.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { executeApollo, readJsonBody, sendJson } from '../../subgraphs/kernel/http.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../subgraphs/kernel/keys.js';
import type { GatewayContext } from '../../gateway/context.js';
import { signGatewayToken } from '../../subgraphs/kernel/gateway-token.js';
import { gatewaySigningKeyFile } from '../../gateway/local-graph.js';
import { loadSupergraphForGateway } from '../../gateway/supergraph.js';

/**
 * The baseline: stock `@apollo/gateway` + `@apollo/server` over the same supergraph, with no
 * exchange layer — no token verification, no authorization, no disclosure log. The subgraphs
 * still refuse unsigned calls, so it signs their tokens with the gateway's key, carrying the
 * claims of the client's token *decoded without verification*: the subgraphs then scope rows
 * exactly as for our gateway, so both do the same work downstream. Never run this outside a
 * benchmark.
 */
const config = loadGatewayConfig();
const signingKey = await loadOrCreateSigningKey(gatewaySigningKeyFile(config), 'gateway');

/**
 * Apollo's RemoteGraphQLDataSource calling through Node's global `fetch`, as a stock gateway
 * configured with `fetcher: fetch` does, adding only the subgraph token: none of our gateway's
 * transport (its pooled HTTP client, deadlines, retries), so the baseline stays stock.
 */
class StockSignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly key: SigningKey,
  ) {
    super({ url, fetcher: fetch as unknown as RemoteGraphQLDataSource['fetcher'] });
  }

  override async willSendRequest({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const token = await signGatewayToken(
      this.key,
      context.caller,
      this.subgraph,
      config.gatewayToken.ttlSeconds,
    );
    request.http?.headers.set('authorization', `Bearer ${token}`);
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: loadSupergraphForGateway(config.supergraphPath),
  buildService: ({ name }) =>
    new StockSignedDataSource(name, config.subgraphUrls[name as SubgraphName], signingKey),
});
const apollo = new ApolloServer<GatewayContext>({
  gateway,
  includeStacktraceInErrorResponses: false,
});
await apollo.start();

function unverifiedCaller(authorization: string | undefined, requestId: string): Caller {
  const claims = authorization ? decodeJwt(authorization.replace(/^Bearer\s+/i, '')) : {};
  const party = isParty(claims.party) ? claims.party : 'anonymous';
  return {
    sub: String(claims.sub ?? 'anonymous'),
    party,
    org: typeof claims.org === 'string' ? claims.org : null,
    scopes: new Set(typeof claims.scope === 'string' ? claims.scope.split(' ') : []),
    requestId,
  };
}

const server = http.createServer(async (req, res) => {
  if (req.url === '/health') return sendJson(res, 200, { status: 'ok' });
  try {
    const requestId = randomUUID();
    const caller = unverifiedCaller(req.headers.authorization, requestId);
    const body = req.method === 'POST' ? await readJsonBody(req, 1_000_000) : undefined;
    await executeApollo(apollo, req, res, body, async () => ({ caller, requestId }));
  } catch (error) {
    sendJson(res, 500, { errors: [{ message: (error as Error).message }] });
  }
});
server.keepAliveTimeout = 65_000;
server.listen(config.gatewayPort, config.host, () =>
  console.log(`stock gateway on http://${config.host}:${config.gatewayPort}/`),
);
process.on('SIGTERM', () => process.exit(0));
