import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import postgres from 'postgres';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kernel/config.js';
import { openDatabase, type Database } from '../../subgraphs/kernel/db.js';
import { makeTemplate, templateFile } from './pglite-templates.js';

export type Backend = 'pglite' | 'postgres';

/** The backends a run covers: PGlite always, PostgreSQL too when TEST_DATABASE_URL is set. */
export const BACKENDS: Backend[] = process.env.TEST_DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite'];

// A fresh PGlite spends seconds on initdb and the migrations, and seconds more loading a dump:
// far more than most whole-graph tests. Every worker starts its databases from dumps made once
// per migration set (see `pglite-templates.ts`), and a dropped database goes back to a pool,
// emptied, for the next graph of the same file to take.
const templates = new Map<SubgraphName, Promise<Blob>>();
const idle = new Map<SubgraphName, Database[]>();
/** Databases kept per subgraph: a file with many graphs at once must not hold them all for later. */
const MAX_IDLE = 4;

function template(name: SubgraphName): Promise<Blob> {
  let dump = templates.get(name);
  if (!dump) {
    const file = templateFile(inject('pgliteTemplates'), name);
    dump = fs.existsSync(file)
      ? Promise.resolve(new Blob([fs.readFileSync(file)]))
      : makeTemplate(name);
    templates.set(name, dump);
  }
  return dump;
}

async function openPglite(name: SubgraphName): Promise<Database> {
  const pooled = idle.get(name)?.pop();
  if (pooled) return pooled;
  return openDatabase(name, { loadDataDir: await template(name) });
}

/**
 * Empties a database as a fresh one from the template: every table of the public schema, and
 * every sequence back to its start. One that cannot be emptied is closed instead.
 */
async function release(database: Database): Promise<void> {
  try {
    await database.db.execute(sql.raw(EMPTY_PUBLIC_SCHEMA));
    database.statements.count = 0;
    database.statements.recent.length = 0;
    let pool = idle.get(database.name);
    if (!pool) idle.set(database.name, (pool = []));
    if (pool.length >= MAX_IDLE) await database.close();
    else pool.push(database);
  } catch {
    await database.close().catch(() => {});
  }
}

// One TRUNCATE a table: a table's own truncate trigger may empty another (the feed's change log).
const EMPTY_PUBLIC_SCHEMA = `do $$
declare t record;
begin
  for t in select schemaname, tablename from pg_tables where schemaname = 'public' loop
    execute format('truncate table %I.%I restart identity cascade', t.schemaname, t.tablename);
  end loop;
  for t in select sequence_schema, sequence_name from information_schema.sequences
      where sequence_schema = 'public' loop
    execute format('alter sequence %I.%I restart', t.sequence_schema, t.sequence_name);
  end loop;
end $$`;

export interface TestDatabases {
  databases: Record<SubgraphName, Database>;
  drop(): Promise<void>;
}

/**
 * Four fresh databases, migrated: in-memory PGlite, or new databases on the TEST_DATABASE_URL
 * server (named per run, dropped afterwards) so test files never share state.
 */
export async function createTestDatabases(backend: Backend): Promise<TestDatabases> {
  if (backend === 'pglite') {
    const entries = await Promise.all(
      SUBGRAPH_NAMES.map(async (name) => [name, await openPglite(name)] as const),
    );
    const databases = Object.fromEntries(entries) as Record<SubgraphName, Database>;
    return {
      databases,
      drop: async () => void (await Promise.all(entries.map(([, d]) => release(d)))),
    };
  }
  const serverUrl = process.env.TEST_DATABASE_URL!;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const suffix = randomBytes(4).toString('hex');
  const names = Object.fromEntries(
    SUBGRAPH_NAMES.map((n) => [n, `kx_test_${suffix}_${n}`]),
  ) as Record<SubgraphName, string>;
  for (const name of SUBGRAPH_NAMES) await admin.unsafe(`create database ${names[name]}`);
  const databases = {} as Record<SubgraphName, Database>;
  for (const name of SUBGRAPH_NAMES) {
    const url = new URL(serverUrl);
    url.pathname = `/${names[name]}`;
    databases[name] = await openDatabase(name, { url: url.toString() });
  }
  return {
    databases,
    async drop() {
      await Promise.all(Object.values(databases).map((d) => d.close()));
      for (const name of SUBGRAPH_NAMES)
        await admin.unsafe(`drop database if exists ${names[name]} with (force)`);
      await admin.end();
    },
  };
}
