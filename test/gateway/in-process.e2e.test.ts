import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { logLines } from '../helpers/logs.js';

// Starting a graph (four PGlite databases, migrated and seeded) is slow on a loaded 2-core machine.
const GRAPH_START_TIMEOUT = 300_000;

const PAGE = `query Page {
  enterprises(first: 3) { nodes { id name creditLines { id } } }
}`;

// `npm start` runs the subgraphs in the gateway's process and asks them by function call. The
// permitted share, consent and library suites run over this path too; here is what differs.
describe('the embedded graph asking its subgraphs in-process', () => {
  let graph: TestGraph;
  let finance: string;
  let logFile: string;

  beforeAll(async () => {
    logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kx-logs-')), 'graph.log');
    graph = await startTestGraph('pglite', {
      seedScale: 0.05,
      inProcess: true,
      env: { LOG_LEVEL: 'info', LOG_FILE: logFile },
    });
    finance = await graph.token('finance_office');
  }, GRAPH_START_TIMEOUT);
  afterAll(async () => {
    await graph?.stop();
    fs.rmSync(path.dirname(logFile), { recursive: true, force: true });
  });

  it('serves a plan across subgraphs, each logging the gateway’s request id', async () => {
    const response = await fetch(graph.graph.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${finance}` },
      body: JSON.stringify({ query: PAGE, operationName: 'Page' }),
    });
    const body = (await response.json()) as any;
    expect(body.errors ?? []).toEqual([]);
    expect(body.data.enterprises.nodes).toHaveLength(3);
    const requestId = response.headers.get('x-request-id');
    const mine = (
      await logLines(logFile, (lines) =>
        lines.some(
          (l) => l.requestId === requestId && l.service === 'gateway' && l.msg === 'request',
        ),
      )
    ).filter((line) => line.requestId === requestId && line.msg === 'request');
    const subgraphLines = mine.filter((line) => line.service !== 'gateway');
    expect(new Set(subgraphLines.map((line) => line.service))).toEqual(
      new Set(['subgraph-tech', 'subgraph-banks']),
    );
    for (const line of subgraphLines) {
      expect(line).toMatchObject({ inProcess: true, party: 'finance_office', status: 200 });
    }
  });

  it('still refuses callers on the subgraphs’ own ports without a gateway token', async () => {
    const response = await fetch(graph.graph.subgraphs.banks.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-party': 'finance_office' },
      body: JSON.stringify({ query: '{ banks { id } }' }),
    });
    expect(response.status).toBe(401);
  });

  it('reports a stopped subgraph as SUBGRAPH_UNAVAILABLE and serves the rest', async () => {
    await graph.graph.subgraphs.banks.stop();
    try {
      const { body } = await graph.query(PAGE, {}, finance);
      expect(body.data.enterprises.nodes).toHaveLength(3);
      for (const node of body.data.enterprises.nodes) expect(node.creditLines).toBeNull();
      expect(body.errors!.length).toBeGreaterThan(0);
      for (const error of body.errors!) {
        expect(error.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'banks' });
        expect(error.message).toBe(
          'subgraph "banks" is unavailable: it is not running; its fields are missing from this response',
        );
      }
    } finally {
      await graph.restartSubgraph('banks');
    }
    const { body } = await graph.query(PAGE, {}, finance);
    expect(body.errors ?? []).toEqual([]);
    for (const node of body.data.enterprises.nodes)
      expect(node.creditLines).toEqual(expect.any(Array));
  });
});
