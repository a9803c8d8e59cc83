import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../subgraphs/kernel/config.js';
import {
  acquireDataLock,
  currentHolder,
  DataFolderBusy,
  lockFile,
  processAlive,
  readLock,
} from '../../subgraphs/kernel/data-lock.js';

// A pid no process has: above Linux's largest (2^22).
const GONE = 2 ** 22 + 17;

describe('the data folder lock', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-lock-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('is held by one process: a second taker is told who holds it, and it goes on release', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    const lock = acquireDataLock(config, {
      command: 'npm start',
      gatewayUrl: 'http://127.0.0.1:4000/',
      ports: { PORT: 4000 },
    })!;
    expect(lock.files.map((f) => path.basename(f)).sort()).toEqual([
      'banks.lock',
      'exchange.lock',
      'finance.lock',
      'tech.lock',
    ]);
    expect(readLock(lockFile(dataDir, 'tech'))).toMatchObject({
      pid: process.pid,
      command: 'npm start',
      ports: { PORT: 4000 },
      gatewayUrl: 'http://127.0.0.1:4000/',
    });
    let refusal: unknown;
    try {
      acquireDataLock(config, { command: 'npm run audit:verify', databases: ['exchange'] });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DataFolderBusy);
    expect((refusal as Error).message).toBe(
      `the data folder ${dataDir} is in use by pid ${process.pid} (npm start, gateway http://127.0.0.1:4000/) ` +
        `since ${lock.holder.since}: its embedded exchange database takes one process at a time. ` +
        'Stop that process, or set DATA_DIR to another folder.',
    );
    expect(currentHolder(config)?.holder.pid).toBe(process.pid);
    lock.release();
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.lock'))).toEqual([]);
    expect(currentHolder(config)).toBeUndefined();
    acquireDataLock(config, { command: 'again' })!.release();
  });

  it('takes over the lock of a process that is gone, saying so', () => {
    expect(processAlive(GONE)).toBe(false);
    const config = loadConfig({ DATA_DIR: dataDir });
    fs.writeFileSync(
      lockFile(dataDir, 'finance'),
      JSON.stringify({
        pid: GONE,
        since: '2024-01-01T00:00:00.000Z',
        command: 'npm start',
        id: 'x',
      }),
    );
    const told: string[] = [];
    const lock = acquireDataLock(config, {
      command: 'npm start',
      onStale: (message) => told.push(message),
    })!;
    expect(told).toEqual([
      `taking over the stale lock ${lockFile(dataDir, 'finance')} of pid ${GONE} (npm start, since 2024-01-01T00:00:00.000Z), which is no longer running`,
    ]);
    expect(readLock(lockFile(dataDir, 'finance'))?.pid).toBe(process.pid);
    lock.release();
  });

  it('takes none when refused, and none for databases on PostgreSQL', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    const held = acquireDataLock(config, {
      command: 'npm run subgraph -- exchange',
      databases: ['exchange'],
    })!;
    expect(() => acquireDataLock(config, { command: 'npm start' })).toThrow(DataFolderBusy);
    // tech, finance and banks were taken before exchange was refused: all given back.
    expect(fs.existsSync(lockFile(dataDir, 'tech'))).toBe(false);
    held.release();
    const onPostgres = loadConfig({
      DATA_DIR: dataDir,
      DATABASE_URL_TECH: 'postgres://x/t',
      DATABASE_URL_FINANCE: 'postgres://x/f',
      DATABASE_URL_BANKS: 'postgres://x/b',
      DATABASE_URL_EXCHANGE: 'postgres://x/e',
    });
    expect(acquireDataLock(onPostgres, { command: 'npm start' })).toBeNull();
    const partly = acquireDataLock(
      loadConfig({ DATA_DIR: dataDir, DATABASE_URL_EXCHANGE: 'postgres://x/e' }),
      { command: 'npm start' },
    )!;
    expect(partly.holder.databases).toEqual(['tech', 'finance', 'banks']);
    partly.release();
  });
});
