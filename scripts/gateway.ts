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

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'draining in-flight requests');
  // Past the drain deadline (plus time to close the database) the process goes regardless.
  setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 5_000).unref();
  await gateway.stop();
  await exchange.close();
  logger.info('gateway stopped');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
