import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import { and, asc, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import type { Db } from '../../kernel/db.js';
import { conflict, forbidden } from '../../kernel/errors.js';
import { inReadScope } from '../../kernel/scope.js';
import { groupLoader } from '../../kernel/loader.js';
import { fenToYuan } from '../../kernel/money.js';
import { pageWindow } from '../../kernel/pagination.js';
import { anyOf } from '../../kernel/sql.js';
import type {
  CurateProductInput,
  EditProductInput,
  ProductFilter,
  PublishProductInput,
  Resolvers,
} from '../generated/resolvers.js';
import { validateCuration, validateProduct, validateProductEdit } from './product-input.js';
import {
  givableCollateral,
  needScope,
  productFilterConditions,
  productFitsNeed,
  productScope,
  qualified,
  type NeedRow,
  type ProductRow,
} from '../repository.js';
import { enterpriseProfiles, financialProducts, financingNeeds } from '../tables.js';

/** Recommendations are a short list beside a need, not a page to scroll. */
const DEFAULT_RECOMMENDATIONS = 5;
/** The whole catalogue is a few hundred products; the grouped view is one bounded read. */
const CATALOGUE_LIMIT = 2000;

/** One ranked product for one need, with what the reasons are made from. */
export interface RecommendationMatch {
  needId: string;
  product: ProductRow;
  score: number;
  /** The need's collateral kinds the product accepts. */
  matched: string[];
  grantedPatents: number;
}

export interface CategoryGroup {
  category: string;
  count: number;
  products: ProductRow[];
}

const COLLATERAL_LABELS: Record<string, string> = {
  PATENT_PLEDGE: 'patent pledge (专利权质押)',
  TRADEMARK_PLEDGE: 'trademark pledge (商标权质押)',
  EQUITY_PLEDGE: 'equity pledge (股权质押)',
  ORDER_PLEDGE: 'order pledge (订单质押)',
  WAREHOUSE_RECEIPT_PLEDGE: 'warehouse-receipt pledge (仓单质押)',
  INSURANCE_POLICY_PLEDGE: 'insurance-policy pledge (保单质押)',
  RECEIVABLES: 'receivables (应收账款)',
  GUARANTEE: 'a guarantee (担保)',
  REAL_ESTATE: 'a real-estate mortgage (不动产抵押)',
};

/** "0.035000" → "3.50%", exactly (no float). */
export function ratePercent(rate: string): string {
  const [whole, fraction = ''] = rate.split('.');
  const digits = fraction.padEnd(4, '0');
  return `${Number(whole) * 100 + Number(digits.slice(0, 2))}.${digits.slice(2, 4)}%`;
}

/** Why a product suits a need, most weighty first (the order of the score's parts). */
export function recommendationReasons(need: NeedRow, match: RecommendationMatch): string[] {
  const { product } = match;
  const reasons: string[] = [];
  const pledged = match.matched.filter((kind) => kind !== 'NONE');
  if (pledged.length > 0) {
    const labels = pledged.map((kind) => COLLATERAL_LABELS[kind] ?? kind);
    reasons.push(`accepts ${labels.join(' and ')}, which the need offers`);
  } else if (match.matched.includes('NONE')) {
    reasons.push('unsecured (信用): no collateral, as the need offers none');
  } else {
    reasons.push('unsecured (信用): needs none of the collateral the need offers');
  }
  reasons.push(
    `amount ¥${fenToYuan(need.amountFen)} within ¥${fenToYuan(product.minAmountFen)}–¥${fenToYuan(product.maxAmountFen)}`,
  );
  reasons.push(
    `term ${need.termMonths} months within the product's ${product.maxTermMonths}-month maximum`,
  );
  if (product.requiresHighTech) {
    reasons.push('requires a high-tech certificate (高新技术企业): the enterprise holds one');
  }
  if (product.requiresPatents) {
    const n = match.grantedPatents;
    reasons.push(
      `requires patents to pledge: the enterprise holds ${n} granted ${n === 1 ? 'patent' : 'patents'}`,
    );
  }
  reasons.push(`rate from ${ratePercent(product.rateFloor)}`);
  if (product.featured) reasons.push('featured by the finance office (精选)');
  return reasons;
}

/**
 * The product catalogue (金融产品库): banks publish and edit their own products, the finance office
 * curates them, and needs get products ranked for them. Each mutation is one transaction that
 * locks the product it changes, so a bank's edit and the office's curation never interleave.
 */
export class ProductCatalogue {
  private readonly recommendationLoaders = new Map<
    number,
    DataLoader<string, RecommendationMatch[]>
  >();

  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {}

  private bankId(): string {
    if (this.caller.party !== 'bank' || !this.caller.org) {
      throw forbidden('only a bank publishes, edits and withdraws its own products');
    }
    return this.caller.org;
  }

  /** The product in the caller's read scope (`productScope`), locked; else NOT_FOUND. */
  private visible(tx: Db, id: string): Promise<ProductRow> {
    return inReadScope(
      tx
        .select()
        .from(financialProducts)
        .where(and(eq(financialProducts.id, id), productScope(this.caller)))
        .for('update'),
      'financial product',
      id,
    );
  }

  /**
   * The product, locked, when it belongs to the calling bank. Another bank's product the caller
   * may read (listed in the catalogue) is FORBIDDEN; one it may not (withdrawn or hidden) is
   * NOT_FOUND like a missing one.
   */
  private async ownProduct(tx: Db, id: string): Promise<ProductRow> {
    const bank = this.bankId();
    const row = await this.visible(tx, id);
    if (row.bankId !== bank) {
      throw forbidden(
        `financial product "${id}" belongs to another bank: a bank changes only its own`,
      );
    }
    return row;
  }

  async publish(input: PublishProductInput): Promise<ProductRow> {
    const bankId = this.bankId();
    const fields = validateProduct(input);
    const [row] = await this.db
      .insert(financialProducts)
      .values({ id: `prod-${randomUUID()}`, bankId, ...fields, published: true })
      .returning();
    return row;
  }

  async edit(id: string, input: EditProductInput): Promise<ProductRow> {
    this.bankId();
    return this.db.transaction(async (tx) => {
      const current = await this.ownProduct(tx as unknown as Db, id);
      const changes = validateProductEdit(input, current);
      if (
        changes.category !== undefined &&
        changes.category !== current.category &&
        current.categoryCuratedAt
      ) {
        throw conflict(
          `financial product "${id}": the finance office assigned its category ${current.category} ` +
            `on ${current.categoryCuratedAt.toISOString()}; ask the office to change it`,
        );
      }
      const [row] = await tx
        .update(financialProducts)
        .set({ ...changes, updatedAt: sql`now()` })
        .where(eq(financialProducts.id, id))
        .returning();
      return row;
    });
  }

  async setPublished(id: string, published: boolean): Promise<ProductRow> {
    this.bankId();
    return this.db.transaction(async (tx) => {
      const current = await this.ownProduct(tx as unknown as Db, id);
      if (current.published === published) {
        throw conflict(
          `financial product "${id}" is already ${published ? 'published' : 'withdrawn'}`,
        );
      }
      const [row] = await tx
        .update(financialProducts)
        .set({ published, updatedAt: sql`now()` })
        .where(eq(financialProducts.id, id))
        .returning();
      return row;
    });
  }

  async curate(id: string, input: CurateProductInput): Promise<ProductRow> {
    if (this.caller.party !== 'finance_office') {
      throw forbidden('only the finance office curates the product catalogue');
    }
    return this.db.transaction(async (tx) => {
      const current = await this.visible(tx as unknown as Db, id);
      const changes = validateCuration(input, current);
      const [row] = await tx
        .update(financialProducts)
        .set({
          ...changes,
          ...(changes.category !== undefined ? { categoryCuratedAt: sql`now()` } : {}),
          curatedAt: sql`now()`,
          updatedAt: sql`now()`,
        })
        .where(eq(financialProducts.id, id))
        .returning();
      return row;
    });
  }

  /** The products the caller may see, grouped by category in catalogue order. */
  async catalogue(filter: ProductFilter): Promise<CategoryGroup[]> {
    const p = financialProducts;
    const rows = await this.db
      .select()
      .from(p)
      .where(and(productScope(this.caller), ...productFilterConditions(filter)))
      .orderBy(
        asc(p.category),
        desc(p.featured),
        sql`${p.displayOrder} asc nulls last`,
        asc(p.rateFloor),
        asc(p.id),
      )
      .limit(CATALOGUE_LIMIT);
    const groups: CategoryGroup[] = [];
    for (const row of rows) {
      const last = groups[groups.length - 1];
      if (last?.category === row.category) {
        last.products.push(row);
        last.count++;
      } else {
        groups.push({ category: row.category, count: 1, products: [row] });
      }
    }
    return groups;
  }

  /** The best `perNeed` products for a need; every need of a request shares one statement. */
  recommendationsFor(needId: string, perNeed: number): Promise<RecommendationMatch[]> {
    let loader = this.recommendationLoaders.get(perNeed);
    if (!loader) {
      loader = groupLoader(
        (needIds) => this.rank(needIds, perNeed),
        (row) => row.needId,
      );
      this.recommendationLoaders.set(perNeed, loader);
    }
    return loader.load(needId);
  }

  /**
   * Ranks in SQL, a lateral subquery per need. The filter is what makes a product usable at all
   * (`productFitsNeed`: amount, term, collateral the enterprise can give or none, the eligibility
   * it asks for, per the library read model); the score is documented on
   * `ProductRecommendation.score`, and the reasons are spelt out from the same parts.
   */
  private async rank(needIds: readonly string[], perNeed: number): Promise<RecommendationMatch[]> {
    const p = financialProducts;
    const n = financingNeeds;
    const ep = enterpriseProfiles;
    const granted = sql`coalesce(${qualified(ep.grantedPatents)}, 0)`;
    // Qualified by hand: in a select list drizzle drops the table name, and both tables have
    // a `collateral` column.
    const givable = givableCollateral();
    const matched = sql<
      string[]
    >`array(select kind from unnest(${qualified(p.collateral)}) as kind where kind = any(${givable}) order by kind)`;
    const score = sql<number>`(
      (case when cardinality(${matched}) > 0
        then 20 + (20 * cardinality(${matched})) / cardinality(${givable})
        else 15 end)
      + (case when ${qualified(p.requiresHighTech)} then 10 else 0 end)
      + (case when ${qualified(p.requiresPatents)} then 10 else 0 end)
      + greatest(0, least(30, floor((0.06 - ${qualified(p.rateFloor)}) * 1000)))
      + (case when ${qualified(p.featured)} then 10 else 0 end)
    )::int`;
    const ranked = this.db
      .select({ ...getTableColumns(p), score: score.as('score'), matched: matched.as('matched') })
      .from(p)
      .where(productFitsNeed())
      .orderBy(sql`score desc`, asc(p.rateFloor), asc(p.id))
      .limit(perNeed)
      .as('ranked');
    const columns = Object.keys(getTableColumns(p)) as (keyof ProductRow)[];
    const product = Object.fromEntries(columns.map((key) => [key, ranked[key]])) as {
      [K in keyof ProductRow]: (typeof ranked)[K];
    };
    return this.db
      .select({
        needId: n.id,
        product,
        score: ranked.score,
        matched: ranked.matched,
        grantedPatents: sql<number>`${granted}::int`,
      })
      .from(n)
      .leftJoin(ep, eq(ep.enterpriseId, n.enterpriseId))
      .crossJoinLateral(ranked)
      .where(and(anyOf(n.id, needIds), needScope(this.caller)))
      .orderBy(asc(n.id), desc(ranked.score), asc(ranked.rateFloor), asc(ranked.id));
  }
}

export const productResolvers: Resolvers = {
  Query: {
    productCatalogue: (_, { filter }, { products }) => products.catalogue(filter ?? {}),
  },
  Mutation: {
    publishProduct: async (_, { input }, { products }) => ({
      product: await products.publish(input),
    }),
    editProduct: async (_, { id, input }, { products }) => ({
      product: await products.edit(id, input),
    }),
    unpublishProduct: async (_, { id }, { products }) => ({
      product: await products.setPublished(id, false),
    }),
    republishProduct: async (_, { id }, { products }) => ({
      product: await products.setPublished(id, true),
    }),
    curateProduct: async (_, { id, input }, { products }) => ({
      product: await products.curate(id, input),
    }),
  },
  FinancialProduct: {
    categoryCurated: (row) => row.categoryCuratedAt !== null,
  },
  FinancingNeed: {
    recommendations: async (need, args, { products, limits }) => {
      const { limit } = pageWindow({ first: args.first ?? DEFAULT_RECOMMENDATIONS }, limits);
      if (limit === 0) return [];
      const matches = await products.recommendationsFor(need.id, limit);
      return matches.map((match) => ({
        product: match.product,
        score: match.score,
        reasons: recommendationReasons(need, match),
      }));
    },
  },
};
