import { and, asc, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import * as clock from '../../kernel/clock.js';
import type { Db } from '../../kernel/db.js';
import { badInput, conflict } from '../../kernel/errors.js';
import { groupLoader } from '../../kernel/loader.js';
import { fenToYuan } from '../../kernel/money.js';
import { pageOf } from '../../kernel/pagination.js';
import { applyRate, largestRemainder, minRate, rateMillionths } from '../apportion.js';
import { bankEvaluations, bankEvaluationScores } from '../evaluation/index.js';
import type {
  ComputeSubsidiesInput,
  InterestSubsidyFilter,
  Resolvers,
} from '../generated/resolvers.js';
import { bankRewards, interestSubsidies, subsidyPeriods } from './tables.js';
import { ledgerScope, MAX_LEDGER_AMOUNT_FEN, requireFinanceOffice } from '../workflow-scope.js';

export type SubsidyPeriodRow = typeof subsidyPeriods.$inferSelect;
export type InterestSubsidyRow = typeof interestSubsidies.$inferSelect;
export type BankRewardRow = typeof bankRewards.$inferSelect;

const DAY_MS = 86_400_000;
/** A period is at most a year (a leap year's 366 days). */
const MAX_PERIOD_DAYS = 366;

interface RewardEvaluation {
  id: string;
  scores: Map<string, string>;
}

interface NewLoan {
  loanId: string;
  bankId: string;
  enterpriseId: string;
  principalFen: number;
  rate: string | null;
  disbursedOn: string;
}

/**
 * 财政奖补 (SPEC 三(十二)): per period, interest subsidies (贷款贴息) on the new sci-tech loans and
 * rewards (以奖代补) to the banks that made them.
 *
 * New sci-tech loans are the loans whose disbursement (LOAN_DISBURSED) occurred in the period, to
 * an enterprise admitted to the sci-tech enterprise library (科创企业库) when the period is
 * computed. A loan's subsidy is its principal × the subsidy rate (INTEREST_SUBSIDY_RATE, or the
 * loan's own rate when that is lower: a subsidy never exceeds the interest), rounded down to the
 * fen. The reward budget is split among the banks in proportion to their new sci-tech lending,
 * exactly in fen by largest remainder (equal remainders: the bank id first in order).
 *
 * A period is computed once, in one transaction holding the periods' table lock: asking again for
 * the same dates and budget returns the recorded period; periods never overlap, so no loan is
 * subsidised twice. Reports arriving after a period was computed are not added to it.
 */
/** A period to compute: in order, at most `MAX_PERIOD_DAYS` long, ended, with a sane budget. */
function checkPeriod({ from, to, rewardBudget }: ComputeSubsidiesInput): void {
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days < 1) throw badInput('input.to', `must not be before input.from (${from}), got ${to}`);
  if (days > MAX_PERIOD_DAYS) {
    throw badInput('input.to', `a period is at most ${MAX_PERIOD_DAYS} days, got ${days}`);
  }
  const today = clock.today();
  if (to >= today) {
    throw badInput(
      'input.to',
      `the period must have ended: a day before today (${today}), got ${to}`,
    );
  }
  if (!(rewardBudget >= 0) || rewardBudget > MAX_LEDGER_AMOUNT_FEN) {
    throw badInput(
      'input.rewardBudget',
      `must be at least 0 and at most ${fenToYuan(MAX_LEDGER_AMOUNT_FEN)} yuan, got ${fenToYuan(rewardBudget)}`,
    );
  }
}

/**
 * The same period computed with the same budget before (a replay); a period overlapping it in
 * any other way is a CONFLICT.
 */
async function computedAlready(
  db: Db,
  { from, to, rewardBudget }: ComputeSubsidiesInput,
): Promise<SubsidyPeriodRow | undefined> {
  const [overlapping] = await db
    .select()
    .from(subsidyPeriods)
    .where(and(sql`${subsidyPeriods.fromDate} <= ${to}`, sql`${subsidyPeriods.toDate} >= ${from}`))
    .orderBy(asc(subsidyPeriods.fromDate))
    .limit(1);
  if (!overlapping) return undefined;
  if (overlapping.fromDate === from && overlapping.toDate === to) {
    if (overlapping.rewardBudgetFen !== rewardBudget) {
      throw conflict(
        `the period ${from}–${to} was computed with a reward budget of ${fenToYuan(overlapping.rewardBudgetFen)} yuan; it is not computed again with another`,
      );
    }
    return overlapping;
  }
  throw conflict(
    `the period ${from}–${to} overlaps the period ${overlapping.fromDate}–${overlapping.toDate} computed already`,
  );
}

export class SubsidyLedger {
  readonly rewardsByPeriod = groupLoader(
    (ids) =>
      this.db
        .select()
        .from(bankRewards)
        .where(
          and(
            sql`${bankRewards.periodId} = any(${sql.param([...ids])}::text[])`,
            ledgerScope(this.caller, bankRewards.bankId, null),
          ),
        )
        .orderBy(desc(bankRewards.rewardFen), asc(bankRewards.bankId)),
    (row) => row.periodId,
  );

  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
    private readonly subsidyRate: string,
    /** REWARD_EVALUATION_SHARE: how far the rewards follow the evaluation ("0": not at all). */
    private readonly rewardEvaluationShare = '0',
  ) {}

  /**
   * Computes one ended period's interest subsidies and lending rewards, once: a repeat of the
   * same period and budget returns the first computation, any other overlap is refused.
   */
  async compute(
    input: ComputeSubsidiesInput,
  ): Promise<{ period: SubsidyPeriodRow; replayed: boolean }> {
    requireFinanceOffice(this.caller, 'computes subsidies and rewards');
    checkPeriod(input);
    return this.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      // Computations of periods run one at a time: the overlap check sees every committed period.
      await db.execute(sql`lock table ${subsidyPeriods} in share row exclusive mode`);
      const earlier = await computedAlready(db, input);
      if (earlier) return { period: earlier, replayed: true };
      const loans = await this.newSciTechLoans(db, input.from, input.to);
      const evaluation = await this.evaluationScores(db, input);
      return { period: await this.writePeriod(db, input, loans, evaluation), replayed: false };
    });
  }

  /**
   * When the rewards follow the evaluation (a share above 0), the scores of the evaluation of
   * exactly the period's months; a reward budget to split without one is a CONFLICT.
   */
  private async evaluationScores(
    db: Db,
    { from, to, rewardBudget }: ComputeSubsidiesInput,
  ): Promise<RewardEvaluation | null> {
    if (rateMillionths(this.rewardEvaluationShare) === 0n) return null;
    const fromMonth = from.slice(0, 7);
    const toMonth = to.slice(0, 7);
    const id = `eval-${fromMonth}-${toMonth}`;
    const whole = from.endsWith('-01') && clock.addDays(to, 1).endsWith('-01');
    const [evaluation] = whole
      ? await db.select().from(bankEvaluations).where(eq(bankEvaluations.id, id))
      : [];
    if (!evaluation) {
      if (rewardBudget === 0) return null;
      throw conflict(
        `rewards follow the banks' evaluation (REWARD_EVALUATION_SHARE ${this.rewardEvaluationShare}): evaluate the banks for ${fromMonth}–${toMonth} (evaluateBanks) first, over whole months from ${from} to ${to}`,
      );
    }
    const scores = await db
      .select({ bankId: bankEvaluationScores.bankId, score: bankEvaluationScores.score })
      .from(bankEvaluationScores)
      .where(eq(bankEvaluationScores.evaluationId, id));
    return { id, scores: new Map(scores.map((row) => [row.bankId, row.score])) };
  }

  /**
   * A bank's weight in the reward split: its new lending, times (1 − s) + s × score ÷ 100 when the
   * rewards follow the evaluation (s the share; a bank not evaluated scores 0). Integers only:
   * s in millionths, the score in hundredths.
   */
  private rewardWeight(lendingFen: number, score: string | undefined | null): bigint {
    const share = rateMillionths(this.rewardEvaluationShare);
    const hundredths = score ? BigInt(Math.round(Number(score) * 100)) : 0n;
    return BigInt(lendingFen) * ((1_000_000n - share) * 10_000n + share * hundredths);
  }

  /** The period's subsidies, loan by loan, and the reward budget apportioned by new lending. */
  private async writePeriod(
    db: Db,
    { from, to, rewardBudget }: ComputeSubsidiesInput,
    loans: NewLoan[],
    evaluation: RewardEvaluation | null,
  ): Promise<SubsidyPeriodRow> {
    const subsidies = loans.map((loan) => {
      const rate = loan.rate ? minRate(this.subsidyRate, loan.rate) : this.subsidyRate;
      return { ...loan, subsidyRate: rate, subsidyFen: applyRate(loan.principalFen, rate) };
    });
    const byBank = new Map<string, { lendingFen: number; loans: number }>();
    for (const loan of loans) {
      const bank = byBank.get(loan.bankId) ?? { lendingFen: 0, loans: 0 };
      bank.lendingFen += loan.principalFen;
      bank.loans += 1;
      byBank.set(loan.bankId, bank);
    }
    const banks = [...byBank.keys()].sort();
    const rewards = largestRemainder(
      rewardBudget,
      banks.map((bank) =>
        evaluation
          ? this.rewardWeight(byBank.get(bank)!.lendingFen, evaluation.scores.get(bank))
          : byBank.get(bank)!.lendingFen,
      ),
    );

    const id = `sub-${from}-${to}`;
    const [period] = await db
      .insert(subsidyPeriods)
      .values({
        id,
        fromDate: from,
        toDate: to,
        subsidyRate: this.subsidyRate,
        rewardBudgetFen: rewardBudget,
        newLendingFen: loans.reduce((sum, loan) => sum + loan.principalFen, 0),
        subsidyTotalFen: subsidies.reduce((sum, s) => sum + s.subsidyFen, 0),
        rewardEvaluationShare: evaluation ? this.rewardEvaluationShare : '0',
        evaluationId: evaluation?.id ?? null,
        computedBy: this.caller.sub,
      })
      .returning();
    if (subsidies.length > 0) {
      await db.insert(interestSubsidies).values(
        subsidies.map((s) => ({
          periodId: id,
          loanId: s.loanId,
          bankId: s.bankId,
          enterpriseId: s.enterpriseId,
          principalFen: s.principalFen,
          loanRate: s.rate,
          subsidyRate: s.subsidyRate,
          subsidyFen: s.subsidyFen,
          disbursedOn: s.disbursedOn,
        })),
      );
    }
    if (banks.length > 0) {
      await db.insert(bankRewards).values(
        banks.map((bankId, i) => ({
          periodId: id,
          bankId,
          newLendingFen: byBank.get(bankId)!.lendingFen,
          loans: byBank.get(bankId)!.loans,
          rewardFen: rewards[i],
          evaluationScore: evaluation ? (evaluation.scores.get(bankId) ?? '0.00') : null,
        })),
      );
    }
    return period;
  }

  /** One row per loan (a loan reported twice under two keys counts once, as first reported). */
  private async newSciTechLoans(db: Db, from: string, to: string): Promise<NewLoan[]> {
    const rows = await db.execute(sql`
      select distinct on (e.loan_id)
        e.loan_id as "loanId", e.bank_id as "bankId", e.enterprise_id as "enterpriseId",
        e.amount_fen::text as "principalFen", e.rate::text as "rate",
        e.occurred_on::text as "disbursedOn"
      from bank_events e
      join enterprise_profiles p on p.enterprise_id = e.enterprise_id
      where e.kind = 'LOAN_DISBURSED' and e.loan_id is not null
        and e.occurred_on between ${from} and ${to}
        and p.library_status = 'ADMITTED'
      order by e.loan_id, e.recorded_at`);
    const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as Record<
      string,
      string | null
    >[];
    return list.map((row) => ({
      loanId: row.loanId!,
      bankId: row.bankId!,
      enterpriseId: row.enterpriseId!,
      principalFen: Number(row.principalFen),
      rate: row.rate,
      disbursedOn: row.disbursedOn!,
    }));
  }

  async periods(limit: number, after?: string): Promise<SubsidyPeriodRow[]> {
    return this.db
      .select()
      .from(subsidyPeriods)
      .where(after ? lt(subsidyPeriods.id, after) : undefined)
      .orderBy(desc(subsidyPeriods.id))
      .limit(limit + 1);
  }

  async subsidies(
    filter: InterestSubsidyFilter,
    limit: number,
    after?: string,
  ): Promise<InterestSubsidyRow[]> {
    const s = interestSubsidies;
    return this.db
      .select()
      .from(s)
      .where(
        and(
          ledgerScope(this.caller, s.bankId, s.enterpriseId),
          filter.periodId ? eq(s.periodId, filter.periodId) : undefined,
          filter.bankId ? eq(s.bankId, filter.bankId) : undefined,
          filter.enterpriseId ? eq(s.enterpriseId, filter.enterpriseId) : undefined,
          after ? gt(s.loanId, after) : undefined,
        ),
      )
      .orderBy(asc(s.loanId))
      .limit(limit + 1);
  }
}

export const subsidyResolvers: Resolvers = {
  Query: {
    subsidyPeriods: (_, args, { subsidies, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => subsidies.periods(limit, after),
        (row) => row.id,
      ),
    interestSubsidies: (_, args, { subsidies, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => subsidies.subsidies(args.filter ?? {}, limit, after),
        (row) => row.loanId,
      ),
  },
  Mutation: {
    computeSubsidies: (_, { input }, { subsidies }) => subsidies.compute(input),
  },
  SubsidyPeriod: {
    from: (row) => row.fromDate,
    to: (row) => row.toDate,
    rewardBudget: (row) => row.rewardBudgetFen,
    newLending: (row) => row.newLendingFen,
    subsidyTotal: (row) => row.subsidyTotalFen,
    rewards: (row, _, { subsidies }) => subsidies.rewardsByPeriod.load(row.id),
  },
  InterestSubsidy: {
    bank: (row) => ({ id: row.bankId }),
    enterprise: (row) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    principal: (row) => row.principalFen,
    subsidy: (row) => row.subsidyFen,
  },
  BankReward: {
    bank: (row) => ({ id: row.bankId }),
    newLending: (row) => row.newLendingFen,
    reward: (row) => row.rewardFen,
  },
};
