import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../gateway/rate-limit.js';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('rate limiter', () => {
  it('lets a burst through, then refuses with the seconds until a token is back', () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 2, burst: 3, now: time.now });
    expect([1, 2, 3].map(() => limiter.take('bank:icbc').allowed)).toEqual([true, true, true]);
    expect(limiter.take('bank:icbc')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    time.advance(500);
    expect(limiter.take('bank:icbc').allowed).toBe(true);
    expect(limiter.take('bank:icbc').allowed).toBe(false);
  });

  it('keeps one bucket per party and org', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, now: clock().now });
    expect(limiter.take('bank:icbc').allowed).toBe(true);
    expect(limiter.take('bank:icbc').allowed).toBe(false);
    expect(limiter.take('bank:abc').allowed).toBe(true);
    expect(limiter.take('enterprise:icbc').allowed).toBe(true);
  });

  it('refills to the burst and no further', () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 10, burst: 2, now: time.now });
    limiter.take('k');
    limiter.take('k');
    time.advance(60_000);
    expect([1, 2, 3].map(() => limiter.take('k').allowed)).toEqual([true, true, false]);
  });

  it('asks a slow bucket to wait several seconds', () => {
    const limiter = new RateLimiter({ perSecond: 0.25, burst: 1, now: clock().now });
    limiter.take('k');
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 4 });
  });

  it('lets everything through when the rate is 0', () => {
    const limiter = new RateLimiter({ perSecond: 0, burst: 1 });
    for (let i = 0; i < 100; i += 1) expect(limiter.take('k').allowed).toBe(true);
  });
});
