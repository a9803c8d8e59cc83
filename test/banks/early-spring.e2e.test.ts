import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { growth } from '../../subgraphs/banks/early-spring/index.js';
import * as banks from '../../subgraphs/banks/tables.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { ok, parties, refusal } from '../finance/helpers.js';

const FIGURES = `loansDisbursed loansDisbursedAmount creditLinesApproved creditLinesApprovedAmount
  firstLoanEnterprises`;
const COMPARISON = `from to previousFrom previousTo
  banks { bankId bank { id } current { ${FIGURES} } previous { ${FIGURES} }
          loansDisbursedAmountGrowth creditLinesApprovedAmountGrowth }
  cityTotals { current { ${FIGURES} } previous { ${FIGURES} }
               loansDisbursedAmountGrowth creditLinesApprovedAmountGrowth }`;
const EARLY_SPRING = `query ($year: Int!) { earlySpring(year: $year) { ${COMPARISON} } }`;
const GROWTH = `query ($from: Date!, $to: Date!, $against: ComparisonBase!) {
  creditGrowth(from: $from, to: $to, against: $against) { ${COMPARISON} } }`;

describe('growth', () => {
  it('is exact to four decimals, rounded half away from zero', () => {
    expect(growth('60000000', '48000000')).toBe('0.2500');
    expect(growth('10000000', '20000000')).toBe('-0.5000');
    expect(growth('70000000', '68000000')).toBe('0.0294');
    expect(growth('2', '3')).toBe('-0.3333');
    expect(growth('20001', '10000')).toBe('1.0001');
    expect(growth('100005', '100000')).toBe('0.0001'); // 0.00005 rounds up
    expect(growth('99995', '100000')).toBe('-0.0001'); // and −0.00005 away from zero
    expect(growth('5', '0')).toBeNull();
    expect(growth('123456789012345678', '1')).toBe('123456789012345677.0000');
  });
});

/**
 * The fixture's Q1 2026 (cl-1 ¥1,000,000 approved 2026-01-15; loan-1 ¥600,000 on 2026-01-20, both
 * icbc) and these rows; the figures below are worked out by hand from them.
 */
async function earlySpringRows(graph: TestGraph) {
  const db = graph.graph.databases.banks.db;
  await db
    .insert(banks.creditLines)
    .values([
      line('q1-icbc-2025', 'icbc', 'ent-q1', 80_000_000, '2025-02-10'),
      line('q1-abc-2026', 'abc', 'ent-c', 30_000_000, '2026-03-31'),
      line('q1-abc-2025', 'abc', 'ent-a', 20_000_000, '2025-01-01'),
      line('q2-abc-2025', 'abc', 'ent-a', 90_000_000, '2025-04-01'),
    ]);
  await db
    .insert(banks.loans)
    .values([
      loan('q1-icbc-2025-l', 'q1-icbc-2025', 'icbc', 'ent-q1', 48_000_000, '2025-02-12', true),
      loan('q1-abc-2026-l', 'q1-abc-2026', 'abc', 'ent-c', 10_000_000, '2026-03-31', false),
      loan('q1-abc-2025-l', 'q1-abc-2025', 'abc', 'ent-a', 20_000_000, '2025-01-01', true),
      loan('q2-abc-2025-l', 'q2-abc-2025', 'abc', 'ent-a', 90_000_000, '2025-04-01', false),
    ]);
}

function line(id: string, bankId: string, enterpriseId: string, amountFen: number, on: string) {
  return { id, bankId, enterpriseId, amountFen, rate: '0.04', termMonths: 12, approvedOn: on };
}

function loan(
  id: string,
  creditLineId: string,
  bankId: string,
  enterpriseId: string,
  amountFen: number,
  disbursedOn: string,
  firstLoan: boolean,
) {
  return {
    id,
    creditLineId,
    bankId,
    enterpriseId,
    amountFen,
    outstandingFen: amountFen,
    disbursedOn,
    maturesOn: '2027-12-31',
    firstLoan,
    status: 'CURRENT',
  };
}

const figures = (
  loans: number,
  loansYuan: string,
  lines: number,
  linesYuan: string,
  first: number,
) => ({
  loansDisbursed: loans,
  loansDisbursedAmount: loansYuan,
  creditLinesApproved: lines,
  creditLinesApprovedAmount: linesYuan,
  firstLoanEnterprises: first,
});

for (const backend of BACKENDS) {
  describe(`早春行: Q1 against the previous Q1 (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare: loadFixture });
      await earlySpringRows(graph);
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const icbc = {
      bankId: 'icbc',
      bank: { id: 'icbc' },
      current: figures(1, '600000.00', 1, '1000000.00', 1),
      previous: figures(1, '480000.00', 1, '800000.00', 1),
      loansDisbursedAmountGrowth: '0.2500',
      creditLinesApprovedAmountGrowth: '0.2500',
    };
    const abc = {
      bankId: 'abc',
      bank: { id: 'abc' },
      // The 31 March and 1 January rows are inside; the 1 April ones are not.
      current: figures(1, '100000.00', 1, '300000.00', 0),
      previous: figures(1, '200000.00', 1, '200000.00', 1),
      loansDisbursedAmountGrowth: '-0.5000',
      creditLinesApprovedAmountGrowth: '0.5000',
    };
    const boc = {
      bankId: 'boc',
      bank: { id: 'boc' },
      current: figures(0, '0.00', 0, '0.00', 0),
      previous: figures(0, '0.00', 0, '0.00', 0),
      loansDisbursedAmountGrowth: null,
      creditLinesApprovedAmountGrowth: null,
    };
    const city = {
      current: figures(2, '700000.00', 2, '1300000.00', 1),
      previous: figures(2, '680000.00', 2, '1000000.00', 2),
      loansDisbursedAmountGrowth: '0.0294',
      creditLinesApprovedAmountGrowth: '0.3000',
    };

    it('gives the finance office every bank and the city, against hand-worked figures', async () => {
      const report = ok(
        await graph.query(EARLY_SPRING, { year: 2026 }, await as('finance_office')),
      ).earlySpring;
      expect(report).toMatchObject({
        from: '2026-01-01',
        to: '2026-03-31',
        previousFrom: '2025-01-01',
        previousTo: '2025-03-31',
      });
      expect(report.banks).toEqual([abc, boc, icbc]);
      expect(report.cityTotals).toMatchObject(city);
    });

    it('compares any period with the same dates a year earlier, and with the period before it', async () => {
      const finance = await as('finance_office');
      const sameAsEarlySpring = ok(
        await graph.query(
          GROWTH,
          { from: '2026-01-01', to: '2026-03-31', against: 'SAME_PERIOD_LAST_YEAR' },
          finance,
        ),
      ).creditGrowth;
      expect(sameAsEarlySpring.banks).toEqual([abc, boc, icbc]);
      expect(sameAsEarlySpring.cityTotals).toMatchObject(city);
      // 2025-04-01 .. 2025-06-29 (90 days) against the 90 days before: 2025-01-01 .. 2025-03-31.
      const quarter = ok(
        await graph.query(
          GROWTH,
          { from: '2025-04-01', to: '2025-06-29', against: 'PREVIOUS_PERIOD' },
          finance,
        ),
      ).creditGrowth;
      expect(quarter).toMatchObject({ previousFrom: '2025-01-01', previousTo: '2025-03-31' });
      expect(quarter.cityTotals).toMatchObject({
        current: figures(1, '900000.00', 1, '900000.00', 0),
        previous: figures(2, '680000.00', 2, '1000000.00', 2),
        loansDisbursedAmountGrowth: '0.3235',
        creditLinesApprovedAmountGrowth: '-0.1000',
      });
      const leap = ok(
        await graph.query(
          GROWTH,
          { from: '2028-02-29', to: '2028-02-29', against: 'SAME_PERIOD_LAST_YEAR' },
          finance,
        ),
      ).creditGrowth;
      expect(leap).toMatchObject({ previousFrom: '2027-02-28', previousTo: '2027-02-28' });
      const backwards = await graph.query(
        GROWTH,
        { from: '2026-02-01', to: '2026-01-01', against: 'PREVIOUS_PERIOD' },
        finance,
      );
      expect(refusal(backwards)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    });

    it('gives a bank its own row only, and the technology bureau the city aggregates only', async () => {
      const response = await graph.query(EARLY_SPRING, { year: 2026 }, await as('bank', 'icbc'));
      const own = response.body.data.earlySpring;
      expect(own.banks).toEqual([icbc]);
      expect(own.cityTotals).toBeNull();
      expect(response.body.errors?.map((e: any) => e.path.join('.'))).toEqual([
        'earlySpring.cityTotals',
      ]);
      const bureau = await graph.query(EARLY_SPRING, { year: 2026 }, await as('tech_bureau'));
      expect(bureau.body.data.earlySpring.banks).toBeNull();
      expect(bureau.body.data.earlySpring.cityTotals).toMatchObject(city);
      expect(bureau.body.errors?.map((e: any) => e.extensions?.code)).toEqual([
        'UNAUTHORIZED_FIELD_OR_TYPE',
      ]);
    });

    it('refuses the enterprise and a year out of range', async () => {
      const enterprise = await graph.query(
        EARLY_SPRING,
        { year: 2026 },
        await as('enterprise', 'ent-a'),
      );
      expect(enterprise.body.data?.earlySpring ?? null).toBeNull();
      expect(
        refusal(await graph.query(EARLY_SPRING, { year: 1999 }, await as('finance_office'))),
      ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'year' });
    });
  });
}
