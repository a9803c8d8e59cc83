import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopOnSignal } from './shutdown.js';
import { loadGatewayConfig, type GatewayConfig } from '../gateway/config.js';
import { openDatabase, serverCautions, type Database } from '../subgraphs/kernel/db.js';
import { SUBGRAPH_NAMES } from '../subgraphs/kernel/config.js';
import { loadOrCreateSigningKey } from '../subgraphs/kernel/keys.js';
import { createLogger, type Logger } from '../subgraphs/kernel/logger.js';
import { gatewaySigningKeyFile } from '../gateway/local-graph.js';
import { createExchangeLayer } from '../gateway/layer.js';
import { openLogSequencer } from '../gateway/log-sequencer.js';
import type { OrgDirectory } from '../gateway/org-directory.js';
import { startGateway } from '../gateway/server.js';
import { loadSupergraphForGateway, resolveSubgraphUrls } from '../gateway/supergraph.js';
import { preflight } from './preflight.js';

// `npm run gateway [-- --supergraph file]`: the gateway alone, calling the subgraphs at the URLs
// the supergraph gives them, or at SUBGRAPH_URL_<NAME>. Any supergraph: one without the exchange's
// four subgraphs is served with the features that need them or the exchange database made safe
// (see `exchangeFeatures`).
const flag = process.argv.indexOf('--supergraph');
const env = flag > 0 ? { ...process.env, SUPERGRAPH_PATH: process.argv[flag + 1] } : process.env;
const config = loadGatewayConfig(env);
const logger = createLogger(config, { service: 'gateway' });
// Each subgraph where the supergraph says (join__graph(url:)), unless SUBGRAPH_URL_<NAME> moves it.
const subgraphUrls = resolveSubgraphUrls(
  loadSupergraphForGateway(config.supergraphPath),
  config.subgraphUrlOverrides,
);
const own = SUBGRAPH_NAMES.every((name) => name in subgraphUrls);
// The disclosure log's database, when embedded, takes one process at a time; the port is checked
// before anything is opened.
const lock = await preflight('gateway', config, {
  command: 'npm run gateway',
  databases: own ? ['exchange'] : [],
  ports: { PORT: config.gatewayPort },
  gatewayUrl: `http://${config.host}:${config.gatewayPort}/`,
  listen: [{ port: config.gatewayPort, variable: 'PORT' }],
  onStale: (message) => logger.warn(message),
});
const signingKey = await loadOrCreateSigningKey(gatewaySigningKeyFile(config), 'gateway');
const features = await exchangeFeatures(config, own, logger);
const gateway = await startGateway({
  config,
  signingKey,
  subgraphUrls,
  layer: createExchangeLayer(config, features.exchange, signingKey, subgraphUrls.finance),
  sequencer: await openLogSequencer(config, features.exchange),
  orgs: features.orgs,
  logger,
});
logger.info(
  { url: gateway.url, supergraph: config.supergraphPath, subgraphs: subgraphUrls },
  'gateway started',
);
for (const caution of await serverCautions(features.exchange)) logger.warn(caution);

// Past the drain deadline (plus time to close the database) the process goes regardless.
stopOnSignal(
  async (signal) => {
    logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'draining in-flight requests');
    await gateway.stop();
    await features.close();
    lock?.release();
    logger.info('gateway stopped');
  },
  config.drainDelayMs + config.shutdownTimeoutMs + 5_000,
);

/**
 * The database of consents and of the disclosure log, and the org directory. Over the exchange's
 * own supergraph: the exchange database (DATABASE_URL_EXCHANGE or DATA_DIR/exchange) and the
 * banks and tech subgraphs. Over any other: a throwaway embedded database in a temporary folder,
 * removed at stop (no consents, a log nobody keeps), no org directory (a bank or enterprise
 * token's org is taken as claimed) and no main-bank links (no finance subgraph); said once, as a
 * warning, at start.
 */
async function exchangeFeatures(
  config: GatewayConfig,
  own: boolean,
  logger: Logger,
): Promise<{ exchange: Database; orgs?: OrgDirectory; close(): Promise<void> }> {
  if (own) {
    // The disclosure log lives in the exchange subgraph's database.
    const exchange = await openDatabase('exchange', {
      url: config.databaseUrls.exchange,
      dataDir: path.join(config.dataDir, 'exchange'),
      maxConnections: config.databaseConnections,
    });
    return { exchange, close: () => exchange.close() };
  }
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-gateway-exchange-'));
  const exchange = await openDatabase('exchange', { dataDir: folder });
  logger.warn(
    {
      supergraph: config.supergraphPath,
      missing: SUBGRAPH_NAMES.filter((name) => !(name in subgraphUrls)),
      throwawayDatabase: folder,
    },
    'not the exchange supergraph: org directory off (token orgs taken as claimed), no main-bank ' +
      'links, consents and disclosure log in a throwaway database removed at stop',
  );
  return {
    exchange,
    orgs: { exists: async () => true },
    async close() {
      await exchange.close();
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}
