import path from 'node:path';
import { loadConfig, SUBGRAPH_NAMES, type Config } from '../subgraphs/kernel/config.js';
import { openDatabase } from '../subgraphs/kernel/db.js';
import { preflight } from './preflight.js';
import { progressBar } from './progress.js';
import { enterpriseCount } from './seed/generate.js';
import { isSeeded, seedDatabases, seededCounts, type SeedDatabases } from './seed/load.js';

// `npm run seed -- --scale N [--reset]`: fills the four subgraph databases with generated data.
const USAGE = `usage: tsx scripts/seed.ts [--scale N] [--reset]
  --scale N   a positive number: 1 ≈ a city (1000 enterprises), 100 for benchmarks
              (default: SEED_SCALE, else 1)
  --reset     empty the seeded tables first, then seed again
Databases: DATABASE_URL_<SUBGRAPH> when set, else embedded PGlite under DATA_DIR.`;

function fail(message: string): never {
  process.stderr.write(`seed: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): { scale?: number; reset: boolean } {
  let scale: number | undefined;
  let reset = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg === '--reset') {
      reset = true;
    } else if (arg === '--scale' || arg.startsWith('--scale=')) {
      const raw = arg === '--scale' ? argv[++i] : arg.slice('--scale='.length);
      if (raw === undefined || raw === '') fail('--scale needs a value');
      const value = Number(raw);
      if (!Number.isFinite(value) || value <= 0) {
        fail(`--scale must be a positive number, got "${raw}"`);
      }
      scale = value;
    } else {
      fail(`unknown argument "${arg}"`);
    }
  }
  return { scale, reset };
}

const args = parseArgs(process.argv.slice(2));
let config: Config;
try {
  config = loadConfig();
} catch (error) {
  fail((error as Error).message);
}
const scale = args.scale ?? config.seedScale;
if (enterpriseCount(scale) < 1) fail(`--scale ${scale} is too small for a single enterprise`);

// The embedded databases take one process at a time: not while a graph runs on them.
const lock = await preflight('seed', config, { command: 'npm run seed' });
const dbs = {} as SeedDatabases;
let exitCode = 0;
try {
  for (const name of SUBGRAPH_NAMES) {
    dbs[name] = await openDatabase(name, {
      url: config.databaseUrls[name],
      dataDir: path.join(config.dataDir, name),
    });
  }
  if (!args.reset && (await isSeeded(dbs))) {
    process.stderr.write('seed: the databases are already seeded; --reset seeds them again\n');
  } else {
    const bar = progressBar(`seeding scale ${scale}`);
    await seedDatabases(dbs, scale, bar.update, { reset: args.reset });
    bar.done();
  }
  const counts = await seededCounts(dbs);
  const rows = SUBGRAPH_NAMES.flatMap((name) =>
    Object.entries(counts[name]).map(([table, n]) => [name, table, n.toLocaleString('en')]),
  );
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  for (const [db, table, n] of rows) {
    console.log(`${db.padEnd(widths[0])}  ${table.padEnd(widths[1])}  ${n.padStart(widths[2])}`);
  }
} catch (error) {
  process.stderr.write(`\nseed failed: ${(error as Error).stack ?? error}\n`);
  exitCode = 1;
} finally {
  await Promise.all(Object.values(dbs).map((d) => d.close()));
  lock?.release();
}
process.exit(exitCode);
