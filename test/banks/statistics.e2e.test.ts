import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Party } from '../../subgraphs/kernel/caller.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';

/** A response body; `errors` is read unguarded because each test asserts what it expects there. */
type Answer = { data?: any; errors?: any };

const STATISTICS = `query Statistics($from: Date!, $to: Date!) {
  creditStatistics(from: $from, to: $to) {
    from to
    banks {
      bankId bank { name }
      creditLinesApproved creditLinesApprovedAmount loansDisbursed loansDisbursedAmount
      firstLoanEnterprises outstanding
    }
    cityTotals {
      creditLinesApproved creditLinesApprovedAmount loansDisbursed loansDisbursedAmount
      firstLoanEnterprises outstanding activeBanks
    }
  }
}`;

// In the fixture, icbc approved cl-1 (¥1,000,000) on 2026-01-15 and disbursed a first loan of
// ¥600,000 on it five days later, all still outstanding; abc's line and loan are from 2025.
const Q1 = { from: '2026-01-01', to: '2026-03-31' };
const ICBC = {
  bankId: 'icbc',
  bank: { name: '工商银行咸宁分行' },
  creditLinesApproved: 1,
  creditLinesApprovedAmount: '1000000.00',
  loansDisbursed: 1,
  loansDisbursedAmount: '600000.00',
  firstLoanEnterprises: 1,
  outstanding: '600000.00',
};
const IDLE = {
  creditLinesApproved: 0,
  creditLinesApprovedAmount: '0.00',
  loansDisbursed: 0,
  loansDisbursedAmount: '0.00',
  firstLoanEnterprises: 0,
  outstanding: '0.00',
};
const TOTALS = {
  creditLinesApproved: 1,
  creditLinesApprovedAmount: '1000000.00',
  loansDisbursed: 1,
  loansDisbursedAmount: '600000.00',
  firstLoanEnterprises: 1,
  outstanding: '600000.00',
  activeBanks: 1,
};

for (const backend of BACKENDS) {
  describe(`credit statistics (${backend})`, () => {
    let graph: TestGraph;
    const ask = async (party: Party, org?: string, variables: object = Q1): Promise<Answer> =>
      (await graph.query(STATISTICS, { ...variables }, await graph.token(party, org))).body;

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare: loadFixture });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    it('gives the PBOC every bank, idle ones with zeros, and the city totals', async () => {
      const { data, errors } = await ask('pboc');
      expect(errors).toBeUndefined();
      expect(data.creditStatistics).toEqual({
        ...Q1,
        banks: [
          { bankId: 'abc', bank: { name: '农业银行咸宁分行' }, ...IDLE },
          { bankId: 'boc', bank: { name: '中国银行咸宁分行' }, ...IDLE },
          ICBC,
        ],
        cityTotals: TOTALS,
      });
    });

    it('gives a bank its own row only and withholds the city totals', async () => {
      const { data, errors } = await ask('bank', 'icbc');
      expect(data.creditStatistics.banks).toEqual([ICBC]);
      expect(data.creditStatistics.cityTotals).toBeNull();
      expect(errors).toEqual([
        expect.objectContaining({
          path: ['creditStatistics', 'cityTotals'],
          extensions: expect.objectContaining({ code: 'UNAUTHORIZED_FIELD_OR_TYPE' }),
        }),
      ]);
    });

    it('gives the technology bureau the city totals only', async () => {
      const { data, errors } = await ask('tech_bureau');
      expect(data.creditStatistics.banks).toBeNull();
      expect(data.creditStatistics.cityTotals).toEqual(TOTALS);
      expect(errors.map((e: { path: string[] }) => e.path)).toEqual([
        ['creditStatistics', 'banks'],
      ]);
    });

    it('gives an enterprise nothing', async () => {
      const { data, errors } = await ask('enterprise', 'ent-b');
      expect(data.creditStatistics).toBeNull();
      expect(errors[0].extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });

    it('counts the balance up to the period end and the rest within it', async () => {
      const { data } = await ask('pboc', undefined, { from: '2025-09-01', to: '2025-09-30' });
      const abc = data.creditStatistics.banks.find((b: { bankId: string }) => b.bankId === 'abc');
      // abc's loan was repaid: disbursed in the period, nothing outstanding.
      expect(abc).toMatchObject({
        creditLinesApproved: 1,
        loansDisbursed: 1,
        loansDisbursedAmount: '500000.00',
        firstLoanEnterprises: 1,
        outstanding: '0.00',
      });
      expect(data.creditStatistics.cityTotals.outstanding).toBe('0.00');
    });

    it('rejects a period that ends before it starts', async () => {
      const { errors } = await ask('pboc', undefined, { from: '2026-03-31', to: '2026-01-01' });
      expect(errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(errors[0].message).toContain('to');
    });
  });
}
