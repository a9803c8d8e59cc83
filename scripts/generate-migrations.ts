import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { isSubgraphName, SUBGRAPH_NAMES } from '../subgraphs/kernel/config.js';

// `npm run db:generate [-- <subgraph>]`: drizzle-kit compares each subgraph's tables with its last
// snapshot and writes a new SQL migration. Two runs at once would both number theirs N+1, so a
// lock folder makes a second run wait for the first.
const [first, ...rest] = process.argv.slice(2);
const names = first && isSubgraphName(first) ? [first] : SUBGRAPH_NAMES;
const args = first && isSubgraphName(first) ? rest : process.argv.slice(2);

const lock = 'drizzle/.generate.lock';
const deadline = Date.now() + 120_000;
for (;;) {
  try {
    fs.mkdirSync(lock);
    break;
  } catch {
    if (Date.now() > deadline) throw new Error(`${lock} is held; remove it if no run is going`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
try {
  for (const name of names) {
    const result = spawnSync('npx', ['drizzle-kit', 'generate', ...args], {
      stdio: 'inherit',
      env: { ...process.env, SUBGRAPH: name },
    });
    if (result.status !== 0) process.exitCode = result.status ?? 1;
    if (process.exitCode) break;
  }
} finally {
  fs.rmdirSync(lock);
}
