import { spawnSync } from 'node:child_process';
import { SUBGRAPH_NAMES } from '../subgraphs/shared/config.js';

// drizzle-kit compares each subgraph's tables with its last snapshot and writes a new SQL migration.
for (const name of SUBGRAPH_NAMES) {
  const result = spawnSync('npx', ['drizzle-kit', 'generate', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, SUBGRAPH: name },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
