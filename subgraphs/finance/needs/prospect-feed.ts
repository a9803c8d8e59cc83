import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, getTableColumns, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import type { Db } from '../../kernel/db.js';
import { badInput, forbidden } from '../../kernel/errors.js';
import { pageWindow, type PageArgs, type PageLimits } from '../../kernel/pagination.js';
import { preparedOnce } from '../../kernel/sql.js';
import { LIVE_WITH_MAIN_BANK, qualified, type NeedRow } from '../repository.js';
import { enterpriseProfiles, financingNeeds, needChanges, subgraphSecrets } from '../tables.js';
import type { ProspectFeedFilter } from '../generated/resolvers.js';

export type RemovalReason = 'WITHDRAWN' | 'CLAIMED_BY_OTHER' | 'CLOSED' | 'NO_LONGER_MATCHES';

export interface ProspectFeedEntry {
  needId: string;
  change: string;
  removed: boolean;
  reason: RemovalReason | null;
  need: NeedRow | null;
}

export interface ProspectFeedPage {
  edges: { cursor: string; node: ProspectFeedEntry }[];
  nodes: ProspectFeedEntry[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  caughtUp: boolean;
}

/**
 * A place in the feed: every change at or before it has been served. `x` is the writing
 * transaction's id (xid8, as text), `s` the change number; `f` ties the cursor to its filter.
 */
interface Position {
  x: string;
  s: number;
}

const ORIGIN: Position = { x: '0', s: 0 };

type FeedRow = NeedRow & { visible: boolean; matches: boolean; changeOrdinal: number };

/** GB/T 4754: a section letter and up to four digits ("C", "C39", "C3911"). */
export const INDUSTRY_CODE = /^[A-T]\d{0,4}$/;

/** The statement's snapshot horizon, as the page statement's first relation names it. */
const HORIZON = sql`snapshot.horizon`;

/** A text array bound on each execution of a prepared statement as the placeholder `name`. */
function textArray(name: string): SQL {
  return sql`${sql.placeholder(name)}::text[]`;
}

function normalise(filter: ProspectFeedFilter): Required<ProspectFeedFilter> {
  const sorted = <T extends string>(values?: T[] | null) =>
    values?.length ? [...new Set(values)].sort() : null;
  return {
    districts: sorted(filter.districts),
    industries: sorted(filter.industries),
    highTechOnly: filter.highTechOnly === true ? true : null,
    libraryStatuses: sorted(filter.libraryStatuses),
    collateral: sorted(filter.collateral),
    minAmount: filter.minAmount ?? null,
    maxAmount: filter.maxAmount ?? null,
  };
}

function validate(filter: Required<ProspectFeedFilter>): void {
  for (const code of filter.industries ?? []) {
    if (!INDUSTRY_CODE.test(code)) {
      throw badInput(
        'filter.industries',
        `"${code}" is not a GB/T 4754 code or prefix (a letter A–T and up to four digits, e.g. C39)`,
      );
    }
  }
  if (filter.minAmount != null && filter.minAmount < 0) {
    throw badInput('filter.minAmount', 'must not be negative');
  }
  if (filter.maxAmount != null && filter.minAmount != null && filter.maxAmount < filter.minAmount) {
    throw badInput('filter.maxAmount', 'must not be less than filter.minAmount');
  }
}

/** A short fingerprint of (bank, filter): a cursor only means something for the feed it came from. */
function feedKey(bankId: string, filter: Required<ProspectFeedFilter>): string {
  return createHash('sha256')
    .update(JSON.stringify([bankId, filter]))
    .digest('base64url')
    .slice(0, 12);
}

/**
 * Cursors are sealed (AES-256-GCM under a key kept in this database): a position holds the
 * writing transaction's id, a counter of every write to the finance database, and a bank must
 * not learn from its cursors how much happened in data it cannot see. Sealing also makes a
 * cursor unforgeable.
 */
const CURSOR_PREFIX = 'c2.';
const sealingKeys = new WeakMap<Db, Promise<Buffer>>();

export function feedCursorKey(db: Db): Promise<Buffer> {
  let key = sealingKeys.get(db);
  if (!key) {
    key = (async () => {
      await db
        .insert(subgraphSecrets)
        .values({ name: 'feed-cursor', secret: randomBytes(32).toString('base64') })
        .onConflictDoNothing();
      const [row] = await db
        .select({ secret: subgraphSecrets.secret })
        .from(subgraphSecrets)
        .where(eq(subgraphSecrets.name, 'feed-cursor'));
      return Buffer.from(row.secret, 'base64');
    })();
    // A failed read is not remembered: the next request tries again.
    key.catch(() => sealingKeys.delete(db));
    sealingKeys.set(db, key);
  }
  return key;
}

export function encodeFeedCursor(position: Position, key: string, sealing: Buffer): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealing, nonce);
  const plain = JSON.stringify({ x: position.x, s: position.s, f: key });
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${CURSOR_PREFIX}${Buffer.concat([nonce, cipher.getAuthTag(), sealed]).toString('base64url')}`;
}

function openCursor(cursor: string, sealing: Buffer): unknown {
  if (!cursor.startsWith(CURSOR_PREFIX)) return null;
  const bytes = Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url');
  if (bytes.length < 29) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealing, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
    return JSON.parse(plain.toString('utf8'));
  } catch {
    return null;
  }
}

function decodeFeedCursor(cursor: string, key: string, sealing: Buffer): Position {
  const c = openCursor(cursor, sealing) as { x?: unknown; s?: unknown; f?: unknown } | null;
  if (
    !c ||
    typeof c.x !== 'string' ||
    !/^\d{1,19}$/.test(c.x) ||
    !Number.isSafeInteger(c.s) ||
    (c.s as number) < 0 ||
    typeof c.f !== 'string'
  ) {
    throw badInput('after', 'is not a cursor returned by prospectFeed');
  }
  if (c.f !== key) {
    throw badInput(
      'after',
      'was issued for another filter or bank: keep one cursor per filter, or start again without after',
    );
  }
  return { x: c.x, s: c.s as number };
}

function later(a: Position, b: Position): Position {
  const ax = BigInt(a.x);
  const bx = BigInt(b.x);
  return ax > bx || (ax === bx && a.s >= b.s) ? a : b;
}

/**
 * 拟授信项目 — a bank's prospect feed, pulled in change order.
 *
 * Order: every insert and update of a need stamps it (trigger, migration 0002) with the writing
 * transaction's id and a change number; the feed is keyset-paged on (change_xid, change_seq).
 * Gap-free: a page serves only positions below the horizon — the xmin of a snapshot, under which
 * every transaction has ended — and any later write carries the id of a transaction still running
 * or yet to start, so it lands after every cursor already handed out. A need is served once per
 * scan, at its latest change. A long transaction holds the feed back (never skips it): `caughtUp`
 * says so. PGlite runs one transaction at a time, so there it is trivially serial.
 *
 * Tombstones: a need that changed since the cursor, is not in the feed now, and was visible to the
 * bank in some version at or before the cursor (financing_need_changes) comes back `removed`.
 * "Visible at or before the cursor" covers everything the bank can hold, so applying entries and
 * tombstones in order leaves exactly the needs now in its feed; a bank may get a tombstone for a
 * need it never stored (deleting it is a no-op) but never for one it could not have seen.
 */
/**
 * An edge whose cursor is sealed when first read: a page of 50 usually asks for `endCursor` only,
 * and sealing costs a random nonce and an AES-GCM pass per edge.
 */
function feedEdge(
  node: ProspectFeedEntry,
  position: () => Position,
  key: string,
  sealing: Buffer,
): { cursor: string; node: ProspectFeedEntry } {
  let cursor: string | undefined;
  return {
    node,
    get cursor() {
      return (cursor ??= encodeFeedCursor(position(), key, sealing));
    },
  };
}

export class ProspectFeed {
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {}

  async page(
    args: PageArgs & { filter?: ProspectFeedFilter | null },
    limits: PageLimits,
  ): Promise<ProspectFeedPage> {
    if (this.caller.party !== 'bank' || !this.caller.org) {
      throw forbidden('the prospect feed is for banks: the needs they may take up');
    }
    const bank = this.caller.org;
    const filter = normalise(args.filter ?? {});
    validate(filter);
    const { limit } = pageWindow({ first: args.first }, limits);
    const key = feedKey(bank, filter);
    const sealing = await feedCursorKey(this.db);
    const after = args.after ? decodeFeedCursor(args.after, key, sealing) : null;

    const { horizon, heldBack, rows } = await this.changes(bank, filter, after, limit);
    const hasNextPage = rows.length > limit;
    const edges = rows
      .slice(0, limit)
      .map((row) =>
        feedEdge(entryOf(row, bank), () => ({ x: row.changeXid, s: row.changeSeq }), key, sealing),
      );
    let endCursor: string | null;
    if (hasNextPage) {
      endCursor = edges.length ? edges[edges.length - 1].cursor : (args.after ?? null);
    } else {
      // Everything below the horizon has been seen: the next pull starts there, not at the last
      // entry, so it does not walk again over changes this bank was not shown.
      endCursor = encodeFeedCursor(later({ x: horizon, s: 0 }, after ?? ORIGIN), key, sealing);
    }
    return {
      edges,
      nodes: edges.map((e) => e.node),
      pageInfo: { hasNextPage, endCursor },
      caughtUp: !hasNextPage && !heldBack,
    };
  }

  /**
   * Needs changed after `after` and below the horizon, in change order: `limit + 1` rows, with
   * the horizon and whether committed changes already wait above it. One statement: the horizon
   * is the statement's own snapshot's, so every change below it is in what the statement reads.
   */
  private async changes(
    bank: string,
    filter: Required<ProspectFeedFilter>,
    after: Position | null,
    limit: number,
  ): Promise<{ horizon: string; heldBack: boolean; rows: FeedRow[] }> {
    const from = after ?? ORIGIN;
    const statement = preparedOnce(this.db, `finance.feed.${feedShape(filter, after)}`, (name) =>
      this.changesQuery(filter, after !== null).prepare(name),
    );
    const found = (await statement.execute({
      bank,
      x: from.x,
      s: from.s,
      limit: limit + 1,
      districts: filter.districts,
      industries: filter.industries?.map((code) => `${code}%`),
      libraryStatuses: filter.libraryStatuses,
      collateral: filter.collateral,
      minAmount: filter.minAmount,
      maxAmount: filter.maxAmount,
    })) as (FeedRow & { horizon: string; heldBack: boolean })[];
    // One row with no need when nothing changed: it still carries the horizon.
    const [{ horizon, heldBack }] = found;
    return { horizon, heldBack: heldBack === true, rows: found.filter((row) => row.id !== null) };
  }

  /**
   * The changes statement of one `feedShape`, with placeholders for what `changes` binds: only
   * whether each filter condition is set is read here.
   */
  private changesQuery(filter: Required<ProspectFeedFilter>, resumes: boolean) {
    const n = financingNeeds;
    const p = enterpriseProfiles;
    const c = needChanges;
    const bank = sql.placeholder('bank');
    const visible = or(
      and(eq(n.visibility, 'OPEN_TO_ALL_BANKS'), eq(n.status, 'OPEN')),
      and(eq(n.mainBankId, bank), inArray(n.status, LIVE_WITH_MAIN_BANK)),
    )!;
    const conditions: SQL[] = [];
    if (filter.districts) conditions.push(sql`${p.district} = any(${textArray('districts')})`);
    if (filter.industries) conditions.push(sql`${p.industry} like any(${textArray('industries')})`);
    if (filter.highTechOnly) conditions.push(eq(p.highTech, true));
    if (filter.libraryStatuses) {
      conditions.push(sql`${p.libraryStatus} = any(${textArray('libraryStatuses')})`);
    }
    if (filter.collateral) conditions.push(sql`${n.collateral} && ${textArray('collateral')}`);
    if (filter.minAmount != null) conditions.push(gte(n.amountFen, sql.placeholder('minAmount')));
    if (filter.maxAmount != null) conditions.push(lte(n.amountFen, sql.placeholder('maxAmount')));
    const matches = conditions.length ? and(...conditions)! : sql`true`;
    const from = sql`(${sql.placeholder('x')}::xid8, ${sql.placeholder('s')}::bigint)`;
    // Could the bank see the need in a version at or before the cursor? Only asked of needs not
    // in the feed now, and never on a first pull, when the bank holds nothing. A scalar subquery,
    // not EXISTS: PostgreSQL would hash an EXISTS over the whole change log once per page; this
    // probes the few versions of each candidate need by the log's primary key instead.
    const seenBefore = resumes
      ? sql`coalesce((select true from ${c} where ${c.needId} = ${n.id}
          and (${c.changeXid}, ${c.changeSeq}) <= ${from}
          and ((${c.visibility} = 'OPEN_TO_ALL_BANKS' and ${c.status} = 'OPEN')
            or (${c.mainBankId} = ${bank} and ${c.status} = any(${sql.param([...LIVE_WITH_MAIN_BANK])}::text[])))
          limit 1), false)`
      : sql`false`;
    const needsProfile =
      filter.districts || filter.industries || filter.highTechOnly || filter.libraryStatuses;
    const query = this.db
      .select({
        ...getTableColumns(n),
        visible: sql<boolean>`(${visible})`.as('visible'),
        matches: sql<boolean>`(${matches})`.as('matches'),
        // The need's own count of versions, not the global change number: that one would tell
        // a bank how many changes happened to needs it cannot see. Qualified by hand: drizzle
        // drops the table name from columns in the select list of a one-table query.
        changeOrdinal: sql<number>`(select count(*)::int from ${c}
          where ${qualified(c.needId)} = ${qualified(n.id)}
            and ${qualified(c.changeSeq)} <= ${qualified(n.changeSeq)})`.as('change_ordinal'),
      })
      .from(n)
      .$dynamic();
    if (needsProfile) {
      // Join mutates the dynamic builder in place.
      query.leftJoin(p, eq(p.enterpriseId, n.enterpriseId));
    }
    const page = query
      .where(
        and(
          sql`${n.changeXid} < ${HORIZON}`,
          sql`(${n.changeXid}, ${n.changeSeq}) > ${from}`,
          or(and(visible, matches), seenBefore),
        ),
      )
      .orderBy(asc(n.changeXid), asc(n.changeSeq))
      .limit(sql.placeholder('limit'))
      .as('page');
    // The horizon (a snapshot's xmin: every transaction below it has ended) once, beside the
    // page it bounds, so that a page with no change still answers with it.
    const fields = Object.keys(page._.selectedFields) as (keyof typeof page._.selectedFields)[];
    return this.db
      .select({
        horizon: sql<string>`${HORIZON}::text`,
        heldBack: sql<boolean>`exists (select 1 from ${n} where ${n.changeXid} >= ${HORIZON})`,
        ...Object.fromEntries(fields.map((key) => [key, page[key]])),
      })
      .from(sql`(select pg_snapshot_xmin(pg_current_snapshot()) as horizon) as snapshot`)
      .leftJoinLateral(page, sql`true`);
  }
}

/**
 * All that the text of the changes statement depends on: which conditions the filter sets and
 * whether the pull resumes from a cursor. Their values are bound per execution.
 */
function feedShape(filter: Required<ProspectFeedFilter>, after: Position | null): string {
  const set = Object.entries(filter).filter(([, value]) => value !== null);
  return [...set.map(([name]) => name), after ? 'after' : 'first'].join('+');
}

function entryOf(row: FeedRow, bank: string): ProspectFeedEntry {
  const base = { needId: row.id, change: String(row.changeOrdinal) };
  if (row.visible && row.matches) return { ...base, removed: false, reason: null, need: row };
  let reason: RemovalReason;
  if (row.visible) reason = 'NO_LONGER_MATCHES';
  else if (row.status === 'WITHDRAWN') reason = 'WITHDRAWN';
  else if (row.mainBankId !== null && row.mainBankId !== bank) reason = 'CLAIMED_BY_OTHER';
  else reason = 'CLOSED';
  return { ...base, removed: true, reason, need: null };
}
