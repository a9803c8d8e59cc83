/**
 * The business clock. The exchange serves Xianning: a business date is a calendar date in
 * Asia/Shanghai (UTC+8, no daylight saving), whatever zone the server runs in, so a bank giving
 * today's date at 01:00 Beijing time is not told it lies in the future.
 */
export interface Clock {
  now(): Date;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const systemClock: Clock = { now: () => new Date() };
let clock: Clock = systemClock;

/**
 * Replaces the clock until the returned function is called; for tests, which fix the instant to
 * see what a given hour of the day does.
 */
export function setClock(replacement: Clock): () => void {
  clock = replacement;
  return () => {
    clock = systemClock;
  };
}

/** The current instant. */
export function now(): Date {
  return clock.now();
}

/** The business date of an instant, as YYYY-MM-DD. */
export function businessDate(instant: Date | number): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** Today's business date, as YYYY-MM-DD. */
export function today(): string {
  return businessDate(now());
}

/** The year of today's business date. */
export function currentYear(): number {
  return Number(today().slice(0, 4));
}

/** The instant a business date begins: midnight in Asia/Shanghai. */
export function startOfDay(date: string): Date {
  return new Date(`${date}T00:00:00+08:00`);
}

/** A business date `days` later (earlier when negative). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** A business date `months` later; a day past the month's end runs over, as `Date` does. */
export function addMonths(date: string, months: number): string {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCMonth(day.getUTCMonth() + months);
  return day.toISOString().slice(0, 10);
}

/** A business date `years` later; 29 February runs over to 1 March, as `Date` does. */
export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y + years, m - 1, d)).toISOString().slice(0, 10);
}
