import {
  bigint,
  boolean,
  date,
  index,
  integer,
  numeric,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

export const banks = pgTable('banks', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  /** 科技支行 — the branch specialised in sci-tech lending, if any. */
  techBranch: text('tech_branch'),
});

/** 一企一策 — the main bank's financing solution for a need. */
export const financingSolutions = pgTable(
  'financing_solutions',
  {
    id: text('id').primaryKey(),
    needId: text('need_id').notNull(),
    bankId: text('bank_id')
      .notNull()
      .references(() => banks.id),
    enterpriseId: text('enterprise_id').notNull(),
    productIds: text('product_ids').array().notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    rate: numeric('rate', { precision: 7, scale: 6 }).notNull(),
    termMonths: integer('term_months').notNull(),
    conditions: text('conditions').notNull(),
    /** 信用培植 — what the enterprise still lacks for credit, and help it needs from departments. */
    cultivationItems: text('cultivation_items').array().notNull().default([]),
    proposedAt: timestamp('proposed_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('financing_solutions_need_idx').on(t.needId, t.id),
    index('financing_solutions_bank_idx').on(t.bankId, t.id),
    index('financing_solutions_enterprise_idx').on(t.enterpriseId, t.id),
  ],
);

export const creditLines = pgTable(
  'credit_lines',
  {
    id: text('id').primaryKey(),
    bankId: text('bank_id')
      .notNull()
      .references(() => banks.id),
    enterpriseId: text('enterprise_id').notNull(),
    needId: text('need_id'),
    productId: text('product_id'),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    rate: numeric('rate', { precision: 7, scale: 6 }).notNull(),
    termMonths: integer('term_months').notNull(),
    approvedOn: date('approved_on').notNull(),
  },
  (t) => [
    index('credit_lines_bank_idx').on(t.bankId, t.id),
    index('credit_lines_enterprise_idx').on(t.enterpriseId, t.id),
    // Covers the statistics' per-period sums (index-only scans): approved_on, bank, amount.
    index('credit_lines_approved_idx').on(t.approvedOn, t.bankId, t.amountFen),
    index('credit_lines_need_idx').on(t.needId),
  ],
);

export const loans = pgTable(
  'loans',
  {
    id: text('id').primaryKey(),
    creditLineId: text('credit_line_id')
      .notNull()
      .references(() => creditLines.id),
    bankId: text('bank_id').notNull(),
    enterpriseId: text('enterprise_id').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    outstandingFen: bigint('outstanding_fen', { mode: 'number' }).notNull(),
    disbursedOn: date('disbursed_on').notNull(),
    maturesOn: date('matures_on').notNull(),
    /** 首贷 — the enterprise's first-ever loan from any bank. */
    firstLoan: boolean('first_loan').notNull(),
    status: text('status').notNull(),
    /** 再贷款/再贴现 — the PBOC quota that funds the loan, if any. */
    relendingQuotaId: text('relending_quota_id'),
    /** 信用贷款 — lent on the enterprise's credit alone, without collateral. */
    creditLoan: boolean('credit_loan').notNull().default(false),
  },
  (t) => [
    index('loans_credit_line_idx').on(t.creditLineId, t.id),
    index('loans_enterprise_idx').on(t.enterpriseId),
    index('loans_bank_disbursed_idx').on(t.bankId, t.disbursedOn),
    // The statistics read these without touching the table: loans disbursed in a period, and
    // the balance over the loans still outstanding (about a third of them, so a partial index).
    index('loans_disbursed_stats_idx').on(
      t.disbursedOn,
      t.bankId,
      t.amountFen,
      t.firstLoan,
      t.enterpriseId,
    ),
    index('loans_outstanding_idx')
      .on(t.bankId, t.disbursedOn, t.outstandingFen)
      .where(sql`${t.outstandingFen} > 0`),
  ],
);

/** 延期还本付息 — a deferral of a loan's principal and interest: the maturity moved, and why. */
export const loanDeferrals = pgTable(
  'loan_deferrals',
  {
    id: text('id').primaryKey(),
    loanId: text('loan_id')
      .notNull()
      .references(() => loans.id),
    bankId: text('bank_id').notNull(),
    fromMaturesOn: date('from_matures_on').notNull(),
    toMaturesOn: date('to_matures_on').notNull(),
    reason: text('reason').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('loan_deferrals_loan_idx').on(t.loanId, t.at)],
);

/**
 * 逾期、违约 — each time a loan fell overdue or defaulted. A loan's status says where it is now; a
 * deferral or a repayment moves an overdue loan on, and this history is what a credit report keeps.
 */
export const loanStatusEvents = pgTable(
  'loan_status_events',
  {
    id: text('id').primaryKey(),
    loanId: text('loan_id')
      .notNull()
      .references(() => loans.id),
    bankId: text('bank_id').notNull(),
    enterpriseId: text('enterprise_id').notNull(),
    /** OVERDUE or DEFAULTED. */
    status: text('status').notNull(),
    occurredOn: date('occurred_on').notNull(),
    /** Principal outstanding when it happened. */
    outstandingFen: bigint('outstanding_fen', { mode: 'number' }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('loan_status_events_loan_idx').on(t.loanId, t.occurredOn),
    index('loan_status_events_enterprise_idx').on(t.enterpriseId),
  ],
);
