import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as clock from '../../subgraphs/kernel/clock.js';
import { BACKENDS } from '../helpers/databases.js';
import { registerParticipants } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { ok, parties, refusal } from './helpers.js';
import { bankReports, count, insertProfiles } from './ledger-helpers.js';

const COMPUTE = `mutation ($input: ComputeSubsidiesInput!) { computeSubsidies(input: $input) {
  replayed period { id from to subsidyRate rewardBudget newLending subsidyTotal
    rewards { bankId newLending loans reward } } } }`;
const PERIODS = `query { subsidyPeriods(first: 10) { nodes { id rewardBudget newLending subsidyTotal
  rewards { bankId reward } } } }`;
const SUBSIDIES = `query ($filter: InterestSubsidyFilter) { interestSubsidies(filter: $filter, first: 50) {
  nodes { loanId bankId enterpriseId principal loanRate subsidyRate subsidy disbursedOn } } }`;

const Q1 = { from: '2025-01-01', to: '2025-03-31', rewardBudget: '1000.01' };

for (const backend of BACKENDS) {
  describe(`interest subsidies and bank rewards (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const finance = () => graph.graph.databases.finance;
    const banks = bankReports(finance);
    const compute = async (input: Record<string, unknown>, party = as('finance_office')) =>
      graph.query(COMPUTE, { input }, await party);

    // Q1 and Q2 of 2025, computed once: the tests read them, or try to compute them again.
    let q1: any;
    let q2: any;

    beforeAll(async () => {
      graph = await startTestGraph(backend, {
        env: { INTEREST_SUBSIDY_RATE: '0.01' },
        prepare: (databases) =>
          registerParticipants(databases, { banks: ['icbc'], enterprises: ['ent-a', 'ent-b'] }),
      });
      await insertProfiles(finance(), [
        { enterpriseId: 'ent-a', libraryStatus: 'ADMITTED' },
        { enterpriseId: 'ent-b', libraryStatus: 'ADMITTED' },
        { enterpriseId: 'ent-x', libraryStatus: 'CANDIDATE' },
      ]);
      const loans: [string, string, string, number, string, string][] = [
        ['icbc', 'ln-s1', 'ent-a', 100_000_000, '0.0400', '2025-01-15'],
        ['icbc', 'ln-s2', 'ent-b', 33_333_333, '0.0085', '2025-03-31'],
        ['abc', 'ln-s3', 'ent-a', 66_666_667, '0.0350', '2025-02-28'],
        // Outside the library, outside the period: no subsidy in Q1.
        ['boc', 'ln-s4', 'ent-x', 50_000_000, '0.0400', '2025-02-01'],
        ['ccb', 'ln-s5', 'ent-a', 20_000_000, '0.0400', '2025-04-01'],
      ];
      for (const [bank, loanId, enterpriseId, amount, rate, on] of loans) {
        await banks.disburse(bank, { loanId, enterpriseId, amount, rate, on });
      }
      // The same loan reported again under another key counts once.
      await banks.record('icbc', {
        key: 'again',
        kind: 'LOAN_DISBURSED',
        enterpriseId: 'ent-a',
        loanId: 'ln-s1',
        amount: 100_000_000,
        rate: '0.0400',
        occurredOn: '2025-01-15',
      });
      q1 = ok(await compute(Q1)).computeSubsidies;
      q2 = ok(
        await compute({ from: '2025-04-01', to: '2025-06-30', rewardBudget: '0' }),
      ).computeSubsidies;
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const invalid: [string, Record<string, unknown>, string, RegExp][] = [
      [
        'a period ending before it starts',
        { from: '2025-03-01', to: '2025-02-28' },
        'input.to',
        /not be before/,
      ],
      [
        'a period over 366 days',
        { from: '2024-01-01', to: '2025-01-01' },
        'input.to',
        /at most 366 days/,
      ],
      [
        'a period not yet ended',
        { from: '2999-01-01', to: '2999-01-02' },
        'input.to',
        /must have ended/,
      ],
      ['a negative budget', { rewardBudget: '-0.01' }, 'input.rewardBudget', /at least 0/],
    ];
    for (const [what, change, field, rule] of invalid) {
      it(`refuses ${what} with BAD_USER_INPUT naming ${field}, writing nothing`, async () => {
        const periods = await count(finance(), 'subsidy_periods');
        const error = refusal(await compute({ ...Q1, ...change }));
        expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(error.message).toMatch(rule);
        expect(await count(finance(), 'subsidy_periods')).toBe(periods);
      });
    }

    it('refuses a period ending today', async () => {
      const today = clock.today();
      const error = refusal(await compute({ from: today, to: today, rewardBudget: '0' }));
      expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.to' });
      expect(error.message).toMatch(/must have ended/);
    });

    it('is computed by the finance office only', async () => {
      expect(refusal(await compute(Q1, as('bank', 'icbc'))).code).toBe(
        'UNAUTHORIZED_FIELD_OR_TYPE',
      );
    });

    it('subsidises each new sci-tech loan and splits the reward budget exactly', async () => {
      // Lending: icbc ¥1,333,333.33, abc ¥666,666.67 of ¥2,000,000. Budget 100,001 fen:
      // icbc 66,667.33…, abc 33,333.66… → floors 66,667 + 33,333; the fen left goes to abc,
      // whose remainder is larger.
      expect(q1).toEqual({
        replayed: false,
        period: {
          id: 'sub-2025-01-01-2025-03-31',
          from: '2025-01-01',
          to: '2025-03-31',
          subsidyRate: '0.010000',
          rewardBudget: '1000.01',
          newLending: '2000000.00',
          subsidyTotal: '19499.99',
          rewards: [
            { bankId: 'icbc', newLending: '1333333.33', loans: 2, reward: '666.67' },
            { bankId: 'abc', newLending: '666666.67', loans: 1, reward: '333.34' },
          ],
        },
      });
      const { nodes } = ok(
        await graph.query(
          SUBSIDIES,
          { filter: { periodId: 'sub-2025-01-01-2025-03-31' } },
          await as('pboc'),
        ),
      ).interestSubsidies;
      // 1% of ¥1,000,000; ln-s2's own rate 0.85% is lower: ¥333,333.33 × 0.0085 = ¥2,833.333…;
      // 1% of ¥666,666.67 = ¥6,666.6667 → rounded down.
      expect(nodes).toEqual([
        {
          loanId: 'ln-s1',
          bankId: 'icbc',
          enterpriseId: 'ent-a',
          principal: '1000000.00',
          loanRate: '0.040000',
          subsidyRate: '0.010000',
          subsidy: '10000.00',
          disbursedOn: '2025-01-15',
        },
        {
          loanId: 'ln-s2',
          bankId: 'icbc',
          enterpriseId: 'ent-b',
          principal: '333333.33',
          loanRate: '0.008500',
          subsidyRate: '0.008500',
          subsidy: '2833.33',
          disbursedOn: '2025-03-31',
        },
        {
          loanId: 'ln-s3',
          bankId: 'abc',
          enterpriseId: 'ent-a',
          principal: '666666.67',
          loanRate: '0.035000',
          subsidyRate: '0.010000',
          subsidy: '6666.66',
          disbursedOn: '2025-02-28',
        },
      ]);
    });

    it('returns the recorded period when asked again, duplicating nothing', async () => {
      const before = [
        await count(finance(), 'interest_subsidies'),
        await count(finance(), 'bank_rewards'),
      ];
      const { computeSubsidies } = ok(await compute(Q1));
      expect(computeSubsidies.replayed).toBe(true);
      expect(computeSubsidies.period.subsidyTotal).toBe('19499.99');
      expect([
        await count(finance(), 'interest_subsidies'),
        await count(finance(), 'bank_rewards'),
      ]).toEqual(before);
    });

    it('refuses the same period with another budget, and an overlapping period', async () => {
      const periods = await count(finance(), 'subsidy_periods');
      const other = refusal(await compute({ ...Q1, rewardBudget: '5.00' }));
      expect(other.code).toBe('CONFLICT');
      expect(other.message).toMatch(/another/);
      const overlap = refusal(
        await compute({ from: '2024-12-01', to: '2025-01-31', rewardBudget: '0' }),
      );
      expect(overlap.code).toBe('CONFLICT');
      expect(overlap.message).toMatch(/overlaps the period 2025-01-01–2025-03-31/);
      expect(await count(finance(), 'subsidy_periods')).toBe(periods);
    });

    it('computes the next period from its own loans; a zero budget rewards nobody', () => {
      expect(q2.period).toMatchObject({
        newLending: '200000.00',
        subsidyTotal: '2000.00',
        rewards: [{ bankId: 'ccb', newLending: '200000.00', loans: 1, reward: '0.00' }],
      });
    });

    it('shows a bank its own subsidies and reward, an enterprise its own subsidies', async () => {
      const icbc = await graph.query(PERIODS, {}, await as('bank', 'icbc'));
      const q1 = icbc.body.data.subsidyPeriods.nodes.find(
        (p: { id: string }) => p.id === 'sub-2025-01-01-2025-03-31',
      );
      expect(q1).toEqual({
        id: 'sub-2025-01-01-2025-03-31',
        rewardBudget: null,
        newLending: null,
        subsidyTotal: null,
        rewards: [{ bankId: 'icbc', reward: '666.67' }],
      });
      expect(
        icbc.body.errors!.every((e) => e.extensions?.code === 'UNAUTHORIZED_FIELD_OR_TYPE'),
      ).toBe(true);
      const loans = async (party: Parameters<typeof as>[0], org?: string) =>
        ok(await graph.query(SUBSIDIES, {}, await as(party, org))).interestSubsidies.nodes.map(
          (s: { loanId: string }) => s.loanId,
        );
      expect(await loans('bank', 'icbc')).toEqual(['ln-s1', 'ln-s2']);
      expect(await loans('enterprise', 'ent-b')).toEqual(['ln-s2']);
      expect(await loans('finance_office')).toEqual(['ln-s1', 'ln-s2', 'ln-s3', 'ln-s5']);
      const rewards = await graph.query(
        `query { subsidyPeriods(first: 10) { nodes { rewards { bankId } } } }`,
        {},
        await as('enterprise', 'ent-a'),
      );
      expect(
        ok(rewards).subsidyPeriods.nodes.flatMap((p: { rewards: unknown[] }) => p.rewards),
      ).toEqual([]);
      const tech = await graph.query(SUBSIDIES, {}, await as('tech_bureau'));
      expect(tech.body.data.interestSubsidies).toBeNull();
      expect(refusal(tech).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });
  });
}
