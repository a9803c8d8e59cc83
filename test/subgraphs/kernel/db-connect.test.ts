import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import {
  connectTimeoutSeconds,
  openDatabase,
  serverCautions,
  type Database,
} from '../../../subgraphs/kernel/db.js';

describe('opening a PostgreSQL connection', () => {
  // Accepts every connection and never answers its startup message: a server that is starting
  // up on a starved machine, or a port held by something that is not PostgreSQL.
  const silent = net.createServer(() => {});
  const held: net.Socket[] = [];
  let url = '';

  beforeAll(async () => {
    silent.on('connection', (socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `postgres://postgres@127.0.0.1:${(silent.address() as net.AddressInfo).port}/kx`;
  });

  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('gives up on a server that never answers, with an error naming the timeout', async () => {
    const database = await openDatabase('finance', {
      url,
      migrate: false,
      connectTimeoutSeconds: 1,
    });
    try {
      const failure = await database.rows(sql`select 1`).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(String((failure as Error).cause ?? failure)).toMatch(/CONNECT_TIMEOUT/);
      expect(held.length).toBeGreaterThan(0);
    } finally {
      await database.close();
    }
  });

  it('opens no more connections than it is allowed, however many statements wait', async () => {
    const before = held.length;
    const database = await openDatabase('finance', {
      url,
      migrate: false,
      connectTimeoutSeconds: 1,
      maxConnections: 3,
    });
    try {
      const statements = Array.from({ length: 8 }, () =>
        database.rows(sql`select 1`).catch(() => undefined),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(held.length - before).toBe(3);
      await Promise.all(statements);
    } finally {
      await database.close();
    }
  });

  it('fails before the caller stops waiting: an attempt under way, a backoff, then its own', () => {
    for (const deadlineMs of [4_000, 5_000, 10_000, 30_000, 60_000]) {
      const seconds = connectTimeoutSeconds(deadlineMs);
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect((2 * seconds + 1) * 1000).toBeLessThan(deadlineMs);
    }
    expect(connectTimeoutSeconds(10_000)).toBe(4);
  });
});

describe('cautions about the database server, said at start', () => {
  const server = (autovacuum: string | Error): Database =>
    ({
      name: 'finance',
      kind: 'postgres',
      rows: async () => {
        if (autovacuum instanceof Error) throw autovacuum;
        return [{ autovacuum }];
      },
    }) as unknown as Database;

  it('names a server without autovacuum, and nothing of one with it', async () => {
    expect(await serverCautions(server('off'))).toEqual([
      expect.stringMatching(/^autovacuum is off on the PostgreSQL server of the finance database/),
    ]);
    expect(await serverCautions(server('on'))).toEqual([]);
  });

  it('stays quiet when the server cannot be asked, and for embedded PGlite', async () => {
    expect(await serverCautions(server(new Error('connection refused')))).toEqual([]);
    const embedded = await openDatabase('tech', { migrate: false });
    try {
      expect(await serverCautions(embedded)).toEqual([]);
    } finally {
      await embedded.close();
    }
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'reads the setting of the server it is on',
    async () => {
      const database = await openDatabase('tech', {
        url: process.env.TEST_DATABASE_URL,
        migrate: false,
      });
      try {
        const [{ autovacuum }] = await database.rows<{ autovacuum: string }>(sql`show autovacuum`);
        expect((await serverCautions(database)).length).toBe(autovacuum === 'off' ? 1 : 0);
      } finally {
        await database.close();
      }
    },
  );
});
