import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { BACKENDS } from '../helpers/databases.js';
import { registerParticipants } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { ok, parties, refusal } from './helpers.js';
import { bankReports, count, insertProfiles } from './ledger-helpers.js';

const POOL = `query { riskPool { balance funded paid ratio capPerLoan capPerBankYear
  paidByBank(year: 2025) { bankId paid claims } } }`;
const FUND = `mutation ($input: FundRiskPoolInput!) {
  fundRiskPool(input: $input) { pool { balance funded paid } entry { kind amount balanceAfter note } } }`;
const CLAIM = `mutation ($loanId: ID!) { claimRiskCompensation(input: { loanId: $loanId }) {
  claim { id loanId bankId enterprise { id } defaultedOn capYear loss ratio due paid shortfall status } } }`;
const CLAIMS = `query ($filter: RiskPoolClaimFilter) { riskPoolClaims(filter: $filter, first: 100) {
  nodes { loanId bankId paid status } } }`;
const ENTRIES = `query ($after: String) { riskPoolEntries(first: 100, after: $after) {
  nodes { kind amount balanceAfter claimId } pageInfo { hasNextPage endCursor } } }`;

const fen = (yuan: string) => Math.round(Number(yuan) * 100);

for (const backend of BACKENDS) {
  describe(`risk-compensation pool (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const finance = () => graph.graph.databases.finance;
    const banks = bankReports(finance);

    const claim = async (bank: string, loanId: string) =>
      graph.query(CLAIM, { loanId }, await as('bank', bank));
    const fund = async (amount: string, note?: string) =>
      graph.query(FUND, { input: { amount, note } }, await as('finance_office'));
    const pool = async () => ok(await graph.query(POOL, {}, await as('finance_office'))).riskPool;

    beforeAll(async () => {
      graph = await startTestGraph(backend, {
        env: {
          RISK_POOL_RATIO: '0.5',
          RISK_POOL_CAP_PER_LOAN: '300000',
          RISK_POOL_CAP_PER_BANK_YEAR: '500000',
        },
        prepare: (databases) =>
          registerParticipants(databases, {
            banks: ['icbc', 'abc', 'boc'],
            enterprises: ['ent-a', 'ent-b'],
          }),
      });
      await insertProfiles(finance(), [
        { enterpriseId: 'ent-a', libraryStatus: 'ADMITTED' },
        { enterpriseId: 'ent-b', libraryStatus: 'ADMITTED' },
        { enterpriseId: 'ent-x', libraryStatus: 'CANDIDATE' },
      ]);
      const loans: [string, string, string, number, string?][] = [
        ['icbc', 'ln-p1', 'ent-a', 20_000_001],
        ['icbc', 'ln-p2', 'ent-a', 100_000_000],
        ['icbc', 'ln-p3', 'ent-b', 40_000_000],
        ['icbc', 'ln-p4', 'ent-b', 10_000_000],
        ['icbc', 'ln-p5', 'ent-a', 10_000_000, '2026-01-15'],
        ['icbc', 'ln-px', 'ent-x', 10_000_000],
        ['abc', 'ln-q1', 'ent-b', 80_000_000],
      ];
      for (const [bank, loanId, enterpriseId, outstanding, on] of loans) {
        await banks.disburse(bank, { loanId, enterpriseId, amount: outstanding });
        await banks.defaulted(bank, { loanId, enterpriseId, outstanding, on });
      }
      await banks.disburse('icbc', { loanId: 'ln-live', enterpriseId: 'ent-a', amount: 100 });
      // A guaranteed line at boc: its default is shared 4321 before the pool sees it.
      await banks.approveLine('boc', {
        creditLineId: 'cl-r1',
        enterpriseId: 'ent-a',
        amount: 10_000_000,
      });
      const fo = await as('finance_office');
      ok(
        await graph.query(
          `mutation { attachGuarantee(input: { creditLineId: "cl-r1", guarantorName: "咸宁担保",
            coveredAmount: "100000.00" }) { guarantee { id } } }`,
          {},
          fo,
        ),
      );
      await banks.disburse('boc', {
        loanId: 'ln-r1',
        enterpriseId: 'ent-a',
        amount: 10_000_000,
        creditLineId: 'cl-r1',
      });
      await banks.defaulted('boc', {
        loanId: 'ln-r1',
        enterpriseId: 'ent-a',
        outstanding: 10_000_000,
      });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const badFunding: [string, Record<string, unknown>, string, RegExp][] = [
      ['a zero amount', { amount: '0' }, 'input.amount', /more than 0/],
      ['a negative amount', { amount: '-5.00' }, 'input.amount', /more than 0/],
      ['a blank note', { amount: '1.00', note: ' ' }, 'input.note', /not be empty/],
      [
        'a note over 500 characters',
        { amount: '1.00', note: '注'.repeat(501) },
        'input.note',
        /500/,
      ],
    ];
    for (const [what, input, field, rule] of badFunding) {
      it(`refuses funding with ${what} (BAD_USER_INPUT naming ${field}), writing nothing`, async () => {
        const entries = await count(finance(), 'risk_pool_entries');
        const error = refusal(await graph.query(FUND, { input }, await as('finance_office')));
        expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(error.message).toMatch(rule);
        expect(await count(finance(), 'risk_pool_entries')).toBe(entries);
      });
    }

    const badClaims: [string, string, string, RegExp][] = [
      [
        'another bank’s loan',
        'ln-q1',
        'input.loanId',
        /no default of loan "ln-q1" has been reported by your bank/,
      ],
      ['a loan that has not defaulted', 'ln-live', 'input.loanId', /no default/],
      [
        'a loan to an enterprise outside the library',
        'ln-px',
        'input.loanId',
        /not admitted to the sci-tech enterprise library/,
      ],
      ['a malformed loan id', 'ln p1', 'input.loanId', /no spaces/],
    ];

    it('funds the pool, then pays claims in turn: ratio, caps, guaranteed loss and shortfall, each in the ledger', async () => {
      // The pool is empty: a claim is refused.
      const empty = refusal(await claim('icbc', 'ln-p1'));
      expect(empty.code).toBe('CONFLICT');
      expect(empty.message).toMatch(/pool is empty/);
      expect(await count(finance(), 'risk_pool_claims')).toBe(0);

      // The finance office funds it, each funding in the ledger.
      expect(
        refusal(await graph.query(FUND, { input: { amount: '1.00' } }, await as('bank', 'icbc')))
          .code,
      ).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      ok(await fund('600000.00', '2025年市级风险补偿资金'));
      const { fundRiskPool } = ok(await fund('400000.00'));
      expect(fundRiskPool).toEqual({
        pool: { balance: '1000000.00', funded: '1000000.00', paid: '0.00' },
        entry: { kind: 'FUNDING', amount: '400000.00', balanceAfter: '1000000.00', note: null },
      });

      // Claims it refuses with BAD_USER_INPUT, paying nothing.
      for (const [what, loanId, field, rule] of badClaims) {
        const error = refusal(await claim('icbc', loanId));
        expect(error, what).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(error.message).toMatch(rule);
        expect(await count(finance(), 'risk_pool_claims')).toBe(0);
        expect((await pool()).balance).toBe('1000000.00');
      }

      // It pays ratio × loss at once, rounded down to the fen.
      const { claim: first } = ok(await claim('icbc', 'ln-p1')).claimRiskCompensation;
      // ¥200,000.01 × 0.5 = ¥100,000.005 → ¥100,000.00.
      expect(first).toMatchObject({
        loanId: 'ln-p1',
        bankId: 'icbc',
        enterprise: { id: 'ent-a' },
        defaultedOn: '2025-06-30',
        capYear: 2025,
        loss: '200000.01',
        ratio: '0.500000',
        due: '100000.00',
        paid: '100000.00',
        shortfall: '0.00',
        status: 'PAID',
      });

      // One claim per loan.
      const again = refusal(await claim('icbc', 'ln-p1'));
      expect(again.code).toBe('CONFLICT');
      expect(again.message).toMatch(/claimed already/);

      // A loan's compensation is capped.
      // ¥1,000,000 × 0.5 = ¥500,000, above the ¥300,000 cap per loan.
      const { claim: perLoan } = ok(await claim('icbc', 'ln-p2')).claimRiskCompensation;
      expect(perLoan).toMatchObject({ loss: '1000000.00', due: '300000.00', paid: '300000.00' });

      // So is a bank's per calendar year of the default.
      // icbc has had ¥400,000 for 2025; ¥400,000 × 0.5 = ¥200,000, but only ¥100,000 is left.
      const { claim: capped } = ok(await claim('icbc', 'ln-p3')).claimRiskCompensation;
      expect(capped).toMatchObject({ loss: '400000.00', due: '100000.00', paid: '100000.00' });
      const overCap = refusal(await claim('icbc', 'ln-p4'));
      expect(overCap.code).toBe('CONFLICT');
      expect(overCap.message).toMatch(/cap for defaults of 2025/);
      // A default of 2026 counts against 2026.
      const { claim: next } = ok(await claim('icbc', 'ln-p5')).claimRiskCompensation;
      expect(next).toMatchObject({ capYear: 2026, due: '50000.00', paid: '50000.00' });

      // A guaranteed loan is compensated for the bank's own loss only.
      // ¥100,000 defaulted, all covered: partners other than the bank bear ¥80,000.
      const { claim: guaranteed } = ok(await claim('boc', 'ln-r1')).claimRiskCompensation;
      expect(guaranteed).toMatchObject({ loss: '20000.00', due: '10000.00', paid: '10000.00' });

      // When the pool holds less than is due, it pays what is left and nothing more.
      // Paid so far: 100,000 + 300,000 + 100,000 + 50,000 + 10,000 = 560,000 of 1,000,000.
      expect((await pool()).balance).toBe('440000.00');
      const { claim: whole } = ok(await claim('abc', 'ln-q1')).claimRiskCompensation;
      expect(whole).toMatchObject({ due: '300000.00', paid: '300000.00', status: 'PAID' });
      await banks.disburse('abc', { loanId: 'ln-q2', enterpriseId: 'ent-a', amount: 60_000_000 });
      await banks.defaulted('abc', {
        loanId: 'ln-q2',
        enterpriseId: 'ent-a',
        outstanding: 60_000_000,
      });
      const { claim: partial } = ok(await claim('abc', 'ln-q2')).claimRiskCompensation;
      expect(partial).toMatchObject({
        due: '200000.00',
        paid: '140000.00',
        shortfall: '60000.00',
        status: 'PARTIALLY_PAID',
      });
      expect(await pool()).toMatchObject({
        balance: '0.00',
        funded: '1000000.00',
        paid: '1000000.00',
      });
      expect(refusal(await claim('icbc', 'ln-p4')).message).toMatch(/empty|cap/);

      // Every line of the ledger follows from the one before.
      const { nodes } = ok(await graph.query(ENTRIES, {}, await as('pboc'))).riskPoolEntries;
      let balance = 0;
      for (const entry of nodes) {
        balance += entry.kind === 'FUNDING' ? fen(entry.amount) : -fen(entry.amount);
        expect(fen(entry.balanceAfter)).toBe(balance);
      }
      expect(nodes.map((e: { kind: string }) => e.kind)).toEqual([
        'FUNDING',
        'FUNDING',
        ...Array(7).fill('PAYOUT'),
      ]);
      expect(balance).toBe(0);
      expect((await pool()).paidByBank).toEqual([
        { bankId: 'icbc', paid: '500000.00', claims: 3 },
        { bankId: 'abc', paid: '440000.00', claims: 2 },
        { bankId: 'boc', paid: '10000.00', claims: 1 },
      ]);

      // The finance office and the PBOC see every claim, a bank its own, an enterprise those on
      // its loans.
      const loans = async (party: Parameters<typeof as>[0], org?: string) =>
        ok(await graph.query(CLAIMS, {}, await as(party, org)))
          .riskPoolClaims.nodes.map((c: { loanId: string }) => c.loanId)
          .sort();
      const all = ['ln-p1', 'ln-p2', 'ln-p3', 'ln-p5', 'ln-q1', 'ln-q2', 'ln-r1'];
      expect(await loans('finance_office')).toEqual(all);
      expect(await loans('pboc')).toEqual(all);
      expect(await loans('bank', 'abc')).toEqual(['ln-q1', 'ln-q2']);
      expect(await loans('enterprise', 'ent-b')).toEqual(['ln-p3', 'ln-q1']);
      const byBank = ok(
        await graph.query(CLAIMS, { filter: { bankId: 'icbc' } }, await as('bank', 'abc')),
      );
      expect(byBank.riskPoolClaims.nodes).toEqual([]);
      for (const [party, org] of [
        ['bank', 'icbc'],
        ['enterprise', 'ent-a'],
      ] as const) {
        const response = await graph.query(POOL, {}, await as(party, org));
        expect(response.body.data.riskPool).toBeNull();
        expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      }
      const tech = await graph.query(CLAIMS, {}, await as('tech_bureau'));
      expect(tech.body.data.riskPoolClaims).toBeNull();
      expect(refusal(await claim('abc', 'ln-q1')).code).toBe('CONFLICT');
      const enterprise = await graph.query(
        CLAIM,
        { loanId: 'ln-p4' },
        await as('enterprise', 'ent-b'),
      );
      expect(refusal(enterprise).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });
  });
}

// PGlite serves one connection at a time: only a server shows claims really racing.
describe.skipIf(!process.env.TEST_DATABASE_URL)(
  'risk-pool claims submitted at once (postgres)',
  () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const finance = () => graph.graph.databases.finance;
    const banks = bankReports(finance);
    const BANKS = ['icbc', 'abc', 'boc', 'ccb'];
    const LOANS_PER_BANK = 10;

    beforeAll(async () => {
      graph = await startTestGraph('postgres', {
        env: {
          RISK_POOL_RATIO: '0.5',
          RISK_POOL_CAP_PER_LOAN: '300000',
          RISK_POOL_CAP_PER_BANK_YEAR: '300000',
          RATE_LIMIT_PER_SECOND: '0',
        },
        prepare: (databases) => registerParticipants(databases, { banks: BANKS }),
      });
      await insertProfiles(finance(), [{ enterpriseId: 'ent-a', libraryStatus: 'ADMITTED' }]);
      for (const bank of BANKS) {
        for (let i = 0; i < LOANS_PER_BANK; i++) {
          const loanId = `ln-${bank}-${i}`;
          await banks.disburse(bank, { loanId, enterpriseId: 'ent-a', amount: 6_000_003 });
          await banks.defaulted(bank, { loanId, enterpriseId: 'ent-a', outstanding: 6_000_003 });
        }
      }
      ok(
        await graph.query(
          `mutation { fundRiskPool(input: { amount: "1000000.00" }) { pool { balance } } }`,
          {},
          await as('finance_office'),
        ),
      );
    });
    afterAll(async () => {
      await graph?.stop();
    });

    it('never drives the balance below zero and pays exactly what the pool could pay', async () => {
      const CLAIM_PAID = `mutation ($loanId: ID!) { claimRiskCompensation(input: { loanId: $loanId }) {
      claim { loanId bankId due paid } } }`;
      // Every loan claimed twice, all at once: ¥30,000.01 due each (¥60,000.03 × 0.5, rounded
      // down), ¥300,000.10 asked per bank against a cap of ¥300,000, ¥1,200,000.40 in all against a
      // pool of ¥1,000,000.
      const requests = [];
      for (const bank of BANKS) {
        const token = await as('bank', bank);
        for (let i = 0; i < LOANS_PER_BANK; i++) {
          for (let twice = 0; twice < 2; twice++) {
            requests.push(graph.query(CLAIM_PAID, { loanId: `ln-${bank}-${i}` }, token));
          }
        }
      }
      const responses = await Promise.all(requests);
      const paid = responses.filter((r) => r.body.data?.claimRiskCompensation);
      const refused = responses.filter((r) => !r.body.data?.claimRiskCompensation);
      for (const response of refused) expect(refusal(response).code).toBe('CONFLICT');

      const claimed = paid.map((r) => r.body.data.claimRiskCompensation.claim);
      expect(new Set(claimed.map((c) => c.loanId)).size).toBe(claimed.length);
      const totalPaid = claimed.reduce((sum, c) => sum + fen(c.paid), 0);
      expect(totalPaid).toBe(100_000_000);
      for (const bank of BANKS) {
        const ofBank = claimed.filter((c) => c.bankId === bank);
        expect(ofBank.reduce((sum, c) => sum + fen(c.paid), 0)).toBeLessThanOrEqual(30_000_000);
      }

      const [pool] = await finance().rows<{ balance: string; paid: string; funded: string }>(
        sql`select balance_fen::text as balance, paid_fen::text as paid, funded_fen::text as funded
          from risk_pool`,
      );
      expect(pool).toEqual({ balance: '0', paid: '100000000', funded: '100000000' });
      const [ledger] = await finance().rows<{ payouts: string; lowest: string; n: number }>(
        sql`select coalesce(sum(amount_fen) filter (where kind = 'PAYOUT'), 0)::text as payouts,
                 min(balance_after_fen)::text as lowest, count(*)::int as n
          from risk_pool_entries`,
      );
      expect(ledger).toEqual({ payouts: '100000000', lowest: '0', n: claimed.length + 1 });
      const [rows] = await finance().rows<{ n: number; paid: string }>(
        sql`select count(*)::int as n, sum(paid_fen)::text as paid from risk_pool_claims`,
      );
      expect({ n: Number(rows.n), paid: rows.paid }).toEqual({
        n: claimed.length,
        paid: '100000000',
      });
    });
  },
);
