import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { STANDARD_SCOPES } from '../../gateway/dev-identity.js';
import { mutationScopes } from '../../gateway/sandbox.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { logLines } from '../helpers/logs.js';

// Starting a graph (four PGlite databases, migrated) is slow on a loaded 2-core machine.
const GRAPH_START_TIMEOUT = 300_000;

const FINANCIALS = '{ enterprises(first: 10) { nodes { id financials { year revenue } } } }';
const ESCALATED = [...STANDARD_SCOPES.bank, 'rows:all'];

const post = async (graph: TestGraph, payload: unknown, token?: string) => {
  const response = await fetch(graph.graph.gateway.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(payload),
  });
  return { status: response.status, body: (await response.json()) as any };
};

/** The token in the Sandbox page's shared headers, if it carries one. */
const sandboxToken = async (graph: TestGraph) => {
  const page = await fetch(graph.graph.gateway.url, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  return /Bearer ([\w-]+\.[\w-]+\.[\w-]+)/.exec(await page.text())?.[1];
};

describe('tokens bounded by their party', () => {
  let graph: TestGraph;
  let folder: string;
  let logFile: string;

  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-bounds-'));
    logFile = path.join(folder, 'gateway.log');
    graph = await startTestGraph('pglite', {
      prepare: loadFixture,
      env: { LOG_LEVEL: 'warn', LOG_FILE: logFile },
    });
  }, GRAPH_START_TIMEOUT);
  afterAll(async () => {
    await graph?.stop();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('drops rows:all from a bank token, so the bank reads no other enterprise’s financials, and logs the drop', async () => {
    const token = await graph.token('bank', 'icbc', { sub: 'icbc-escalation', scopes: ESCALATED });
    const { status, body } = await graph.query(FINANCIALS, {}, token);
    expect(status).toBe(200);
    const nodes = body.data.enterprises.nodes as { id: string; financials: unknown }[];
    expect(nodes.map((n) => n.id)).toEqual(['ent-a', 'ent-b', 'ent-c']);
    // icbc holds no FINANCIALS consent: every enterprise's financials are withheld.
    expect(nodes.map((n) => n.financials)).toEqual([null, null, null]);
    expect(body.errors!.map((e) => [e.extensions!.code, e.extensions!.rule])).toEqual([
      ['UNAUTHORIZED_FIELD_OR_TYPE', 'policy'],
      ['UNAUTHORIZED_FIELD_OR_TYPE', 'policy'],
      ['UNAUTHORIZED_FIELD_OR_TYPE', 'policy'],
    ]);

    const dropped = (lines: any[]) =>
      lines.find((l) => l.msg === 'token scopes beyond the party ceiling dropped');
    const line = dropped(await logLines(logFile, (lines) => Boolean(dropped(lines))));
    expect(line).toMatchObject({
      level: 'warn',
      sub: 'icbc-escalation',
      party: 'bank',
      org: 'icbc',
      dropped: ['rows:all'],
    });
    expect(fs.readFileSync(logFile, 'utf8')).not.toContain(token);
  });

  it('still shows the agencies every enterprise’s financials', async () => {
    const { body } = await graph.query(FINANCIALS, {}, await graph.token('finance_office'));
    expect(body.errors ?? []).toEqual([]);
    expect(body.data.enterprises.nodes[0].financials).toHaveLength(1);
  });

  it('refuses a bank token whose org names no participating bank with 401 AUTH_ERROR', async () => {
    const { status, body } = await post(
      graph,
      { query: '{ banks { id } }' },
      await graph.token('bank', 'no-such-bank'),
    );
    expect(status).toBe(401);
    expect(body.errors[0].extensions.code).toBe('AUTH_ERROR');
    expect(body.errors[0].message).toBe('token org "no-such-bank" names no participating bank');
  });

  it('refuses an enterprise token whose org is not in the library with 401 AUTH_ERROR', async () => {
    const { status, body } = await post(
      graph,
      { query: '{ banks { id } }' },
      await graph.token('enterprise', 'ent-zzz'),
    );
    expect(status).toBe(401);
    expect(body.errors[0].extensions.code).toBe('AUTH_ERROR');
    expect(body.errors[0].message).toBe('token org "ent-zzz" names no enterprise of the library');
  });

  it('accepts a known bank and a known enterprise, again and again', async () => {
    for (const token of [
      await graph.token('bank', 'abc'),
      await graph.token('enterprise', 'ent-b'),
    ]) {
      for (let i = 0; i < 2; i++) {
        const { status, body } = await graph.query('{ banks { id } }', {}, token);
        expect(status).toBe(200);
        expect(body.data.banks.map((b: { id: string }) => b.id).sort()).toEqual([
          'abc',
          'boc',
          'icbc',
        ]);
      }
    }
  });

  it('keeps the org lookup fields out of the public graph', async () => {
    const { status, body } = await graph.query(
      '{ _knownBanks(ids: ["icbc"]) }',
      {},
      await graph.token('finance_office'),
    );
    expect(status).toBe(400);
    expect(body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('puts a fresh, short-lived, read-only token in the Sandbox page on each load', async () => {
    const first = await sandboxToken(graph);
    const second = await sandboxToken(graph);
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);

    const claims = decodeJwt(first!);
    expect(claims.party).toBe('finance_office');
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(15 * 60);
    expect(claims.exp! * 1000).toBeLessThanOrEqual(Date.now() + 15 * 60 * 1000 + 5_000);
    const scopes = String(claims.scope).split(' ');
    expect(scopes).toContain('rows:all');
    const mutating = mutationScopes(fs.readFileSync(graph.config.supergraphPath, 'utf8'));
    expect(scopes.filter((s) => mutating.has(s))).toEqual([]);
    expect(scopes.filter((s) => /:(write|claim|submit|register)$/.test(s))).toEqual([]);

    // It reads what the finance office reads …
    const read = await graph.query(FINANCIALS, {}, first);
    expect(read.body.errors ?? []).toEqual([]);
    // … and changes nothing.
    const { status, body } = await graph.query(
      'mutation { triageFinancingNeed(id: "need-a1") { need { id status } } }',
      {},
      first,
    );
    expect(status).toBe(200);
    expect(body.data?.triageFinancingNeed ?? null).toBeNull();
    expect(body.errors![0].extensions).toMatchObject({
      code: 'UNAUTHORIZED_FIELD_OR_TYPE',
      rule: 'requiresScopes',
    });
  });

  it('answers a persisted-query hash that does not match its query with 400 PERSISTED_QUERY_HASH_MISMATCH', async () => {
    const { status, body } = await post(
      graph,
      {
        query: '{ banks { id } }',
        extensions: { persistedQuery: { version: 1, sha256Hash: 'wrong' } },
      },
      await graph.token('finance_office'),
    );
    expect(status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    expect(body.errors[0].message).toMatch(/sha256Hash does not match/);
  });
});

describe('tokens beyond their party refused (SCOPE_CEILING=refuse)', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startTestGraph('pglite', {
      prepare: loadFixture,
      env: { SCOPE_CEILING: 'refuse' },
    });
  }, GRAPH_START_TIMEOUT);
  afterAll(async () => {
    await graph?.stop();
  });

  it('refuses a bank token carrying rows:all with 401 AUTH_ERROR naming the scope', async () => {
    const token = await graph.token('bank', 'icbc', { scopes: ESCALATED });
    const { status, body } = await post(graph, { query: FINANCIALS }, token);
    expect(status).toBe(401);
    expect(body.errors[0].extensions.code).toBe('AUTH_ERROR');
    expect(body.errors[0].message).toBe(
      'token carries scopes beyond what a bank icbc may hold: rows:all',
    );
    expect(JSON.stringify(body)).not.toContain(token);
  });

  it('accepts the bank’s standard token', async () => {
    const { status } = await graph.query(FINANCIALS, {}, await graph.token('bank', 'icbc'));
    expect(status).toBe(200);
  });
});
