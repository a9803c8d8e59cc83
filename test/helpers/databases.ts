import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kernel/config.js';
import { openDatabase, type Database } from '../../subgraphs/kernel/db.js';

export type Backend = 'pglite' | 'postgres';

/** The backends a run covers: PGlite always, PostgreSQL too when TEST_DATABASE_URL is set. */
export const BACKENDS: Backend[] = process.env.TEST_DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite'];

// initdb dominates a fresh PGlite's start: later databases in this process start from a dump of
// the first, already migrated one.
const templates = new Map<SubgraphName, Promise<Blob>>();

async function openPglite(name: SubgraphName): Promise<Database> {
  let template = templates.get(name);
  if (!template) {
    template = openDatabase(name).then(async (database) => {
      const dump = await database.dump!();
      await database.close();
      return dump;
    });
    templates.set(name, template);
  }
  return openDatabase(name, { loadDataDir: await template });
}

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
      drop: async () => void (await Promise.all(entries.map(([, d]) => d.close()))),
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
