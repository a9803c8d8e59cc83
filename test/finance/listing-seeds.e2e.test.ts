import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { businessDate } from '../../subgraphs/kernel/clock.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture, registerParticipants } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { ok, parties, refusal } from './helpers.js';
import { insertProfiles } from './ledger-helpers.js';

const CHANGE = `enterpriseId tier previousTier reason effectiveOn recordedAt`;
const SET = `mutation ($input: SetListingTierInput!) {
  setListingTier(input: $input) { enterprise { id listingTier } tier change { ${CHANGE} } } }`;
const CLEAR = `mutation ($input: ClearListingTierInput!) {
  clearListingTier(input: $input) { enterprise { id listingTier } tier change { ${CHANGE} } } }`;
const HISTORY = `query ($id: ID!) { enterprise(id: $id) { id listingTier
  listingTierHistory { tier previousTier reason effectiveOn } } }`;
const SEEDS = `query ($tiers: [ListingTier!]) {
  listingSeeds(tiers: $tiers, first: 50) { nodes { enterpriseId tier since } } }`;

const day = (offset: number) => businessDate(Date.now() + offset * 86_400_000);

for (const backend of BACKENDS) {
  describe(`listing seeds (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const financeDb = () => graph.graph.databases.finance;

    // The decisions the reading tests read: ent-a was silver, then star-market, then cleared;
    // ent-b is gold. ent-d, admitted and undecided, is the one the first test decides on.
    beforeAll(async () => {
      graph = await startTestGraph(backend, {
        prepare: async (databases) => {
          await loadFixture(databases);
          await registerParticipants(databases, { enterprises: ['ent-d'] });
        },
      });
      await insertProfiles(financeDb(), [{ enterpriseId: 'ent-d', libraryStatus: 'ADMITTED' }]);
      const office = await as('finance_office');
      for (const [query, input] of [
        [
          SET,
          {
            enterpriseId: 'ent-a',
            tier: 'SILVER_SEED',
            reason: '营收增长快',
            effectiveOn: day(-30),
          },
        ],
        [SET, { enterpriseId: 'ent-a', tier: 'STAR_MARKET_SEED', reason: '拟申报科创板' }],
        [CLEAR, { enterpriseId: 'ent-a', reason: '已完成上市' }],
        [SET, { enterpriseId: 'ent-b', tier: 'GOLD_SEED', reason: '龙头企业' }],
      ] as const) {
        ok(await graph.query(query, { input }, office));
      }
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const changeCount = async () =>
      Number(
        (
          await financeDb().rows<{ n: number }>(
            sql`select count(*)::int as n from listing_tier_changes`,
          )
        )[0].n,
      );

    it('sets, moves and clears a tier, keeping each decision with its reason and date', async () => {
      const office = await as('finance_office');
      const set = ok(
        await graph.query(
          SET,
          {
            input: {
              enterpriseId: 'ent-d',
              tier: 'SILVER_SEED',
              reason: ' 营收增长快 ',
              effectiveOn: day(-30),
            },
          },
          office,
        ),
      ).setListingTier;
      expect(set).toMatchObject({
        enterprise: { id: 'ent-d', listingTier: 'SILVER_SEED' },
        tier: 'SILVER_SEED',
        change: {
          tier: 'SILVER_SEED',
          previousTier: null,
          reason: '营收增长快',
          effectiveOn: day(-30),
        },
      });
      const moved = ok(
        await graph.query(
          SET,
          { input: { enterpriseId: 'ent-d', tier: 'STAR_MARKET_SEED', reason: '拟申报科创板' } },
          office,
        ),
      ).setListingTier;
      expect(moved.change).toMatchObject({
        tier: 'STAR_MARKET_SEED',
        previousTier: 'SILVER_SEED',
        effectiveOn: day(0),
      });
      const seeds = ok(await graph.query(SEEDS, { tiers: ['STAR_MARKET_SEED'] }, office));
      expect(seeds.listingSeeds.nodes).toEqual([
        {
          enterpriseId: 'ent-d',
          tier: 'STAR_MARKET_SEED',
          since: new Date(`${day(0)}T00:00:00+08:00`).toISOString(),
        },
      ]);
      const cleared = ok(
        await graph.query(
          CLEAR,
          { input: { enterpriseId: 'ent-d', reason: '已完成上市' } },
          office,
        ),
      ).clearListingTier;
      expect(cleared).toMatchObject({
        enterprise: { listingTier: null },
        tier: null,
        change: { tier: null, previousTier: 'STAR_MARKET_SEED', reason: '已完成上市' },
      });
      const history = ok(await graph.query(HISTORY, { id: 'ent-d' }, office)).enterprise
        .listingTierHistory;
      expect(history.map((c: { tier: string | null }) => c.tier)).toEqual([
        'SILVER_SEED',
        'STAR_MARKET_SEED',
        null,
      ]);
    });

    const invalid: [string, Record<string, unknown>, string, RegExp][] = [
      ['a blank reason', { reason: '  ' }, 'input.reason', /not be empty/],
      [
        'a date in the future',
        { effectiveOn: day(2) },
        'input.effectiveOn',
        /not be in the future/,
      ],
      [
        'a date before the last change',
        { enterpriseId: 'ent-a', effectiveOn: day(-60) },
        'input.effectiveOn',
        /not be before the enterprise's last change/,
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
        const before = await changeCount();
        const error = refusal(
          await graph.query(
            SET,
            { input: { enterpriseId: 'ent-b', tier: 'SILVER_SEED', reason: '升级', ...input } },
            await as('finance_office'),
          ),
        );
        expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(error.message).toMatch(rule);
        expect(await changeCount()).toBe(before);
      });
    }

    it('names only an admitted enterprise, and refuses a decision that changes nothing', async () => {
      const office = await as('finance_office');
      await financeDb().db.execute(
        sql`update enterprise_profiles set library_status = 'SUSPENDED' where enterprise_id = 'ent-c'`,
      );
      const suspended = refusal(
        await graph.query(
          SET,
          { input: { enterpriseId: 'ent-c', tier: 'GOLD_SEED', reason: '龙头' } },
          office,
        ),
      );
      expect(suspended).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.enterpriseId' });
      expect(suspended.message).toMatch(/SUSPENDED/);

      // ent-b is gold already.
      const same = refusal(
        await graph.query(
          SET,
          { input: { enterpriseId: 'ent-b', tier: 'GOLD_SEED', reason: '再次' } },
          office,
        ),
      );
      expect(same.code).toBe('CONFLICT');
      const none = refusal(
        await graph.query(CLEAR, { input: { enterpriseId: 'ent-a', reason: '无' } }, office),
      );
      expect(none.code).toBe('CONFLICT');
      expect(none.message).toMatch(/no tier to clear/);
    });

    it('is decided by the finance office alone: others lack the listing:write scope', async () => {
      for (const token of [
        await as('bank', 'icbc'),
        await as('enterprise', 'ent-a'),
        await as('tech_bureau'),
      ]) {
        const response = await graph.query(
          SET,
          { input: { enterpriseId: 'ent-a', tier: 'GOLD_SEED', reason: '自荐' } },
          token,
        );
        expect(response.body.data.setListingTier).toBeNull();
        expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      }
    });

    it('shows the history to agencies and the enterprise itself, the tier to everyone', async () => {
      const own = ok(await graph.query(HISTORY, { id: 'ent-a' }, await as('enterprise', 'ent-a')));
      expect(own.enterprise.listingTierHistory).toHaveLength(3);
      const bureau = ok(await graph.query(HISTORY, { id: 'ent-b' }, await as('tech_bureau')));
      expect(bureau.enterprise.listingTierHistory).toHaveLength(1);

      const bank = await graph.query(HISTORY, { id: 'ent-b' }, await as('bank', 'icbc'));
      expect(bank.body.data.enterprise).toMatchObject({
        listingTier: 'GOLD_SEED',
        listingTierHistory: null,
      });
      expect(refusal(bank).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });

    it('lists the seeds to every party, an enterprise only itself', async () => {
      const ids = async (token: string) =>
        ok(await graph.query(SEEDS, {}, token)).listingSeeds.nodes.map(
          (node: { enterpriseId: string }) => node.enterpriseId,
        );
      expect(await ids(await as('bank', 'abc'))).toEqual(['ent-b']);
      expect(await ids(await as('enterprise', 'ent-b'))).toEqual(['ent-b']);
      expect(await ids(await as('enterprise', 'ent-a'))).toEqual([]);
    });
  });
}
