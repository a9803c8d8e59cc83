import postgres from 'postgres';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kernel/config.js';
import { openDatabase } from '../../subgraphs/kernel/db.js';
import { isSeeded, seedDatabases, type SeedDatabases } from '../seed/load.js';
import { progressBar } from '../progress.js';

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
 * already are (`reseed` empties and seeds again). After a seed, VACUUM ANALYZE: the planner's
 * statistics and the visibility map (index-only scans) are then what autovacuum would leave.
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
      await Promise.all(Object.values(urls).map((url) => vacuum(url)));
    }
  } finally {
    await Promise.all(Object.values(dbs).map((db) => db.close()));
  }
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
