import { and, asc, desc, eq, lt, sql } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import * as clock from '../../kernel/clock.js';
import type { EvaluationDimension, EvaluationSettings } from '../../kernel/config.js';
import type { Db } from '../../kernel/db.js';
import { badInput } from '../../kernel/errors.js';
import { groupLoader } from '../../kernel/loader.js';
import { pageOf } from '../../kernel/pagination.js';
import { yuanToFen } from '../../kernel/money.js';
import type { PeerClient } from '../../kernel/peers.js';
import type { EvaluateBanksInput, Resolvers } from '../generated/resolvers.js';
import { RATING_MINIMUM, ratingsByBank } from '../ratings/index.js';
import { ServiceStatistics, statisticsScope } from '../statistics/index.js';
import { requireFinanceOffice } from '../workflow-scope.js';
import { distributionOf, scoreBanks, type BankFigures } from './scoring.js';
import { bankEvaluations, bankEvaluationScores, type RecordedDimension } from './tables.js';

export type EvaluationRow = typeof bankEvaluations.$inferSelect;
export type EvaluationScoreRow = typeof bankEvaluationScores.$inferSelect;

/** A period is at most a year of months. */
const MAX_MONTHS = 12;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

const MONTH_END_BALANCES = `query MonthEndBalances($months: [String!]!) {
  _monthEndBalances(months: $months) { bankId month outstanding }
}`;

/** As the banks subgraph answers: `outstanding` is Money, yuan as a decimal string. */
interface Balance {
  bankId: string;
  month: string;
  outstanding: string;
}

/** A bank's figures as decimal strings (for the record) and numbers (for the scores). */
type Figures = Map<string, Partial<Record<EvaluationDimension, string>>>;

const shiftMonth = (month: string, count: number) =>
  clock.addMonths(`${month}-01`, count).slice(0, 7);
const lastDayOf = (month: string) => clock.addDays(`${shiftMonth(month, 1)}-01`, -1);
const monthsBetween = (from: string, to: string) =>
  (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 +
  Number(to.slice(5)) -
  Number(from.slice(5)) +
  1;

/** A period of whole months that has ended: in order, at most a year. */
function checkPeriod({ fromMonth: from, toMonth: to }: EvaluateBanksInput): void {
  if (!MONTH.test(from)) throw badInput('input.fromMonth', `a month as YYYY-MM, got "${from}"`);
  if (!MONTH.test(to)) throw badInput('input.toMonth', `a month as YYYY-MM, got "${to}"`);
  const span = monthsBetween(from, to);
  if (span < 1) {
    throw badInput('input.toMonth', `must not be before input.fromMonth (${from}), got ${to}`);
  }
  if (span > MAX_MONTHS)
    throw badInput('input.toMonth', `a period is at most ${MAX_MONTHS} months, got ${span}`);
  const latest = shiftMonth(clock.today().slice(0, 7), -1);
  if (to > latest) {
    throw badInput(
      'input.toMonth',
      `the period must have ended: ${latest} at the latest, got ${to}`,
    );
  }
}

const ratio = (numerator: number, denominator: number) =>
  denominator === 0 ? null : (numerator / denominator).toFixed(4);

function put(
  figures: Figures,
  bankId: string,
  dimension: EvaluationDimension,
  value: string | null,
) {
  const bank = figures.get(bankId) ?? {};
  if (value !== null) bank[dimension] = value;
  figures.set(bankId, bank);
}

/**
 * 考核评价 (SPEC 四(二)): each bank's evaluation over a period of whole months. The balance
 * dimensions come from the month-end balances the banks subgraph records, asked within the same
 * request on a delegated peer token (`_monthEndBalances`); the others from this subgraph's own
 * records: first loans from the banks' reported disbursements, new products and the solution SLA
 * from the service statistics, acceptance from 受理回告, and the enterprises' ratings.
 */
export class BankEvaluations {
  readonly scoresByEvaluation = groupLoader(
    (ids) =>
      this.db
        .select()
        .from(bankEvaluationScores)
        .where(
          and(
            sql`${bankEvaluationScores.evaluationId} = any(${sql.param([...ids])}::text[])`,
            this.scoreScope(),
          ),
        )
        .orderBy(asc(bankEvaluationScores.rank), asc(bankEvaluationScores.bankId)),
    (row) => row.evaluationId,
  );

  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
    private readonly settings: EvaluationSettings,
    private readonly peers?: PeerClient,
  ) {}

  /** `stats:read` every bank's row, `stats:own` a bank its own, anyone else none. */
  private scoreScope() {
    const scope = statisticsScope(this.caller);
    if (scope.rows === 'all') return undefined;
    return scope.rows ? eq(bankEvaluationScores.bankId, scope.rows) : sql`false`;
  }

  /** Evaluates the period once; the same period again returns the recorded evaluation. */
  async evaluate(
    input: EvaluateBanksInput,
  ): Promise<{ evaluation: EvaluationRow; replayed: boolean }> {
    requireFinanceOffice(this.caller, 'evaluates the banks');
    checkPeriod(input);
    const id = `eval-${input.fromMonth}-${input.toMonth}`;
    const [earlier] = await this.db
      .select()
      .from(bankEvaluations)
      .where(eq(bankEvaluations.id, id));
    if (earlier) return { evaluation: earlier, replayed: true };
    const figures = await this.figures(input.fromMonth, input.toMonth);
    const banks: BankFigures[] = [...figures].map(([bankId, values]) => ({
      bankId,
      values: Object.fromEntries(
        Object.keys(this.settings.weights).map((d) => {
          const value = values[d as EvaluationDimension];
          return [d, value === undefined ? null : Number(value)];
        }),
      ) as BankFigures['values'],
    }));
    const scores = scoreBanks(banks, this.settings.weights);
    return this.record(id, input, scores, figures);
  }

  private async record(
    id: string,
    { fromMonth, toMonth }: EvaluateBanksInput,
    scores: ReturnType<typeof scoreBanks>,
    figures: Figures,
  ) {
    const distribution = distributionOf(scores);
    return this.db.transaction(async (transaction) => {
      const tx = transaction as unknown as Db;
      const [evaluation] = await tx
        .insert(bankEvaluations)
        .values({
          id,
          fromMonth,
          toMonth,
          weights: this.settings.weights,
          banks: distribution.banks,
          meanScore: distribution.mean,
          histogram: distribution.histogram,
          evaluatedBy: this.caller.sub,
        })
        .onConflictDoNothing()
        .returning();
      // Another evaluation of the same period committed first: it stands.
      if (!evaluation) {
        const [first] = await tx.select().from(bankEvaluations).where(eq(bankEvaluations.id, id));
        return { evaluation: first, replayed: true };
      }
      if (scores.length > 0) {
        await tx.insert(bankEvaluationScores).values(
          scores.map((bank) => ({
            evaluationId: id,
            bankId: bank.bankId,
            score: bank.score,
            rank: bank.rank,
            dimensions: bank.dimensions.map((d): RecordedDimension => ({
              ...d,
              value: figures.get(bank.bankId)?.[d.dimension] ?? null,
            })),
          })),
        );
      }
      return { evaluation, replayed: false };
    });
  }

  /** Every bank's figures over the period, as decimal strings in each dimension's unit. */
  private async figures(from: string, to: string): Promise<Figures> {
    const figures: Figures = new Map();
    await this.balances(figures, from, to);
    const period = { from: `${from}-01`, to: lastDayOf(to) };
    const service = await new ServiceStatistics(this.db, this.caller).banks(period);
    for (const row of service) {
      put(figures, row.bankId, 'NEW_PRODUCTS', String(row.newProducts));
      put(figures, row.bankId, 'SLA', row.slaCompliance);
    }
    for (const [bankId, count] of await this.firstLoans(period.from, period.to)) {
      put(figures, bankId, 'FIRST_LOAN_ENTERPRISES', String(count));
    }
    for (const [bankId, share] of await this.acceptance(from, to)) {
      put(figures, bankId, 'ACCEPTANCE', share);
    }
    for (const bank of await ratingsByBank(this.db, from, to, null, 0)) {
      put(figures, bank.bankId, 'RATINGS', bank.ratings >= RATING_MINIMUM ? bank.mean : null);
    }
    // Counts are figures every bank has, zero when it did nothing.
    for (const bank of figures.values()) {
      bank.NEW_PRODUCTS ??= '0';
      bank.FIRST_LOAN_ENTERPRISES ??= '0';
    }
    return figures;
  }

  /** The balance at the period's close, and its growth since the close of the month before. */
  private async balances(figures: Figures, from: string, to: string): Promise<void> {
    if (!this.peers) throw new Error('the evaluation asks the banks subgraph for balances');
    const before = shiftMonth(from, -1);
    const { _monthEndBalances: rows } = await this.peers.request<{ _monthEndBalances: Balance[] }>(
      'banks',
      MONTH_END_BALANCES,
      { months: [before, to] },
    );
    const closing = rows.filter((row) => row.month === to);
    if (closing.length === 0) {
      throw badInput(
        'input.toMonth',
        `no month-end balances were recorded for ${to} (recordMonthEndBalances, at the month's close)`,
      );
    }
    const opening = new Map(
      rows
        .filter((row) => row.month === before)
        .map((row) => [row.bankId, yuanToFen(row.outstanding, 'outstanding')]),
    );
    for (const row of closing) {
      put(figures, row.bankId, 'BALANCE', row.outstanding);
      const end = yuanToFen(row.outstanding, 'outstanding');
      const start = opening.get(row.bankId);
      put(figures, row.bankId, 'BALANCE_GROWTH', start ? ratio(end - start, start) : null);
    }
  }

  /** 首贷户: enterprises whose first-ever loan each bank disbursed in the period, as reported. */
  private async firstLoans(from: string, to: string): Promise<Map<string, number>> {
    const rows = await this.rows(sql`
      select bank_id, count(distinct enterprise_id)::int as n from bank_events
      where kind = 'LOAN_DISBURSED' and first_loan and occurred_on between ${from} and ${to}
      group by bank_id`);
    return new Map(rows.map((row) => [String(row.bank_id), Number(row.n)]));
  }

  /** 受理回告: the share of each bank's answers to assignments in the period that accepted. */
  private async acceptance(from: string, to: string): Promise<Map<string, string | null>> {
    const rows = await this.rows(sql`
      select bank_id, count(*) filter (where accepted)::int as accepted, count(*)::int as answers
      from need_feedback
      where answered_at >= (${`${from}-01`}::date::timestamp at time zone 'Asia/Shanghai')
        and answered_at < ((${`${to}-01`}::date + interval '1 month')::timestamp at time zone 'Asia/Shanghai')
      group by bank_id`);
    return new Map(
      rows.map((row) => [String(row.bank_id), ratio(Number(row.accepted), Number(row.answers))]),
    );
  }

  private async rows(query: ReturnType<typeof sql>): Promise<Record<string, unknown>[]> {
    const result = await this.db.execute(query);
    return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<
      string,
      unknown
    >[];
  }

  async evaluation(id: string): Promise<EvaluationRow | null> {
    if (statisticsScope(this.caller).rows === null) return null;
    const [row] = await this.db.select().from(bankEvaluations).where(eq(bankEvaluations.id, id));
    return row ?? null;
  }

  async list(limit: number, after?: string): Promise<EvaluationRow[]> {
    if (statisticsScope(this.caller).rows === null) return [];
    return this.db
      .select()
      .from(bankEvaluations)
      .where(after ? lt(bankEvaluations.id, after) : undefined)
      .orderBy(desc(bankEvaluations.id))
      .limit(limit + 1);
  }
}

export const evaluationResolvers: Resolvers = {
  Query: {
    bankEvaluation: (_, { id }, { evaluations }) => evaluations.evaluation(id),
    bankEvaluations: (_, args, { evaluations, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => evaluations.list(limit, after),
        (row) => row.id,
      ),
  },
  Mutation: {
    evaluateBanks: (_, { input }, { evaluations }) => evaluations.evaluate(input),
  },
  BankEvaluation: {
    weights: (row) =>
      Object.entries(row.weights).map(([dimension, weight]) => ({
        dimension: dimension as EvaluationDimension,
        weight,
      })),
    scores: (row, _, { evaluations }) => evaluations.scoresByEvaluation.load(row.id),
    distribution: (row) => ({ banks: row.banks, mean: row.meanScore, histogram: row.histogram }),
  },
  BankEvaluationScore: {
    bank: (row) => ({ id: row.bankId }),
    dimensions: (row) =>
      row.dimensions.map((d) => ({ ...d, dimension: d.dimension as EvaluationDimension })),
  },
};
