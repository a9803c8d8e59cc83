import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * 再贷款、再贴现额度 — a quota of PBOC relending or rediscount funds granted to one bank for a
 * period. `used_fen` is the sum of the loans drawn on it (`relending_uses`), kept beside the
 * amount so that a draw is one locked row: banks' loans drawing at once queue on that row, and the
 * check constraint stops an over-draw even if a writer forgot to lock.
 */
export const relendingQuotas = pgTable(
  'relending_quotas',
  {
    id: text('id').primaryKey(),
    bankId: text('bank_id').notNull(),
    /** RELENDING (再贷款) or REDISCOUNT (再贴现). */
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    usedFen: bigint('used_fen', { mode: 'number' }).notNull().default(0),
    validFrom: date('valid_from').notNull(),
    validTo: date('valid_to').notNull(),
    /** The highest rate a loan drawing on the quota may carry to the enterprise; null: none set. */
    rateCeiling: numeric('rate_ceiling', { precision: 7, scale: 6 }),
    note: text('note'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('relending_quotas_bank_idx').on(t.bankId, t.validFrom, t.id),
    check('relending_quotas_used_within_amount', sql`${t.usedFen} between 0 and ${t.amountFen}`),
    check('relending_quotas_period', sql`${t.validFrom} <= ${t.validTo}`),
  ],
);

/**
 * One loan funded from a quota, recorded when the bank reports its disbursement (LOAN_DISBURSED
 * with `relending_quota_id`). The comparable product rate (the floor of the line's product) is
 * kept as it was on that day, so later changes to the catalogue do not rewrite the comparison.
 */
export const relendingUses = pgTable(
  'relending_uses',
  {
    id: text('id').primaryKey(),
    quotaId: text('quota_id')
      .notNull()
      .references(() => relendingQuotas.id),
    bankId: text('bank_id').notNull(),
    /** The bank event that drew on the quota (`bank_events.key`). */
    eventKey: text('event_key').notNull(),
    loanId: text('loan_id').notNull(),
    creditLineId: text('credit_line_id'),
    enterpriseId: text('enterprise_id').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    rate: numeric('rate', { precision: 7, scale: 6 }).notNull(),
    productId: text('product_id'),
    productRateFloor: numeric('product_rate_floor', { precision: 7, scale: 6 }),
    /** rate < product_rate_floor; null when the loan named no product. */
    belowProductRate: boolean('below_product_rate'),
    occurredOn: date('occurred_on').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('relending_uses_event_idx').on(t.eventKey),
    uniqueIndex('relending_uses_loan_idx').on(t.bankId, t.loanId),
    index('relending_uses_quota_idx').on(t.quotaId, t.occurredOn, t.id),
    index('relending_uses_bank_idx').on(t.bankId, t.occurredOn, t.id),
  ],
);
