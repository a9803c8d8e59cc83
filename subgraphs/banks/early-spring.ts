import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { badInput } from '../shared/errors.js';
import type { BanksContext } from './index.js';
import type { StatisticsRow } from './repository.js';

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
    thisYear: current,
    previousYear: previous,
    loansDisbursedAmountGrowth: growth(current.loansDisbursedFen, previous.loansDisbursedFen),
    creditLinesApprovedAmountGrowth: growth(
      current.creditLinesApprovedFen,
      previous.creditLinesApprovedFen,
    ),
  };
}

type Comparison = ReturnType<typeof compare>;

export const earlySpringResolvers: GraphQLResolverMap<BanksContext> = {
  Query: {
    earlySpring: async (_: unknown, { year }: { year: number }, { repository }: BanksContext) => {
      const latest = new Date().getUTCFullYear() + 1;
      if (!Number.isInteger(year) || year < 2000 || year > latest) {
        throw badInput('year', `a year from 2000 to ${latest}`);
      }
      const quarter = (y: number) => [`${y}-01-01`, `${y}-03-31`] as const;
      const [current, previous] = await Promise.all([
        repository.creditStatistics(...quarter(year)),
        repository.creditStatistics(...quarter(year - 1)),
      ]);
      const earlier = new Map(previous.banks?.map((row) => [row.bankId, row]));
      return {
        year,
        from: quarter(year)[0],
        to: quarter(year)[1],
        // Both periods list the same banks: every bank the caller may see, active or not.
        banks: current.banks?.map((row) => compare(row, earlier.get(row.bankId)!)) ?? null,
        cityTotals:
          current.totals && previous.totals ? compare(current.totals, previous.totals) : null,
      };
    },
  },
  EarlySpringBankRow: {
    bank: (row: Comparison, _: unknown, { loaders }: BanksContext) =>
      loaders.bank.load(row.bankId!),
  },
};
