import { randomUUID } from 'node:crypto';
import { and, asc, eq, getTableColumns, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import * as clock from '../../kernel/clock.js';
import type { Db } from '../../kernel/db.js';
import { badInput, conflict, forbidden, notFound } from '../../kernel/errors.js';
import { groupLoader, rowLoader } from '../../kernel/loader.js';
import { fenToYuan } from '../../kernel/money.js';
import { pageOf } from '../../kernel/pagination.js';
import { anyOf } from '../../kernel/sql.js';
import type {
  RecordCreditSigningInput,
  Resolvers,
  ScheduleSigningEventInput,
  SigningEventFilter,
} from '../generated/resolvers.js';
import { MAX_NEED_AMOUNT_FEN, MAX_TERM_MONTHS, bankId } from '../needs/index.js';
import { bankEvents } from '../bank-events/index.js';
import { creditSignings, signingEventRegistrations, signingEvents } from './tables.js';
import { boundedText, optionalText } from '../../kernel/text.js';

export type SigningEventRow = typeof signingEvents.$inferSelect;
export type RegistrationRow = typeof signingEventRegistrations.$inferSelect;
export type SigningRow = typeof creditSignings.$inferSelect;
export type OutcomeRow = SigningRow & {
  approvedFen: number;
  approvals: number;
  firstApprovedOn: string | null;
};
export interface SummaryRow {
  registeredBanks: number;
  registeredEnterprises: number;
  signings: number;
  intendedFen: number;
  approvedFen: number;
  fulfilledSignings: number;
}

const MAX_TITLE_CHARS = 200;
const MAX_DESCRIPTION_CHARS = 2000;
const MAX_NOTE_CHARS = 500;
const ORG_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const NO_ROWS = sql`false`;

/** approved ÷ intended with four decimals, rounded down, exactly. */
export function fulfilment(approvedFen: number, intendedFen: number): string {
  if (intendedFen <= 0) return '0.0000';
  const ratio = (BigInt(approvedFen) * 10_000n) / BigInt(intendedFen);
  return `${ratio / 10_000n}.${(ratio % 10_000n).toString().padStart(4, '0')}`;
}

/**
 * 信贷签约活动 / 银企对接会 (SPEC 三(四)): the finance office schedules events, banks and
 * enterprises register themselves, the intended credit signed there is recorded and compared with
 * the credit the banks go on to approve. Each write is one transaction holding the event's row,
 * so a cancellation, a withdrawal and a signing on one event never interleave.
 */
export class SigningEvents {
  readonly event;
  readonly registrations;
  readonly signings;
  readonly outcomes;
  /** Every signing's outcome, whoever asks: only the totals leave, to agencies. */
  private readonly allOutcomes;

  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {
    this.event = rowLoader(
      (ids) => this.db.select().from(signingEvents).where(anyOf(signingEvents.id, ids)),
      (row) => row.id,
    );
    this.registrations = groupLoader(
      (ids) =>
        this.db
          .select()
          .from(signingEventRegistrations)
          .where(anyOf(signingEventRegistrations.eventId, ids))
          .orderBy(asc(signingEventRegistrations.registeredAt), asc(signingEventRegistrations.id)),
      (row) => row.eventId,
    );
    this.signings = groupLoader(
      (ids) =>
        this.db
          .select()
          .from(creditSignings)
          .where(anyOf(creditSignings.eventId, ids))
          .orderBy(asc(creditSignings.recordedAt), asc(creditSignings.id)),
      (row) => row.eventId,
    );
    this.outcomes = groupLoader(
      (ids) => this.outcomesOf(ids, this.outcomeScope()),
      (row) => row.eventId,
    );
    this.allOutcomes = groupLoader(
      (ids) => this.outcomesOf(ids, undefined),
      (row) => row.eventId,
    );
  }

  /** Agencies see every outcome, a bank and an enterprise those of their own signings. */
  private outcomeScope(): SQL | undefined {
    switch (this.caller.party) {
      case 'finance_office':
      case 'pboc':
        return undefined;
      case 'bank':
        return this.caller.org ? eq(creditSignings.bankId, this.caller.org) : NO_ROWS;
      case 'enterprise':
        return this.caller.org ? eq(creditSignings.enterpriseId, this.caller.org) : NO_ROWS;
      default:
        return NO_ROWS;
    }
  }

  /**
   * Each signing with the credit its bank approved its enterprise from the event's day on
   * (CREDIT_APPROVED reports in the bank-event ledger), in one grouped statement.
   */
  private async outcomesOf(eventIds: readonly string[], scope: SQL | undefined) {
    const rows = await this.db
      .select({
        ...getTableColumns(creditSignings),
        approvedFen: sql<string>`coalesce(sum(${bankEvents.amountFen}), 0)::text`,
        approvals: sql<number>`count(${bankEvents.key})::int`,
        firstApprovedOn: sql<string | null>`min(${bankEvents.occurredOn})::text`,
      })
      .from(creditSignings)
      .innerJoin(signingEvents, eq(signingEvents.id, creditSignings.eventId))
      .leftJoin(
        bankEvents,
        and(
          eq(bankEvents.kind, 'CREDIT_APPROVED'),
          eq(bankEvents.bankId, creditSignings.bankId),
          eq(bankEvents.enterpriseId, creditSignings.enterpriseId),
          gte(bankEvents.occurredOn, signingEvents.heldOn),
        ),
      )
      .where(and(anyOf(creditSignings.eventId, eventIds), scope))
      .groupBy(creditSignings.id)
      .orderBy(asc(creditSignings.recordedAt), asc(creditSignings.id));
    return rows.map((row): OutcomeRow => ({
      ...row,
      approvedFen: Number(row.approvedFen),
      approvals: Number(row.approvals),
    }));
  }

  /** The event's totals over every signing: the field is open only to agencies. */
  async summary(event: SigningEventRow): Promise<SummaryRow> {
    const [outcomes, registrations] = await Promise.all([
      this.allOutcomes.load(event.id),
      this.registrations.load(event.id),
    ]);
    return {
      registeredBanks: registrations.filter((r) => r.registrantKind === 'BANK').length,
      registeredEnterprises: registrations.filter((r) => r.registrantKind === 'ENTERPRISE').length,
      signings: outcomes.length,
      intendedFen: outcomes.reduce((sum, o) => sum + o.intendedAmountFen, 0),
      approvedFen: outcomes.reduce((sum, o) => sum + o.approvedFen, 0),
      fulfilledSignings: outcomes.filter((o) => o.approvedFen >= o.intendedAmountFen).length,
    };
  }

  async list(filter: SigningEventFilter, limit: number, after?: string) {
    const conditions: (SQL | undefined)[] = [];
    if (after) {
      const [heldOn, id] = after.split('|');
      if (!heldOn || !id) throw badInput('after', 'is not a cursor returned by this API');
      conditions.push(
        sql`(${signingEvents.heldOn}, ${signingEvents.id}) > (${heldOn}::date, ${id})`,
      );
    }
    if (filter.from && filter.to && filter.from > filter.to) {
      throw badInput('filter.to', `must not be before from (${filter.from})`);
    }
    if (filter.from) conditions.push(gte(signingEvents.heldOn, filter.from));
    if (filter.to) conditions.push(lte(signingEvents.heldOn, filter.to));
    if (filter.statuses?.length) conditions.push(inArray(signingEvents.status, filter.statuses));
    return this.db
      .select()
      .from(signingEvents)
      .where(and(...conditions))
      .orderBy(asc(signingEvents.heldOn), asc(signingEvents.id))
      .limit(limit + 1);
  }

  private requireFinanceOffice(what: string): string {
    if (this.caller.party !== 'finance_office') throw forbidden(`only the finance office ${what}`);
    return this.caller.sub;
  }

  /** The calling bank or enterprise, as a registrant. */
  private registrant(): { kind: 'BANK' | 'ENTERPRISE'; id: string } {
    if ((this.caller.party === 'bank' || this.caller.party === 'enterprise') && this.caller.org) {
      return { kind: this.caller.party === 'bank' ? 'BANK' : 'ENTERPRISE', id: this.caller.org };
    }
    throw forbidden('only a bank or an enterprise registers itself for a signing event');
  }

  private async lockEvent(tx: Db, id: string, mode: 'update' | 'share') {
    const [event] = await tx.select().from(signingEvents).where(eq(signingEvents.id, id)).for(mode);
    if (!event) throw notFound('signing event', id);
    return event;
  }

  async schedule(input: ScheduleSigningEventInput): Promise<SigningEventRow> {
    const createdBy = this.requireFinanceOffice('schedules signing events');
    const title = boundedText(input.title, 'input.title', MAX_TITLE_CHARS);
    const place = boundedText(input.place, 'input.place', MAX_TITLE_CHARS);
    const description = optionalText(input.description, 'input.description', MAX_DESCRIPTION_CHARS);
    const today = clock.today();
    if (input.heldOn < today) {
      throw badInput('input.heldOn', `must be today (${today}) or later, got ${input.heldOn}`);
    }
    const [row] = await this.db
      .insert(signingEvents)
      .values({
        id: `sev-${randomUUID()}`,
        title,
        heldOn: input.heldOn,
        place,
        description,
        status: 'SCHEDULED',
        createdBy,
      })
      .returning();
    return row;
  }

  async cancel(id: string, reasonText: string): Promise<SigningEventRow> {
    this.requireFinanceOffice('cancels signing events');
    const reason = boundedText(reasonText, 'reason', MAX_NOTE_CHARS);
    return this.db.transaction(async (tx) => {
      const event = await this.lockEvent(tx as unknown as Db, id, 'update');
      if (event.status === 'CANCELLED') {
        throw conflict(`signing event "${id}" is already cancelled`);
      }
      const today = clock.today();
      if (event.heldOn < today) {
        throw conflict(`signing event "${id}" was held on ${event.heldOn}: it cannot be cancelled`);
      }
      const [signed] = await tx
        .select({ id: creditSignings.id })
        .from(creditSignings)
        .where(eq(creditSignings.eventId, id))
        .limit(1);
      if (signed) {
        throw conflict(`signing event "${id}" has signings recorded: it cannot be cancelled`);
      }
      const [row] = await tx
        .update(signingEvents)
        .set({ status: 'CANCELLED', cancelReason: reason, cancelledAt: sql`now()` })
        .where(eq(signingEvents.id, id))
        .returning();
      return row;
    });
  }

  async register(
    eventId: string,
    noteText?: string | null,
  ): Promise<{ registration: RegistrationRow; event: SigningEventRow }> {
    const registrant = this.registrant();
    const note = optionalText(noteText, 'note', MAX_NOTE_CHARS);
    return this.db.transaction(async (tx) => {
      // A shared lock: registrations go on side by side, a cancellation waits for them.
      const event = await this.lockEvent(tx as unknown as Db, eventId, 'share');
      if (event.status === 'CANCELLED') {
        throw conflict(`signing event "${eventId}" is cancelled`);
      }
      const today = clock.today();
      if (event.heldOn < today) {
        throw conflict(
          `signing event "${eventId}" was held on ${event.heldOn}: registration is closed`,
        );
      }
      const [registration] = await tx
        .insert(signingEventRegistrations)
        .values({
          id: `sreg-${randomUUID()}`,
          eventId,
          registrantKind: registrant.kind,
          registrantId: registrant.id,
          note,
          registeredBy: this.caller.sub,
        })
        .onConflictDoNothing()
        .returning();
      if (!registration) {
        throw conflict(`${registrant.id} is already registered for signing event "${eventId}"`);
      }
      return { registration, event };
    });
  }

  async withdraw(eventId: string): Promise<SigningEventRow> {
    const registrant = this.registrant();
    return this.db.transaction(async (tx) => {
      const event = await this.lockEvent(tx as unknown as Db, eventId, 'update');
      const today = clock.today();
      if (event.heldOn < today) {
        throw conflict(`signing event "${eventId}" was held on ${event.heldOn}: it is closed`);
      }
      const party =
        registrant.kind === 'BANK' ? creditSignings.bankId : creditSignings.enterpriseId;
      const [signed] = await tx
        .select({ id: creditSignings.id })
        .from(creditSignings)
        .where(and(eq(creditSignings.eventId, eventId), eq(party, registrant.id)))
        .limit(1);
      if (signed) {
        throw conflict(
          `${registrant.id} has signed at signing event "${eventId}": its registration stays`,
        );
      }
      const [removed] = await tx
        .delete(signingEventRegistrations)
        .where(
          and(
            eq(signingEventRegistrations.eventId, eventId),
            eq(signingEventRegistrations.registrantKind, registrant.kind),
            eq(signingEventRegistrations.registrantId, registrant.id),
          ),
        )
        .returning({ id: signingEventRegistrations.id });
      if (!removed) throw notFound(`registration for signing event`, eventId);
      return event;
    });
  }

  async recordSigning(input: RecordCreditSigningInput): Promise<SigningRow> {
    const recordedBy = this.requireFinanceOffice('records the credit signed at an event');
    const bank = bankId(input.bankId, 'input.bankId');
    checkSigning(input);
    const note = optionalText(input.note, 'input.note', MAX_NOTE_CHARS);
    return this.db.transaction(async (tx) => {
      const event = await this.lockEvent(tx as unknown as Db, input.eventId, 'update');
      if (event.status === 'CANCELLED') {
        throw conflict(`signing event "${event.id}" is cancelled`);
      }
      const today = clock.today();
      if (event.heldOn > today) {
        throw conflict(
          `signing event "${event.id}" is held on ${event.heldOn}: signings are recorded from that day`,
        );
      }
      await requireRegistered(tx as unknown as Db, event.id, bank, input.enterpriseId);
      const [row] = await tx
        .insert(creditSignings)
        .values({
          id: `sgn-${randomUUID()}`,
          eventId: event.id,
          bankId: bank,
          enterpriseId: input.enterpriseId,
          intendedAmountFen: input.intendedAmount,
          termMonths: input.termMonths ?? null,
          note,
          recordedBy,
        })
        .onConflictDoNothing()
        .returning();
      if (!row) {
        throw conflict(
          `a signing between "${bank}" and "${input.enterpriseId}" is already recorded for signing event "${event.id}"`,
        );
      }
      return row;
    });
  }
}

/** The rules of a signing that need no database: the enterprise's id, the amount, the term. */
function checkSigning(input: RecordCreditSigningInput): void {
  if (!ORG_ID.test(input.enterpriseId)) {
    throw badInput(
      'input.enterpriseId',
      `"${input.enterpriseId}" is not an enterprise id (1–64 letters, digits, "-" or "_")`,
    );
  }
  if (
    !Number.isSafeInteger(input.intendedAmount) ||
    input.intendedAmount <= 0 ||
    input.intendedAmount > MAX_NEED_AMOUNT_FEN
  ) {
    throw badInput(
      'input.intendedAmount',
      `must be more than 0 and at most ${fenToYuan(MAX_NEED_AMOUNT_FEN)} yuan, got ${fenToYuan(input.intendedAmount)}`,
    );
  }
  if (
    input.termMonths != null &&
    (!Number.isInteger(input.termMonths) ||
      input.termMonths < 1 ||
      input.termMonths > MAX_TERM_MONTHS)
  ) {
    throw badInput(
      'input.termMonths',
      `must be a whole number of months from 1 to ${MAX_TERM_MONTHS}, got ${input.termMonths}`,
    );
  }
}

/** A signing is between a bank and an enterprise both registered for the event. */
async function requireRegistered(
  db: Db,
  eventId: string,
  bank: string,
  enterpriseId: string,
): Promise<void> {
  const registered = await db
    .select({
      kind: signingEventRegistrations.registrantKind,
      id: signingEventRegistrations.registrantId,
    })
    .from(signingEventRegistrations)
    .where(
      and(
        eq(signingEventRegistrations.eventId, eventId),
        inArray(signingEventRegistrations.registrantId, [bank, enterpriseId]),
      ),
    );
  const has = (kind: string, id: string) => registered.some((r) => r.kind === kind && r.id === id);
  if (!has('BANK', bank)) {
    throw badInput(
      'input.bankId',
      `bank "${bank}" is not registered for signing event "${eventId}"`,
    );
  }
  if (!has('ENTERPRISE', enterpriseId)) {
    throw badInput(
      'input.enterpriseId',
      `enterprise "${enterpriseId}" is not registered for signing event "${eventId}"`,
    );
  }
}

export const signingEventResolvers: Resolvers = {
  Query: {
    signingEvent: (_, { id }, { signingEvents }) => signingEvents.event.load(id),
    signingEvents: (_, args, { signingEvents, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => signingEvents.list(args.filter ?? {}, limit, after),
        (row) => `${row.heldOn}|${row.id}`,
      ),
  },
  Mutation: {
    scheduleSigningEvent: async (_, { input }, { signingEvents }) => ({
      event: await signingEvents.schedule(input),
    }),
    cancelSigningEvent: async (_, { id, reason }, { signingEvents }) => ({
      event: await signingEvents.cancel(id, reason),
    }),
    registerForSigningEvent: (_, { eventId, note }, { signingEvents }) =>
      signingEvents.register(eventId, note),
    withdrawSigningEventRegistration: async (_, { eventId }, { signingEvents }) => ({
      event: await signingEvents.withdraw(eventId),
    }),
    recordCreditSigning: async (_, { input }, { signingEvents }) => ({
      signing: await signingEvents.recordSigning(input),
    }),
  },
  SigningEvent: {
    registrationOpen: (row) => row.status === 'SCHEDULED' && row.heldOn >= clock.today(),
    registrations: (row, _, { signingEvents }) => signingEvents.registrations.load(row.id),
    signings: (row, _, { signingEvents }) => signingEvents.signings.load(row.id),
    summary: (row, _, { signingEvents }) => signingEvents.summary(row),
    outcomes: (row, _, { signingEvents }) => signingEvents.outcomes.load(row.id),
  },
  SigningEventRegistration: {
    kind: (row) => row.registrantKind,
    bank: (row) => (row.registrantKind === 'BANK' ? { id: row.registrantId } : null),
    enterprise: (row) =>
      row.registrantKind === 'ENTERPRISE'
        ? { __typename: 'Enterprise', id: row.registrantId }
        : null,
  },
  CreditSigning: {
    bank: (row) => ({ id: row.bankId }),
    enterprise: (row) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    intendedAmount: (row) => row.intendedAmountFen,
  },
  SigningOutcome: {
    signing: (row) => row,
    intendedAmount: (row) => row.intendedAmountFen,
    approvedAmount: (row) => row.approvedFen,
    fulfilment: (row) => fulfilment(row.approvedFen, row.intendedAmountFen),
    fulfilled: (row) => row.approvedFen >= row.intendedAmountFen,
  },
  SigningEventSummary: {
    intendedAmount: (row) => row.intendedFen,
    approvedAmount: (row) => row.approvedFen,
    fulfilment: (row) => fulfilment(row.approvedFen, row.intendedFen),
  },
};
