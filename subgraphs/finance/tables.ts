import { sql } from 'drizzle-orm';
import type { ListingTier } from './generated/resolvers.js';
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  numeric,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/** PostgreSQL's 64-bit transaction id, compared as text on the way in and out. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * Numbers every write of a financing need, in the order the writes took the row. The trigger of
 * migration 0002 draws from it on every insert and update (the seed's too); see `financingNeeds`.
 */
export const needChangeSeq = pgSequence('financing_need_change_seq');

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
    /** When the main bank accepted the assignment (受理); cleared when the need is reassigned. */
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    /** Who ended the need as DECLINED (ENTERPRISE or BANK), why and when. */
    declinedBy: text('declined_by'),
    declineReason: text('decline_reason'),
    declinedAt: timestamp('declined_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Where the last write puts the need in the prospect feed: the writing transaction's id, then
     * the change number. Set by a trigger on every insert and update, whoever writes; the defaults
     * only repeat what the trigger does. The feed serves a position only once every transaction
     * with a smaller id has ended, so a page never skips a write still in flight.
     */
    changeXid: xid8('change_xid')
      .notNull()
      .default(sql`pg_current_xact_id()`),
    changeSeq: bigint('change_seq', { mode: 'number' })
      .notNull()
      .default(sql`nextval('financing_need_change_seq')`),
  },
  (t) => [
    index('financing_needs_enterprise_idx').on(t.enterpriseId, t.id),
    index('financing_needs_status_idx').on(t.status, t.id),
    index('financing_needs_main_bank_idx').on(t.mainBankId, t.id),
    index('financing_needs_open_idx')
      .on(t.id)
      .where(sql`${t.visibility} = 'OPEN_TO_ALL_BANKS' and ${t.status} = 'OPEN'`),
    index('financing_needs_updated_idx').on(t.updatedAt, t.id),
    // The prospect feed's keyset.
    index('financing_needs_feed_idx').on(t.changeXid, t.changeSeq),
    // 四(二) service statistics: needs by when they were assigned, per main bank.
    index('financing_needs_assigned_at_idx')
      .on(t.assignedAt, t.mainBankId)
      .where(sql`${t.assignedAt} is not null`),
  ],
);

/**
 * Every version of every need, as far as the feed cares (status, visibility, main bank), written by
 * the trigger beside the need. The feed asks it one thing: could this bank see the need at its
 * cursor? If so, and it cannot now, the bank gets a tombstone. Old versions may be pruned once no
 * bank's cursor is that old.
 */
export const needChanges = pgTable(
  'financing_need_changes',
  {
    needId: text('need_id').notNull(),
    changeXid: xid8('change_xid').notNull(),
    changeSeq: bigint('change_seq', { mode: 'number' }).notNull(),
    status: text('status').notNull(),
    visibility: text('visibility').notNull(),
    mainBankId: text('main_bank_id'),
  },
  (t) => [primaryKey({ columns: [t.needId, t.changeSeq] })],
);

/** 受理回告 — a main bank's answer to an assignment: accepted, or declined with its reason. */
export const needFeedback = pgTable(
  'need_feedback',
  {
    id: text('id').primaryKey(),
    needId: text('need_id').notNull(),
    bankId: text('bank_id').notNull(),
    accepted: boolean('accepted').notNull(),
    reason: text('reason').notNull(),
    answeredAt: timestamp('answered_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('need_feedback_need_idx').on(t.needId, t.answeredAt),
    index('need_feedback_bank_idx').on(t.bankId, t.answeredAt),
  ],
);

/**
 * A read model of the technology bureau's library, kept in this database so the prospect feed can
 * filter on enterprise attributes in SQL and answer a need's enterprise's public attributes
 * itself (`@provides` on `FinancingNeed.enterprise`: a feed page then needs no call to tech). The
 * library is the source of truth; this copy is refreshed from it in the same request as every
 * library write (the seed fills both; `enterpriseProfileOf` maps a library row). A trigger touches
 * an enterprise's needs when a filtered-on attribute changes, so filtered feeds re-evaluate them.
 */
export const enterpriseProfiles = pgTable(
  'enterprise_profiles',
  {
    enterpriseId: text('enterprise_id').primaryKey(),
    district: text('district').notNull(),
    /** GB/T 4754 code, e.g. C39 or C391. */
    industry: text('industry').notNull(),
    highTech: boolean('high_tech').notNull(),
    libraryStatus: text('library_status').notNull(),
    /**
     * Granted patents, public data (see `grantedPatentCounts`): what an IP-pledge product
     * (知识产权质押) can consider. The column keeps the name it had when it also read pledges.
     */
    grantedPatents: integer('pledgeable_patents').notNull().default(0),
    // The public attributes a need's enterprise is shown with. Null only in a row copied before
    // they were (`npm run profiles:refresh` fills them from the library).
    name: text('name'),
    uscc: text('uscc'),
    stage: text('stage'),
    highTechCertificate: text('high_tech_certificate'),
    /** Patents of every kind and status, as `PatentStats.total` counts them. */
    patents: integer('patents'),
    /** Invention patents (PCT included), as `PatentStats.inventions` counts them. */
    inventions: integer('inventions'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('enterprise_profiles_district_idx').on(t.district, t.enterpriseId)],
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
    /** The finance office's curation: featured first, hidden from everyone but the bank. */
    featured: boolean('featured').notNull().default(false),
    hidden: boolean('hidden').notNull().default(false),
    displayOrder: integer('display_order'),
    curationNote: text('curation_note'),
    curatedAt: timestamp('curated_at', { withTimezone: true }),
    /** Set once the finance office has assigned the category; the bank no longer changes it. */
    categoryCuratedAt: timestamp('category_curated_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('financial_products_bank_idx').on(t.bankId, t.id),
    index('financial_products_category_idx').on(t.category, t.id),
    // 四(二) service statistics: new products per bank and period.
    index('financial_products_created_at_idx').on(t.createdAt, t.bankId),
  ],
);

/** 上市后备 — listing-seed tiers: gold, silver and STAR-market seeds. */
export const listingTiers = pgTable('listing_tiers', {
  enterpriseId: text('enterprise_id').primaryKey(),
  tier: text('tier').$type<ListingTier>().notNull(),
  since: timestamp('since', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Secrets the finance subgraph makes for itself on first use and keeps with its data, so every
 * replica over this database shares them and a restart keeps them: the key that seals prospect
 * feed cursors.
 */
export const subgraphSecrets = pgTable('subgraph_secrets', {
  name: text('name').primaryKey(),
  /** Base64 of the secret's bytes. */
  secret: text('secret').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
