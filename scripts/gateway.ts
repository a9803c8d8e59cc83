import { stopOnSignal } from './shutdown.js';
import { loadConfig } from '../subgraphs/shared/config.js';
import { openDatabase } from '../subgraphs/shared/db.js';
import { loadOrCreateSigningKey } from '../subgraphs/shared/keys.js';
import { createLogger } from '../subgraphs/shared/logger.js';
import { gatewaySigningKeyFile } from '../gateway/local-graph.js';
import { createExchangeLayer } from '../gateway/layer.js';
import { startGateway } from '../gateway/server.js';
import path from 'node:path';

// `npm run gateway [-- --supergraph file]`: the gateway alone, calling the subgraphs at SUBGRAPH_URL_*.
const flag = process.argv.indexOf('--supergraph');
const env = flag > 0 ? { ...process.env, SUPERGRAPH_PATH: process.argv[flag + 1] } : process.env;
const config = loadConfig(env);
const logger = createLogger(config, { service: 'gateway' });
const signingKey = await loadOrCreateSigningKey(gatewaySigningKeyFile(config), 'gateway');
// The disclosure log lives in the exchange subgraph's database.
const exchange = await openDatabase('exchange', {
  url: config.databaseUrls.exchange,
  dataDir: path.join(config.dataDir, 'exchange'),
});
const gateway = await startGateway({
  config,
  signingKey,
  subgraphUrls: config.subgraphUrls,
  layer: createExchangeLayer(config, exchange, signingKey, config.subgraphUrls.finance),
  logger,
});
logger.info(
  { url: gateway.url, supergraph: config.supergraphPath, subgraphs: config.subgraphUrls },
  'gateway started',
);

// Past the drain deadline (plus time to close the database) the process goes regardless.
stopOnSignal(async (signal) => {
  logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'draining in-flight requests');
  await gateway.stop();
  await exchange.close();
  logger.info('gateway stopped');
}, config.shutdownTimeoutMs + 5_000);
