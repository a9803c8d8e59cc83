import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import {
  BankEventLedger,
  type BankEventInput,
  type BankEventReceipt,
} from '../../subgraphs/finance/bank-events/index.js';
import { drawOnRelendingQuota } from '../../subgraphs/finance/relending/index.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { ok, parties, refusal } from './helpers.js';

const QUOTA = `id bankId bank { id } kind name amount used remaining validFrom validTo rateCeiling note`;
const CREATE = `mutation ($input: CreateRelendingQuotaInput!) {
  createRelendingQuota(input: $input) { quota { ${QUOTA} } } }`;
const ADJUST = `mutation ($id: ID!, $input: AdjustRelendingQuotaInput!) {
  adjustRelendingQuota(id: $id, input: $input) { quota { ${QUOTA} } } }`;
const QUOTAS = `query ($filter: RelendingQuotaFilter, $first: Int, $after: String) {
  relendingQuotas(filter: $filter, first: $first, after: $after) {
    nodes { ${QUOTA} } pageInfo { hasNextPage endCursor } } }`;
const QUOTA_BY_ID = `query ($id: ID!) { relendingQuota(id: $id) { ${QUOTA} } }`;
const USES = `query ($filter: RelendingUseFilter) {
  relendingUses(filter: $filter, first: 100) {
    nodes { quotaId quota { id } bank { id } enterpriseId loanId creditLineId amount rate
      comparableProductId comparableProduct { id rateFloor } comparableRate belowComparableRate
      rateAdvantage disbursedOn } } }`;
const BY_BANK = `query ($filter: RelendingBankUseFilter) {
  relendingUseByBank(filter: $filter) {
    bankId quotas quotaAmount quotaUsed quotaRemaining loans loanAmount averageRate
    averageComparableRate loansNotBelowComparableRate loansWithoutComparableProduct } }`;

const validQuota = {
  bankId: 'icbc',
  kind: 'RELENDING',
  name: '2026年支小再贷款第一批',
  amount: '1000000.00',
  validFrom: '2026-01-01',
  validTo: '2026-12-31',
  rateCeiling: '0.0400',
};

for (const backend of BACKENDS) {
  describe(`relending and rediscount quotas (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const finance = () => graph.graph.databases.finance;

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare: loadFixture });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    /** The banks subgraph's report of a bank's write, straight to the ledger. */
    const ledger = (bank: string) =>
      new BankEventLedger(
        finance().db,
        {
          party: 'bank',
          org: bank,
          actor: 'banks',
          sub: `${bank}-core`,
          scopes: new Set(),
          requestId: 't',
        },
        [drawOnRelendingQuota],
      );
    let loans = 0;
    const disburse = (
      bank: string,
      quotaId: string | null,
      fields: Partial<BankEventInput> = {},
    ): Promise<BankEventReceipt> => {
      const loan = `loan-r${++loans}`;
      return ledger(bank).record({
        key: `disburse-${loan}`,
        kind: 'LOAN_DISBURSED',
        enterpriseId: 'ent-a',
        creditLineId: `cl-${loan}`,
        loanId: loan,
        productIds: bank === 'icbc' ? ['prod-icbc-01'] : ['prod-abc-01'],
        amount: 10_000_000,
        rate: '0.0300',
        occurredOn: '2026-03-01',
        relendingQuotaId: quotaId,
        ...fields,
      });
    };
    const createQuota = async (input: Record<string, unknown> = {}) =>
      ok(await graph.query(CREATE, { input: { ...validQuota, ...input } }, await as('pboc')))
        .createRelendingQuota.quota;
    const quotaById = async (id: string) =>
      ok(await graph.query(QUOTA_BY_ID, { id }, await as('pboc'))).relendingQuota;
    const count = async (table: string) =>
      Number(
        (
          await finance().rows<{ n: number }>(
            sql`select count(*)::int as n from ${sql.identifier(table)}`,
          )
        )[0].n,
      );

    describe('createRelendingQuota', () => {
      it('lets the PBOC grant a bank a quota, with nothing used yet', async () => {
        const quota = await createQuota({ note: '  科技创新专项  ' });
        expect(quota).toMatchObject({
          bankId: 'icbc',
          bank: { id: 'icbc' },
          kind: 'RELENDING',
          name: '2026年支小再贷款第一批',
          amount: '1000000.00',
          used: '0.00',
          remaining: '1000000.00',
          validFrom: '2026-01-01',
          validTo: '2026-12-31',
          note: '科技创新专项',
        });
        expect(Number(quota.rateCeiling)).toBe(0.04);
      });

      const invalid: [string, Record<string, unknown>, string, RegExp][] = [
        ['a malformed bank id', { bankId: 'no bank!' }, 'input.bankId', /not a bank id/],
        ['a blank name', { name: '  ' }, 'input.name', /not be empty/],
        ['a name over 200 characters', { name: '额'.repeat(201) }, 'input.name', /200/],
        ['a zero amount', { amount: '0' }, 'input.amount', /more than 0/],
        ['an amount above ¥10bn', { amount: '10000000000.01' }, 'input.amount', /at most/],
        [
          'a period ending before it starts',
          { validFrom: '2026-06-01', validTo: '2026-05-31' },
          'input.validTo',
          /before validFrom/,
        ],
        [
          'a period over five years',
          { validFrom: '2026-01-01', validTo: '2031-01-02' },
          'input.validTo',
          /5 years/,
        ],
        ['a rate ceiling above 1', { rateCeiling: '1.5' }, 'input.rateCeiling', /between 0 and 1/],
        ['a zero rate ceiling', { rateCeiling: '0' }, 'input.rateCeiling', /more than 0/],
        ['a note over 500 characters', { note: '注'.repeat(501) }, 'input.note', /500/],
      ];
      for (const [what, input, field, rule] of invalid) {
        it(`refuses ${what} with BAD_USER_INPUT naming ${field}, writing nothing`, async () => {
          const before = await count('relending_quotas');
          const response = await graph.query(
            CREATE,
            { input: { ...validQuota, ...input } },
            await as('pboc'),
          );
          const error = refusal(response);
          expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
          expect(error.message).toMatch(rule);
          expect(response.body.data?.createRelendingQuota ?? null).toBeNull();
          expect(await count('relending_quotas')).toBe(before);
        });
      }

      for (const [party, org] of [
        ['finance_office', undefined],
        ['bank', 'icbc'],
        ['tech_bureau', undefined],
        ['enterprise', 'ent-a'],
      ] as const) {
        it(`is the PBOC's alone: ${party} is refused`, async () => {
          const response = await graph.query(CREATE, { input: validQuota }, await as(party, org));
          expect(response.body.data.createRelendingQuota).toBeNull();
          expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        });
      }
    });

    describe('a loan drawing on a quota (LOAN_DISBURSED with relendingQuotaId)', () => {
      it('records the use, compared with the line’s product rate, and reduces the room left', async () => {
        const quota = await createQuota();
        const receipt = await disburse('icbc', quota.id, { amount: 30_000_000, rate: '0.0300' });
        expect(receipt.replayed).toBe(false);
        expect(await quotaById(quota.id)).toMatchObject({
          used: '300000.00',
          remaining: '700000.00',
        });
        const { relendingUses } = ok(
          await graph.query(USES, { filter: { quotaId: quota.id } }, await as('pboc')),
        );
        expect(relendingUses.nodes).toHaveLength(1);
        const [use] = relendingUses.nodes;
        expect(use).toMatchObject({
          quotaId: quota.id,
          quota: { id: quota.id },
          bank: { id: 'icbc' },
          enterpriseId: 'ent-a',
          amount: '300000.00',
          comparableProductId: 'prod-icbc-01',
          comparableProduct: { id: 'prod-icbc-01' },
          belowComparableRate: true,
          disbursedOn: '2026-03-01',
        });
        expect(Number(use.rate)).toBe(0.03);
        expect(Number(use.comparableRate)).toBe(0.035);
        expect(use.rateAdvantage).toBe('0.005000');
      });

      it('flags a loan whose rate is not lower than the comparable product rate', async () => {
        const quota = await createQuota({ rateCeiling: null });
        await disburse('icbc', quota.id, { rate: '0.0350' });
        await disburse('icbc', quota.id, { rate: '0.0420' });
        await disburse('icbc', quota.id, { rate: '0.0200', productIds: [] });
        const { relendingUses } = ok(
          await graph.query(USES, { filter: { quotaId: quota.id } }, await as('pboc')),
        );
        const byRate = [...relendingUses.nodes].sort(
          (a: any, b: any) => Number(a.rate) - Number(b.rate),
        );
        expect(byRate.map((u: any) => [u.rate, u.belowComparableRate, u.rateAdvantage])).toEqual([
          ['0.020000', null, null],
          ['0.035000', false, '0.000000'],
          ['0.042000', false, '-0.007000'],
        ]);
        const flagged = ok(
          await graph.query(
            USES,
            { filter: { quotaId: quota.id, notBelowComparableRate: true } },
            await as('pboc'),
          ),
        );
        expect(flagged.relendingUses.nodes).toHaveLength(2);
      });

      it('takes the cheapest of several products named as the comparable rate', async () => {
        await finance().db.execute(sql`insert into financial_products
          (id, bank_id, name, category, collateral, min_amount_fen, max_amount_fen, rate_floor, rate_cap, max_term_months)
          values ('prod-icbc-cheap', 'icbc', '科技普惠贷', 'CREDIT_LOAN', '{NONE}', 100, 100000000, 0.0280, 0.0500, 12)`);
        const quota = await createQuota({ rateCeiling: null });
        await disburse('icbc', quota.id, {
          rate: '0.0300',
          productIds: ['prod-icbc-01', 'prod-icbc-cheap'],
        });
        const [use] = ok(
          await graph.query(USES, { filter: { quotaId: quota.id } }, await as('pboc')),
        ).relendingUses.nodes;
        expect(use).toMatchObject({
          comparableProductId: 'prod-icbc-cheap',
          belowComparableRate: false,
        });
      });

      it('changes nothing when the same report comes again', async () => {
        const quota = await createQuota();
        const event: BankEventInput = {
          key: 'disburse-replayed',
          kind: 'LOAN_DISBURSED',
          enterpriseId: 'ent-b',
          loanId: 'loan-replayed',
          productIds: ['prod-icbc-01'],
          amount: 20_000_000,
          rate: '0.0310',
          occurredOn: '2026-04-01',
          relendingQuotaId: quota.id,
        };
        expect((await ledger('icbc').record(event)).replayed).toBe(false);
        expect((await ledger('icbc').record(event)).replayed).toBe(true);
        expect((await quotaById(quota.id)).used).toBe('200000.00');
      });

      it('draws nothing for events of other kinds carrying the tag', async () => {
        const quota = await createQuota();
        await ledger('icbc').record({
          key: 'repaid-tagged',
          kind: 'LOAN_REPAID',
          enterpriseId: 'ent-a',
          loanId: 'loan-tagged',
          amount: 10_000_000,
          occurredOn: '2026-05-01',
          relendingQuotaId: quota.id,
        });
        expect((await quotaById(quota.id)).used).toBe('0.00');
      });

      const refused: [
        string,
        (quotaId: string) => [string, string | null, Partial<BankEventInput>],
        string,
        string,
        RegExp,
      ][] = [
        [
          'a quota that does not exist',
          () => ['icbc', 'rq-missing', {}],
          'BAD_USER_INPUT',
          'input.relendingQuotaId',
          /not a relending or rediscount quota of yours/,
        ],
        [
          'another bank’s quota',
          (id) => ['abc', id, {}],
          'BAD_USER_INPUT',
          'input.relendingQuotaId',
          /not a relending or rediscount quota of yours/,
        ],
        [
          'a loan before the quota’s period',
          (id) => ['icbc', id, { occurredOn: '2025-12-31' }],
          'BAD_USER_INPUT',
          'input.disbursedOn',
          /in force from 2026-01-01 to 2026-12-31/,
        ],
        [
          'a loan after the quota’s period',
          (id) => ['icbc', id, { occurredOn: '2027-01-01' }],
          'BAD_USER_INPUT',
          'input.disbursedOn',
          /cannot draw/,
        ],
        [
          'a rate above the quota’s ceiling',
          (id) => ['icbc', id, { rate: '0.0401' }],
          'BAD_USER_INPUT',
          'input.rate',
          /above the rate ceiling 0.040000/,
        ],
        [
          'a loan with no rate',
          (id) => ['icbc', id, { rate: null }],
          'BAD_USER_INPUT',
          'input.rate',
          /must give its rate/,
        ],
        [
          'a loan with no loan id',
          (id) => ['icbc', id, { loanId: null }],
          'BAD_USER_INPUT',
          'input.loanId',
          /must name the loan/,
        ],
        [
          'a loan larger than the room left',
          (id) => ['icbc', id, { amount: 100_000_001 }],
          'CONFLICT',
          'none',
          /1000000.00 yuan left.*1000000.01 yuan does not fit/,
        ],
      ];
      for (const [what, args, code, field, rule] of refused) {
        it(`refuses ${what} with ${code}, and the bank's loan with it`, async () => {
          const quota = await createQuota();
          const [bank, quotaId, fields] = args(quota.id);
          const [events, uses] = [await count('bank_events'), await count('relending_uses')];
          const error = await disburse(bank, quotaId, fields).then(
            () => null,
            (e) => e,
          );
          expect(error?.extensions?.code).toBe(code);
          if (code === 'BAD_USER_INPUT') expect(error.extensions.field).toBe(field);
          expect(error.message).toMatch(rule);
          expect(await count('bank_events')).toBe(events);
          expect(await count('relending_uses')).toBe(uses);
          expect((await quotaById(quota.id)).used).toBe('0.00');
        });
      }

      it('refuses a loan that already draws on a quota', async () => {
        const quota = await createQuota();
        await ledger('icbc').record({
          key: 'first-draw',
          kind: 'LOAN_DISBURSED',
          enterpriseId: 'ent-a',
          loanId: 'loan-twice',
          amount: 1_000_000,
          rate: '0.03',
          occurredOn: '2026-02-01',
          relendingQuotaId: quota.id,
        });
        const error = await ledger('icbc')
          .record({
            key: 'second-draw',
            kind: 'LOAN_DISBURSED',
            enterpriseId: 'ent-a',
            loanId: 'loan-twice',
            amount: 1_000_000,
            rate: '0.03',
            occurredOn: '2026-02-02',
            relendingQuotaId: quota.id,
          })
          .catch((e) => e);
        expect(error.extensions.code).toBe('CONFLICT');
        expect(error.message).toMatch(/loan "loan-twice" already draws/);
        expect((await quotaById(quota.id)).used).toBe('10000.00');
      });
    });

    describe('adjustRelendingQuota', () => {
      it('raises or lowers the amount, never below what is used', async () => {
        const quota = await createQuota();
        await disburse('icbc', quota.id, { amount: 40_000_000 });
        const token = await as('pboc');
        const raised = ok(
          await graph.query(ADJUST, { id: quota.id, input: { amount: '1500000' } }, token),
        ).adjustRelendingQuota.quota;
        expect(raised).toMatchObject({
          amount: '1500000.00',
          used: '400000.00',
          remaining: '1100000.00',
        });
        const below = refusal(
          await graph.query(ADJUST, { id: quota.id, input: { amount: '399999.99' } }, token),
        );
        expect(below).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount' });
        expect(below.message).toMatch(/400000.00 yuan already used/);
        const exact = ok(
          await graph.query(ADJUST, { id: quota.id, input: { amount: '400000' } }, token),
        ).adjustRelendingQuota.quota;
        expect(exact.remaining).toBe('0.00');
      });

      it('moves the end of the period, not before the last loan drawn', async () => {
        const quota = await createQuota();
        await disburse('icbc', quota.id, { occurredOn: '2026-06-30' });
        const token = await as('pboc');
        const early = refusal(
          await graph.query(ADJUST, { id: quota.id, input: { validTo: '2026-06-29' } }, token),
        );
        expect(early).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.validTo' });
        expect(early.message).toMatch(/2026-06-30/);
        const moved = ok(
          await graph.query(
            ADJUST,
            { id: quota.id, input: { validTo: '2026-06-30', rateCeiling: null } },
            token,
          ),
        ).adjustRelendingQuota.quota;
        expect(moved).toMatchObject({ validTo: '2026-06-30', rateCeiling: null });
      });

      it('refuses an empty change, a null amount and an unknown quota', async () => {
        const quota = await createQuota();
        const token = await as('pboc');
        expect(
          refusal(await graph.query(ADJUST, { id: quota.id, input: {} }, token)),
        ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input' });
        expect(
          refusal(await graph.query(ADJUST, { id: quota.id, input: { amount: null } }, token)),
        ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount' });
        expect(
          refusal(await graph.query(ADJUST, { id: 'rq-none', input: { name: 'x' } }, token)).code,
        ).toBe('NOT_FOUND');
      });
    });

    describe('the permitted share', () => {
      let icbcQuota: string;
      let abcQuota: string;
      beforeAll(async () => {
        icbcQuota = (await createQuota({ bankId: 'icbc', kind: 'REDISCOUNT', name: '再贴现A' })).id;
        abcQuota = (await createQuota({ bankId: 'abc', name: '支小再贷款B' })).id;
        await disburse('abc', abcQuota, { amount: 50_000_000, rate: '0.0360' });
        await disburse('abc', abcQuota, { amount: 30_000_000, rate: '0.0400' });
      });

      const quotaBanks = async (party: 'pboc' | 'finance_office' | 'bank', org?: string) => {
        const { relendingQuotas } = ok(
          await graph.query(QUOTAS, { first: 100 }, await as(party, org)),
        );
        return new Set(relendingQuotas.nodes.map((q: { bankId: string }) => q.bankId));
      };

      it('shows the PBOC and the finance office every bank’s quotas, a bank its own', async () => {
        expect(await quotaBanks('pboc')).toEqual(new Set(['icbc', 'abc']));
        expect(await quotaBanks('finance_office')).toEqual(new Set(['icbc', 'abc']));
        expect(await quotaBanks('bank', 'abc')).toEqual(new Set(['abc']));
        expect(await quotaBanks('bank', 'boc')).toEqual(new Set());
        const other = ok(
          await graph.query(QUOTA_BY_ID, { id: icbcQuota }, await as('bank', 'abc')),
        );
        expect(other.relendingQuota).toBeNull();
        const uses = ok(await graph.query(USES, {}, await as('bank', 'icbc')));
        expect(uses.relendingUses.nodes.every((u: any) => u.bank.id === 'icbc')).toBe(true);
      });

      for (const [party, org] of [
        ['tech_bureau', undefined],
        ['enterprise', 'ent-a'],
      ] as const) {
        it(`shows ${party} nothing of quotas or their use`, async () => {
          const token = await as(party, org);
          for (const query of [QUOTAS, USES, BY_BANK]) {
            const response = await graph.query(query, {}, token);
            expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
          }
        });
      }

      it('adds up quota use and rates per bank', async () => {
        const { relendingUseByBank } = ok(
          await graph.query(BY_BANK, { filter: { bankId: 'abc' } }, await as('pboc')),
        );
        expect(relendingUseByBank).toEqual([
          {
            bankId: 'abc',
            quotas: 1,
            quotaAmount: '1000000.00',
            quotaUsed: '800000.00',
            quotaRemaining: '200000.00',
            loans: 2,
            loanAmount: '800000.00',
            // (0.036 × 5 + 0.04 × 3) ÷ 8
            averageRate: '0.037500',
            averageComparableRate: '0.038000',
            loansNotBelowComparableRate: 1,
            loansWithoutComparableProduct: 0,
          },
        ]);
        const kinds = ok(
          await graph.query(BY_BANK, { filter: { kinds: ['REDISCOUNT'] } }, await as('pboc')),
        ).relendingUseByBank;
        expect(kinds.map((row: { bankId: string }) => row.bankId)).toEqual(['icbc']);
        const window = ok(
          await graph.query(
            BY_BANK,
            { filter: { bankId: 'abc', from: '2026-04-01', to: '2026-04-30' } },
            await as('pboc'),
          ),
        ).relendingUseByBank;
        expect(window[0]).toMatchObject({ loans: 0, loanAmount: '0.00', averageRate: null });
      });

      it('gives a bank only its own line of the per-bank use', async () => {
        const { relendingUseByBank } = ok(await graph.query(BY_BANK, {}, await as('bank', 'abc')));
        expect(relendingUseByBank.map((row: { bankId: string }) => row.bankId)).toEqual(['abc']);
      });

      it('pages quotas in a stable order', async () => {
        const token = await as('pboc');
        const all = ok(await graph.query(QUOTAS, { first: 100 }, token)).relendingQuotas.nodes;
        const paged: string[] = [];
        let after: string | null = null;
        for (;;) {
          const page: any = ok(
            await graph.query(QUOTAS, { first: 3, after }, token),
          ).relendingQuotas;
          paged.push(...page.nodes.map((q: { id: string }) => q.id));
          if (!page.pageInfo.hasNextPage) break;
          after = page.pageInfo.endCursor;
        }
        expect(paged).toEqual(all.map((q: { id: string }) => q.id));
        const active = ok(
          await graph.query(QUOTAS, { first: 100, filter: { activeOn: '2027-01-01' } }, token),
        ).relendingQuotas.nodes;
        expect(active).toEqual([]);
      });
    });

    it.skipIf(backend !== 'postgres')(
      'never lets simultaneous loans draw more than the quota',
      async () => {
        // ¥1,000,000 and 40 loans of ¥50,000 at once: exactly 20 fit. The quota is icbc's, like
        // the other tests' own quotas: the permitted-share tests count whose quotas exist.
        const quota = await createQuota({ rateCeiling: null });
        const results = await Promise.allSettled(
          Array.from({ length: 40 }, (_, i) =>
            ledger('icbc').record({
              key: `race-${i}`,
              kind: 'LOAN_DISBURSED',
              enterpriseId: 'ent-c',
              loanId: `loan-race-${i}`,
              amount: 5_000_000,
              rate: '0.0300',
              occurredOn: '2026-07-01',
              relendingQuotaId: quota.id,
            }),
          ),
        );
        const refused = results.filter((r) => r.status === 'rejected');
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
        expect(refused.map((r) => (r as PromiseRejectedResult).reason.extensions?.code)).toEqual(
          Array(20).fill('CONFLICT'),
        );
        expect(await quotaById(quota.id)).toMatchObject({ used: '1000000.00', remaining: '0.00' });
        const [drawn] = await finance().rows<{ n: number; fen: string; events: number }>(sql`
          select count(*)::int as n, sum(amount_fen)::text as fen,
            (select count(*)::int from bank_events where key like 'icbc:race-%') as events
          from relending_uses where quota_id = ${quota.id}`);
        expect(drawn).toEqual({ n: 20, fen: '100000000', events: 20 });
      },
    );
  });
}
