import { bigint, date, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * 担保 — a guarantee the finance office records on a bank's credit line (known here from its
 * CREDIT_APPROVED bank event): who guarantees it and how much of the line it covers. One per line.
 */
export const guarantees = pgTable(
  'guarantees',
  {
    id: text('id').primaryKey(),
    creditLineId: text('credit_line_id').notNull(),
    bankId: text('bank_id').notNull(),
    enterpriseId: text('enterprise_id').notNull(),
    guarantorName: text('guarantor_name').notNull(),
    /** At most the line's approved amount; the losses recorded against it never exceed it. */
    coveredAmountFen: bigint('covered_amount_fen', { mode: 'number' }).notNull(),
    /** The line's approved amount when the guarantee was attached. */
    lineAmountFen: bigint('line_amount_fen', { mode: 'number' }).notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('guarantees_credit_line_idx').on(t.creditLineId),
    index('guarantees_bank_idx').on(t.bankId, t.id),
    index('guarantees_enterprise_idx').on(t.enterpriseId, t.id),
  ],
);

/**
 * "4321" — the covered part of one loan's default, shared 40/30/20/10 among the guarantee company,
 * the provincial re-guarantee group, the bank and the government. Written by the bank-event
 * follower in the transaction that records the LOAN_DEFAULTED event; one row per loan.
 */
export const guaranteeLosses = pgTable(
  'guarantee_losses',
  {
    id: text('id').primaryKey(),
    guaranteeId: text('guarantee_id')
      .notNull()
      .references(() => guarantees.id),
    /** The LOAN_DEFAULTED event's key in `bank_events`. */
    eventKey: text('event_key').notNull(),
    loanId: text('loan_id').notNull(),
    bankId: text('bank_id').notNull(),
    enterpriseId: text('enterprise_id').notNull(),
    /** Principal outstanding when the loan defaulted. */
    defaultedAmountFen: bigint('defaulted_amount_fen', { mode: 'number' }).notNull(),
    /** The part of it the guarantee covers: what the four shares add up to. */
    coveredLossFen: bigint('covered_loss_fen', { mode: 'number' }).notNull(),
    guarantorShareFen: bigint('guarantor_share_fen', { mode: 'number' }).notNull(),
    reGuaranteeShareFen: bigint('re_guarantee_share_fen', { mode: 'number' }).notNull(),
    bankShareFen: bigint('bank_share_fen', { mode: 'number' }).notNull(),
    governmentShareFen: bigint('government_share_fen', { mode: 'number' }).notNull(),
    occurredOn: date('occurred_on').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('guarantee_losses_loan_idx').on(t.loanId),
    index('guarantee_losses_guarantee_idx').on(t.guaranteeId, t.occurredOn),
  ],
);
