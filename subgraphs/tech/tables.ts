import { sql } from 'drizzle-orm';
import type { ScoreItem } from './generated/resolvers.js';
import {
  bigint,
  boolean,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/** 科创企业库 — the technology bureau's enterprise library. */
export const enterprises = pgTable(
  'enterprises',
  {
    id: text('id').primaryKey(),
    uscc: text('uscc').notNull().unique(),
    name: text('name').notNull(),
    district: text('district').notNull(),
    /** GB/T 4754 industry code, e.g. C39. */
    industry: text('industry').notNull(),
    stage: text('stage').notNull(),
    foundedOn: date('founded_on').notNull(),
    highTechCertificate: text('high_tech_certificate'),
    highTechValidUntil: date('high_tech_valid_until'),
    techSmeRegistered: boolean('tech_sme_registered').notNull().default(false),
    libraryStatus: text('library_status').notNull(),
    legalRepresentative: text('legal_representative').notNull(),
    contactPerson: text('contact_person').notNull(),
    phone: text('phone').notNull(),
    address: text('address').notNull(),
    /** Bank holding the basic settlement account (基本结算账户), first choice for main bank. */
    basicAccountBankId: text('basic_account_bank_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('enterprises_district_idx').on(t.district, t.id),
    index('enterprises_industry_idx').on(t.industry, t.id),
    index('enterprises_stage_idx').on(t.stage, t.id),
    index('enterprises_library_status_idx').on(t.libraryStatus, t.id),
    index('enterprises_high_tech_idx')
      .on(t.id)
      .where(sql`${t.highTechCertificate} is not null`),
  ],
);

export const patents = pgTable(
  'patents',
  {
    id: text('id').primaryKey(),
    /** Application number without the ZL prefix, e.g. 201710601862.3. */
    number: text('number').notNull().unique(),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    status: text('status').notNull(),
    filedOn: date('filed_on').notNull(),
    grantedOn: date('granted_on'),
    ipcClass: text('ipc_class').notNull(),
    enterpriseId: text('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    valuationFen: bigint('valuation_fen', { mode: 'number' }),
    valuedOn: date('valued_on'),
    pledgeStatus: text('pledge_status').notNull().default('NONE'),
    pledgeeBankId: text('pledgee_bank_id'),
  },
  (t) => [
    index('patents_enterprise_idx').on(t.enterpriseId, t.id),
    index('patents_kind_idx').on(t.kind, t.id),
    index('patents_status_idx').on(t.status, t.id),
  ],
);

export const annualFinancials = pgTable(
  'annual_financials',
  {
    enterpriseId: text('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    year: integer('year').notNull(),
    revenueFen: bigint('revenue_fen', { mode: 'number' }).notNull(),
    rdExpenseFen: bigint('rd_expense_fen', { mode: 'number' }).notNull(),
    employees: integer('employees').notNull(),
    techStaff: integer('tech_staff').notNull(),
    totalAssetsFen: bigint('total_assets_fen', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.enterpriseId, t.year] })],
);

export const libraryAssessments = pgTable('library_assessments', {
  enterpriseId: text('enterprise_id')
    .primaryKey()
    .references(() => enterprises.id),
  year: integer('year').notNull(),
  highTechEligible: boolean('high_tech_eligible').notNull(),
  rdIntensity: numeric('rd_intensity', { precision: 8, scale: 6 }).notNull(),
  techStaffRatio: numeric('tech_staff_ratio', { precision: 8, scale: 6 }).notNull(),
  techSmeScore: integer('tech_sme_score').notNull(),
  techSmeEligible: boolean('tech_sme_eligible').notNull(),
  prospectRating: text('prospect_rating').notNull(),
  policyPriority: text('policy_priority').notNull(),
  breakdown: jsonb('breakdown').$type<ScoreItem[]>().notNull(),
  notes: text('notes'),
  assessedAt: timestamp('assessed_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Every change of library standing, with its reason: 入库、暂停、出库 are on the record. */
export const libraryEvents = pgTable(
  'library_events',
  {
    id: text('id').primaryKey(),
    enterpriseId: text('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('library_events_enterprise_idx').on(t.enterpriseId, t.at)],
);
