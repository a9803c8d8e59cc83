import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  numeric,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/** 融资需求 — a sci-tech enterprise's financing need, from submission to disbursement. */
export const financingNeeds = pgTable(
  'financing_needs',
  {
    id: text('id').primaryKey(),
    enterpriseId: text('enterprise_id').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    termMonths: integer('term_months').notNull(),
    purpose: text('purpose').notNull(),
    collateral: text('collateral').array().notNull(),
    visibility: text('visibility').notNull(),
    status: text('status').notNull(),
    /** 主办银行 and the rule that made it so. */
    mainBankId: text('main_bank_id'),
    mainBankBasis: text('main_bank_basis'),
    /** The bank named by the enterprise, second in the main-bank order. */
    preferredBankId: text('preferred_bank_id'),
    submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull(),
    assignedAt: timestamp('assigned_at', { withTimezone: true }),
    solutionDueAt: timestamp('solution_due_at', { withTimezone: true }),
    solutionProposedAt: timestamp('solution_proposed_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('financing_needs_enterprise_idx').on(t.enterpriseId, t.id),
    index('financing_needs_status_idx').on(t.status, t.id),
    index('financing_needs_main_bank_idx').on(t.mainBankId, t.id),
    index('financing_needs_open_idx')
      .on(t.id)
      .where(sql`${t.visibility} = 'OPEN_TO_ALL_BANKS' and ${t.status} = 'OPEN'`),
    index('financing_needs_updated_idx').on(t.updatedAt, t.id),
  ],
);

/** 金融产品 — a bank's product in the platform catalogue. */
export const financialProducts = pgTable(
  'financial_products',
  {
    id: text('id').primaryKey(),
    bankId: text('bank_id').notNull(),
    name: text('name').notNull(),
    category: text('category').notNull(),
    collateral: text('collateral').array().notNull(),
    minAmountFen: bigint('min_amount_fen', { mode: 'number' }).notNull(),
    maxAmountFen: bigint('max_amount_fen', { mode: 'number' }).notNull(),
    rateFloor: numeric('rate_floor', { precision: 7, scale: 6 }).notNull(),
    rateCap: numeric('rate_cap', { precision: 7, scale: 6 }).notNull(),
    maxTermMonths: integer('max_term_months').notNull(),
    requiresHighTech: boolean('requires_high_tech').notNull().default(false),
    requiresPatents: boolean('requires_patents').notNull().default(false),
    published: boolean('published').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('financial_products_bank_idx').on(t.bankId, t.id),
    index('financial_products_category_idx').on(t.category, t.id),
  ],
);

/** 上市后备 — listing-seed tiers: gold, silver and STAR-market seeds. */
export const listingTiers = pgTable('listing_tiers', {
  enterpriseId: text('enterprise_id').primaryKey(),
  tier: text('tier').notNull(),
  since: timestamp('since', { withTimezone: true }).notNull().defaultNow(),
});
