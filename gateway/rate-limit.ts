export interface RateLimitOptions {
  /** Tokens added per second; 0 turns limiting off. */
  perSecond: number;
  /** Bucket size: how many requests may come at once after a quiet spell. */
  burst: number;
  now?: () => number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

// Buckets of callers that went quiet are full again and hold no information: past this many
// keys they are dropped. Keys come from verified tokens, so the map grows only with real callers.
const SWEEP_ABOVE = 10_000;

/**
 * In-memory token buckets, one per key (party and org), for a gateway that runs alone (no
 * REDIS_URL). Replicas share their limits through Redis instead (`SharedRateLimiter`), and fall
 * back to buckets of this kind, each of its share, while Redis is unreachable.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  get enabled(): boolean {
    return this.options.perSecond > 0;
  }

  take(key: string): RateDecision {
    if (!this.enabled) return { allowed: true };
    const { perSecond, burst } = this.options;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.buckets.set(key, bucket);
      if (this.buckets.size > SWEEP_ABOVE) this.sweep(now);
      return { allowed: true };
    }
    this.buckets.set(key, bucket);
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)),
    };
  }

  private sweep(now: number): void {
    const { perSecond, burst } = this.options;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * perSecond >= burst) this.buckets.delete(key);
    }
  }
}
