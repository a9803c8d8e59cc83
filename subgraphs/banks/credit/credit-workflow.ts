import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import { addMonths, today } from '../../kernel/clock.js';
import type { Db } from '../../kernel/db.js';
import { badInput, conflict, forbidden, notFound } from '../../kernel/errors.js';
import { fenToYuan, parseRate } from '../../kernel/money.js';
import type { PeerClient } from '../../kernel/peers.js';
import { boundedText } from '../../kernel/text.js';
import type {
  ApproveCreditLineInput,
  DeferLoanInput,
  DisburseLoanInput,
  ProposeSolutionInput,
  RepayLoanInput,
  Resolvers,
} from '../generated/resolvers.js';
import type { CreditLineRow, LoanRow, SolutionRow } from '../repository.js';
import {
  creditLines,
  financingSolutions,
  loanDeferrals,
  loans,
  loanStatusEvents,
} from '../tables.js';
import { bankRequests } from './tables.js';

/** What finance answers when it records a bank's write (its `_recordBankEvent`). */
interface Receipt {
  enterpriseId: string;
  needId: string | null;
  needStatus: string | null;
}

const RECORD_EVENT = `mutation RecordBankEvent($event: BankEventInput!) {
  _recordBankEvent(event: $event) { enterpriseId needId needStatus replayed }
}`;

const MAX_AMOUNT_FEN = 100_000_000_000_00; // ¥100 billion: beyond any single sci-tech credit.

function positiveAmount(fen: number, field: string): number {
  if (!Number.isSafeInteger(fen) || fen <= 0) throw badInput(field, 'must be more than zero');
  if (fen > MAX_AMOUNT_FEN) throw badInput(field, 'must be at most 10000000000.00');
  return fen;
}

function termMonths(value: number, field = 'input.termMonths'): number {
  if (!Number.isInteger(value) || value < 1 || value > 360) {
    throw badInput(field, 'must be a whole number of months from 1 to 360');
  }
  return value;
}

function positiveRate(value: string, field = 'input.rate'): string {
  const rate = parseRate(value, field);
  if (Number(rate) <= 0) throw badInput(field, 'must be more than zero');
  return rate;
}

function id(value: string, field: string): string {
  const trimmed = value.trim();
  if (!trimmed || trimmed.length > 100) throw badInput(field, 'an id of 1 to 100 characters');
  return trimmed;
}

/**
 * The bank's credit line a loan draws on, locked, checked to be in its term on the disbursement
 * date and to have room for the amount. The row lock serialises loans on one line, so two cannot
 * both fit in its room.
 */
async function lineWithRoom(
  tx: Db,
  bankId: string,
  loan: { creditLineId: string; amountFen: number; disbursedOn: string },
): Promise<CreditLineRow> {
  const [line] = await tx
    .select()
    .from(creditLines)
    .where(and(eq(creditLines.id, loan.creditLineId), eq(creditLines.bankId, bankId)))
    .for('update');
  if (!line) throw notFound('credit line', loan.creditLineId);
  if (loan.disbursedOn < line.approvedOn) {
    throw badInput(
      'input.disbursedOn',
      `must not be before the line's approval (${line.approvedOn})`,
    );
  }
  const lineEnds = addMonths(line.approvedOn, line.termMonths);
  if (loan.disbursedOn > lineEnds) {
    throw badInput('input.disbursedOn', `the line's term ended on ${lineEnds}`);
  }
  const [{ outstanding }] = await tx
    .select({ outstanding: sql<string>`coalesce(sum(${loans.outstandingFen}), 0)::text` })
    .from(loans)
    .where(eq(loans.creditLineId, line.id));
  const room = line.amountFen - Number(outstanding);
  if (loan.amountFen > room) {
    throw badInput(
      'input.amount',
      `exceeds the line's room: ${fenToYuan(room)} of ${fenToYuan(line.amountFen)} is undrawn`,
    );
  }
  return line;
}

/**
 * 首贷: whether no bank lent to the enterprise before. The lock makes two first loans from two
 * banks at once impossible: the second waits and then sees the first.
 */
async function isFirstLoan(tx: Db, enterpriseId: string): Promise<boolean> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`first-loan:${enterpriseId}`}, 0))`,
  );
  const [earlier] = await tx
    .select({ id: loans.id })
    .from(loans)
    .where(eq(loans.enterpriseId, enterpriseId))
    .limit(1);
  return !earlier;
}

function fingerprint(operation: string, input: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, input]))
    .digest('base64url');
}

interface Outcome<T> {
  row: T;
  needStatus: string | null;
  replayed: boolean;
}

/**
 * A bank's writes on its credit business: solutions (一企一策), credit lines (授信), loans (放款) and
 * their repayment, overdue and default. Each takes the bank's idempotency key, and each is one
 * transaction here that also reports the write to `finance` (which moves the need and keeps the
 * policy ledgers) before it commits: if finance refuses, nothing is written here; if the commit
 * here fails after finance recorded it, the retry with the same key finds finance's record and
 * completes. Ids are derived from the bank and its key, so a retry names the same objects.
 */
export class CreditWorkflow {
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
    private readonly peers: PeerClient,
  ) {}

  private bankId(): string {
    if (this.caller.party !== 'bank' || !this.caller.org) {
      throw forbidden('only a bank writes its solutions, credit lines and loans');
    }
    return this.caller.org;
  }

  private objectId(prefix: string, bankId: string, key: string): string {
    return `${prefix}-${createHash('sha256').update(`${bankId}:${key}`).digest('hex').slice(0, 24)}`;
  }

  private report(event: Record<string, unknown>): Promise<Receipt> {
    return this.peers
      .request<{ _recordBankEvent: Receipt }>('finance', RECORD_EVENT, { event })
      .then((data) => data._recordBankEvent);
  }

  /**
   * Runs `write` once per (bank, key). The key's row is inserted first: a concurrent retry waits
   * on it, then finds it and gets the first result.
   */
  private async idempotent<T>(
    operation: string,
    key: string,
    input: unknown,
    write: (tx: Db, bankId: string) => Promise<{ id: string; needStatus?: string | null }>,
    load: (tx: Db, id: string) => Promise<T>,
  ): Promise<Outcome<T>> {
    const bankId = this.bankId();
    if (!key.trim() || key.length > 200) {
      throw badInput('idempotencyKey', 'a key of 1 to 200 characters, unique per request');
    }
    const print = fingerprint(operation, input);
    return this.db.transaction(async (transaction) => {
      const tx = transaction as unknown as Db;
      const [claimed] = await tx
        .insert(bankRequests)
        .values({ bankId, key, operation, fingerprint: print, resultId: '' })
        .onConflictDoNothing()
        .returning({ key: bankRequests.key });
      if (!claimed) {
        const [earlier] = await tx
          .select()
          .from(bankRequests)
          .where(and(eq(bankRequests.bankId, bankId), eq(bankRequests.key, key)));
        if (earlier.operation !== operation || earlier.fingerprint !== print) {
          throw conflict(
            `idempotencyKey "${key}" was already used for a different request (${earlier.operation})`,
          );
        }
        const result = earlier.result as { needStatus?: string | null };
        return {
          row: await load(tx, earlier.resultId),
          needStatus: result.needStatus ?? null,
          replayed: true,
        };
      }
      const written = await write(tx, bankId);
      await tx
        .update(bankRequests)
        .set({ resultId: written.id, result: { needStatus: written.needStatus ?? null } })
        .where(and(eq(bankRequests.bankId, bankId), eq(bankRequests.key, key)));
      return {
        row: await load(tx, written.id),
        needStatus: written.needStatus ?? null,
        replayed: false,
      };
    });
  }

  async proposeSolution(input: ProposeSolutionInput, key: string): Promise<Outcome<SolutionRow>> {
    const needId = id(input.needId, 'input.needId');
    if (input.productIds.length === 0 || input.productIds.length > 10) {
      throw badInput('input.productIds', 'name 1 to 10 of your products');
    }
    const productIds = [
      ...new Set(input.productIds.map((p, i) => id(p, `input.productIds[${i}]`))),
    ];
    const amountFen = positiveAmount(input.amount, 'input.amount');
    const rate = positiveRate(input.rate);
    const term = termMonths(input.termMonths);
    const conditions = boundedText(input.conditions, 'input.conditions', 2000);
    if ((input.cultivationItems ?? []).length > 20) {
      throw badInput('input.cultivationItems', 'at most 20 items of 1 to 500 characters');
    }
    const items = (input.cultivationItems ?? []).map((item, i) =>
      boundedText(item, `input.cultivationItems[${i}]`, 500),
    );
    const clean = { needId, productIds, amountFen, rate, term, conditions, items };
    return this.idempotent(
      'proposeSolution',
      key,
      clean,
      async (tx, bankId) => {
        const solutionId = this.objectId('sol', bankId, key);
        const receipt = await this.report({
          key,
          kind: 'SOLUTION_PROPOSED',
          needId,
          solutionId,
          productIds,
          amount: fenToYuan(amountFen),
          rate,
          termMonths: term,
          occurredOn: today(),
        });
        await tx.insert(financingSolutions).values({
          id: solutionId,
          needId,
          bankId,
          enterpriseId: receipt.enterpriseId,
          productIds,
          amountFen,
          rate,
          termMonths: term,
          conditions,
          cultivationItems: items,
          proposedAt: sql`now()`,
        });
        return { id: solutionId, needStatus: receipt.needStatus };
      },
      async (tx, solutionId) => {
        const [row] = await tx
          .select()
          .from(financingSolutions)
          .where(eq(financingSolutions.id, solutionId));
        return row;
      },
    );
  }

  async approveCreditLine(
    input: ApproveCreditLineInput,
    key: string,
  ): Promise<Outcome<CreditLineRow>> {
    const clean = {
      needId: id(input.needId, 'input.needId'),
      productId: id(input.productId, 'input.productId'),
      amountFen: positiveAmount(input.amount, 'input.amount'),
      rate: positiveRate(input.rate),
      term: termMonths(input.termMonths),
      approvedOn: input.approvedOn ?? today(),
    };
    if (clean.approvedOn > today()) throw badInput('input.approvedOn', 'must not be in the future');
    return this.idempotent(
      'approveCreditLine',
      key,
      clean,
      async (tx, bankId) => {
        const creditLineId = this.objectId('cl', bankId, key);
        const receipt = await this.report({
          key,
          kind: 'CREDIT_APPROVED',
          needId: clean.needId,
          creditLineId,
          productIds: [clean.productId],
          amount: fenToYuan(clean.amountFen),
          rate: clean.rate,
          termMonths: clean.term,
          occurredOn: clean.approvedOn,
        });
        await tx.insert(creditLines).values({
          id: creditLineId,
          bankId,
          enterpriseId: receipt.enterpriseId,
          needId: clean.needId,
          productId: clean.productId,
          amountFen: clean.amountFen,
          rate: clean.rate,
          termMonths: clean.term,
          approvedOn: clean.approvedOn,
        });
        return { id: creditLineId, needStatus: receipt.needStatus };
      },
      (tx, lineId) => loadLine(tx, lineId),
    );
  }

  async disburseLoan(input: DisburseLoanInput, key: string): Promise<Outcome<LoanRow>> {
    const clean = {
      creditLineId: id(input.creditLineId, 'input.creditLineId'),
      amountFen: positiveAmount(input.amount, 'input.amount'),
      disbursedOn: input.disbursedOn ?? today(),
      maturesOn: input.maturesOn,
      relendingQuotaId: input.relendingQuotaId
        ? id(input.relendingQuotaId, 'input.relendingQuotaId')
        : null,
      creditLoan: input.creditLoan ?? false,
    };
    if (clean.disbursedOn > today())
      throw badInput('input.disbursedOn', 'must not be in the future');
    if (clean.maturesOn <= clean.disbursedOn) {
      throw badInput(
        'input.maturesOn',
        `must be after the disbursement date (${clean.disbursedOn})`,
      );
    }
    return this.idempotent(
      'disburseLoan',
      key,
      clean,
      async (tx, bankId) => {
        const line = await lineWithRoom(tx, bankId, clean);
        const firstLoan = await isFirstLoan(tx, line.enterpriseId);
        const loanId = this.objectId('loan', bankId, key);
        await this.report({
          key,
          kind: 'LOAN_DISBURSED',
          needId: line.needId,
          enterpriseId: line.enterpriseId,
          creditLineId: line.id,
          loanId,
          productIds: line.productId ? [line.productId] : [],
          amount: fenToYuan(clean.amountFen),
          rate: line.rate,
          termMonths: line.termMonths,
          firstLoan,
          relendingQuotaId: clean.relendingQuotaId,
          occurredOn: clean.disbursedOn,
        });
        await tx.insert(loans).values({
          id: loanId,
          creditLineId: line.id,
          bankId,
          enterpriseId: line.enterpriseId,
          amountFen: clean.amountFen,
          outstandingFen: clean.amountFen,
          disbursedOn: clean.disbursedOn,
          maturesOn: clean.maturesOn,
          firstLoan,
          status: 'CURRENT',
          relendingQuotaId: clean.relendingQuotaId,
          creditLoan: clean.creditLoan,
        });
        return { id: loanId };
      },
      (tx, loanId) => loadLoan(tx, loanId),
    );
  }

  async repayLoan(input: RepayLoanInput, key: string): Promise<Outcome<LoanRow>> {
    const clean = {
      loanId: id(input.loanId, 'input.loanId'),
      amountFen: positiveAmount(input.amount, 'input.amount'),
      paidOn: input.paidOn ?? today(),
    };
    if (clean.paidOn > today()) throw badInput('input.paidOn', 'must not be in the future');
    return this.changeLoan('repayLoan', key, clean, clean.loanId, async (tx, loan) => {
      if (loan.status === 'REPAID' || loan.status === 'DEFAULTED') {
        throw conflict(`loan "${loan.id}" is ${loan.status}: nothing is owed on it any more`);
      }
      if (clean.paidOn < loan.disbursedOn) {
        throw badInput('input.paidOn', `must not be before the disbursement (${loan.disbursedOn})`);
      }
      if (clean.amountFen > loan.outstandingFen) {
        throw badInput('input.amount', `exceeds the outstanding ${fenToYuan(loan.outstandingFen)}`);
      }
      const outstandingFen = loan.outstandingFen - clean.amountFen;
      await tx
        .update(loans)
        .set({ outstandingFen, ...(outstandingFen === 0 ? { status: 'REPAID' } : {}) })
        .where(eq(loans.id, loan.id));
      return { kind: 'LOAN_REPAID', amountFen: clean.amountFen, occurredOn: clean.paidOn };
    });
  }

  async deferLoan(input: DeferLoanInput, key: string): Promise<Outcome<LoanRow>> {
    const reason = boundedText(input.reason, 'input.reason', 500);
    const clean = { loanId: id(input.loanId, 'input.loanId'), maturesOn: input.maturesOn, reason };
    return this.idempotent(
      'deferLoan',
      key,
      clean,
      async (tx, bankId) => {
        const [loan] = await tx
          .select()
          .from(loans)
          .where(and(eq(loans.id, clean.loanId), eq(loans.bankId, bankId)))
          .for('update');
        if (!loan) throw notFound('loan', clean.loanId);
        if (loan.status !== 'CURRENT' && loan.status !== 'OVERDUE') {
          throw conflict(`loan "${loan.id}" is ${loan.status}: only a live loan is deferred`);
        }
        if (clean.maturesOn <= loan.maturesOn) {
          throw badInput(
            'input.maturesOn',
            `must be after the present maturity (${loan.maturesOn})`,
          );
        }
        if (clean.maturesOn > addMonths(loan.maturesOn, 24)) {
          throw badInput('input.maturesOn', 'a deferral is at most two years');
        }
        await tx.insert(loanDeferrals).values({
          id: this.objectId('def', bankId, key),
          loanId: loan.id,
          bankId,
          fromMaturesOn: loan.maturesOn,
          toMaturesOn: clean.maturesOn,
          reason,
        });
        await tx
          .update(loans)
          .set({ maturesOn: clean.maturesOn, status: 'CURRENT' })
          .where(eq(loans.id, loan.id));
        return { id: loan.id };
      },
      (tx, deferred) => loadLoan(tx, deferred),
    );
  }

  async markOverdue(loanId: string, key: string): Promise<Outcome<LoanRow>> {
    const target = id(loanId, 'loanId');
    return this.changeLoan('markLoanOverdue', key, { loanId: target }, target, async (tx, loan) => {
      if (loan.status !== 'CURRENT') {
        throw conflict(`loan "${loan.id}" is ${loan.status}: only a CURRENT loan becomes overdue`);
      }
      await tx.update(loans).set({ status: 'OVERDUE' }).where(eq(loans.id, loan.id));
      await this.recordStatus(tx, key, loan, 'OVERDUE');
      return { kind: 'LOAN_OVERDUE', amountFen: loan.outstandingFen, occurredOn: today() };
    });
  }

  async markDefaulted(loanId: string, key: string): Promise<Outcome<LoanRow>> {
    const target = id(loanId, 'loanId');
    return this.changeLoan(
      'markLoanDefaulted',
      key,
      { loanId: target },
      target,
      async (tx, loan) => {
        if (loan.status !== 'CURRENT' && loan.status !== 'OVERDUE') {
          throw conflict(
            `loan "${loan.id}" is ${loan.status}: only a CURRENT or OVERDUE loan defaults`,
          );
        }
        await tx.update(loans).set({ status: 'DEFAULTED' }).where(eq(loans.id, loan.id));
        await this.recordStatus(tx, key, loan, 'DEFAULTED');
        return { kind: 'LOAN_DEFAULTED', amountFen: loan.outstandingFen, occurredOn: today() };
      },
    );
  }

  /** 逾期、违约 kept beside the loan's status, which a later deferral or repayment moves on. */
  private async recordStatus(
    tx: Db,
    key: string,
    loan: LoanRow,
    status: 'OVERDUE' | 'DEFAULTED',
  ): Promise<void> {
    await tx.insert(loanStatusEvents).values({
      id: this.objectId('lse', loan.bankId, key),
      loanId: loan.id,
      bankId: loan.bankId,
      enterpriseId: loan.enterpriseId,
      status,
      occurredOn: today(),
      outstandingFen: loan.outstandingFen,
    });
  }

  /** A change to one of the bank's loans, locked, then reported to finance. */
  private changeLoan(
    operation: string,
    key: string,
    input: unknown,
    loanId: string,
    change: (
      tx: Db,
      loan: LoanRow,
    ) => Promise<{ kind: string; amountFen: number; occurredOn: string }>,
  ): Promise<Outcome<LoanRow>> {
    return this.idempotent(
      operation,
      key,
      input,
      async (tx, bankId) => {
        const [loan] = await tx
          .select()
          .from(loans)
          .where(and(eq(loans.id, loanId), eq(loans.bankId, bankId)))
          .for('update');
        if (!loan) throw notFound('loan', loanId);
        const event = await change(tx, loan);
        await this.report({
          key,
          kind: event.kind,
          enterpriseId: loan.enterpriseId,
          creditLineId: loan.creditLineId,
          loanId: loan.id,
          amount: fenToYuan(event.amountFen),
          occurredOn: event.occurredOn,
        });
        return { id: loan.id };
      },
      (tx, changed) => loadLoan(tx, changed),
    );
  }
}

async function loadLine(tx: Db, lineId: string): Promise<CreditLineRow> {
  const [row] = await tx.select().from(creditLines).where(eq(creditLines.id, lineId));
  return row;
}

async function loadLoan(tx: Db, loanId: string): Promise<LoanRow> {
  const [row] = await tx.select().from(loans).where(eq(loans.id, loanId));
  return row;
}

/** A write's payload fields besides the object it wrote. */
function outcomeOf<T>(outcome: Outcome<T>) {
  return { needStatus: outcome.needStatus, replayed: outcome.replayed };
}

/** A loan's payload has no need status: a loan's writes leave the need where it is. */
function loanPayload(outcome: Outcome<LoanRow>) {
  return { loan: outcome.row, replayed: outcome.replayed };
}

export const creditResolvers: Resolvers = {
  Mutation: {
    proposeSolution: async (_, { input, idempotencyKey }, { credit }) => {
      const outcome = await credit.proposeSolution(input, idempotencyKey);
      return { solution: outcome.row, ...outcomeOf(outcome) };
    },
    approveCreditLine: async (_, { input, idempotencyKey }, { credit }) => {
      const outcome = await credit.approveCreditLine(input, idempotencyKey);
      return { creditLine: outcome.row, ...outcomeOf(outcome) };
    },
    disburseLoan: async (_, { input, idempotencyKey }, { credit }) =>
      loanPayload(await credit.disburseLoan(input, idempotencyKey)),
    repayLoan: async (_, { input, idempotencyKey }, { credit }) =>
      loanPayload(await credit.repayLoan(input, idempotencyKey)),
    deferLoan: async (_, { input, idempotencyKey }, { credit }) =>
      loanPayload(await credit.deferLoan(input, idempotencyKey)),
    markLoanOverdue: async (_, { loanId, idempotencyKey }, { credit }) =>
      loanPayload(await credit.markOverdue(loanId, idempotencyKey)),
    markLoanDefaulted: async (_, { loanId, idempotencyKey }, { credit }) =>
      loanPayload(await credit.markDefaulted(loanId, idempotencyKey)),
  },
};
