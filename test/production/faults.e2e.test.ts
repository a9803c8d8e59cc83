import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeLogReport } from '../../scripts/audit/log-audit.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kernel/config.js';
import { openDatabase } from '../../subgraphs/kernel/db.js';
import { loadFixture } from '../helpers/fixture.js';
import { auditWhenIntegrated } from '../helpers/log-audit.js';
import {
  getJson,
  sleep,
  startProcessGraph,
  waitFor,
  type ProcessGraph,
} from '../helpers/processes.js';
import { startPrivateCluster, type PrivateCluster } from '../helpers/private-postgres.js';

const SUBMIT = `mutation Submit($input: SubmitFinancingNeedInput!) {
  submitFinancingNeed(input: $input) { need { id purpose } }
}`;
// The finance office's read joins tech, finance and banks. The bank's read is of data ent-a
// consented to (fixture: cons-1), so each one is written to the disclosure log before it is
// answered; both come back without errors when all is well.
const DOSSIER = `query Dossier {
  enterprises(first: 3) { nodes { id name financingNeeds { status } creditLines { id } } }
}`;
const CONSENTED = `query Consented { enterprise(id: "ent-a") { id contact { phone } financials { year } } }`;

const LOST =
  'subgraph "finance" is unavailable: the connection was lost before it answered, so the mutation may have been applied; its fields are missing from this response';

const TIMED_OUT = LOST.replace(
  'the connection was lost before it answered',
  'it did not answer within 10000 ms',
);

const WRITERS = 3;
const READERS = 2;

/** The loads of the running test, for its disclosure-log account. */
const loads: Load[] = [];

/** One submitted financing need and what its client was told. */
interface Attempt {
  purpose: string;
  sentAt: number;
  answeredAt: number;
  /** The need's id when the gateway answered with it: the mutation was acknowledged. */
  needId?: string;
  requestId?: string | null;
  status?: number;
  codes: string[];
  messages: string[];
}

interface Read {
  who: 'finance_office' | 'bank';
  sentAt: number;
  answeredAt: number;
  status?: number;
  codes: string[];
  requestId?: string | null;
  /** The bank was shown ent-a's contact: the log must hold an entry for this request. */
  disclosed?: boolean;
}

/** When the fault held for certain: from the moment it was confirmed until repair began. */
interface Outage {
  downSince: number;
  upFrom: number;
  /** The services' logs prove that this failed mutation applied nothing, whenever it ran. */
  provenUnapplied?: (attempt: Attempt) => boolean;
}

/**
 * Errors PostgreSQL, the socket or the connect timeout give while a connection is being opened.
 * postgres.js sends a statement only once its connection is ready, so a statement failing so was
 * never sent.
 */
const NEVER_CONNECTED =
  /caused by: (Error: connect ECONNREFUSED|Error: write CONNECT_TIMEOUT|PostgresError: the database system is (starting up|shutting down|not yet accepting connections|in recovery mode))/;

/** The first cause the finance subgraph logged for a request, for the report. */
const causeOf = (line: string | undefined) =>
  /caused by: ([^\\]{1,70})/.exec(line ?? '')?.[1] ?? 'none logged';

/**
 * What each mutation's client can rely on. Acknowledged: the answer carried the need. Refused:
 * it failed, and provably applied nothing — sent after the fault was confirmed and answered
 * before the repair began, or shown so by the services' logs. In doubt: any other failure — its
 * answer may have been lost after the write (a killed process, a dropped connection), so it may
 * or may not be there.
 */
function classify(attempts: Attempt[], outage?: Outage) {
  const acknowledged = attempts.filter((a) => a.needId);
  const failed = attempts.filter((a) => !a.needId);
  const refused = failed.filter(
    (a) =>
      outage &&
      ((a.sentAt >= outage.downSince && a.answeredAt <= outage.upFrom) ||
        outage.provenUnapplied?.(a)),
  );
  const inDoubt = failed.filter((a) => !refused.includes(a));
  return { acknowledged, refused, inDoubt };
}

/**
 * Writers submit financing needs of ent-a, each with a purpose naming it uniquely
 * (`<tag>:<n>`), and readers query as the finance office and as a bank, all through the gateway
 * as fast as it answers, until stopped.
 */
class Load {
  readonly attempts: Attempt[] = [];
  readonly reads: Read[] = [];
  private running = true;
  private readonly workers: Promise<void>[] = [];
  private next = 0;

  constructor(
    private readonly graph: ProcessGraph,
    readonly tag: string,
  ) {
    loads.push(this);
  }

  async start(writers = WRITERS, readers = READERS): Promise<void> {
    const enterprise = await this.graph.token('enterprise', 'ent-a');
    const finance = await this.graph.token('finance_office');
    const bank = await this.graph.token('bank', 'abc');
    for (let i = 0; i < writers; i += 1) this.workers.push(this.write(enterprise));
    for (let i = 0; i < readers; i += 1) {
      this.workers.push(
        i % 2 === 0
          ? this.read('finance_office', finance, DOSSIER)
          : this.read('bank', bank, CONSENTED),
      );
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  acknowledgedSince(time: number): number {
    return this.attempts.filter((a) => a.needId && a.sentAt >= time).length;
  }

  /** Whether both readers have had a whole answer to a read sent since `time`. */
  wholeReadsSince(time: number): boolean {
    const whole = this.reads.filter((r) => r.sentAt >= time && r.status === 200 && !r.codes.length);
    return whole.some((r) => r.who === 'bank') && whole.some((r) => r.who === 'finance_office');
  }

  failedSince(time: number): number {
    return this.attempts.filter((a) => a.answeredAt && !a.needId && a.sentAt >= time).length;
  }

  private async write(token: string): Promise<void> {
    while (this.running) {
      const purpose = `${this.tag}:${(this.next += 1)}`;
      const attempt: Attempt = {
        purpose,
        sentAt: Date.now(),
        answeredAt: 0,
        codes: [],
        messages: [],
      };
      this.attempts.push(attempt);
      try {
        const { status, body, requestId } = await this.graph.query(
          0,
          SUBMIT,
          {
            input: {
              amount: '1000000.00',
              termMonths: 12,
              purpose,
              collateral: ['NONE'],
              visibility: 'OPEN_TO_ALL_BANKS',
            },
          },
          token,
        );
        attempt.status = status;
        attempt.requestId = requestId;
        for (const error of body.errors ?? []) {
          attempt.codes.push(String(error.extensions?.code));
          attempt.messages.push(error.message);
        }
        const need = body.data?.submitFinancingNeed?.need;
        if (status === 200 && !body.errors && need?.purpose === purpose) attempt.needId = need.id;
      } catch (error) {
        // The client's own deadline, or the connection to the gateway lost.
        attempt.messages.push((error as Error).message);
      }
      attempt.answeredAt = Date.now();
      // A failing graph answers at once: pause rather than spin.
      if (!attempt.needId) await sleep(50);
    }
  }

  private async read(who: Read['who'], token: string, query: string): Promise<void> {
    while (this.running) {
      const read: Read = { who, sentAt: Date.now(), answeredAt: 0, codes: [] };
      this.reads.push(read);
      try {
        const { status, body, requestId } = await this.graph.query(0, query, {}, token);
        read.status = status;
        read.requestId = requestId;
        read.codes = (body.errors ?? []).map((e) => String(e.extensions?.code));
        read.disclosed = who === 'bank' && body.data?.enterprise?.contact != null;
      } catch (error) {
        read.codes = [`client: ${(error as Error).message}`];
      }
      read.answeredAt = Date.now();
      if (read.codes.length > 0) await sleep(50);
    }
  }
}

describe.skipIf(!process.env.TEST_DATABASE_URL)(
  'faults under load (separate processes, a private PostgreSQL)',
  () => {
    let cluster: PrivateCluster;
    let graph: ProcessGraph;
    const urls = {} as Record<SubgraphName, string>;

    /** The financing needs a load tagged `tag` left, read straight from the finance database. */
    const storedNeeds = async (tag: string) => {
      const client = postgres(urls.finance, { max: 1, onnotice: () => {} });
      try {
        return await client<{ id: string; purpose: string }[]>`
          select id, purpose from financing_needs where purpose like ${`${tag}:%`}`;
      } finally {
        await client.end();
      }
    };

    /**
     * The database against what the clients were told: every acknowledged need is there under
     * the id its client got, nothing else is there but mutations in doubt, nothing twice; and a
     * fault leaves in doubt at most the mutations in flight when it struck, one per writer.
     */
    const reconcile = async (load: Load, outage?: Outage) => {
      const { acknowledged, refused, inDoubt } = classify(load.attempts, outage);
      const rows = await storedNeeds(load.tag);
      const stored = new Map(rows.map((row) => [row.purpose, row.id]));
      expect(stored.size).toBe(rows.length);
      for (const attempt of acknowledged) expect(stored.get(attempt.purpose)).toBe(attempt.needId);
      const allowed = new Set([...acknowledged, ...inDoubt].map((a) => a.purpose));
      expect(rows.filter((row) => !allowed.has(row.purpose))).toEqual([]);
      const applied = inDoubt.filter((a) => stored.has(a.purpose));
      expect(applied.length).toBeLessThanOrEqual(WRITERS);
      console.info(
        `${load.tag}: ${JSON.stringify({
          attempts: load.attempts.length,
          acknowledged: acknowledged.length,
          refused: refused.length,
          inDoubt: inDoubt.length,
          inDoubtApplied: applied.length,
          inDoubtAnswers: [...new Set(inDoubt.flatMap((a) => a.messages))],
          inDoubtCauses: [
            ...new Set(
              inDoubt.map((a) => causeOf(graph.subgraphs.finance.failures.get(a.requestId ?? ''))),
            ),
          ],
          reads: load.reads.length,
        })}`,
      );
      return { acknowledged, refused, inDoubt, applied };
    };

    /** A fresh load on the repaired graph: every mutation acknowledged, every read whole. */
    const expectWhole = async (tag: string) => {
      const load = new Load(graph, tag);
      const started = Date.now();
      await load.start();
      try {
        await waitFor('a load on the repaired graph', () =>
          load.acknowledgedSince(started) >= 10 && load.reads.length >= 4 ? true : undefined,
        );
      } finally {
        await load.stop();
      }
      const causes = (requestId?: string | null) =>
        [...Object.values(graph.subgraphs), ...graph.gateways]
          .map((service) => service.failures.get(requestId ?? ''))
          .filter(Boolean);
      const failed = [
        ...load.attempts.filter((a) => !a.needId),
        ...load.reads.filter((r) => r.status !== 200 || r.codes.length > 0),
      ];
      expect(failed, JSON.stringify(failed.map((f) => causes(f.requestId)))).toEqual([]);
      const { acknowledged } = await reconcile(load);
      expect(acknowledged).toHaveLength(load.attempts.length);
    };

    const ready = () => getJson(new URL('/ready', graph.gateways[0].url).toString());

    /** Every disclosure the bank was shown by this test's loads is logged, in an intact tree. */
    const expectDisclosuresLogged = async () => {
      const exchange = await openDatabase('exchange', { url: urls.exchange, migrate: false });
      try {
        const report = await auditWhenIntegrated(exchange, graph.gateways[0].url);
        expect(report.problem).toBeUndefined();
        expect(describeLogReport(report)).toMatch(/^\d+ entries in the Merkle tree, intact/);
        const logged = new Set(
          (
            await exchange.rows<{ request_id: string }>(
              sql`select request_id from disclosures where org = 'abc' and enterprise_id = 'ent-a'`,
            )
          ).map((row) => row.request_id),
        );
        const shown = loads.flatMap((load) => load.reads).filter((read) => read.disclosed);
        expect(shown.length).toBeGreaterThan(0);
        expect(shown.filter((read) => !logged.has(read.requestId!))).toEqual([]);
      } finally {
        await exchange.close();
      }
    };

    beforeAll(async () => {
      cluster = await startPrivateCluster();
      const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
      try {
        for (const name of SUBGRAPH_NAMES) await admin.unsafe(`create database kx_${name}`);
      } finally {
        await admin.end();
      }
      const databases = Object.fromEntries(
        await Promise.all(
          SUBGRAPH_NAMES.map(async (name) => {
            urls[name] = cluster.url(`kx_${name}`);
            return [name, await openDatabase(name, { url: urls[name] })] as const;
          }),
        ),
      ) as Parameters<typeof loadFixture>[0];
      try {
        await loadFixture(databases);
      } finally {
        await Promise.all(Object.values(databases).map((d) => d.close()));
      }
      graph = await startProcessGraph({
        databaseUrls: urls,
        // Short retries: a query rides out a blip, and the test does not wait on backoffs.
        env: { SUBGRAPH_RETRIES: '1', SUBGRAPH_RETRY_BACKOFF_MS: '50' },
        // Finance logs every call it serves: the account of the calls it never saw.
        subgraphEnv: { finance: { LOG_LEVEL: 'info' } },
      });
    }, 300_000);

    afterAll(async () => {
      await graph?.stop();
      await cluster?.destroy();
    }, 120_000);

    beforeEach(() => {
      loads.length = 0;
    });

    it('keeps exactly the acknowledged mutations when a subgraph process is killed under load, and recovers once it is back', async () => {
      const load = new Load(graph, 'kill-finance');
      const started = Date.now();
      await load.start();
      let outage: Outage;
      try {
        await waitFor('mutations acknowledged before the fault', () =>
          load.acknowledgedSince(started) >= 10 ? true : undefined,
        );
        await graph.subgraphs.finance.kill('SIGKILL');
        const downSince = Date.now();
        await waitFor('mutations refused and reads served while the subgraph is down', () =>
          load.failedSince(downSince) >= 5 &&
          load.reads.some(
            (r) => r.who === 'finance_office' && r.sentAt >= downSince && r.answeredAt,
          )
            ? true
            : undefined,
        );
        const down = await waitFor('/ready to report finance down', async () => {
          const answer = await ready();
          return answer?.body.subgraphs?.finance === 'down' ? answer : undefined;
        });
        expect(down).toEqual({
          status: 503,
          body: {
            status: 'not ready',
            supergraph: true,
            subgraphs: { tech: 'up', finance: 'down', banks: 'up', exchange: 'up' },
          },
        });
        const finance = graph.subgraphs.finance;
        outage = {
          downSince,
          upFrom: Date.now(),
          // Sent once the process was gone and never served by its successor: it reached no
          // finance process at all, however late its answer came.
          provenUnapplied: (a) =>
            a.sentAt >= downSince && !!a.requestId && !finance.served.has(a.requestId),
        };
        // Only the subgraph is started again: the gateway finds it by itself.
        await graph.restartSubgraph('finance');
        await waitFor('/ready to report ready again', async () =>
          (await ready())?.status === 200 ? true : undefined,
        );
        const upAgain = Date.now();
        await waitFor('mutations acknowledged after recovery', () =>
          load.acknowledgedSince(upAgain) >= 5 ? true : undefined,
        );
      } finally {
        await load.stop();
      }

      const { refused, inDoubt, applied } = await reconcile(load, outage);
      expect(refused.length).toBeGreaterThanOrEqual(5);
      // Only the mutations in flight when the process died, one per writer at most.
      expect(inDoubt.length).toBeLessThanOrEqual(WRITERS);
      // No client was told "could not be reached" of a mutation that was applied.
      for (const attempt of applied) expect(attempt.messages).toEqual([LOST]);
      // A mutation that reached no process is refused as unreachable; one sent on a kept-alive
      // connection the dead process left open meets a reset, and the gateway, which cannot tell
      // whether it arrived, says it may have been applied: cautious, never a false refusal.
      const UNREACHABLE =
        'subgraph "finance" is unavailable: it could not be reached; its fields are missing from this response';
      for (const attempt of refused) {
        expect(attempt).toMatchObject({ status: 200, codes: ['SUBGRAPH_UNAVAILABLE'] });
        expect([[UNREACHABLE], [LOST]]).toContainEqual(attempt.messages);
      }
      expect(refused.some((attempt) => attempt.messages[0] === UNREACHABLE)).toBe(true);
      // Reads meanwhile were served: the finance office's without finance's part, named; the
      // bank's withheld (main-bank facts come from finance, and authorization fails closed).
      const during = load.reads.filter(
        (r) => r.sentAt >= outage.downSince && r.answeredAt <= outage.upFrom,
      );
      expect(during.some((r) => r.who === 'finance_office')).toBe(true);
      for (const read of during) {
        expect(read.status).toBe(200);
        const allowed =
          read.who === 'finance_office' ? 'SUBGRAPH_UNAVAILABLE' : 'UNAUTHORIZED_FIELD_OR_TYPE';
        expect(read.codes.filter((code) => code !== allowed)).toEqual([]);
        if (read.who === 'finance_office') expect(read.codes.length).toBeGreaterThan(0);
      }
      await expectWhole('kill-finance-after');
      await expectDisclosuresLogged();
    }, 240_000);

    for (const mode of ['fast', 'immediate'] as const) {
      it(`keeps exactly the acknowledged mutations across a PostgreSQL ${mode} stop and start under load, and reconnects by itself`, async () => {
        const load = new Load(graph, `pg-${mode}`);
        const started = Date.now();
        await load.start();
        let outage: Outage;
        try {
          await waitFor('mutations acknowledged before the fault', () =>
            load.acknowledgedSince(started) >= 10 ? true : undefined,
          );
          await cluster.stop(mode);
          const downSince = Date.now();
          await waitFor('mutations failing while PostgreSQL is down', () =>
            load.failedSince(downSince) >= 5 ? true : undefined,
          );
          // Readiness asks each subgraph's database: all four live on the stopped cluster.
          const notReady = await waitFor('/ready to report the subgraphs unavailable', async () => {
            const answer = await ready();
            return answer?.status === 503 ? answer : undefined;
          });
          expect(notReady.body).toMatchObject({
            status: 'not ready',
            subgraphs: { tech: 'down', finance: 'down', banks: 'down', exchange: 'down' },
          });
          const finance = graph.subgraphs.finance;
          outage = {
            downSince,
            upFrom: Date.now(),
            provenUnapplied: (a) =>
              !!a.requestId && NEVER_CONNECTED.test(finance.failures.get(a.requestId) ?? ''),
          };
          // No service is restarted: each reconnects on its next statement.
          await cluster.start();
          const upAgain = Date.now();
          await waitFor('each kind of request served whole after PostgreSQL is back', () =>
            load.acknowledgedSince(upAgain) >= 5 && load.wholeReadsSince(upAgain)
              ? true
              : undefined,
          );
        } finally {
          await load.stop();
        }

        const { refused } = await reconcile(load, outage);
        expect(refused.length).toBeGreaterThanOrEqual(5);
        const masked = refused.filter((attempt) => attempt.codes[0] === 'INTERNAL_SERVER_ERROR');
        for (const attempt of masked) {
          // The database's failure is masked: the client learns only that this mutation failed.
          expect(attempt).toMatchObject({ status: 200, messages: ['internal error'] });
          expect(attempt.codes).toEqual(['INTERNAL_SERVER_ERROR']);
        }
        expect(masked.length).toBeGreaterThan(0);
        // A statement can wait out several connection attempts while the server recovers, past
        // the gateway's deadline: that mutation's client is told it may have been applied
        // (cautious, never a false refusal), and nothing of the database's failure.
        for (const attempt of refused.filter((a) => !masked.includes(a))) {
          expect(attempt).toMatchObject({ status: 200, codes: ['SUBGRAPH_UNAVAILABLE'] });
          expect(attempt.messages).toEqual([TIMED_OUT]);
        }
        // Ready again, by itself, once the databases answer.
        await waitFor('/ready to report ready again', async () =>
          (await ready())?.status === 200 ? true : undefined,
        );
        await expectWhole(`pg-${mode}-after`);
        await expectDisclosuresLogged();
      }, 240_000);
    }
  },
);
