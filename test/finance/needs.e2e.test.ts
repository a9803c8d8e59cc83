import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture, registerParticipants } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import {
  CLAIM,
  NEED,
  EDIT,
  RESPOND,
  SUBMIT,
  TRIAGE,
  WITHDRAW,
  insertNeeds,
  ok,
  parties,
  refusal,
  validNeed,
} from './helpers.js';

const DAY_MS = 86_400_000;

for (const backend of BACKENDS) {
  describe(`financing-need mutations (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const finance = () => graph.graph.databases.finance;

    beforeAll(async () => {
      graph = await startTestGraph(backend, {
        prepare: async (databases) => {
          await loadFixture(databases);
          // bank-slow misses deadlines; bank-01 … bank-20 race to claim one need.
          await registerParticipants(databases, {
            banks: [
              'bank-slow',
              ...Array.from({ length: 20 }, (_, i) => `bank-${String(i + 1).padStart(2, '0')}`),
            ],
          });
        },
      });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const submit = async (enterprise: string, input: Record<string, unknown> = {}) =>
      ok(
        await graph.query(
          SUBMIT,
          { input: { ...validNeed, ...input } },
          await as('enterprise', enterprise),
        ),
      ).submitFinancingNeed.need;
    // Facts not given are sent as null ("none"), which the lookups leave alone.
    const triage = async (id: string, basic?: string, lender?: string) =>
      graph.query(
        TRIAGE,
        { id, basic: basic ?? null, lender: lender ?? null },
        await as('finance_office'),
      );
    const openNeed = async (enterprise = 'ent-a') => {
      const need = await submit(enterprise);
      return ok(await triage(need.id)).triageFinancingNeed.need;
    };
    const needCount = async () =>
      Number(
        (
          await finance().rows<{ n: number }>(sql`select count(*)::int as n from financing_needs`)
        )[0].n,
      );

    describe('submitFinancingNeed', () => {
      it('records a need for the calling enterprise itself, awaiting triage', async () => {
        const need = await submit('ent-a', { preferredBankId: 'icbc' });
        expect(need).toMatchObject({
          status: 'SUBMITTED',
          enterpriseId: 'ent-a',
          amount: '2000000.00',
          termMonths: 12,
          collateral: ['PATENT_PLEDGE'],
          visibility: 'OPEN_TO_ALL_BANKS',
          preferredBank: { id: 'icbc' },
          mainBank: null,
        });
      });

      const invalid: [string, Record<string, unknown>, string, RegExp][] = [
        ['a zero amount', { amount: '0' }, 'input.amount', /more than 0/],
        ['an amount above 1e9 yuan', { amount: '1000000000.01' }, 'input.amount', /at most/],
        ['a zero term', { termMonths: 0 }, 'input.termMonths', /1 to 360/],
        ['a term over 360 months', { termMonths: 361 }, 'input.termMonths', /1 to 360/],
        ['a blank purpose', { purpose: '   ' }, 'input.purpose', /not be empty/],
        ['a purpose over 500 characters', { purpose: '研'.repeat(501) }, 'input.purpose', /500/],
        ['no collateral', { collateral: [] }, 'input.collateral', /at least one/],
        [
          'a repeated collateral kind',
          { collateral: ['PATENT_PLEDGE', 'PATENT_PLEDGE'] },
          'input.collateral',
          /PATENT_PLEDGE is repeated/,
        ],
        [
          'NONE beside real collateral',
          { collateral: ['NONE', 'GUARANTEE'] },
          'input.collateral',
          /cannot be combined/,
        ],
        [
          'a malformed bank id',
          { preferredBankId: 'no such bank!' },
          'input.preferredBankId',
          /bank id/,
        ],
      ];
      for (const [what, input, field, rule] of invalid) {
        it(`refuses ${what} with BAD_USER_INPUT naming ${field}, writing nothing`, async () => {
          const before = await needCount();
          const response = await graph.query(
            SUBMIT,
            { input: { ...validNeed, ...input } },
            await as('enterprise', 'ent-a'),
          );
          const error = refusal(response);
          expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
          expect(error.message).toMatch(rule);
          expect(error.message).toContain(field);
          expect(response.body.data?.submitFinancingNeed ?? null).toBeNull();
          expect(await needCount()).toBe(before);
        });
      }

      it('is not open to a bank: it lacks the need:submit scope', async () => {
        const response = await graph.query(SUBMIT, { input: validNeed }, await as('bank', 'icbc'));
        expect(response.body.data.submitFinancingNeed).toBeNull();
        expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      });
    });

    describe('editFinancingNeed', () => {
      it('changes the given fields of its own submitted need and keeps the rest', async () => {
        const need = await submit('ent-a');
        const { editFinancingNeed } = ok(
          await graph.query(
            EDIT,
            { id: need.id, input: { amount: '3500000', purpose: '  扩产  ' } },
            await as('enterprise', 'ent-a'),
          ),
        );
        expect(editFinancingNeed.need).toMatchObject({
          id: need.id,
          amount: '3500000.00',
          purpose: '扩产',
          termMonths: 12,
          status: 'SUBMITTED',
        });
      });

      it('sends an open need made main-bank-only back to triage', async () => {
        const need = await openNeed();
        const { editFinancingNeed } = ok(
          await graph.query(
            EDIT,
            { id: need.id, input: { visibility: 'MAIN_BANK_ONLY' } },
            await as('enterprise', 'ent-a'),
          ),
        );
        expect(editFinancingNeed.need).toMatchObject({
          status: 'SUBMITTED',
          visibility: 'MAIN_BANK_ONLY',
        });
      });

      it('validates like a submission and refuses an empty edit', async () => {
        const need = await submit('ent-a');
        const token = await as('enterprise', 'ent-a');
        const bad = refusal(
          await graph.query(EDIT, { id: need.id, input: { termMonths: 400 } }, token),
        );
        expect(bad).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.termMonths' });
        const empty = refusal(await graph.query(EDIT, { id: need.id, input: {} }, token));
        expect(empty).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input' });
      });

      it('does not let an enterprise touch another’s need, nor edit one already assigned', async () => {
        const need = await submit('ent-a');
        const other = refusal(
          await graph.query(
            EDIT,
            { id: need.id, input: { termMonths: 6 } },
            await as('enterprise', 'ent-b'),
          ),
        );
        expect(other.code).toBe('NOT_FOUND');
        const assigned = refusal(
          await graph.query(
            EDIT,
            { id: 'need-b1', input: { termMonths: 6 } },
            await as('enterprise', 'ent-b'),
          ),
        );
        expect(assigned.code).toBe('CONFLICT');
        expect(assigned.message).toMatch(/ASSIGNED.*only while SUBMITTED or OPEN/);
      });
    });

    describe('withdrawFinancingNeed', () => {
      it('withdraws its own need from an open or an assigned state', async () => {
        const open = await openNeed();
        const token = await as('enterprise', 'ent-a');
        const first = ok(await graph.query(WITHDRAW, { id: open.id }, token));
        expect(first.withdrawFinancingNeed.need.status).toBe('WITHDRAWN');

        const claimed = await openNeed();
        ok(await graph.query(CLAIM, { id: claimed.id }, await as('bank', 'boc')));
        const second = ok(await graph.query(WITHDRAW, { id: claimed.id }, token));
        expect(second.withdrawFinancingNeed.need).toMatchObject({ status: 'WITHDRAWN' });
      });

      it('refuses a need already closed, and hides another enterprise’s', async () => {
        const need = await openNeed();
        const token = await as('enterprise', 'ent-a');
        ok(await graph.query(WITHDRAW, { id: need.id }, token));
        const again = refusal(await graph.query(WITHDRAW, { id: need.id }, token));
        expect(again.code).toBe('CONFLICT');
        expect(again.message).toMatch(/WITHDRAWN: only a live need/);
        const disbursed = refusal(
          await graph.query(WITHDRAW, { id: 'need-c1' }, await as('enterprise', 'ent-c')),
        );
        expect(disbursed.code).toBe('CONFLICT');
        const foreign = refusal(await graph.query(WITHDRAW, { id: 'need-b1' }, token));
        expect(foreign.code).toBe('NOT_FOUND');
      });
    });

    describe('triageFinancingNeed', () => {
      it('opens a need that is open to all banks', async () => {
        const need = await submit('ent-a');
        const { triageFinancingNeed } = ok(await triage(need.id, 'icbc'));
        expect(triageFinancingNeed.need).toMatchObject({ status: 'OPEN', mainBank: null });
      });

      it('assigns a main-bank-only need by the rule: named bank, basic account, largest lender', async () => {
        const mainBankOnly = { visibility: 'MAIN_BANK_ONLY', preferredBankId: 'abc' };
        // The enterprise's choice comes first, even when it has a basic-account bank and a lender.
        const named = ok(await triage((await submit('ent-b', mainBankOnly)).id, 'icbc', 'boc'));
        expect(named.triageFinancingNeed.need).toMatchObject({
          status: 'ASSIGNED',
          mainBank: { id: 'abc' },
          mainBankBasis: 'NAMED_BY_ENTERPRISE',
        });
        const basic = ok(
          await triage((await submit('ent-b', { visibility: 'MAIN_BANK_ONLY' })).id, 'icbc', 'boc'),
        );
        expect(basic.triageFinancingNeed.need).toMatchObject({
          status: 'ASSIGNED',
          mainBank: { id: 'icbc' },
          mainBankBasis: 'BASIC_ACCOUNT',
        });
        const lender = ok(
          await triage(
            (await submit('ent-b', { visibility: 'MAIN_BANK_ONLY' })).id,
            undefined,
            'boc',
          ),
        );
        const need = lender.triageFinancingNeed.need;
        expect(need).toMatchObject({ mainBank: { id: 'boc' }, mainBankBasis: 'LARGEST_LENDER' });
        expect(Date.parse(need.solutionDueAt) - Date.parse(need.assignedAt)).toBe(DAY_MS);
        expect(Math.abs(Date.parse(need.assignedAt) - Date.now())).toBeLessThan(60_000);
      });

      it('looks up the facts not given: the library’s basic-account bank, the banks’ largest lender', async () => {
        const lookup = `mutation ($id: ID!) { triageFinancingNeed(id: $id) { need { ${NEED} } } }`;
        const tech = graph.graph.databases.tech;
        await tech.db.execute(
          sql`update enterprises set basic_account_bank_id = 'boc' where id = 'ent-c'`,
        );
        try {
          const mainBankOnly = { visibility: 'MAIN_BANK_ONLY' };
          const basic = ok(
            await graph.query(
              lookup,
              { id: (await submit('ent-c', mainBankOnly)).id },
              await as('finance_office'),
            ),
          );
          expect(basic.triageFinancingNeed.need).toMatchObject({
            mainBank: { id: 'boc' },
            mainBankBasis: 'BASIC_ACCOUNT',
          });
          // The bank ent-c names wins over the basic-account bank the library holds.
          const named = ok(
            await graph.query(
              lookup,
              { id: (await submit('ent-c', { ...mainBankOnly, preferredBankId: 'icbc' })).id },
              await as('finance_office'),
            ),
          );
          expect(named.triageFinancingNeed.need).toMatchObject({
            mainBank: { id: 'icbc' },
            mainBankBasis: 'NAMED_BY_ENTERPRISE',
          });
          // ent-b has no basic-account bank on file; icbc lent to it (cl-1, loan-1).
          const lender = ok(
            await graph.query(
              lookup,
              { id: (await submit('ent-b', mainBankOnly)).id },
              await as('finance_office'),
            ),
          );
          expect(lender.triageFinancingNeed.need).toMatchObject({
            mainBank: { id: 'icbc' },
            mainBankBasis: 'LARGEST_LENDER',
          });
        } finally {
          await tech.db.execute(
            sql`update enterprises set basic_account_bank_id = null where id = 'ent-c'`,
          );
        }
      });

      it('explains with BAD_USER_INPUT when no main bank applies', async () => {
        const need = await submit('ent-b', { visibility: 'MAIN_BANK_ONLY' });
        const error = refusal(await triage(need.id));
        expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'basicAccountBankId' });
        expect(error.message).toMatch(/main-bank-only and no main bank applies/);
        const malformed = refusal(await triage(need.id, 'icbc; drop table'));
        expect(malformed).toMatchObject({ code: 'BAD_USER_INPUT', field: 'basicAccountBankId' });
        expect(malformed.message).toMatch(/is not a bank id/);
        const still = await finance().rows<{ status: string }>(
          sql`select status from financing_needs where id = ${need.id}`,
        );
        expect(still[0].status).toBe('SUBMITTED');
      });

      it('triages only submitted needs, and only for the finance office', async () => {
        const again = refusal(await triage('need-a1'));
        expect(again.code).toBe('CONFLICT');
        const need = await submit('ent-a');
        const byEnterprise = await graph.query(
          TRIAGE,
          { id: need.id },
          await as('enterprise', 'ent-a'),
        );
        expect(byEnterprise.body.data.triageFinancingNeed).toBeNull();
        expect(refusal(byEnterprise).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      });
    });

    describe('claimFinancingNeed (抢单)', () => {
      it('lets exactly one of twenty banks claiming at once win; the others are refused as for a need they cannot read', async () => {
        const need = await openNeed('ent-c');
        const banks = Array.from(
          { length: 20 },
          (_, i) => `bank-${String(i + 1).padStart(2, '0')}`,
        );
        const tokens = await Promise.all(banks.map((bank) => as('bank', bank)));
        const responses = await Promise.all(
          tokens.map((token) => graph.query(CLAIM, { id: need.id }, token)),
        );
        const winners = responses.filter((r) => r.body.data?.claimFinancingNeed);
        const losers = responses.filter((r) => !r.body.data?.claimFinancingNeed);
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(19);
        // A claim that reaches the need after the winner's finds it outside its scope (NOT_FOUND,
        // as for a missing id); one that read it before the winner committed loses the race
        // (CONFLICT).
        for (const loser of losers) {
          const error = refusal(loser);
          if (error.code === 'NOT_FOUND') {
            expect(error.message).toBe(`financing need "${need.id}" does not exist`);
          } else {
            expect(error.code).toBe('CONFLICT');
            expect(error.message).toMatch(/already claimed/);
          }
        }
        const won = winners[0].body.data.claimFinancingNeed.need;
        expect(won).toMatchObject({ status: 'ASSIGNED', mainBankBasis: 'CLAIMED' });
        expect(banks).toContain(won.mainBank.id);
        expect(Date.parse(won.solutionDueAt) - Date.parse(won.assignedAt)).toBe(DAY_MS);
        const rows = await finance().rows<{ main_bank_id: string; versions: number }>(
          sql`select main_bank_id, (select count(*)::int from financing_need_changes c
                where c.need_id = n.id and c.status = 'ASSIGNED') as versions
              from financing_needs n where id = ${need.id}`,
        );
        expect(rows[0]).toEqual({ main_bank_id: won.mainBank.id, versions: 1 });
        // The claim is recorded by the statement that wins it: once, for the winner alone.
        const claims = await finance().rows<{ bank_id: string }>(
          sql`select bank_id from need_claims where need_id = ${need.id}`,
        );
        expect(claims).toEqual([{ bank_id: won.mainBank.id }]);
      });

      it('hides a main-bank-only need from other banks and refuses one not open', async () => {
        const hidden = refusal(
          await graph.query(CLAIM, { id: 'need-b1' }, await as('bank', 'abc')),
        );
        expect(hidden.code).toBe('NOT_FOUND');
        const own = refusal(await graph.query(CLAIM, { id: 'need-b1' }, await as('bank', 'icbc')));
        expect(own.code).toBe('CONFLICT');
        // A submitted need is no bank's to read yet: NOT_FOUND, as a missing one.
        const submitted = await submit('ent-a');
        const early = refusal(
          await graph.query(CLAIM, { id: submitted.id }, await as('bank', 'abc')),
        );
        expect(early).toEqual({
          code: 'NOT_FOUND',
          field: undefined,
          message: `financing need "${submitted.id}" does not exist`,
        });
      });
    });

    describe('respondToAssignment (受理回告)', () => {
      it('keeps an accepted need assigned and records the answer once', async () => {
        const need = await openNeed();
        const token = await as('bank', 'boc');
        ok(await graph.query(CLAIM, { id: need.id }, token));
        const { respondToAssignment } = ok(
          await graph.query(RESPOND, { id: need.id, accept: true, reason: '三日内出方案' }, token),
        );
        expect(respondToAssignment.need.status).toBe('ASSIGNED');
        expect(respondToAssignment.need.acceptedAt).not.toBeNull();
        expect(respondToAssignment.feedback).toMatchObject({
          needId: need.id,
          bank: { id: 'boc' },
          accepted: true,
          reason: '三日内出方案',
        });
        const twice = refusal(
          await graph.query(RESPOND, { id: need.id, accept: true, reason: '再次受理' }, token),
        );
        expect(twice.code).toBe('CONFLICT');
      });

      it('returns a declined open need to every bank and keeps the bank’s reason', async () => {
        const need = await openNeed();
        const token = await as('bank', 'abc');
        ok(await graph.query(CLAIM, { id: need.id }, token));
        const { respondToAssignment } = ok(
          await graph.query(RESPOND, { id: need.id, accept: false, reason: '超出授信范围' }, token),
        );
        expect(respondToAssignment.need).toMatchObject({
          status: 'OPEN',
          mainBank: null,
          mainBankBasis: null,
          assignedAt: null,
          solutionDueAt: null,
        });
        const report = ok(
          await graph.query(
            `{ financingNeed(id: "${need.id}") { feedback { bank { id } accepted reason } } }`,
            {},
            await as('finance_office'),
          ),
        );
        expect(report.financingNeed.feedback).toEqual([
          { bank: { id: 'abc' }, accepted: false, reason: '超出授信范围' },
        ]);
        // Another bank sees the need again, but not the first bank's answer.
        const other = ok(
          await graph.query(
            `{ financingNeed(id: "${need.id}") { status feedback { reason } } }`,
            {},
            await as('bank', 'boc'),
          ),
        );
        expect(other.financingNeed).toEqual({ status: 'OPEN', feedback: [] });
      });

      it('shows the enterprise the answers on its own needs, and no other enterprise’s', async () => {
        const need = await openNeed('ent-a');
        ok(await graph.query(CLAIM, { id: need.id }, await as('bank', 'abc')));
        ok(
          await graph.query(
            RESPOND,
            { id: need.id, accept: false, reason: '抵押物不足' },
            await as('bank', 'abc'),
          ),
        );
        ok(await graph.query(CLAIM, { id: need.id }, await as('bank', 'boc')));
        ok(
          await graph.query(
            RESPOND,
            { id: need.id, accept: true, reason: '已受理，三日内出方案' },
            await as('bank', 'boc'),
          ),
        );
        const FEEDBACK = `query ($id: ID!) {
          financingNeed(id: $id) { id feedback { needId bank { id } accepted reason answeredAt } }
          enterprise(id: "ent-a") { financingNeeds { id feedback { bank { id } accepted } } }
        }`;
        const own = await graph.query(FEEDBACK, { id: need.id }, await as('enterprise', 'ent-a'));
        expect(own.body.errors).toBeUndefined();
        const answers = own.body.data.financingNeed.feedback;
        expect(
          answers.map((f: Record<string, unknown>) => ({ ...f, answeredAt: undefined })),
        ).toEqual([
          {
            needId: need.id,
            bank: { id: 'abc' },
            accepted: false,
            reason: '抵押物不足',
            answeredAt: undefined,
          },
          {
            needId: need.id,
            bank: { id: 'boc' },
            accepted: true,
            reason: '已受理，三日内出方案',
            answeredAt: undefined,
          },
        ]);
        expect(Date.parse(answers[0].answeredAt)).toBeLessThanOrEqual(
          Date.parse(answers[1].answeredAt),
        );
        const listed = own.body.data.enterprise.financingNeeds.find(
          (n: { id: string }) => n.id === need.id,
        );
        expect(listed.feedback).toEqual([
          { bank: { id: 'abc' }, accepted: false },
          { bank: { id: 'boc' }, accepted: true },
        ]);
        // Another enterprise reaches neither the need nor its answers.
        const other = await graph.query(FEEDBACK, { id: need.id }, await as('enterprise', 'ent-b'));
        expect(other.body.data.financingNeed).toBeNull();
        expect(
          (other.body.data.enterprise?.financingNeeds ?? []).some(
            (n: { id: string }) => n.id === need.id,
          ),
        ).toBe(false);
        const rows = await finance().rows<{ n: number }>(
          sql`select count(*)::int as n from need_feedback where need_id = ${need.id}`,
        );
        expect(Number(rows[0].n)).toBe(2);
      });

      it('sends a declined main-bank-only need back to triage, which then skips that bank', async () => {
        const need = await submit('ent-b', {
          visibility: 'MAIN_BANK_ONLY',
          preferredBankId: 'abc',
        });
        const first = ok(await triage(need.id, 'icbc', 'boc'));
        expect(first.triageFinancingNeed.need.mainBank).toEqual({ id: 'abc' });
        const decline = async (bank: string, reason: string) =>
          ok(
            await graph.query(
              RESPOND,
              { id: need.id, accept: false, reason },
              await as('bank', bank),
            ),
          ).respondToAssignment.need;
        expect(await decline('abc', '不在本行服务区域')).toMatchObject({
          status: 'SUBMITTED',
          mainBank: null,
        });
        const basic = ok(await triage(need.id, 'icbc', 'boc'));
        expect(basic.triageFinancingNeed.need).toMatchObject({
          mainBank: { id: 'icbc' },
          mainBankBasis: 'BASIC_ACCOUNT',
        });
        await decline('icbc', '企业基本户已迁出');
        const lender = ok(await triage(need.id, 'icbc', 'boc'));
        expect(lender.triageFinancingNeed.need).toMatchObject({
          mainBank: { id: 'boc' },
          mainBankBasis: 'LARGEST_LENDER',
        });
      });

      it('is answered only by the main bank, with a reason', async () => {
        const need = await openNeed();
        ok(await graph.query(CLAIM, { id: need.id }, await as('bank', 'boc')));
        const stranger = refusal(
          await graph.query(
            RESPOND,
            { id: need.id, accept: true, reason: '受理' },
            await as('bank', 'abc'),
          ),
        );
        // Assigned to another bank, the need is outside this bank's scope.
        expect(stranger).toEqual({
          code: 'NOT_FOUND',
          field: undefined,
          message: `financing need "${need.id}" does not exist`,
        });
        const blank = refusal(
          await graph.query(
            RESPOND,
            { id: need.id, accept: false, reason: ' ' },
            await as('bank', 'boc'),
          ),
        );
        expect(blank).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
        const feedback = await finance().rows<{ n: number }>(
          sql`select count(*)::int as n from need_feedback where need_id = ${need.id}`,
        );
        expect(Number(feedback[0].n)).toBe(0);
      });
    });

    describe('overdue needs', () => {
      it('counts overdue needs per main bank for the finance office and the PBOC', async () => {
        await insertNeeds(finance(), [
          { id: 'need-late-1', enterpriseId: 'ent-a', amountFen: 100_000_00 },
          { id: 'need-late-2', enterpriseId: 'ent-b', amountFen: 100_000_00 },
          { id: 'need-late-3', enterpriseId: 'ent-c', amountFen: 100_000_00 },
        ]);
        const slow = await as('bank', 'bank-slow');
        for (const id of ['need-late-1', 'need-late-2', 'need-late-3']) {
          ok(await graph.query(CLAIM, { id }, slow));
        }
        // Two deadlines pass; the third need gets its solution in time.
        await finance().db.execute(sql`update financing_needs
          set solution_due_at = now() - interval '2 hours' where id in ('need-late-1', 'need-late-2')`);
        await finance().db.execute(sql`update financing_needs
          set solution_due_at = now() - interval '1 hour', solution_proposed_at = now() - interval '3 hours'
          where id = 'need-late-3'`);
        const query = '{ overdueNeedsByBank { bank { id } count oldestDueAt } }';
        for (const who of [await as('finance_office'), await as('pboc')]) {
          const { overdueNeedsByBank } = ok(await graph.query(query, {}, who));
          const counts = Object.fromEntries(
            overdueNeedsByBank.map((row: any) => [row.bank.id, row.count]),
          );
          expect(counts['bank-slow']).toBe(2);
          expect(counts.icbc).toBe(1); // need-b1 of the fixture
        }
        const { financingNeed } = ok(
          await graph.query('{ financingNeed(id: "need-late-1") { overdue } }', {}, slow),
        );
        expect(financingNeed.overdue).toBe(true);
        const bank = await graph.query(query, {}, slow);
        expect(bank.body.data.overdueNeedsByBank).toBeNull();
        expect(refusal(bank).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      });
    });
  });
}
