import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../../subgraphs/kernel/db.js';
import { BACKENDS } from '../helpers/databases.js';
import { registerParticipants } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { ok, parties, refusal } from './helpers.js';
import { insertProfiles } from './ledger-helpers.js';

const FIGURES = `needsAssigned solutionsOnTime solutionsLate stillOverdue awaitingSolution slaCompliance
  newProducts sciTechLoans sciTechLending`;
const STATS = `query ($from: Date!, $to: Date!) { serviceStatistics(from: $from, to: $to) {
  from to banks { bankId bank { id } ${FIGURES} } cityTotals { ${FIGURES} activeBanks } } }`;
const Q1 = { from: '2025-01-01', to: '2025-03-31' };
const HOUR = 3_600_000;

/** A need as its main bank left it; times in UTC (Xianning is UTC+8). */
async function need(
  finance: Database,
  id: string,
  bank: string,
  status: string,
  assignedAt: Date,
  proposedAt: Date | null,
) {
  const due = new Date(assignedAt.getTime() + 24 * HOUR);
  await finance.db.execute(sql`insert into financing_needs
    (id, enterprise_id, amount_fen, term_months, purpose, collateral, visibility, status,
     main_bank_id, main_bank_basis, submitted_at, assigned_at, solution_due_at, solution_proposed_at)
    values (${id}, 'ent-a', 100000000, 12, '研发', '{NONE}'::text[], 'MAIN_BANK_ONLY', ${status},
      ${bank}, 'BASIC_ACCOUNT', ${assignedAt.toISOString()}::timestamptz,
      ${assignedAt.toISOString()}::timestamptz, ${due.toISOString()}::timestamptz,
      ${proposedAt?.toISOString() ?? null}::timestamptz)`);
}

async function product(finance: Database, id: string, bank: string, createdAt: string) {
  await finance.db.execute(sql`insert into financial_products
    (id, bank_id, name, category, collateral, min_amount_fen, max_amount_fen, rate_floor, rate_cap,
     max_term_months, created_at)
    values (${id}, ${bank}, ${`产品${id}`}, 'CREDIT_LOAN', '{NONE}'::text[], 100000, 100000000,
      '0.035', '0.06', 36, ${createdAt}::timestamptz)`);
}

async function disbursed(
  finance: Database,
  loanId: string,
  bank: string,
  enterprise: string,
  fen: number,
  on: string,
) {
  await finance.db.execute(sql`insert into bank_events
    (key, kind, bank_id, enterprise_id, loan_id, amount_fen, rate, first_loan, occurred_on)
    values (${`${bank}:${loanId}`}, 'LOAN_DISBURSED', ${bank}, ${enterprise}, ${loanId}, ${fen},
      '0.04', false, ${on}::date)`);
}

for (const backend of BACKENDS) {
  describe(`service statistics (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const stats = async (party: Parameters<typeof as>[0], org?: string, period = Q1) =>
      graph.query(STATS, period, await as(party, org));

    beforeAll(async () => {
      graph = await startTestGraph(backend, {
        prepare: async (databases) => {
          await registerParticipants(databases, {
            banks: ['icbc', 'ccb'],
            enterprises: ['ent-a'],
          });
          const finance = databases.finance;
          await insertProfiles(finance, [
            { enterpriseId: 'ent-a', libraryStatus: 'ADMITTED' },
            { enterpriseId: 'ent-x', libraryStatus: 'CANDIDATE' },
          ]);
          const at = (iso: string) => new Date(iso);
          // icbc: on time, late, still overdue (assigned 23:30 on 31 March, Xianning time).
          await need(
            finance,
            'n1',
            'icbc',
            'SOLUTION_PROPOSED',
            at('2025-01-10T02:00:00Z'),
            at('2025-01-10T20:00:00Z'),
          );
          await need(
            finance,
            'n2',
            'icbc',
            'CREDIT_APPROVED',
            at('2025-02-01T00:00:00Z'),
            at('2025-02-03T00:00:00Z'),
          );
          await need(finance, 'n3', 'icbc', 'ASSIGNED', at('2025-03-31T15:30:00Z'), null);
          // 00:30 on 1 April in Xianning: the next quarter.
          await need(finance, 'n4', 'icbc', 'ASSIGNED', at('2025-03-31T16:30:00Z'), null);
          // abc: 00:30 on 1 January in Xianning, on time; one withdrawn before any solution.
          await need(
            finance,
            'n5',
            'abc',
            'DISBURSED',
            at('2024-12-31T16:30:00Z'),
            at('2025-01-01T10:00:00Z'),
          );
          await need(finance, 'n6', 'abc', 'WITHDRAWN', at('2025-02-10T00:00:00Z'), null);
          // ccb: assigned an hour ago, its day not yet over.
          await need(finance, 'n7', 'ccb', 'ASSIGNED', new Date(Date.now() - HOUR), null);
          await product(finance, 'p1', 'icbc', '2025-01-05T00:00:00Z');
          await product(finance, 'p2', 'icbc', '2025-03-31T15:59:59Z');
          await product(finance, 'p3', 'abc', '2025-03-31T16:00:00Z');
          await product(finance, 'p4', 'boc', '2025-02-14T08:00:00Z');
          await disbursed(finance, 'l1', 'icbc', 'ent-a', 100_000_000, '2025-01-15');
          await disbursed(finance, 'l2', 'icbc', 'ent-x', 70_000_000, '2025-01-20');
          await disbursed(finance, 'l3', 'abc', 'ent-a', 50_000_050, '2025-03-31');
          await disbursed(finance, 'l4', 'abc', 'ent-a', 10_000_000, '2025-04-01');
        },
      });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const icbc = {
      bankId: 'icbc',
      bank: { id: 'icbc' },
      needsAssigned: 3,
      solutionsOnTime: 1,
      solutionsLate: 1,
      stillOverdue: 1,
      awaitingSolution: 0,
      slaCompliance: '0.3333',
      newProducts: 2,
      sciTechLoans: 1,
      sciTechLending: '1000000.00',
    };

    it('counts each bank’s SLA, new products and sci-tech lending against hand-computed figures', async () => {
      const { serviceStatistics } = ok(await stats('finance_office'));
      expect(serviceStatistics).toEqual({
        from: '2025-01-01',
        to: '2025-03-31',
        banks: [
          {
            bankId: 'abc',
            bank: { id: 'abc' },
            needsAssigned: 2,
            solutionsOnTime: 1,
            solutionsLate: 0,
            stillOverdue: 0,
            awaitingSolution: 0,
            slaCompliance: '1.0000',
            newProducts: 0,
            sciTechLoans: 1,
            sciTechLending: '500000.50',
          },
          {
            bankId: 'boc',
            bank: { id: 'boc' },
            needsAssigned: 0,
            solutionsOnTime: 0,
            solutionsLate: 0,
            stillOverdue: 0,
            awaitingSolution: 0,
            slaCompliance: null,
            newProducts: 1,
            sciTechLoans: 0,
            sciTechLending: '0.00',
          },
          icbc,
        ],
        cityTotals: {
          needsAssigned: 5,
          solutionsOnTime: 2,
          solutionsLate: 1,
          stillOverdue: 1,
          awaitingSolution: 0,
          slaCompliance: '0.5000',
          newProducts: 3,
          sciTechLoans: 2,
          sciTechLending: '1500000.50',
          activeBanks: 3,
        },
      });
    });

    it('counts a need whose day is not over as awaiting, not overdue', async () => {
      const today = new Date(Date.now() + 8 * HOUR).toISOString().slice(0, 10);
      const { serviceStatistics } = ok(
        await stats('pboc', undefined, { from: '2024-01-01', to: today }),
      );
      const ccb = serviceStatistics.banks.find((b: { bankId: string }) => b.bankId === 'ccb');
      expect(ccb).toMatchObject({
        needsAssigned: 1,
        stillOverdue: 0,
        awaitingSolution: 1,
        slaCompliance: null,
      });
    });

    it('shows a bank its own row only, and no city totals', async () => {
      const response = await stats('bank', 'icbc');
      expect(response.body.data.serviceStatistics.banks).toEqual([icbc]);
      expect(response.body.data.serviceStatistics.cityTotals).toBeNull();
      expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      const quiet = await stats('bank', 'ccb');
      expect(quiet.body.data.serviceStatistics.banks).toEqual([]);
    });

    it('shows the technology bureau the city totals only', async () => {
      const response = await stats('tech_bureau');
      expect(response.body.data.serviceStatistics.banks).toBeNull();
      expect(response.body.data.serviceStatistics.cityTotals).toMatchObject({
        needsAssigned: 5,
        activeBanks: 3,
      });
      expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });

    it('is not open to an enterprise', async () => {
      const response = await stats('enterprise', 'ent-a');
      expect(response.body.data.serviceStatistics).toBeNull();
      expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });

    it('refuses a period ending before it starts or longer than ten years, naming `to`', async () => {
      for (const period of [
        { from: '2025-03-01', to: '2025-02-28' },
        { from: '2010-01-01', to: '2025-01-01' },
      ]) {
        const error = refusal(await stats('finance_office', undefined, period));
        expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
      }
    });
  });
}
