import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inArray, sql } from 'drizzle-orm';
import type { Party } from '../../subgraphs/kernel/caller.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture, registerParticipants } from '../helpers/fixture.js';
import { libraryProfiles } from '../../subgraphs/finance/enterprise-profiles/index.js';
import * as financeTables from '../../subgraphs/finance/tables.js';
import * as techTables from '../../subgraphs/tech/tables.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { ok, parties, refusal } from './helpers.js';

const NOTICE = `id kind title body publisher audience banks { id } publishedAt`;
const PUBLISH = `mutation ($input: PublishNoticeInput!) { publishNotice(input: $input) { notice { ${NOTICE} } } }`;
const MARK = `mutation ($id: ID!) { markNoticeRead(id: $id) { notice { id readAt } } }`;
const LIST = `query ($filter: NoticeFilter, $first: Int, $after: String) {
  notices(filter: $filter, first: $first, after: $after) {
    nodes { id publisher } pageInfo { hasNextPage endCursor } } }`;
const GET = `query ($id: ID!) { notice(id: $id) { id title } }`;
const RECEIPTS = `query ($id: ID!) { notice(id: $id) { id receipts { bankId bank { id } readAt } unreadBanks { id } } }`;
const READ_AT = `query ($id: ID!) { notice(id: $id) { id readAt } }`;

const valid = {
  kind: 'INDUSTRY_PLAN',
  title: '咸宁市2026年光电子信息产业发展规划',
  body: '各银行：现将规划印发给你们，请结合信贷投向安排。',
  audience: 'ALL_BANKS',
};

for (const backend of BACKENDS) {
  describe(`notices to banks and enterprises (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const finance = () => graph.graph.databases.finance;

    beforeAll(async () => {
      graph = await startTestGraph(backend, {
        prepare: async (databases) => {
          await loadFixture(databases);
          await registerParticipants(databases, {
            banks: ['hubei'],
            enterprises: ['ent-n1', 'ent-n2'],
          });
          // Two enterprises of their own for the enterprise audiences (the fixture's three are
          // all admitted C39 enterprises): the library's entries and finance's copy of them.
          const entries = [
            { id: 'ent-n1', district: 'CHONGYANG', industry: 'C3911', libraryStatus: 'ADMITTED' },
            { id: 'ent-n2', district: 'TONGSHAN', industry: 'I65', libraryStatus: 'CANDIDATE' },
          ];
          for (const e of entries) {
            await databases.tech.db.execute(
              sql`update enterprises set district = ${e.district}, industry = ${e.industry}, library_status = ${e.libraryStatus} where id = ${e.id}`,
            );
          }
          const library = await databases.tech.db
            .select()
            .from(techTables.enterprises)
            .where(inArray(techTables.enterprises.id, ['ent-n1', 'ent-n2']));
          await databases.finance.db
            .insert(financeTables.enterpriseProfiles)
            .values(libraryProfiles(library, []));
        },
      });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const publish = async (
      input: Record<string, unknown> = {},
      party: 'finance_office' | 'tech_bureau' = 'finance_office',
    ) =>
      ok(await graph.query(PUBLISH, { input: { ...valid, ...input } }, await as(party)))
        .publishNotice.notice;
    const visible = async (party: Party, org?: string) =>
      new Set<string>(
        ok(await graph.query(LIST, { first: 100 }, await as(party, org))).notices.nodes.map(
          (n: { id: string }) => n.id,
        ),
      );
    const count = async (table: string) =>
      Number(
        (
          await finance().rows<{ n: number }>(
            sql`select count(*)::int as n from ${sql.identifier(table)}`,
          )
        )[0].n,
      );

    describe('publishNotice', () => {
      it('lets the finance office publish to all banks and the technology bureau to listed ones', async () => {
        const all = await publish({ title: '  产业规划  ' });
        expect(all).toMatchObject({
          kind: 'INDUSTRY_PLAN',
          title: '产业规划',
          publisher: 'FINANCE_OFFICE',
          audience: 'ALL_BANKS',
          banks: [],
        });
        const listed = await publish(
          {
            kind: 'PROJECT_SUPPLY_DEMAND',
            audience: 'LISTED_BANKS',
            bankIds: ['icbc', 'abc'],
          },
          'tech_bureau',
        );
        expect(listed).toMatchObject({
          kind: 'PROJECT_SUPPLY_DEMAND',
          publisher: 'TECH_BUREAU',
          audience: 'LISTED_BANKS',
          banks: [{ id: 'icbc' }, { id: 'abc' }],
        });
      });

      const invalid: [string, Record<string, unknown>, string, RegExp][] = [
        ['a blank title', { title: '  ' }, 'input.title', /not be empty/],
        ['a title over 200 characters', { title: '题'.repeat(201) }, 'input.title', /200/],
        ['a blank body', { body: '' }, 'input.body', /not be empty/],
        ['a body over 20000 characters', { body: '文'.repeat(20_001) }, 'input.body', /20000/],
        [
          'listed banks without a list',
          { audience: 'LISTED_BANKS' },
          'input.bankIds',
          /at least one bank/,
        ],
        [
          'a list for all banks',
          { audience: 'ALL_BANKS', bankIds: ['icbc'] },
          'input.bankIds',
          /left out when the audience is ALL_BANKS/,
        ],
        [
          'a bank listed twice',
          { audience: 'LISTED_BANKS', bankIds: ['icbc', 'abc', 'icbc'] },
          'input.bankIds',
          /"icbc" is repeated/,
        ],
        [
          'a malformed bank id',
          { audience: 'LISTED_BANKS', bankIds: ['工行'] },
          'input.bankIds',
          /not a bank id/,
        ],
        [
          'more than 100 banks',
          {
            audience: 'LISTED_BANKS',
            bankIds: Array.from({ length: 101 }, (_, i) => `bank-${i}`),
          },
          'input.bankIds',
          /at most 100/,
        ],
      ];
      for (const [what, input, field, rule] of invalid) {
        it(`refuses ${what} with BAD_USER_INPUT naming ${field}, writing nothing`, async () => {
          const before = await count('notices');
          const error = refusal(
            await graph.query(
              PUBLISH,
              { input: { ...valid, ...input } },
              await as('finance_office'),
            ),
          );
          expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
          expect(error.message).toMatch(rule);
          expect(await count('notices')).toBe(before);
        });
      }

      for (const [party, org] of [
        ['pboc', undefined],
        ['bank', 'icbc'],
        ['enterprise', 'ent-a'],
      ] as [Party, string | undefined][]) {
        it(`is refused to ${party}`, async () => {
          const response = await graph.query(PUBLISH, { input: valid }, await as(party, org));
          expect(response.body.data.publishNotice).toBeNull();
          expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        });
      }
    });

    describe('who sees which notices', () => {
      let toAll: string;
      let toIcbc: string;
      let fromBureau: string;
      beforeAll(async () => {
        toAll = (await publish({ kind: 'ADJUSTMENT' })).id;
        toIcbc = (await publish({ audience: 'LISTED_BANKS', bankIds: ['icbc'] })).id;
        fromBureau = (
          await publish(
            { kind: 'PROJECTS_BROUGHT_IN', audience: 'LISTED_BANKS', bankIds: ['abc'] },
            'tech_bureau',
          )
        ).id;
      });

      it('shows the finance office and the PBOC every notice', async () => {
        for (const party of ['finance_office', 'pboc'] as const) {
          const seen = await visible(party);
          for (const id of [toAll, toIcbc, fromBureau]) expect(seen.has(id)).toBe(true);
        }
      });

      it('shows a bank the notices to all banks and those listing it', async () => {
        const icbc = await visible('bank', 'icbc');
        expect([icbc.has(toAll), icbc.has(toIcbc), icbc.has(fromBureau)]).toEqual([
          true,
          true,
          false,
        ]);
        const boc = await visible('bank', 'boc');
        expect([boc.has(toAll), boc.has(toIcbc), boc.has(fromBureau)]).toEqual([
          true,
          false,
          false,
        ]);
        expect(ok(await graph.query(GET, { id: toIcbc }, await as('bank', 'boc'))).notice).toBe(
          null,
        );
      });

      it('shows the technology bureau the notices it published', async () => {
        const bureau = await visible('tech_bureau');
        expect([bureau.has(toAll), bureau.has(toIcbc), bureau.has(fromBureau)]).toEqual([
          false,
          false,
          true,
        ]);
      });

      it('shows an enterprise none of the notices to banks', async () => {
        const seen = await visible('enterprise', 'ent-a');
        for (const id of [toAll, toIcbc, fromBureau]) expect(seen.has(id)).toBe(false);
        const token = await as('enterprise', 'ent-a');
        expect(ok(await graph.query(GET, { id: toAll }, token)).notice).toBeNull();
      });

      it('pages newest first', async () => {
        const token = await as('finance_office');
        const all = ok(await graph.query(LIST, { first: 100 }, token)).notices.nodes.map(
          (n: { id: string }) => n.id,
        );
        expect(all.slice(0, 3)).toEqual([fromBureau, toIcbc, toAll]);
        const paged: string[] = [];
        let after: string | null = null;
        for (;;) {
          const page: any = ok(await graph.query(LIST, { first: 2, after }, token)).notices;
          paged.push(...page.nodes.map((n: { id: string }) => n.id));
          if (!page.pageInfo.hasNextPage) break;
          after = page.pageInfo.endCursor;
        }
        expect(paged).toEqual(all);
        const kinds = ok(
          await graph.query(
            LIST,
            { filter: { kinds: ['PROJECTS_BROUGHT_IN'], publisher: 'TECH_BUREAU' }, first: 100 },
            token,
          ),
        ).notices.nodes;
        expect(kinds.map((n: { id: string }) => n.id)).toContain(fromBureau);
        expect(kinds.every((n: { publisher: string }) => n.publisher === 'TECH_BUREAU')).toBe(true);
      });
    });

    describe('read receipts', () => {
      it('lets a bank mark a notice read once, keeping the first time', async () => {
        const notice = await publish({ audience: 'LISTED_BANKS', bankIds: ['icbc', 'abc'] });
        const token = await as('bank', 'icbc');
        expect(ok(await graph.query(READ_AT, { id: notice.id }, token)).notice.readAt).toBeNull();
        const first = ok(await graph.query(MARK, { id: notice.id }, token)).markNoticeRead.notice;
        expect(first.readAt).not.toBeNull();
        const again = ok(await graph.query(MARK, { id: notice.id }, token)).markNoticeRead.notice;
        expect(again.readAt).toBe(first.readAt);
        expect(
          ok(await graph.query(READ_AT, { id: notice.id }, await as('bank', 'abc'))).notice,
        ).toEqual({ id: notice.id, readAt: null });
      });

      it('refuses a notice not addressed to the bank, and anyone but a bank', async () => {
        const notice = await publish({ audience: 'LISTED_BANKS', bankIds: ['icbc'] });
        expect(
          refusal(await graph.query(MARK, { id: notice.id }, await as('bank', 'boc'))).code,
        ).toBe('NOT_FOUND');
        expect(
          refusal(await graph.query(MARK, { id: 'notice-none' }, await as('bank', 'boc'))).code,
        ).toBe('NOT_FOUND');
        for (const party of ['finance_office', 'tech_bureau', 'pboc'] as const) {
          expect(refusal(await graph.query(MARK, { id: notice.id }, await as(party))).code).toBe(
            'UNAUTHORIZED_FIELD_OR_TYPE',
          );
        }
        const [row] = await finance().rows<{ n: number }>(
          sql`select count(*)::int as n from notice_receipts where notice_id = ${notice.id}`,
        );
        expect(Number(row.n)).toBe(0);
      });

      it('lets a bank pull only what it has not read yet', async () => {
        const read = await publish({ title: '已读' });
        const unread = await publish({ title: '未读' });
        const token = await as('bank', 'hubei');
        ok(await graph.query(MARK, { id: read.id }, token));
        const ids = ok(
          await graph.query(LIST, { filter: { unreadOnly: true }, first: 100 }, token),
        ).notices.nodes.map((n: { id: string }) => n.id);
        expect(ids).toContain(unread.id);
        expect(ids).not.toContain(read.id);
        const agency = refusal(
          await graph.query(LIST, { filter: { unreadOnly: true } }, await as('finance_office')),
        );
        expect(agency).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.unreadOnly' });
      });

      it('shows the receipts to the finance office and the PBOC only', async () => {
        const notice = await publish(
          { audience: 'LISTED_BANKS', bankIds: ['icbc', 'abc', 'boc'] },
          'tech_bureau',
        );
        ok(await graph.query(MARK, { id: notice.id }, await as('bank', 'abc')));
        ok(await graph.query(MARK, { id: notice.id }, await as('bank', 'icbc')));
        for (const party of ['finance_office', 'pboc'] as const) {
          const seen = ok(await graph.query(RECEIPTS, { id: notice.id }, await as(party))).notice;
          expect(seen.receipts.map((r: { bankId: string }) => r.bankId)).toEqual(['abc', 'icbc']);
          expect(seen.receipts[0].bank).toEqual({ id: 'abc' });
          expect(seen.unreadBanks).toEqual([{ id: 'boc' }]);
        }
        for (const [party, org] of [
          ['tech_bureau', undefined],
          ['bank', 'icbc'],
        ] as [Party, string | undefined][]) {
          const response = await graph.query(RECEIPTS, { id: notice.id }, await as(party, org));
          expect(response.body.data.notice).toMatchObject({
            id: notice.id,
            receipts: null,
            unreadBanks: null,
          });
          const codes = (response.body.errors ?? []).map((e) => e.extensions?.code);
          expect(codes).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE', 'UNAUTHORIZED_FIELD_OR_TYPE']);
        }
        const readAt = await graph.query(READ_AT, { id: notice.id }, await as('finance_office'));
        expect(refusal(readAt).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        const all = ok(await graph.query(RECEIPTS, { id: (await publish()).id }, await as('pboc')));
        expect(all.notice).toMatchObject({ receipts: [], unreadBanks: null });
      });
    });

    describe('notices to enterprises (宣传推广)', () => {
      const ENTERPRISE_RECEIPTS = `query ($id: ID!) { notice(id: $id) {
        id audience district industry
        enterpriseReceipts { enterpriseId enterprise { id } readAt } } }`;
      let toAllEnterprises: string;
      let toMembers: string;
      let toChongyang: string;
      let toC39: string;
      let toC391: string;
      beforeAll(async () => {
        toAllEnterprises = (await publish({ audience: 'ALL_ENTERPRISES', kind: 'ADJUSTMENT' })).id;
        toMembers = (await publish({ audience: 'LIBRARY_MEMBERS' }, 'tech_bureau')).id;
        toChongyang = (await publish({ audience: 'DISTRICT', district: 'CHONGYANG' })).id;
        toC39 = (await publish({ audience: 'INDUSTRY', industry: 'C39' })).id;
        toC391 = (await publish({ audience: 'INDUSTRY', industry: 'C391' }, 'tech_bureau')).id;
      });

      it('publishes to all enterprises, the library members, a district or an industry', async () => {
        const district = await publish({ audience: 'DISTRICT', district: 'CHIBI' });
        expect(district).toMatchObject({ audience: 'DISTRICT', banks: [] });
        const fields = ok(
          await graph.query(ENTERPRISE_RECEIPTS, { id: district.id }, await as('finance_office')),
        ).notice;
        expect(fields).toMatchObject({ district: 'CHIBI', industry: null, enterpriseReceipts: [] });
        const industry = ok(
          await graph.query(ENTERPRISE_RECEIPTS, { id: toC391 }, await as('tech_bureau')),
        ).notice;
        expect(industry).toMatchObject({ audience: 'INDUSTRY', industry: 'C391', district: null });
      });

      const invalid: [string, Record<string, unknown>, string, RegExp][] = [
        [
          'a district audience without a district',
          { audience: 'DISTRICT' },
          'input.district',
          /must be given/,
        ],
        [
          'an industry audience without an industry',
          { audience: 'INDUSTRY' },
          'input.industry',
          /must be given/,
        ],
        [
          'an industry that is not a GB/T 4754 code',
          { audience: 'INDUSTRY', industry: 'C-39' },
          'input.industry',
          /GB\/T 4754/,
        ],
        [
          'a district for all enterprises',
          { audience: 'ALL_ENTERPRISES', district: 'CHIBI' },
          'input.district',
          /left out when the audience is ALL_ENTERPRISES/,
        ],
        [
          'an industry for a district',
          { audience: 'DISTRICT', district: 'CHIBI', industry: 'C39' },
          'input.industry',
          /left out when the audience is DISTRICT/,
        ],
        [
          'banks for the library members',
          { audience: 'LIBRARY_MEMBERS', bankIds: ['icbc'] },
          'input.bankIds',
          /left out when the audience is LIBRARY_MEMBERS/,
        ],
        [
          'a district for banks',
          { audience: 'ALL_BANKS', district: 'CHIBI' },
          'input.district',
          /left out when the audience is ALL_BANKS/,
        ],
      ];
      for (const [what, input, field, rule] of invalid) {
        it(`refuses ${what} with BAD_USER_INPUT naming ${field}, writing nothing`, async () => {
          const before = await count('notices');
          const error = refusal(
            await graph.query(
              PUBLISH,
              { input: { ...valid, ...input } },
              await as('finance_office'),
            ),
          );
          expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
          expect(error.message).toMatch(rule);
          expect(await count('notices')).toBe(before);
        });
      }

      it('shows each enterprise the notices addressed to it, and no bank any of them', async () => {
        const ids = [toAllEnterprises, toMembers, toChongyang, toC39, toC391];
        const sees = async (party: Party, org?: string) => {
          const seen = await visible(party, org);
          return ids.map((id) => seen.has(id));
        };
        // ent-n1: admitted, 崇阳县, C3911; ent-n2: a candidate of 通山县, I65; ent-a: admitted, 咸安区, C39.
        expect(await sees('enterprise', 'ent-n1')).toEqual([true, true, true, true, true]);
        expect(await sees('enterprise', 'ent-n2')).toEqual([true, false, false, false, false]);
        expect(await sees('enterprise', 'ent-a')).toEqual([true, true, false, true, false]);
        expect(await sees('bank', 'icbc')).toEqual([false, false, false, false, false]);
        expect(await sees('finance_office')).toEqual([true, true, true, true, true]);
        expect(await sees('tech_bureau')).toEqual([false, true, false, false, true]);
        const stranger = await as('enterprise', 'ent-n2');
        expect(ok(await graph.query(GET, { id: toChongyang }, stranger)).notice).toBeNull();
      });

      it('follows the library: an enterprise admitted later is a library member then', async () => {
        const members = (await publish({ audience: 'LIBRARY_MEMBERS', title: '入库企业通知' })).id;
        const db = finance().db;
        expect((await visible('enterprise', 'ent-n2')).has(members)).toBe(false);
        await db.execute(
          sql`update enterprise_profiles set library_status = 'ADMITTED' where enterprise_id = 'ent-n2'`,
        );
        try {
          expect((await visible('enterprise', 'ent-n2')).has(members)).toBe(true);
        } finally {
          await db.execute(
            sql`update enterprise_profiles set library_status = 'CANDIDATE' where enterprise_id = 'ent-n2'`,
          );
        }
      });

      it('lets an enterprise mark a notice read once, and pull only what it has not read', async () => {
        const notice = await publish({
          audience: 'DISTRICT',
          district: 'CHONGYANG',
          title: '崇阳专场',
        });
        const token = await as('enterprise', 'ent-n1');
        expect(ok(await graph.query(READ_AT, { id: notice.id }, token)).notice.readAt).toBeNull();
        const unreadBefore = ok(
          await graph.query(LIST, { filter: { unreadOnly: true }, first: 100 }, token),
        ).notices.nodes.map((n: { id: string }) => n.id);
        expect(unreadBefore).toContain(notice.id);
        const first = ok(await graph.query(MARK, { id: notice.id }, token)).markNoticeRead.notice;
        expect(first.readAt).not.toBeNull();
        const again = ok(await graph.query(MARK, { id: notice.id }, token)).markNoticeRead.notice;
        expect(again.readAt).toBe(first.readAt);
        const unreadAfter = ok(
          await graph.query(LIST, { filter: { unreadOnly: true }, first: 100 }, token),
        ).notices.nodes.map((n: { id: string }) => n.id);
        expect(unreadAfter).not.toContain(notice.id);
        // Not addressed to ent-n2: it does not exist for it, and nothing is written.
        const other = refusal(
          await graph.query(MARK, { id: notice.id }, await as('enterprise', 'ent-n2')),
        );
        expect(other).toMatchObject({ code: 'NOT_FOUND' });
        const [row] = await finance().rows<{ n: number }>(
          sql`select count(*)::int as n from enterprise_notice_receipts where notice_id = ${notice.id}`,
        );
        expect(Number(row.n)).toBe(1);
      });

      it('shows the enterprises’ receipts to the agency that published the notice only', async () => {
        // The finance office published toC39, the technology bureau toC391; ent-n1 reads both.
        const reader = await as('enterprise', 'ent-n1');
        ok(await graph.query(MARK, { id: toC39 }, reader));
        ok(await graph.query(MARK, { id: toC391 }, reader));
        ok(await graph.query(MARK, { id: toC39 }, await as('enterprise', 'ent-a')));
        const receipts = async (id: string, party: Party) =>
          ok(await graph.query(ENTERPRISE_RECEIPTS, { id }, await as(party))).notice
            .enterpriseReceipts;
        const office = await receipts(toC39, 'finance_office');
        expect(office.map((r: { enterpriseId: string }) => r.enterpriseId).sort()).toEqual([
          'ent-a',
          'ent-n1',
        ]);
        expect(office[0].enterprise).toEqual({ id: office[0].enterpriseId });
        expect(await receipts(toC391, 'tech_bureau')).toMatchObject([{ enterpriseId: 'ent-n1' }]);
        // The finance office sees the bureau's notice, but not who read it.
        expect(await receipts(toC391, 'finance_office')).toEqual([]);
        // The PBOC and the enterprise read the notice, not who read it; a bank not even the notice.
        for (const [party, org] of [
          ['pboc', undefined],
          ['enterprise', 'ent-n1'],
        ] as [Party, string | undefined][]) {
          const response = await graph.query(
            ENTERPRISE_RECEIPTS,
            { id: toC39 },
            await as(party, org),
          );
          expect(response.body.data.notice).toMatchObject({ id: toC39, enterpriseReceipts: null });
          const codes = (response.body.errors ?? []).map((e) => e.extensions?.code);
          expect(codes, party).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
        }
        const bank = await graph.query(
          ENTERPRISE_RECEIPTS,
          { id: toC39 },
          await as('bank', 'icbc'),
        );
        expect(bank.body.data.notice).toBeNull();
        // An enterprise reads its own readAt, never another's.
        const own = ok(await graph.query(READ_AT, { id: toC39 }, reader)).notice;
        expect(own.readAt).not.toBeNull();
        const n2 = await as('enterprise', 'ent-n2');
        expect(
          ok(await graph.query(READ_AT, { id: toAllEnterprises }, n2)).notice.readAt,
        ).toBeNull();
      });
    });
  });
}
