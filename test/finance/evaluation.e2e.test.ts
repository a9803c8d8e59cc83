import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import * as clock from '../../subgraphs/kernel/clock.js';
import { BACKENDS } from '../helpers/databases.js';
import { registerParticipants } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { ok, parties, refusal } from './helpers.js';
import { bankReports, count, insertProfiles } from './ledger-helpers.js';

const EVALUATE = `mutation ($input: EvaluateBanksInput!) { evaluateBanks(input: $input) {
  replayed evaluation { id fromMonth toMonth weights { dimension weight }
    scores { bankId score rank dimensions { dimension value score weight } }
    distribution { banks mean histogram } } } }`;
const EVALUATIONS = `query { bankEvaluations(first: 10) { nodes { id
  scores { bankId score rank } distribution { banks mean histogram } } } }`;
const RECORD = `mutation ($month: String!) { recordMonthEndBalances(month: $month) {
  month monthEnd replayed balances { bankId outstanding loans enterprises } } }`;
const BALANCES = `query ($fromMonth: String!, $toMonth: String!) {
  monthEndBalances(fromMonth: $fromMonth, toMonth: $toMonth) {
  banks { bankId month outstanding growth } } }`;
const CITY_BALANCES = `query ($fromMonth: String!, $toMonth: String!) {
  monthEndBalances(fromMonth: $fromMonth, toMonth: $toMonth) {
  cityTotals { month outstanding banks } } }`;
const COMPUTE = `mutation ($input: ComputeSubsidiesInput!) { computeSubsidies(input: $input) {
  period { rewardEvaluationShare evaluationId rewards { bankId newLending reward evaluationScore } } } }`;

const Q1 = { fromMonth: '2025-01', toMonth: '2025-03' };
/** A business day's 10:00 in Xianning, as SQL (postgres.js takes no Date in raw SQL). */
const at = (day: string) => sql`${`${day}T10:00:00+08:00`}::timestamptz`;

for (const backend of BACKENDS) {
  describe(`bank evaluation (考核评价) and month-end balances (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const finance = () => graph.graph.databases.finance;
    const banksDb = () => graph.graph.databases.banks;
    const reports = bankReports(finance);
    let evaluated: any;

    /** Balances, first loans, the SLA, 受理回告 and ratings of three banks in 2025 Q1. */
    async function figures(): Promise<void> {
      const balances: [string, string, number][] = [
        ['ev-a', '2024-12', 100_000],
        ['ev-a', '2025-02', 120_000],
        ['ev-a', '2025-03', 150_000],
        ['ev-b', '2024-12', 200_000],
        ['ev-b', '2025-03', 200_000],
        ['ev-c', '2024-12', 0],
        ['ev-c', '2025-03', 50_000],
      ];
      for (const [bankId, month, fen] of balances) {
        await banksDb().db.execute(sql`insert into month_end_balances
          (bank_id, month, month_end, outstanding_fen, loans, enterprises)
          values (${bankId}, ${month}, (${`${month}-01`}::date + interval '1 month' - interval '1 day')::date, ${fen}, 1, 1)`);
      }
      await insertProfiles(
        finance(),
        ['ent-e1', 'ent-e2', 'ent-e3', 'ent-e4'].map((enterpriseId) => ({
          enterpriseId,
          libraryStatus: 'ADMITTED',
        })),
      );
      const loans: [string, string, number, boolean][] = [
        ['ev-a', 'ent-e1', 100_000, true],
        ['ev-a', 'ent-e2', 100_000, true],
        ['ev-c', 'ent-e3', 200_000, true],
        ['ev-b', 'ent-e4', 200_000, false],
      ];
      for (const [bankId, enterpriseId, amount, firstLoan] of loans) {
        await reports.record(bankId, {
          kind: 'LOAN_DISBURSED',
          enterpriseId,
          loanId: `ln-${bankId}-${enterpriseId}`,
          amount,
          rate: '0.0400',
          firstLoan,
          occurredOn: '2025-02-10',
        });
      }
      // ev-a solves on time, ev-b late; ev-c is assigned nothing.
      for (const [id, bankId, proposed] of [
        ['sla-a', 'ev-a', '2025-02-01T12:00:00+08:00'],
        ['sla-b', 'ev-b', '2025-02-03T12:00:00+08:00'],
      ]) {
        await finance().db.execute(sql`insert into financing_needs (id, enterprise_id, amount_fen,
          term_months, purpose, collateral, visibility, status, main_bank_id, submitted_at,
          assigned_at, solution_due_at, solution_proposed_at) values (${id}, 'ent-e1', 100000, 12,
          '研发', '{NONE}', 'MAIN_BANK_ONLY', 'SOLUTION_PROPOSED', ${bankId},
          ${at('2025-02-01')}, ${at('2025-02-01')}, ${at('2025-02-02')}, ${proposed}::timestamptz)`);
      }
      for (const [id, bankId, accepted] of [
        ['fb-1', 'ev-a', true],
        ['fb-2', 'ev-a', false],
        ['fb-3', 'ev-b', true],
      ] as const) {
        await finance().db.execute(sql`insert into need_feedback (id, need_id, bank_id, accepted,
          reason, answered_at) values (${id}, 'sla-a', ${bankId}, ${accepted}, '答复', ${at('2025-02-05')})`);
      }
      const ratings: [string, number][] = [
        ['ev-a', 5],
        ['ev-a', 4],
        ['ev-a', 3],
        ['ev-b', 5],
        ['ev-b', 5],
        ['ev-b', 5],
        // Two ratings are too few to be scored on: ev-c's ratings dimension is left out.
        ['ev-c', 1],
        ['ev-c', 1],
      ];
      for (const [i, [bankId, score]] of ratings.entries()) {
        await finance().db.execute(sql`insert into service_ratings (need_id, enterprise_id,
          bank_id, need_status, score, rated_by, rated_at) values (${`rated-${i}`}, 'ent-e1',
          ${bankId}, 'DISBURSED', ${score}, 'x', ${at('2025-03-01')})`);
      }
    }

    beforeAll(async () => {
      graph = await startTestGraph(backend, {
        env: { REWARD_EVALUATION_SHARE: '0.5' },
        prepare: (databases) =>
          registerParticipants(databases, {
            banks: ['ev-a', 'ev-b', 'ev-c'],
            enterprises: ['ent-e1'],
          }),
      });
      await figures();
      evaluated = ok(
        await graph.query(EVALUATE, { input: Q1 }, await as('finance_office')),
      ).evaluateBanks;
    });
    afterAll(async () => {
      await graph?.stop();
    });

    it('scores and ranks every bank on the weighted dimensions, as computed by hand', () => {
      // See subgraphs/finance/evaluation/README.md: ev-a 7333.33 / 100, ev-b 5000 / 100, ev-c 1750 / 45.
      expect(evaluated.replayed).toBe(false);
      expect(evaluated.evaluation.scores.map((s: any) => [s.bankId, s.score, s.rank])).toEqual([
        ['ev-a', '73.33', 1],
        ['ev-b', '50.00', 2],
        ['ev-c', '38.89', 3],
      ]);
      const c = evaluated.evaluation.scores[2].dimensions;
      expect(c.map((d: any) => [d.dimension, d.value, d.score])).toEqual([
        ['BALANCE', '500.00', '0.00'],
        ['BALANCE_GROWTH', null, null],
        ['FIRST_LOAN_ENTERPRISES', '1', '50.00'],
        ['NEW_PRODUCTS', '0', '100.00'],
        ['SLA', null, null],
        ['ACCEPTANCE', null, null],
        ['RATINGS', null, null],
      ]);
      const a = evaluated.evaluation.scores[0].dimensions;
      expect(a.map((d: any) => d.value)).toEqual([
        '1500.00',
        '0.5000',
        '2',
        '0',
        '1.0000',
        '0.5000',
        '4.00',
      ]);
      expect(evaluated.evaluation.distribution).toEqual({
        banks: 3,
        mean: '54.07',
        histogram: [0, 0, 0, 1, 0, 1, 0, 1, 0, 0],
      });
    });

    it('evaluates a period once: asking again returns the recorded evaluation', async () => {
      const again = ok(await graph.query(EVALUATE, { input: Q1 }, await as('finance_office')));
      expect(again.evaluateBanks.replayed).toBe(true);
      expect(again.evaluateBanks.evaluation).toEqual(evaluated.evaluation);
      expect(await count(finance(), 'bank_evaluations')).toBe(1);
    });

    it('shows a bank its own score and rank and the distribution, never another bank', async () => {
      const seen = ok(await graph.query(EVALUATIONS, {}, await as('bank', 'ev-b')));
      expect(seen.bankEvaluations.nodes).toEqual([
        {
          id: 'eval-2025-01-2025-03',
          scores: [{ bankId: 'ev-b', score: '50.00', rank: 2 }],
          distribution: evaluated.evaluation.distribution,
        },
      ]);
      const pboc = ok(await graph.query(EVALUATIONS, {}, await as('pboc')));
      expect(pboc.bankEvaluations.nodes[0].scores).toHaveLength(3);
      const tech = await graph.query(EVALUATIONS, {}, await as('tech_bureau'));
      expect(tech.body.data?.bankEvaluations ?? null).toBeNull();
      expect(tech.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });

    const invalid: [string, Record<string, string>, string, RegExp][] = [
      [
        'months out of order',
        { fromMonth: '2025-03', toMonth: '2025-01' },
        'input.toMonth',
        /not be before/,
      ],
      [
        'more than twelve months',
        { fromMonth: '2024-01', toMonth: '2025-01' },
        'input.toMonth',
        /at most 12/,
      ],
      [
        'a period not yet ended',
        { fromMonth: '2999-01', toMonth: '2999-01' },
        'input.toMonth',
        /ended/,
      ],
      [
        'a month that is not one',
        { fromMonth: '2025-13', toMonth: '2025-13' },
        'input.fromMonth',
        /YYYY-MM/,
      ],
      [
        'a period without balances',
        { fromMonth: '2024-01', toMonth: '2024-02' },
        'input.toMonth',
        /balances/,
      ],
    ];
    for (const [what, input, field, rule] of invalid) {
      it(`refuses ${what} with BAD_USER_INPUT naming ${field}`, async () => {
        const error = refusal(await graph.query(EVALUATE, { input }, await as('finance_office')));
        expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(error.message).toMatch(rule);
      });
    }

    it('is run by the finance office only', async () => {
      const error = refusal(
        await graph.query(
          EVALUATE,
          { input: { fromMonth: '2025-04', toMonth: '2025-04' } },
          await as('pboc'),
        ),
      );
      expect(error.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });

    it('weighs the rewards by the evaluation when REWARD_EVALUATION_SHARE is set', async () => {
      // Lending ¥2,000 each; weights 2000 × (0.5 + 0.5 × score ÷ 100): 0.86665, 0.75, 0.69445 of
      // ¥100.00 → floors 3749, 3245, 3004 fen; the two fen left go to ev-a and ev-c.
      const input = { from: '2025-01-01', to: '2025-03-31', rewardBudget: '100.00' };
      const period = ok(await graph.query(COMPUTE, { input }, await as('finance_office')))
        .computeSubsidies.period;
      expect(period.rewardEvaluationShare).toBe('0.500000');
      expect(period.evaluationId).toBe('eval-2025-01-2025-03');
      const rewards = Object.fromEntries(
        period.rewards.map((r: any) => [r.bankId, [r.reward, r.evaluationScore]]),
      );
      expect(rewards).toEqual({
        'ev-a': ['37.50', '73.33'],
        'ev-b': ['32.45', '50.00'],
        'ev-c': ['30.05', '38.89'],
      });
      const unevaluated = { from: '2025-04-01', to: '2025-06-30', rewardBudget: '1.00' };
      const error = refusal(
        await graph.query(COMPUTE, { input: unevaluated }, await as('finance_office')),
      );
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toMatch(/evaluateBanks/);
    });

    it('shows month-end balances with growth over the month before, each bank its own', async () => {
      const mine = ok(
        await graph.query(
          BALANCES,
          { fromMonth: '2025-03', toMonth: '2025-03' },
          await as('bank', 'ev-a'),
        ),
      ).monthEndBalances;
      expect(mine.banks).toEqual([
        { bankId: 'ev-a', month: '2025-03', outstanding: '1500.00', growth: '0.2500' },
      ]);
      const city = ok(
        await graph.query(
          CITY_BALANCES,
          { fromMonth: '2024-12', toMonth: '2025-03' },
          await as('tech_bureau'),
        ),
      ).monthEndBalances;
      expect(city.cityTotals).toEqual([
        { month: '2024-12', outstanding: '3000.00', banks: 3 },
        { month: '2025-02', outstanding: '1200.00', banks: 1 },
        { month: '2025-03', outstanding: '4000.00', banks: 3 },
      ]);
    });

    it('records the month just ended once, from the loans as they stand', async () => {
      const month = clock.today().slice(0, 7);
      const ended = clock.addMonths(`${month}-01`, -1).slice(0, 7);
      const end = clock.addDays(`${month}-01`, -1);
      await banksDb().db.execute(sql`insert into credit_lines (id, bank_id, enterprise_id,
        amount_fen, rate, term_months, approved_on) values ('cl-ev', 'ev-b', 'ent-e1', 900000,
        '0.04', 12, ${end})`);
      await banksDb().db.execute(sql`insert into loans (id, credit_line_id, bank_id, enterprise_id,
        amount_fen, outstanding_fen, disbursed_on, matures_on, first_loan, status) values
        ('ln-ev-1', 'cl-ev', 'ev-b', 'ent-e1', 500000, 400000, ${end}, '2099-01-01', true, 'CURRENT'),
        ('ln-ev-2', 'cl-ev', 'ev-b', 'ent-e1', 300000, 0, ${end}, '2099-01-01', false, 'REPAID'),
        ('ln-ev-3', 'cl-ev', 'ev-b', 'ent-e1', 100000, 100000, ${clock.today()}, '2099-01-01', false, 'CURRENT')`);
      const first = ok(
        await graph.query(RECORD, { month: ended }, await as('finance_office')),
      ).recordMonthEndBalances;
      expect(first.replayed).toBe(false);
      expect(first.monthEnd).toBe(end);
      expect(first.balances).toEqual([
        { bankId: 'ev-a', outstanding: '0.00', loans: 0, enterprises: 0 },
        { bankId: 'ev-b', outstanding: '4000.00', loans: 1, enterprises: 1 },
        { bankId: 'ev-c', outstanding: '0.00', loans: 0, enterprises: 0 },
      ]);
      await banksDb().db.execute(sql`update loans set outstanding_fen = 1 where id = 'ln-ev-1'`);
      const again = ok(
        await graph.query(RECORD, { month: ended }, await as('finance_office')),
      ).recordMonthEndBalances;
      expect(again.replayed).toBe(true);
      expect(again.balances).toEqual(first.balances);
      const older = clock.addMonths(`${ended}-01`, -1).slice(0, 7);
      const error = refusal(
        await graph.query(RECORD, { month: older }, await as('finance_office')),
      );
      expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'month' });
      const bank = refusal(await graph.query(RECORD, { month: ended }, await as('bank', 'ev-b')));
      expect(bank.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });
  });
}
