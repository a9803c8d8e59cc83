import {
  bigint,
  date,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/**
 * 月末余额 — each bank's loan balance as it stood at the close of a month: principal outstanding on
 * its loans disbursed by the month's last day. Balances are otherwise kept as current figures, so
 * these rows are the only history of them; scale and growth on balances are read from here. One
 * row per bank and month, written once (the month-end job, or the seed for past months).
 */
export const monthEndBalances = pgTable(
  'month_end_balances',
  {
    bankId: text('bank_id').notNull(),
    /** The month, as YYYY-MM. */
    month: text('month').notNull(),
    monthEnd: date('month_end').notNull(),
    outstandingFen: bigint('outstanding_fen', { mode: 'number' }).notNull(),
    /** Loans with principal outstanding. */
    loans: integer('loans').notNull(),
    /** Enterprises owing the bank principal (贷款户数). */
    enterprises: integer('enterprises').notNull(),
    takenAt: timestamp('taken_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.bankId, t.month] }),
    index('month_end_balances_month_idx').on(t.month, t.bankId),
  ],
);
