import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { ok, parties, refusal } from './helpers.js';
import { bankReports, count, insertProfiles } from './ledger-helpers.js';

const GUARANTEE = `id creditLineId bank { id } enterprise { id } guarantorName coveredAmount lineAmount
  coveredLoss losses { loanId bank { id } defaultedAmount coveredLoss guarantorShare reGuaranteeShare
  bankShare governmentShare occurredOn }`;
const ATTACH = `mutation ($input: AttachGuaranteeInput!) {
  attachGuarantee(input: $input) { guarantee { ${GUARANTEE} } } }`;
const GUARANTEES = `query ($filter: GuaranteeFilter) {
  guarantees(filter: $filter, first: 50) { nodes { ${GUARANTEE} } } }`;
const ONE = `query ($id: ID!) { guarantee(id: $id) { id creditLineId } }`;

for (const backend of BACKENDS) {
  describe(`guarantees "4321" (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const finance = () => graph.graph.databases.finance;
    const banks = bankReports(finance);
    /** What the finance office was answered when it attached the guarantee on cl-g1. */
    let attached: any;

    const attach = async (input: Record<string, unknown>, party = as('finance_office')) =>
      graph.query(ATTACH, { input }, await party);

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare: loadFixture });
      await insertProfiles(finance(), [
        { enterpriseId: 'ent-a', libraryStatus: 'ADMITTED' },
        { enterpriseId: 'ent-b', libraryStatus: 'ADMITTED' },
      ]);
      // ¥1,000,000 to ent-a at icbc; a line at abc to ent-b already has a defaulted loan.
      await banks.approveLine('icbc', {
        creditLineId: 'cl-g1',
        enterpriseId: 'ent-a',
        amount: 100_000_000,
      });
      await banks.approveLine('abc', {
        creditLineId: 'cl-g2',
        enterpriseId: 'ent-b',
        amount: 50_000_000,
      });
      await banks.approveLine('icbc', {
        creditLineId: 'cl-g3',
        enterpriseId: 'ent-b',
        amount: 20_000_000,
      });
      await banks.disburse('abc', {
        loanId: 'ln-g2a',
        enterpriseId: 'ent-b',
        amount: 30_000_000,
        creditLineId: 'cl-g2',
      });
      await banks.defaulted('abc', {
        loanId: 'ln-g2a',
        enterpriseId: 'ent-b',
        outstanding: 10_000_000,
      });
      attached = ok(
        await attach({
          creditLineId: 'cl-g1',
          guarantorName: ' 咸宁市融资担保公司 ',
          coveredAmount: '800000.00',
        }),
      ).attachGuarantee;
    });
    afterAll(async () => {
      await graph?.stop();
    });

    it('attaches a guarantee to an approved line, with the line’s bank, enterprise and amount', () => {
      expect(attached.guarantee).toMatchObject({
        creditLineId: 'cl-g1',
        bank: { id: 'icbc' },
        enterprise: { id: 'ent-a' },
        guarantorName: '咸宁市融资担保公司',
        coveredAmount: '800000.00',
        lineAmount: '1000000.00',
        coveredLoss: '0.00',
        losses: [],
      });
    });

    const invalid: [string, Record<string, unknown>, string, RegExp][] = [
      [
        'an unknown credit line',
        { creditLineId: 'cl-none' },
        'input.creditLineId',
        /CREDIT_APPROVED/,
      ],
      ['a credit line id with spaces', { creditLineId: 'cl 1' }, 'input.creditLineId', /no spaces/],
      ['a zero covered amount', { coveredAmount: '0' }, 'input.coveredAmount', /more than 0/],
      [
        'a covered amount above the line',
        { coveredAmount: '200000.01' },
        'input.coveredAmount',
        /at most the credit line's approved amount 200000.00/,
      ],
      ['a blank guarantor', { guarantorName: '  ' }, 'input.guarantorName', /not be empty/],
      [
        'a guarantor name over 200 characters',
        { guarantorName: '担'.repeat(201) },
        'input.guarantorName',
        /200/,
      ],
    ];
    for (const [what, change, field, rule] of invalid) {
      it(`refuses ${what} with BAD_USER_INPUT naming ${field}, writing nothing`, async () => {
        const before = await count(finance(), 'guarantees');
        const response = await attach({
          creditLineId: 'cl-g3',
          guarantorName: '湖北省担保',
          coveredAmount: '100000.00',
          ...change,
        });
        const error = refusal(response);
        expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(error.message).toMatch(rule);
        expect(response.body.data?.attachGuarantee ?? null).toBeNull();
        expect(await count(finance(), 'guarantees')).toBe(before);
      });
    }

    it('refuses a guarantee on a line whose loan has defaulted already', async () => {
      const error = refusal(
        await attach({ creditLineId: 'cl-g2', guarantorName: '咸宁担保', coveredAmount: '100.00' }),
      );
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toMatch(/defaulted loan/);
    });

    it('is written by the finance office only', async () => {
      const before = await count(finance(), 'guarantees');
      const response = await attach(
        { creditLineId: 'cl-g3', guarantorName: '咸宁担保', coveredAmount: '100.00' },
        as('bank', 'icbc'),
      );
      expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      expect(await count(finance(), 'guarantees')).toBe(before);
    });

    it('refuses a second guarantee, then shares each default’s covered loss 40/30/20/10 exactly, once per loan, up to what the guarantee covers', async () => {
      // A second guarantee on the line is refused (while no loan of it has defaulted).
      const second = refusal(
        await attach({ creditLineId: 'cl-g1', guarantorName: '另一家担保', coveredAmount: '1.00' }),
      );
      expect(second.code).toBe('CONFLICT');
      expect(second.message).toMatch(/already has a guarantee/);

      await banks.disburse('icbc', {
        loanId: 'ln-g1a',
        enterpriseId: 'ent-a',
        amount: 60_000_000,
        creditLineId: 'cl-g1',
      });
      // The default names the loan only: the line is found from its disbursement.
      await banks.defaulted('icbc', {
        loanId: 'ln-g1a',
        enterpriseId: 'ent-a',
        outstanding: 50_000_001,
        key: 'def-1',
      });
      const [guarantee] = ok(await graph.query(GUARANTEES, {}, await as('finance_office')))
        .guarantees.nodes;
      // ¥500,000.01: 40% = 200,000.004, 30% = 150,000.003, 20% = 100,000.002, 10% = 50,000.001;
      // the one fen left goes to the largest remainder, the guarantee company's.
      expect(guarantee.losses).toEqual([
        {
          loanId: 'ln-g1a',
          bank: { id: 'icbc' },
          defaultedAmount: '500000.01',
          coveredLoss: '500000.01',
          guarantorShare: '200000.01',
          reGuaranteeShare: '150000.00',
          bankShare: '100000.00',
          governmentShare: '50000.00',
          occurredOn: '2025-06-30',
        },
      ]);
      expect(guarantee.coveredLoss).toBe('500000.01');

      // A later default is covered only up to what the guarantee still covers.
      await banks.disburse('icbc', {
        loanId: 'ln-g1b',
        enterpriseId: 'ent-a',
        amount: 40_000_000,
        creditLineId: 'cl-g1',
      });
      await banks.defaulted('icbc', {
        loanId: 'ln-g1b',
        enterpriseId: 'ent-a',
        outstanding: 40_000_000,
        on: '2025-07-31',
      });
      const [capped] = ok(
        await graph.query(
          GUARANTEES,
          { filter: { creditLineId: 'cl-g1' } },
          await as('finance_office'),
        ),
      ).guarantees.nodes;
      // ¥800,000 covered − ¥500,000.01 shared = ¥299,999.99: 119,999.996 / 89,999.997 /
      // 59,999.998 / 29,999.999 → floors leave 3 fen, to government, bank and re-guarantee.
      expect(capped.losses[1]).toMatchObject({
        loanId: 'ln-g1b',
        defaultedAmount: '400000.00',
        coveredLoss: '299999.99',
        guarantorShare: '119999.99',
        reGuaranteeShare: '90000.00',
        bankShare: '60000.00',
        governmentShare: '30000.00',
      });
      expect(capped.coveredLoss).toBe('800000.00');

      // A loan's loss is shared once, however often its default is reported.
      const losses = await count(finance(), 'guarantee_losses');
      const replay = await banks.defaulted('icbc', {
        loanId: 'ln-g1a',
        enterpriseId: 'ent-a',
        outstanding: 50_000_001,
        key: 'def-1',
      });
      expect(replay.replayed).toBe(true);
      await banks.defaulted('icbc', {
        loanId: 'ln-g1a',
        enterpriseId: 'ent-a',
        outstanding: 50_000_001,
        key: 'def-1-again',
      });
      expect(await count(finance(), 'guarantee_losses')).toBe(losses);
    });

    it('records nothing for a default on a line without a guarantee', async () => {
      // A line of its own: the refusal tests attach to cl-g3, which must keep no defaulted loan.
      await banks.approveLine('icbc', {
        creditLineId: 'cl-g4',
        enterpriseId: 'ent-b',
        amount: 10_000_000,
      });
      await banks.disburse('icbc', {
        loanId: 'ln-g3a',
        enterpriseId: 'ent-b',
        amount: 10_000_000,
        creditLineId: 'cl-g4',
      });
      await banks.defaulted('icbc', {
        loanId: 'ln-g3a',
        enterpriseId: 'ent-b',
        outstanding: 10_000_000,
      });
      const [row] = await finance().rows<{ n: number }>(
        sql`select count(*)::int as n from guarantee_losses where loan_id = 'ln-g3a'`,
      );
      expect(Number(row.n)).toBe(0);
    });

    it('shows a guarantee to the finance office, the PBOC, its bank and its enterprise only', async () => {
      const seen = async (party: Parameters<typeof as>[0], org?: string) =>
        ok(await graph.query(GUARANTEES, {}, await as(party, org))).guarantees.nodes.map(
          (g: { creditLineId: string }) => g.creditLineId,
        );
      expect(await seen('finance_office')).toEqual(['cl-g1']);
      expect(await seen('pboc')).toEqual(['cl-g1']);
      expect(await seen('bank', 'icbc')).toEqual(['cl-g1']);
      expect(await seen('enterprise', 'ent-a')).toEqual(['cl-g1']);
      expect(await seen('bank', 'abc')).toEqual([]);
      expect(await seen('enterprise', 'ent-b')).toEqual([]);
      expect(
        ok(await graph.query(ONE, { id: attached.guarantee.id }, await as('bank', 'abc')))
          .guarantee,
      ).toBeNull();
      const tech = await graph.query(GUARANTEES, {}, await as('tech_bureau'));
      expect(tech.body.data.guarantees).toBeNull();
      expect(refusal(tech).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });

    it('lists an enterprise’s guarantees beside its profile, to whom may see them', async () => {
      const ON_ENTERPRISE = `query ($id: ID!) { enterprise(id: $id) { id name
        guarantees { creditLineId guarantorName coveredAmount } } }`;
      const own = ok(
        await graph.query(ON_ENTERPRISE, { id: 'ent-a' }, await as('enterprise', 'ent-a')),
      );
      expect(own.enterprise.guarantees).toEqual([
        { creditLineId: 'cl-g1', guarantorName: '咸宁市融资担保公司', coveredAmount: '800000.00' },
      ]);
      const other = ok(await graph.query(ON_ENTERPRISE, { id: 'ent-a' }, await as('bank', 'abc')));
      expect(other.enterprise.guarantees).toEqual([]);
      const tech = await graph.query(ON_ENTERPRISE, { id: 'ent-a' }, await as('tech_bureau'));
      expect(tech.body.data.enterprise).toMatchObject({ id: 'ent-a', guarantees: null });
      expect(refusal(tech).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });
  });
}
