import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql, type SQL } from 'drizzle-orm';
import type { SubgraphName } from './config.js';

export type Db = PgDatabase<PgQueryResultHKT, Record<string, never>>;

/** Counts the SQL statements a database handle sends; tests and benchmarks read it. */
export class StatementCounter {
  count = 0;
  readonly recent: string[] = [];
  logQuery(query: string): void {
    this.count++;
    if (this.recent.length >= 200) this.recent.shift();
    this.recent.push(query);
  }
}

export interface Database {
  name: SubgraphName;
  db: Db;
  kind: 'pglite' | 'postgres';
  statements: StatementCounter;
  /** Rows of a raw statement, whichever driver runs it. */
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  close(): Promise<void>;
  /** PGlite only: the data folder as a tarball, to start other instances from. */
  dump?: () => Promise<Blob | File>;
}

export interface OpenOptions {
  /** PostgreSQL URL; when absent the subgraph uses embedded PGlite. */
  url?: string;
  /** PGlite data folder; absent means in memory. */
  dataDir?: string;
  /** An in-memory PGlite starts from this dump (`dumpDataDir`) instead of running initdb. */
  loadDataDir?: Blob;
  migrate?: boolean;
  /** Most connections held to a PostgreSQL database (`DATABASE_CONNECTIONS`); 10 by default. */
  maxConnections?: number;
  /**
   * Seconds a PostgreSQL connection may take to open, its startup included; by default what fits
   * the gateway's default subgraph deadline (`connectTimeoutSeconds`).
   */
  connectTimeoutSeconds?: number;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function migrationsFolder(name: SubgraphName): string {
  return path.join(root, 'drizzle', name);
}

/**
 * drizzle's postgres.js driver sends a statement unprepared unless it was given a name, so
 * PostgreSQL parses and plans it again on every call. The subgraphs' statements are a small fixed
 * set (a batch is one array parameter, whatever its size): prepared once per connection, they
 * cost less on every later call (benchmarked in scripts/bench/results.md). Migrations run before,
 * plain.
 */
function preparing(client: postgres.Sql): postgres.Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (query: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(query, params as postgres.ParameterOrJSON<never>[], {
            ...options,
            prepare: true,
          });
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * Seconds before a dropped connection is opened again, after `failures` failed attempts in a
 * row. postgres.js's default grows to 20 s, and a statement queued on that connection waits it
 * out: a database back after a restart would stay unused past the gateway's subgraph deadline.
 * Doubling from 50 ms up to 1 s (jittered) reconnects within a second of its return, at a cost of
 * one attempt per connection per second while it is down.
 */
export function reconnectDelaySeconds(failures: number): number {
  return (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** failures, 1);
}

/**
 * How long a subgraph waits for a database connection to open, given the deadline its caller
 * (the gateway, or a peer) waits for the whole answer. A statement may wait out an attempt already
 * under way, a backoff of up to a second (`reconnectDelaySeconds`), then an attempt of its own:
 * two attempts and the backoff fit within the deadline with half a second to spare, so the
 * subgraph has failed cleanly (a masked internal error; for a mutation a refusal, since a
 * statement is sent only on an open connection) before its caller gives up and must report the
 * mutation as possibly applied. Never under a second.
 */
export function connectTimeoutSeconds(callerDeadlineMs: number): number {
  return Math.max(1, Math.floor((callerDeadlineMs / 1000 - 1.5) / 2));
}

/** The gateway's default subgraph deadline (`SUBGRAPH_TIMEOUT_MS`). */
const DEFAULT_CALLER_DEADLINE_MS = 10_000;

export async function openDatabase(
  name: SubgraphName,
  options: OpenOptions = {},
): Promise<Database> {
  const statements = new StatementCounter();
  const logger = { logQuery: (query: string) => statements.logQuery(query) };
  let database: Database;
  if (options.url) {
    // Small pool per subgraph; postgres.js opens connections lazily.
    const client = postgres(options.url, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connect_timeout:
        options.connectTimeoutSeconds ?? connectTimeoutSeconds(DEFAULT_CALLER_DEADLINE_MS),
      backoff: reconnectDelaySeconds,
    });
    if (options.migrate !== false) {
      await migratePostgres(drizzlePostgres(client), { migrationsFolder: migrationsFolder(name) });
    }
    const db = drizzlePostgres(preparing(client), { logger });
    database = {
      name,
      db: db as unknown as Db,
      kind: 'postgres',
      statements,
      rows: async <T>(query: SQL) => (await db.execute(query)) as unknown as T[],
      close: () => client.end({ timeout: 5 }),
    };
  } else {
    if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
    const client = new PGlite(options.dataDir, { loadDataDir: options.loadDataDir });
    const db = drizzlePglite(client, { logger });
    if (options.migrate !== false) {
      await migratePglite(db, { migrationsFolder: migrationsFolder(name) });
    }
    database = {
      name,
      db: db as unknown as Db,
      kind: 'pglite',
      statements,
      rows: async <T>(query: SQL) => (await db.execute(query)).rows as T[],
      close: () => client.close(),
      dump: () => client.dumpDataDir('none'),
    };
  }
  return database;
}

/**
 * What the operator should hear of the PostgreSQL server a database is on, said once at start.
 * Without autovacuum a table's dead rows stay and its statistics go stale: the exchange's
 * sequencer vacuums and analyses the disclosure log's tables itself, nothing else is. None for
 * PGlite, the embedded database of a workstation.
 */
export async function serverCautions(database: Database): Promise<string[]> {
  if (database.kind !== 'postgres') return [];
  // A server that cannot be asked now is the subject of other warnings, not of this one.
  const [setting] = await database
    .rows<{ autovacuum: string }>(sql`select current_setting('autovacuum') as autovacuum`)
    .catch(() => [{ autovacuum: 'unknown' }]);
  return setting.autovacuum !== 'off'
    ? []
    : [
        `autovacuum is off on the PostgreSQL server of the ${database.name} database: updated and ` +
          'deleted rows stay and statistics go stale unless it is vacuumed and analysed on a schedule',
      ];
}
