import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SubgraphName } from '../../subgraphs/kernel/config.js';
import type { Database } from '../../subgraphs/kernel/db.js';
import { pullFeed, retryAfterMs, type FeedRecord } from '../../scripts/pull-feed.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture, registerParticipants } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { CLAIM, WITHDRAW, feedSettled, insertNeeds, ok, parties, visibleTo } from './helpers.js';

async function prepare(databases: Record<SubgraphName, Database>) {
  await loadFixture(databases);
  await registerParticipants(databases, { banks: ['hubei'] });
  await insertNeeds(
    databases.finance,
    Array.from({ length: 30 }, (_, i) => ({
      id: `need-p${String(i + 1).padStart(2, '0')}`,
      enterpriseId: ['ent-a', 'ent-b', 'ent-c'][i % 3],
      amountFen: (i + 1) * 10_000_000,
    })),
  );
}

function readRecords(file: string): FeedRecord[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FeedRecord);
}

/** The bank's copy after applying every record in order. */
function replay(records: FeedRecord[]): string[] {
  const held = new Set<string>();
  for (const record of records) {
    if (record.removed) held.delete(record.needId);
    else held.add(record.needId);
  }
  return [...held].sort();
}

function keys(records: FeedRecord[]): string[] {
  return records.map((r) => `${r.needId}@${r.change}`);
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

const noWait = async () => {};

for (const backend of BACKENDS) {
  describe(`npm run pull-feed (${backend})`, () => {
    let graph: TestGraph;
    let dir: string;
    const as = parties(() => graph);
    const finance = () => graph.graph.databases.finance;

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare });
    });
    afterAll(async () => {
      await graph?.stop();
    });
    afterEach(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const setup = async (org: string) => {
      await feedSettled(finance());
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-pull-'));
      return {
        out: path.join(dir, 'feed.ndjson'),
        url: graph.graph.gateway.url,
        token: await as('bank', org),
        pageSize: 7,
        progress: null,
      };
    };

    it('pulls the whole feed into NDJSON, saves the cursor, and reports progress on stderr', async () => {
      const options = await setup('boc');
      const progress = new Capture();
      const result = await pullFeed({ ...options, progress });
      const records = readRecords(options.out);
      expect(result).toMatchObject({ caughtUp: true, interrupted: false, written: records.length });
      expect(result.pages).toBeGreaterThan(4);
      expect(replay(records)).toEqual(await visibleTo(finance(), 'boc'));
      expect(new Set(keys(records)).size).toBe(records.length);
      const saved = JSON.parse(fs.readFileSync(`${options.out}.cursor`, 'utf8'));
      expect(saved).toEqual({ after: result.cursor, offset: fs.statSync(options.out).size });
      expect(progress.text).toMatch(/pull-feed: \d+ pages, \d+ records/);
      const entry = records.find((r) => r.needId === 'need-a1')!;
      expect(entry.need).toMatchObject({
        id: 'need-a1',
        enterprise: { name: '咸宁甲科技有限公司' },
      });
    });

    it('appends only what changed on the next run', async () => {
      const options = await setup('abc');
      await pullFeed(options);
      const before = readRecords(options.out).length;
      ok(await graph.query(WITHDRAW, { id: 'need-p01' }, await as('enterprise', 'ent-a')));
      ok(await graph.query(CLAIM, { id: 'need-p02' }, await as('bank', 'icbc')));
      await feedSettled(finance());
      const second = await pullFeed(options);
      const records = readRecords(options.out);
      expect(second.written).toBe(2);
      expect(records.slice(before).map((r) => [r.needId, r.reason])).toEqual([
        ['need-p01', 'WITHDRAWN'],
        ['need-p02', 'CLAIMED_BY_OTHER'],
      ]);
      expect(replay(records)).toEqual(await visibleTo(finance(), 'abc'));
    });

    it('resumes after a crash between appending a page and saving its cursor, writing nothing twice', async () => {
      const options = await setup('boc');
      await expect(
        pullFeed({
          ...options,
          afterAppend: (page) => {
            if (page === 3) throw new Error('power cut');
          },
        }),
      ).rejects.toThrow('power cut');
      const partial = readRecords(options.out);
      expect(partial).toHaveLength(21);
      // A torn write at the very end is cut off on resume as well.
      fs.appendFileSync(options.out, '{"needId":"need-p1');
      const resumed = await pullFeed(options);
      expect(resumed.skipped).toBe(7);
      const records = readRecords(options.out);
      expect(new Set(keys(records)).size).toBe(records.length);
      expect(replay(records)).toEqual(await visibleTo(finance(), 'boc'));
    });

    it('stops cleanly on Ctrl-C and resumes from the saved cursor', async () => {
      const options = await setup('icbc');
      const controller = new AbortController();
      const first = await pullFeed({
        ...options,
        signal: controller.signal,
        afterAppend: (page) => {
          if (page === 2) controller.abort();
        },
      });
      expect(first).toMatchObject({ interrupted: true, pages: 2, caughtUp: false });
      const second = await pullFeed(options);
      expect(second.interrupted).toBe(false);
      const records = readRecords(options.out);
      expect(new Set(keys(records)).size).toBe(records.length);
      expect(replay(records)).toEqual(await visibleTo(finance(), 'icbc'));
    });

    it('retries network errors, 5xx and 429 with backoff, honouring Retry-After', async () => {
      const options = await setup('hubei');
      const script = ['network', '503', '429', 'ok', '502', 'ok'];
      const waits: number[] = [];
      const flaky: typeof fetch = async (url, init) => {
        const next = script.shift() ?? 'ok';
        if (next === 'network') throw new TypeError('fetch failed');
        if (next === '503') return new Response('unavailable', { status: 503 });
        if (next === '502') return new Response('bad gateway', { status: 502 });
        if (next === '429') {
          return new Response('slow down', { status: 429, headers: { 'retry-after': '7' } });
        }
        return fetch(url, init);
      };
      const result = await pullFeed({
        ...options,
        fetch: flaky,
        baseDelayMs: 100,
        sleep: async (ms) => void waits.push(ms),
      });
      expect(result.retries).toBe(4);
      expect(waits[2]).toBe(7_000); // Retry-After: 7
      expect(waits[0]).toBeGreaterThanOrEqual(50);
      expect(waits[0]).toBeLessThanOrEqual(100);
      expect(waits[1]).toBeGreaterThanOrEqual(100);
      expect(waits[1]).toBeLessThanOrEqual(200);
      expect(replay(readRecords(options.out))).toEqual(await visibleTo(finance(), 'hubei'));
    });

    it('gives up at once on errors another attempt cannot fix', async () => {
      const options = await setup('boc');
      await expect(pullFeed({ ...options, pageSize: 1000, sleep: noWait })).rejects.toThrow(
        /first: must be between 0 and 100.*BAD_USER_INPUT/,
      );
      await expect(pullFeed({ ...options, token: 'not-a-token', sleep: noWait })).rejects.toThrow(
        /AUTH_ERROR/,
      );
      expect(fs.existsSync(`${options.out}.cursor`)).toBe(false);
    });

    it('reads Retry-After as seconds or as an HTTP date', () => {
      const now = Date.parse('2026-01-01T00:00:00Z');
      expect(retryAfterMs('3', now)).toBe(3000);
      expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
      expect(retryAfterMs(null, now)).toBeUndefined();
    });
  });
}
