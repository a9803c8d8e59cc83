import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * 抢单 — every claim of an open need by a bank, kept after the need moves on: when it was
 * claimed and, if the bank gave it back (受理回告 decline, or declining the need), when and how.
 * The statistics count claims and declines per bank from here, and the claim throttle reads a
 * bank's recent claims.
 */
export const needClaims = pgTable(
  'need_claims',
  {
    id: text('id').primaryKey(),
    needId: text('need_id').notNull(),
    bankId: text('bank_id').notNull(),
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull().defaultNow(),
    /** When the bank gave the need back; null while it keeps it (or after it served it). */
    releasedAt: timestamp('released_at', { withTimezone: true }),
    /** `DECLINED` when the bank declined the need it had claimed. */
    outcome: text('outcome'),
  },
  (t) => [
    index('need_claims_bank_idx').on(t.bankId, t.claimedAt),
    index('need_claims_need_idx').on(t.needId, t.bankId),
    index('need_claims_claimed_idx').on(t.claimedAt, t.bankId),
  ],
);

/**
 * One row per bank that has claimed: the row its claims lock, one at a time, so that counting
 * its recent claims and adding one are never interleaved with another claim of the same bank;
 * and its suspension, when its claims were refused for a while.
 */
export const bankClaimStanding = pgTable('bank_claim_standing', {
  bankId: text('bank_id').primaryKey(),
  suspendedUntil: timestamp('suspended_until', { withTimezone: true }),
  suspendedReason: text('suspended_reason'),
  /** Claims before this moment were judged by the last suspension and are not counted again. */
  countedFrom: timestamp('counted_from', { withTimezone: true }),
});
