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

/**
 * What the banks did with the city's needs, as the `banks` subgraph reports each write here in the
 * same request (solutions, credit approvals, loans and their repayment, overdue and default). One
 * row per bank write, keyed by the bank's idempotency key: a retried report finds its row and
 * changes nothing. The ledgers of this subgraph (guarantee losses, the risk pool, subsidies,
 * rewards, relending use, service statistics) read their facts from here.
 */
export const bankEvents = pgTable(
  'bank_events',
  {
    /** `<bank id>:<the bank's idempotency key>`. */
    key: text('key').primaryKey(),
    kind: text('kind').notNull(),
    bankId: text('bank_id').notNull(),
    enterpriseId: text('enterprise_id').notNull(),
    needId: text('need_id'),
    solutionId: text('solution_id'),
    creditLineId: text('credit_line_id'),
    loanId: text('loan_id'),
    productIds: text('product_ids').array().notNull().default([]),
    /** The solution's, line's or loan's amount; a repayment's amount; a default's outstanding. */
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    rate: numeric('rate', { precision: 7, scale: 6 }),
    termMonths: integer('term_months'),
    firstLoan: boolean('first_loan'),
    relendingQuotaId: text('relending_quota_id'),
    occurredOn: date('occurred_on').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('bank_events_kind_idx').on(t.kind, t.occurredOn, t.bankId),
    index('bank_events_bank_idx').on(t.bankId, t.occurredOn),
    index('bank_events_need_idx').on(t.needId),
    index('bank_events_credit_line_idx').on(t.creditLineId),
    index('bank_events_loan_idx').on(t.loanId),
  ],
);
