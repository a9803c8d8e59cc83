import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerParticipants } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { getJson, waitFor } from '../helpers/processes.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis.js';

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

describe('rate limits shared through Redis, and the gateway without it', () => {
  let graph: TestGraph;
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = await startOwnRedis();
    graph = await startTestGraph('pglite', {
      // Four requests per 40 s window: no window ends while the test runs.
      env: {
        REDIS_URL: redis.url,
        RATE_LIMIT_PER_SECOND: '0.1',
        RATE_LIMIT_BURST: '4',
        GATEWAY_REPLICAS: '2',
      },
      prepare: (databases) => registerParticipants(databases, { banks: ['icbc', 'abc'] }),
    });
  }, GRAPH_START_TIMEOUT);
  afterAll(async () => {
    await graph?.stop();
    await redis?.stop();
  });

  const ask = async (token: string) =>
    (
      await fetch(graph.graph.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ banks { id } }' }),
      })
    ).status;
  const served = async (token: string, times: number) => {
    let count = 0;
    for (let i = 0; i < times; i += 1) if ((await ask(token)) === 200) count += 1;
    return count;
  };
  const ready = () => getJson(new URL('/ready', graph.graph.gateway.url).toString());
  const gauge = async () => {
    const text = await (await fetch(new URL('/metrics', graph.graph.gateway.url))).text();
    return Number(/^kx_gateway_rate_limit_degraded (\d+)$/m.exec(text)?.[1]);
  };

  it('limits in Redis, reports and counts the fallback to its share, and resumes', async () => {
    expect((await ready())?.body).toMatchObject({ status: 'ready', rateLimits: 'shared' });
    expect(await served(await graph.token('bank', 'icbc'), 6)).toBe(4);

    await redis.stop();
    const abc = await graph.token('bank', 'abc');
    // Half the burst: the configured two replicas each take half while they cannot agree.
    expect(await served(abc, 4)).toBe(2);
    expect(await ready()).toEqual({
      status: 200,
      body: expect.objectContaining({ status: 'degraded', rateLimits: 'local share' }),
    });
    expect(await gauge()).toBe(1);

    await redis.start();
    await waitFor('shared limits resumed', async () =>
      (await ready())?.body.rateLimits === 'shared' ? true : undefined,
    );
    expect((await ready())?.body.status).toBe('ready');
    expect(await gauge()).toBe(0);
    // The restarted Redis is empty: a fresh shared window for abc.
    expect(await served(abc, 6)).toBe(4);
  });
});
