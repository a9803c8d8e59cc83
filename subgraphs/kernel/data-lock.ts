import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SUBGRAPH_NAMES, type Config, type SubgraphName } from './config.js';

/**
 * One writer per embedded database. A PGlite folder is a PostgreSQL data directory without a
 * postmaster: two processes opening it each keep their own copy in memory and overwrite each
 * other's writes, so an acknowledged write through one can be gone after both restart. Each
 * process that opens an embedded database first takes its lock, `DATA_DIR/<name>.lock`, created
 * atomically (O_EXCL) and holding who took it; a second process is refused with the holder's
 * name. The lock goes on a clean stop (and on any exit of the process); a lock whose process is
 * gone (killed, a crash, a reboot) is taken over with a warning.
 *
 * Databases on PostgreSQL (DATABASE_URL_<NAME>) take no lock: the server arbitrates.
 */

export interface LockHolder {
  pid: number;
  /** ISO time the holder took the lock. */
  since: string;
  /** What runs: `npm start`, `npm run seed`, … */
  command: string;
  databases: SubgraphName[];
  /** The ports the holder listens on, by what sets them (PORT, SUBGRAPH_PORT_TECH, …). */
  ports?: Record<string, number>;
  gatewayUrl?: string;
  /** Tells two locks of the same process apart. */
  id: string;
}

export interface DataLock {
  holder: LockHolder;
  files: string[];
  /** Removes the lock files this process holds; safe to call twice. */
  release(): void;
}

export interface LockRequest {
  command: string;
  /** The databases the process opens; those on PostgreSQL are skipped. Default: all four. */
  databases?: readonly SubgraphName[];
  ports?: Record<string, number>;
  gatewayUrl?: string;
  /** Told when a stale lock is taken over; a warning on stderr by default. */
  onStale?: (message: string, stale: LockHolder) => void;
}

/** Refused: another live process holds an embedded database of this data folder. */
export class DataFolderBusy extends Error {
  constructor(
    readonly dataDir: string,
    readonly database: SubgraphName,
    readonly holder: LockHolder,
  ) {
    const gateway = holder.gatewayUrl ? `, gateway ${holder.gatewayUrl}` : '';
    super(
      `the data folder ${dataDir} is in use by pid ${holder.pid} (${holder.command}${gateway}) ` +
        `since ${holder.since}: its embedded ${database} database takes one process at a time. ` +
        `Stop that process, or set DATA_DIR to another folder.`,
    );
    this.name = 'DataFolderBusy';
  }
}

export function lockFile(dataDir: string, name: SubgraphName): string {
  return path.join(dataDir, `${name}.lock`);
}

/** The databases of `names` that run on embedded PGlite under DATA_DIR. */
export function embeddedDatabases(
  config: Pick<Config, 'databaseUrls'>,
  names: readonly SubgraphName[] = SUBGRAPH_NAMES,
): SubgraphName[] {
  return names.filter((name) => !config.databaseUrls[name]);
}

/** True while a process with this id runs (a process of another user counts). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder named in a lock file; undefined when there is none or it cannot be read. */
export function readLock(file: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
    return typeof holder.pid === 'number' ? holder : undefined;
  } catch {
    return undefined;
  }
}

/** The live holder of any embedded database of the configuration, if one runs. */
export function currentHolder(
  config: Pick<Config, 'dataDir' | 'databaseUrls'>,
): { database: SubgraphName; holder: LockHolder } | undefined {
  for (const database of embeddedDatabases(config)) {
    const holder = readLock(lockFile(config.dataDir, database));
    if (holder && processAlive(holder.pid)) return { database, holder };
  }
  return undefined;
}

function tryCreate(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function warnStale(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/**
 * Takes the locks of the embedded databases the process opens, or throws DataFolderBusy naming
 * the live process that holds one (having taken none). Null when every database is on
 * PostgreSQL. Call before opening any database.
 */
export function acquireDataLock(
  config: Pick<Config, 'dataDir' | 'databaseUrls'>,
  request: LockRequest,
): DataLock | null {
  const databases = embeddedDatabases(config, request.databases);
  if (databases.length === 0) return null;
  fs.mkdirSync(config.dataDir, { recursive: true });
  const holder: LockHolder = {
    pid: process.pid,
    since: new Date().toISOString(),
    command: request.command,
    databases,
    ...(request.ports ? { ports: request.ports } : {}),
    ...(request.gatewayUrl ? { gatewayUrl: request.gatewayUrl } : {}),
    id: randomUUID(),
  };
  const text = `${JSON.stringify(holder, null, 2)}\n`;
  const taken: string[] = [];
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    for (const file of taken) {
      // Only our own lock: a file another process wrote after ours went is left alone.
      if (readLock(file)?.id === holder.id) fs.rmSync(file, { force: true });
    }
  };
  try {
    for (const database of databases) {
      const file = lockFile(config.dataDir, database);
      for (let attempt = 0; ; attempt++) {
        if (tryCreate(file, text)) break;
        const other = readLock(file);
        if (other && processAlive(other.pid)) {
          throw new DataFolderBusy(config.dataDir, database, other);
        }
        // A lock being written this instant reads as empty: look again before taking it over.
        if (!other && attempt === 0) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
          continue;
        }
        if (attempt > 3) throw new Error(`could not take the lock ${file}`);
        const message = other
          ? `taking over the stale lock ${file} of pid ${other.pid} (${other.command}, since ${other.since}), which is no longer running`
          : `taking over the unreadable lock ${file}`;
        (request.onStale ?? warnStale)(
          message,
          other ?? { pid: 0, since: '', command: '', databases: [database], id: '' },
        );
        fs.rmSync(file, { force: true });
      }
      taken.push(file);
    }
  } catch (error) {
    release();
    throw error;
  }
  // process.exit() (Ctrl-C's drain, its deadline, a failed start) removes the lock too.
  process.on('exit', release);
  return { holder, files: taken, release };
}
