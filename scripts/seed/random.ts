/** Seeded randomness and calendar helpers for the seed generator: no Math.random, no clock. */

/** mulberry32: a tiny, fast 32-bit PRNG; returns a function yielding floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** murmur3's 32-bit finaliser: spreads nearby integers (enterprise indexes) over the seed space. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed derived from an index and a stream number, so every enterprise has its own sequence. */
export function seedFor(index: number, stream: number): number {
  return mix32(mix32(index + 0x5eed) ^ Math.imul(stream + 1, 0x9e3779b1));
}

export type Weighted<T> = readonly (readonly [T, number])[];

export class Rng {
  private readonly source: () => number;
  constructor(seed: number) {
    this.source = mulberry32(seed);
  }
  /** A float in [0, 1). */
  next(): number {
    return this.source();
  }
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.source() * (max - min + 1));
  }
  /** A float in [min, max). */
  range(min: number, max: number): number {
    return min + this.source() * (max - min);
  }
  /** Log-uniform in [min, max): money amounts spread over orders of magnitude. */
  logRange(min: number, max: number): number {
    return Math.exp(Math.log(min) + this.source() * (Math.log(max) - Math.log(min)));
  }
  chance(p: number): boolean {
    return this.source() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.source() * items.length)];
  }
  weighted<T>(items: Weighted<T>): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.source() * total;
    for (const [value, w] of items) {
      r -= w;
      if (r < 0) return value;
    }
    return items[items.length - 1][0];
  }
  /** k distinct items, in the order drawn. */
  sample<T>(items: readonly T[], k: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < k && pool.length > 0) {
      out.push(pool.splice(Math.floor(this.source() * pool.length), 1)[0]);
    }
    return out;
  }
  /** A digit string of the given length. */
  digits(length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += Math.floor(this.source() * 10);
    return s;
  }
}

// ── Calendar: everything is China Standard Time (UTC+8), times as epoch milliseconds. ──

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
const CST = 8 * HOUR;

/** Midnight (CST) of a `YYYY-MM-DD` date. */
export function day(iso: string): number {
  return Date.parse(`${iso}T00:00:00+08:00`);
}

const isoDates = new Map<number, string>();

/** The CST calendar date of an instant, as `YYYY-MM-DD` (memoised: the seed has few days). */
export function isoDate(ms: number): string {
  const midnight = Math.floor((ms + CST) / DAY);
  let text = isoDates.get(midnight);
  if (text === undefined) {
    text = new Date(midnight * DAY).toISOString().slice(0, 10);
    isoDates.set(midnight, text);
  }
  return text;
}

/** Midnight (CST) of the day an instant falls on. */
export function startOfDay(ms: number): number {
  return Math.floor((ms + CST) / DAY) * DAY - CST;
}

/** Same day of month `months` later (clamped to the month's last day). */
export function addMonths(ms: number, months: number): number {
  const d = new Date(startOfDay(ms) + CST);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay)) - CST;
}

export function yearOf(ms: number): number {
  return new Date(ms + CST).getUTCFullYear();
}

/** A random day (midnight CST) in [from, to], both taken as days. */
export function randomDay(rng: Rng, from: number, to: number): number {
  const a = startOfDay(from);
  const b = startOfDay(to);
  if (b <= a) return a;
  return a + rng.int(0, Math.round((b - a) / DAY)) * DAY;
}

/** A random instant during office hours (08:30–18:30 CST) of the given day. */
export function officeHours(rng: Rng, dayMs: number): number {
  return startOfDay(dayMs) + 8.5 * HOUR + rng.int(0, 10 * 60 - 1) * 60_000 + rng.int(0, 59) * 1000;
}

export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * A bijection of [0, n) that scatters consecutive integers (n ≤ 2^bits, bits ≤ 30): an invertible
 * mix on bits-wide words, cycle-walked until it lands below n. Unique ids that do not look serial.
 */
export function scatter(x: number, n: number, bits: number, key: number): number {
  const mask = 2 ** bits - 1;
  const shiftA = Math.ceil(bits / 2);
  const shiftB = Math.floor(bits / 3);
  let y = x;
  do {
    y = (Math.imul(y, 0x2c1b3c6d) + key) & mask;
    y ^= y >>> shiftA;
    y = Math.imul(y, 0x297a2d39) & mask;
    y ^= y >>> shiftB;
  } while (y >= n);
  return y;
}
