import { stopOnSignal } from './shutdown.js';
import path from 'node:path';
import { subgraphPortVariable } from './ports.js';
import { preflight } from './preflight.js';
import { isSubgraphName, loadConfig, SUBGRAPH_NAMES } from '../subgraphs/kernel/config.js';
import { connectTimeoutSeconds, openDatabase, serverCautions } from '../subgraphs/kernel/db.js';
import { gatewayKeyResolver } from '../subgraphs/kernel/gateway-token.js';
import { createLogger } from '../subgraphs/kernel/logger.js';
import { startSubgraph } from '../subgraphs/kernel/subgraph.js';
import { subgraphs } from '../subgraphs/index.js';

// `npm run subgraph -- banks`: one subgraph as its own service, on its own database, trusting
// only tokens signed by the gateway whose JWKS is at GATEWAY_JWKS_URL.
const name = process.argv[2];
if (!name || !isSubgraphName(name)) {
  console.error(`usage: npm run subgraph -- <${SUBGRAPH_NAMES.join('|')}>`);
  process.exit(2);
}
const config = loadConfig();
const logger = createLogger(config, { service: `subgraph-${name}` });
// Its embedded database, if it has one, takes one process at a time; the port is checked before
// the database is opened.
const lock = await preflight(`subgraph ${name}`, config, {
  command: `npm run subgraph -- ${name}`,
  databases: [name],
  ports: { [subgraphPortVariable(name)]: config.subgraphPorts[name] },
  listen: [{ port: config.subgraphPorts[name], variable: subgraphPortVariable(name) }],
  onStale: (message) => logger.warn(message),
});
const database = await openDatabase(name, {
  url: config.databaseUrls[name],
  dataDir: path.join(config.dataDir, name),
  connectTimeoutSeconds: connectTimeoutSeconds(config.subgraphFetch.timeoutMs),
  maxConnections: config.databaseConnections,
});
const running = await startSubgraph(subgraphs[name], {
  database,
  config,
  port: config.subgraphPorts[name],
  gatewayKeys: gatewayKeyResolver({ jwksUrl: config.gatewayToken.jwksUrl }),
  peerUrls: config.subgraphUrls,
});
logger.info(
  { url: running.url, database: database.kind, trusting: config.gatewayToken.jwksUrl },
  'subgraph started',
);
for (const caution of await serverCautions(database)) logger.warn(caution);

// Past the drain deadline (plus time to close the database) the process goes regardless.
stopOnSignal(
  async (signal) => {
    logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'draining in-flight requests');
    await running.stop();
    await database.close();
    lock?.release();
    logger.info('subgraph stopped');
  },
  config.drainDelayMs + config.shutdownTimeoutMs + 5_000,
);
