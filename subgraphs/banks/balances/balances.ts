import { and, asc, eq, gte, lte, sql } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import * as clock from '../../kernel/clock.js';
import type { Db } from '../../kernel/db.js';
import { badInput, forbidden } from '../../kernel/errors.js';
import { loadExisting } from '../../kernel/loader.js';
import { growth } from '../early-spring/index.js';
import type { Resolvers } from '../generated/resolvers.js';
import { statisticsScope } from '../repository.js';
import { banks, loans } from '../tables.js';
import { monthEndBalances } from './tables.js';

export type MonthEndBalanceRow = typeof monthEndBalances.$inferSelect;
/** A bank's month-end balance with its growth over the month before (null: nothing to compare). */
export type BalanceWithGrowth = MonthEndBalanceRow & { growth: string | null };

export interface CityMonthEndBalance {
  month: string;
  monthEnd: string;
  outstandingFen: number;
  loans: number;
  banks: number;
  growth: string | null;
}

/** Ten years of months: a history long enough for any trend, short enough to bound the read. */
const MAX_MONTHS = 120;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A month as YYYY-MM; `field` names the argument when it is not one. */
export function parseMonth(value: string, field: string): string {
  if (!MONTH.test(value))
    throw badInput(field, `a month as YYYY-MM (e.g. 2026-03), got "${value}"`);
  return value;
}

/** The month `count` months after `month` (before it when negative). */
export function shiftMonth(month: string, count: number): string {
  return clock.addMonths(`${month}-01`, count).slice(0, 7);
}

/** The last day of a month, as YYYY-MM-DD. */
export function lastDayOf(month: string): string {
  return clock.addDays(`${shiftMonth(month, 1)}-01`, -1);
}

/** The month that ended last: the one before today's (Xianning time). */
export function lastEndedMonth(): string {
  return shiftMonth(clock.today().slice(0, 7), -1);
}

/** Months from `from` to `to`, both included. */
function monthsBetween(from: string, to: string): number {
  const [fy, fm] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  return (ty - fy) * 12 + (tm - fm) + 1;
}

/** Adds each row's growth over the same bank's row of the month before, when there is one. */
function withGrowth(rows: MonthEndBalanceRow[]): BalanceWithGrowth[] {
  const byKey = new Map(rows.map((row) => [`${row.bankId}/${row.month}`, row]));
  return rows.map((row) => {
    const before = byKey.get(`${row.bankId}/${shiftMonth(row.month, -1)}`);
    const change = before
      ? growth(String(row.outstandingFen), String(before.outstandingFen))
      : null;
    return { ...row, growth: change };
  });
}

function cityTotals(rows: MonthEndBalanceRow[], from: string): CityMonthEndBalance[] {
  const months = new Map<string, CityMonthEndBalance>();
  for (const row of rows) {
    const total = months.get(row.month) ?? {
      month: row.month,
      monthEnd: row.monthEnd,
      outstandingFen: 0,
      loans: 0,
      banks: 0,
      growth: null,
    };
    total.outstandingFen += row.outstandingFen;
    total.loans += row.loans;
    total.banks += 1;
    months.set(row.month, total);
  }
  const totals = [...months.values()];
  for (const total of totals) {
    const before = months.get(shiftMonth(total.month, -1));
    if (before) total.growth = growth(String(total.outstandingFen), String(before.outstandingFen));
  }
  return totals.filter((total) => total.month >= from);
}

/**
 * Month-end balance snapshots (月末余额). The month-end job records a month once, at its close;
 * the statistics and the finance office's evaluation read them back. Who sees which rows follows
 * the credit statistics: `stats:read` every bank, `stats:own` a bank its own, `stats:aggregate`
 * the city's totals only.
 */
export class MonthEndBalances {
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {}

  /**
   * Records every bank's balance for the month just ended, as the loans stand now: principal
   * outstanding on loans disbursed by the month's last day. Balances are current figures, so only
   * the last ended month can be taken (an older month's balance is gone); taking it again changes
   * nothing and answers `replayed`, however many callers race (the key is bank and month).
   */
  async record(
    month: string,
  ): Promise<{ month: string; rows: MonthEndBalanceRow[]; replayed: boolean }> {
    if (this.caller.party !== 'finance_office') {
      throw forbidden('only the finance office runs the month-end job');
    }
    parseMonth(month, 'month');
    const latest = lastEndedMonth();
    const existing = await this.ofMonths([month]);
    if (existing.length > 0) return { month, rows: existing, replayed: true };
    if (month !== latest) {
      throw badInput(
        'month',
        `only the month that ended last (${latest}) can be taken: balances are kept as current figures, got ${month}`,
      );
    }
    const inserted = await takeMonthEndBalances(this.db, month);
    return { month, rows: await this.ofMonths([month]), replayed: inserted === 0 };
  }

  /** The snapshots of these months, every bank's: for the finance subgraph's evaluation. */
  async forEvaluation(months: readonly string[]): Promise<MonthEndBalanceRow[]> {
    if (this.caller.actor !== 'finance') throw forbidden('asked only by the finance subgraph');
    months.forEach((month, i) => parseMonth(month, `months[${i}]`));
    return this.ofMonths(months);
  }

  /** The months from `from` to `to`: the caller's banks, and the city's totals when it may. */
  async history(from: string, to: string) {
    parseMonth(from, 'fromMonth');
    parseMonth(to, 'toMonth');
    const span = monthsBetween(from, to);
    if (span < 1) throw badInput('toMonth', `must not be before fromMonth (${from}), got ${to}`);
    if (span > MAX_MONTHS) throw badInput('toMonth', `at most ${MAX_MONTHS} months, got ${span}`);
    const scope = statisticsScope(this.caller);
    const since = shiftMonth(from, -1);
    const rows = async (bankId: string | null) =>
      this.db
        .select()
        .from(monthEndBalances)
        .where(
          and(
            gte(monthEndBalances.month, since),
            lte(monthEndBalances.month, to),
            bankId ? eq(monthEndBalances.bankId, bankId) : undefined,
          ),
        )
        .orderBy(asc(monthEndBalances.month), asc(monthEndBalances.bankId));
    const all = scope.rows === 'all' || scope.totals ? await rows(null) : [];
    const own = scope.rows !== null && scope.rows !== 'all' ? await rows(scope.rows) : all;
    return {
      fromMonth: from,
      toMonth: to,
      banks: scope.rows === null ? null : withGrowth(own).filter((row) => row.month >= from),
      cityTotals: scope.totals ? cityTotals(all, from) : null,
    };
  }

  private async ofMonths(months: readonly string[]): Promise<MonthEndBalanceRow[]> {
    return this.db
      .select()
      .from(monthEndBalances)
      .where(sql`${monthEndBalances.month} = any(${sql.param([...months])}::text[])`)
      .orderBy(asc(monthEndBalances.month), asc(monthEndBalances.bankId));
  }
}

/**
 * One statement: a row for every bank (zero when it lends nothing), from the loans as they stand.
 * A row already there is kept (`on conflict do nothing`); the count says how many were new.
 */
export async function takeMonthEndBalances(db: Db, month: string): Promise<number> {
  const end = lastDayOf(month);
  const inserted = await db
    .insert(monthEndBalances)
    .select(
      db
        .select({
          bankId: banks.id,
          month: sql<string>`${month}::text`.as('month'),
          monthEnd: sql<string>`${end}::date`.as('month_end'),
          outstandingFen: sql<number>`coalesce(sum(${loans.outstandingFen}), 0)::bigint`.as(
            'outstanding_fen',
          ),
          loans: sql<number>`count(${loans.id})::int`.as('loans'),
          enterprises: sql<number>`count(distinct ${loans.enterpriseId})::int`.as('enterprises'),
          takenAt: sql<Date>`now()`.as('taken_at'),
        })
        .from(banks)
        .leftJoin(
          loans,
          and(
            eq(loans.bankId, banks.id),
            sql`${loans.outstandingFen} > 0`,
            lte(loans.disbursedOn, end),
          ),
        )
        .groupBy(banks.id),
    )
    .onConflictDoNothing()
    .returning({ bankId: monthEndBalances.bankId });
  return inserted.length;
}

/**
 * The month-end balances of the `months` months before the one `today` falls in, reconstructed
 * from the loans as they stand on `today`: for the seed, which writes loans with today's balances
 * only. A loan's principal repaid so far is taken to have been repaid evenly from its
 * disbursement to `today` (a repaid loan: to its maturity, if earlier), so the history grows as
 * the loans were made and paid down. Months already recorded are kept.
 */
export async function reconstructMonthEndBalances(
  db: Db,
  today: string,
  months: number,
): Promise<void> {
  const first = `${shiftMonth(today.slice(0, 7), -months)}-01`;
  const last = `${shiftMonth(today.slice(0, 7), -1)}-01`;
  await db.execute(sql`
    with months as (
      select to_char(m, 'YYYY-MM') as month, (m + interval '1 month' - interval '1 day')::date as month_end
      from generate_series(${first}::date, ${last}::date, interval '1 month') as m
    ), balances as (
      select ${loans.bankId} as bank_id, ${loans.enterpriseId} as enterprise_id, months.month,
        months.month_end,
        ${loans.amountFen} - ((${loans.amountFen} - ${loans.outstandingFen}) * least(1,
          (months.month_end - ${loans.disbursedOn})::numeric / greatest(1,
            (case when ${loans.status} = 'REPAID' then least(${loans.maturesOn}, ${today}::date)
                  else ${today}::date end) - ${loans.disbursedOn})))::bigint as outstanding_fen
      from ${loans} join months on ${loans.disbursedOn} <= months.month_end
    )
    insert into ${monthEndBalances} (bank_id, month, month_end, outstanding_fen, loans, enterprises, taken_at)
    select ${banks.id}, months.month, months.month_end,
      coalesce(sum(b.outstanding_fen) filter (where b.outstanding_fen > 0), 0),
      (count(*) filter (where b.outstanding_fen > 0))::int,
      (count(distinct b.enterprise_id) filter (where b.outstanding_fen > 0))::int,
      (months.month_end + 1)::timestamp at time zone 'Asia/Shanghai'
    from ${banks} cross join months
    left join balances b on b.bank_id = ${banks.id} and b.month = months.month
    group by ${banks.id}, months.month, months.month_end
    on conflict do nothing`);
}

export const balanceResolvers: Resolvers = {
  Query: {
    monthEndBalances: (_, { fromMonth, toMonth }, { balances }) =>
      balances.history(fromMonth, toMonth),
    _monthEndBalances: async (_, { months }, { balances }) =>
      withGrowth(await balances.forEvaluation(months)),
  },
  Mutation: {
    recordMonthEndBalances: async (_, { month }, { balances }) => {
      const { rows, replayed } = await balances.record(month);
      return { month, monthEnd: lastDayOf(month), balances: withGrowth(rows), replayed };
    },
  },
  BankMonthEndBalance: {
    bank: (row, _, { loaders }) => loadExisting(loaders.bank, row.bankId, 'bank'),
    outstanding: (row) => row.outstandingFen,
  },
  CityMonthEndBalance: {
    outstanding: (row) => row.outstandingFen,
  },
};
