import { stopOnSignal } from './shutdown.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { openDatabase } from '../subgraphs/kernel/db.js';
import { loadOrCreateSigningKey } from '../subgraphs/kernel/keys.js';
import { createLogger } from '../subgraphs/kernel/logger.js';
import { gatewaySigningKeyFile } from '../gateway/local-graph.js';
import { createExchangeLayer } from '../gateway/layer.js';
import { startGateway } from '../gateway/server.js';
import { loadSupergraphForGateway, resolveSubgraphUrls } from '../gateway/supergraph.js';
import path from 'node:path';
import { preflight } from './preflight.js';

// `npm run gateway [-- --supergraph file]`: the gateway alone, calling the subgraphs at the URLs
// the supergraph gives them, or at SUBGRAPH_URL_<NAME>.
const flag = process.argv.indexOf('--supergraph');
const env = flag > 0 ? { ...process.env, SUPERGRAPH_PATH: process.argv[flag + 1] } : process.env;
const config = loadGatewayConfig(env);
const logger = createLogger(config, { service: 'gateway' });
// The disclosure log's database, when embedded, takes one process at a time; the port is checked
// before anything is opened.
const lock = await preflight('gateway', config, {
  command: 'npm run gateway',
  databases: ['exchange'],
  ports: { PORT: config.gatewayPort },
  gatewayUrl: `http://${config.host}:${config.gatewayPort}/`,
  listen: [{ port: config.gatewayPort, variable: 'PORT' }],
  onStale: (message) => logger.warn(message),
});
const signingKey = await loadOrCreateSigningKey(gatewaySigningKeyFile(config), 'gateway');
// The disclosure log lives in the exchange subgraph's database.
const exchange = await openDatabase('exchange', {
  url: config.databaseUrls.exchange,
  dataDir: path.join(config.dataDir, 'exchange'),
});
// Each subgraph where the supergraph says (join__graph(url:)), unless SUBGRAPH_URL_<NAME> moves it.
const subgraphUrls = resolveSubgraphUrls(
  loadSupergraphForGateway(config.supergraphPath),
  config.subgraphUrlOverrides,
);
const gateway = await startGateway({
  config,
  signingKey,
  subgraphUrls,
  layer: createExchangeLayer(config, exchange, signingKey, subgraphUrls.finance),
  logger,
});
logger.info(
  { url: gateway.url, supergraph: config.supergraphPath, subgraphs: subgraphUrls },
  'gateway started',
);

// Past the drain deadline (plus time to close the database) the process goes regardless.
stopOnSignal(
  async (signal) => {
    logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'draining in-flight requests');
    await gateway.stop();
    await exchange.close();
    lock?.release();
    logger.info('gateway stopped');
  },
  config.drainDelayMs + config.shutdownTimeoutMs + 5_000,
);
