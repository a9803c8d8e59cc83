import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import type { Db } from '../../kernel/db.js';
import { badInput, forbidden, notFound } from '../../kernel/errors.js';
import { groupLoader, rowLoader } from '../../kernel/loader.js';
import { pageOf } from '../../kernel/pagination.js';
import { anyOf } from '../../kernel/sql.js';
import type { NoticeFilter, PublishNoticeInput, Resolvers } from '../generated/resolvers.js';
import { bankId, INDUSTRY_CODE } from '../needs/index.js';
import { enterpriseProfiles } from '../tables.js';
import { enterpriseNoticeReceipts, noticeReceipts, notices } from './tables.js';
import { boundedText } from '../../kernel/text.js';

export type NoticeRow = typeof notices.$inferSelect & {
  /** `published_at` as PostgreSQL prints it: microseconds kept, for the keyset cursor. */
  publishedKey: string;
};
export type ReceiptRow = typeof noticeReceipts.$inferSelect;
export type EnterpriseReceiptRow = typeof enterpriseNoticeReceipts.$inferSelect;
/** The caller's own receipt of a notice, a bank's or an enterprise's. */
export type OwnReceiptRow = { noticeId: string; readAt: Date };

export const NOTICE_KINDS = [
  'INDUSTRY_PLAN',
  'ADJUSTMENT',
  'PROJECTS_BROUGHT_IN',
  'PROJECT_SUPPLY_DEMAND',
] as const;
const MAX_TITLE_CHARS = 200;
const MAX_BODY_CHARS = 20_000;
const MAX_LISTED_BANKS = 100;
/** Audiences of enterprises (宣传推广, 四(三)); the others are banks. */
const ENTERPRISE_AUDIENCES = ['ALL_ENTERPRISES', 'LIBRARY_MEMBERS', 'DISTRICT', 'INDUSTRY'];

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
  district: notices.district,
  industry: notices.industry,
  publishedAt: notices.publishedAt,
  publishedKey: sql<string>`${notices.publishedAt}::text`,
};

/** Who a notice goes to, as stored: the listed banks, the district or the industry addressed. */
interface Addressees {
  bankIds: string[];
  district: string | null;
  industry: string | null;
}

/** The audience's own field must be given, every other audience's left out. */
function audienceOf(input: PublishNoticeInput): Addressees {
  const own: Record<string, keyof Addressees | undefined> = {
    LISTED_BANKS: 'bankIds',
    DISTRICT: 'district',
    INDUSTRY: 'industry',
  };
  const given = {
    bankIds: (input.bankIds ?? []).length > 0,
    district: input.district != null,
    industry: input.industry != null,
  };
  for (const field of ['bankIds', 'district', 'industry'] as const) {
    if (given[field] && own[input.audience] !== field) {
      throw badInput(`input.${field}`, `must be left out when the audience is ${input.audience}`);
    }
  }
  return {
    bankIds: input.audience === 'LISTED_BANKS' ? listedBanks(input.bankIds ?? []) : [],
    district: input.audience === 'DISTRICT' ? required(input.district, 'input.district') : null,
    industry: input.audience === 'INDUSTRY' ? industryCode(input.industry) : null,
  };
}

function required<T>(value: T | null | undefined, field: string): T {
  if (value == null) throw badInput(field, 'must be given for this audience');
  return value;
}

function industryCode(value: string | null | undefined): string {
  const code = required(value, 'input.industry').trim();
  if (!INDUSTRY_CODE.test(code)) {
    throw badInput(
      'input.industry',
      `"${code}" is not a GB/T 4754 code or prefix (a letter A–T and up to four digits, e.g. C39)`,
    );
  }
  return code;
}

function listedBanks(ids: readonly string[]): string[] {
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
 * The notices addressed to an enterprise, from the library read model (`enterprise_profiles`) as
 * it stands: every enterprise, the admitted members (入库), its district, its industry (the
 * notice's code a prefix of the enterprise's).
 */
function addressedToEnterprise(enterpriseId: string): SQL {
  const ep = enterpriseProfiles;
  return sql`(${notices.audience} = 'ALL_ENTERPRISES' or exists (
    select 1 from ${ep} where ${ep.enterpriseId} = ${enterpriseId} and (
      (${notices.audience} = 'LIBRARY_MEMBERS' and ${ep.libraryStatus} = 'ADMITTED')
      or (${notices.audience} = 'DISTRICT' and ${ep.district} = ${notices.district})
      or (${notices.audience} = 'INDUSTRY' and ${ep.industry} like ${notices.industry} || '%'))))`;
}

/** The table of the caller's own read receipts: a bank's or an enterprise's; none for others. */
function ownReceipts(caller: Caller) {
  if (!caller.org) return null;
  if (caller.party === 'bank') {
    const t = noticeReceipts;
    return { table: t, noticeId: t.noticeId, reader: t.bankId, org: caller.org };
  }
  if (caller.party === 'enterprise') {
    const t = enterpriseNoticeReceipts;
    return { table: t, noticeId: t.noticeId, reader: t.enterpriseId, org: caller.org };
  }
  return null;
}

/**
 * 信息服务 (三(八)) and 宣传推广 (四(三)): notices from the finance office and the technology bureau
 * to banks or to enterprises, and their read receipts.
 */
export class Notices {
  readonly notice;
  /** Every bank's receipts per notice: for the agencies that read them. */
  readonly receipts;
  /** The enterprises' receipts per notice: for the agency that published it. */
  readonly enterpriseReceipts;
  /** The calling bank's or enterprise's own receipt per notice. */
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
    const r = enterpriseNoticeReceipts;
    this.enterpriseReceipts = groupLoader(
      (ids) =>
        this.db
          .select()
          .from(r)
          .where(and(anyOf(r.noticeId, ids), this.enterpriseReceiptScope()))
          .orderBy(asc(r.readAt), asc(r.enterpriseId)),
      (row) => row.noticeId,
    );
    this.ownReceipt = rowLoader(
      (ids) => this.ownReceiptsOf(ids),
      (row) => row.noticeId,
    );
  }

  private ownReceiptsOf(ids: readonly string[]): Promise<OwnReceiptRow[]> {
    const own = ownReceipts(this.caller);
    if (!own) return Promise.resolve([]);
    return this.db
      .select({ noticeId: own.noticeId, readAt: own.table.readAt })
      .from(own.table)
      .where(and(anyOf(own.noticeId, ids), eq(own.reader, own.org)));
  }

  /**
   * Notices the caller sees: the finance office and the PBOC all; the technology bureau those it
   * published; a bank those addressed to all banks or listing it; an enterprise those addressed
   * to it (`addressedToEnterprise`).
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
      case 'enterprise':
        return this.caller.org ? addressedToEnterprise(this.caller.org) : NO_ROWS;
      default:
        return NO_ROWS;
    }
  }

  private receiptScope(): SQL | undefined {
    return this.caller.party === 'finance_office' || this.caller.party === 'pboc'
      ? undefined
      : NO_ROWS;
  }

  /** An enterprise's receipt is seen by the agency that published the notice, and no one else. */
  private enterpriseReceiptScope(): SQL {
    const publisher = publisherOf(this.caller);
    if (!publisher) return NO_ROWS;
    const r = enterpriseNoticeReceipts;
    return sql`exists (select 1 from ${notices} where ${notices.id} = ${r.noticeId} and ${notices.publisher} = ${publisher})`;
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
      const own = ownReceipts(this.caller);
      if (!own) {
        throw badInput(
          'filter.unreadOnly',
          'only a bank or an enterprise has read receipts of its own',
        );
      }
      conditions.push(
        sql`not exists (select 1 from ${own.table} where ${own.noticeId} = ${notices.id} and ${own.reader} = ${own.org})`,
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
    const publisher = publisherOf(this.caller);
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
      ...audienceOf(input),
    };
    const [row] = await this.db.insert(notices).values(values).returning(noticeColumns);
    return row;
  }

  /**
   * 已读回执: a bank or an enterprise marks a notice addressed to it read; idempotent, the first
   * time is the one kept.
   */
  async markRead(id: string): Promise<NoticeRow> {
    const own = ownReceipts(this.caller);
    if (!own) throw forbidden('only a bank or an enterprise marks notices read');
    return this.db.transaction(async (tx) => {
      const [notice] = await tx
        .select(noticeColumns)
        .from(notices)
        .where(and(eq(notices.id, id), this.scope()));
      // A notice addressed to others does not exist for this reader.
      if (!notice) throw notFound('notice', id);
      const receipt = { noticeId: id, readBy: this.caller.sub };
      await (
        this.caller.party === 'bank'
          ? tx.insert(noticeReceipts).values({ ...receipt, bankId: own.org })
          : tx.insert(enterpriseNoticeReceipts).values({ ...receipt, enterpriseId: own.org })
      ).onConflictDoNothing();
      return notice;
    });
  }
}

function publisherOf(caller: Caller): 'FINANCE_OFFICE' | 'TECH_BUREAU' | null {
  if (caller.party === 'finance_office') return 'FINANCE_OFFICE';
  if (caller.party === 'tech_bureau') return 'TECH_BUREAU';
  return null;
}

export const noticeResolvers: Resolvers = {
  Query: {
    notice: (_, { id }, { notices }) => notices.notice.load(id),
    notices: (_, args, { notices, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => notices.list(args.filter ?? {}, limit, after),
        (row) => `${row.publishedKey}|${row.id}`,
      ),
  },
  Mutation: {
    publishNotice: async (_, { input }, { notices }) => ({ notice: await notices.publish(input) }),
    markNoticeRead: async (_, { id }, { notices }) => ({
      notice: await notices.markRead(id),
    }),
  },
  Notice: {
    banks: (row) => row.bankIds.map((id) => ({ id })),
    readAt: async (row, _, { notices }) => (await notices.ownReceipt.load(row.id))?.readAt ?? null,
    receipts: (row, _, { notices }) => notices.receipts.load(row.id),
    unreadBanks: async (row, _, { notices }) => {
      if (row.audience !== 'LISTED_BANKS') return null;
      const read = new Set((await notices.receipts.load(row.id)).map((r) => r.bankId));
      return row.bankIds.filter((id) => !read.has(id)).map((id) => ({ id }));
    },
    enterpriseReceipts: (row, _, { notices }) =>
      ENTERPRISE_AUDIENCES.includes(row.audience) ? notices.enterpriseReceipts.load(row.id) : [],
  },
  NoticeReceipt: {
    bank: (row) => ({ id: row.bankId }),
  },
  EnterpriseNoticeReceipt: {
    enterprise: (row) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
  },
};
