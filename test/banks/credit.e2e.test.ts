import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import * as clock from '../../subgraphs/kernel/clock.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { CLAIM, SUBMIT, TRIAGE, ok, parties, refusal, validNeed } from '../finance/helpers.js';

const SOLUTION = `id need { id } bank { id } enterpriseId productIds amount rate termMonths conditions
  cultivationItems proposedAt`;
const PROPOSE = `mutation ($input: ProposeSolutionInput!, $key: String!) {
  proposeSolution(input: $input, idempotencyKey: $key) { solution { ${SOLUTION} } needStatus replayed } }`;
const APPROVE = `mutation ($input: ApproveCreditLineInput!, $key: String!) {
  approveCreditLine(input: $input, idempotencyKey: $key) {
    creditLine { id bank { id } enterpriseId needId amount rate termMonths approvedOn outstanding }
    needStatus replayed } }`;
const LOAN = `id amount outstanding disbursedOn maturesOn firstLoan status relendingQuotaId creditLine { id }`;
const DISBURSE = `mutation ($input: DisburseLoanInput!, $key: String!) {
  disburseLoan(input: $input, idempotencyKey: $key) { loan { ${LOAN} } replayed } }`;
const REPAY = `mutation ($input: RepayLoanInput!, $key: String!) {
  repayLoan(input: $input, idempotencyKey: $key) { loan { ${LOAN} } replayed } }`;
const OVERDUE = `mutation ($id: ID!, $key: String!) {
  markLoanOverdue(loanId: $id, idempotencyKey: $key) { loan { ${LOAN} } replayed } }`;
const DEFAULT = `mutation ($id: ID!, $key: String!) {
  markLoanDefaulted(loanId: $id, idempotencyKey: $key) { loan { ${LOAN} } replayed } }`;
const NEED_STATUS = `query ($id: ID!) { financingNeed(id: $id) { id status solutions { id } } }`;

/**
 * The ISO date `months` after `from` (today, UTC, by default: the day the banks subgraph disburses
 * on unless told otherwise), so maturities stay in the future whatever the day the tests run.
 */
const monthsAfter = (months: number, from = new Date().toISOString().slice(0, 10)) => {
  const date = new Date(`${from}T00:00:00Z`);
  date.setUTCMonth(date.getUTCMonth() + months);
  return date.toISOString().slice(0, 10);
};
/** A maturity well after any loan these tests disburse today. */
const LATER = monthsAfter(48);

const solutionInput = (needId: string, extra: Record<string, unknown> = {}) => ({
  needId,
  productIds: ['prod-icbc-01'],
  amount: '2000000.00',
  rate: '0.0395',
  termMonths: 12,
  conditions: '专利质押，按季付息',
  cultivationItems: ['补充近两年审计报告', '需科技局出具高企认定证明'],
  ...extra,
});

for (const backend of BACKENDS) {
  describe(`solutions, credit lines and loans (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const count = async (table: string) =>
      Number(
        (
          await graph.graph.databases.banks.rows<{ n: number }>(
            sql`select count(*)::int as n from ${sql.identifier(table)}`,
          )
        )[0].n,
      );
    const financeEvents = async () =>
      Number(
        (
          await graph.graph.databases.finance.rows<{ n: number }>(
            sql`select count(*)::int as n from bank_events`,
          )
        )[0].n,
      );

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare: loadFixture });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    /** A need of `enterprise` claimed by `bank`: ASSIGNED, the bank its main bank. */
    const assignedNeed = async (enterprise: string, bank: string) => {
      const need = ok(
        await graph.query(SUBMIT, { input: validNeed }, await as('enterprise', enterprise)),
      ).submitFinancingNeed.need;
      ok(await graph.query(TRIAGE, { id: need.id }, await as('finance_office')));
      ok(await graph.query(CLAIM, { id: need.id }, await as('bank', bank)));
      return need.id as string;
    };
    const propose = async (bank: string, input: unknown, key: string) =>
      graph.query(PROPOSE, { input, key }, await as('bank', bank));
    const approve = async (bank: string, input: unknown, key: string) =>
      graph.query(APPROVE, { input, key }, await as('bank', bank));
    const disburse = async (bank: string, input: unknown, key: string) =>
      graph.query(DISBURSE, { input, key }, await as('bank', bank));
    const needStatus = async (id: string) =>
      ok(await graph.query(NEED_STATUS, { id }, await as('finance_office'))).financingNeed;

    describe('the life of a need, from solution to loan', () => {
      it('carries a need from solution (一企一策) to credit line, first loan (首贷), repayment and default', async () => {
        const needId = await assignedNeed('ent-a', 'icbc');
        const proposed = ok(
          await propose('icbc', solutionInput(needId), 'sol-a-1'),
        ).proposeSolution;
        expect(proposed).toMatchObject({
          needStatus: 'SOLUTION_PROPOSED',
          replayed: false,
          solution: {
            need: { id: needId },
            bank: { id: 'icbc' },
            enterpriseId: 'ent-a',
            productIds: ['prod-icbc-01'],
            amount: '2000000.00',
            rate: '0.039500',
            cultivationItems: ['补充近两年审计报告', '需科技局出具高企认定证明'],
          },
        });
        const proposedNeed = await needStatus(needId);
        expect(proposedNeed.status).toBe('SOLUTION_PROPOSED');
        expect(proposedNeed.solutions).toEqual([{ id: proposed.solution.id }]);

        const approved = ok(
          await approve(
            'icbc',
            {
              needId,
              productId: 'prod-icbc-01',
              amount: '1500000.00',
              rate: '0.0390',
              termMonths: 12,
            },
            'line-a-1',
          ),
        ).approveCreditLine;
        expect(approved).toMatchObject({
          needStatus: 'CREDIT_APPROVED',
          replayed: false,
          creditLine: {
            bank: { id: 'icbc' },
            enterpriseId: 'ent-a',
            needId,
            amount: '1500000.00',
            outstanding: '0.00',
          },
        });
        const lineId = approved.creditLine.id;
        expect((await needStatus(needId)).status).toBe('CREDIT_APPROVED');

        const disbursed = ok(
          await disburse(
            'icbc',
            { creditLineId: lineId, amount: '1000000.00', maturesOn: LATER },
            'loan-a-1',
          ),
        ).disburseLoan;
        expect(disbursed.loan).toMatchObject({
          amount: '1000000.00',
          outstanding: '1000000.00',
          firstLoan: true,
          status: 'CURRENT',
          creditLine: { id: lineId },
        });
        expect((await needStatus(needId)).status).toBe('DISBURSED');

        // Never lends beyond the line: the outstanding principal stays within it.
        const response = await disburse(
          'icbc',
          { creditLineId: lineId, amount: '500000.01', maturesOn: LATER },
          'loan-a-2',
        );
        expect(refusal(response)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount' });
        expect(refusal(response).message).toContain('500000.00');
        const second = ok(
          await disburse(
            'icbc',
            { creditLineId: lineId, amount: '500000.00', maturesOn: LATER },
            'loan-a-3',
          ),
        ).disburseLoan.loan;
        expect(second.firstLoan).toBe(false);

        const [loan] = await graph.graph.databases.banks.rows<{ id: string }>(
          sql`select id from loans where credit_line_id = ${lineId} and first_loan order by id`,
        );
        const bank = await as('bank', 'icbc');
        const repaid = ok(
          await graph.query(
            REPAY,
            { input: { loanId: loan.id, amount: '400000.00' }, key: 'r-1' },
            bank,
          ),
        ).repayLoan.loan;
        expect(repaid).toMatchObject({ outstanding: '600000.00', status: 'CURRENT' });
        const tooMuch = await graph.query(
          REPAY,
          { input: { loanId: loan.id, amount: '600000.01' }, key: 'r-2' },
          bank,
        );
        expect(refusal(tooMuch)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount' });
        expect(
          ok(await graph.query(OVERDUE, { id: loan.id, key: 'o-1' }, bank)).markLoanOverdue.loan
            .status,
        ).toBe('OVERDUE');
        expect(refusal(await graph.query(OVERDUE, { id: loan.id, key: 'o-2' }, bank)).code).toBe(
          'CONFLICT',
        );
        const defaulted = ok(await graph.query(DEFAULT, { id: loan.id, key: 'd-1' }, bank))
          .markLoanDefaulted.loan;
        expect(defaulted).toMatchObject({ status: 'DEFAULTED', outstanding: '600000.00' });
        const events = await graph.graph.databases.finance.rows<{ kind: string; amount: string }>(
          sql`select kind, amount_fen::text as amount from bank_events where loan_id = ${loan.id} order by recorded_at`,
        );
        expect(events).toEqual([
          { kind: 'LOAN_DISBURSED', amount: '100000000' },
          { kind: 'LOAN_REPAID', amount: '40000000' },
          { kind: 'LOAN_OVERDUE', amount: '60000000' },
          { kind: 'LOAN_DEFAULTED', amount: '60000000' },
        ]);
        // Another bank's loan does not exist for this one.
        expect(refusal(await graph.query(DEFAULT, { id: 'loan-2', key: 'd-2' }, bank)).code).toBe(
          'NOT_FOUND',
        );
      });

      it('a retry with the same key returns the first result and writes nothing new', async () => {
        const needId = await assignedNeed('ent-a', 'icbc');
        const key = `retry-${needId}`;
        const first = ok(await propose('icbc', solutionInput(needId), key)).proposeSolution;
        expect(first).toMatchObject({ replayed: false, needStatus: 'SOLUTION_PROPOSED' });
        const written = {
          solutions: await count('financing_solutions'),
          events: await financeEvents(),
        };
        const again = ok(await propose('icbc', solutionInput(needId), key)).proposeSolution;
        expect(again.replayed).toBe(true);
        expect(again.solution).toEqual(first.solution);
        expect(await count('financing_solutions')).toBe(written.solutions);
        expect(await financeEvents()).toBe(written.events);
      });

      it('a key reused for a different request is a CONFLICT', async () => {
        const needId = await assignedNeed('ent-a', 'icbc');
        const key = `reused-${needId}`;
        ok(await propose('icbc', solutionInput(needId), key));
        const response = await propose(
          'icbc',
          solutionInput(needId, { amount: '3000000.00' }),
          key,
        );
        expect(refusal(response)).toMatchObject({ code: 'CONFLICT' });
        expect(refusal(response).message).toContain(key);
      });

      it('another bank cannot propose for the need: it does not exist for it, nothing is written', async () => {
        const needId = await assignedNeed('ent-a', 'icbc');
        const key = `abc-${needId}`;
        const before = await count('financing_solutions');
        const response = await propose(
          'abc',
          solutionInput(needId, { productIds: ['prod-abc-01'] }),
          key,
        );
        expect(refusal(response)).toMatchObject({ code: 'NOT_FOUND' });
        expect(await count('financing_solutions')).toBe(before);
        const keys = await graph.graph.databases.banks.rows<{ key: string }>(
          sql`select key from bank_requests where bank_id = 'abc' and key = ${key}`,
        );
        expect(keys).toEqual([]);
      });

      it('a product that is not the bank’s own is refused, naming productIds', async () => {
        const needId = await assignedNeed('ent-a', 'icbc');
        const response = await propose(
          'icbc',
          solutionInput(needId, { productIds: ['prod-abc-01'] }),
          `foreign-product-${needId}`,
        );
        expect(refusal(response)).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: 'input.productIds',
        });
      });
    });

    describe('the product’s rules at write time', () => {
      // icbc's products for these tests: one open to any enterprise, one for high-tech
      // enterprises only; prod-icbc-01 of the fixture asks for granted patents.
      beforeAll(async () => {
        await graph.graph.databases.finance.db.execute(sql`insert into financial_products
          (id, bank_id, name, category, collateral, min_amount_fen, max_amount_fen, rate_floor,
           rate_cap, max_term_months, requires_high_tech)
          values
          ('prod-icbc-plain', 'icbc', '科技流动资金贷', 'CREDIT_LOAN', array['NONE'], 100, 100000000000,
           '0.0300', '0.0600', 36, false),
          ('prod-icbc-ht', 'icbc', '高企信用贷', 'CREDIT_LOAN', array['NONE'], 100, 100000000000,
           '0.0300', '0.0600', 36, true)`);
      });
      const events = async (needId: string) =>
        Number(
          (
            await graph.graph.databases.finance.rows<{ n: number }>(
              sql`select count(*)::int as n from bank_events where need_id = ${needId}`,
            )
          )[0].n,
        );
      const line = (needId: string, extra: Record<string, unknown> = {}) => ({
        needId,
        productId: 'prod-icbc-plain',
        amount: '500000.00',
        rate: '0.0450',
        termMonths: 12,
        ...extra,
      });

      it('refuses a solution whose rate is outside its product’s bounds, naming the rate and the bound', async () => {
        const needId = await assignedNeed('ent-a', 'icbc');
        const before = await count('financing_solutions');
        const low = refusal(
          await propose('icbc', solutionInput(needId, { rate: '0.0349' }), `low-${needId}`),
        );
        expect(low).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.rate' });
        expect(low.message).toContain('below the rate floor of product "prod-icbc-01"');
        expect(low.message).toContain('3.50% (rateFloor) to 5.50% (rateCap)');
        const high = refusal(
          await propose('icbc', solutionInput(needId, { rate: '0.055001' }), `high-${needId}`),
        );
        expect(high).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.rate' });
        expect(high.message).toContain('above the rate cap');
        // One product of several out of bounds is enough to refuse.
        const mixed = refusal(
          await propose(
            'icbc',
            solutionInput(needId, {
              productIds: ['prod-icbc-plain', 'prod-icbc-01'],
              rate: '0.03',
            }),
            `mixed-${needId}`,
          ),
        );
        expect(mixed.message).toContain('product "prod-icbc-01"');
        expect(await count('financing_solutions')).toBe(before);
        expect(await events(needId)).toBe(0);
        // The bounds themselves are within.
        const atFloor = ok(
          await propose('icbc', solutionInput(needId, { rate: '0.035' }), `floor-${needId}`),
        );
        expect(atFloor.proposeSolution.needStatus).toBe('SOLUTION_PROPOSED');
      });

      it('refuses a solution on a product whose eligibility the enterprise does not meet', async () => {
        // ent-c holds no granted patent (its one patent is pending) and no high-tech certificate.
        const needId = await assignedNeed('ent-c', 'icbc');
        const patents = refusal(await propose('icbc', solutionInput(needId), `patents-${needId}`));
        expect(patents).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.productIds' });
        expect(patents.message).toMatch(/"prod-icbc-01".*requiresPatents.*"ent-c" holds none/);
        const highTech = refusal(
          await propose(
            'icbc',
            solutionInput(needId, { productIds: ['prod-icbc-ht'] }),
            `high-tech-${needId}`,
          ),
        );
        expect(highTech).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.productIds' });
        expect(highTech.message).toMatch(/"prod-icbc-ht".*requiresHighTech.*"ent-c" does not hold/);
        expect(await events(needId)).toBe(0);
        // ent-a holds both: the same products are open to it.
        const eligible = await assignedNeed('ent-a', 'icbc');
        ok(
          await propose(
            'icbc',
            solutionInput(eligible, { productIds: ['prod-icbc-01', 'prod-icbc-ht'] }),
            `eligible-${eligible}`,
          ),
        );
      });

      it('refuses a credit line outside its product’s rate bounds or eligibility, writing nothing', async () => {
        const needId = await assignedNeed('ent-c', 'icbc');
        ok(
          await propose(
            'icbc',
            solutionInput(needId, { productIds: ['prod-icbc-plain'] }),
            `plain-${needId}`,
          ),
        );
        const before = await count('credit_lines');
        const cheap = refusal(
          await approve('icbc', line(needId, { rate: '0.0299' }), `cheap-${needId}`),
        );
        expect(cheap).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.rate' });
        expect(cheap.message).toContain('below the rate floor of product "prod-icbc-plain"');
        const dear = refusal(
          await approve('icbc', line(needId, { rate: '0.0601' }), `dear-${needId}`),
        );
        expect(dear.message).toContain('above the rate cap of product "prod-icbc-plain"');
        const highTech = refusal(
          await approve('icbc', line(needId, { productId: 'prod-icbc-ht' }), `ht-${needId}`),
        );
        expect(highTech).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.productId' });
        expect(highTech.message).toContain('requiresHighTech');
        expect(await count('credit_lines')).toBe(before);
        expect((await needStatus(needId)).status).toBe('SOLUTION_PROPOSED');
        const approved = ok(
          await approve('icbc', line(needId, { rate: '0.06' }), `cap-${needId}`),
        ).approveCreditLine;
        expect(approved).toMatchObject({
          needStatus: 'CREDIT_APPROVED',
          creditLine: { rate: '0.060000' },
        });
      });
    });

    describe('延期还本付息 and credit loans', () => {
      const DEFER = `mutation ($input: DeferLoanInput!, $key: String!) {
        deferLoan(input: $input, idempotencyKey: $key) {
          loan { id maturesOn status creditLoan deferrals { fromMaturesOn toMaturesOn reason } }
          replayed } }`;

      it('defers a live loan to a later maturity, keeping each deferral, and flags credit loans', async () => {
        const bank = await as('bank', 'icbc');
        await graph.graph.databases.banks.db.execute(sql`insert into credit_lines
          (id, bank_id, enterprise_id, amount_fen, rate, term_months, approved_on)
          values ('cl-defer', 'icbc', 'ent-b', 10000000, '0.04', 24, current_date)`);
        // Disbursed today, due in a year; deferred by six months (a deferral is at most two years).
        const due = monthsAfter(12);
        const deferredTo = monthsAfter(6, due);
        const loan = ok(
          await disburse(
            'icbc',
            {
              creditLineId: 'cl-defer',
              amount: '1000.00',
              maturesOn: due,
              creditLoan: true,
            },
            'defer-loan',
          ),
        ).disburseLoan.loan;
        ok(await graph.query(OVERDUE, { id: loan.id, key: 'defer-overdue' }, bank));
        const early = await graph.query(
          DEFER,
          { input: { loanId: loan.id, maturesOn: due, reason: '疫情影响' }, key: 'd0' },
          bank,
        );
        expect(refusal(early)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.maturesOn' });
        const tooFar = await graph.query(
          DEFER,
          {
            input: { loanId: loan.id, maturesOn: monthsAfter(25, due), reason: '疫情影响' },
            key: 'd1',
          },
          bank,
        );
        expect(refusal(tooFar)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.maturesOn' });
        const deferred = ok(
          await graph.query(
            DEFER,
            {
              input: { loanId: loan.id, maturesOn: deferredTo, reason: '延期还本付息政策' },
              key: 'd2',
            },
            bank,
          ),
        ).deferLoan.loan;
        expect(deferred).toMatchObject({
          maturesOn: deferredTo,
          status: 'CURRENT',
          creditLoan: true,
          deferrals: [{ fromMaturesOn: due, toMaturesOn: deferredTo, reason: '延期还本付息政策' }],
        });
        const other = await graph.query(
          DEFER,
          {
            input: { loanId: loan.id, maturesOn: monthsAfter(1, deferredTo), reason: 'x' },
            key: 'd3',
          },
          await as('bank', 'abc'),
        );
        expect(refusal(other)).toMatchObject({ code: 'NOT_FOUND' });
      });
    });

    describe('declining', () => {
      const DECLINE = `mutation ($id: ID!, $reason: String!) {
        declineFinancingNeed(id: $id, reason: $reason) {
          need { id status declinedBy declineReason declinedAt } } }`;

      it('the enterprise declines an offer, the main bank a credit; both kept with the reason', async () => {
        const offered = await assignedNeed('ent-a', 'icbc');
        const early = await graph.query(
          DECLINE,
          { id: offered, reason: '利率偏高' },
          await as('enterprise', 'ent-a'),
        );
        expect(refusal(early)).toMatchObject({ code: 'CONFLICT' });
        ok(await propose('icbc', solutionInput(offered), `decline-${offered}`));
        const stranger = await graph.query(
          DECLINE,
          { id: offered, reason: '不需要' },
          await as('enterprise', 'ent-b'),
        );
        expect(refusal(stranger)).toMatchObject({ code: 'NOT_FOUND' });
        const byEnterprise = ok(
          await graph.query(
            DECLINE,
            { id: offered, reason: '利率偏高' },
            await as('enterprise', 'ent-a'),
          ),
        ).declineFinancingNeed.need;
        expect(byEnterprise).toMatchObject({
          status: 'DECLINED',
          declinedBy: 'ENTERPRISE',
          declineReason: '利率偏高',
        });

        const approved = await assignedNeed('ent-a', 'icbc');
        ok(await propose('icbc', solutionInput(approved), `decline-${approved}`));
        const other = await graph.query(
          DECLINE,
          { id: approved, reason: '授信不足' },
          await as('bank', 'abc'),
        );
        expect(refusal(other)).toMatchObject({ code: 'NOT_FOUND' });
        const byBank = ok(
          await graph.query(
            DECLINE,
            { id: approved, reason: '抵押不足' },
            await as('bank', 'icbc'),
          ),
        ).declineFinancingNeed.need;
        expect(byBank).toMatchObject({ status: 'DECLINED', declinedBy: 'BANK' });
        // A declined need takes no credit.
        const late = await approve(
          'icbc',
          {
            needId: approved,
            productId: 'prod-icbc-01',
            amount: '1.00',
            rate: '0.04',
            termMonths: 12,
          },
          `late-${approved}`,
        );
        expect(refusal(late)).toMatchObject({ code: 'CONFLICT' });
      });
    });

    describe('input and parties', () => {
      it('names the field and the rule of each bad input', async () => {
        const needId = await assignedNeed('ent-c', 'icbc');
        const cases: [Record<string, unknown>, string][] = [
          [{ amount: '0' }, 'input.amount'],
          [{ rate: '1.5' }, 'input.rate'],
          [{ rate: '0' }, 'input.rate'],
          [{ termMonths: 0 }, 'input.termMonths'],
          [{ termMonths: 361 }, 'input.termMonths'],
          [{ conditions: '  ' }, 'input.conditions'],
          [{ productIds: [] }, 'input.productIds'],
          [{ cultivationItems: [''] }, 'input.cultivationItems[0]'],
        ];
        for (const [change, field] of cases) {
          const response = await propose('icbc', solutionInput(needId, change), `bad-${field}`);
          expect(refusal(response), JSON.stringify(change)).toMatchObject({
            code: 'BAD_USER_INPUT',
            field,
          });
        }
        expect(refusal(await propose('icbc', solutionInput(needId), '')).field).toBe(
          'idempotencyKey',
        );
        const line = await disburse(
          'icbc',
          { creditLineId: 'cl-1', amount: '1.00', maturesOn: '2020-01-01' },
          'bad-maturity',
        );
        expect(refusal(line)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.maturesOn' });
      });

      it('accepts Beijing’s today as an approval date at 01:00 Beijing time, and refuses tomorrow', async () => {
        const needId = await assignedNeed('ent-a', 'icbc');
        ok(await propose('icbc', solutionInput(needId), `early-${needId}`));
        const beijingToday = clock.today();
        // 01:00 in Beijing is 17:00 UTC on the previous day.
        const oneAm = new Date(clock.startOfDay(beijingToday).getTime() + 3_600_000);
        const restore = clock.setClock({ now: () => oneAm });
        try {
          const line = { needId, productId: 'prod-icbc-01', amount: '1.00', rate: '0.04' };
          const tomorrow = await approve(
            'icbc',
            { ...line, termMonths: 12, approvedOn: clock.addDays(beijingToday, 1) },
            `early-tomorrow-${needId}`,
          );
          expect(refusal(tomorrow)).toMatchObject({ code: 'BAD_USER_INPUT' });
          expect(refusal(tomorrow).message).toContain('future');
          const approved = ok(
            await approve(
              'icbc',
              { ...line, termMonths: 12, approvedOn: beijingToday },
              `early-today-${needId}`,
            ),
          ).approveCreditLine;
          expect(approved.creditLine.approvedOn).toBe(beijingToday);
        } finally {
          restore();
        }
      });

      it('refuses a solution for a need not yet assigned, writing nothing on either side', async () => {
        const need = ok(
          await graph.query(SUBMIT, { input: validNeed }, await as('enterprise', 'ent-b')),
        ).submitFinancingNeed.need;
        const before = {
          solutions: await count('financing_solutions'),
          events: await financeEvents(),
        };
        expect(refusal(await propose('icbc', solutionInput(need.id), 'early')).code).toBe(
          'NOT_FOUND',
        );
        expect(await count('financing_solutions')).toBe(before.solutions);
        expect(await financeEvents()).toBe(before.events);
      });

      it('credit writes are the banks’ own: other parties are refused', async () => {
        const loansBefore = await count('loans');
        for (const [party, org, code] of [
          // An enterprise reads its own credit (credit:own) but never writes it.
          ['enterprise', 'ent-a', 'FORBIDDEN'],
          ['finance_office', undefined, 'UNAUTHORIZED_FIELD_OR_TYPE'],
          ['tech_bureau', undefined, 'UNAUTHORIZED_FIELD_OR_TYPE'],
          ['pboc', undefined, 'UNAUTHORIZED_FIELD_OR_TYPE'],
        ] as const) {
          const response = await graph.query(
            DISBURSE,
            { input: { creditLineId: 'cl-1', amount: '1.00', maturesOn: LATER }, key: 'x' },
            await as(party, org),
          );
          expect(response.body.data?.disburseLoan ?? null).toBeNull();
          expect(response.body.errors?.[0].extensions?.code, party).toBe(code);
        }
        expect(await count('loans')).toBe(loansBefore);
      });

      it('a client cannot call finance’s internal event recorder', async () => {
        const response = await graph.query(
          `mutation { _recordBankEvent(event: { key: "k", kind: LOAN_REPAID, enterpriseId: "ent-a", amount: "1.00", occurredOn: "2026-01-01" }) { key } }`,
          {},
          await as('bank', 'icbc'),
        );
        expect(response.body.errors?.[0].message).toMatch(/_recordBankEvent/);
        expect(response.body.data ?? null).toBeNull();
      });
    });

    describe('when finance is down', () => {
      it('refuses with SUBGRAPH_UNAVAILABLE, writes nothing, and the retry with the same key completes', async () => {
        const needId = await assignedNeed('ent-a', 'icbc');
        const before = await count('financing_solutions');
        await graph.graph.subgraphs.finance.stop();
        try {
          const response = await propose('icbc', solutionInput(needId), 'retry-1');
          const error = response.body.errors?.[0];
          expect(error?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
          expect(error?.message).toContain('"finance"');
          expect(error?.message).not.toMatch(/https?:/);
          expect(await count('financing_solutions')).toBe(before);
        } finally {
          await graph.restartSubgraph('finance');
        }
        const retried = ok(await propose('icbc', solutionInput(needId), 'retry-1')).proposeSolution;
        expect(retried).toMatchObject({ replayed: false, needStatus: 'SOLUTION_PROPOSED' });
        expect(await count('financing_solutions')).toBe(before + 1);
      });
    });

    describe.skipIf(backend !== 'postgres')('under concurrency', () => {
      it('many simultaneous loans on one line: only what fits is lent', async () => {
        await graph.graph.databases.banks.db.execute(sql`insert into credit_lines
          (id, bank_id, enterprise_id, amount_fen, rate, term_months, approved_on)
          values ('cl-race', 'icbc', 'ent-c', 300000, '0.04', 12, current_date)`);
        const results = await Promise.all(
          Array.from({ length: 12 }, async (_, i) =>
            disburse(
              'icbc',
              { creditLineId: 'cl-race', amount: '1000.00', maturesOn: LATER },
              `race-${i}`,
            ),
          ),
        );
        const lent = results.filter((r) => !r.body.errors);
        const refused = results.filter((r) => r.body.errors);
        expect(lent).toHaveLength(3);
        for (const r of refused) expect(refusal(r).field).toBe('input.amount');
        const [{ n }] = await graph.graph.databases.banks.rows<{ n: number }>(
          sql`select count(*)::int as n from loans where credit_line_id = 'cl-race'`,
        );
        expect(n).toBe(3);
      });

      it('the same key sent many times at once makes one loan', async () => {
        await graph.graph.databases.banks.db.execute(sql`insert into credit_lines
          (id, bank_id, enterprise_id, amount_fen, rate, term_months, approved_on)
          values ('cl-retry', 'icbc', 'ent-c', 10000000, '0.04', 12, current_date)`);
        const results = await Promise.all(
          Array.from({ length: 8 }, async () =>
            disburse(
              'icbc',
              { creditLineId: 'cl-retry', amount: '1000.00', maturesOn: LATER },
              'same-key',
            ),
          ),
        );
        const loans = results.map((r) => ok(r).disburseLoan);
        expect(new Set(loans.map((l) => l.loan.id)).size).toBe(1);
        expect(loans.filter((l) => !l.replayed)).toHaveLength(1);
        const [{ n }] = await graph.graph.databases.banks.rows<{ n: number }>(
          sql`select count(*)::int as n from loans where credit_line_id = 'cl-retry'`,
        );
        expect(n).toBe(1);
      });

      it('two banks lending to a new enterprise at once: exactly one first loan', async () => {
        await graph.graph.databases.banks.db.execute(sql`insert into credit_lines
          (id, bank_id, enterprise_id, amount_fen, rate, term_months, approved_on) values
          ('cl-new-icbc', 'icbc', 'ent-new', 10000000, '0.04', 12, current_date),
          ('cl-new-abc', 'abc', 'ent-new', 10000000, '0.04', 12, current_date)`);
        const [a, b] = await Promise.all([
          disburse(
            'icbc',
            { creditLineId: 'cl-new-icbc', amount: '1000.00', maturesOn: LATER },
            'n-1',
          ),
          disburse(
            'abc',
            { creditLineId: 'cl-new-abc', amount: '1000.00', maturesOn: LATER },
            'n-1',
          ),
        ]);
        const flags = [ok(a).disburseLoan.loan.firstLoan, ok(b).disburseLoan.loan.firstLoan];
        expect(flags.filter(Boolean)).toHaveLength(1);
      });
    });
  });
}
