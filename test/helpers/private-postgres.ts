import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kernel/config.js';
import { openDatabase, type Database } from '../../subgraphs/kernel/db.js';
import { freePort } from './processes.js';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries installed the Debian way, or PG_BIN. */
function serverBinaries(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`no PostgreSQL server binaries under ${root}; set PG_BIN to their folder`);
  }
  return path.join(root, versions[0], 'bin');
}

export interface GraphDatabases {
  /** A connection URL per subgraph. */
  urls: Record<SubgraphName, string>;
  /** Migrated handles, for filling the databases and reading them back. */
  databases: Record<SubgraphName, Database>;
  drop(): Promise<void>;
}

/**
 * Four fresh databases on the server at `serverUrl`, named `<prefix>_<random>_<subgraph>` and
 * migrated, so processes started afterwards never race each other over the migrations.
 */
export async function createGraphDatabases(
  serverUrl: string,
  prefix: string,
): Promise<GraphDatabases> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const suffix = randomBytes(4).toString('hex');
  const names = Object.fromEntries(
    SUBGRAPH_NAMES.map((n) => [n, `${prefix}_${suffix}_${n}`]),
  ) as Record<SubgraphName, string>;
  const urls = {} as Record<SubgraphName, string>;
  const databases = {} as Record<SubgraphName, Database>;
  for (const name of SUBGRAPH_NAMES) {
    await admin.unsafe(`create database ${names[name]}`);
    const url = new URL(serverUrl);
    url.pathname = `/${names[name]}`;
    urls[name] = url.toString();
    databases[name] = await openDatabase(name, { url: urls[name] });
  }
  return {
    urls,
    databases,
    async drop() {
      await Promise.all(Object.values(databases).map((d) => d.close().catch(() => {})));
      for (const name of SUBGRAPH_NAMES)
        await admin.unsafe(`drop database if exists ${names[name]} with (force)`);
      await admin.end();
    },
  };
}

export interface PrivateCluster {
  port: number;
  /** URL of `database` on this cluster (trust authentication, user postgres). */
  url(database?: string): string;
  /** `pg_ctl stop -m <mode>`, returning once the server is down. */
  stop(mode: 'smart' | 'fast' | 'immediate'): Promise<void>;
  /** `pg_ctl start`, returning once it accepts connections (crash recovery included). */
  start(): Promise<void>;
  /** Stops the server at once and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of the test's own, in a temporary folder, on a free port, so a test may stop
 * and restart it without touching the server other test files share. PostgreSQL refuses to run as
 * root: when the tests run as root, the cluster is owned and run by the `postgres` OS user.
 */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const bin = serverBinaries();
  const port = await freePort();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-pg-'));
  const data = path.join(folder, 'data');
  const log = path.join(folder, 'server.log');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(folder, uid, gid);
  }
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot
      ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]]
      : [path.join(bin, tool), args];
  const pgCtl = async (args: string[]) => {
    const [file, argv] = command('pg_ctl', ['-D', data, ...args]);
    try {
      await run(file, argv, { timeout: 120_000 });
    } catch (error) {
      const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2_000) : '';
      throw new Error(`pg_ctl ${args[0]} failed: ${(error as Error).message}\n${tail}`);
    }
  };
  // The socket lives in the cluster's folder: /var/run/postgresql belongs to the shared server.
  const options = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  const start = () => pgCtl(['start', '-w', '-t', '120', '-l', log, '-o', options]);

  const [file, argv] = command('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  await run(file, argv, { timeout: 120_000 });
  await start();

  // Should the test process die without its afterAll, the server must not outlive it.
  const killAtExit = () => {
    try {
      const [f, a] = command('pg_ctl', ['-D', data, 'stop', '-m', 'immediate']);
      execFileSync(f, a, { stdio: 'ignore' });
    } catch {
      // Already stopped.
    }
  };
  process.on('exit', killAtExit);

  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: (mode) => pgCtl(['stop', '-w', '-t', '120', '-m', mode]),
    start,
    async destroy() {
      process.off('exit', killAtExit);
      killAtExit();
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}
