import { eq, sql } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import type { Db } from '../../kernel/db.js';
import { badInput, conflict, forbidden, notFound } from '../../kernel/errors.js';
import type { BankEventInput, Resolvers } from '../generated/resolvers.js';
import type { NeedRow } from '../repository.js';
import { financingNeeds } from '../tables.js';
import { checkProductRules } from './product-rules.js';
import { bankEvents } from './tables.js';

export type BankEventRow = typeof bankEvents.$inferSelect;

export const BANK_EVENT_KINDS = [
  'SOLUTION_PROPOSED',
  'CREDIT_APPROVED',
  'LOAN_DISBURSED',
  'LOAN_REPAID',
  'LOAN_OVERDUE',
  'LOAN_DEFAULTED',
] as const;
export type BankEventKind = (typeof BANK_EVENT_KINDS)[number];

export type { BankEventInput };

export interface BankEventReceipt {
  key: string;
  enterpriseId: string;
  needId: string | null;
  needStatus: string | null;
  replayed: boolean;
}

/**
 * A ledger that follows the bank events, written in the same transaction as the event (e.g. the
 * 4321 loss shares of a default). A follower that throws undoes the event.
 */
export type BankEventFollower = (tx: Db, event: BankEventRow) => Promise<void>;

/** Where each kind may find the need, and where it leaves it. */
const TRANSITIONS: Partial<Record<BankEventKind, { from: string[]; to: string }>> = {
  SOLUTION_PROPOSED: { from: ['ASSIGNED', 'SOLUTION_PROPOSED'], to: 'SOLUTION_PROPOSED' },
  CREDIT_APPROVED: {
    from: ['SOLUTION_PROPOSED', 'CREDIT_APPROVED', 'DISBURSED'],
    to: 'CREDIT_APPROVED',
  },
  LOAN_DISBURSED: { from: ['CREDIT_APPROVED', 'DISBURSED'], to: 'DISBURSED' },
};
/** A need further along keeps its status when an earlier kind of event arrives for it. */
const ORDER = ['ASSIGNED', 'SOLUTION_PROPOSED', 'CREDIT_APPROVED', 'DISBURSED'];

/**
 * Records what the banks did, as the `banks` subgraph reports it on a bank's behalf, and moves the
 * need along (ASSIGNED → SOLUTION_PROPOSED → CREDIT_APPROVED → DISBURSED). Idempotent by the
 * bank's key: `banks` reports before it commits its own write and reports again when the bank
 * retries, so a write that failed half-way on either side completes on the retry.
 */
/**
 * The enterprise an event is about: its need's, which a named enterprise must match. A solution
 * or an approval belongs to a need, and finds it in a state its kind may follow.
 */
function eventSubject(input: BankEventInput, need: NeedRow | undefined): string {
  const enterpriseId = need?.enterpriseId ?? input.enterpriseId;
  if (!enterpriseId) throw badInput('input.enterpriseId', 'required when no need is named');
  if (need && input.enterpriseId && input.enterpriseId !== need.enterpriseId) {
    throw badInput('input.enterpriseId', `need "${need.id}" belongs to another enterprise`);
  }
  const transition = TRANSITIONS[input.kind];
  if (transition && (input.kind === 'SOLUTION_PROPOSED' || input.kind === 'CREDIT_APPROVED')) {
    if (!need) throw badInput('input.needId', `a ${input.kind} event belongs to a need`);
  }
  if (need && transition && !transition.from.includes(need.status)) {
    throw conflict(
      `financing need "${need.id}" is ${need.status}: ${describe(input.kind)} needs it ` +
        `${transition.from.join(' or ')}`,
    );
  }
  return enterpriseId;
}

/** Moves the need forward to where the event leaves it (never back); returns its status. */
async function advanceNeed(db: Db, need: NeedRow, kind: BankEventKind): Promise<string> {
  const transition = TRANSITIONS[kind];
  if (!transition || ORDER.indexOf(transition.to) <= ORDER.indexOf(need.status)) {
    return need.status;
  }
  const [moved] = await db
    .update(financingNeeds)
    .set({
      status: transition.to,
      ...(kind === 'SOLUTION_PROPOSED'
        ? {
            solutionProposedAt: sql`coalesce(${financingNeeds.solutionProposedAt}, now())`,
            // Proposing a solution answers the assignment, if the bank had not yet.
            acceptedAt: sql`coalesce(${financingNeeds.acceptedAt}, now())`,
          }
        : {}),
    })
    .where(eq(financingNeeds.id, need.id))
    .returning({ status: financingNeeds.status });
  return moved.status;
}

export class BankEventLedger {
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
    private readonly followers: readonly BankEventFollower[] = [],
  ) {}

  /**
   * A refusal reaches the bank's own client, whose mutation (`proposeSolution`, `disburseLoan` …)
   * this event mirrors: fields are named by their path in that mutation's arguments.
   */
  async record(input: BankEventInput): Promise<BankEventReceipt> {
    if (this.caller.actor !== 'banks' || this.caller.party !== 'bank' || !this.caller.org) {
      throw forbidden('bank events are reported by the banks subgraph on a bank’s behalf');
    }
    const bankId = this.caller.org;
    if (!input.key.trim() || input.key.length > 200) {
      throw badInput('idempotencyKey', 'an idempotency key of 1 to 200 characters');
    }
    const key = `${bankId}:${input.key}`;
    return this.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      const [earlier] = await db.select().from(bankEvents).where(eq(bankEvents.key, key));
      if (earlier) return this.replay(db, earlier, input);

      const need = input.needId ? await this.lockNeed(db, input.needId, bankId) : undefined;
      const enterpriseId = eventSubject(input, need);
      await checkProductRules(db, {
        bankId,
        kind: input.kind,
        enterpriseId,
        productIds: input.productIds ?? [],
        rate: input.rate,
      });

      const [row] = await db
        .insert(bankEvents)
        .values({
          key,
          kind: input.kind,
          bankId,
          enterpriseId,
          needId: need?.id ?? null,
          solutionId: input.solutionId ?? null,
          creditLineId: input.creditLineId ?? null,
          loanId: input.loanId ?? null,
          productIds: input.productIds ?? [],
          amountFen: input.amount,
          rate: input.rate ?? null,
          termMonths: input.termMonths ?? null,
          firstLoan: input.firstLoan ?? null,
          relendingQuotaId: input.relendingQuotaId ?? null,
          occurredOn: input.occurredOn,
        })
        .onConflictDoNothing()
        .returning();
      if (!row) {
        // The same report, racing this one, committed first.
        const [winner] = await db.select().from(bankEvents).where(eq(bankEvents.key, key));
        return this.replay(db, winner, input);
      }

      const status = need ? await advanceNeed(db, need, input.kind) : null;
      for (const follow of this.followers) await follow(db, row);
      return {
        key: input.key,
        enterpriseId,
        needId: need?.id ?? null,
        needStatus: status,
        replayed: false,
      };
    });
  }

  /** The need, locked, if this bank is its main bank; a need of another bank does not exist for it. */
  private async lockNeed(db: Db, needId: string, bankId: string): Promise<NeedRow> {
    const [need] = await db
      .select()
      .from(financingNeeds)
      .where(eq(financingNeeds.id, needId))
      .for('update');
    if (!need || need.mainBankId !== bankId) throw notFound('financing need', needId);
    return need;
  }

  /** A repeated report: the same write gets the first answer; another write under its key, a conflict. */
  private async replay(
    db: Db,
    earlier: BankEventRow,
    input: BankEventInput,
  ): Promise<BankEventReceipt> {
    const same =
      earlier.kind === input.kind &&
      earlier.needId === (input.needId ?? null) &&
      earlier.loanId === (input.loanId ?? null) &&
      earlier.creditLineId === (input.creditLineId ?? null) &&
      earlier.amountFen === input.amount;
    if (!same) {
      throw conflict(`idempotency key "${input.key}" was already used for a different write`);
    }
    let needStatus: string | null = null;
    if (earlier.needId) {
      const [need] = await db
        .select({ status: financingNeeds.status })
        .from(financingNeeds)
        .where(eq(financingNeeds.id, earlier.needId));
      needStatus = need?.status ?? null;
    }
    return {
      key: input.key,
      enterpriseId: earlier.enterpriseId,
      needId: earlier.needId,
      needStatus,
      replayed: true,
    };
  }
}

function describe(kind: BankEventKind): string {
  switch (kind) {
    case 'SOLUTION_PROPOSED':
      return 'a solution (一企一策)';
    case 'CREDIT_APPROVED':
      return 'a credit approval';
    case 'LOAN_DISBURSED':
      return 'a loan';
    default:
      return kind.toLowerCase().replace('_', ' ');
  }
}

export const bankEventResolvers: Resolvers = {
  Mutation: {
    _recordBankEvent: (_, { event }, { bankEvents }) => bankEvents.record(event),
  },
};
