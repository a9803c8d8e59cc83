import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture, registerParticipants } from '../helpers/fixture.js';
import { startTestGraph, type GraphQLResponse, type TestGraph } from '../helpers/graph.js';
import {
  CLAIM,
  EDIT,
  RESPOND,
  SUBMIT,
  TRIAGE,
  WITHDRAW,
  ok,
  parties,
  validNeed,
} from '../finance/helpers.js';

const MISSING = 'no-such-row-0001';
const DECLINE = `mutation ($id: ID!, $reason: String!) {
  declineFinancingNeed(id: $id, reason: $reason) { need { id status } } }`;
const UNPUBLISH = `mutation ($id: ID!) { unpublishProduct(id: $id) { product { id } } }`;
const EDIT_PRODUCT = `mutation ($id: ID!, $input: EditProductInput!) {
  editProduct(id: $id, input: $input) { product { id } } }`;
const START_PLAN = `mutation ($input: StartCultivationPlanInput!) {
  startCultivationPlan(input: $input) { plan { id items { id } } } }`;
const ADD_ITEMS = `mutation ($id: ID!, $items: [CultivationItemInput!]!) {
  addCultivationItems(planId: $id, items: $items) { plan { id } } }`;
const UPDATE_ITEM = `mutation ($id: ID!, $input: UpdateCultivationItemInput!) {
  updateCultivationItem(id: $id, input: $input) { item { id } } }`;
const CLOSE_PLAN = `mutation ($id: ID!, $note: String!) {
  closeCultivationPlan(id: $id, outcome: CLOSED, note: $note) { plan { id } } }`;
const UPDATE_ENTERPRISE = `mutation ($id: ID!, $input: UpdateEnterpriseInput!) {
  updateEnterprise(id: $id, input: $input) { id } }`;
const FINANCIALS = `mutation ($id: ID!, $input: AnnualFinancialsInput!) {
  submitAnnualFinancials(enterpriseId: $id, input: $input) { id } }`;
const REGISTER = `mutation ($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) { id } }`;
const GRANT = `mutation ($input: GrantConsentInput!) { grantConsent(input: $input) { id purpose } }`;
const REVOKE = `mutation ($id: ID!) { revokeConsent(id: $id) { id } }`;
const CONTACT = `query ($id: ID!) { enterprise(id: $id) { id contact { phone } } }`;
const STATISTICS = `query ($from: Date!, $to: Date!) { serviceStatistics(from: $from, to: $to) {
  banks { bankId claims claimsDeclined claimDeclineRatio }
  cityTotals { claims claimsDeclined claimDeclineRatio } } }`;

/** The error a response carries, with every occurrence of `id` replaced by a placeholder. */
function errorWithout(response: GraphQLResponse, id: string) {
  expect(response.body.errors, JSON.stringify(response.body)).toHaveLength(1);
  return JSON.parse(JSON.stringify(response.body.errors![0]).split(id).join('<id>'));
}

for (const backend of BACKENDS) {
  describe(`mutations answer only for rows the caller may read (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const financeDb = () => graph.graph.databases.finance;

    beforeAll(async () => {
      graph = await startTestGraph(backend, {
        prepare: async (databases) => {
          await loadFixture(databases);
          // The banks the throttle and text tests act as, each starting with a clean record.
          await registerParticipants(databases, {
            banks: [
              'decliner',
              'harvester',
              'honest',
              'scope-a',
              'scope-b',
              'sprinter',
              'stats-bank',
              'text-bank',
            ],
          });
        },
        env: {
          CLAIM_MAX_PER_HOUR: '5',
          CLAIM_DECLINE_WINDOW: '4',
          CLAIM_DECLINE_MINIMUM: '3',
          CLAIM_DECLINE_RATIO: '0.5',
          CLAIM_COOLDOWN_MINUTES: '30',
        },
      });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const submit = async (enterprise = 'ent-a', input: Record<string, unknown> = {}) =>
      ok(
        await graph.query(
          SUBMIT,
          { input: { ...validNeed, ...input } },
          await as('enterprise', enterprise),
        ),
      ).submitFinancingNeed.need;
    const openNeed = async (enterprise = 'ent-a') => {
      const need = await submit(enterprise);
      ok(await graph.query(TRIAGE, { id: need.id }, await as('finance_office')));
      return need;
    };

    /**
     * Sends the mutation for the row the caller cannot read and for an id that does not exist,
     * and expects the same error, message and extensions, once the id is taken out.
     */
    const expectSameAsMissing = async (
      query: string,
      variables: (id: string) => Record<string, unknown>,
      token: string,
      hiddenId: string,
    ) => {
      const hidden = await graph.query(query, variables(hiddenId), token);
      const missing = await graph.query(query, variables(MISSING), token);
      expect(hidden.status).toBe(missing.status);
      const error = errorWithout(hidden, hiddenId);
      expect(error).toEqual(errorWithout(missing, MISSING));
      expect(error.extensions.code).toBe('NOT_FOUND');
      return error;
    };

    describe('financing needs', () => {
      it('claims a withdrawn need, or one claimed by another bank, as a missing one', async () => {
        const withdrawn = await openNeed();
        ok(await graph.query(WITHDRAW, { id: withdrawn.id }, await as('enterprise', 'ent-a')));
        const bank = await as('bank', 'scope-a');
        const error = await expectSameAsMissing(CLAIM, (id) => ({ id }), bank, withdrawn.id);
        expect(error.message).toBe('financing need "<id>" does not exist');

        const taken = await openNeed();
        ok(await graph.query(CLAIM, { id: taken.id }, await as('bank', 'scope-b')));
        await expectSameAsMissing(CLAIM, (id) => ({ id }), bank, taken.id);
        await expectSameAsMissing(
          RESPOND,
          (id) => ({ id, accept: false, reason: '不符合条件' }),
          bank,
          taken.id,
        );
        await expectSameAsMissing(DECLINE, (id) => ({ id, reason: '不贷' }), bank, taken.id);
        // A submitted need, not yet triaged, is no bank's to read.
        const submitted = await submit();
        await expectSameAsMissing(CLAIM, (id) => ({ id }), bank, submitted.id);
      });

      it('answers another enterprise’s need as a missing one, and writes nothing', async () => {
        const need = await submit('ent-a');
        const other = await as('enterprise', 'ent-b');
        await expectSameAsMissing(EDIT, (id) => ({ id, input: { termMonths: 6 } }), other, need.id);
        await expectSameAsMissing(WITHDRAW, (id) => ({ id }), other, need.id);
        const [row] = await financeDb().rows<{ status: string; term_months: number }>(
          sql`select status, term_months from financing_needs where id = ${need.id}`,
        );
        expect(row).toEqual({ status: 'SUBMITTED', term_months: validNeed.termMonths });
      });
    });

    describe('products and cultivation plans', () => {
      it('answers another bank’s withdrawn product as a missing one, a listed one FORBIDDEN', async () => {
        const abc = await as('bank', 'abc');
        const icbc = await as('bank', 'icbc');
        // Listed in the catalogue: icbc may read it, not change it.
        const listed = await graph.query(UNPUBLISH, { id: 'prod-abc-01' }, icbc);
        expect(listed.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
        ok(await graph.query(UNPUBLISH, { id: 'prod-abc-01' }, abc));
        await expectSameAsMissing(UNPUBLISH, (id) => ({ id }), icbc, 'prod-abc-01');
        await expectSameAsMissing(
          EDIT_PRODUCT,
          (id) => ({ id, input: { name: '改名' } }),
          icbc,
          'prod-abc-01',
        );
      });

      it('answers another bank’s cultivation plan and items as missing ones', async () => {
        const plan = ok(
          await graph.query(
            START_PLAN,
            {
              input: {
                enterpriseId: 'ent-b',
                goal: '达到信用贷款准入条件',
                items: [{ kind: 'MISSING_CONDITION', description: '财务报表未审计' }],
              },
            },
            await as('bank', 'icbc'),
          ),
        ).startCultivationPlan.plan;
        const boc = await as('bank', 'boc');
        await expectSameAsMissing(
          ADD_ITEMS,
          (id) => ({ id, items: [{ kind: 'MISSING_CONDITION', description: '补充' }] }),
          boc,
          plan.id,
        );
        await expectSameAsMissing(CLOSE_PLAN, (id) => ({ id, note: '结束' }), boc, plan.id);
        const error = await expectSameAsMissing(
          UPDATE_ITEM,
          (id) => ({ id, input: { status: 'RESOLVED' } }),
          boc,
          plan.items[0].id,
        );
        expect(error.message).toBe('cultivation item "<id>" does not exist');
      });
    });

    describe('enterprises and consents', () => {
      it('answers another enterprise, its profile, financials and consents, as missing ones', async () => {
        const entB = await as('enterprise', 'ent-b');
        await expectSameAsMissing(
          UPDATE_ENTERPRISE,
          (id) => ({ id, input: { stage: 'GROWTH' } }),
          entB,
          'ent-a',
        );
        await expectSameAsMissing(
          FINANCIALS,
          (id) => ({
            id,
            input: {
              year: 2024,
              revenue: '1000000',
              rdExpense: '100000',
              employees: 10,
              techStaff: 2,
              totalAssets: '500000',
            },
          }),
          entB,
          'ent-a',
        );
        await expectSameAsMissing(
          GRANT,
          (id) => ({
            input: { enterpriseId: id, bankId: 'icbc', dataSets: ['CONTACT'], purpose: '授信' },
          }),
          entB,
          'ent-a',
        );
        await expectSameAsMissing(REVOKE, (id) => ({ id }), entB, 'cons-1');
      });
    });

    describe('claims cannot be used to harvest contacts', () => {
      it('withholds the contact from a bank as soon as it declines the need it claimed', async () => {
        // A bank of its own: another test has ent-c grant boc its contact.
        const bank = await as('bank', 'decliner');
        const need = await openNeed('ent-c');
        const before = await graph.query(CONTACT, { id: 'ent-c' }, bank);
        expect(before.body.data.enterprise.contact).toBeNull();
        ok(await graph.query(CLAIM, { id: need.id }, bank));
        const asMainBank = ok(await graph.query(CONTACT, { id: 'ent-c' }, bank));
        expect(asMainBank.enterprise.contact).toEqual({ phone: '13800000000' });
        ok(await graph.query(RESPOND, { id: need.id, accept: false, reason: '暂不受理' }, bank));
        const after = await graph.query(CONTACT, { id: 'ent-c' }, bank);
        expect(after.body.data.enterprise.contact).toBeNull();
        expect(after.body.errors?.[0].extensions).toMatchObject({
          code: 'UNAUTHORIZED_FIELD_OR_TYPE',
          rule: 'policy',
        });
        // Nor can it take the same need again.
        const again = await graph.query(CLAIM, { id: need.id }, bank);
        expect(again.body.errors?.[0].extensions?.code).toBe('CONFLICT');
        expect(again.body.errors?.[0].message).toMatch(/declined it/);
      });

      it('shows the finance office each bank’s claims, declines and decline ratio', async () => {
        const bank = await as('bank', 'stats-bank');
        const kept = await openNeed('ent-a');
        const given = await openNeed('ent-b');
        ok(await graph.query(CLAIM, { id: kept.id }, bank));
        ok(await graph.query(CLAIM, { id: given.id }, bank));
        ok(await graph.query(RESPOND, { id: given.id, accept: false, reason: '额度不足' }, bank));
        const today = new Date().toISOString().slice(0, 10);
        const period = { from: '2020-01-01', to: today.replace(/^\d{4}/, (y) => `${+y + 1}`) };
        const office = ok(await graph.query(STATISTICS, period, await as('finance_office')));
        const row = office.serviceStatistics.banks.find(
          (b: { bankId: string }) => b.bankId === 'stats-bank',
        );
        expect(row).toEqual({
          bankId: 'stats-bank',
          claims: 2,
          claimsDeclined: 1,
          claimDeclineRatio: '0.5000',
        });
        expect(office.serviceStatistics.cityTotals.claims).toBeGreaterThanOrEqual(2);
        // The bank sees its own row.
        const own = ok(
          await graph.query(
            `query ($from: Date!, $to: Date!) { serviceStatistics(from: $from, to: $to) {
              banks { bankId claims claimsDeclined claimDeclineRatio } } }`,
            period,
            bank,
          ),
        );
        expect(own.serviceStatistics.banks).toEqual([row]);
      });

      it('suspends a bank that declines more than the allowed share of its claims, saying why and until when', async () => {
        const bank = await as('bank', 'harvester');
        for (let i = 0; i < 3; i++) {
          const need = await openNeed('ent-a');
          ok(await graph.query(CLAIM, { id: need.id }, bank));
          ok(await graph.query(RESPOND, { id: need.id, accept: false, reason: '不受理' }, bank));
        }
        const next = await openNeed('ent-a');
        const started = Date.now();
        const refused = await graph.query(CLAIM, { id: next.id }, bank);
        expect(refused.body.errors).toHaveLength(1);
        const [error] = refused.body.errors!;
        expect(error.extensions?.code).toBe('CLAIMS_SUSPENDED');
        const until = Date.parse(error.extensions?.suspendedUntil);
        expect(until - started).toBeGreaterThan(29 * 60_000);
        expect(until - started).toBeLessThan(31 * 60_000);
        expect(error.message).toBe(
          `claims by bank "harvester" are suspended until ${new Date(until).toISOString()}: ` +
            '3 of its last 3 claims were declined, more than the allowed share of 0.5 (CLAIM_DECLINE_RATIO)',
        );
        // Still suspended on the next try, and the need stays open to other banks.
        const again = await graph.query(CLAIM, { id: next.id }, bank);
        expect(again.body.errors?.[0].extensions?.code).toBe('CLAIMS_SUSPENDED');
        ok(await graph.query(CLAIM, { id: next.id }, await as('bank', 'honest')));
      });

      it('suspends a bank claiming more than the hourly limit, even claims arriving at once', async () => {
        const bank = await as('bank', 'sprinter');
        const needs = [];
        for (let i = 0; i < 8; i++) needs.push(await openNeed('ent-b'));
        const responses = await Promise.all(
          needs.map((need) => graph.query(CLAIM, { id: need.id }, bank)),
        );
        const won = responses.filter((r) => r.body.data?.claimFinancingNeed);
        const refused = responses.filter((r) => !r.body.data?.claimFinancingNeed);
        expect(won).toHaveLength(5);
        expect(refused).toHaveLength(3);
        for (const r of refused) {
          expect(r.body.errors?.[0].extensions?.code).toBe('CLAIMS_SUSPENDED');
        }
        expect(
          refused.some((r) =>
            /5 claims in the last hour, the most allowed \(CLAIM_MAX_PER_HOUR\) is 5/.test(
              r.body.errors![0].message,
            ),
          ),
        ).toBe(true);
        const [{ n }] = await financeDb().rows<{ n: number }>(
          sql`select count(*)::int as n from need_claims where bank_id = 'sprinter'`,
        );
        expect(Number(n)).toBe(5);
      });
    });

    describe('free text and bank ids', () => {
      const invisible = {
        'zero-width spaces': '\u200B\u200B',
        'a byte-order mark': '\uFEFF',
        'bidi marks': '\u200E\u200F\u202A\u202C',
        'no-break spaces': '\u00A0\u00A0',
        'plain spaces': '   ',
        'an ideographic space and a tab': '\u3000\t',
      };
      for (const [what, purpose] of Object.entries(invisible)) {
        it(`refuses a consent purpose of only ${what} with BAD_USER_INPUT naming purpose`, async () => {
          const response = await graph.query(
            GRANT,
            { input: { enterpriseId: 'ent-b', bankId: 'icbc', dataSets: ['CONTACT'], purpose } },
            await as('enterprise', 'ent-b'),
          );
          expect(response.body.errors?.[0].extensions).toMatchObject({
            code: 'BAD_USER_INPUT',
            field: 'input.purpose',
          });
          const consents = await graph.graph.databases.exchange.rows<{ n: number }>(
            sql`select count(*)::int as n from consents where enterprise_id = 'ent-b'`,
          );
          expect(Number(consents[0].n)).toBe(0);
        });
      }

      it('applies the same rule to every required free text: reasons, purposes, names', async () => {
        const zw = '\u200B\u2060\uFEFF';
        const need = await submit('ent-a', { purpose: '扩产' });
        const purpose = await graph.query(
          EDIT,
          { id: need.id, input: { purpose: zw } },
          await as('enterprise', 'ent-a'),
        );
        expect(purpose.body.errors?.[0].extensions).toMatchObject({ field: 'input.purpose' });
        const name = await graph.query(
          UPDATE_ENTERPRISE,
          { id: 'ent-a', input: { name: zw } },
          await as('tech_bureau'),
        );
        expect(name.body.errors?.[0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: 'input.name',
        });
        const open = await openNeed('ent-a');
        const bank = await as('bank', 'text-bank');
        ok(await graph.query(CLAIM, { id: open.id }, bank));
        const reason = await graph.query(RESPOND, { id: open.id, accept: false, reason: zw }, bank);
        expect(reason.body.errors?.[0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: 'reason',
        });
        // Visible text with invisible characters around it is kept, trimmed.
        const granted = ok(
          await graph.query(
            GRANT,
            {
              input: {
                enterpriseId: 'ent-c',
                bankId: 'boc',
                dataSets: ['CONTACT'],
                purpose: '\u200B 授信审查\u00A0',
              },
            },
            await as('enterprise', 'ent-c'),
          ),
        );
        expect(granted.grantConsent.purpose).toBe('授信审查');
      });

      it('refuses a basic-account bank that is not a participating bank, writing nothing', async () => {
        const register = {
          uscc: '91110000802100433B',
          name: '咸宁丁光电科技有限公司',
          district: 'HIGH_TECH_ZONE',
          industry: 'C3976',
          stage: 'STARTUP',
          foundedOn: '2021-06-01',
          contact: {
            legalRepresentative: '丁一',
            contactPerson: '丁二',
            phone: '0715-8123456',
            address: '咸宁高新区长江大道1号',
          },
        };
        const bureau = await as('tech_bureau');
        for (const bankId of ['no-such-bank', 'ICBC ', '工行']) {
          const refused = await graph.query(
            REGISTER,
            { input: { ...register, basicAccountBankId: bankId } },
            bureau,
          );
          expect(refused.body.errors?.[0].extensions).toMatchObject({
            code: 'BAD_USER_INPUT',
            field: 'input.basicAccountBankId',
          });
        }
        const [{ n }] = await graph.graph.databases.tech.rows<{ n: number }>(
          sql`select count(*)::int as n from enterprises where uscc = ${register.uscc}`,
        );
        expect(Number(n)).toBe(0);
        const self = await as('enterprise', 'ent-b');
        const update = await graph.query(
          UPDATE_ENTERPRISE,
          { id: 'ent-b', input: { basicAccountBankId: 'no-such-bank' } },
          self,
        );
        expect(update.body.errors?.[0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: 'input.basicAccountBankId',
        });
        ok(
          await graph.query(
            UPDATE_ENTERPRISE,
            { id: 'ent-b', input: { basicAccountBankId: 'boc' } },
            self,
          ),
        );
        const registered = ok(
          await graph.query(
            REGISTER,
            { input: { ...register, basicAccountBankId: 'icbc' } },
            bureau,
          ),
        ).registerEnterprise;
        const banks = await graph.graph.databases.tech.rows<{ id: string; bank: string }>(
          sql`select id, basic_account_bank_id as bank from enterprises
              where id in ('ent-b', ${registered.id}) order by id`,
        );
        expect(banks).toEqual(
          [
            { id: 'ent-b', bank: 'boc' },
            { id: registered.id, bank: 'icbc' },
          ].sort((a, b) => a.id.localeCompare(b.id)),
        );
      });
    });
  });
}
