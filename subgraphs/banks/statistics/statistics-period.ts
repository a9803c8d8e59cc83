import { badInput } from '../../kernel/errors.js';

/** A statistics period spans at most this many days (ten years): enough for any trend. */
const MAX_PERIOD_DAYS = 3_653;

/** Checks a period (both ends inclusive) and returns its length in days, less one. */
export function checkPeriod(from: string, to: string): number {
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
  if (days < 0) throw badInput('to', `must not be before from (${from})`);
  if (days > MAX_PERIOD_DAYS) throw badInput('to', 'the period spans at most ten years');
  return days;
}
