import postgres from 'postgres';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kernel/config.js';
import { openDatabase } from '../../subgraphs/kernel/db.js';
import { isSeeded, seedDatabases, type SeedDatabases } from '../seed/load.js';
import { progressBar } from '../progress.js';
import { refreshProfiles, staleProfiles } from '../seed/profiles.js';

/** The PostgreSQL server the benchmark databases live on (a user that may create databases). */
export const SERVER_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type DatabaseUrls = Record<SubgraphName, string>;

/** `kx_bench_s<scale>_<subgraph>`: one set per scale, kept between runs (seeding is the slow part). */
export function benchDatabaseUrls(scale: number): DatabaseUrls {
  const tag = String(scale).replace('.', '_');
  return Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => {
      const url = new URL(SERVER_URL);
      url.pathname = `/kx_bench_s${tag}_${name}`;
      return [name, url.toString()];
    }),
  ) as DatabaseUrls;
}

/**
 * Creates the scale's databases if missing, applies migrations, and seeds them unless they
 * already are (`reseed` empties and seeds again). Then VACUUM ANALYZE, after a seed and before
 * every run: the planner's statistics, the visibility map (index-only scans) and the space of the
 * rows earlier runs deleted (the disclosure log's queue, claimed needs) are then what autovacuum
 * would leave, on a server that runs it or not.
 */
export async function prepareDatabases(scale: number, reseed: boolean): Promise<DatabaseUrls> {
  const urls = benchDatabaseUrls(scale);
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  try {
    for (const url of Object.values(urls)) {
      const name = new URL(url).pathname.slice(1);
      const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
      if (!exists) await admin.unsafe(`create database "${name}"`);
    }
  } finally {
    await admin.end();
  }
  const dbs = {} as SeedDatabases;
  try {
    for (const name of SUBGRAPH_NAMES) dbs[name] = await openDatabase(name, { url: urls[name] });
    if (reseed || !(await isSeeded(dbs))) {
      const bar = progressBar(`seeding scale ${scale} into kx_bench_s${scale}_*`);
      await seedDatabases(dbs, scale, bar.update, { reset: reseed });
      bar.done();
    } else if ((await staleProfiles(dbs.tech.db, dbs.finance.db)) > 0) {
      // Seeded before finance's copy of the library held all it holds now.
      const bar = progressBar(`refreshing finance's copy of the library in kx_bench_s${scale}_*`);
      await refreshProfiles(dbs.tech.db, dbs.finance.db, bar.update);
      bar.done();
    }
  } finally {
    await Promise.all(Object.values(dbs).map((db) => db.close()));
  }
  await Promise.all(Object.values(urls).map((url) => vacuum(url)));
  return urls;
}

async function vacuum(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client.unsafe('vacuum analyze');
  } finally {
    await client.end();
  }
}
