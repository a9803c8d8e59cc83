import { date, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * 上市后备 — every change of an enterprise's listing-seed tier, as the finance office decided it:
 * the tier set (null when cleared), the one it replaced, why, and from when. `listing_tiers` holds
 * the current tier; this table is its history and is only ever appended to.
 */
export const listingTierChanges = pgTable(
  'listing_tier_changes',
  {
    id: text('id').primaryKey(),
    enterpriseId: text('enterprise_id').notNull(),
    tier: text('tier'),
    previousTier: text('previous_tier'),
    reason: text('reason').notNull(),
    effectiveOn: date('effective_on').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('listing_tier_changes_enterprise_idx').on(t.enterpriseId, t.effectiveOn, t.id)],
);
