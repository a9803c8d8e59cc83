import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { loadGatewayConfig, type AuthorizationMode } from '../../gateway/config.js';
import { ensureDevIssuer, mintDevToken } from '../../gateway/dev-identity.js';
import { stripSecurityPurpose } from '../../gateway/supergraph.js';
import type { Party } from '../../subgraphs/kernel/caller.js';
import type { GraphQLResponse } from '../helpers/graph.js';
import { freePort, ServiceProcess } from '../helpers/processes.js';
import { fixtureSubgraphs } from './subgraphs/index.js';

export interface Request {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export interface FixtureGraph {
  supergraphSdl: string;
  /** The API schema both gateways serve. */
  apiSchema: GraphQLSchema;
  /** What the exchange gateway logged at start (warnings and errors). */
  startupLog: string;
  /** Stock `@apollo/gateway` behind a plain Apollo Server: no authorization at all. */
  stock(request: Request): Promise<GraphQLResponse>;
  /** The exchange gateway (`AUTHZ_MODE=filter`), asked with a token of this party and org. */
  exchange(request: Request, party: Party, org?: string): Promise<GraphQLResponse>;
  /** The exchange gateway in `AUTHZ_MODE=reject`: an operation asking for anything withheld fails whole. */
  rejecting(request: Request, party: Party, org?: string): Promise<GraphQLResponse>;
  stop(): Promise<void>;
}

async function post(url: string, request: Request, token?: string): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(request),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] };
}

/** The fixture subgraphs on loopback, each on a free port. */
async function startSubgraphs() {
  const running: { name: string; url: string; server: ApolloServer }[] = [];
  for (const subgraph of fixtureSubgraphs) {
    const server = new ApolloServer({
      schema: buildSubgraphSchema([{ typeDefs: subgraph.typeDefs, resolvers: subgraph.resolvers }]),
      includeStacktraceInErrorResponses: false,
      plugins: subgraph.plugins,
    });
    const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
    running.push({ name: subgraph.name, url, server });
  }
  return running;
}

function compose(subgraphs: { name: string; url: string }[]): string {
  const result = composeServices(
    subgraphs.map(({ name, url }) => ({
      name,
      url,
      typeDefs: fixtureSubgraphs.find((s) => s.name === name)!.typeDefs,
    })),
  );
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  }
  return result.supergraphSdl;
}

async function startStock(supergraphSdl: string) {
  let apiSchema: GraphQLSchema | undefined;
  const gateway = new ApolloGateway({ supergraphSdl: stripSecurityPurpose(supergraphSdl) });
  gateway.onSchemaLoadOrUpdate((schema) => {
    apiSchema = schema.apiSchema;
  });
  const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  return { server, url, apiSchema: apiSchema! };
}

/**
 * The exchange gateway over the fixture's supergraph, started as a user starts it: `npm run
 * gateway -- --supergraph <file>` (`scripts/gateway.ts`, a process of its own), configured as in
 * production but for the Sandbox page and the rate limit. The supergraph is not the exchange's,
 * so the gateway keeps consents and its disclosure log in a throwaway database and takes the
 * fixture's enterprises as they are claimed (no org directory to ask); it says so at start.
 */
async function startExchange(supergraphPath: string, dataDir: string, mode: AuthorizationMode) {
  const port = await freePort();
  const gateway = new ServiceProcess(
    `exchange gateway (${mode})`,
    ['scripts/gateway.ts', '--supergraph', supergraphPath],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SANDBOX: 'false',
      DATA_DIR: path.join(dataDir, mode),
      JWKS_FILE: path.join(dataDir, 'keys', 'dev-jwks.json'),
      LOG_LEVEL: 'warn',
      PORT: String(port),
      RATE_LIMIT_PER_SECOND: '0',
      AUTHZ_MODE: mode,
    },
    port,
  );
  gateway.spawn();
  try {
    await gateway.waitUntil('/health');
  } catch (error) {
    await gateway.stop();
    throw error;
  }
  return gateway;
}

export async function startFixtureGraph(): Promise<FixtureGraph> {
  const subgraphs = await startSubgraphs();
  const supergraphSdl = compose(subgraphs);
  const stock = await startStock(supergraphSdl);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-conformance-'));
  const supergraphPath = path.join(dataDir, 'supergraph.graphql');
  fs.writeFileSync(supergraphPath, supergraphSdl);
  const config = loadGatewayConfig({ DATA_DIR: dataDir });
  const devIssuer = await ensureDevIssuer(config);
  const gateways = await Promise.allSettled(
    (['filter', 'reject'] as const).map((mode) => startExchange(supergraphPath, dataDir, mode)),
  );
  const stop = async () => {
    await Promise.all(gateways.map((g) => (g.status === 'fulfilled' ? g.value.stop() : undefined)));
    await stock.server.stop();
    await Promise.all(subgraphs.map((s) => s.server.stop()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const failed = gateways.find((g) => g.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const [filter, reject] = gateways.map((g) => (g as PromiseFulfilledResult<ServiceProcess>).value);
  const tokens = new Map<string, Promise<string>>();
  const token = (party: Party, org?: string) => {
    const key = `${party}:${org ?? ''}`;
    if (!tokens.has(key)) tokens.set(key, mintDevToken(devIssuer, config.auth, { party, org }));
    return tokens.get(key)!;
  };
  return {
    supergraphSdl,
    apiSchema: stock.apiSchema,
    startupLog: filter.output(),
    stock: (request) => post(stock.url, request),
    exchange: async (request, party, org) => post(filter.url, request, await token(party, org)),
    rejecting: async (request, party, org) => post(reject.url, request, await token(party, org)),
    stop,
  };
}
