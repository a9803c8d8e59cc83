import { and, eq, sql } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import type { Db } from '../../kernel/db.js';
import { badInput, conflict, forbidden } from '../../kernel/errors.js';
import { groupLoader } from '../../kernel/loader.js';
import { inReadScope } from '../../kernel/scope.js';
import { optionalText } from '../../kernel/text.js';
import type { Resolvers } from '../generated/resolvers.js';
import { needScope } from '../repository.js';
import { statisticsScope } from '../statistics/index.js';
import { financingNeeds } from '../tables.js';
import { serviceRatings } from './tables.js';

export type ServiceRatingRow = typeof serviceRatings.$inferSelect;

/** A bank's ratings over a range of months: count, mean to two decimals, and per score 1–5. */
export interface BankRatingRow {
  bankId: string;
  ratings: number;
  scoreSum: number;
  mean: string | null;
  distribution: number[];
}

export type RatingTotalsRow = BankRatingRow & { banks: number };

/** Needs that have closed: only these can be rated. */
export const CLOSED_STATUSES = ['DISBURSED', 'DECLINED', 'WITHDRAWN'] as const;
/**
 * The fewest ratings a bank is shown in one month, and the fewest the evaluation scores on: with
 * fewer, the bank could tell from the aggregate what a given enterprise said.
 */
export const RATING_MINIMUM = 3;
const MAX_COMMENT = 500;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** `sum ÷ count` to two decimals, rounded half up, in integers. */
export function meanOf(sum: number, count: number): string | null {
  if (count === 0) return null;
  const hundredths = Math.floor((200 * sum + count) / (2 * count));
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
}

/** The instant a month (YYYY-MM) begins in Xianning time, as SQL. */
export function monthStart(month: string): ReturnType<typeof sql> {
  return sql`(${`${month}-01`}::date::timestamp at time zone 'Asia/Shanghai')`;
}

/** The instant after a month (YYYY-MM) ends in Xianning time, as SQL. */
export function monthAfter(month: string): ReturnType<typeof sql> {
  return sql`((${`${month}-01`}::date + interval '1 month')::timestamp at time zone 'Asia/Shanghai')`;
}

/**
 * Ratings per bank and month (by when each was given) from `from` to `to`, one bank or all; with
 * `minimum`, months with fewer ratings than that are left out of a bank's sums.
 */
export async function ratingsByBank(
  db: Db,
  from: string,
  to: string,
  bankId: string | null,
  minimum: number,
): Promise<BankRatingRow[]> {
  const result = await db.execute(sql`
    select bank_id, to_char(rated_at at time zone 'Asia/Shanghai', 'YYYY-MM') as month,
      count(*)::int as ratings, sum(score)::int as score_sum,
      array[count(*) filter (where score = 1), count(*) filter (where score = 2),
            count(*) filter (where score = 3), count(*) filter (where score = 4),
            count(*) filter (where score = 5)]::int[] as distribution
    from ${serviceRatings}
    where rated_at >= ${monthStart(from)} and rated_at < ${monthAfter(to)}
      ${bankId === null ? sql`` : sql`and bank_id = ${bankId}`}
    group by bank_id, month
    order by bank_id, month`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
    bank_id: string;
    ratings: number;
    score_sum: number;
    distribution: number[];
  }[];
  const banks = new Map<string, BankRatingRow>();
  for (const row of rows) {
    const bank = banks.get(row.bank_id) ?? {
      bankId: row.bank_id,
      ratings: 0,
      scoreSum: 0,
      mean: null,
      distribution: [0, 0, 0, 0, 0],
    };
    banks.set(row.bank_id, bank);
    if (Number(row.ratings) < minimum) continue;
    bank.ratings += Number(row.ratings);
    bank.scoreSum += Number(row.score_sum);
    bank.distribution = bank.distribution.map((n, i) => n + Number(row.distribution[i]));
  }
  return [...banks.values()].map((bank) => ({
    ...bank,
    mean: meanOf(bank.scoreSum, bank.ratings),
  }));
}

function checkMonths(from: string, to: string): void {
  if (!MONTH.test(from)) {
    throw badInput('fromMonth', `a month as YYYY-MM (e.g. 2026-01), got "${from}"`);
  }
  if (!MONTH.test(to)) throw badInput('toMonth', `a month as YYYY-MM (e.g. 2026-03), got "${to}"`);
  if (to < from) throw badInput('toMonth', `must not be before fromMonth (${from}), got ${to}`);
}

/**
 * 四(三) the enterprise's voice: once its need closes, the enterprise rates the service of the
 * bank that served it, once. Banks see their own aggregate only.
 */
export class ServiceRatings {
  readonly byNeed = groupLoader(
    (needIds) =>
      this.db
        .select()
        .from(serviceRatings)
        .where(sql`${serviceRatings.needId} = any(${sql.param([...needIds])}::text[])`),
    (row) => row.needId,
  );

  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {}

  /**
   * The need is looked up in the enterprise's read scope first (another's need is NOT_FOUND like a
   * missing one); then its state (closed), the bank it rates, and once only (CONFLICT).
   */
  async rate(needId: string, score: number, comment?: string | null): Promise<ServiceRatingRow> {
    if (this.caller.party !== 'enterprise' || !this.caller.org) {
      throw forbidden('only the enterprise that submitted a need rates its bank');
    }
    if (!Number.isInteger(score) || score < 1 || score > 5) {
      throw badInput('score', `a whole number from 1 to 5, got ${score}`);
    }
    const text = optionalText(comment, 'comment', MAX_COMMENT);
    const need = await inReadScope(
      this.db
        .select()
        .from(financingNeeds)
        .where(and(eq(financingNeeds.id, needId), needScope(this.caller))),
      'financing need',
      needId,
    );
    if (!(CLOSED_STATUSES as readonly string[]).includes(need.status)) {
      throw conflict(
        `financing need "${needId}" is ${need.status}: a need is rated once it closes (${CLOSED_STATUSES.join(', ')})`,
      );
    }
    const bankId = await this.servingBank(need.id, need.mainBankId);
    if (!bankId)
      throw conflict(`no bank served financing need "${needId}": there is no service to rate`);
    const [row] = await this.db
      .insert(serviceRatings)
      .values({
        needId: need.id,
        enterpriseId: need.enterpriseId,
        bankId,
        needStatus: need.status,
        score,
        comment: text,
        ratedBy: this.caller.sub,
      })
      .onConflictDoNothing()
      .returning();
    if (!row)
      throw conflict(`financing need "${needId}" has been rated already: a need is rated once`);
    return row;
  }

  /**
   * The bank rated: the need's main bank when it closed; when the bank gave the need back before
   * it closed, the last bank that served it (reported a write on it, answered its assignment or
   * claimed it).
   */
  private async servingBank(needId: string, mainBankId: string | null): Promise<string | null> {
    if (mainBankId) return mainBankId;
    const result = await this.db.execute(sql`
      select bank_id from (
        select bank_id, recorded_at as at from bank_events where need_id = ${needId}
        union all select bank_id, answered_at from need_feedback where need_id = ${needId}
        union all select bank_id, claimed_at from need_claims where need_id = ${needId}
      ) served order by at desc, bank_id limit 1`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
      bank_id: string;
    }[];
    return rows[0]?.bank_id ?? null;
  }

  /**
   * Aggregates from `from` to `to` (months): `stats:read` every bank rated and the city, every
   * rating counted; `stats:own` a bank its own row, counting only the months in which it had at
   * least RATING_MINIMUM ratings.
   */
  async aggregates(from: string, to: string) {
    checkMonths(from, to);
    const scope = statisticsScope(this.caller);
    if (scope.rows === null) return { fromMonth: from, toMonth: to, banks: null, cityTotals: null };
    if (scope.rows === 'all') {
      const banks = await ratingsByBank(this.db, from, to, null, 0);
      return { fromMonth: from, toMonth: to, banks, cityTotals: cityOf(banks) };
    }
    const [own] = await ratingsByBank(this.db, from, to, scope.rows, RATING_MINIMUM);
    const empty = {
      bankId: scope.rows,
      ratings: 0,
      scoreSum: 0,
      mean: null,
      distribution: [0, 0, 0, 0, 0],
    };
    return { fromMonth: from, toMonth: to, banks: [own ?? empty], cityTotals: null };
  }
}

function cityOf(banks: BankRatingRow[]): RatingTotalsRow {
  const ratings = banks.reduce((n, bank) => n + bank.ratings, 0);
  const scoreSum = banks.reduce((n, bank) => n + bank.scoreSum, 0);
  return {
    bankId: '',
    banks: banks.length,
    ratings,
    scoreSum,
    mean: meanOf(scoreSum, ratings),
    distribution: [0, 1, 2, 3, 4].map((i) =>
      banks.reduce((n, bank) => n + bank.distribution[i], 0),
    ),
  };
}

export const ratingResolvers: Resolvers = {
  Query: {
    serviceRatings: (_, { fromMonth, toMonth }, { ratings }) =>
      ratings.aggregates(fromMonth, toMonth),
  },
  Mutation: {
    rateService: async (_, { needId, score, comment }, { ratings }) => ({
      rating: await ratings.rate(needId, score, comment),
    }),
  },
  FinancingNeed: {
    serviceRating: async (need, _, { ratings }) => (await ratings.byNeed.load(need.id))[0] ?? null,
  },
  ServiceRating: {
    bank: (row) => ({ id: row.bankId }),
  },
  BankServiceRating: {
    bank: (row) => ({ id: row.bankId }),
  },
};
