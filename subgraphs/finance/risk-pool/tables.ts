import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  date,
  index,
  integer,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * 风险补偿资金池 — the city's risk-compensation pool: one row (id `city`), created by the first
 * funding. Every payout takes this row's lock first, so claims are paid one after another and the
 * balance is checked against what is really left; the constraint is the last line of defence.
 */
export const riskPool = pgTable(
  'risk_pool',
  {
    id: text('id').primaryKey(),
    balanceFen: bigint('balance_fen', { mode: 'number' }).notNull(),
    fundedFen: bigint('funded_fen', { mode: 'number' }).notNull(),
    paidFen: bigint('paid_fen', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('risk_pool_balance_not_negative', sql`${t.balanceFen} >= 0`)],
);

/** The pool's ledger: every funding and payout, with the balance after it. Append-only. */
export const riskPoolEntries = pgTable(
  'risk_pool_entries',
  {
    id: text('id').primaryKey(),
    /** FUNDING or PAYOUT. */
    kind: text('kind').notNull(),
    /** Always positive; the kind says which way it went. */
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    balanceAfterFen: bigint('balance_after_fen', { mode: 'number' }).notNull(),
    claimId: text('claim_id'),
    note: text('note'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Orders entries written in the same instant. */
    seq: integer('seq').generatedAlwaysAsIdentity(),
  },
  (t) => [index('risk_pool_entries_seq_idx').on(t.seq)],
);

/**
 * A bank's claim on the pool for one defaulted loan (风险补偿申请): one per loan, paid when made.
 * `dueFen` is what the rules grant (ratio × loss, within the caps); `paidFen` what the pool had.
 */
export const riskPoolClaims = pgTable(
  'risk_pool_claims',
  {
    id: text('id').primaryKey(),
    bankId: text('bank_id').notNull(),
    loanId: text('loan_id').notNull(),
    enterpriseId: text('enterprise_id').notNull(),
    /** The LOAN_DEFAULTED event claimed on. */
    eventKey: text('event_key').notNull(),
    defaultedOn: date('defaulted_on').notNull(),
    /** The calendar year of the default: the per-bank cap's year. */
    capYear: integer('cap_year').notNull(),
    /** The bank's own loss: the outstanding principal less what 4321 partners bear. */
    lossFen: bigint('loss_fen', { mode: 'number' }).notNull(),
    ratio: numeric('ratio', { precision: 7, scale: 6 }).notNull(),
    dueFen: bigint('due_fen', { mode: 'number' }).notNull(),
    paidFen: bigint('paid_fen', { mode: 'number' }).notNull(),
    /** PAID or PARTIALLY_PAID (the pool ran short). */
    status: text('status').notNull(),
    claimedBy: text('claimed_by').notNull(),
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('risk_pool_claims_loan_idx').on(t.loanId),
    index('risk_pool_claims_bank_year_idx').on(t.bankId, t.capYear),
    index('risk_pool_claims_enterprise_idx').on(t.enterpriseId, t.id),
  ],
);
