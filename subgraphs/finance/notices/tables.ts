import { index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * 信息服务 — a notice from the finance office or the technology bureau: an industry plan, an
 * adjustment, projects brought in, or sci-tech project supply and demand. Addressed to all banks
 * or the banks listed in `bank_ids`; or to enterprises (宣传推广): all of them, the library's
 * admitted members, those of one `district`, or those of one `industry` (a GB/T 4754 prefix).
 */
export const notices = pgTable(
  'notices',
  {
    id: text('id').primaryKey(),
    /** TECH_BUREAU or FINANCE_OFFICE. */
    publisher: text('publisher').notNull(),
    publishedBy: text('published_by').notNull(),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    /** ALL_BANKS, LISTED_BANKS, ALL_ENTERPRISES, LIBRARY_MEMBERS, DISTRICT or INDUSTRY. */
    audience: text('audience').notNull(),
    bankIds: text('bank_ids').array().notNull().default([]),
    /** The district addressed when DISTRICT. */
    district: text('district'),
    /** The GB/T 4754 code or prefix addressed when INDUSTRY. */
    industry: text('industry'),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('notices_published_idx').on(t.publishedAt, t.id),
    index('notices_bank_ids_idx').using('gin', t.bankIds),
  ],
);

/** 已读回执 — a bank marked a notice read; the first time is kept. */
export const noticeReceipts = pgTable(
  'notice_receipts',
  {
    noticeId: text('notice_id')
      .notNull()
      .references(() => notices.id),
    bankId: text('bank_id').notNull(),
    readBy: text('read_by').notNull(),
    readAt: timestamp('read_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.noticeId, t.bankId] }),
    index('notice_receipts_bank_idx').on(t.bankId),
  ],
);

/**
 * 已读回执 of an enterprise: it marked a notice addressed to it read; the first time is kept. Seen
 * by the agency that published the notice only.
 */
export const enterpriseNoticeReceipts = pgTable(
  'enterprise_notice_receipts',
  {
    noticeId: text('notice_id')
      .notNull()
      .references(() => notices.id),
    enterpriseId: text('enterprise_id').notNull(),
    readBy: text('read_by').notNull(),
    readAt: timestamp('read_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.noticeId, t.enterpriseId] }),
    index('enterprise_notice_receipts_enterprise_idx').on(t.enterpriseId),
  ],
);
