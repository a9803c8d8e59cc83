import { sql } from 'drizzle-orm';
import { bigint, date, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * 信用培植 — a bank's plan to bring an enterprise it serves up to credit: the goal, and (in
 * `cultivation_items`) the conditions still missing and the matters a government department must
 * help with. One active plan per bank and enterprise.
 */
export const cultivationPlans = pgTable(
  'cultivation_plans',
  {
    id: text('id').primaryKey(),
    bankId: text('bank_id').notNull(),
    enterpriseId: text('enterprise_id').notNull(),
    goal: text('goal').notNull(),
    targetAmountFen: bigint('target_amount_fen', { mode: 'number' }),
    status: text('status').notNull(),
    closingNote: text('closing_note'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('cultivation_plans_bank_idx').on(t.bankId, t.id),
    index('cultivation_plans_enterprise_idx').on(t.enterpriseId, t.id),
    uniqueIndex('cultivation_plans_active_idx')
      .on(t.bankId, t.enterpriseId)
      .where(sql`${t.status} = 'ACTIVE'`),
  ],
);

/** One missing condition or one matter for a department, with where it stands. */
export const cultivationItems = pgTable(
  'cultivation_items',
  {
    id: text('id').primaryKey(),
    planId: text('plan_id')
      .notNull()
      .references(() => cultivationPlans.id),
    kind: text('kind').notNull(),
    description: text('description').notNull(),
    /** Set exactly when `kind` is DEPARTMENT_SUPPORT; `department_name` only for OTHER. */
    department: text('department'),
    departmentName: text('department_name'),
    status: text('status').notNull(),
    note: text('note'),
    dueOn: date('due_on'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('cultivation_items_plan_idx').on(t.planId, t.createdAt, t.id),
    index('cultivation_items_department_idx')
      .on(t.department, t.status)
      .where(sql`${t.department} is not null`),
  ],
);
