import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerParticipants } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';

// Starting a graph (four PGlite databases, migrated and seeded) is slow on a loaded 2-core machine.
const GRAPH_START_TIMEOUT = 300_000;

describe('per-party and per-org rate limits', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startTestGraph('pglite', {
      env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' },
      prepare: (databases) => registerParticipants(databases, { banks: ['icbc', 'abc', 'boc'] }),
    });
  }, GRAPH_START_TIMEOUT);
  afterAll(async () => {
    await graph?.stop();
  });

  const ask = async (token: string) => {
    const response = await fetch(graph.graph.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ banks { id } }' }),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as any,
    };
  };

  it('answers a burst past the bucket with 429 and Retry-After, then serves again', async () => {
    const icbc = await graph.token('bank', 'icbc');
    const answers = await Promise.all(Array.from({ length: 10 }, () => ask(icbc)));
    const served = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(served.length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThan(0);
    expect(served.length + refused.length).toBe(10);
    const [first] = refused;
    expect(first.retryAfter).toBe('1');
    expect(first.body.errors[0]).toEqual({
      message:
        'rate limit exceeded for bank icbc: 1 requests per second, bursts of 3; retry after 1 s',
      extensions: { code: 'RATE_LIMITED' },
    });

    // Another bank, and another party, have buckets of their own.
    expect((await ask(await graph.token('bank', 'abc'))).status).toBe(200);
    expect((await ask(await graph.token('finance_office'))).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, Number(first.retryAfter) * 1000 + 200));
    expect((await ask(icbc)).status).toBe(200);
  });

  it('never limits health, readiness or metrics, and counts each refusal', async () => {
    const refusals = async () => {
      const text = await (await fetch(new URL('/metrics', graph.graph.gateway.url))).text();
      return Number(/^kx_gateway_rate_limited_total\{party="bank"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = await refusals();
    // A bank of its own: the burst test expects abc's bucket full.
    const boc = await graph.token('bank', 'boc');
    const answers = await Promise.all(Array.from({ length: 10 }, () => ask(boc)));
    const refused = answers.filter((a) => a.status === 429).length;
    expect(refused).toBeGreaterThan(0);
    for (const endpoint of ['/health', '/ready', '/metrics']) {
      for (let i = 0; i < 10; i += 1) {
        expect((await fetch(new URL(endpoint, graph.graph.gateway.url))).status).toBe(200);
      }
    }
    expect((await refusals()) - before).toBe(refused);
  });
});
