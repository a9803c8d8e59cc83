import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { SubgraphName } from '../../subgraphs/kernel/config.js';
import type { Database } from '../../subgraphs/kernel/db.js';
import * as finance from '../../subgraphs/finance/tables.js';
import { metrics } from '../../gateway/metrics.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { feedSettled, ok, parties, refusal } from './helpers.js';

const PRODUCT = `id bank { id } name category collateral minAmount maxAmount rateFloor rateCap
  maxTermMonths requiresHighTech requiresPatents published featured hidden displayOrder
  curationNote categoryCurated`;
const PUBLISH = `mutation ($input: PublishProductInput!) {
  publishProduct(input: $input) { product { ${PRODUCT} } } }`;
const EDIT = `mutation ($id: ID!, $input: EditProductInput!) {
  editProduct(id: $id, input: $input) { product { ${PRODUCT} } } }`;
const UNPUBLISH = `mutation ($id: ID!) { unpublishProduct(id: $id) { product { ${PRODUCT} } } }`;
const REPUBLISH = `mutation ($id: ID!) { republishProduct(id: $id) { product { ${PRODUCT} } } }`;
const CURATE = `mutation ($id: ID!, $input: CurateProductInput!) {
  curateProduct(id: $id, input: $input) { product { ${PRODUCT} } } }`;
const PRODUCTS = `query ($filter: ProductFilter) {
  products(filter: $filter, first: 100) { nodes { id } } }`;
const ONE = `query ($id: ID!) { product(id: $id) { id published hidden } }`;
const RECOMMEND = `query ($id: ID!, $first: Int) { financingNeed(id: $id) {
  recommendations(first: $first) { score reasons product { id } } } }`;

const validProduct = {
  name: '科创知识产权快贷',
  category: 'IP_PLEDGE_LOAN',
  collateral: ['PATENT_PLEDGE'],
  minAmount: '500000',
  maxAmount: '5000000',
  rateFloor: '0.0365',
  rateCap: '0.0550',
  maxTermMonths: 24,
};

type ProductInsert = typeof finance.financialProducts.$inferInsert;

/**
 * Beside the shared fixture's prod-icbc-01 (patent pledge, 3.50%, needs patents) and prod-abc-01
 * (credit, 3.80%): products that each fail one test of fitting need-a1 (ent-a: ¥3,000,000 for 12
 * months against a patent pledge; high-tech, one granted patent), and two that fit it.
 */
const HAND_MADE: ProductInsert[] = [
  product('prod-boc-ht', 'boc', 'CREDIT_LOAN', ['NONE'], 50_000_000, 500_000_000, '0.0320', {
    requiresHighTech: true,
  }),
  product(
    'prod-boc-eq',
    'boc',
    'EQUITY_PLEDGE_LOAN',
    ['EQUITY_PLEDGE'],
    100_000_000,
    2e9,
    '0.0400',
  ),
  product(
    'prod-abc-small',
    'abc',
    'IP_PLEDGE_LOAN',
    ['PATENT_PLEDGE'],
    10_000_000,
    100_000_000,
    '0.0300',
  ),
  product(
    'prod-icbc-short',
    'icbc',
    'IP_PLEDGE_LOAN',
    ['PATENT_PLEDGE'],
    10_000_000,
    1e9,
    '0.0300',
    {
      maxTermMonths: 6,
    },
  ),
  product(
    'prod-boc-hidden',
    'boc',
    'IP_PLEDGE_LOAN',
    ['PATENT_PLEDGE'],
    10_000_000,
    1e9,
    '0.0300',
    {
      hidden: true,
      curationNote: '利率信息待核实',
    },
  ),
  product('prod-boc-draft', 'boc', 'IP_PLEDGE_LOAN', ['PATENT_PLEDGE'], 10_000_000, 1e9, '0.0300', {
    published: false,
  }),
];

function product(
  id: string,
  bankId: string,
  category: string,
  collateral: string[],
  minAmountFen: number,
  maxAmountFen: number,
  rateFloor: string,
  extra: Partial<ProductInsert> = {},
): ProductInsert {
  return {
    id,
    bankId,
    name: `${bankId} ${category}`,
    category,
    collateral,
    minAmountFen,
    maxAmountFen,
    rateFloor,
    rateCap: '0.0800',
    maxTermMonths: 36,
    ...extra,
  };
}

async function prepare(databases: Record<SubgraphName, Database>) {
  await loadFixture(databases);
  await databases.finance.db.insert(finance.financialProducts).values(HAND_MADE);
}

for (const backend of BACKENDS) {
  describe(`the product catalogue (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const financeDb = () => graph.graph.databases.finance;

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const publish = async (bank: string, input: Record<string, unknown> = {}) =>
      ok(
        await graph.query(
          PUBLISH,
          { input: { ...validProduct, ...input } },
          await as('bank', bank),
        ),
      ).publishProduct.product;
    const productCount = async () =>
      Number(
        (
          await financeDb().rows<{ n: number }>(
            sql`select count(*)::int as n from financial_products`,
          )
        )[0].n,
      );
    const visibleIds = async (token: string, filter: Record<string, unknown> = {}) =>
      ok(await graph.query(PRODUCTS, { filter }, token)).products.nodes.map(
        (node: { id: string }) => node.id,
      );

    it("names the products' banks once: the same ask again, by anyone, is served from what the gateway kept", async () => {
      const NAMES = '{ products(first: 100) { nodes { id bank { id name kind } } } }';
      const served = () => metrics.subgraphSharedAnswers.get({ subgraph: 'banks' });
      const before = served();
      const first = ok(await graph.query(NAMES, {}, await as('pboc')));
      expect(first.products.nodes.length).toBeGreaterThan(1);
      expect(first.products.nodes[0].bank.name).toEqual(expect.any(String));
      const again = ok(await graph.query(NAMES, {}, await as('tech_bureau')));
      expect(again).toEqual(first);
      expect(served()).toBe(before + 1);
    });

    // Ranking and search first: the mutations below add products that would fit need-a1 too.
    describe('recommendations', () => {
      it('ranks the products that fit a need by score, with the reasons', async () => {
        const { financingNeed } = ok(
          await graph.query(RECOMMEND, { id: 'need-a1', first: 10 }, await as('finance_office')),
        );
        expect(
          financingNeed.recommendations.map((r: { product: { id: string }; score: number }) => [
            r.product.id,
            r.score,
          ]),
        ).toEqual([
          ['prod-icbc-01', 75], // patent pledge 40 + patents 10 + rate 3.50% 25
          ['prod-boc-ht', 53], // unsecured 15 + high-tech 10 + rate 3.20% 28
          ['prod-abc-01', 37], // unsecured 15 + rate 3.80% 22
        ]);
        expect(financingNeed.recommendations[0].reasons).toEqual([
          'accepts patent pledge (专利权质押), which the need offers',
          'amount ¥3000000.00 within ¥100000.00–¥10000000.00',
          "term 12 months within the product's 36-month maximum",
          'requires patents to pledge: the enterprise holds 1 granted patent',
          'rate from 3.50%',
        ]);
        expect(financingNeed.recommendations[1].reasons).toEqual([
          'unsecured (信用): needs none of the collateral the need offers',
          'amount ¥3000000.00 within ¥500000.00–¥5000000.00',
          "term 12 months within the product's 36-month maximum",
          'requires a high-tech certificate (高新技术企业): the enterprise holds one',
          'rate from 3.20%',
        ]);
      });

      it('scores the share of the offered collateral accepted, and a featured product higher', async () => {
        await financeDb().db.execute(sql`insert into financing_needs
          (id, enterprise_id, amount_fen, term_months, purpose, collateral, visibility, status, submitted_at)
          values ('need-a2', 'ent-a', 200000000, 12, '扩产', '{PATENT_PLEDGE,EQUITY_PLEDGE}'::text[],
            'OPEN_TO_ALL_BANKS', 'OPEN', now())`);
        const office = await as('finance_office');
        ok(await graph.query(CURATE, { id: 'prod-abc-01', input: { featured: true } }, office));
        const { financingNeed } = ok(
          await graph.query(
            RECOMMEND,
            { id: 'need-a2', first: 10 },
            await as('enterprise', 'ent-a'),
          ),
        );
        ok(await graph.query(CURATE, { id: 'prod-abc-01', input: { featured: false } }, office));
        const ranked = financingNeed.recommendations.map(
          (r: { product: { id: string }; score: number }) => [r.product.id, r.score],
        );
        expect(ranked).toEqual([
          ['prod-icbc-01', 65], // one of two kinds: 30 + patents 10 + 25
          ['prod-boc-ht', 53],
          ['prod-boc-eq', 50], // one of two kinds: 30 + rate 4.00% 20
          ['prod-abc-01', 47], // 37 + featured 10
        ]);
        const featured = financingNeed.recommendations[3];
        expect(featured.reasons).toContain('featured by the finance office (精选)');
        expect(financingNeed.recommendations[2].reasons[0]).toBe(
          'accepts equity pledge (股权质押), which the need offers',
        );
      });

      it('leaves out products whose eligibility the enterprise does not meet', async () => {
        // ent-b holds no high-tech certificate and no patents.
        await financeDb().db.execute(sql`insert into financing_needs
          (id, enterprise_id, amount_fen, term_months, purpose, collateral, visibility, status, submitted_at)
          values ('need-b2', 'ent-b', 200000000, 12, '研发', '{PATENT_PLEDGE}'::text[],
            'OPEN_TO_ALL_BANKS', 'OPEN', now())`);
        const { financingNeed } = ok(
          await graph.query(RECOMMEND, { id: 'need-b2', first: 10 }, await as('bank', 'boc')),
        );
        expect(financingNeed.recommendations.map((r: any) => r.product.id)).toEqual([
          'prod-abc-01',
        ]);
        // A patent granted to ent-b reaches the read model: the patent-pledge product now fits.
        await financeDb().db.execute(
          sql`update enterprise_profiles set pledgeable_patents = 2 where enterprise_id = 'ent-b'`,
        );
        const after = ok(
          await graph.query(RECOMMEND, { id: 'need-b2', first: 1 }, await as('bank', 'boc')),
        ).financingNeed.recommendations;
        expect(after).toHaveLength(1);
        expect(after[0].product.id).toBe('prod-icbc-01');
        expect(after[0].reasons).toContain(
          'requires patents to pledge: the enterprise holds 2 granted patents',
        );
      });

      it('never offers a patent pledge to an enterprise that holds no granted patent', async () => {
        // ent-c's one patent is pending. Its need offers a patent pledge, for an amount only the
        // two products below lend: one taking a patent pledge (asking for no patents itself),
        // one unsecured.
        await financeDb()
          .db.insert(finance.financialProducts)
          .values([
            product(
              'prod-boc-pledge',
              'boc',
              'IP_PLEDGE_LOAN',
              ['PATENT_PLEDGE'],
              777_000_000,
              778_000_000,
              '0.0310',
            ),
            product(
              'prod-boc-credit',
              'boc',
              'CREDIT_LOAN',
              ['NONE'],
              777_000_000,
              778_000_000,
              '0.0450',
            ),
          ]);
        await financeDb().db.execute(sql`insert into financing_needs
          (id, enterprise_id, amount_fen, term_months, purpose, collateral, visibility, status, submitted_at)
          values ('need-c-pledge', 'ent-c', 777500000, 12, '研发', '{PATENT_PLEDGE}'::text[],
            'OPEN_TO_ALL_BANKS', 'OPEN', now())`);
        const BOTH = `{
          financingNeed(id: "need-c-pledge") {
            recommendations(first: 10) { reasons product { id } }
            recommendedProducts(first: 10) { id } }
          prospectFeed(first: 100) { nodes { needId matchingProducts(first: 10) { id } } } }`;
        const offered = async () => {
          // On PostgreSQL the feed serves a change once no older transaction of the server is
          // still open, so the new need may take a moment to reach it.
          for (let attempt = 0; attempt < 100; attempt++) {
            const data = ok(await graph.query(BOTH, {}, await as('bank', 'boc')));
            const entry = data.prospectFeed.nodes.find(
              (n: { needId: string }) => n.needId === 'need-c-pledge',
            );
            if (!entry) {
              await new Promise((resolve) => setTimeout(resolve, 100));
              continue;
            }
            return {
              recommendations: data.financingNeed.recommendations.map((r: any) => r.product.id),
              reasons: data.financingNeed.recommendations.map((r: any) => r.reasons[0]),
              recommendedProducts: data.financingNeed.recommendedProducts.map((p: any) => p.id),
              matchingProducts: entry.matchingProducts.map((p: { id: string }) => p.id),
            };
          }
          throw new Error('need-c-pledge did not reach the prospect feed');
        };
        try {
          const without = await offered();
          for (const list of [
            without.recommendations,
            without.recommendedProducts,
            without.matchingProducts,
          ]) {
            expect(list).toContain('prod-boc-credit');
            expect(list).not.toContain('prod-boc-pledge');
          }
          expect(without.reasons).not.toContain(
            'accepts patent pledge (专利权质押), which the need offers',
          );
          // A patent granted to ent-c reaches the read model: the pledge can be given now.
          await financeDb().db.execute(
            sql`update enterprise_profiles set pledgeable_patents = 1 where enterprise_id = 'ent-c'`,
          );
          const withPatent = await offered();
          for (const list of [
            withPatent.recommendations,
            withPatent.recommendedProducts,
            withPatent.matchingProducts,
          ]) {
            expect(list).toContain('prod-boc-pledge');
            expect(list).toContain('prod-boc-credit');
          }
          expect(withPatent.reasons).toContain(
            'accepts patent pledge (专利权质押), which the need offers',
          );
        } finally {
          // Left as the fixture has them, for the other tests of this file.
          await financeDb().db.execute(
            sql`update enterprise_profiles set pledgeable_patents = 0 where enterprise_id = 'ent-c'`,
          );
          await financeDb().db.execute(
            sql`update financing_needs set status = 'WITHDRAWN' where id = 'need-c-pledge'`,
          );
          await financeDb().db.execute(
            sql`update financial_products set published = false where id in ('prod-boc-pledge', 'prod-boc-credit')`,
          );
        }
      });

      it('offers a bank in its feed only its own products on show, none once it hides them', async () => {
        await feedSettled(financeDb());
        const FEED = `{ prospectFeed(first: 100) {
          nodes { needId matchingProducts(first: 10) { id bank { id } } } } }`;
        const offered = async () =>
          ok(await graph.query(FEED, {}, await as('bank', 'icbc'))).prospectFeed.nodes.flatMap(
            (n: { matchingProducts: { id: string; bank: { id: string } }[] | null }) =>
              n.matchingProducts ?? [],
          ) as { id: string; bank: { id: string } }[];
        const before = await offered();
        expect(before.map((p) => p.id)).toContain('prod-icbc-01');
        expect(new Set(before.map((p) => p.bank.id))).toEqual(new Set(['icbc']));
        const shown = await financeDb().rows<{ id: string }>(
          sql`select id from financial_products where bank_id = 'icbc' and not hidden`,
        );
        try {
          await financeDb().db.execute(
            sql`update financial_products set hidden = true where id = 'prod-icbc-01'`,
          );
          expect((await offered()).map((p) => p.id)).not.toContain('prod-icbc-01');
          await financeDb().db.execute(
            sql`update financial_products set hidden = true where bank_id = 'icbc'`,
          );
          expect(await offered()).toEqual([]);
        } finally {
          await financeDb().db.execute(
            sql`update financial_products set hidden = false
                where id = any(${sql.param(shown.map((r) => r.id))}::text[])`,
          );
        }
        expect((await offered()).map((p) => p.id)).toEqual(before.map((p) => p.id));
      });

      it('keeps recommendedProducts in the same order', async () => {
        const { financingNeed } = ok(
          await graph.query(
            `{ financingNeed(id: "need-a1") { recommendedProducts(first: 10) { id } } }`,
            {},
            await as('finance_office'),
          ),
        );
        expect(financingNeed.recommendedProducts.map((p: { id: string }) => p.id)).toContain(
          'prod-icbc-01',
        );
        expect(financingNeed.recommendedProducts.map((p: { id: string }) => p.id)).not.toContain(
          'prod-boc-hidden',
        );
      });
    });
    describe('search', () => {
      it('filters by category, by an amount within min..max and by term', async () => {
        const token = await as('enterprise', 'ent-a');
        const ip = await visibleIds(token, { categories: ['IP_PLEDGE_LOAN'], bankId: 'boc' });
        expect(ip).toEqual([]); // boc's IP products are hidden or withdrawn
        const amount = await visibleIds(token, {
          categories: ['IP_PLEDGE_LOAN'],
          amount: '3000000',
          termMonths: 12,
        });
        expect(amount).toContain('prod-icbc-01');
        expect(amount).not.toContain('prod-abc-small'); // lends at most ¥1,000,000
        expect(amount).not.toContain('prod-icbc-short'); // 6 months at most
        expect(amount).not.toContain('prod-boc-hidden');
        const credit = await visibleIds(token, { categories: ['CREDIT_LOAN'], amount: '4000000' });
        expect(credit).toEqual(['prod-boc-ht']); // prod-abc-01 lends at most ¥3,000,000
      });

      it('groups the catalogue by category, featured first', async () => {
        const query = `query ($filter: ProductFilter) { productCatalogue(filter: $filter) {
          category count products { id featured } } }`;
        const office = await as('finance_office');
        ok(await graph.query(CURATE, { id: 'prod-icbc-short', input: { featured: true } }, office));
        const { productCatalogue } = ok(
          await graph.query(
            query,
            { filter: { categories: ['IP_PLEDGE_LOAN', 'CREDIT_LOAN'], bankId: 'icbc' } },
            await as('bank', 'abc'),
          ),
        );
        const ip = productCatalogue.find(
          (g: { category: string }) => g.category === 'IP_PLEDGE_LOAN',
        );
        expect(ip.products[0]).toEqual({ id: 'prod-icbc-short', featured: true });
        expect(ip.count).toBe(ip.products.length);
        ok(
          await graph.query(CURATE, { id: 'prod-icbc-short', input: { featured: false } }, office),
        );
      });
    });

    describe('changing the catalogue', () => {
      // Published, edited and curated products would change what the recommendation and search
      // tests rank and find: these tests run on a graph of their own.
      let reading: TestGraph;
      beforeAll(async () => {
        reading = graph;
        graph = await startTestGraph(backend, { prepare });
      });
      afterAll(async () => {
        await graph?.stop();
        graph = reading;
      });

      describe('publishProduct', () => {
        it('publishes a product of the calling bank, seen by every party', async () => {
          const published = await publish('icbc', { name: '  科创知识产权快贷  ' });
          expect(published).toMatchObject({
            bank: { id: 'icbc' },
            name: '科创知识产权快贷',
            category: 'IP_PLEDGE_LOAN',
            minAmount: '500000.00',
            maxAmount: '5000000.00',
            rateFloor: '0.036500',
            rateCap: '0.055000',
            maxTermMonths: 24,
            requiresHighTech: false,
            published: true,
            featured: false,
            hidden: false,
            categoryCurated: false,
          });
          for (const token of [
            await as('bank', 'abc'),
            await as('enterprise', 'ent-a'),
            await as('pboc'),
            await as('tech_bureau'),
          ]) {
            expect(await visibleIds(token, { bankId: 'icbc' })).toContain(published.id);
          }
        });

        const invalid: [string, Record<string, unknown>, string, RegExp][] = [
          ['a blank name', { name: '  ' }, 'input.name', /not be empty/],
          ['a name over 100 characters', { name: '贷'.repeat(101) }, 'input.name', /100/],
          ['a zero minimum', { minAmount: '0' }, 'input.minAmount', /more than 0/],
          [
            'a maximum above 1e9 yuan',
            { maxAmount: '1000000000.01' },
            'input.maxAmount',
            /at most/,
          ],
          [
            'a maximum below the minimum',
            { minAmount: '600000', maxAmount: '500000' },
            'input.maxAmount',
            /at least minAmount/,
          ],
          ['a rate that is not a decimal', { rateFloor: 'low' }, 'input.rateFloor', /not a rate/],
          ['a zero rate', { rateFloor: '0' }, 'input.rateFloor', /more than 0/],
          ['a rate of 100%', { rateCap: '1' }, 'input.rateCap', /less than 1/],
          ['a cap below the floor', { rateCap: '0.03' }, 'input.rateCap', /at least rateFloor/],
          ['a zero term', { maxTermMonths: 0 }, 'input.maxTermMonths', /1 to 360/],
          ['a term over 360 months', { maxTermMonths: 361 }, 'input.maxTermMonths', /1 to 360/],
          ['no collateral', { collateral: [] }, 'input.collateral', /at least one/],
          [
            'a repeated collateral kind',
            { collateral: ['PATENT_PLEDGE', 'PATENT_PLEDGE'] },
            'input.collateral',
            /repeated/,
          ],
          [
            'NONE beside real collateral',
            { category: 'CREDIT_LOAN', collateral: ['NONE', 'GUARANTEE'] },
            'input.collateral',
            /cannot be combined/,
          ],
          [
            'a credit loan asking for collateral',
            { category: 'CREDIT_LOAN', collateral: ['PATENT_PLEDGE'] },
            'input.collateral',
            /CREDIT_LOAN \(信用贷\) takes no collateral/,
          ],
          [
            'an IP-pledge loan without IP collateral',
            { collateral: ['EQUITY_PLEDGE'] },
            'input.collateral',
            /must accept PATENT_PLEDGE or TRADEMARK_PLEDGE/,
          ],
        ];
        for (const [what, input, field, rule] of invalid) {
          it(`refuses ${what} with BAD_USER_INPUT naming ${field}, writing nothing`, async () => {
            const before = await productCount();
            const response = await graph.query(
              PUBLISH,
              { input: { ...validProduct, ...input } },
              await as('bank', 'icbc'),
            );
            const error = refusal(response);
            expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
            expect(error.message).toMatch(rule);
            expect(error.message).toContain(field);
            expect(response.body.data?.publishProduct ?? null).toBeNull();
            expect(await productCount()).toBe(before);
          });
        }

        it('is for banks only: the finance office and enterprises lack the product:own scope', async () => {
          for (const token of [await as('finance_office'), await as('enterprise', 'ent-a')]) {
            const response = await graph.query(PUBLISH, { input: validProduct }, token);
            expect(response.body.data.publishProduct).toBeNull();
            expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
          }
        });
      });

      describe('editProduct', () => {
        it('changes the given fields of its own product and keeps the rest', async () => {
          const mine = await publish('abc');
          const { editProduct } = ok(
            await graph.query(
              EDIT,
              { id: mine.id, input: { maxAmount: '8000000', rateFloor: '0.034', name: '新名称' } },
              await as('bank', 'abc'),
            ),
          );
          expect(editProduct.product).toMatchObject({
            id: mine.id,
            name: '新名称',
            maxAmount: '8000000.00',
            rateFloor: '0.034000',
            minAmount: '500000.00',
            maxTermMonths: 24,
          });
        });

        it('checks each field alone and against the product’s other values, changing nothing when refused', async () => {
          const mine = await publish('abc');
          const token = await as('bank', 'abc');
          const cases: [Record<string, unknown>, string, RegExp][] = [
            [{}, 'input', /at least one field/],
            [{ name: null }, 'input.name', /cannot be null/],
            [{ maxTermMonths: 500 }, 'input.maxTermMonths', /1 to 360/],
            [{ minAmount: '6000000' }, 'input.minAmount', /at least minAmount/],
            [{ maxAmount: '400000' }, 'input.maxAmount', /at least minAmount/],
            [{ rateCap: '0.01' }, 'input.rateCap', /at least rateFloor/],
            [{ collateral: ['RECEIVABLES'] }, 'input.collateral', /IP_PLEDGE_LOAN/],
            [{ category: 'CREDIT_LOAN' }, 'input.category', /CREDIT_LOAN/],
          ];
          for (const [input, field, rule] of cases) {
            const error = refusal(await graph.query(EDIT, { id: mine.id, input }, token));
            expect(error, JSON.stringify(input)).toMatchObject({ code: 'BAD_USER_INPUT', field });
            expect(error.message).toMatch(rule);
          }
          const after = ok(
            await graph.query(
              `query ($id: ID!) { product(id: $id) { ${PRODUCT} } }`,
              { id: mine.id },
              token,
            ),
          ).product;
          expect(after).toEqual(mine);
        });

        it('refuses another bank’s product with FORBIDDEN and an unknown one with NOT_FOUND', async () => {
          const theirs = await publish('icbc');
          const token = await as('bank', 'abc');
          const foreign = refusal(
            await graph.query(EDIT, { id: theirs.id, input: { name: '抢改' } }, token),
          );
          expect(foreign.code).toBe('FORBIDDEN');
          expect(foreign.message).toMatch(/another bank/);
          const fixtureProduct = refusal(
            await graph.query(EDIT, { id: 'prod-icbc-01', input: { name: '抢改' } }, token),
          );
          expect(fixtureProduct.code).toBe('FORBIDDEN');
          const missing = refusal(
            await graph.query(EDIT, { id: 'prod-nope', input: { name: 'x' } }, token),
          );
          expect(missing.code).toBe('NOT_FOUND');
        });

        it('leaves the category to the finance office once it has assigned one', async () => {
          const mine = await publish('icbc', {
            category: 'SUPPLY_CHAIN',
            collateral: ['RECEIVABLES'],
          });
          ok(
            await graph.query(
              CURATE,
              { id: mine.id, input: { category: 'RECEIVABLES_FINANCE' } },
              await as('finance_office'),
            ),
          );
          const error = refusal(
            await graph.query(
              EDIT,
              { id: mine.id, input: { category: 'SUPPLY_CHAIN' } },
              await as('bank', 'icbc'),
            ),
          );
          expect(error.code).toBe('CONFLICT');
          expect(error.message).toMatch(/finance office assigned its category RECEIVABLES_FINANCE/);
        });
      });

      describe('unpublishProduct and republishProduct', () => {
        it('withdraws a bank’s own product from everyone but the bank and the finance office', async () => {
          const mine = await publish('boc');
          const bank = await as('bank', 'boc');
          const withdrawn = ok(await graph.query(UNPUBLISH, { id: mine.id }, bank));
          expect(withdrawn.unpublishProduct.product.published).toBe(false);

          for (const token of [await as('bank', 'icbc'), await as('enterprise', 'ent-a')]) {
            expect(await visibleIds(token, { bankId: 'boc' })).not.toContain(mine.id);
            expect(ok(await graph.query(ONE, { id: mine.id }, token)).product).toBeNull();
          }
          for (const token of [bank, await as('finance_office')]) {
            expect(await visibleIds(token, { bankId: 'boc' })).toContain(mine.id);
          }

          const again = refusal(await graph.query(UNPUBLISH, { id: mine.id }, bank));
          expect(again.code).toBe('CONFLICT');
          const back = ok(await graph.query(REPUBLISH, { id: mine.id }, bank));
          expect(back.republishProduct.product.published).toBe(true);
          expect(await visibleIds(await as('bank', 'icbc'), { bankId: 'boc' })).toContain(mine.id);
        });

        it('refuses another bank’s product with FORBIDDEN', async () => {
          const error = refusal(
            await graph.query(UNPUBLISH, { id: 'prod-icbc-01' }, await as('bank', 'abc')),
          );
          expect(error.code).toBe('FORBIDDEN');
          const product = ok(await graph.query(ONE, { id: 'prod-icbc-01' }, await as('pboc')));
          expect(product.product.published).toBe(true);
        });
      });

      describe('curateProduct', () => {
        it('lets the finance office categorise, feature, order and annotate any product', async () => {
          const mine = await publish('icbc');
          const { curateProduct } = ok(
            await graph.query(
              CURATE,
              {
                id: mine.id,
                input: { featured: true, displayOrder: 1, note: '纳入风险补偿资金池' },
              },
              await as('finance_office'),
            ),
          );
          expect(curateProduct.product).toMatchObject({
            featured: true,
            displayOrder: 1,
            curationNote: '纳入风险补偿资金池',
            categoryCurated: false,
          });
          const featured = await visibleIds(await as('enterprise', 'ent-b'), { featured: true });
          expect(featured).toContain(mine.id);
          ok(
            await graph.query(
              CURATE,
              { id: mine.id, input: { featured: false, displayOrder: null, note: null } },
              await as('finance_office'),
            ),
          );
        });

        it('hides a product, with a note, from everyone but its bank and the finance office', async () => {
          const mine = await publish('abc');
          const office = await as('finance_office');
          const noNote = refusal(
            await graph.query(CURATE, { id: mine.id, input: { hidden: true } }, office),
          );
          expect(noNote).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.note' });
          ok(
            await graph.query(
              CURATE,
              { id: mine.id, input: { hidden: true, note: '产品要素不完整' } },
              office,
            ),
          );
          expect(await visibleIds(await as('bank', 'icbc'), { bankId: 'abc' })).not.toContain(
            mine.id,
          );
          expect(await visibleIds(await as('bank', 'abc'), { bankId: 'abc' })).toContain(mine.id);
          const keepNote = refusal(
            await graph.query(CURATE, { id: mine.id, input: { note: null } }, office),
          );
          expect(keepNote).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.note' });
        });

        it('refuses a category the product’s collateral does not suit, and other bad input', async () => {
          const office = await as('finance_office');
          const cases: [Record<string, unknown>, string, RegExp][] = [
            [{}, 'input', /at least one field/],
            [{ category: 'CREDIT_LOAN' }, 'input.category', /takes no collateral/],
            [{ featured: null }, 'input.featured', /cannot be null/],
            [{ displayOrder: 0 }, 'input.displayOrder', /1 to 9999/],
            [{ note: ' ' }, 'input.note', /not be empty/],
          ];
          for (const [input, field, rule] of cases) {
            const error = refusal(await graph.query(CURATE, { id: 'prod-icbc-01', input }, office));
            expect(error, JSON.stringify(input)).toMatchObject({ code: 'BAD_USER_INPUT', field });
            expect(error.message).toMatch(rule);
          }
          const missing = refusal(
            await graph.query(CURATE, { id: 'prod-nope', input: { featured: true } }, office),
          );
          expect(missing.code).toBe('NOT_FOUND');
        });

        it('is the finance office’s alone: banks lack the product:write scope', async () => {
          const response = await graph.query(
            CURATE,
            { id: 'prod-icbc-01', input: { featured: true } },
            await as('bank', 'icbc'),
          );
          expect(response.body.data.curateProduct).toBeNull();
          expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        });
      });
    });
  });
}
