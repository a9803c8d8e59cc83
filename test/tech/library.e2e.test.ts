import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { loadFixture } from '../helpers/fixture.js';
import { GRAPH_VARIANTS, startTestGraph, type TestGraph } from '../helpers/graph.js';
import { enterprises, libraryEvents } from '../../subgraphs/tech/tables.js';
import { enterpriseProfiles } from '../../subgraphs/finance/tables.js';

const REGISTER = `mutation ($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) { id uscc libraryStatus libraryHistory { fromStatus toStatus reason } }
}`;

const validInput = () => ({
  uscc: '91110000802100433B',
  name: '咸宁丁光电科技有限公司',
  district: 'HIGH_TECH_ZONE',
  industry: 'c3976',
  stage: 'STARTUP',
  foundedOn: '2021-06-01',
  contact: {
    legalRepresentative: '丁一',
    contactPerson: '丁二',
    phone: '0715-8123456',
    address: '咸宁高新区长江大道1号',
  },
});

for (const { backend, inProcess, label } of GRAPH_VARIANTS) {
  describe(`the enterprise library (${label})`, () => {
    let graph: TestGraph;
    let bureau: string;
    const rows = async () =>
      (await graph.graph.databases.tech.db.select({ n: count() }).from(enterprises))[0].n;

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare: loadFixture, inProcess });
      bureau = await graph.token('tech_bureau');
    });
    afterAll(async () => {
      await graph?.stop();
    });

    it('registers a candidate with a valid USCC and records the event', async () => {
      const { body } = await graph.query(REGISTER, { input: validInput() }, bureau);
      expect(body.errors ?? []).toEqual([]);
      expect(body.data.registerEnterprise).toMatchObject({
        uscc: '91110000802100433B',
        libraryStatus: 'CANDIDATE',
        libraryHistory: [{ fromStatus: null, toStatus: 'CANDIDATE' }],
      });
    });

    it('refuses bad input naming the field, and writes nothing', async () => {
      const before = await rows();
      const cases: [Record<string, unknown>, string][] = [
        [{ uscc: '91110000802100433C' }, 'input.uscc: check character should be "B", got "C"'],
        [
          { uscc: '9144030071526726XG', industry: '39' },
          'input.industry: must be a GB/T 4754 code',
        ],
        [
          { uscc: '9144030071526726XG', foundedOn: '2999-01-01' },
          'input.foundedOn: must not be in the future',
        ],
        [
          { uscc: '9144030071526726XG', contact: { ...validInput().contact, phone: '12345' } },
          'input.contact.phone: must be a mobile number',
        ],
        [{ uscc: '9144030071526726XG', name: '   ' }, 'input.name: must not be empty'],
      ];
      for (const [change, message] of cases) {
        const { body } = await graph.query(
          REGISTER,
          { input: { ...validInput(), ...change } },
          bureau,
        );
        expect(body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
        expect(body.errors![0].message).toContain(message);
        // The field is the argument path as written: registerEnterprise(input: {…}).
        expect(body.errors![0].extensions!.field).toBe(message.split(':')[0]);
      }
      expect(await rows()).toBe(before);
    });

    it('refuses a USCC already registered with CONFLICT', async () => {
      // The fixture's ent-a holds this one.
      const before = await rows();
      const { body } = await graph.query(
        REGISTER,
        { input: { ...validInput(), uscc: '91421200MA4F0A0A0J' } },
        bureau,
      );
      expect(body.data.registerEnterprise).toBeNull();
      expect(body.errors![0].extensions!.code).toBe('CONFLICT');
      expect(await rows()).toBe(before);
    });

    it('is the bureau’s to run: a bank cannot register', async () => {
      const { body } = await graph.query(
        REGISTER,
        { input: validInput() },
        await graph.token('bank', 'icbc'),
      );
      expect(body.data.registerEnterprise).toBeNull();
      expect(body.errors![0].extensions!.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });

    it('assesses by the national criteria from the financials and granted patents', async () => {
      // ent-a: revenue ¥40M, R&D ¥2.4M (6%), 30 of 120 staff (25%), one granted invention.
      const { body } = await graph.query(
        'mutation { assessEnterprise(id: "ent-a") { year highTechEligible rdIntensity techStaffRatio techSmeScore techSmeEligible breakdown { criterion points maxPoints } } }',
        {},
        bureau,
      );
      expect(body.errors ?? []).toEqual([]);
      expect(body.data.assessEnterprise).toEqual({
        year: 2025,
        highTechEligible: true,
        rdIntensity: '0.060000',
        techStaffRatio: '0.250000',
        techSmeScore: 16 + 50 + 30,
        techSmeEligible: true,
        breakdown: [
          { criterion: '科技人员指标', points: 16, maxPoints: 20 },
          { criterion: '研发投入指标', points: 50, maxPoints: 50 },
          { criterion: '科技成果指标', points: 30, maxPoints: 30 },
        ],
      });
      // ent-b: R&D 2% of ¥10M, 3 of 40 staff: fails both, scores 0 + 10 + 0.
      const { body: b } = await graph.query(
        'mutation { assessEnterprise(id: "ent-b") { highTechEligible techSmeScore techSmeEligible notes } }',
        {},
        bureau,
      );
      expect(b.data.assessEnterprise).toMatchObject({
        highTechEligible: false,
        techSmeScore: 10,
        techSmeEligible: false,
      });
      expect(b.data.assessEnterprise.notes).toContain('科技人员占职工总数比例低于10%');
    });

    it('asks for financials before assessing', async () => {
      // 2024: a year no test submits financials for (ent-c's 2025 arrive in the test below).
      const { body } = await graph.query(
        'mutation { assessEnterprise(id: "ent-c", year: 2024) { year } }',
        {},
        bureau,
      );
      expect(body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(body.errors![0].message).toMatch(/^year: no annual financials/);
    });

    it('lets an enterprise submit its own financials, not another’s', async () => {
      const mutation =
        'mutation ($id: ID!) { submitAnnualFinancials(enterpriseId: $id, input: { year: 2025, revenue: "5000000.00", rdExpense: "400000.00", employees: 20, techStaff: 6, totalAssets: "9000000.00" }) { id financials { year revenue } } }';
      const own = await graph.query(
        mutation,
        { id: 'ent-c' },
        await graph.token('enterprise', 'ent-c'),
      );
      expect(own.body.data.submitAnnualFinancials.financials).toEqual([
        { year: 2025, revenue: '5000000.00' },
      ]);
      const other = await graph.query(
        mutation,
        { id: 'ent-a' },
        await graph.token('enterprise', 'ent-c'),
      );
      // Another enterprise is outside its read scope: NOT_FOUND, as a missing one.
      expect(other.body.errors![0]).toMatchObject({
        message: 'enterprise "ent-a" does not exist',
        extensions: { code: 'NOT_FOUND' },
      });
      const bad = await graph.query(
        'mutation { submitAnnualFinancials(enterpriseId: "ent-c", input: { year: 2025, revenue: "1.00", rdExpense: "0", employees: 5, techStaff: 9, totalAssets: "1.00" }) { id } }',
        {},
        bureau,
      );
      expect(bad.body.errors![0].message).toBe(
        'input.techStaff: must be a whole number between 0 and employees',
      );
    });

    it('keeps an enterprise to its own fields when it edits its profile', async () => {
      const self = await graph.token('enterprise', 'ent-b');
      const ok = await graph.query(
        'mutation { updateEnterprise(id: "ent-b", input: { stage: MATURE }) { stage } }',
        {},
        self,
      );
      expect(ok.body.data.updateEnterprise).toEqual({ stage: 'MATURE' });
      const denied = await graph.query(
        'mutation { updateEnterprise(id: "ent-b", input: { highTechCertificate: "GR202442001234", highTechValidUntil: "2028-12-31" }) { id } }',
        {},
        self,
      );
      expect(denied.body.errors![0].extensions!.code).toBe('FORBIDDEN');
      expect(denied.body.errors![0].message).toContain('highTechCertificate');
    });

    it('admits, suspends and removes with reasons kept, and refuses impossible moves', async () => {
      const change = (action: string, reason = '复核') =>
        graph.query(
          `mutation { changeLibraryStatus(id: "ent-c", action: ${action}, reason: "${reason}") { libraryStatus } }`,
          {},
          bureau,
        );
      expect(
        (await change('SUSPEND', '年报逾期')).body.data.changeLibraryStatus.libraryStatus,
      ).toBe('SUSPENDED');
      const conflict = await change('SUSPEND');
      expect(conflict.body.errors![0].extensions!.code).toBe('CONFLICT');
      expect(conflict.body.errors![0].message).toContain('allowed from ADMITTED');
      expect((await change('ADMIT', '补报年报')).body.data.changeLibraryStatus.libraryStatus).toBe(
        'ADMITTED',
      );
      expect((await change('REMOVE', '迁出咸宁')).body.data.changeLibraryStatus.libraryStatus).toBe(
        'REMOVED',
      );
      const empty = await change('RECONSIDER', ' ');
      expect(empty.body.errors![0].message).toBe('reason: must not be empty');
      const history = await graph.graph.databases.tech.db
        .select({ to: libraryEvents.toStatus, reason: libraryEvents.reason })
        .from(libraryEvents)
        .where(eq(libraryEvents.enterpriseId, 'ent-c'))
        .orderBy(libraryEvents.at);
      expect(history).toEqual([
        { to: 'SUSPENDED', reason: '年报逾期' },
        { to: 'ADMITTED', reason: '补报年报' },
        { to: 'REMOVED', reason: '迁出咸宁' },
      ]);
    });

    describe('finance’s copy of the library profile', () => {
      const profile = async (id: string) =>
        (
          await graph.graph.databases.finance.db
            .select()
            .from(enterpriseProfiles)
            .where(eq(enterpriseProfiles.enterpriseId, id))
        )[0];

      it('follows registration, profile edits and standing, in the same request', async () => {
        const input = { ...validInput(), uscc: '9144030071526726XG' };
        const { body } = await graph.query(REGISTER, { input }, bureau);
        const id = body.data.registerEnterprise.id;
        expect(await profile(id)).toMatchObject({
          district: 'HIGH_TECH_ZONE',
          industry: 'C3976',
          highTech: false,
          libraryStatus: 'CANDIDATE',
          grantedPatents: 0,
        });
        const update = await graph.query(
          `mutation ($id: ID!) { updateEnterprise(id: $id, input: {
            district: XIANAN, highTechCertificate: "GR202442001234", highTechValidUntil: "2027-12-31"
          }) { id } }`,
          { id },
          bureau,
        );
        expect(update.body.errors ?? []).toEqual([]);
        expect(await profile(id)).toMatchObject({ district: 'XIANAN', highTech: true });
        const admit = await graph.query(
          `mutation ($id: ID!) { changeLibraryStatus(id: $id, action: ADMIT, reason: "入库") { id } }`,
          { id },
          bureau,
        );
        expect(admit.body.errors ?? []).toEqual([]);
        expect((await profile(id)).libraryStatus).toBe('ADMITTED');
      });

      it('counts granted patents not under pledge', async () => {
        // The fixture's ent-a holds a granted invention patent (pat-a1).
        await graph.query(
          `mutation { updateEnterprise(id: "ent-a", input: { district: CHIBI }) { id } }`,
          {},
          bureau,
        );
        expect((await profile('ent-a')).grantedPatents).toBeGreaterThan(0);
        expect((await profile('ent-a')).district).toBe('CHIBI');
      });

      it('refuses the library write when finance cannot take the copy, and keeps nothing', async () => {
        const before = await rows();
        await graph.graph.subgraphs.finance.stop();
        try {
          const input = { ...validInput(), uscc: '91421200MA4F000000' };
          const { body } = await graph.query(REGISTER, { input }, bureau);
          expect(body.errors?.[0].extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
          expect(body.errors?.[0].message).toContain('"finance"');
        } finally {
          await graph.restartSubgraph('finance');
        }
        expect(await rows()).toBe(before);
      });
    });
  });
}
