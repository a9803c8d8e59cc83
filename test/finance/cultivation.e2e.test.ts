import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { businessDate } from '../../subgraphs/kernel/clock.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { ok, parties, refusal } from './helpers.js';

const ITEM = `id planId kind description department departmentName status note dueOn resolvedAt`;
const PLAN = `id bank { id } enterpriseId goal targetAmount status openItems closingNote closedAt
  items { ${ITEM} }`;
const START = `mutation ($input: StartCultivationPlanInput!) {
  startCultivationPlan(input: $input) { plan { ${PLAN} } } }`;
const ADD = `mutation ($planId: ID!, $items: [CultivationItemInput!]!) {
  addCultivationItems(planId: $planId, items: $items) { plan { ${PLAN} } } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateCultivationItemInput!) {
  updateCultivationItem(id: $id, input: $input) { item { ${ITEM} } plan { id openItems } } }`;
const CLOSE = `mutation ($id: ID!, $outcome: CultivationPlanStatus!, $note: String!) {
  closeCultivationPlan(id: $id, outcome: $outcome, note: $note) { plan { ${PLAN} } } }`;
const PLANS = `query ($filter: CultivationPlanFilter) {
  cultivationPlans(filter: $filter, first: 100) { nodes { id bank { id } enterpriseId status } } }`;
const ONE = `query ($id: ID!) { cultivationPlan(id: $id) { id } }`;

const TOMORROW = businessDate(Date.now() + 86_400_000);
const YESTERDAY = businessDate(Date.now() - 86_400_000);

/** ent-b's need is assigned to icbc; ent-c's was disbursed by abc; ent-a's is open, unclaimed. */
const validPlan = {
  enterpriseId: 'ent-b',
  goal: '一年内达到信用贷款准入条件',
  targetAmount: '2000000',
  items: [
    { kind: 'MISSING_CONDITION', description: '近两年财务报表未经审计' },
    {
      kind: 'DEPARTMENT_SUPPORT',
      description: '高新技术企业认定辅导',
      department: 'TECH_BUREAU',
      dueOn: TOMORROW,
    },
    {
      kind: 'DEPARTMENT_SUPPORT',
      description: '厂房不动产权证办理',
      department: 'OTHER',
      departmentName: '市不动产登记中心',
    },
  ],
};

for (const backend of BACKENDS) {
  describe(`credit cultivation (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const financeDb = () => graph.graph.databases.finance;

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare: loadFixture });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const counts = async () =>
      (
        await financeDb().rows<{ plans: number; items: number }>(sql`select
          (select count(*)::int from cultivation_plans) as plans,
          (select count(*)::int from cultivation_items) as items`)
      )[0];
    const start = async (bank: string, input: Record<string, unknown> = {}) =>
      ok(await graph.query(START, { input: { ...validPlan, ...input } }, await as('bank', bank)))
        .startCultivationPlan.plan;
    const planIds = async (token: string, filter: Record<string, unknown> = {}) =>
      ok(await graph.query(PLANS, { filter }, token)).cultivationPlans.nodes.map(
        (node: { id: string }) => node.id,
      );

    // The plans the reading tests read; the tests that change plans run on a graph of their own.
    let icbcPlan: any;
    let abcPlan: any;
    beforeAll(async () => {
      icbcPlan = await start('icbc', { goal: '  一年内达到信用贷款准入条件 ' });
      // abc disbursed ent-c's need: it serves ent-c too.
      abcPlan = await start('abc', {
        enterpriseId: 'ent-c',
        targetAmount: null,
        items: [{ kind: 'MISSING_CONDITION', description: '缺少有效抵押物' }],
      });
    });

    describe('startCultivationPlan', () => {
      it('records a bank’s plan for an enterprise it serves, with every item open', () => {
        expect(icbcPlan).toMatchObject({
          bank: { id: 'icbc' },
          enterpriseId: 'ent-b',
          goal: '一年内达到信用贷款准入条件',
          targetAmount: '2000000.00',
          status: 'ACTIVE',
          openItems: 3,
        });
        expect(icbcPlan.items).toMatchObject([
          { kind: 'MISSING_CONDITION', department: null, status: 'OPEN' },
          { kind: 'DEPARTMENT_SUPPORT', department: 'TECH_BUREAU', dueOn: TOMORROW },
          { department: 'OTHER', departmentName: '市不动产登记中心' },
        ]);
        expect(abcPlan).toMatchObject({
          bank: { id: 'abc' },
          enterpriseId: 'ent-c',
          targetAmount: null,
          openItems: 1,
        });
      });

      const invalid: [string, Record<string, unknown>, string, RegExp][] = [
        ['a blank goal', { goal: ' ' }, 'input.goal', /not be empty/],
        ['a zero target amount', { targetAmount: '0' }, 'input.targetAmount', /more than 0/],
        ['no items', { items: [] }, 'input.items', /at least one item/],
        [
          'a department matter naming no department',
          { items: [validPlan.items[0], { kind: 'DEPARTMENT_SUPPORT', description: '协调' }] },
          'input.items[1].department',
          /must name the department/,
        ],
        [
          'a missing condition naming a department',
          { items: [{ kind: 'MISSING_CONDITION', description: '审计', department: 'TAXATION' }] },
          'input.items[0].department',
          /names no department/,
        ],
        [
          'OTHER without the department’s name',
          { items: [{ kind: 'DEPARTMENT_SUPPORT', description: '协调', department: 'OTHER' }] },
          'input.items[0].departmentName',
          /needs the department’s name/,
        ],
        [
          'a department name beside a listed department',
          {
            items: [
              {
                kind: 'DEPARTMENT_SUPPORT',
                description: '协调',
                department: 'TAXATION',
                departmentName: '税务局',
              },
            ],
          },
          'input.items[0].departmentName',
          /only with department OTHER/,
        ],
        [
          'a due date in the past',
          { items: [{ kind: 'MISSING_CONDITION', description: '审计', dueOn: YESTERDAY }] },
          'input.items[0].dueOn',
          /not be in the past/,
        ],
        [
          'a blank item description',
          { items: [validPlan.items[0], { kind: 'MISSING_CONDITION', description: '' }] },
          'input.items[1].description',
          /not be empty/,
        ],
        [
          'more than 50 items',
          { items: Array.from({ length: 51 }, () => validPlan.items[0]) },
          'input.items',
          /at most 50/,
        ],
        [
          'an enterprise outside the library',
          { enterpriseId: 'ent-nope' },
          'input.enterpriseId',
          /not an enterprise of the sci-tech library/,
        ],
      ];
      for (const [what, input, field, rule] of invalid) {
        it(`refuses ${what} with BAD_USER_INPUT naming ${field}, writing nothing`, async () => {
          const before = await counts();
          const response = await graph.query(
            START,
            { input: { ...validPlan, enterpriseId: 'ent-c', ...input } },
            await as('bank', 'abc'),
          );
          const error = refusal(response);
          expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
          expect(error.message).toMatch(rule);
          expect(error.message).toContain(field);
          expect(await counts()).toEqual(before);
        });
      }

      it('refuses an enterprise the bank does not serve with FORBIDDEN', async () => {
        const before = await counts();
        const error = refusal(
          await graph.query(
            START,
            { input: { ...validPlan, enterpriseId: 'ent-a' } },
            await as('bank', 'icbc'),
          ),
        );
        expect(error.code).toBe('FORBIDDEN');
        expect(error.message).toMatch(/does not serve enterprise "ent-a"/);
        expect(await counts()).toEqual(before);
      });

      it('keeps one active plan per bank and enterprise', async () => {
        const before = await counts();
        const error = refusal(
          await graph.query(START, { input: validPlan }, await as('bank', 'icbc')),
        );
        expect(error.code).toBe('CONFLICT');
        expect(await counts()).toEqual(before);
      });

      it('is written by banks only: the others lack the cultivation:write scope', async () => {
        for (const token of [await as('finance_office'), await as('enterprise', 'ent-b')]) {
          const response = await graph.query(START, { input: validPlan }, token);
          expect(response.body.data.startCultivationPlan).toBeNull();
          expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        }
      });
    });

    describe('reading plans', () => {
      it('shows the finance office every plan, a bank its own, an enterprise those about itself', async () => {
        expect(await planIds(await as('finance_office'))).toEqual([icbcPlan.id, abcPlan.id].sort());
        expect(await planIds(await as('bank', 'icbc'))).toEqual([icbcPlan.id]);
        expect(await planIds(await as('bank', 'abc'))).toEqual([abcPlan.id]);
        expect(await planIds(await as('bank', 'boc'))).toEqual([]);
        expect(await planIds(await as('enterprise', 'ent-b'))).toEqual([icbcPlan.id]);
        expect(await planIds(await as('enterprise', 'ent-a'))).toEqual([]);
        // A filter narrows the caller's rows, never widens them.
        expect(await planIds(await as('bank', 'icbc'), { bankId: 'abc' })).toEqual([]);
        expect(await planIds(await as('finance_office'), { department: 'TECH_BUREAU' })).toEqual([
          icbcPlan.id,
        ]);
      });

      it('reads one plan, and an enterprise’s plans, under the same rows', async () => {
        expect(
          ok(await graph.query(ONE, { id: icbcPlan.id }, await as('bank', 'abc'))).cultivationPlan,
        ).toBeNull();
        expect(
          ok(await graph.query(ONE, { id: icbcPlan.id }, await as('enterprise', 'ent-b')))
            .cultivationPlan,
        ).toEqual({ id: icbcPlan.id });
        const query = `{ enterprise(id: "ent-b") { id cultivationPlans { id items { description } } } }`;
        const own = ok(await graph.query(query, {}, await as('enterprise', 'ent-b')));
        expect(own.enterprise.cultivationPlans).toHaveLength(1);
        expect(own.enterprise.cultivationPlans[0].items).toHaveLength(3);
        const other = ok(await graph.query(query, {}, await as('bank', 'abc')));
        expect(other.enterprise.cultivationPlans).toEqual([]);
      });

      it('withholds plans from the technology bureau and the PBOC', async () => {
        for (const token of [await as('tech_bureau'), await as('pboc')]) {
          const response = await graph.query(PLANS, {}, token);
          expect(response.body.data.cultivationPlans).toBeNull();
          expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        }
      });

      it('counts open department matters per department for the finance office', async () => {
        const query = `{ departmentSupport { department departmentName openItems plans } }`;
        const { departmentSupport } = ok(await graph.query(query, {}, await as('finance_office')));
        expect(departmentSupport).toEqual([
          { department: 'OTHER', departmentName: '市不动产登记中心', openItems: 1, plans: 1 },
          { department: 'TECH_BUREAU', departmentName: null, openItems: 1, plans: 1 },
        ]);
        const bank = await graph.query(query, {}, await as('bank', 'icbc'));
        expect(refusal(bank).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      });
    });

    describe('updating items and plans', () => {
      // Changing and closing plans would change what the reading tests see: these tests run on a
      // graph of their own, each on a fresh plan (icbc keeps one active plan per enterprise).
      let reading: TestGraph;
      let icbcPlan: any;
      beforeAll(async () => {
        reading = graph;
        graph = await startTestGraph(backend, { prepare: loadFixture });
      });
      afterAll(async () => {
        await graph?.stop();
        graph = reading;
      });
      beforeEach(async () => {
        await financeDb().db.execute(
          sql`update cultivation_plans set status = 'CLOSED' where bank_id = 'icbc' and status = 'ACTIVE'`,
        );
        icbcPlan = await start('icbc');
      });

      it('moves an item through its statuses, stamping when it is resolved', async () => {
        const token = await as('bank', 'icbc');
        const [audit] = icbcPlan.items;
        const progress = ok(
          await graph.query(
            UPDATE,
            { id: audit.id, input: { status: 'IN_PROGRESS', note: '已联系会计师事务所' } },
            token,
          ),
        ).updateCultivationItem;
        expect(progress.item).toMatchObject({ status: 'IN_PROGRESS', note: '已联系会计师事务所' });
        expect(progress.item.resolvedAt).toBeNull();
        const resolved = ok(
          await graph.query(UPDATE, { id: audit.id, input: { status: 'RESOLVED' } }, token),
        ).updateCultivationItem;
        expect(resolved.item.status).toBe('RESOLVED');
        expect(Math.abs(Date.parse(resolved.item.resolvedAt) - Date.now())).toBeLessThan(60_000);
        expect(resolved.plan).toEqual({ id: icbcPlan.id, openItems: 2 });
      });

      it('validates an update and changes nothing when refused', async () => {
        const token = await as('bank', 'icbc');
        const [audit, techBureau] = icbcPlan.items;
        const cases: [string, Record<string, unknown>, string, RegExp][] = [
          [techBureau.id, {}, 'input', /at least one field/],
          [techBureau.id, { status: null }, 'input.status', /cannot be null/],
          [techBureau.id, { status: 'DROPPED' }, 'input.note', /needs a note/],
          [techBureau.id, { dueOn: YESTERDAY }, 'input.dueOn', /not be in the past/],
          [techBureau.id, { department: 'OTHER' }, 'input.departmentName', /needs the department/],
          [audit.id, { department: 'TAXATION' }, 'input.department', /names no department/],
          [techBureau.id, { description: ' ' }, 'input.description', /not be empty/],
        ];
        for (const [id, input, field, rule] of cases) {
          const error = refusal(await graph.query(UPDATE, { id, input }, token));
          expect(error, JSON.stringify(input)).toMatchObject({ code: 'BAD_USER_INPUT', field });
          expect(error.message).toMatch(rule);
        }
        const [row] = await financeDb().rows<{ status: string; department: string }>(
          sql`select status, department from cultivation_items where id = ${techBureau.id}`,
        );
        expect(row).toEqual({ status: 'OPEN', department: 'TECH_BUREAU' });
      });

      it('moves a matter to another department, dropping the name only OTHER carries', async () => {
        const other = icbcPlan.items[2];
        const { item } = ok(
          await graph.query(
            UPDATE,
            { id: other.id, input: { department: 'NATURAL_RESOURCES' } },
            await as('bank', 'icbc'),
          ),
        ).updateCultivationItem;
        expect(item).toMatchObject({ department: 'NATURAL_RESOURCES', departmentName: null });
      });

      it('lets only the plan’s bank change it; to another bank it does not exist', async () => {
        const item = icbcPlan.items[1];
        const foreign = refusal(
          await graph.query(
            UPDATE,
            { id: item.id, input: { status: 'RESOLVED' } },
            await as('bank', 'abc'),
          ),
        );
        // Another bank cannot read the plan: NOT_FOUND, in the words used for a missing item.
        expect(foreign).toMatchObject({
          code: 'NOT_FOUND',
          message: `cultivation item "${item.id}" does not exist`,
        });
        const missing = refusal(
          await graph.query(
            UPDATE,
            { id: 'ci-nope', input: { status: 'RESOLVED' } },
            await as('bank', 'icbc'),
          ),
        );
        expect(missing.code).toBe('NOT_FOUND');
        const add = refusal(
          await graph.query(
            ADD,
            { planId: icbcPlan.id, items: [validPlan.items[0]] },
            await as('bank', 'abc'),
          ),
        );
        expect(add).toMatchObject({
          code: 'NOT_FOUND',
          message: `cultivation plan "${icbcPlan.id}" does not exist`,
        });
        const enterprise = await graph.query(
          UPDATE,
          { id: item.id, input: { status: 'RESOLVED' } },
          await as('enterprise', 'ent-b'),
        );
        expect(refusal(enterprise).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      });

      it('adds items to an active plan, all or none', async () => {
        const token = await as('bank', 'icbc');
        const before = await counts();
        const bad = refusal(
          await graph.query(
            ADD,
            {
              planId: icbcPlan.id,
              items: [validPlan.items[0], { kind: 'DEPARTMENT_SUPPORT', description: '贴息申请' }],
            },
            token,
          ),
        );
        expect(bad).toMatchObject({ code: 'BAD_USER_INPUT', field: 'items[1].department' });
        expect(await counts()).toEqual(before);
        const { plan } = ok(
          await graph.query(
            ADD,
            {
              planId: icbcPlan.id,
              items: [
                {
                  kind: 'DEPARTMENT_SUPPORT',
                  description: '贴息申请',
                  department: 'FINANCE_OFFICE',
                },
              ],
            },
            token,
          ),
        ).addCultivationItems;
        expect(plan.items).toHaveLength(4);
        expect(plan.openItems).toBe(4);
      });

      it('closes with credit granted only once no item is open, and then takes no changes', async () => {
        const token = await as('bank', 'icbc');
        const open = refusal(
          await graph.query(
            CLOSE,
            { id: icbcPlan.id, outcome: 'CREDIT_GRANTED', note: '已授信' },
            token,
          ),
        );
        expect(open.code).toBe('CONFLICT');
        expect(open.message).toMatch(/3 open items/);
        const active = refusal(
          await graph.query(CLOSE, { id: icbcPlan.id, outcome: 'ACTIVE', note: 'x' }, token),
        );
        expect(active).toMatchObject({ code: 'BAD_USER_INPUT', field: 'outcome' });
        const blank = refusal(
          await graph.query(CLOSE, { id: icbcPlan.id, outcome: 'CLOSED', note: ' ' }, token),
        );
        expect(blank).toMatchObject({ code: 'BAD_USER_INPUT', field: 'note' });

        const plan = ok(
          await graph.query(ONE.replace('{ id }', `{ ${PLAN} }`), { id: icbcPlan.id }, token),
        ).cultivationPlan;
        for (const item of plan.items.filter((i: { status: string }) => i.status !== 'RESOLVED')) {
          ok(
            await graph.query(
              UPDATE,
              { id: item.id, input: { status: 'DROPPED', note: '授信方案已不需要' } },
              token,
            ),
          );
        }
        const closed = ok(
          await graph.query(
            CLOSE,
            { id: icbcPlan.id, outcome: 'CREDIT_GRANTED', note: '已获信用贷款200万元' },
            token,
          ),
        ).closeCultivationPlan.plan;
        expect(closed).toMatchObject({
          status: 'CREDIT_GRANTED',
          closingNote: '已获信用贷款200万元',
          openItems: 0,
        });
        const late = refusal(
          await graph.query(UPDATE, { id: plan.items[0].id, input: { status: 'OPEN' } }, token),
        );
        expect(late.code).toBe('CONFLICT');
        // A closed plan makes room for a new one.
        expect((await start('icbc')).status).toBe('ACTIVE');
      });
    });
  });
}
