import {
  bigint,
  date,
  index,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * 财政奖补 — one computed period of interest subsidies and bank rewards. A period is computed
 * once: asking again returns it; periods never overlap, so no loan is subsidised twice.
 */
export const subsidyPeriods = pgTable(
  'subsidy_periods',
  {
    id: text('id').primaryKey(),
    fromDate: date('from_date').notNull(),
    toDate: date('to_date').notNull(),
    subsidyRate: numeric('subsidy_rate', { precision: 7, scale: 6 }).notNull(),
    rewardBudgetFen: bigint('reward_budget_fen', { mode: 'number' }).notNull(),
    newLendingFen: bigint('new_lending_fen', { mode: 'number' }).notNull(),
    subsidyTotalFen: bigint('subsidy_total_fen', { mode: 'number' }).notNull(),
    /** REWARD_EVALUATION_SHARE when computed: how far the rewards followed the evaluation. */
    rewardEvaluationShare: numeric('reward_evaluation_share', { precision: 7, scale: 6 })
      .notNull()
      .default('0'),
    /** The evaluation (考核评价) of the same months the rewards were weighted by, if any. */
    evaluationId: text('evaluation_id'),
    computedBy: text('computed_by').notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('subsidy_periods_range_idx').on(t.fromDate, t.toDate)],
);

/** 贷款贴息 — the subsidy on one new sci-tech loan of a period. */
export const interestSubsidies = pgTable(
  'interest_subsidies',
  {
    periodId: text('period_id')
      .notNull()
      .references(() => subsidyPeriods.id),
    loanId: text('loan_id').notNull(),
    bankId: text('bank_id').notNull(),
    enterpriseId: text('enterprise_id').notNull(),
    principalFen: bigint('principal_fen', { mode: 'number' }).notNull(),
    loanRate: numeric('loan_rate', { precision: 7, scale: 6 }),
    subsidyRate: numeric('subsidy_rate', { precision: 7, scale: 6 }).notNull(),
    subsidyFen: bigint('subsidy_fen', { mode: 'number' }).notNull(),
    disbursedOn: date('disbursed_on').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.periodId, t.loanId] }),
    uniqueIndex('interest_subsidies_loan_idx').on(t.loanId),
    index('interest_subsidies_bank_idx').on(t.bankId, t.periodId),
    index('interest_subsidies_enterprise_idx').on(t.enterpriseId, t.periodId),
  ],
);

/**
 * 以奖代补 — a bank's reward for a period, in proportion to its new sci-tech lending, weighted by
 * its evaluation score when the period's rewards follow the evaluation.
 */
export const bankRewards = pgTable(
  'bank_rewards',
  {
    periodId: text('period_id')
      .notNull()
      .references(() => subsidyPeriods.id),
    bankId: text('bank_id').notNull(),
    newLendingFen: bigint('new_lending_fen', { mode: 'number' }).notNull(),
    loans: bigint('loans', { mode: 'number' }).notNull(),
    rewardFen: bigint('reward_fen', { mode: 'number' }).notNull(),
    evaluationScore: numeric('evaluation_score', { precision: 5, scale: 2 }),
  },
  (t) => [
    primaryKey({ columns: [t.periodId, t.bankId] }),
    index('bank_rewards_bank_idx').on(t.bankId),
  ],
);
