import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * 服务评价 — an enterprise's rating of its main bank's service on one need, given once the need
 * closed (DISBURSED, DECLINED or WITHDRAWN). One per need, kept as given. Banks read only
 * aggregates of these rows, never a row: who rated what stays with the enterprise and the
 * finance office.
 */
export const serviceRatings = pgTable(
  'service_ratings',
  {
    needId: text('need_id').primaryKey(),
    enterpriseId: text('enterprise_id').notNull(),
    /** The bank whose service is rated: the need's main bank when it closed, or the last to serve it. */
    bankId: text('bank_id').notNull(),
    /** The need's status when rated. */
    needStatus: text('need_status').notNull(),
    score: integer('score').notNull(),
    comment: text('comment'),
    ratedBy: text('rated_by').notNull(),
    ratedAt: timestamp('rated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('service_ratings_score_range', sql`${t.score} between 1 and 5`),
    index('service_ratings_bank_idx').on(t.bankId, t.ratedAt),
  ],
);
