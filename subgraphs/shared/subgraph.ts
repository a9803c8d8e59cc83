import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DocumentNode } from 'graphql';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { JWTVerifyGetKey } from 'jose';
import type { Caller } from './caller.js';
import type { Config, SubgraphName } from './config.js';
import type { Database } from './db.js';
import { executeApollo, HttpError, readJsonBody, sendHttpError, sendJson } from './http.js';
import { verifyGatewayToken } from './gateway-token.js';
import type { PageLimits } from './pagination.js';

export interface ContextArgs {
  caller: Caller;
  database: Database;
  limits: PageLimits;
}

/** What every subgraph folder exports from its index.ts. */
export interface SubgraphModule<TContext extends BaseContext = BaseContext> {
  name: SubgraphName;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  createContext(args: ContextArgs): TContext;
}

export interface RunningSubgraph {
  name: SubgraphName;
  url: string;
  server: http.Server;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1_000_000;

export async function startSubgraph<TContext extends BaseContext>(
  module: SubgraphModule<TContext>,
  options: {
    database: Database;
    config: Pick<Config, 'host' | 'maxPageSize' | 'defaultPageSize'>;
    port: number;
    gatewayKeys: JWTVerifyGetKey;
  },
): Promise<RunningSubgraph> {
  const apollo = new ApolloServer<TContext>({
    schema: buildSubgraphSchema([{ typeDefs: module.typeDefs, resolvers: module.resolvers }]),
    // Traces would be built for every request only to be dropped: the gateway does not report them.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    introspection: true,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: false,
  });
  await apollo.start();
  const limits = {
    maxPageSize: options.config.maxPageSize,
    defaultPageSize: options.config.defaultPageSize,
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/health')
        return sendJson(res, 200, { status: 'ok', subgraph: module.name });
      if (url.pathname !== '/graphql') throw new HttpError(404, 'NOT_FOUND', 'not found');
      if (req.method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'POST only');
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ')) {
        throw new HttpError(
          401,
          'AUTH_ERROR',
          'this subgraph serves only the gateway: gateway token missing',
        );
      }
      let caller: Caller;
      try {
        caller = await verifyGatewayToken(auth.slice(7), options.gatewayKeys, module.name);
      } catch {
        throw new HttpError(401, 'AUTH_ERROR', 'gateway token rejected');
      }
      const body = await readJsonBody(req, MAX_BODY_BYTES);
      await executeApollo(apollo, req, res, body, async () =>
        module.createContext({ caller, database: options.database, limits }),
      );
    } catch (error) {
      if (error instanceof HttpError) return sendHttpError(res, error);
      console.error('request failed', error);
      sendHttpError(res, new HttpError(500, 'INTERNAL_SERVER_ERROR', 'internal error'));
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(options.port, options.config.host, resolve));
  const address = server.address() as AddressInfo;
  return {
    name: module.name,
    url: `http://${options.config.host}:${address.port}/graphql`,
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
