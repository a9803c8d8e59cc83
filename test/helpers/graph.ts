import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type SubgraphName } from '../../subgraphs/kernel/config.js';
import { loadGatewayConfig, type GatewayConfig } from '../../gateway/config.js';
import type { Party } from '../../subgraphs/kernel/caller.js';
import { gatewayKeyResolver } from '../../subgraphs/kernel/gateway-token.js';
import { loadOrCreateSigningKey } from '../../subgraphs/kernel/keys.js';
import { startSubgraph } from '../../subgraphs/kernel/subgraph.js';
import { subgraphs } from '../../subgraphs/index.js';
import {
  gatewaySigningKeyFile,
  startLocalGraph,
  type LocalGraph,
} from '../../gateway/local-graph.js';
import { mintDevToken, type DevTokenRequest } from '../../gateway/dev-identity.js';
import { seedDatabases } from '../../scripts/seed/load.js';
import { BACKENDS, createTestDatabases, type Backend } from './databases.js';

/**
 * The ways a test graph runs: over HTTP with signed tokens on every backend (as in server mode),
 * and in-process on PGlite (as `npm start` runs it).
 */
export const GRAPH_VARIANTS: { backend: Backend; inProcess: boolean; label: string }[] = [
  ...BACKENDS.map((backend) => ({ backend, inProcess: false, label: backend })),
  { backend: 'pglite', inProcess: true, label: 'pglite, in-process' },
];

export interface GraphQLResponse<T = any> {
  status: number;
  body: {
    data?: T;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
    extensions?: any;
  };
}

export interface TestGraph {
  graph: LocalGraph;
  config: GatewayConfig;
  backend: Backend;
  token(party: Party, org?: string | null, extra?: Partial<DevTokenRequest>): Promise<string>;
  query<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<GraphQLResponse<T>>;
  /** Starts a stopped subgraph again on the port it had, over the same database. */
  restartSubgraph(name: SubgraphName): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real gateway and four subgraphs on free ports, over fresh databases of `backend`, with
 * keys in a temporary folder. `prepare` fills the databases before the servers start.
 */
export async function startTestGraph(
  backend: Backend,
  options: {
    env?: Record<string, string>;
    seedScale?: number;
    prepare?: (
      graphDatabases: Awaited<ReturnType<typeof createTestDatabases>>['databases'],
    ) => Promise<void>;
    /** The gateway asks the subgraphs by function call, as `npm start` does. */
    inProcess?: boolean;
  } = {},
): Promise<TestGraph> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-test-'));
  // Request logs would drown the test output; a test that reads them sets LOG_LEVEL (and LOG_FILE).
  const config = loadGatewayConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...options.env });
  const dbs = await createTestDatabases(backend);
  await options.prepare?.(dbs.databases);
  if (options.seedScale) await seedDatabases(dbs.databases, options.seedScale);
  const graph = await startLocalGraph(config, {
    databases: dbs.databases,
    ephemeralPorts: true,
    inProcess: options.inProcess,
  });
  return {
    graph,
    config,
    backend,
    token: (party, org, extra) =>
      mintDevToken(graph.devIssuer, config.auth, { party, org, ...extra }),
    async query(query, variables, token) {
      const response = await fetch(graph.gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] };
    },
    async restartSubgraph(name) {
      const port = Number(new URL(graph.subgraphs[name].url).port);
      const signingKey = await loadOrCreateSigningKey(gatewaySigningKeyFile(config), 'gateway');
      graph.subgraphs[name] = await startSubgraph(subgraphs[name], {
        database: graph.databases[name],
        config,
        port,
        gatewayKeys: gatewayKeyResolver({ jwks: { keys: [signingKey.publicJwk] } }),
        peerUrls: Object.fromEntries(
          Object.entries(graph.subgraphs).map(([peer, running]) => [peer, running.url]),
        ),
      });
    },
    async stop() {
      await graph.stop();
      await dbs.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
