import path from 'node:path';
import { isSubgraphName, loadConfig, SUBGRAPH_NAMES } from '../subgraphs/shared/config.js';
import { openDatabase } from '../subgraphs/shared/db.js';
import { gatewayKeyResolver } from '../subgraphs/shared/gateway-token.js';
import { startSubgraph } from '../subgraphs/shared/subgraph.js';
import { subgraphs } from '../subgraphs/index.js';

// `npm run subgraph -- banks`: one subgraph as its own service, on its own database, trusting
// only tokens signed by the gateway whose JWKS is at GATEWAY_JWKS_URL.
const name = process.argv[2];
if (!name || !isSubgraphName(name)) {
  console.error(`usage: npm run subgraph -- <${SUBGRAPH_NAMES.join('|')}>`);
  process.exit(2);
}
const config = loadConfig();
const database = await openDatabase(name, {
  url: config.databaseUrls[name],
  dataDir: path.join(config.dataDir, name),
});
const running = await startSubgraph(subgraphs[name], {
  database,
  config,
  port: config.subgraphPorts[name],
  gatewayKeys: gatewayKeyResolver({ jwksUrl: config.gatewayToken.jwksUrl }),
});
console.log(
  `${name} subgraph on ${running.url} (${database.kind}); trusting ${config.gatewayToken.jwksUrl}`,
);

const shutdown = async () => {
  await running.stop();
  await database.close();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
