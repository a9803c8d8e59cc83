import { currentYear } from '../../kernel/clock.js';
import { badInput } from '../../kernel/errors.js';
import { loadExisting } from '../../kernel/loader.js';
import type { Resolvers } from '../generated/resolvers.js';
import type { BanksRepository, StatisticsRow } from '../repository.js';
import { checkPeriod } from '../statistics/index.js';

/**
 * (new − old) ÷ old to `places` decimals, rounded half away from zero, in exact integer
 * arithmetic over fen; null when there is nothing to compare with.
 */
export function growth(current: string, previous: string, places = 4): string | null {
  const now = BigInt(current);
  const then = BigInt(previous);
  if (then === 0n) return null;
  const scale = 10n ** BigInt(places);
  const numerator = (now - then) * scale;
  const negative = numerator < 0n !== then < 0n;
  const abs = (n: bigint) => (n < 0n ? -n : n);
  const rounded = (2n * abs(numerator) + abs(then)) / (2n * abs(then));
  const whole = rounded / scale;
  const fraction = (rounded % scale).toString().padStart(places, '0');
  return `${negative && rounded !== 0n ? '-' : ''}${whole}.${fraction}`;
}

function compare(current: StatisticsRow, previous: StatisticsRow) {
  return {
    bankId: current.bankId,
    current,
    previous,
    loansDisbursedAmountGrowth: growth(current.loansDisbursedFen, previous.loansDisbursedFen),
    creditLinesApprovedAmountGrowth: growth(
      current.creditLinesApprovedFen,
      previous.creditLinesApprovedFen,
    ),
  };
}

/** One row of a comparison, as `CreditComparisonRow` and `CreditComparisonTotals` receive it. */
export type Comparison = ReturnType<typeof compare>;
type Period = readonly [from: string, to: string];

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The same dates a year earlier; 29 February becomes the 28th. */
function yearEarlier(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const day = m === 2 && d === 29 ? 28 : d;
  return `${y - 1}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Two periods' statistics, two statements, paired bank by bank. */
async function comparePeriods(repository: BanksRepository, current: Period, previous: Period) {
  const [now, then] = await Promise.all([
    repository.creditStatistics(...current),
    repository.creditStatistics(...previous),
  ]);
  const earlier = new Map(then.banks?.map((row) => [row.bankId, row]));
  return {
    from: current[0],
    to: current[1],
    previousFrom: previous[0],
    previousTo: previous[1],
    // Both periods list the same banks: every bank the caller may see, active or not.
    banks: now.banks?.map((row) => compare(row, earlier.get(row.bankId)!)) ?? null,
    cityTotals: now.totals && then.totals ? compare(now.totals, then.totals) : null,
  };
}

export const earlySpringResolvers: Resolvers = {
  Query: {
    earlySpring: (_, { year }, { repository }) => {
      const latest = currentYear() + 1;
      if (!Number.isInteger(year) || year < 2000 || year > latest) {
        throw badInput('year', `a year from 2000 to ${latest}`);
      }
      const quarter = (y: number): Period => [`${y}-01-01`, `${y}-03-31`];
      return comparePeriods(repository, quarter(year), quarter(year - 1));
    },
    creditGrowth: (_, { from, to, against }, { repository }) => {
      const days = checkPeriod(from, to);
      const previous: Period =
        against === 'SAME_PERIOD_LAST_YEAR'
          ? [yearEarlier(from), yearEarlier(to)]
          : [isoDay(Date.parse(from) - (days + 1) * DAY_MS), isoDay(Date.parse(from) - DAY_MS)];
      return comparePeriods(repository, [from, to], previous);
    },
  },
  CreditComparisonRow: {
    bank: (row, _, { loaders }) => loadExisting(loaders.bank, row.bankId!, 'bank'),
  },
};
