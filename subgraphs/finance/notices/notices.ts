import { randomUUID } from 'node:crypto';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { and, asc, desc, eq, gte, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import type { Db } from '../../kernel/db.js';
import { badInput, forbidden, notFound } from '../../kernel/errors.js';
import { groupLoader, rowLoader } from '../../kernel/loader.js';
import { pageOf, type PageArgs } from '../../kernel/pagination.js';
import { anyOf } from '../../kernel/sql.js';
import type { FinanceContext } from '../index.js';
import { bankId } from '../needs/index.js';
import { noticeReceipts, notices } from './tables.js';
import { boundedText } from '../../kernel/text.js';

export type NoticeRow = typeof notices.$inferSelect & {
  /** `published_at` as PostgreSQL prints it: microseconds kept, for the keyset cursor. */
  publishedKey: string;
};
export type ReceiptRow = typeof noticeReceipts.$inferSelect;

export const NOTICE_KINDS = [
  'INDUSTRY_PLAN',
  'ADJUSTMENT',
  'PROJECTS_BROUGHT_IN',
  'PROJECT_SUPPLY_DEMAND',
] as const;
const MAX_TITLE_CHARS = 200;
const MAX_BODY_CHARS = 20_000;
const MAX_LISTED_BANKS = 100;

export interface PublishNoticeInput {
  kind: string;
  title: string;
  body: string;
  audience: 'ALL_BANKS' | 'LISTED_BANKS';
  bankIds?: string[] | null;
}

export interface NoticeFilter {
  kinds?: string[] | null;
  publisher?: string | null;
  since?: Date | null;
  unreadOnly?: boolean | null;
}

const NO_ROWS = sql`false`;

const noticeColumns = {
  id: notices.id,
  publisher: notices.publisher,
  publishedBy: notices.publishedBy,
  kind: notices.kind,
  title: notices.title,
  body: notices.body,
  audience: notices.audience,
  bankIds: notices.bankIds,
  publishedAt: notices.publishedAt,
  publishedKey: sql<string>`${notices.publishedAt}::text`,
};

function audienceBanks(input: PublishNoticeInput): string[] {
  const ids = input.bankIds ?? [];
  if (input.audience === 'ALL_BANKS') {
    if (ids.length > 0) {
      throw badInput('input.bankIds', 'must be left out when the audience is ALL_BANKS');
    }
    return [];
  }
  if (ids.length === 0) {
    throw badInput(
      'input.bankIds',
      'must list at least one bank when the audience is LISTED_BANKS',
    );
  }
  if (ids.length > MAX_LISTED_BANKS) {
    throw badInput(
      'input.bankIds',
      `must list at most ${MAX_LISTED_BANKS} banks, got ${ids.length}`,
    );
  }
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated)
    throw badInput('input.bankIds', `must list each bank once; "${repeated}" is repeated`);
  return ids.map((id) => bankId(id, 'input.bankIds'));
}

/**
 * 信息服务 (SPEC 三(八)): notices from the finance office and the technology bureau to the banks,
 * and the banks' read receipts.
 */
export class Notices {
  readonly notice;
  /** Every bank's receipts per notice: for the agencies that read them. */
  readonly receipts;
  /** The calling bank's own receipt per notice. */
  readonly ownReceipt;

  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {
    this.notice = rowLoader(
      (ids) =>
        this.db
          .select(noticeColumns)
          .from(notices)
          .where(and(anyOf(notices.id, ids), this.scope())),
      (row) => row.id,
    );
    this.receipts = groupLoader(
      (ids) =>
        this.db
          .select()
          .from(noticeReceipts)
          .where(and(anyOf(noticeReceipts.noticeId, ids), this.receiptScope()))
          .orderBy(asc(noticeReceipts.readAt), asc(noticeReceipts.bankId)),
      (row) => row.noticeId,
    );
    this.ownReceipt = rowLoader(
      (ids) =>
        this.caller.party === 'bank' && this.caller.org
          ? this.db
              .select()
              .from(noticeReceipts)
              .where(
                and(
                  anyOf(noticeReceipts.noticeId, ids),
                  eq(noticeReceipts.bankId, this.caller.org),
                ),
              )
          : Promise.resolve([]),
      (row) => row.noticeId,
    );
  }

  /**
   * Notices the caller sees: the finance office and the PBOC all; the technology bureau those it
   * published; a bank those addressed to all banks or listing it; an enterprise none.
   */
  private scope(): SQL | undefined {
    switch (this.caller.party) {
      case 'finance_office':
      case 'pboc':
        return undefined;
      case 'tech_bureau':
        return eq(notices.publisher, 'TECH_BUREAU');
      case 'bank':
        if (!this.caller.org) return NO_ROWS;
        return or(
          eq(notices.audience, 'ALL_BANKS'),
          sql`${notices.bankIds} @> array[${this.caller.org}]::text[]`,
        );
      default:
        return NO_ROWS;
    }
  }

  private receiptScope(): SQL | undefined {
    return this.caller.party === 'finance_office' || this.caller.party === 'pboc'
      ? undefined
      : NO_ROWS;
  }

  async list(filter: NoticeFilter, limit: number, after?: string): Promise<NoticeRow[]> {
    const conditions: (SQL | undefined)[] = [this.scope()];
    if (after) {
      const key = after;
      const cut = key.lastIndexOf('|');
      if (cut < 0) throw badInput('after', 'is not a cursor returned by this API');
      conditions.push(
        sql`(${notices.publishedAt}, ${notices.id}) < (${key.slice(0, cut)}::timestamptz, ${key.slice(cut + 1)})`,
      );
    }
    if (filter.kinds?.length) conditions.push(inArray(notices.kind, filter.kinds));
    if (filter.publisher) conditions.push(eq(notices.publisher, filter.publisher));
    if (filter.since) conditions.push(gte(notices.publishedAt, filter.since));
    if (filter.unreadOnly) {
      if (this.caller.party !== 'bank' || !this.caller.org) {
        throw badInput('filter.unreadOnly', 'only a bank has read receipts of its own');
      }
      conditions.push(
        sql`not exists (select 1 from ${noticeReceipts} where ${noticeReceipts.noticeId} = ${notices.id} and ${noticeReceipts.bankId} = ${this.caller.org})`,
      );
    }
    return this.db
      .select(noticeColumns)
      .from(notices)
      .where(and(...conditions))
      .orderBy(desc(notices.publishedAt), desc(notices.id))
      .limit(limit + 1);
  }

  async publish(input: PublishNoticeInput): Promise<NoticeRow> {
    const publisher =
      this.caller.party === 'finance_office'
        ? 'FINANCE_OFFICE'
        : this.caller.party === 'tech_bureau'
          ? 'TECH_BUREAU'
          : null;
    if (!publisher) {
      throw forbidden('only the finance office and the technology bureau publish notices');
    }
    if (!(NOTICE_KINDS as readonly string[]).includes(input.kind)) {
      throw badInput('input.kind', `"${input.kind}" is not one of ${NOTICE_KINDS.join(', ')}`);
    }
    const values = {
      id: `notice-${randomUUID()}`,
      publisher,
      publishedBy: this.caller.sub,
      kind: input.kind,
      title: boundedText(input.title, 'input.title', MAX_TITLE_CHARS),
      body: boundedText(input.body, 'input.body', MAX_BODY_CHARS),
      audience: input.audience,
      bankIds: audienceBanks(input),
    };
    const [row] = await this.db.insert(notices).values(values).returning(noticeColumns);
    return row;
  }

  /** 已读回执: idempotent; the first time a bank marked the notice read is the one kept. */
  async markRead(id: string): Promise<NoticeRow> {
    if (this.caller.party !== 'bank' || !this.caller.org) {
      throw forbidden('only a bank marks notices read');
    }
    const bank = this.caller.org;
    return this.db.transaction(async (tx) => {
      const [notice] = await tx
        .select(noticeColumns)
        .from(notices)
        .where(and(eq(notices.id, id), this.scope()));
      // A notice addressed to other banks does not exist for this one.
      if (!notice) throw notFound('notice', id);
      await tx
        .insert(noticeReceipts)
        .values({ noticeId: id, bankId: bank, readBy: this.caller.sub })
        .onConflictDoNothing();
      return notice;
    });
  }
}

export const noticeResolvers: GraphQLResolverMap<FinanceContext> = {
  Query: {
    notice: (_: unknown, { id }: { id: string }, { notices }: FinanceContext) =>
      notices.notice.load(id),
    notices: (
      _: unknown,
      args: PageArgs & { filter?: NoticeFilter | null },
      { notices, limits }: FinanceContext,
    ) =>
      pageOf(
        args,
        limits,
        (limit, after) => notices.list(args.filter ?? {}, limit, after),
        (row) => `${row.publishedKey}|${row.id}`,
      ),
  },
  Mutation: {
    publishNotice: async (
      _: unknown,
      { input }: { input: PublishNoticeInput },
      { notices }: FinanceContext,
    ) => ({ notice: await notices.publish(input) }),
    markNoticeRead: async (_: unknown, { id }: { id: string }, { notices }: FinanceContext) => ({
      notice: await notices.markRead(id),
    }),
  },
  Notice: {
    banks: (row: NoticeRow) => row.bankIds.map((id) => ({ id })),
    readAt: async (row: NoticeRow, _: unknown, { notices }: FinanceContext) =>
      (await notices.ownReceipt.load(row.id))?.readAt ?? null,
    receipts: (row: NoticeRow, _: unknown, { notices }: FinanceContext) =>
      notices.receipts.load(row.id),
    unreadBanks: async (row: NoticeRow, _: unknown, { notices }: FinanceContext) => {
      if (row.audience !== 'LISTED_BANKS') return null;
      const read = new Set((await notices.receipts.load(row.id)).map((r) => r.bankId));
      return row.bankIds.filter((id) => !read.has(id)).map((id) => ({ id }));
    },
  },
  NoticeReceipt: {
    bank: (row: ReceiptRow) => ({ id: row.bankId }),
  },
};
