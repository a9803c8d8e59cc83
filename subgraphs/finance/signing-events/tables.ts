import {
  bigint,
  date,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** 信贷签约活动 / 银企对接会 — an event the finance office schedules for banks and enterprises. */
export const signingEvents = pgTable(
  'signing_events',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    heldOn: date('held_on').notNull(),
    place: text('place').notNull(),
    description: text('description'),
    /** SCHEDULED or CANCELLED. */
    status: text('status').notNull(),
    cancelReason: text('cancel_reason'),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('signing_events_held_idx').on(t.heldOn, t.id)],
);

/** A bank or an enterprise registered for an event, by itself. */
export const signingEventRegistrations = pgTable(
  'signing_event_registrations',
  {
    id: text('id').primaryKey(),
    eventId: text('event_id')
      .notNull()
      .references(() => signingEvents.id),
    /** BANK or ENTERPRISE. */
    registrantKind: text('registrant_kind').notNull(),
    /** The bank id or the enterprise id. */
    registrantId: text('registrant_id').notNull(),
    note: text('note'),
    registeredBy: text('registered_by').notNull(),
    registeredAt: timestamp('registered_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('signing_event_registrations_registrant_idx').on(
      t.eventId,
      t.registrantKind,
      t.registrantId,
    ),
  ],
);

/**
 * 意向签约 — credit a bank intends to grant an enterprise, signed at the event. Compared later with
 * the credit the bank actually approved it (CREDIT_APPROVED bank events from the event day on).
 */
export const creditSignings = pgTable(
  'credit_signings',
  {
    id: text('id').primaryKey(),
    eventId: text('event_id')
      .notNull()
      .references(() => signingEvents.id),
    bankId: text('bank_id').notNull(),
    enterpriseId: text('enterprise_id').notNull(),
    intendedAmountFen: bigint('intended_amount_fen', { mode: 'number' }).notNull(),
    termMonths: integer('term_months'),
    note: text('note'),
    recordedBy: text('recorded_by').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('credit_signings_pair_idx').on(t.eventId, t.bankId, t.enterpriseId),
    index('credit_signings_bank_idx').on(t.bankId, t.enterpriseId),
    index('credit_signings_enterprise_idx').on(t.enterpriseId),
  ],
);
