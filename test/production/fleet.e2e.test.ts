import { auditWhenIntegrated } from '../helpers/log-audit.js';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../subgraphs/kernel/db.js';
import {
  FLEET_DRAIN_DELAY_MS,
  HEALTH_CHECK,
  haproxyConfig,
  startHaproxy,
  type RunningBalancer,
} from '../../scripts/fleet/haproxy.js';
import { spawnLoad, succeeded, type LoadRecord } from '../../scripts/fleet/load.js';
import { loadFixture } from '../helpers/fixture.js';
import {
  freePort,
  getJson,
  ServiceProcess,
  startProcessGraph,
  waitFor,
  type ProcessGraph,
} from '../helpers/processes.js';
import { createGraphDatabases, type GraphDatabases } from '../helpers/private-postgres.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis.js';

// Shared limits in windows of BURST ÷ RATE = 2 s, roomy enough for the steady load (two writers
// as ent-a, each pausing LOAD_PAUSE_MS: at most 2 × 1000 ÷ 150 ≈ 13 a second), and low enough
// that a bank bursting past them is refused by both replicas.
const RATE = 20;
const BURST = 40;
const LOAD_PAUSE_MS = 150;

/** Time for HAProxy to notice a server gone: `fall` failed checks, plus one interval. */
const NOTICED_MS = HEALTH_CHECK.intervalMs * (HEALTH_CHECK.fall + 1);

describe.skipIf(!process.env.TEST_DATABASE_URL)(
  'a fleet behind HAProxy: two gateway replicas, finance on two processes, limits in Redis',
  () => {
    let databases: GraphDatabases;
    let redis: OwnRedis;
    let balancer: RunningBalancer;
    let graph: ProcessGraph;
    let finance2: ServiceProcess;
    let entry: string;

    beforeAll(async () => {
      databases = await createGraphDatabases(process.env.TEST_DATABASE_URL!, 'kx_fleet');
      await loadFixture(databases.databases);
      redis = await startOwnRedis();
      const [lbGateway, lbFinance, finance1Port, finance2Port, gw0, gw1] = await Promise.all(
        Array.from({ length: 6 }, () => freePort()),
      );
      const at = (port: number) => `127.0.0.1:${port}`;
      balancer = await startHaproxy(
        haproxyConfig({
          gateway: { listen: at(lbGateway), servers: [at(gw0), at(gw1)] },
          subgraphs: {
            finance: { listen: at(lbFinance), servers: [at(finance1Port), at(finance2Port)] },
          },
        }),
      );
      entry = `http://${at(lbGateway)}/`;
      graph = await startProcessGraph({
        databaseUrls: databases.urls,
        replicas: 2,
        subgraphPorts: { finance: finance1Port },
        gatewayPorts: [gw0, gw1],
        env: {
          // The subgraphs fetch the gateways' key through the balancer, whichever replica is up.
          GATEWAY_JWKS_URL: `${entry}.well-known/jwks.json`,
          DRAIN_DELAY_MS: String(FLEET_DRAIN_DELAY_MS),
          REDIS_URL: redis.url,
          GATEWAY_REPLICAS: '2',
          RATE_LIMIT_PER_SECOND: String(RATE),
          RATE_LIMIT_BURST: String(BURST),
        },
        gatewayEnv: { SUBGRAPH_URL_FINANCE: `http://${at(lbFinance)}/graphql` },
      });
      const first = graph.subgraphs.finance;
      finance2 = new ServiceProcess(
        'subgraph finance 2',
        ['scripts/subgraph.ts', 'finance'],
        { ...first.env, SUBGRAPH_PORT_FINANCE: String(finance2Port) },
        finance2Port,
      );
      finance2.spawn();
      await finance2.waitUntil('/ready');
      await waitFor('HAProxy to find every server up', async () =>
        (await getJson(new URL('/ready', entry).toString()))?.status === 200 ? true : undefined,
      );
    }, 300_000);

    afterAll(async () => {
      await finance2?.stop();
      await graph?.stop();
      await balancer?.stop();
      await redis?.stop();
      await databases?.drop();
    }, 120_000);

    /** GraphQL requests a replica has answered, from its own /metrics. */
    const answeredBy = async (replica: number) => {
      const text = await (await fetch(new URL('/metrics', graph.gateways[replica].url))).text();
      return [...text.matchAll(/^kx_gateway_requests_total\{[^}]*\} (\d+)$/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
    };

    // A replica restarted by the test before is back in rotation only after HAProxy's `rise`
    // checks: each test starts once requests through the balancer reach both.
    beforeEach(async () => {
      const token = await graph.token('finance_office');
      await waitFor(
        'HAProxy to send to both replicas',
        async () => {
          const before = await Promise.all([0, 1].map(answeredBy));
          for (let i = 0; i < 4; i += 1) {
            const response = await fetch(entry, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ query: '{ __typename }' }),
            });
            await response.arrayBuffer();
          }
          const after = await Promise.all([0, 1].map(answeredBy));
          return after.every((n, i) => n > before[i]) ? true : undefined;
        },
        { intervalMs: 500 },
      );
    }, 180_000);

    const startLoad = async (tag: string) =>
      spawnLoad({
        LOAD_URL: entry,
        LOAD_TAG: tag,
        LOAD_PAUSE_MS: String(LOAD_PAUSE_MS),
        LOAD_ENTERPRISE_TOKEN: await graph.token('enterprise', 'ent-a'),
        LOAD_FINANCE_TOKEN: await graph.token('finance_office'),
        LOAD_BANK_TOKEN: await graph.token('bank', 'abc'),
      });

    /** Every need the load was told about is in the finance database, under its id. */
    const expectAcknowledgedStored = async (tag: string, records: LoadRecord[]) => {
      const client = postgres(databases.urls.finance, { max: 1, onnotice: () => {} });
      try {
        const rows = await client<{ id: string; purpose: string }[]>`
          select id, purpose from financing_needs where purpose like ${`${tag}:%`}`;
        const stored = new Map(rows.map((row) => [row.purpose, row.id]));
        const acknowledged = records.filter((r) => r.needId);
        expect(acknowledged.length).toBeGreaterThan(0);
        for (const r of acknowledged) expect(stored.get(r.purpose!)).toBe(r.needId);
        expect(stored.size).toBe(rows.length);
      } finally {
        await client.end();
      }
    };

    /** Every disclosure the bank was shown is logged, in a Merkle tree that verifies. */
    const expectDisclosuresLogged = async (records: LoadRecord[]) => {
      const exchange = await openDatabase('exchange', {
        url: databases.urls.exchange,
        migrate: false,
      });
      try {
        // Both replicas' sequencers integrate into one tree, under the key the balancer publishes.
        const report = await auditWhenIntegrated(exchange, entry);
        expect(report.problem).toBeUndefined();
        expect(report.checked).toBeGreaterThan(0);
        const logged = new Set(
          (
            await exchange.rows<{ request_id: string }>(
              sql`select request_id from disclosures where org = 'abc' and enterprise_id = 'ent-a'`,
            )
          ).map((row) => row.request_id),
        );
        const shown = records.filter((r) => r.disclosed);
        expect(shown.length).toBeGreaterThan(0);
        expect(shown.filter((r) => !logged.has(r.requestId!))).toEqual([]);
      } finally {
        await exchange.close();
      }
    };

    const report = (what: string, records: LoadRecord[], extra: object = {}) =>
      console.info(
        `${what}: ${JSON.stringify({
          requests: records.length,
          succeeded: records.filter(succeeded).length,
          writes: records.filter((r) => r.kind === 'write').length,
          ...extra,
        })}`,
      );

    it('loses no request while a gateway replica and a finance process drain on SIGTERM', async () => {
      const tag = `fleet-drain-${Date.now()}`;
      const load = await startLoad(tag);
      await load.untilSucceeded(20);
      await graph.gateways[1].kill('SIGTERM');
      let before = load.progress().ok;
      await load.untilSucceeded(before + 20);
      await finance2.kill('SIGTERM');
      before = load.progress().ok;
      await load.untilSucceeded(before + 20);
      // Back to full strength, under the same load.
      await graph.restartGateway(1);
      finance2.spawn();
      await finance2.waitUntil('/ready');
      before = load.progress().ok;
      await load.untilSucceeded(before + 20);
      const records = await load.stop();
      report('SIGTERM drain', records);
      expect(records.filter((r) => !succeeded(r))).toEqual([]);
      await expectAcknowledgedStored(tag, records);
      await expectDisclosuresLogged(records);
    });

    it('loses only the requests in flight on a gateway replica killed with SIGKILL', async () => {
      const tag = `fleet-kill-${Date.now()}`;
      const load = await startLoad(tag);
      await load.untilSucceeded(20);
      await graph.gateways[0].kill('SIGKILL');
      // Requests sent until the process was gone may have reached it; its end is known only here.
      const goneAt = Date.now();
      const before = load.progress().ok;
      await load.untilSucceeded(before + 60);
      await graph.restartGateway(0);
      const records = await load.stop();
      const failed = records.filter((r) => !succeeded(r));
      const sentBeforeGone = failed.filter((r) => r.sentAt <= goneAt);
      const afterNoticed = failed.filter((r) => r.sentAt > goneAt + NOTICED_MS);
      report('SIGKILL', records, {
        lost: failed.length,
        lostSentBeforeGone: sentBeforeGone.length,
        lostBeforeNoticed: failed.length - sentBeforeGone.length - afterNoticed.length,
        answers: [...new Set(failed.map((r) => r.status ?? r.error))],
      });
      // A request refused at connection is resent to the other replica; what was already sent
      // to the killed one is lost with it (502, or on a kept-alive connection HAProxy closes the
      // client's connection), at most one per worker of the load (four).
      expect(afterNoticed).toEqual([]);
      expect(failed.length).toBeLessThanOrEqual(4);
      for (const r of failed) expect(r.status === 502 || r.error !== undefined).toBe(true);
      await expectAcknowledgedStored(tag, records);
      await expectDisclosuresLogged(records);
    });

    it('holds a bank bursting through both replicas to its one limit', async () => {
      const token = await graph.token('bank', 'boc');
      const refusedBy = async (replica: number) => {
        const text = await (await fetch(new URL('/metrics', graph.gateways[replica].url))).text();
        return Number(
          /^kx_gateway_rate_limited_total\{party="bank"\} (\d+)$/m.exec(text)?.[1] ?? 0,
        );
      };
      const refusedBefore = await Promise.all([0, 1].map(refusedBy));
      const statuses: number[] = [];
      const started = Date.now();
      const elapsed = () => (Date.now() - started) / 1000;
      // Eight clients at once, until more than twice one limit's worth has been answered: two
      // limits counted apart would then let more through than one allows, however slow the
      // machine (at most 5,000 requests).
      const enough = () =>
        statuses.length > 2 * (BURST + RATE * elapsed()) + 40 || statuses.length >= 5_000;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (!enough()) {
            const response = await fetch(entry, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ query: '{ banks { id } }' }),
            });
            statuses.push(response.status);
            await response.arrayBuffer();
          }
        }),
      );
      const seconds = elapsed();
      const served = statuses.filter((s) => s === 200).length;
      const refused = statuses.filter((s) => s === 429).length;
      const refusedAfter = await Promise.all([0, 1].map(refusedBy));
      console.info(
        `burst: ${JSON.stringify({ sent: statuses.length, served, refused, seconds, limit: BURST + RATE * seconds })}`,
      );
      expect(served + refused).toBe(statuses.length);
      expect(statuses.length).toBeGreaterThan(2 * (BURST + RATE * seconds));
      // One limit: a window of BURST per BURST ÷ RATE seconds is never more than a token
      // bucket's BURST + RATE × elapsed; two limits counted apart would let twice through.
      expect(served).toBeGreaterThanOrEqual(BURST);
      expect(served).toBeLessThanOrEqual(BURST + RATE * seconds);
      // Both replicas refused some: the bank went through both, and both held the one count.
      expect(refusedAfter[0]).toBeGreaterThan(refusedBefore[0]);
      expect(refusedAfter[1]).toBeGreaterThan(refusedBefore[1]);
    });
  },
);
