import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Config, SubgraphName } from '../subgraphs/shared/config.js';
import { SUBGRAPH_NAMES } from '../subgraphs/shared/config.js';
import {
  executeApollo,
  HttpError,
  readJsonBody,
  sendHttpError,
  sendJson,
} from '../subgraphs/shared/http.js';
import type { SigningKey } from '../subgraphs/shared/keys.js';
import type { GatewayContext } from './context.js';
import { SignedDataSource } from './data-source.js';
import { ExchangeGateway, type OperationLayer } from './exchange-gateway.js';
import { AuthError, IdentityVerifier } from './identity.js';
import { loadSupergraphForGateway } from './supergraph.js';

export interface GatewayOptions {
  config: Config;
  /** Key the gateway signs subgraph tokens with; its public half is served as a JWKS. */
  signingKey: SigningKey;
  subgraphUrls: Record<SubgraphName, string>;
  layer: OperationLayer;
  /** Headers Sandbox starts with (the embedded default puts a dev token here). */
  sandboxHeaders?: Record<string, string>;
  port?: number;
}

export interface RunningGateway {
  url: string;
  server: http.Server;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1_000_000;

/** Codes whose messages were written for clients; anything else is masked. */
const CLIENT_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'UNAUTHORIZED_FIELD_OR_TYPE',
  'AUTH_ERROR',
  'NOT_FOUND',
  'CONFLICT',
  'FORBIDDEN',
  'SUBGRAPH_UNAVAILABLE',
]);

/** No stack, SQL or internal URL reaches a client: unknown errors keep only a generic message. */
export function maskError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_CODES.has(code)) {
    const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  void unwrapResolverError(error);
  return {
    message: 'internal error',
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

async function subgraphReachable(url: string): Promise<boolean> {
  try {
    const health = new URL(url);
    health.pathname = '/health';
    const response = await fetch(health, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const inner = new ApolloGateway({
    supergraphSdl: loadSupergraphForGateway(config.supergraphPath),
    buildService: ({ name }) =>
      new SignedDataSource(
        name,
        options.subgraphUrls[name as SubgraphName],
        options.signingKey,
        config.gatewayToken.ttlSeconds,
      ),
  });
  const gateway = new ExchangeGateway(inner, options.layer);
  let schemaLoaded = false;
  gateway.onSchemaLoadOrUpdate(() => {
    schemaLoaded = true;
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    formatError: maskError,
    plugins: [
      ApolloServerPluginLandingPageLocalDefault({
        embed: { initialState: { sharedHeaders: options.sandboxHeaders ?? {} } },
        footer: false,
      }),
    ],
  });
  await apollo.start();
  const identity = new IdentityVerifier(config.auth);
  const jwks = { keys: [options.signingKey.publicJwk] };

  const server = http.createServer(async (req, res) => {
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      switch (url.pathname) {
        case '/health':
          return sendJson(res, 200, { status: 'ok' });
        case '/ready': {
          const subgraphs = Object.fromEntries(
            await Promise.all(
              SUBGRAPH_NAMES.map(async (name) => [
                name,
                (await subgraphReachable(options.subgraphUrls[name])) ? 'up' : 'down',
              ]),
            ),
          );
          const ready = schemaLoaded && Object.values(subgraphs).every((s) => s === 'up');
          return sendJson(res, ready ? 200 : 503, {
            status: ready ? 'ready' : 'not ready',
            supergraph: schemaLoaded,
            subgraphs,
          });
        }
        case '/.well-known/jwks.json':
          return sendJson(res, 200, jwks, { 'cache-control': 'public, max-age=300' });
        case '/':
        case '/graphql':
          break;
        default:
          throw new HttpError(404, 'NOT_FOUND', 'not found');
      }
      const wantsPage =
        req.method === 'GET' &&
        !url.searchParams.has('query') &&
        (req.headers.accept ?? '').includes('text/html');
      if (wantsPage) {
        // The Sandbox page carries no data; it needs no token.
        const anonymous = await identity.verify(undefined, requestId).catch(() => null);
        return executeApollo(apollo, req, res, undefined, async () => ({
          caller: anonymous ?? {
            sub: 'anonymous',
            party: 'anonymous',
            org: null,
            scopes: new Set(),
            requestId,
          },
          requestId,
        }));
      }
      let caller;
      try {
        caller = await identity.verify(req.headers.authorization, requestId);
      } catch (error) {
        if (error instanceof AuthError) {
          throw new HttpError(401, 'AUTH_ERROR', error.message, { 'www-authenticate': 'Bearer' });
        }
        throw error;
      }
      const body = req.method === 'POST' ? await readJsonBody(req, MAX_BODY_BYTES) : undefined;
      await executeApollo(apollo, req, res, body, async () => ({ caller, requestId }));
    } catch (error) {
      if (error instanceof HttpError) return sendHttpError(res, error);
      console.error('request failed', error);
      sendHttpError(res, new HttpError(500, 'INTERNAL_SERVER_ERROR', 'internal error'));
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? config.gatewayPort, config.host, resolve),
  );
  const address = server.address() as AddressInfo;
  return {
    url: `http://${config.host}:${address.port}/`,
    server,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await apollo.stop();
    },
  };
}
