import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import type { Db } from '../../kernel/db.js';
import { badInput, conflict } from '../../kernel/errors.js';
import { groupLoader, rowLoader } from '../../kernel/loader.js';
import { fenToYuan } from '../../kernel/money.js';
import { pageOf } from '../../kernel/pagination.js';
import { anyOf } from '../../kernel/sql.js';
import { shareLoss } from '../apportion.js';
import { bankEvents, type BankEventFollower, type BankEventRow } from '../bank-events/index.js';
import type { AttachGuaranteeInput, GuaranteeFilter, Resolvers } from '../generated/resolvers.js';
import { guaranteeLosses, guarantees } from './tables.js';
import {
  foreignId,
  ledgerScope,
  MAX_LEDGER_AMOUNT_FEN,
  note,
  requireFinanceOffice,
} from '../workflow-scope.js';

export type GuaranteeRow = typeof guarantees.$inferSelect;
export type GuaranteeLossRow = typeof guaranteeLosses.$inferSelect;

/** The line as its bank last reported it approved (a re-approval supersedes the first report). */
async function approvedLine(db: Db, creditLineId: string): Promise<BankEventRow | undefined> {
  const [line] = await db
    .select()
    .from(bankEvents)
    .where(and(eq(bankEvents.kind, 'CREDIT_APPROVED'), eq(bankEvents.creditLineId, creditLineId)))
    .orderBy(desc(bankEvents.occurredOn), desc(bankEvents.recordedAt))
    .limit(1);
  return line;
}

/** The credit line a loan was drawn on: named by the event, else by the loan's disbursement. */
async function lineOfLoan(db: Db, event: BankEventRow): Promise<string | null> {
  if (event.creditLineId) return event.creditLineId;
  if (!event.loanId) return null;
  const [disbursed] = await db
    .select({ creditLineId: bankEvents.creditLineId })
    .from(bankEvents)
    .where(
      and(
        eq(bankEvents.kind, 'LOAN_DISBURSED'),
        eq(bankEvents.bankId, event.bankId),
        eq(bankEvents.loanId, event.loanId),
      ),
    )
    .limit(1);
  return disbursed?.creditLineId ?? null;
}

/**
 * 担保 "4321" (SPEC 三(十一)): the finance office attaches a guarantee to a bank's credit line; when
 * a loan on the line defaults, the follower below shares its covered loss among the partners.
 */
export class GuaranteeLedger {
  readonly byId = rowLoader(
    (ids) =>
      this.db
        .select()
        .from(guarantees)
        .where(and(anyOf(guarantees.id, ids), this.scope())),
    (row) => row.id,
  );

  readonly lossesByGuarantee = groupLoader(
    (ids) =>
      this.db
        .select()
        .from(guaranteeLosses)
        .where(anyOf(guaranteeLosses.guaranteeId, ids))
        .orderBy(asc(guaranteeLosses.occurredOn), asc(guaranteeLosses.id)),
    (row) => row.guaranteeId,
  );

  readonly byEnterprise = groupLoader(
    (ids) =>
      this.db
        .select()
        .from(guarantees)
        .where(and(anyOf(guarantees.enterpriseId, ids), this.scope()))
        .orderBy(asc(guarantees.id)),
    (row) => row.enterpriseId,
  );

  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {}

  private scope() {
    return ledgerScope(this.caller, guarantees.bankId, guarantees.enterpriseId);
  }

  async attach(input: AttachGuaranteeInput): Promise<GuaranteeRow> {
    requireFinanceOffice(this.caller, 'attaches guarantees');
    const creditLineId = foreignId(input.creditLineId, 'input.creditLineId', 'credit line');
    const guarantorName = note(input.guarantorName, 'input.guarantorName', 200);
    const covered = input.coveredAmount;
    if (!(covered > 0) || covered > MAX_LEDGER_AMOUNT_FEN) {
      throw badInput(
        'input.coveredAmount',
        `must be more than 0 and at most the credit line's amount, got ${fenToYuan(covered)}`,
      );
    }
    return this.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      const line = await approvedLine(db, creditLineId);
      if (!line) {
        throw badInput(
          'input.creditLineId',
          `no credit line "${creditLineId}" has been approved: a guarantee is attached to a line its bank reported (CREDIT_APPROVED)`,
        );
      }
      if (covered > line.amountFen) {
        throw badInput(
          'input.coveredAmount',
          `must be at most the credit line's approved amount ${fenToYuan(line.amountFen)}, got ${fenToYuan(covered)}`,
        );
      }
      // A guarantee shares future losses; one taken after a loan on the line defaulted would
      // share a loss already known.
      const [defaulted] = await db
        .select({ key: bankEvents.key })
        .from(bankEvents)
        .where(
          and(
            eq(bankEvents.kind, 'LOAN_DEFAULTED'),
            eq(bankEvents.bankId, line.bankId),
            sql`(${bankEvents.creditLineId} = ${creditLineId} or ${bankEvents.loanId} in (
              select d.loan_id from bank_events d
              where d.kind = 'LOAN_DISBURSED' and d.credit_line_id = ${creditLineId}))`,
          ),
        )
        .limit(1);
      if (defaulted) {
        throw conflict(
          `credit line "${creditLineId}" already has a defaulted loan: a guarantee must be in place before the loss`,
        );
      }
      const [row] = await db
        .insert(guarantees)
        .values({
          id: `gua-${randomUUID()}`,
          creditLineId,
          bankId: line.bankId,
          enterpriseId: line.enterpriseId,
          guarantorName,
          coveredAmountFen: covered,
          lineAmountFen: line.amountFen,
          createdBy: this.caller.sub,
        })
        .onConflictDoNothing()
        .returning();
      if (!row) throw conflict(`credit line "${creditLineId}" already has a guarantee`);
      return row;
    });
  }

  async list(filter: GuaranteeFilter, limit: number, after?: string): Promise<GuaranteeRow[]> {
    const g = guarantees;
    return this.db
      .select()
      .from(g)
      .where(
        and(
          this.scope(),
          filter.bankId ? eq(g.bankId, filter.bankId) : undefined,
          filter.enterpriseId ? eq(g.enterpriseId, filter.enterpriseId) : undefined,
          filter.creditLineId ? eq(g.creditLineId, filter.creditLineId) : undefined,
          after ? gt(g.id, after) : undefined,
        ),
      )
      .orderBy(asc(g.id))
      .limit(limit + 1);
  }
}

/**
 * On a LOAN_DEFAULTED event for a loan on a guaranteed line, records the covered loss and its
 * 4321 shares, in the transaction recording the event. The covered loss is the outstanding
 * principal lost, up to what the guarantee still covers (its amount less losses shared before);
 * the shares are exact in fen by largest remainder (`shareLoss`). A loan's loss is shared once,
 * whatever further reports of its default say.
 */
export const guaranteeLossFollower: BankEventFollower = async (db, event) => {
  if (event.kind !== 'LOAN_DEFAULTED' || !event.loanId) return;
  const creditLineId = await lineOfLoan(db, event);
  if (!creditLineId) return;
  const [guarantee] = await db
    .select()
    .from(guarantees)
    .where(and(eq(guarantees.creditLineId, creditLineId), eq(guarantees.bankId, event.bankId)))
    .for('update');
  if (!guarantee) return;
  const [{ used }] = await db
    .select({ used: sql<number>`coalesce(sum(${guaranteeLosses.coveredLossFen}), 0)::bigint` })
    .from(guaranteeLosses)
    .where(eq(guaranteeLosses.guaranteeId, guarantee.id));
  const remaining = Math.max(0, guarantee.coveredAmountFen - Number(used));
  const coveredLossFen = Math.min(event.amountFen, remaining);
  await db
    .insert(guaranteeLosses)
    .values({
      id: `gloss-${randomUUID()}`,
      guaranteeId: guarantee.id,
      eventKey: event.key,
      loanId: event.loanId,
      bankId: event.bankId,
      enterpriseId: event.enterpriseId,
      defaultedAmountFen: event.amountFen,
      coveredLossFen,
      ...shareLoss(coveredLossFen),
      occurredOn: event.occurredOn,
    })
    .onConflictDoNothing();
};

export const guaranteeResolvers: Resolvers = {
  Query: {
    guarantee: (_, { id }, { guarantees }) => guarantees.byId.load(id),
    guarantees: (_, args, { guarantees, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => guarantees.list(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
  },
  Mutation: {
    attachGuarantee: async (_, { input }, { guarantees }) => ({
      guarantee: await guarantees.attach(input),
    }),
  },
  Guarantee: {
    bank: (row) => ({ id: row.bankId }),
    enterprise: (row) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    coveredAmount: (row) => row.coveredAmountFen,
    lineAmount: (row) => row.lineAmountFen,
    losses: (row, _, { guarantees }) => guarantees.lossesByGuarantee.load(row.id),
    coveredLoss: async (row, _, { guarantees }) =>
      (await guarantees.lossesByGuarantee.load(row.id)).reduce(
        (sum, loss) => sum + loss.coveredLossFen,
        0,
      ),
  },
  Enterprise: {
    guarantees: (ref, _, { guarantees }) => guarantees.byEnterprise.load(ref.id),
  },
  GuaranteeLoss: {
    bank: (row) => ({ id: row.bankId }),
    enterprise: (row) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    defaultedAmount: (row) => row.defaultedAmountFen,
    coveredLoss: (row) => row.coveredLossFen,
    guarantorShare: (row) => row.guarantorShareFen,
    reGuaranteeShare: (row) => row.reGuaranteeShareFen,
    bankShare: (row) => row.bankShareFen,
    governmentShare: (row) => row.governmentShareFen,
  },
};
