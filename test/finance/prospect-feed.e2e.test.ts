import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { SubgraphName } from '../../subgraphs/kernel/config.js';
import type { Database } from '../../subgraphs/kernel/db.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import {
  CLAIM,
  EDIT,
  FEED,
  RESPOND,
  SUBMIT,
  TRIAGE,
  WITHDRAW,
  applyFeed,
  drainFeed,
  feedSettled,
  insertNeeds,
  ok,
  parties,
  refusal,
  sleep,
  validNeed,
  visibleTo,
  type FeedEntry,
} from './helpers.js';

const COLLATERAL: Record<string, string> = {
  'ent-a': 'PATENT_PLEDGE',
  'ent-b': 'GUARANTEE',
  'ent-c': 'RECEIVABLES',
};

/** The fixture plus eight open needs per enterprise, ¥1M … ¥8M, each with its own collateral. */
async function prepare(databases: Record<SubgraphName, Database>) {
  await loadFixture(databases);
  const needs = Object.entries(COLLATERAL).flatMap(([enterpriseId, kind], e) =>
    Array.from({ length: 8 }, (_, i) => ({
      id: `need-f${String(e * 8 + i + 1).padStart(2, '0')}`,
      enterpriseId,
      amountFen: (i + 1) * 100_000_000,
      collateral: [kind],
    })),
  );
  await insertNeeds(databases.finance, needs);
}

const ids = (entries: FeedEntry[]) => entries.map((entry) => entry.needId);

for (const backend of BACKENDS) {
  describe(`the prospect feed (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const finance = () => graph.graph.databases.finance;
    const bank = (org: string) => as('bank', org);

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare });
    });
    afterAll(async () => {
      await graph?.stop();
    });
    // Each test starts from a feed that reaches every change made before it.
    beforeEach(() => feedSettled(finance()));

    const openNeed = async (enterprise: string, input: Record<string, unknown> = {}) => {
      const submitted = ok(
        await graph.query(
          SUBMIT,
          { input: { ...validNeed, ...input } },
          await as('enterprise', enterprise),
        ),
      ).submitFinancingNeed.need;
      return ok(await graph.query(TRIAGE, { id: submitted.id }, await as('finance_office')))
        .triageFinancingNeed.need;
    };

    // What the seed alone puts in the feed, on a graph of its own: the tests below write needs,
    // and a need that was visible and then withdrawn comes back as a tombstone on a later page.
    describe('as seeded', () => {
      let graph: TestGraph;
      const as = parties(() => graph);
      const finance = () => graph.graph.databases.finance;
      const bank = (org: string) => as('bank', org);
      beforeAll(async () => {
        graph = await startTestGraph(backend, { prepare });
      });
      afterAll(async () => {
        await graph?.stop();
      });
      beforeEach(() => feedSettled(finance()));

      it('pages the whole feed in a stable order, each need once, with no tombstones', async () => {
        const small = await drainFeed(graph, await bank('boc'), { first: 3 });
        const large = await drainFeed(graph, await bank('boc'), { first: 100 });
        expect(ids(small.entries)).toEqual(ids(large.entries));
        expect(small.pages).toBeGreaterThan(8);
        expect(new Set(ids(small.entries)).size).toBe(small.entries.length);
        expect(small.entries.every((entry) => !entry.removed)).toBe(true);
        expect([...ids(small.entries)].sort()).toEqual(await visibleTo(finance(), 'boc'));
      });

      it('hands out sealed cursors that say nothing and refuses ones it did not issue', async () => {
        const token = await bank('boc');
        const page = ok(await graph.query(FEED, { first: 2 }, token)).prospectFeed;
        const cursor = page.pageInfo.endCursor as string;
        expect(cursor).toMatch(/^c2\.[A-Za-z0-9_-]+$/);
        // No transaction id or change number can be read out of it.
        expect(Buffer.from(cursor.slice(3), 'base64url').toString('latin1')).not.toMatch(/"x"|"s"/);
        // The same position sealed twice reads differently: equal cursors do not mark equal places.
        const again = ok(await graph.query(FEED, { first: 2 }, token)).prospectFeed;
        expect(again.pageInfo.endCursor).not.toBe(cursor);
        const forged = refusal(await graph.query(FEED, { after: 'bm90IGEgY3Vyc29y' }, token));
        expect(forged).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
        const unsealed = Buffer.from(JSON.stringify({ v: 1, x: '1', s: 0, f: 'x' })).toString(
          'base64url',
        );
        const plain = refusal(await graph.query(FEED, { after: unsealed }, token));
        expect(plain).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
        // One character changed (a whole one of the sealed bytes, not the last one's spare bits).
        const at = cursor.length - 2;
        const flipped = `${cursor.slice(0, at)}${cursor[at] === 'A' ? 'B' : 'A'}${cursor.slice(at + 1)}`;
        expect(flipped).not.toBe(cursor);
        const tampered = refusal(await graph.query(FEED, { after: flipped }, token));
        expect(tampered).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
        const otherFilter = refusal(
          await graph.query(FEED, { after: cursor, filter: { highTechOnly: true } }, token),
        );
        expect(otherFilter.message).toMatch(/another filter/);
        const tooLarge = refusal(await graph.query(FEED, { first: 101 }, token));
        expect(tooLarge).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
      });

      it('shows a bank the open needs and the live needs it is main bank of, nobody else’s', async () => {
        const icbc = ids((await drainFeed(graph, await bank('icbc'))).entries);
        const abc = ids((await drainFeed(graph, await bank('abc'))).entries);
        expect(icbc).toContain('need-b1');
        expect(icbc).toContain('need-a1');
        expect(abc).not.toContain('need-b1');
        expect(abc).not.toContain('need-c1'); // abc's, but disbursed: no longer a prospect
        const enterprise = await graph.query(FEED, {}, await as('enterprise', 'ent-a'));
        expect(enterprise.body.data.prospectFeed).toBeNull();
        expect(refusal(enterprise).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      });

      it('carries each need through the graph, consent-gated fields included, with the bank’s own products', async () => {
        const { body } = await graph.query(
          `{ prospectFeed(first: 100) { nodes { needId need { id enterprise { name patentStats { total } contact { phone } } recommendedProducts { id } } matchingProducts { id bank { id } } } } }`,
          {},
          await bank('icbc'),
        );
        const nodes = body.data.prospectFeed.nodes as any[];
        const b1 = nodes.find((n) => n.needId === 'need-b1');
        const a1 = nodes.find((n) => n.needId === 'need-a1');
        expect(b1.need.enterprise).toEqual({
          name: '咸宁乙科技有限公司',
          patentStats: { total: 0 },
          contact: { phone: '13800000000' }, // icbc is its main bank
        });
        expect(a1.need.enterprise.contact).toBeNull(); // icbc's consent was revoked
        const denied = body.errors!.map((e) => e.path!.join('.'));
        expect(denied).toContain(`prospectFeed.nodes.${nodes.indexOf(a1)}.need.enterprise.contact`);
        expect(body.errors!.every((e) => e.extensions!.code === 'UNAUTHORIZED_FIELD_OR_TYPE')).toBe(
          true,
        );
        expect(a1.matchingProducts).toEqual([{ id: 'prod-icbc-01', bank: { id: 'icbc' } }]);
        expect(a1.need.recommendedProducts.map((p: { id: string }) => p.id)).toContain(
          'prod-abc-01',
        );
        const banks = new Set(nodes.flatMap((n) => n.matchingProducts.map((p: any) => p.bank.id)));
        expect([...banks]).toEqual(['icbc']);
      });

      it('filters on the enterprise’s library attributes and on the need itself', async () => {
        const token = await bank('boc');
        const all = (await drainFeed(graph, token)).entries;
        const pull = async (filter: Record<string, unknown>) =>
          ids((await drainFeed(graph, token, { filter })).entries).sort();
        const where = (keep: (entry: FeedEntry) => boolean) => ids(all.filter(keep)).sort();
        const of =
          (...enterprises: string[]) =>
          (e: FeedEntry) =>
            enterprises.includes(e.need!.enterpriseId);
        expect(await pull({ districts: ['XIANAN'] })).toEqual(where(of('ent-a')));
        expect(await pull({ districts: ['JIAYU', 'CHIBI'] })).toEqual(where(of('ent-b', 'ent-c')));
        expect(await pull({ highTechOnly: true })).toEqual(where(of('ent-a')));
        expect(await pull({ industries: ['C3'] })).toEqual(where(() => true));
        expect(await pull({ industries: ['C40'] })).toEqual([]);
        expect(await pull({ libraryStatuses: ['SUSPENDED'] })).toEqual([]);
        expect(await pull({ collateral: ['GUARANTEE'] })).toEqual(
          where((e) => e.need!.collateral.includes('GUARANTEE')),
        );
        expect(await pull({ minAmount: '2000000', maxAmount: '4000000' })).toEqual(
          where((e) => Number(e.need!.amount) >= 2e6 && Number(e.need!.amount) <= 4e6),
        );
        const bad = refusal(await graph.query(FEED, { filter: { industries: ['toys'] } }, token));
        expect(bad).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.industries' });
      });
    });

    it('returns only what changed since the last pull', async () => {
      const token = await bank('boc');
      const { cursor } = await drainFeed(graph, token);
      const nothing = await drainFeed(graph, token, { after: cursor });
      expect(nothing.entries).toEqual([]);

      const fresh = await openNeed('ent-a');
      await graph.query(
        EDIT,
        { id: 'need-f02', input: { amount: '2500000' } },
        await as('enterprise', 'ent-a'),
      );
      const since = await drainFeed(graph, token, { after: cursor });
      expect(since.entries.map((e) => [e.needId, e.removed, e.need?.amount])).toEqual([
        [fresh.id, false, '2000000.00'],
        ['need-f02', false, '2500000.00'],
      ]);
    });

    it('sends tombstones, with the reason, for needs a bank could see and no longer can', async () => {
      const boc = await bank('boc');
      const icbc = await bank('icbc');
      const { cursor } = await drainFeed(graph, boc);
      const icbcCursor = (await drainFeed(graph, icbc)).cursor;

      ok(await graph.query(WITHDRAW, { id: 'need-f03' }, await as('enterprise', 'ent-a')));
      ok(await graph.query(CLAIM, { id: 'need-f11' }, icbc));
      ok(await graph.query(CLAIM, { id: 'need-f12' }, boc));
      await finance().db.execute(
        sql`update financing_needs set status = 'DISBURSED' where id = 'need-f12'`,
      );
      // icbc's main-bank-only need changes: none of boc's business, not even as a tombstone.
      await finance().db.execute(
        sql`update financing_needs set purpose = '流动资金周转' where id = 'need-b1'`,
      );

      const since = (await drainFeed(graph, boc, { after: cursor })).entries;
      const byNeed = Object.fromEntries(since.map((e) => [e.needId, e]));
      expect(byNeed['need-f03']).toMatchObject({ removed: true, reason: 'WITHDRAWN', need: null });
      expect(byNeed['need-f11']).toMatchObject({ removed: true, reason: 'CLAIMED_BY_OTHER' });
      expect(byNeed['need-f12']).toMatchObject({ removed: true, reason: 'CLOSED' });
      expect(byNeed['need-b1']).toBeUndefined();
      const mine = (await drainFeed(graph, icbc, { after: icbcCursor })).entries;
      expect(mine.find((e) => e.needId === 'need-f11')).toMatchObject({
        removed: false,
        need: { status: 'ASSIGNED' },
      });
      expect(mine.find((e) => e.needId === 'need-b1')).toMatchObject({ removed: false });

      // Declined, the need is open to every bank again.
      const next = (await drainFeed(graph, boc, { after: cursor })).cursor;
      ok(await graph.query(RESPOND, { id: 'need-f11', accept: false, reason: '额度不足' }, icbc));
      const back = (await drainFeed(graph, boc, { after: next })).entries;
      expect(back).toMatchObject([
        { needId: 'need-f11', removed: false, need: { status: 'OPEN' } },
      ]);
    });

    it('sends NO_LONGER_MATCHES when a need leaves a filtered feed, and follows profile changes', async () => {
      const token = await bank('boc');
      const cheap = { maxAmount: '5000000' };
      const { cursor } = await drainFeed(graph, token, { filter: cheap });
      await graph.query(
        EDIT,
        { id: 'need-f01', input: { amount: '9000000' } },
        await as('enterprise', 'ent-a'),
      );
      const since = (await drainFeed(graph, token, { after: cursor, filter: cheap })).entries;
      expect(since).toMatchObject([
        { needId: 'need-f01', removed: true, reason: 'NO_LONGER_MATCHES' },
      ]);

      const chibi = { districts: ['CHIBI'] };
      const before = await drainFeed(graph, token, { filter: chibi });
      expect(before.entries.every((e) => e.need!.enterpriseId === 'ent-c')).toBe(true);
      // The library moves ent-b to 赤壁市: the read model's refresh re-stamps its needs.
      await finance().db.execute(
        sql`update enterprise_profiles set district = 'CHIBI' where enterprise_id = 'ent-b'`,
      );
      const moved = (await drainFeed(graph, token, { after: before.cursor, filter: chibi }))
        .entries;
      const arrived = moved.filter((e) => !e.removed);
      expect(arrived.every((e) => e.need!.enterpriseId === 'ent-b')).toBe(true);
      const entB = await finance().rows<{ id: string }>(
        sql`select id from financing_needs where enterprise_id = 'ent-b'`,
      );
      const visible = await visibleTo(finance(), 'boc');
      expect(ids(arrived).sort()).toEqual(
        entB
          .map((row) => row.id)
          .filter((id) => visible.includes(id))
          .sort(),
      );
      // Needs of ent-b that boc saw once and can no longer see may come again as tombstones.
      expect(moved.filter((e) => e.removed).every((e) => !visible.includes(e.needId))).toBe(true);
      await finance().db.execute(
        sql`update enterprise_profiles set district = 'JIAYU' where enterprise_id = 'ent-b'`,
      );
    });

    it('loses nothing and repeats nothing while needs are created and changed during the pull', async () => {
      const token = await bank('boc');
      const held = applyFeed(new Map(), (await drainFeed(graph, token)).entries);
      const { cursor } = await drainFeed(graph, token);
      let serial = 0;
      const ent = await as('enterprise', 'ent-c');
      const changes: (() => Promise<unknown>)[] = [
        () => openNeed('ent-c'),
        async () => graph.query(CLAIM, { id: 'need-f17' }, await bank('abc')),
        async () => graph.query(CLAIM, { id: 'need-f18' }, await bank('abc')),
        () => graph.query(WITHDRAW, { id: 'need-f19' }, ent),
        () => graph.query(EDIT, { id: 'need-f20', input: { termMonths: 24 } }, ent),
        () =>
          insertNeeds(finance(), [
            { id: `need-sql-${++serial}`, enterpriseId: 'ent-c', amountFen: 123_400_00 },
          ]),
        () =>
          finance().db.execute(
            sql`update financing_needs set amount_fen = amount_fen + 100 where id = 'need-f21'`,
          ),
        async () => graph.query(CLAIM, { id: 'need-f22' }, token),
        () => openNeed('ent-b', { amount: '777777' }),
        () =>
          insertNeeds(finance(), [
            { id: `need-sql-${++serial}`, enterpriseId: 'ent-a', amountFen: 55_500_00 },
          ]),
      ];
      // Changes land both between pages and while a page is being read.
      let next = 0;
      const mutator = (async () => {
        for (; next < changes.length; next++) {
          await changes[next]();
          await sleep(15);
        }
      })();
      const during = await drainFeed(graph, token, {
        after: cursor,
        first: 2,
        between: async () => {
          if (next >= changes.length) return false;
          await sleep(10);
          return true;
        },
      });
      await mutator;
      const after = await drainFeed(graph, token, { after: during.cursor, first: 2 });
      const entries = [...during.entries, ...after.entries];
      const keys = entries.map((e) => `${e.needId}@${e.change}`);
      expect(new Set(keys).size).toBe(keys.length);
      applyFeed(held, entries);
      expect([...held.keys()].sort()).toEqual(await visibleTo(finance(), 'boc'));
      const amounts = await finance().rows<{ id: string; amount_fen: string | number }>(
        sql`select id, amount_fen from financing_needs where id = 'need-f21'`,
      );
      expect(held.get('need-f21')!.need!.amount).toBe(
        (Number(amounts[0].amount_fen) / 100).toFixed(2),
      );
    });

    if (backend === 'postgres') {
      it('holds back changes behind a transaction still in flight, then serves them without a gap', async () => {
        const token = await bank('boc');
        const { cursor } = await drainFeed(graph, token);
        let release!: () => void;
        let inserted!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const written = new Promise<void>((resolve) => (inserted = resolve));
        const slow = finance().db.transaction(async (tx) => {
          await tx.execute(sql`insert into financing_needs
            (id, enterprise_id, amount_fen, term_months, purpose, collateral, visibility, status, submitted_at)
            values ('need-slow', 'ent-a', 100000000, 12, '长事务', '{NONE}', 'OPEN_TO_ALL_BANKS', 'OPEN', now())`);
          inserted();
          await gate;
        });
        await written;
        // A later transaction takes a larger change number and commits first.
        const quick = await openNeed('ent-b');
        const held = ok(await graph.query(FEED, { after: cursor, first: 50 }, token)).prospectFeed;
        const early = held.edges.map((e: any) => e.node.needId);
        expect(early).not.toContain(quick.id);
        expect(early).not.toContain('need-slow');
        expect(held.caughtUp).toBe(false);
        release();
        await slow;
        const rest = await drainFeed(graph, token, { after: held.pageInfo.endCursor });
        expect(ids(rest.entries)).toEqual(expect.arrayContaining(['need-slow', quick.id]));
      });
    }

    it('costs the same SQL statements per page whatever its size, with no OFFSET', async () => {
      const token = await bank('boc');
      const query = `query ($first: Int) { prospectFeed(first: $first) { nodes { needId need { id enterprise { name } recommendedProducts { id } } matchingProducts { id } } } }`;
      const count = async (first: number) => {
        const before = graph.graph.databases.finance.statements.count;
        const { body } = await graph.query(query, { first }, token);
        expect(body.errors ?? []).toEqual([]);
        expect(body.data.prospectFeed.nodes).toHaveLength(first);
        return graph.graph.databases.finance.statements.count - before;
      };
      // The first page a subgraph serves also reads (or makes) the key that seals cursors.
      await count(1);
      const small = await count(3);
      const large = await count(20);
      expect(large).toBe(small);
      // The page (with its horizon), recommendations, matching products and the copies of the
      // needs' enterprises' library profiles (their names answered here, not by tech).
      expect(small).toBe(4);
      const recent = graph.graph.databases.finance.statements.recent.slice(-small);
      expect(recent.some((text) => /\boffset\b/i.test(text))).toBe(false);
    });
  });
}
