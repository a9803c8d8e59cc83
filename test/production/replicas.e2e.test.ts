import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeLogReport } from '../../scripts/audit/log-audit.js';
import type { Party } from '../../subgraphs/kernel/caller.js';
import { loadFixture } from '../helpers/fixture.js';
import { auditWhenIntegrated, publishedLogKeys } from '../helpers/log-audit.js';
import { getJson, startProcessGraph, type ProcessGraph } from '../helpers/processes.js';
import { createGraphDatabases, type GraphDatabases } from '../helpers/private-postgres.js';

const run = promisify(execFile);

type Who = [Party, string?];

/** What each party asks most: every subgraph, policies per object, withheld fields with errors. */
const ASKED: { who: Who; query: string }[] = [
  {
    who: ['finance_office'],
    query: `{ enterprises(first: 5) { nodes { id name uscc contact { phone } financials { year }
      financingNeeds { id status amount } creditLines { id } consents { id status } } } }`,
  },
  {
    who: ['bank', 'abc'],
    query: `query Feed { enterprises(first: 5) { nodes { id contact { phone } financials { year }
      pooledCreditSummary { totalApproved } patents { id valuation } } } }`,
  },
  {
    who: ['bank', 'icbc'],
    query: `{ creditLines(first: 10) { nodes { id amount } } enterprise(id: "ent-b") { id contact { phone } } }`,
  },
  {
    who: ['enterprise', 'ent-a'],
    query: `{ enterprise(id: "ent-a") { id name financingNeeds { id status }
      consents { id bank { id } status } } }`,
  },
  { who: ['pboc'], query: `{ banks { id name } creditLines(first: 10) { nodes { id } } }` },
];

const SUBMIT = `mutation Submit($input: SubmitFinancingNeedInput!) {
  submitFinancingNeed(input: $input) { need { id status purpose } }
}`;
const WITHDRAW = `mutation Withdraw($id: ID!) { withdrawFinancingNeed(id: $id) { need { id status } } }`;
const NEEDS = `query Needs($id: ID!) { enterprise(id: $id) { id financingNeeds { id status purpose } } }`;
const GRANT = `mutation Grant($input: GrantConsentInput!) { grantConsent(input: $input) { id status } }`;
const REVOKE = `mutation Revoke($id: ID!) { revokeConsent(id: $id) { id status } }`;
const CONTACT = `query Contact($id: ID!) { enterprise(id: $id) { id contact { phone } } }`;
const CONSENTED = `query Consented { enterprise(id: "ent-a") { id contact { phone } financials { year } } }`;

describe.skipIf(!process.env.TEST_DATABASE_URL)(
  'two gateway replicas in front of four subgraph processes on PostgreSQL',
  () => {
    let databases: GraphDatabases;
    let graph: ProcessGraph;
    const REPLICAS = [0, 1];

    const ask = async (
      replica: number,
      who: Who,
      query: string,
      variables?: Record<string, unknown>,
    ) => graph.query(replica, query, variables, await graph.token(who[0], who[1]));

    /** Whether the bank sees the enterprise's contact through `replica`, checking the denial's shape. */
    const seesContact = async (replica: number, bank: string, enterpriseId: string) => {
      const { status, body } = await ask(replica, ['bank', bank], CONTACT, { id: enterpriseId });
      expect(status).toBe(200);
      if (body.data.enterprise.contact === null) {
        expect(body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
          [['enterprise', 'contact'], 'UNAUTHORIZED_FIELD_OR_TYPE'],
        ]);
        return false;
      }
      expect(body.errors ?? []).toEqual([]);
      return true;
    };

    beforeAll(async () => {
      databases = await createGraphDatabases(process.env.TEST_DATABASE_URL!, 'kx_replicas');
      await loadFixture(databases.databases);
      graph = await startProcessGraph({ databaseUrls: databases.urls, replicas: 2 });
    }, 300_000);

    afterAll(async () => {
      await graph?.stop();
      await databases?.drop();
    }, 120_000);

    it('reports both replicas ready, over the same four subgraphs', async () => {
      for (const replica of REPLICAS) {
        expect(await getJson(new URL('/ready', graph.gateways[replica].url).toString())).toEqual({
          status: 200,
          body: {
            status: 'ready',
            supergraph: true,
            subgraphs: { tech: 'up', finance: 'up', banks: 'up', exchange: 'up' },
          },
        });
      }
    });

    it('answers the same request with the same token identically from either replica', async () => {
      for (const { who, query } of ASKED) {
        const token = await graph.token(who[0], who[1]);
        const [a, b] = await Promise.all(REPLICAS.map((r) => graph.query(r, query, {}, token)));
        expect(a.status).toBe(200);
        expect(a.body.data).toBeTruthy();
        expect({ status: b.status, body: b.body }).toEqual({ status: a.status, body: a.body });
      }
      // A refusal too: no token, no answer, from either.
      const [a, b] = await Promise.all(REPLICAS.map((r) => graph.query(r, '{ banks { id } }')));
      expect(a.status).toBe(401);
      expect({ status: b.status, body: b.body }).toEqual({ status: a.status, body: a.body });
    });

    it('shows a mutation made through one replica through the other at once', async () => {
      const submitted = await ask(0, ['enterprise', 'ent-b'], SUBMIT, {
        input: {
          amount: '3000000.00',
          termMonths: 24,
          purpose: '经副本甲提交',
          collateral: ['NONE'],
          visibility: 'OPEN_TO_ALL_BANKS',
        },
      });
      expect(submitted.body.errors ?? []).toEqual([]);
      const need = submitted.body.data.submitFinancingNeed.need;
      expect(need).toMatchObject({ status: 'SUBMITTED', purpose: '经副本甲提交' });

      for (const who of [['enterprise', 'ent-b'], ['finance_office']] as Who[]) {
        const { body } = await ask(1, who, NEEDS, { id: 'ent-b' });
        expect(body.errors ?? []).toEqual([]);
        expect(body.data.enterprise.financingNeeds).toContainEqual(need);
      }
      const withdrawn = await ask(1, ['enterprise', 'ent-b'], WITHDRAW, { id: need.id });
      expect(withdrawn.body.data.withdrawFinancingNeed.need).toEqual({
        id: need.id,
        status: 'WITHDRAWN',
      });
      const { body } = await ask(0, ['enterprise', 'ent-b'], NEEDS, { id: 'ent-b' });
      expect(body.data.enterprise.financingNeeds).toContainEqual({ ...need, status: 'WITHDRAWN' });
    });

    it('applies a consent granted through one replica and revoked through the other from the next request, at both', async () => {
      for (const replica of REPLICAS)
        expect(await seesContact(replica, 'boc', 'ent-c')).toBe(false);

      const granted = await ask(0, ['enterprise', 'ent-c'], GRANT, {
        input: { enterpriseId: 'ent-c', bankId: 'boc', dataSets: ['CONTACT'], purpose: '授信审查' },
      });
      expect(granted.body.errors ?? []).toEqual([]);
      const consent = granted.body.data.grantConsent;
      expect(consent.status).toBe('ACTIVE');
      for (const replica of REPLICAS) expect(await seesContact(replica, 'boc', 'ent-c')).toBe(true);

      const revoked = await ask(1, ['enterprise', 'ent-c'], REVOKE, { id: consent.id });
      expect(revoked.body.data.revokeConsent).toEqual({ id: consent.id, status: 'REVOKED' });
      for (const replica of REPLICAS)
        expect(await seesContact(replica, 'boc', 'ent-c')).toBe(false);
    });

    it('keeps one intact disclosure tree while both replicas write to it at once', async () => {
      const exchange = databases.databases.exchange;
      const [{ seq: before }] = await exchange.rows<{ seq: number }>(
        sql`select coalesce(max(seq), 0)::int as seq from disclosures`,
      );
      // Each answer shows the bank ent-a's consented data: one log entry per request.
      const token = await graph.token('bank', 'abc');
      const served = new Map<string, number>();
      for (let round = 0; round < 3; round += 1) {
        const answers = await Promise.all(
          Array.from({ length: 24 }, async (_, i) => {
            const replica = i % 2;
            return { replica, ...(await graph.query(replica, CONSENTED, {}, token)) };
          }),
        );
        for (const { replica, status, body, requestId } of answers) {
          expect(status).toBe(200);
          expect(body.errors ?? []).toEqual([]);
          expect(body.data.enterprise.contact).not.toBeNull();
          served.set(requestId!, replica);
        }
      }
      expect(served.size).toBe(72);

      const entries = await exchange.rows<{ seq: string; request_id: string }>(
        sql`select seq, request_id from disclosures where seq > ${before} order by seq`,
      );
      // Exactly one entry per request, whichever replica served it.
      expect(entries.map((e) => e.request_id).sort()).toEqual([...served.keys()].sort());
      const writers = entries.map((e) => served.get(e.request_id));
      expect(new Set(writers)).toEqual(new Set(REPLICAS));
      const switches = writers.filter((w, i) => i > 0 && w !== writers[i - 1]).length;
      console.info(`disclosure log: ${entries.length} entries, writer changed ${switches} times`);

      // Both replicas' sequencers integrate into one tree, whichever wrote the entry.
      const report = await auditWhenIntegrated(exchange, graph.gateways[0].url);
      expect(report.problem).toBeUndefined();
      expect(report.checked).toBeGreaterThanOrEqual(72);
      // The auditor's own command agrees, reading the log as it stands, with the published key.
      const keys = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-replicas-keys-'));
      const jwksFile = path.join(keys, 'log-jwks.json');
      fs.writeFileSync(jwksFile, JSON.stringify(await publishedLogKeys(graph.gateways[1].url)));
      try {
        const { stdout } = await run(
          process.execPath,
          ['--import', 'tsx', 'scripts/audit-verify.ts', '--jwks', jwksFile],
          {
            env: { ...process.env, DATABASE_URL_EXCHANGE: databases.urls.exchange },
            timeout: 120_000,
          },
        );
        expect(stdout.trim()).toBe(describeLogReport(report));
        expect(stdout).toMatch(/^\d+ entries in the Merkle tree, intact/);
      } finally {
        fs.rmSync(keys, { recursive: true, force: true });
      }
    });

    it('keeps serving through one replica while the other is killed, and the restarted one answers the same', async () => {
      const { who, query } = ASKED[0];
      const token = await graph.token(who[0], who[1]);
      const before = await graph.query(0, query, {}, token);

      await graph.gateways[1].kill('SIGKILL');
      await expect(graph.query(1, query, {}, token)).rejects.toThrow();
      const meanwhile = await graph.query(0, query, {}, token);
      expect(meanwhile.body).toEqual(before.body);

      await graph.restartGateway(1);
      const after = await graph.query(1, query, {}, token);
      expect({ status: after.status, body: after.body }).toEqual({
        status: before.status,
        body: before.body,
      });
    });
  },
);
