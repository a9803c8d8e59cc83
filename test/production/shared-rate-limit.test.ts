import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { metrics } from '../../gateway/metrics.js';
import { SharedRateLimiter } from '../../gateway/shared-rate-limit.js';
import { createLogger } from '../../subgraphs/kernel/logger.js';
import { loadConfig } from '../../subgraphs/kernel/config.js';
import { waitFor } from '../helpers/processes.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis.js';

const logger = createLogger(loadConfig({ LOG_LEVEL: 'silent' }), { service: 'test' });

// A rate so slow that no window ends while a test runs: every count below is of one window.
const SLOW = { perSecond: 0.1, burst: 10 };

async function allowed(limiter: SharedRateLimiter, key: string, times: number): Promise<number> {
  let count = 0;
  for (let i = 0; i < times; i += 1) if ((await limiter.take(key)).allowed) count += 1;
  return count;
}

describe('rate limits shared through Redis', () => {
  let redis: OwnRedis;
  const limiters: SharedRateLimiter[] = [];
  const limiter = (replicas: number, keyPrefix = `kx-test-${randomUUID()}`) => {
    const made = new SharedRateLimiter({
      ...SLOW,
      redisUrl: redis.url,
      replicas,
      logger,
      keyPrefix,
    });
    limiters.push(made);
    return made;
  };

  beforeAll(async () => {
    redis = await startOwnRedis();
  });
  // Each test counts the outages of its own limiters only.
  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((l) => l.close()));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('holds a party to one limit across two replicas', async () => {
    const prefix = `kx-test-${randomUUID()}`;
    const [a, b] = [limiter(2, prefix), limiter(2, prefix)];
    await waitFor('both replicas connected', () => (!a.degraded && !b.degraded) || undefined);
    let served = 0;
    const refusals: number[] = [];
    for (let i = 0; i < 15; i += 1) {
      for (const replica of [a, b]) {
        const decision = await replica.take('bank:icbc');
        if (decision.allowed) served += 1;
        else refusals.push(decision.retryAfterSeconds);
      }
    }
    expect(served).toBe(SLOW.burst);
    expect(refusals).toHaveLength(30 - SLOW.burst);
    // The window is burst ÷ rate = 100 s long; none of it has passed.
    for (const seconds of refusals) expect(seconds).toBeGreaterThan(90);
    // Another party has its own allowance.
    expect(await allowed(b, 'bank:abc', 3)).toBe(3);
  });

  it('falls back to its share while Redis is down, counts it, and resumes the shared limit', async () => {
    const replica = limiter(2);
    await waitFor('connected', () => !replica.degraded || undefined);
    const outages = metrics.rateLimitOutages.get();
    const local = metrics.rateLimitLocalDecisions.get();

    await redis.stop();
    // Half the burst (two replicas), decided in-process.
    expect(await allowed(replica, 'bank:boc', 12)).toBe(SLOW.burst / 2);
    expect(replica.degraded).toBe(true);
    expect(metrics.rateLimitOutages.get() - outages).toBe(1);
    expect(metrics.rateLimitLocalDecisions.get() - local).toBe(12);
    expect(metrics.rateLimitDegraded.get()).toBe(1);

    await redis.start();
    await waitFor('shared limits resumed', () => !replica.degraded || undefined, {
      deadlineMs: 30_000,
    });
    expect(metrics.rateLimitDegraded.get()).toBe(0);
    // Redis came back empty: the shared window starts again, the full burst across the fleet.
    const before = metrics.rateLimitLocalDecisions.get();
    expect(await allowed(replica, 'bank:boc', 12)).toBe(SLOW.burst);
    expect(metrics.rateLimitLocalDecisions.get()).toBe(before);
  });
});
