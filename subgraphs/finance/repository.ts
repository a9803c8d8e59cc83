import {
  and,
  asc,
  desc,
  eq,
  getTableColumns,
  getTableName,
  gt,
  gte,
  ilike,
  inArray,
  lte,
  or,
  sql,
  type Placeholder,
  type SQL,
} from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Caller } from '../kernel/caller.js';
import type { Db } from '../kernel/db.js';
import { anyOf, anyOfPlaceholder, CALLER_ORG, preparedOnce, scopeShape } from '../kernel/sql.js';
import {
  enterpriseProfiles,
  financialProducts,
  financingNeeds,
  listingTiers,
  needFeedback,
} from './tables.js';
import type { FinancingNeedFilter, ProductFilter } from './generated/resolvers.js';

export type NeedRow = typeof financingNeeds.$inferSelect;
export type ProductRow = typeof financialProducts.$inferSelect;
export type ListingTierRow = typeof listingTiers.$inferSelect;
export type ProfileRow = typeof enterpriseProfiles.$inferSelect;
export type RecommendationRow = { needId: string; product: ProductRow };
export type FeedbackRow = typeof needFeedback.$inferSelect;
export type OverdueCountRow = { bankId: string; count: number; oldestDueAt: Date };

const NO_ROWS = sql`false`;

/**
 * Needs the caller may see: the finance office and the technology bureau all of them; a bank the
 * needs open to every bank plus the ones it is main bank of; an enterprise its own. The PBOC gets
 * aggregates elsewhere, never rows. `org` is `CALLER_ORG` in a prepared statement.
 */
export function needScope(
  caller: Caller,
  org: string | Placeholder = caller.org ?? '',
): SQL | undefined {
  switch (caller.party) {
    case 'tech_bureau':
    case 'finance_office':
      return undefined;
    case 'bank':
      if (!caller.org) return NO_ROWS;
      return or(
        and(eq(financingNeeds.visibility, 'OPEN_TO_ALL_BANKS'), eq(financingNeeds.status, 'OPEN')),
        eq(financingNeeds.mainBankId, org),
      );
    case 'enterprise':
      return caller.org ? eq(financingNeeds.enterpriseId, org) : NO_ROWS;
    default:
      return NO_ROWS;
  }
}

/**
 * Every party sees the catalogue: published products the finance office has not hidden; a bank
 * also its own withdrawn or hidden ones, the finance office all.
 */
export function productScope(caller: Caller): SQL | undefined {
  if (caller.party === 'finance_office') return undefined;
  const listed = and(eq(financialProducts.published, true), eq(financialProducts.hidden, false));
  if (caller.party === 'bank' && caller.org) {
    return or(listed, eq(financialProducts.bankId, caller.org));
  }
  return listed;
}

/** The search of `ProductFilter`, as conditions on `financial_products`. */
export function productFilterConditions(filter: ProductFilter): (SQL | undefined)[] {
  const conditions: (SQL | undefined)[] = [];
  if (filter.bankId) conditions.push(eq(financialProducts.bankId, filter.bankId));
  if (filter.categories?.length) {
    conditions.push(inArray(financialProducts.category, filter.categories));
  }
  if (filter.collateral?.length) {
    conditions.push(sql`${financialProducts.collateral} && ${textArray(filter.collateral)}`);
  }
  if (filter.amount != null) {
    conditions.push(
      lte(financialProducts.minAmountFen, filter.amount),
      gte(financialProducts.maxAmountFen, filter.amount),
    );
  }
  if (filter.termMonths != null) {
    conditions.push(gte(financialProducts.maxTermMonths, filter.termMonths));
  }
  if (filter.nameContains) {
    conditions.push(ilike(financialProducts.name, `%${escapeLike(filter.nameContains)}%`));
  }
  if (filter.featured != null) conditions.push(eq(financialProducts.featured, filter.featured));
  return conditions;
}

/** The main bank still owes its solution (一企一策) and the one-day deadline has passed. */
const isOverdue = sql`(${financingNeeds.status} = 'ASSIGNED' and ${financingNeeds.solutionProposedAt} is null and ${financingNeeds.solutionDueAt} < now())`;

/**
 * The collateral kinds a need offers that the enterprise can give: a patent pledge (专利权质押)
 * only while the library read model counts granted patents of its own, so no product is offered
 * against a pledge the enterprise has nothing to back. Granted patents are public data; whether
 * they are already pledged is PATENT_VALUATION data and is never read here. For queries that
 * left-join `enterprise_profiles` on the need's enterprise.
 */
export function givableCollateral(): SQL<string[]> {
  const granted = sql`coalesce(${qualified(enterpriseProfiles.grantedPatents)}, 0)`;
  const offered = qualified(financingNeeds.collateral);
  return sql<
    string[]
  >`(case when ${granted} > 0 then ${offered} else array_remove(${offered}, 'PATENT_PLEDGE') end)`;
}

/**
 * A visible product that can serve a need: published, not hidden, the amount within its range,
 * the term within its longest, collateral the enterprise can give (`givableCollateral`) or none
 * needed, and what it asks of the enterprise met: a high-tech certificate (高新技术企业), granted
 * patents. For queries joining `financial_products` to `financing_needs` and left-joining
 * `enterprise_profiles` on the need's enterprise (an enterprise missing from the read model
 * holds nothing).
 */
export function productFitsNeed(): SQL {
  const p = financialProducts;
  const n = financingNeeds;
  const ep = enterpriseProfiles;
  return and(
    eq(p.published, true),
    eq(p.hidden, false),
    lte(p.minAmountFen, n.amountFen),
    gte(p.maxAmountFen, n.amountFen),
    gte(p.maxTermMonths, n.termMonths),
    or(sql`${p.collateral} && ${givableCollateral()}`, sql`'NONE' = any(${p.collateral})`),
    or(eq(p.requiresHighTech, false), sql`coalesce(${qualified(ep.highTech)}, false)`),
    or(eq(p.requiresPatents, false), sql`coalesce(${qualified(ep.grantedPatents)}, 0) > 0`),
  )!;
}

export function qualified(column: AnyPgColumn): SQL {
  return sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`;
}

function textArray(values: readonly string[]): SQL {
  return sql`${sql.param([...values])}::text[]`;
}

/**
 * The best `perNeed` products (placeholder) for each need of `needIds` (placeholder) in the
 * caller's scope, as a statement to prepare: a lateral subquery per need. See
 * `recommendationsForNeeds`. With `oneBank`, only the products of the bank bound as `bankId`:
 * the statement opens with a CTE of that bank's visible products named `financial_products`, so
 * the ranking below reads it in place of the catalogue (in its own body the name is still the
 * table) and each need ranks those few products instead of filtering the whole catalogue again.
 * The CTE is used a second time, so PostgreSQL materializes it once (a CTE used once is folded
 * back into the query); that use also ends the statement at once for a bank with nothing on show.
 */
function rankedProducts(db: Db, caller: Caller, oneBank = false) {
  const p = financialProducts;
  const n = financingNeeds;
  // Qualified by hand: drizzle drops the table name from columns in a select list, and both
  // tables have a `collateral` column.
  const fit = sql<number>`(select count(*) from unnest(${qualified(p.collateral)}) as kind where kind = any(${givableCollateral()}))::int`;
  const bankProducts = db.$with(getTableName(p)).as(
    db
      .select()
      .from(p)
      .where(
        and(eq(p.bankId, sql.placeholder('bankId')), eq(p.published, true), eq(p.hidden, false)),
      ),
  );
  const ranked = db
    .select({ ...getTableColumns(p), fit: fit.as('fit') })
    .from(p)
    .where(productFitsNeed())
    .orderBy(desc(fit), asc(p.rateFloor), asc(p.id))
    .limit(sql.placeholder('perNeed'))
    .as('ranked');
  // Nested under `product` so that the need's id and the product's id do not collide.
  const columns = Object.keys(getTableColumns(p)) as (keyof ProductRow)[];
  const product = Object.fromEntries(columns.map((key) => [key, ranked[key]])) as {
    [K in keyof ProductRow]: (typeof ranked)[K];
  };
  return (oneBank ? db.with(bankProducts) : db)
    .select({ needId: n.id, product })
    .from(n)
    .leftJoin(enterpriseProfiles, eq(enterpriseProfiles.enterpriseId, n.enterpriseId))
    .crossJoinLateral(ranked)
    .where(
      and(
        anyOfPlaceholder(n.id, 'needIds'),
        needScope(caller, CALLER_ORG),
        oneBank ? sql`exists (select from ${bankProducts})` : undefined,
      ),
    )
    .orderBy(asc(n.id), desc(ranked.fit), asc(ranked.rateFloor), asc(ranked.id));
}

/** Statuses in which a need has a main bank and is not yet closed. */
export const LIVE_WITH_MAIN_BANK = ['ASSIGNED', 'SOLUTION_PROPOSED', 'CREDIT_APPROVED'];

export class FinanceRepository {
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {}

  async needsByIds(ids: readonly string[]): Promise<NeedRow[]> {
    const { db, caller } = this;
    return preparedOnce(db, `finance.needsByIds.${scopeShape(caller)}`, (name) =>
      db
        .select()
        .from(financingNeeds)
        .where(and(anyOfPlaceholder(financingNeeds.id, 'ids'), needScope(caller, CALLER_ORG)))
        .prepare(name),
    ).execute({ ids, org: caller.org });
  }

  /** Live needs of these enterprises whose main bank is `bankId` (the gateway's main_bank facts). */
  async mainBankNeeds(bankId: string, enterpriseIds: readonly string[]) {
    const { db } = this;
    return preparedOnce(db, 'finance.mainBankNeeds', (name) =>
      db
        .select({ needId: financingNeeds.id, enterpriseId: financingNeeds.enterpriseId })
        .from(financingNeeds)
        .where(
          and(
            anyOfPlaceholder(financingNeeds.enterpriseId, 'enterpriseIds'),
            eq(financingNeeds.mainBankId, sql.placeholder('bankId')),
            inArray(financingNeeds.status, LIVE_WITH_MAIN_BANK),
          ),
        )
        .prepare(name),
    ).execute({ bankId, enterpriseIds });
  }

  async needsByEnterprises(enterpriseIds: readonly string[]): Promise<NeedRow[]> {
    const { db, caller } = this;
    return preparedOnce(db, `finance.needsByEnterprises.${scopeShape(caller)}`, (name) =>
      db
        .select()
        .from(financingNeeds)
        .where(
          and(anyOfPlaceholder(financingNeeds.enterpriseId, 'ids'), needScope(caller, CALLER_ORG)),
        )
        .orderBy(asc(financingNeeds.enterpriseId), asc(financingNeeds.id))
        .prepare(name),
    ).execute({ ids: enterpriseIds, org: caller.org });
  }

  async listNeeds(filter: FinancingNeedFilter, limit: number, after?: string): Promise<NeedRow[]> {
    const conditions: (SQL | undefined)[] = [needScope(this.caller)];
    if (after) conditions.push(gt(financingNeeds.id, after));
    if (filter.statuses?.length) conditions.push(inArray(financingNeeds.status, filter.statuses));
    if (filter.visibility) conditions.push(eq(financingNeeds.visibility, filter.visibility));
    if (filter.enterpriseId) conditions.push(eq(financingNeeds.enterpriseId, filter.enterpriseId));
    if (filter.mainBankId) conditions.push(eq(financingNeeds.mainBankId, filter.mainBankId));
    if (filter.collateral?.length) {
      conditions.push(sql`${financingNeeds.collateral} && ${textArray(filter.collateral)}`);
    }
    if (filter.minAmount != null) conditions.push(gte(financingNeeds.amountFen, filter.minAmount));
    if (filter.maxAmount != null) conditions.push(lte(financingNeeds.amountFen, filter.maxAmount));
    if (filter.overdue === true) conditions.push(isOverdue);
    if (filter.overdue === false) conditions.push(sql`not ${isOverdue}`);
    return this.db
      .select()
      .from(financingNeeds)
      .where(and(...conditions))
      .orderBy(asc(financingNeeds.id))
      .limit(limit + 1);
  }

  async productsByIds(ids: readonly string[]): Promise<ProductRow[]> {
    return this.db
      .select()
      .from(financialProducts)
      .where(and(anyOf(financialProducts.id, ids), productScope(this.caller)));
  }

  async listProducts(filter: ProductFilter, limit: number, after?: string): Promise<ProductRow[]> {
    const conditions: (SQL | undefined)[] = [
      productScope(this.caller),
      ...productFilterConditions(filter),
    ];
    if (after) conditions.push(gt(financialProducts.id, after));
    return this.db
      .select()
      .from(financialProducts)
      .where(and(...conditions))
      .orderBy(asc(financialProducts.id))
      .limit(limit + 1);
  }

  /**
   * The best `perNeed` published products for each need, in one statement: a lateral subquery per
   * need. A product qualifies as `productFitsNeed` says (amount, term, collateral the enterprise
   * can give or none at all (信用), eligibility per the library read model); qualifying products
   * are ranked by how many of the givable collateral kinds they accept, then by the lowest rate
   * floor.
   */
  async recommendationsForNeeds(
    needIds: readonly string[],
    perNeed: number,
  ): Promise<RecommendationRow[]> {
    const { db, caller } = this;
    return preparedOnce(db, `finance.recommendations.${scopeShape(caller)}`, (name) =>
      rankedProducts(db, caller).prepare(name),
    ).execute({ needIds, perNeed, org: caller.org ?? '' });
  }

  /**
   * A bank's own published products that fit each need (the prospect feed's `matchingProducts`):
   * the same fit and ranking as the recommendations.
   */
  async matchingProductsForNeeds(
    needIds: readonly string[],
    bankId: string,
    perNeed: number,
  ): Promise<RecommendationRow[]> {
    const { db, caller } = this;
    return preparedOnce(db, `finance.matchingProducts.${scopeShape(caller)}`, (name) =>
      rankedProducts(db, caller, true).prepare(name),
    ).execute({ needIds, perNeed, bankId, org: caller.org ?? '' });
  }

  /**
   * 受理回告 on these needs that the caller may read: agencies every answer, a bank its own, an
   * enterprise every answer on its own needs (the reply is meant for it).
   */
  async feedbackForNeeds(needIds: readonly string[]): Promise<FeedbackRow[]> {
    let scope: SQL | undefined;
    if (this.caller.party === 'bank') {
      if (!this.caller.org) return [];
      scope = eq(needFeedback.bankId, this.caller.org);
    } else if (this.caller.party === 'enterprise') {
      if (!this.caller.org) return [];
      scope = sql`exists (select 1 from ${financingNeeds} where ${financingNeeds.id} = ${needFeedback.needId} and ${financingNeeds.enterpriseId} = ${this.caller.org})`;
    } else if (!this.caller.scopes.has('rows:all')) {
      return [];
    }
    return this.db
      .select()
      .from(needFeedback)
      .where(and(anyOf(needFeedback.needId, needIds), scope))
      .orderBy(asc(needFeedback.needId), asc(needFeedback.answeredAt), asc(needFeedback.id));
  }

  /**
   * Overdue needs per main bank. Agencies count every bank; a bank (or anyone else holding the
   * scope) only what its row scope lets it see.
   */
  async overdueByBank(): Promise<OverdueCountRow[]> {
    const n = financingNeeds;
    const count = sql<number>`count(*)::int`;
    return this.db
      .select({
        bankId: sql<string>`${n.mainBankId}`,
        count,
        oldestDueAt: sql<Date>`min(${n.solutionDueAt})`.mapWith(n.solutionDueAt),
      })
      .from(n)
      .where(
        and(isOverdue, this.caller.scopes.has('rows:all') ? undefined : needScope(this.caller)),
      )
      .groupBy(n.mainBankId)
      .orderBy(desc(count), asc(n.mainBankId));
  }

  /** This subgraph's copies of these enterprises' library profiles (public attributes only). */
  async profilesByEnterprises(enterpriseIds: readonly string[]): Promise<ProfileRow[]> {
    const { db } = this;
    return preparedOnce(db, 'finance.profilesByEnterprises', (name) =>
      db
        .select()
        .from(enterpriseProfiles)
        .where(anyOfPlaceholder(enterpriseProfiles.enterpriseId, 'ids'))
        .prepare(name),
    ).execute({ ids: enterpriseIds });
  }

  async listingTiersByEnterprises(enterpriseIds: readonly string[]): Promise<ListingTierRow[]> {
    return this.db
      .select()
      .from(listingTiers)
      .where(anyOf(listingTiers.enterpriseId, enterpriseIds));
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
