import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { logLines } from '../helpers/logs.js';

// Starting a graph (four PGlite databases, migrated and seeded) is slow on a loaded 2-core machine.
const GRAPH_START_TIMEOUT = 300_000;

const DOSSIER = `query Dossier {
  enterprises(first: 3) { nodes { id name creditLines { id } } }
  banks { id }
}`;

describe('resilience and observability', () => {
  let graph: TestGraph;
  let finance: string;
  let logFile: string;
  let banksHost: string;

  const logged = (until: (lines: any[]) => boolean) => logLines(logFile, until);

  const ready = async () => {
    const response = await fetch(new URL('/ready', graph.graph.gateway.url));
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kx-logs-')), 'graph.log');
    graph = await startTestGraph('pglite', {
      seedScale: 0.05,
      env: {
        LOG_LEVEL: 'info',
        LOG_FILE: logFile,
        SUBGRAPH_RETRIES: '1',
        SUBGRAPH_RETRY_BACKOFF_MS: '20',
        // These tests count every call to the banks subgraph, so none may be answered from the
        // public answers the gateway keeps (the banks list each dossier asks for is one).
        SHARED_ANSWERS: '0',
      },
    });
    finance = await graph.token('finance_office');
    banksHost = new URL(graph.graph.subgraphs.banks.url).host;
  }, GRAPH_START_TIMEOUT);
  afterAll(async () => {
    await graph?.stop();
    fs.rmSync(path.dirname(logFile), { recursive: true, force: true });
  });

  /** Runs `during` with the banks subgraph stopped, and starts it again on its port afterwards. */
  const withBanksDown = async <T>(during: () => Promise<T>): Promise<T> => {
    await graph.graph.subgraphs.banks.stop();
    try {
      return await during();
    } finally {
      await graph.restartSubgraph('banks');
    }
  };

  /** The gateway's /metrics as a function from a sample's name and labels to its value. */
  const scrape = async () => {
    const response = await fetch(new URL('/metrics', graph.graph.gateway.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text.endsWith('\n')).toBe(true);
    return (sample: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
      return line ? Number(line.slice(sample.length + 1)) : 0;
    };
  };

  it('serves the rest while a subgraph is down, says so on /ready and recovers once it is back', async () => {
    const response = await withBanksDown(async () => {
      const response = await fetch(graph.graph.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${finance}` },
        body: JSON.stringify({ query: DOSSIER }),
      });
      expect(await ready()).toEqual({
        status: 503,
        body: {
          status: 'not ready',
          supergraph: true,
          subgraphs: { tech: 'up', finance: 'up', banks: 'down', exchange: 'up' },
        },
      });
      return response;
    });

    const text = await response.text();
    const body = JSON.parse(text);
    expect(response.status).toBe(200);
    const nodes = body.data.enterprises.nodes;
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      expect(node.name).toEqual(expect.any(String));
      expect(node.creditLines).toBeNull();
    }
    expect(body.data.banks).toBeNull();
    expect(body.errors.length).toBeGreaterThan(0);
    for (const error of body.errors) {
      expect(error.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'banks' });
      expect(error.message).toBe(
        'subgraph "banks" is unavailable: it could not be reached; its fields are missing from this response',
      );
    }
    expect(text).not.toContain(banksHost);
    expect(text).not.toMatch(/https?:|ECONNREFUSED|fetch failed/);
    // The outage was logged for operators, with the reason, under the request's id.
    const requestId = response.headers.get('x-request-id');
    const failures = (
      await logged((all) =>
        all.some((l) => l.requestId === requestId && l.msg === 'subgraph call failed'),
      )
    ).filter((l) => l.requestId === requestId && l.msg === 'subgraph call failed');
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) expect(failure.subgraph).toBe('banks');

    expect((await ready()).status).toBe(200);
    // Each subgraph's own readiness asks its database.
    const subgraphReady = await fetch(new URL('/ready', graph.graph.subgraphs.banks.url));
    expect(subgraphReady.status).toBe(200);
    expect(await subgraphReady.json()).toEqual({
      status: 'ready',
      subgraph: 'banks',
      database: 'up',
    });
    const recovered = await graph.query(DOSSIER, {}, finance);
    expect(recovered.body.errors ?? []).toEqual([]);
    expect(recovered.body.data.banks.length).toBeGreaterThan(0);
    for (const node of recovered.body.data.enterprises.nodes)
      expect(node.creditLines).toEqual(expect.any(Array));
  });

  it('counts requests, latency, subgraph fetches, retries, denials and disclosures on /metrics', async () => {
    const before = await scrape();
    const bank = await graph.token('bank', 'icbc');
    const denied = await graph.query(
      '{ enterprises(first: 20) { nodes { id contact { phone } } } }',
      {},
      bank,
    );
    expect(denied.body.errors!.some((e: any) => e.extensions.rule === 'policy')).toBe(true);
    await graph.query('{ nonsense }', {}, finance);
    // The finance office reads three enterprises' contacts under its mandate: three log entries.
    const contacts = await graph.query(
      '{ enterprises(first: 3) { nodes { id contact { phone } } } }',
      {},
      finance,
    );
    expect(contacts.body.errors ?? []).toEqual([]);
    await withBanksDown(() => graph.query(DOSSIER, {}, finance));
    const after = await scrape();

    const delta = (sample: string) => after(sample) - before(sample);
    // Three queries answered 200 (one of them during the outage), one refused before parsing.
    expect(delta('kx_gateway_requests_total{operation_type="query",status="200"}')).toBe(3);
    expect(delta('kx_gateway_requests_total{operation_type="unknown",status="400"}')).toBe(1);
    expect(
      delta('kx_gateway_request_duration_seconds_count{operation_type="query",status="200"}'),
    ).toBe(3);
    // Each of the three queries fetched from tech once.
    expect(delta('kx_subgraph_fetch_duration_seconds_count{subgraph="tech",outcome="ok"}')).toBe(3);
    // The dossier's two banks fetches (credit lines, banks), each tried twice.
    expect(delta('kx_subgraph_fetch_errors_total{subgraph="banks",reason="unreachable"}')).toBe(4);
    expect(delta('kx_subgraph_fetch_retries_total{subgraph="banks"}')).toBe(2);
    // Every contact withheld from the bank is one denial; every contact shown, one log entry.
    const nodes = denied.body.data.enterprises.nodes as { contact: unknown }[];
    const shown = nodes.filter((node) => node.contact !== null).length;
    expect(delta('kx_gateway_authorization_denials_total{rule="policy"}')).toBe(
      nodes.length - shown,
    );
    expect(delta('kx_disclosure_log_entries_total')).toBe(3 + shown);
  });

  describe('logs', () => {
    it('writes one JSON line per request, and the subgraphs log the same request id', async () => {
      const bank = await graph.token('bank', 'icbc');
      const response = await fetch(graph.graph.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bank}` },
        body: JSON.stringify({
          query: 'query Feed { enterprises(first: 2) { nodes { id creditLines { id } } } }',
          operationName: 'Feed',
        }),
      });
      expect(response.status).toBe(200);
      const requestId = response.headers.get('x-request-id');
      const lines = await logged((all) =>
        all.some(
          (l) => l.requestId === requestId && l.service === 'gateway' && l.msg === 'request',
        ),
      );
      const mine = lines.filter((line) => line.requestId === requestId);
      const gateway = mine.find((line) => line.service === 'gateway' && line.msg === 'request');
      expect(gateway).toMatchObject({
        level: 'info',
        method: 'POST',
        path: '/',
        status: 200,
        party: 'bank',
        org: 'icbc',
        operationName: 'Feed',
        operationType: 'query',
        durationMs: expect.any(Number),
      });
      const services = new Set(mine.map((line) => line.service));
      expect(services).toContain('subgraph-tech');
      expect(services).toContain('subgraph-banks');
      // The gateway may refresh its directory of banks and enterprises within the request, as
      // itself; every other subgraph call is the bank's.
      const onBehalf = mine.filter((l) => l.service !== 'gateway' && l.party !== 'gateway');
      expect(onBehalf.length).toBeGreaterThanOrEqual(2);
      for (const line of onBehalf) {
        expect(line).toMatchObject({ party: 'bank', org: 'icbc', status: 200 });
      }

      const text = fs.readFileSync(logFile, 'utf8');
      expect(text).not.toContain(bank);
      expect(text).not.toContain(finance);
      expect(text).not.toMatch(/Bearer ey/);
    });

    it('logs the cause of an error the client sees masked, under the request id it was given', async () => {
      const banks = graph.graph.databases.banks;
      await banks.rows(sql`alter table banks rename to banks_hidden`);
      let response: Response;
      try {
        response = await fetch(graph.graph.gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${finance}` },
          body: JSON.stringify({ query: '{ banks { id } }' }),
        });
      } finally {
        await banks.rows(sql`alter table banks_hidden rename to banks`);
      }
      const body = (await response.json()) as any;
      expect(body.errors[0]).toMatchObject({ message: 'internal error' });
      const requestId = response.headers.get('x-request-id');
      const lines = (
        await logged((all) =>
          all.some(
            (l) => l.requestId === requestId && l.service === 'gateway' && l.level === 'error',
          ),
        )
      ).filter((line) => line.requestId === requestId);
      const cause = lines.find((l) => l.service === 'subgraph-banks' && l.msg === 'resolver error');
      expect(JSON.stringify(cause)).toMatch(/banks/);
      expect(lines.some((l) => l.service === 'gateway' && l.level === 'error')).toBe(true);
    });
  });
});
