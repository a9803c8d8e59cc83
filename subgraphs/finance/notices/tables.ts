import { index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * 信息服务 — a notice from the finance office or the technology bureau to the banks: an industry
 * plan, an adjustment, projects brought in, or sci-tech project supply and demand. Addressed to
 * all banks, or to the banks listed in `bank_ids`.
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
    /** ALL_BANKS or LISTED_BANKS. */
    audience: text('audience').notNull(),
    bankIds: text('bank_ids').array().notNull().default([]),
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
