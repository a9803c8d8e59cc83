import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Party } from '../../subgraphs/kernel/caller.js';
import * as clock from '../../subgraphs/kernel/clock.js';
import { bankEvents } from '../../subgraphs/finance/bank-events/index.js';
import { signingEvents } from '../../subgraphs/finance/signing-events/index.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';
import { ok, parties, refusal } from './helpers.js';

const EVENT = `id title heldOn place description status cancelReason registrationOpen
  registrations { kind registrantId bank { id } enterprise { id } note }
  signings { id bankId enterpriseId intendedAmount termMonths note }`;
const SCHEDULE = `mutation ($input: ScheduleSigningEventInput!) {
  scheduleSigningEvent(input: $input) { event { ${EVENT} } } }`;
const CANCEL = `mutation ($id: ID!, $reason: String!) {
  cancelSigningEvent(id: $id, reason: $reason) { event { ${EVENT} } } }`;
const REGISTER = `mutation ($eventId: ID!, $note: String) {
  registerForSigningEvent(eventId: $eventId, note: $note) {
    registration { kind registrantId note } event { id } } }`;
const WITHDRAW = `mutation ($eventId: ID!) {
  withdrawSigningEventRegistration(eventId: $eventId) { event { ${EVENT} } } }`;
const SIGN = `mutation ($input: RecordCreditSigningInput!) {
  recordCreditSigning(input: $input) { signing { id eventId bankId enterpriseId intendedAmount termMonths note } } }`;
const GET = `query ($id: ID!) { signingEvent(id: $id) { ${EVENT} } }`;
const LIST = `query ($filter: SigningEventFilter, $first: Int, $after: String) {
  signingEvents(filter: $filter, first: $first, after: $after) {
    nodes { id heldOn status } pageInfo { hasNextPage endCursor } } }`;
const OUTCOMES = `query ($id: ID!) { signingEvent(id: $id) { id
  outcomes { signing { bankId enterpriseId } intendedAmount approvedAmount approvals firstApprovedOn fulfilment fulfilled } } }`;
const SUMMARY = `query ($id: ID!) { signingEvent(id: $id) { id
  summary { registeredBanks registeredEnterprises signings intendedAmount approvedAmount fulfilledSignings fulfilment } } }`;

const shift = clock.addDays;

for (const backend of BACKENDS) {
  describe(`signing events (${backend})`, () => {
    let graph: TestGraph;
    const as = parties(() => graph);
    const finance = () => graph.graph.databases.finance;
    const today = clock.today();

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare: loadFixture });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    const schedule = async (input: Record<string, unknown> = {}) =>
      ok(
        await graph.query(
          SCHEDULE,
          {
            input: {
              title: '科技型企业信贷签约活动',
              heldOn: today,
              place: '咸宁市民之家',
              ...input,
            },
          },
          await as('finance_office'),
        ),
      ).scheduleSigningEvent.event;
    const register = async (eventId: string, party: 'bank' | 'enterprise', org: string) =>
      graph.query(REGISTER, { eventId }, await as(party, org));
    const sign = async (input: Record<string, unknown>) =>
      graph.query(
        SIGN,
        { input: { bankId: 'icbc', enterpriseId: 'ent-a', intendedAmount: '2000000', ...input } },
        await as('finance_office'),
      );
    /** An event today with icbc, abc, ent-a and ent-b registered. */
    const eventWithRegistrations = async () => {
      const event = await schedule();
      for (const [party, org] of [
        ['bank', 'icbc'],
        ['bank', 'abc'],
        ['enterprise', 'ent-a'],
        ['enterprise', 'ent-b'],
      ] as const) {
        ok(await register(event.id, party, org));
      }
      return event;
    };
    const count = async (table: string) =>
      Number(
        (
          await finance().rows<{ n: number }>(
            sql`select count(*)::int as n from ${sql.identifier(table)}`,
          )
        )[0].n,
      );

    describe('scheduleSigningEvent', () => {
      it('lets the finance office schedule an event, open for registration', async () => {
        const event = await schedule({ description: '  早春行 · 银企对接  ' });
        expect(event).toMatchObject({
          title: '科技型企业信贷签约活动',
          heldOn: today,
          place: '咸宁市民之家',
          description: '早春行 · 银企对接',
          status: 'SCHEDULED',
          registrationOpen: true,
          registrations: [],
          signings: [],
        });
      });

      const invalid: [string, Record<string, unknown>, string, RegExp][] = [
        ['a blank title', { title: ' ' }, 'input.title', /not be empty/],
        ['a title over 200 characters', { title: '会'.repeat(201) }, 'input.title', /200/],
        ['a blank place', { place: '' }, 'input.place', /not be empty/],
        [
          'a description over 2000 characters',
          { description: '述'.repeat(2001) },
          'input.description',
          /2000/,
        ],
        ['a day already past', { heldOn: shift(today, -1) }, 'input.heldOn', /today .* or later/],
      ];
      for (const [what, input, field, rule] of invalid) {
        it(`refuses ${what} with BAD_USER_INPUT naming ${field}, writing nothing`, async () => {
          const before = await count('signing_events');
          const response = await graph.query(
            SCHEDULE,
            { input: { title: '对接会', heldOn: today, place: '咸宁', ...input } },
            await as('finance_office'),
          );
          const error = refusal(response);
          expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
          expect(error.message).toMatch(rule);
          expect(await count('signing_events')).toBe(before);
        });
      }

      for (const [party, org] of [
        ['tech_bureau', undefined],
        ['pboc', undefined],
        ['bank', 'icbc'],
        ['enterprise', 'ent-a'],
      ] as [Party, string | undefined][]) {
        it(`is the finance office's alone: ${party} is refused`, async () => {
          const response = await graph.query(
            SCHEDULE,
            { input: { title: '对接会', heldOn: today, place: '咸宁' } },
            await as(party, org),
          );
          expect(response.body.data.scheduleSigningEvent).toBeNull();
          expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        });
      }
    });

    describe('registration', () => {
      it('lets banks and enterprises register themselves, and every party see who did', async () => {
        const event = await schedule();
        const bank = ok(
          await graph.query(
            REGISTER,
            { eventId: event.id, note: '带科技信贷产品' },
            await as('bank', 'icbc'),
          ),
        ).registerForSigningEvent;
        expect(bank.registration).toEqual({
          kind: 'BANK',
          registrantId: 'icbc',
          note: '带科技信贷产品',
        });
        ok(await register(event.id, 'enterprise', 'ent-a'));
        for (const [party, org] of [
          ['tech_bureau', undefined],
          ['finance_office', undefined],
          ['pboc', undefined],
          ['bank', 'boc'],
          ['enterprise', 'ent-c'],
        ] as [Party, string | undefined][]) {
          const seen = ok(await graph.query(GET, { id: event.id }, await as(party, org)));
          expect(seen.signingEvent.registrations).toEqual([
            {
              kind: 'BANK',
              registrantId: 'icbc',
              bank: { id: 'icbc' },
              enterprise: null,
              note: '带科技信贷产品',
            },
            {
              kind: 'ENTERPRISE',
              registrantId: 'ent-a',
              bank: null,
              enterprise: { id: 'ent-a' },
              note: null,
            },
          ]);
        }
      });

      it('refuses a second registration of the same bank with CONFLICT', async () => {
        const event = await schedule();
        ok(await register(event.id, 'bank', 'icbc'));
        const again = refusal(await register(event.id, 'bank', 'icbc'));
        expect(again.code).toBe('CONFLICT');
        expect(again.message).toMatch(/already registered/);
      });

      it('is closed once the day has passed, or the event is cancelled', async () => {
        await finance()
          .db.insert(signingEvents)
          .values({
            id: 'sev-past',
            title: '往期对接会',
            heldOn: shift(today, -3),
            place: '赤壁',
            status: 'SCHEDULED',
            createdBy: 'seed',
          });
        const past = refusal(await register('sev-past', 'enterprise', 'ent-a'));
        expect(past.code).toBe('CONFLICT');
        expect(past.message).toMatch(/registration is closed/);
        const listed = ok(await graph.query(GET, { id: 'sev-past' }, await as('bank', 'icbc')));
        expect(listed.signingEvent.registrationOpen).toBe(false);

        const event = await schedule({ heldOn: shift(today, 7) });
        ok(
          await graph.query(
            CANCEL,
            { id: event.id, reason: '场地调整' },
            await as('finance_office'),
          ),
        );
        expect(refusal(await register(event.id, 'bank', 'abc')).code).toBe('CONFLICT');
        expect(refusal(await register('sev-none', 'bank', 'abc')).code).toBe('NOT_FOUND');
      });

      it('refuses a note over 500 characters, and registration by agencies', async () => {
        const event = await schedule();
        const long = refusal(
          await graph.query(
            REGISTER,
            { eventId: event.id, note: '备'.repeat(501) },
            await as('bank', 'icbc'),
          ),
        );
        expect(long).toMatchObject({ code: 'BAD_USER_INPUT', field: 'note' });
        for (const party of ['finance_office', 'tech_bureau', 'pboc'] as const) {
          const response = await graph.query(REGISTER, { eventId: event.id }, await as(party));
          expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        }
        expect(
          (await graph.query(GET, { id: event.id }, await as('pboc'))).body.data.signingEvent
            .registrations,
        ).toEqual([]);
      });

      it('lets a registrant withdraw its own registration, unless it has signed', async () => {
        const event = await eventWithRegistrations();
        const withdrawn = ok(
          await graph.query(WITHDRAW, { eventId: event.id }, await as('enterprise', 'ent-b')),
        ).withdrawSigningEventRegistration.event;
        expect(
          withdrawn.registrations.map((r: { registrantId: string }) => r.registrantId),
        ).toEqual(['icbc', 'abc', 'ent-a']);
        expect(
          refusal(
            await graph.query(WITHDRAW, { eventId: event.id }, await as('enterprise', 'ent-b')),
          ).code,
        ).toBe('NOT_FOUND');
        ok(await sign({ eventId: event.id }));
        const signed = refusal(
          await graph.query(WITHDRAW, { eventId: event.id }, await as('bank', 'icbc')),
        );
        expect(signed.code).toBe('CONFLICT');
        expect(signed.message).toMatch(/has signed/);
      });
    });

    describe('recordCreditSigning', () => {
      it('records intended credit between a registered bank and a registered enterprise', async () => {
        const event = await eventWithRegistrations();
        const { signing } = ok(
          await sign({ eventId: event.id, termMonths: 12, note: ' 知识产权质押 ' }),
        ).recordCreditSigning;
        expect(signing).toMatchObject({
          eventId: event.id,
          bankId: 'icbc',
          enterpriseId: 'ent-a',
          intendedAmount: '2000000.00',
          termMonths: 12,
          note: '知识产权质押',
        });
        const seen = ok(await graph.query(GET, { id: event.id }, await as('enterprise', 'ent-c')));
        expect(seen.signingEvent.signings).toHaveLength(1);
        const again = refusal(await sign({ eventId: event.id, intendedAmount: '1' }));
        expect(again.code).toBe('CONFLICT');
        expect(again.message).toMatch(/already recorded/);
      });

      const invalid: [string, Record<string, unknown>, string, RegExp][] = [
        ['a zero amount', { intendedAmount: '0' }, 'input.intendedAmount', /more than 0/],
        [
          'an amount above 1e9 yuan',
          { intendedAmount: '1000000000.01' },
          'input.intendedAmount',
          /at most/,
        ],
        ['a zero term', { termMonths: 0 }, 'input.termMonths', /1 to 360/],
        ['a malformed bank id', { bankId: 'bank #1' }, 'input.bankId', /not a bank id/],
        ['a bank not registered', { bankId: 'boc' }, 'input.bankId', /"boc" is not registered/],
        [
          'an enterprise not registered',
          { enterpriseId: 'ent-c' },
          'input.enterpriseId',
          /"ent-c" is not registered/,
        ],
        ['a note over 500 characters', { note: '注'.repeat(501) }, 'input.note', /500/],
      ];
      for (const [what, input, field, rule] of invalid) {
        it(`refuses ${what} with BAD_USER_INPUT naming ${field}, writing nothing`, async () => {
          const event = await eventWithRegistrations();
          const before = await count('credit_signings');
          const error = refusal(await sign({ eventId: event.id, ...input }));
          expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
          expect(error.message).toMatch(rule);
          expect(await count('credit_signings')).toBe(before);
        });
      }

      it('waits for the event’s day and refuses a cancelled or unknown event', async () => {
        const later = await schedule({ heldOn: shift(today, 2) });
        ok(await register(later.id, 'bank', 'icbc'));
        ok(await register(later.id, 'enterprise', 'ent-a'));
        const early = refusal(await sign({ eventId: later.id }));
        expect(early.code).toBe('CONFLICT');
        expect(early.message).toMatch(/recorded from that day/);

        const cancelled = await schedule();
        ok(
          await graph.query(
            CANCEL,
            { id: cancelled.id, reason: '改期' },
            await as('finance_office'),
          ),
        );
        expect(refusal(await sign({ eventId: cancelled.id })).code).toBe('CONFLICT');
        expect(refusal(await sign({ eventId: 'sev-none' })).code).toBe('NOT_FOUND');
      });

      it('is the finance office’s alone', async () => {
        const event = await eventWithRegistrations();
        for (const [party, org] of [
          ['bank', 'icbc'],
          ['enterprise', 'ent-a'],
          ['pboc', undefined],
          ['tech_bureau', undefined],
        ] as [Party, string | undefined][]) {
          const response = await graph.query(
            SIGN,
            {
              input: {
                eventId: event.id,
                bankId: 'icbc',
                enterpriseId: 'ent-a',
                intendedAmount: '1',
              },
            },
            await as(party, org),
          );
          expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        }
      });
    });

    describe('cancelSigningEvent', () => {
      it('cancels an event without signings, once', async () => {
        const event = await schedule({ heldOn: shift(today, 1) });
        const { cancelSigningEvent } = ok(
          await graph.query(
            CANCEL,
            { id: event.id, reason: ' 天气原因 ' },
            await as('finance_office'),
          ),
        );
        expect(cancelSigningEvent.event).toMatchObject({
          status: 'CANCELLED',
          cancelReason: '天气原因',
          registrationOpen: false,
        });
        const again = refusal(
          await graph.query(CANCEL, { id: event.id, reason: '重复' }, await as('finance_office')),
        );
        expect(again.code).toBe('CONFLICT');
      });

      it('refuses a blank reason and an event with signings', async () => {
        const event = await eventWithRegistrations();
        expect(
          refusal(
            await graph.query(CANCEL, { id: event.id, reason: ' ' }, await as('finance_office')),
          ),
        ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
        ok(await sign({ eventId: event.id }));
        const signed = refusal(
          await graph.query(CANCEL, { id: event.id, reason: '取消' }, await as('finance_office')),
        );
        expect(signed.code).toBe('CONFLICT');
        expect(signed.message).toMatch(/has signings/);
      });
    });

    describe('intended against approved credit', () => {
      let eventId: string;
      beforeAll(async () => {
        eventId = (await eventWithRegistrations()).id;
        ok(
          await sign({ eventId, bankId: 'icbc', enterpriseId: 'ent-a', intendedAmount: '2000000' }),
        );
        ok(
          await sign({ eventId, bankId: 'abc', enterpriseId: 'ent-b', intendedAmount: '1000000' }),
        );
        const event = (
          key: string,
          kind: string,
          bankId: string,
          enterpriseId: string,
          fen: number,
          on: string,
        ) => ({
          key: `${bankId}:${key}`,
          kind,
          bankId,
          enterpriseId,
          amountFen: fen,
          occurredOn: on,
        });
        await finance()
          .db.insert(bankEvents)
          .values([
            event('ca-1', 'CREDIT_APPROVED', 'icbc', 'ent-a', 150_000_000, today),
            // Before the event: not credit the signing brought.
            event('ca-0', 'CREDIT_APPROVED', 'icbc', 'ent-a', 999_900, shift(today, -1)),
            // Not an approval.
            event('ld-1', 'LOAN_DISBURSED', 'icbc', 'ent-a', 150_000_000, today),
            // Another bank's approval for the same enterprise.
            event('ca-9', 'CREDIT_APPROVED', 'boc', 'ent-a', 70_000_000, today),
            event('ca-2', 'CREDIT_APPROVED', 'abc', 'ent-b', 60_000_000, today),
            event('ca-3', 'CREDIT_APPROVED', 'abc', 'ent-b', 40_000_000, today),
          ]);
      });

      const outcomes = async (party: Party, org?: string) =>
        ok(await graph.query(OUTCOMES, { id: eventId }, await as(party, org))).signingEvent
          .outcomes;

      it('compares each signing with the approvals of its bank for its enterprise from the event day', async () => {
        const all = await outcomes('finance_office');
        expect(all).toEqual([
          {
            signing: { bankId: 'icbc', enterpriseId: 'ent-a' },
            intendedAmount: '2000000.00',
            approvedAmount: '1500000.00',
            approvals: 1,
            firstApprovedOn: today,
            fulfilment: '0.7500',
            fulfilled: false,
          },
          {
            signing: { bankId: 'abc', enterpriseId: 'ent-b' },
            intendedAmount: '1000000.00',
            approvedAmount: '1000000.00',
            approvals: 2,
            firstApprovedOn: today,
            fulfilment: '1.0000',
            fulfilled: true,
          },
        ]);
        expect(await outcomes('pboc')).toEqual(all);
      });

      it('shows a bank and an enterprise only their own signings’ outcomes', async () => {
        const bank = await outcomes('bank', 'icbc');
        expect(bank.map((o: any) => o.signing)).toEqual([
          { bankId: 'icbc', enterpriseId: 'ent-a' },
        ]);
        const enterprise = await outcomes('enterprise', 'ent-b');
        expect(enterprise.map((o: any) => o.signing)).toEqual([
          { bankId: 'abc', enterpriseId: 'ent-b' },
        ]);
        expect(await outcomes('bank', 'boc')).toEqual([]);
      });

      it('gives the technology bureau the totals but not the per-signing credit', async () => {
        const denied = await graph.query(OUTCOMES, { id: eventId }, await as('tech_bureau'));
        expect(denied.body.data.signingEvent).toMatchObject({ id: eventId, outcomes: null });
        expect(refusal(denied).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        const { signingEvent } = ok(
          await graph.query(SUMMARY, { id: eventId }, await as('tech_bureau')),
        );
        expect(signingEvent.summary).toEqual({
          registeredBanks: 2,
          registeredEnterprises: 2,
          signings: 2,
          intendedAmount: '3000000.00',
          approvedAmount: '2500000.00',
          fulfilledSignings: 1,
          fulfilment: '0.8333',
        });
        for (const [party, org] of [
          ['bank', 'icbc'],
          ['enterprise', 'ent-a'],
        ] as [Party, string][]) {
          const response = await graph.query(SUMMARY, { id: eventId }, await as(party, org));
          expect(response.body.data.signingEvent.summary).toBeNull();
          expect(refusal(response).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        }
      });
    });

    describe('signingEvents', () => {
      it('lists events by day, filtered and paged', async () => {
        const token = await as('enterprise', 'ent-a');
        const far = shift(today, 30);
        const a = await schedule({ heldOn: far, title: '远期对接会A' });
        const b = await schedule({ heldOn: far, title: '远期对接会B' });
        const c = await schedule({ heldOn: shift(far, 1), title: '远期对接会C' });
        ok(await graph.query(CANCEL, { id: c.id, reason: '合并' }, await as('finance_office')));
        const window = ok(
          await graph.query(LIST, { filter: { from: far, to: shift(far, 1) }, first: 10 }, token),
        ).signingEvents.nodes;
        expect(window).toHaveLength(3);
        expect(new Set(window.slice(0, 2).map((e: { id: string }) => e.id))).toEqual(
          new Set([a.id, b.id]),
        );
        expect(window[2]).toMatchObject({ id: c.id, status: 'CANCELLED' });
        const scheduled = ok(
          await graph.query(
            LIST,
            { filter: { from: far, statuses: ['SCHEDULED'] }, first: 1 },
            token,
          ),
        ).signingEvents;
        expect(scheduled.nodes).toHaveLength(1);
        expect(scheduled.pageInfo.hasNextPage).toBe(true);
        const next = ok(
          await graph.query(
            LIST,
            {
              filter: { from: far, statuses: ['SCHEDULED'] },
              first: 1,
              after: scheduled.pageInfo.endCursor,
            },
            token,
          ),
        ).signingEvents;
        expect(next.nodes).toHaveLength(1);
        expect(next.pageInfo.hasNextPage).toBe(false);
        expect(new Set([scheduled.nodes[0].id, next.nodes[0].id])).toEqual(new Set([a.id, b.id]));
        const reversed = refusal(
          await graph.query(LIST, { filter: { from: far, to: today } }, token),
        );
        expect(reversed).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.to' });
      });
    });
  });
}
