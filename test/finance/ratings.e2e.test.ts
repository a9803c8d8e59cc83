import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import * as clock from '../../subgraphs/kernel/clock.js';
import { BACKENDS } from '../helpers/databases.js';
import { registerParticipants } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { insertNeeds, ok, parties, refusal } from './helpers.js';
import { count } from './ledger-helpers.js';

const RATE = `mutation ($needId: ID!, $score: Int!, $comment: String) {
  rateService(needId: $needId, score: $score, comment: $comment) {
    rating { needId bankId needStatus score comment } } }`;
const AGGREGATES = `query ($fromMonth: String!, $toMonth: String!) {
  serviceRatings(fromMonth: $fromMonth, toMonth: $toMonth) {
  banks { bankId ratings mean distribution } } }`;
const CITY = `query ($fromMonth: String!, $toMonth: String!) {
  serviceRatings(fromMonth: $fromMonth, toMonth: $toMonth) {
  cityTotals { banks ratings mean distribution } } }`;
const NEED_RATING = `query ($id: ID!) { financingNeed(id: $id) { id serviceRating { score comment } } }`;

for (const backend of BACKENDS) {
  describe(`service ratings (服务评价) (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const finance = () => graph.graph.databases.finance;
    const month = () => clock.today().slice(0, 7);
    // The two ratings given through the graph before the tests; each test reads, never re-rates.
    const rated: Record<string, any> = {};
    const rate = async (needId: string, score: number, comment?: string, org = 'ent-r1') =>
      graph.query(RATE, { needId, score, comment }, await as('enterprise', org));

    beforeAll(async () => {
      graph = await startTestGraph(backend, {
        prepare: (databases) =>
          registerParticipants(databases, {
            banks: ['rt-a', 'rt-b'],
            enterprises: ['ent-r1', 'ent-r2'],
          }),
      });
      await insertNeeds(finance(), [
        {
          id: 'r-disbursed',
          enterpriseId: 'ent-r1',
          amountFen: 1,
          status: 'DISBURSED',
          mainBankId: 'rt-a',
        },
        {
          id: 'r-assigned',
          enterpriseId: 'ent-r1',
          amountFen: 1,
          status: 'ASSIGNED',
          mainBankId: 'rt-a',
        },
        {
          id: 'r-other',
          enterpriseId: 'ent-r2',
          amountFen: 1,
          status: 'DISBURSED',
          mainBankId: 'rt-a',
        },
        {
          id: 'r-declined',
          enterpriseId: 'ent-r1',
          amountFen: 1,
          status: 'DECLINED',
          mainBankId: null,
        },
        {
          id: 'r-unserved',
          enterpriseId: 'ent-r1',
          amountFen: 1,
          status: 'WITHDRAWN',
          mainBankId: null,
        },
      ]);
      // rt-b served the declined need, then gave it back: its service is the one rated.
      await finance().db.execute(sql`insert into need_feedback (id, need_id, bank_id, accepted,
        reason) values ('fb-r', 'r-declined', 'rt-b', true, '受理')`);
      rated.disbursed = ok(await rate('r-disbursed', 4, ' 响应及时 ')).rateService.rating;
      rated.declined = ok(await rate('r-declined', 2)).rateService.rating;
    });
    afterAll(async () => {
      await graph?.stop();
    });

    it('lets the enterprise rate its main bank once the need has closed, once', async () => {
      expect(rated.disbursed).toEqual({
        needId: 'r-disbursed',
        bankId: 'rt-a',
        needStatus: 'DISBURSED',
        score: 4,
        comment: '响应及时',
      });
      const twice = refusal(await rate('r-disbursed', 5));
      expect(twice.code).toBe('CONFLICT');
      expect(twice.message).toMatch(/rated already/);
    });

    it('rates the bank that served a need it gave back', () => {
      expect(rated.declined).toMatchObject({ bankId: 'rt-b', needStatus: 'DECLINED' });
    });

    const refused: [string, () => Promise<any>, string, string | undefined, RegExp][] = [
      ['a need not closed', () => rate('r-assigned', 3), 'CONFLICT', undefined, /closes/],
      ['a need no bank served', () => rate('r-unserved', 3), 'CONFLICT', undefined, /no bank/],
      ['a score above 5', () => rate('r-assigned', 6), 'BAD_USER_INPUT', 'score', /1 to 5/],
      ['a score below 1', () => rate('r-assigned', 0), 'BAD_USER_INPUT', 'score', /1 to 5/],
      [
        'a comment over 500 characters',
        () => rate('r-assigned', 3, '好'.repeat(501)),
        'BAD_USER_INPUT',
        'comment',
        /500/,
      ],
      [
        "another enterprise's need, as if it did not exist",
        () => rate('r-other', 3),
        'NOT_FOUND',
        undefined,
        /does not exist/,
      ],
    ];
    for (const [what, attempt, code, field, rule] of refused) {
      it(`refuses ${what} (${code}), writing nothing`, async () => {
        const before = await count(finance(), 'service_ratings');
        const error = refusal(await attempt());
        expect(error.code).toBe(code);
        if (field) expect(error.field).toBe(field);
        expect(error.message).toMatch(rule);
        expect(await count(finance(), 'service_ratings')).toBe(before);
      });
    }

    it('is given by enterprises only', async () => {
      const error = refusal(
        await graph.query(RATE, { needId: 'r-disbursed', score: 5 }, await as('bank', 'rt-a')),
      );
      expect(error.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });

    it('shows who rated what to the enterprise and the finance office, never to the bank', async () => {
      const own = ok(
        await graph.query(NEED_RATING, { id: 'r-disbursed' }, await as('enterprise', 'ent-r1')),
      );
      expect(own.financingNeed.serviceRating).toEqual({ score: 4, comment: '响应及时' });
      const office = ok(
        await graph.query(NEED_RATING, { id: 'r-disbursed' }, await as('finance_office')),
      );
      expect(office.financingNeed.serviceRating.score).toBe(4);
      const bank = await graph.query(NEED_RATING, { id: 'r-disbursed' }, await as('bank', 'rt-a'));
      expect(bank.body.data?.financingNeed?.serviceRating).toBeNull();
      expect(bank.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    });

    it('shows a bank its aggregate only for months with three ratings or more', async () => {
      const period = { fromMonth: month(), toMonth: month() };
      const few = ok(await graph.query(AGGREGATES, period, await as('bank', 'rt-a')));
      expect(few.serviceRatings.banks).toEqual([
        { bankId: 'rt-a', ratings: 0, mean: null, distribution: [0, 0, 0, 0, 0] },
      ]);
      for (const [needId, score] of [
        ['r-more-1', 5],
        ['r-more-2', 2],
      ] as const) {
        await finance().db.execute(sql`insert into service_ratings (need_id, enterprise_id,
          bank_id, need_status, score, rated_by) values (${needId}, 'ent-r2', 'rt-a',
          'WITHDRAWN', ${score}, 'x')`);
      }
      const enough = ok(await graph.query(AGGREGATES, period, await as('bank', 'rt-a')));
      expect(enough.serviceRatings.banks).toEqual([
        { bankId: 'rt-a', ratings: 3, mean: '3.67', distribution: [0, 1, 0, 1, 1] },
      ]);
      const office = ok(await graph.query(AGGREGATES, period, await as('finance_office')));
      expect(office.serviceRatings.banks).toEqual([
        { bankId: 'rt-a', ratings: 3, mean: '3.67', distribution: [0, 1, 0, 1, 1] },
        { bankId: 'rt-b', ratings: 1, mean: '2.00', distribution: [0, 1, 0, 0, 0] },
      ]);
      const city = ok(await graph.query(CITY, period, await as('pboc')));
      expect(city.serviceRatings.cityTotals).toEqual({
        banks: 2,
        ratings: 4,
        mean: '3.25',
        distribution: [0, 2, 0, 1, 1],
      });
    });
  });
}
