import path from 'node:path';
import { gatewayKeyResolver } from '../subgraphs/kernel/gateway-token.js';
import { loadOrCreateSigningKey, type SigningKey } from '../subgraphs/kernel/keys.js';
import { connectTimeoutSeconds, openDatabase, type Database } from '../subgraphs/kernel/db.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/kernel/config.js';
import type { GatewayConfig } from './config.js';
import { startSubgraph, type RunningSubgraph } from '../subgraphs/kernel/subgraph.js';
import { subgraphs } from '../subgraphs/index.js';
import { ensureDevIssuer } from './dev-identity.js';
import { startGateway, type RunningGateway } from './server.js';
import { createExchangeLayer } from './layer.js';
import { openLogSequencer } from './log-sequencer.js';

export function gatewaySigningKeyFile(config: Pick<GatewayConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'keys', 'gateway-signing.json');
}

export interface LocalGraph {
  gateway: RunningGateway;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  databases: Record<SubgraphName, Database>;
  devIssuer: SigningKey;
  stop(): Promise<void>;
}

export interface LocalGraphOptions {
  /** Already opened databases (tests); otherwise opened from the configuration. */
  databases?: Record<SubgraphName, Database>;
  /**
   * Runs on the open databases before any server starts: `npm start` seeds an empty graph here
   * (the seed belongs to the scripts, not to the gateway).
   */
  prepare?: (databases: Record<SubgraphName, Database>) => Promise<void>;
  /** Listen on free ports instead of the configured ones. */
  ephemeralPorts?: boolean;
  /**
   * The gateway asks the subgraphs by function call (they run in this process) instead of over
   * HTTP with a signed token. Their HTTP ports still serve peer calls and direct use.
   */
  inProcess?: boolean;
}

export async function openDatabases(
  config: GatewayConfig,
): Promise<Record<SubgraphName, Database>> {
  const entries = await Promise.all(
    SUBGRAPH_NAMES.map(
      async (name) =>
        [
          name,
          await openDatabase(name, {
            url: config.databaseUrls[name],
            dataDir: path.join(config.dataDir, name),
            connectTimeoutSeconds: connectTimeoutSeconds(config.subgraphFetch.timeoutMs),
            maxConnections: config.databaseConnections,
          }),
        ] as const,
    ),
  );
  return Object.fromEntries(entries) as Record<SubgraphName, Database>;
}

/** The whole graph in one process: four subgraphs on their own ports and the gateway in front. */
export async function startLocalGraph(
  config: GatewayConfig,
  options: LocalGraphOptions = {},
): Promise<LocalGraph> {
  const devIssuer = await ensureDevIssuer(config);
  const signingKey = await loadOrCreateSigningKey(gatewaySigningKeyFile(config), 'gateway');
  const databases = options.databases ?? (await openDatabases(config));
  try {
    await options.prepare?.(databases);
  } catch (error) {
    if (!options.databases) await Promise.all(Object.values(databases).map((d) => d.close()));
    throw error;
  }
  const gatewayKeys = gatewayKeyResolver({ jwks: { keys: [signingKey.publicJwk] } });
  const running = {} as Record<SubgraphName, RunningSubgraph>;
  // Filled as each subgraph starts; a subgraph reads its peers' URLs when it calls them.
  const peerUrls: Partial<Record<SubgraphName, string>> = {};
  for (const name of SUBGRAPH_NAMES) {
    running[name] = await startSubgraph(subgraphs[name], {
      database: databases[name],
      config,
      port: options.ephemeralPorts ? 0 : config.subgraphPorts[name],
      gatewayKeys,
      peerUrls,
    });
    peerUrls[name] = running[name].url;
  }
  const subgraphUrls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, running[n].url])) as Record<
    SubgraphName,
    string
  >;
  const gateway = await startGateway({
    config,
    signingKey,
    subgraphUrls,
    inProcess: options.inProcess ? (name) => running[name] : undefined,
    layer: createExchangeLayer(config, databases.exchange, signingKey, subgraphUrls.finance),
    sequencer: await openLogSequencer(config, databases.exchange),
    devIssuer: config.auth.jwksUrl ? undefined : devIssuer,
    port: options.ephemeralPorts ? 0 : undefined,
  });
  return {
    gateway,
    subgraphs: running,
    databases,
    devIssuer,
    async stop() {
      await gateway.stop();
      await Promise.all(Object.values(running).map((s) => s.stop()));
      if (!options.databases) await Promise.all(Object.values(databases).map((d) => d.close()));
    },
  };
}
