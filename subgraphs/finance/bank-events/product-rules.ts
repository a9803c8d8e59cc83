import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../kernel/db.js';
import { badInput } from '../../kernel/errors.js';
import { anyOf } from '../../kernel/sql.js';
import { ratePercent } from '../products/index.js';
import { enterpriseProfiles, financialProducts } from '../tables.js';

/** What a bank's write says about the products it uses. */
export interface ProductUse {
  bankId: string;
  kind: string;
  enterpriseId: string;
  productIds: readonly string[];
  rate?: string | null;
}

/**
 * Kinds whose terms are set on a product, so they must meet it: a solution (一企一策) offers its
 * rate on each product it names, a credit line (授信) is approved on one. Loans draw on a line
 * already checked, at its rate.
 */
const RULED_KINDS = new Set(['SOLUTION_PROPOSED', 'CREDIT_APPROVED']);

/** The product argument of the bank's own mutation, which a refusal names. */
function productField(kind: string): string {
  return kind === 'CREDIT_APPROVED' ? 'input.productId' : 'input.productIds';
}

/**
 * The rules a bank's write must meet on the products it names, checked where the products live
 * (this subgraph, which the banks subgraph reports every write to before committing its own):
 * each is a published product of the bank's own; and for a solution or a credit line, its rate
 * lies within each product's bounds (rateFloor ≤ rate ≤ rateCap, compared exactly as decimals)
 * and the enterprise meets each product's eligibility (requiresHighTech: a high-tech certificate,
 * requiresPatents: granted patents), as the library read model (`enterprise_profiles`) holds it.
 * Both are public data, so a refusal tells the bank nothing it may not see.
 */
export async function checkProductRules(db: Db, use: ProductUse): Promise<void> {
  if (use.productIds.length === 0) return;
  const field = productField(use.kind);
  const p = financialProducts;
  const rate = use.rate ?? null;
  const products = await db
    .select({
      id: p.id,
      name: p.name,
      rateFloor: p.rateFloor,
      rateCap: p.rateCap,
      requiresHighTech: p.requiresHighTech,
      requiresPatents: p.requiresPatents,
      belowFloor: sql<boolean>`coalesce(${rate}::numeric < ${p.rateFloor}, false)`,
      aboveCap: sql<boolean>`coalesce(${rate}::numeric > ${p.rateCap}, false)`,
    })
    .from(p)
    .where(and(anyOf(p.id, use.productIds), eq(p.bankId, use.bankId), eq(p.published, true)));
  const known = new Set(products.map((row) => row.id));
  const missing = use.productIds.filter((id) => !known.has(id));
  if (missing.length > 0) {
    throw badInput(field, `not a published product of yours: ${missing.join(', ')}`);
  }
  if (!RULED_KINDS.has(use.kind)) return;
  const outside = rate === null ? undefined : products.find((p) => p.belowFloor || p.aboveCap);
  if (rate !== null && outside) {
    throw badInput(
      'input.rate',
      `${ratePercent(rate)} is ${outside.belowFloor ? 'below the rate floor' : 'above the rate cap'} ` +
        `of product "${outside.id}" (${outside.name}): the rate must lie from ` +
        `${ratePercent(outside.rateFloor)} (rateFloor) to ${ratePercent(outside.rateCap)} (rateCap)`,
    );
  }
  await checkEligibility(db, use, products, field);
}

/** The enterprise meets what each product asks for; the first product it does not is refused. */
async function checkEligibility(
  db: Db,
  use: ProductUse,
  products: { id: string; name: string; requiresHighTech: boolean; requiresPatents: boolean }[],
  field: string,
): Promise<void> {
  if (!products.some((p) => p.requiresHighTech || p.requiresPatents)) return;
  const [profile] = await db
    .select({
      highTech: enterpriseProfiles.highTech,
      grantedPatents: enterpriseProfiles.grantedPatents,
    })
    .from(enterpriseProfiles)
    .where(eq(enterpriseProfiles.enterpriseId, use.enterpriseId));
  for (const product of products) {
    const named = `product "${product.id}" (${product.name})`;
    if (product.requiresHighTech && !profile?.highTech) {
      throw badInput(
        field,
        `${named} requires a high-tech certificate (高新技术企业, requiresHighTech), which ` +
          `enterprise "${use.enterpriseId}" does not hold`,
      );
    }
    if (product.requiresPatents && !(profile?.grantedPatents ?? 0)) {
      throw badInput(
        field,
        `${named} requires granted patents to pledge (requiresPatents), and enterprise ` +
          `"${use.enterpriseId}" holds none`,
      );
    }
  }
}
