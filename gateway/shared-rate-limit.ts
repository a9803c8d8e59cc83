import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../subgraphs/kernel/logger.js';
import { metrics } from './metrics.js';
import { RateLimiter, type RateDecision } from './rate-limit.js';

export interface SharedRateLimitOptions {
  redisUrl: string;
  perSecond: number;
  burst: number;
  /** Replicas sharing the limit: while Redis is unreachable each one allows this share of it. */
  replicas: number;
  logger: Logger;
  /** Keys in Redis start with it; limiters with different limits must not share one. */
  keyPrefix?: string;
}

// A request waits at most this long for Redis before its replica decides alone: the limit is a
// guard, not worth a slow answer.
const COMMAND_TIMEOUT_MS = 250;
// How soon a replica tries Redis again after losing it, backing off to this at most.
const RECONNECT_MAX_MS = 1_000;

/**
 * Rate limits every gateway replica shares, kept in Redis by rate-limiter-flexible: a party's
 * requests through any replica count against one allowance. Redis holds a fixed window per key,
 * `burst` requests per `burst ÷ perSecond` seconds (whole seconds, at least one), so the average
 * rate is the configured one and a burst is bounded by one bucket.
 *
 * While Redis is unreachable each replica falls back to an in-process token bucket of its share
 * (`perSecond ÷ replicas`, `burst ÷ replicas`), so the fleet together still holds about one limit;
 * `degraded` says so for `/ready`, and the metrics count the outage and every decision taken
 * alone. Once the client is connected again the shared limit resumes by itself.
 */
export class SharedRateLimiter {
  private readonly redis: Redis;
  private readonly shared: RateLimiterRedis;
  private readonly local: RateLimiter;
  private readonly logger: Logger;
  private storeFailing = false;
  private wasDegraded = false;
  private closed = false;

  constructor(private readonly options: SharedRateLimitOptions) {
    this.logger = options.logger;
    this.redis = new Redis(options.redisUrl, {
      // A command while disconnected fails at once (and the local share decides) rather than
      // queueing behind a reconnection.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      // Not shorter: a gateway starting up blocks its event loop for a second or more, and a
      // connection timed out then would count as an outage.
      connectTimeout: 5_000,
      retryStrategy: (times) => Math.min(times * 100, RECONNECT_MAX_MS),
    });
    // ioredis reports every failed reconnection as an 'error' event; the state change is logged
    // once by `noteState`, not once per attempt.
    this.redis.on('error', () => this.noteState());
    this.redis.on('close', () => this.noteState());
    this.redis.on('ready', () => {
      this.storeFailing = false;
      this.noteState();
    });
    // Redis windows are whole seconds: a bucket that refills in under one becomes a one-second
    // window of the rate, so the average rate stays the configured one.
    const duration = Math.max(1, Math.round(options.burst / options.perSecond));
    this.shared = new RateLimiterRedis({
      storeClient: this.redis,
      points: Math.max(options.burst, Math.ceil(options.perSecond * duration)),
      duration,
      keyPrefix: options.keyPrefix ?? 'kx-rate',
      rejectIfRedisNotReady: true,
    });
    const { replicas } = options;
    this.local = new RateLimiter({
      perSecond: options.perSecond / replicas,
      burst: Math.max(1, Math.floor(options.burst / replicas)),
    });
  }

  /**
   * Resolves once connected to Redis, or after `timeoutMs` without it (the replica then starts on
   * its share), so a gateway does not open to traffic before it knows which limit it applies.
   */
  connected(timeoutMs = 5_000): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get enabled(): boolean {
    return this.options.perSecond > 0;
  }

  /** True while this replica limits alone on its share because Redis cannot be reached. */
  get degraded(): boolean {
    return this.redis.status !== 'ready' || this.storeFailing;
  }

  async take(key: string): Promise<RateDecision> {
    if (!this.enabled) return { allowed: true };
    try {
      await this.shared.consume(key);
      this.storeAnswered();
      return { allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        this.storeAnswered();
        const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        return { allowed: false, retryAfterSeconds };
      }
      this.storeFailing = true;
      this.noteState();
      metrics.rateLimitLocalDecisions.inc();
      return this.local.take(key);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.redis.disconnect();
  }

  private storeAnswered(): void {
    if (!this.storeFailing) return;
    this.storeFailing = false;
    this.noteState();
  }

  /** Logs and counts a change between shared and local limiting, once per change. */
  private noteState(): void {
    const degraded = this.degraded;
    if (this.closed || degraded === this.wasDegraded) return;
    this.wasDegraded = degraded;
    metrics.rateLimitDegraded.set(degraded ? 1 : 0);
    if (degraded) {
      metrics.rateLimitOutages.inc();
      this.logger.warn(
        { replicas: this.options.replicas },
        'rate-limit store unreachable: limiting on this replica’s share until it returns',
      );
    } else {
      this.logger.info('rate-limit store reachable: shared limits resumed');
    }
  }
}
