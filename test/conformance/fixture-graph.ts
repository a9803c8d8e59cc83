import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { loadGatewayConfig, type GatewayConfig } from '../../gateway/config.js';
import { ensureDevIssuer, mintDevToken } from '../../gateway/dev-identity.js';
import { createExchangeLayer } from '../../gateway/layer.js';
import { gatewaySigningKeyFile } from '../../gateway/local-graph.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { stripSecurityPurpose } from '../../gateway/supergraph.js';
import type { Party } from '../../subgraphs/kernel/caller.js';
import { loadOrCreateSigningKey } from '../../subgraphs/kernel/keys.js';
import { createTestDatabases, type TestDatabases } from '../helpers/databases.js';
import type { GraphQLResponse } from '../helpers/graph.js';
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
  config: GatewayConfig;
  /** Stock `@apollo/gateway` behind a plain Apollo Server: no authorization at all. */
  stock(request: Request): Promise<GraphQLResponse>;
  /** The exchange gateway, asked with a token of this party and org. */
  exchange(request: Request, party: Party, org?: string): Promise<GraphQLResponse>;
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
 * The exchange gateway over the fixture's supergraph, configured as in production but for the
 * Sandbox page and the rate limit. Its disclosure log writes to a throwaway exchange database;
 * the fixture's enterprises are taken as they are claimed (no org directory to ask).
 */
async function startExchange(supergraphSdl: string, databases: TestDatabases) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-conformance-'));
  const supergraphPath = path.join(dataDir, 'supergraph.graphql');
  fs.writeFileSync(supergraphPath, supergraphSdl);
  const config = loadGatewayConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    SUPERGRAPH_PATH: supergraphPath,
    SANDBOX: 'false',
    RATE_LIMIT_PER_SECOND: '0',
  });
  const devIssuer = await ensureDevIssuer(config);
  const signingKey = await loadOrCreateSigningKey(gatewaySigningKeyFile(config), 'gateway');
  const gateway = await startGateway({
    config,
    signingKey,
    // No finance subgraph: the fixture's policies never ask for main-bank facts.
    layer: createExchangeLayer(
      config,
      databases.databases.exchange,
      signingKey,
      'http://127.0.0.1:9/',
    ),
    orgs: { exists: async () => true },
    port: 0,
  });
  return { gateway, config, devIssuer, dataDir };
}

export async function startFixtureGraph(): Promise<FixtureGraph> {
  const subgraphs = await startSubgraphs();
  const supergraphSdl = compose(subgraphs);
  const stock = await startStock(supergraphSdl);
  const databases = await createTestDatabases('pglite');
  let exchange: Awaited<ReturnType<typeof startExchange>>;
  try {
    exchange = await startExchange(supergraphSdl, databases);
  } catch (error) {
    await databases.drop();
    throw error;
  }
  const tokens = new Map<string, Promise<string>>();
  const token = (party: Party, org?: string) => {
    const key = `${party}:${org ?? ''}`;
    if (!tokens.has(key)) {
      tokens.set(key, mintDevToken(exchange.devIssuer, exchange.config.auth, { party, org }));
    }
    return tokens.get(key)!;
  };
  return {
    supergraphSdl,
    apiSchema: stock.apiSchema,
    config: exchange.config,
    stock: (request) => post(stock.url, request),
    exchange: async (request, party, org) =>
      post(exchange.gateway.url, request, await token(party, org)),
    async stop() {
      await exchange.gateway.stop();
      await stock.server.stop();
      await Promise.all(subgraphs.map((s) => s.server.stop()));
      await databases.drop();
      fs.rmSync(exchange.dataDir, { recursive: true, force: true });
    },
  };
}
