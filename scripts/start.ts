import { stopOnSignal } from './shutdown.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { startLocalGraph } from '../gateway/local-graph.js';
import { sandboxPreset } from '../gateway/sandbox.js';
import { graphPorts } from './ports.js';
import { preflight } from './preflight.js';
import { progressBar } from './progress.js';
import { seedDatabases } from './seed/load.js';
import { refreshProfiles, staleProfiles } from './seed/profiles.js';
import { buildConsole } from './console-build.js';
import { serverCautions } from '../subgraphs/kernel/db.js';

// `npm start`: the whole graph with embedded databases, seeded on first start.
const config = loadGatewayConfig();
const ports = graphPorts(config);
// One graph per data folder, and every port free, before a database is opened or seeded.
const lock = await preflight('npm start', config, {
  command: 'npm start',
  ports: Object.fromEntries(ports.map((p) => [p.variable, p.port])),
  gatewayUrl: `http://${config.host}:${config.gatewayPort}/`,
  listen: ports,
});
// The explorer and console, built by `npm ci`; built again here if their sources changed since.
if (await buildConsole({ ifStale: true })) console.log('explorer and console built');
const bar = progressBar('seeding scale ' + config.seedScale);
const graph = await startLocalGraph(config, {
  // Seeded on first start; a graph that holds data (seeded or not) is left as it is, except that
  // finance's copy of the library is completed if it was copied before it held all it holds now.
  prepare: async (databases) => {
    await seedDatabases(databases, config.seedScale, bar.update);
    if ((await staleProfiles(databases.tech.db, databases.finance.db)) > 0) {
      await refreshProfiles(databases.tech.db, databases.finance.db);
    }
  },
  inProcess: config.subgraphsInProcess,
});
bar.done();
const preset = sandboxPreset(config, !config.auth.jwksUrl).offer
  ? 'The explorer starts with a read-only finance-office dev token (fresh each load, 15 minutes);\n  the console offers a dev sign-in for every party'
  : 'The explorer starts without a token';

console.log(`Kechuang Exchange is up.
  GraphQL explorer          ${graph.gateway.url}  (Apollo Sandbox, online only: ${graph.gateway.url}sandbox)
  console                   ${graph.gateway.url}console/
  health / readiness        ${graph.gateway.url}health  ${graph.gateway.url}ready
  subgraphs                 ${Object.values(graph.subgraphs)
    .map((s) => `${s.name} ${s.url}`)
    .join('\n                            ')}
  data                      ${config.dataDir}
${preset}; other parties, and writes: npm run token -- --party bank --org icbc
Ctrl-C stops.`);
for (const database of Object.values(graph.databases)) {
  for (const caution of await serverCautions(database)) console.warn(`warning: ${caution}`);
}

// The gateway drains first, then the subgraphs, each after DRAIN_DELAY_MS and within
// SHUTDOWN_TIMEOUT_MS; past both deadlines (plus time to close the databases) the process goes
// regardless.
stopOnSignal(
  async () => {
    console.log('\nstopping: draining in-flight requests…');
    await graph.stop();
    // The databases are closed: the folder is free for the next process.
    lock?.release();
  },
  2 * (config.drainDelayMs + config.shutdownTimeoutMs) + 5_000,
);
