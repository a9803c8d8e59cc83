import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import type { Config } from '../../kernel/config.js';
import type { Db } from '../../kernel/db.js';
import { badInput, conflict, forbidden } from '../../kernel/errors.js';
import { fenToYuan } from '../../kernel/money.js';
import { pageOf } from '../../kernel/pagination.js';
import { applyRate } from '../apportion.js';
import type {
  ClaimRiskCompensationInput,
  FundRiskPoolInput,
  Resolvers,
  RiskPoolClaimFilter,
} from '../generated/resolvers.js';
import { enterpriseProfiles } from '../tables.js';
import { bankEvents, type BankEventRow } from '../bank-events/index.js';
import { guaranteeLosses } from '../guarantees/index.js';
import { riskPool, riskPoolClaims, riskPoolEntries } from './tables.js';
import {
  foreignId,
  ledgerScope,
  MAX_LEDGER_AMOUNT_FEN,
  note,
  requireFinanceOffice,
} from '../workflow-scope.js';

export type RiskPoolRow = typeof riskPool.$inferSelect;

/** The loan's first reported default, if it is the bank's own and to an admitted enterprise. */
async function claimableDefault(db: Db, bankId: string, loanId: string): Promise<BankEventRow> {
  const [defaulted] = await db
    .select()
    .from(bankEvents)
    .where(
      and(
        eq(bankEvents.kind, 'LOAN_DEFAULTED'),
        eq(bankEvents.bankId, bankId),
        eq(bankEvents.loanId, loanId),
      ),
    )
    .orderBy(asc(bankEvents.occurredOn), asc(bankEvents.recordedAt))
    .limit(1);
  if (!defaulted) {
    throw badInput(
      'input.loanId',
      `no default of loan "${loanId}" has been reported by your bank (LOAN_DEFAULTED): only a defaulted loan of your own can be claimed`,
    );
  }
  const [profile] = await db
    .select({ libraryStatus: enterpriseProfiles.libraryStatus })
    .from(enterpriseProfiles)
    .where(eq(enterpriseProfiles.enterpriseId, defaulted.enterpriseId));
  if (profile?.libraryStatus !== 'ADMITTED') {
    throw badInput(
      'input.loanId',
      `loan "${loanId}" is to enterprise "${defaulted.enterpriseId}", which is not admitted to the sci-tech enterprise library (科创企业库): the pool covers only loans to admitted enterprises`,
    );
  }
  return defaulted;
}
export type RiskPoolEntryRow = typeof riskPoolEntries.$inferSelect;
export type RiskPoolClaimRow = typeof riskPoolClaims.$inferSelect;
/** What the pool paid one bank in a cap year. */
export type BankCompensationRow = { bankId: string; paidFen: number; claims: number };
export type RiskPoolSettings = Config['riskPool'];

/** The pool's one row: the city's. */
const POOL_ID = 'city';

/**
 * 风险补偿资金池 (SPEC 三(十二)): the finance office funds the pool; a bank claims compensation
 * for a default of its own on a covered loan and is paid at once — ratio × its loss, within the
 * per-loan and per-bank-per-year caps, and never more than the pool holds.
 *
 * Covered loans are those to enterprises admitted to the sci-tech enterprise library (科创企业库,
 * the `enterprise_profiles` read model) when the claim is made. Every claim takes the pool row's
 * lock before it reads anything it decides on (the balance, the bank's year, an earlier claim for
 * the loan), so simultaneous claims are decided one after another on the real balance.
 */
export class RiskPool {
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
    private readonly settings: RiskPoolSettings,
  ) {}

  get rules(): RiskPoolSettings {
    return this.settings;
  }

  async fund(input: FundRiskPoolInput): Promise<{ pool: RiskPoolRow; entry: RiskPoolEntryRow }> {
    requireFinanceOffice(this.caller, 'funds the risk-compensation pool');
    if (!(input.amount > 0) || input.amount > MAX_LEDGER_AMOUNT_FEN) {
      throw badInput(
        'input.amount',
        `must be more than 0 and at most ${fenToYuan(MAX_LEDGER_AMOUNT_FEN)} yuan, got ${fenToYuan(input.amount)}`,
      );
    }
    const text = input.note == null ? null : note(input.note, 'input.note', 500);
    return this.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      const [pool] = await db
        .insert(riskPool)
        .values({ id: POOL_ID, balanceFen: input.amount, fundedFen: input.amount, paidFen: 0 })
        .onConflictDoUpdate({
          target: riskPool.id,
          set: {
            balanceFen: sql`${riskPool.balanceFen} + ${input.amount}`,
            fundedFen: sql`${riskPool.fundedFen} + ${input.amount}`,
            updatedAt: sql`now()`,
          },
        })
        .returning();
      const [entry] = await db
        .insert(riskPoolEntries)
        .values({
          id: `rpe-${randomUUID()}`,
          kind: 'FUNDING',
          amountFen: input.amount,
          balanceAfterFen: pool.balanceFen,
          note: text,
          createdBy: this.caller.sub,
        })
        .returning();
      return { pool, entry };
    });
  }

  /**
   * Pays a bank for a defaulted loan of its own: the default as the ledger recorded it, the loss
   * the bank bears, the share the pool owes within its caps, paid from the locked pool.
   */
  async claim(input: ClaimRiskCompensationInput): Promise<RiskPoolClaimRow> {
    if (this.caller.party !== 'bank' || !this.caller.org) {
      throw forbidden('only a bank claims compensation, for its own loans');
    }
    const bankId = this.caller.org;
    const loanId = foreignId(input.loanId, 'input.loanId', 'loan');
    return this.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      const defaulted = await claimableDefault(db, bankId, loanId);
      const [pool] = await db.select().from(riskPool).where(eq(riskPool.id, POOL_ID)).for('update');
      const [earlier] = await db
        .select({ id: riskPoolClaims.id })
        .from(riskPoolClaims)
        .where(eq(riskPoolClaims.loanId, loanId));
      if (earlier) throw conflict(`loan "${loanId}" has been claimed already (${earlier.id})`);
      if (!pool || pool.balanceFen === 0) {
        throw conflict(
          'the risk-compensation pool is empty: nothing can be paid until it is funded',
        );
      }
      const due = await this.compensationDue(db, bankId, defaulted);
      return this.payOut(db, pool, defaulted, due);
    });
  }

  /** What the pool owes on a default: the bank's own loss at the ratio, within both caps. */
  private async compensationDue(db: Db, bankId: string, defaulted: BankEventRow) {
    const { loanId } = defaulted;
    // The bank's own loss: what the 4321 partners other than the bank bear is not its loss.
    const [shared] = await db
      .select()
      .from(guaranteeLosses)
      .where(eq(guaranteeLosses.loanId, loanId!));
    const borneByOthers = shared ? shared.coveredLossFen - shared.bankShareFen : 0;
    const lossFen = Math.max(0, defaulted.amountFen - borneByOthers);

    const capYear = Number(defaulted.occurredOn.slice(0, 4));
    const [{ paidInYear }] = await db
      .select({ paidInYear: sql<string>`coalesce(sum(${riskPoolClaims.paidFen}), 0)::text` })
      .from(riskPoolClaims)
      .where(and(eq(riskPoolClaims.bankId, bankId), eq(riskPoolClaims.capYear, capYear)));
    const yearLeft = Math.max(0, this.settings.capPerBankYearFen - Number(paidInYear));
    const dueFen = Math.min(
      applyRate(lossFen, this.settings.ratio),
      this.settings.capPerLoanFen,
      yearLeft,
    );
    if (dueFen === 0) {
      throw conflict(
        yearLeft === 0
          ? `your bank has been paid its cap for defaults of ${capYear} (${fenToYuan(this.settings.capPerBankYearFen)} yuan)`
          : `loan "${loanId}" leaves your bank no loss to compensate`,
      );
    }
    return { lossFen, capYear, dueFen };
  }

  /** Pays what is due, or what the pool holds if less, and writes the claim and the ledger entry. */
  private async payOut(
    db: Db,
    pool: RiskPoolRow,
    defaulted: BankEventRow,
    { lossFen, capYear, dueFen }: { lossFen: number; capYear: number; dueFen: number },
  ): Promise<RiskPoolClaimRow> {
    const paidFen = Math.min(dueFen, pool.balanceFen);
    const [after] = await db
      .update(riskPool)
      .set({
        balanceFen: sql`${riskPool.balanceFen} - ${paidFen}`,
        paidFen: sql`${riskPool.paidFen} + ${paidFen}`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(riskPool.id, POOL_ID), sql`${riskPool.balanceFen} >= ${paidFen}`))
      .returning();
    if (!after) throw conflict('the risk-compensation pool changed under this claim: try again');
    const [claim] = await db
      .insert(riskPoolClaims)
      .values({
        id: `rpc-${randomUUID()}`,
        bankId: defaulted.bankId,
        loanId: defaulted.loanId!,
        enterpriseId: defaulted.enterpriseId,
        eventKey: defaulted.key,
        defaultedOn: defaulted.occurredOn,
        capYear,
        lossFen,
        ratio: this.settings.ratio,
        dueFen,
        paidFen,
        status: paidFen === dueFen ? 'PAID' : 'PARTIALLY_PAID',
        claimedBy: this.caller.sub,
      })
      .returning();
    await db.insert(riskPoolEntries).values({
      id: `rpe-${randomUUID()}`,
      kind: 'PAYOUT',
      amountFen: paidFen,
      balanceAfterFen: after.balanceFen,
      claimId: claim.id,
      createdBy: this.caller.sub,
    });
    return claim;
  }

  async pool(): Promise<RiskPoolRow> {
    const [row] = await this.db.select().from(riskPool).where(eq(riskPool.id, POOL_ID));
    return row ?? { id: POOL_ID, balanceFen: 0, fundedFen: 0, paidFen: 0, updatedAt: new Date(0) };
  }

  /** The ledger, oldest first; agencies only (the SDL's `guarantee:read`). */
  async entries(limit: number, after?: string): Promise<RiskPoolEntryRow[]> {
    if (!this.caller.scopes.has('guarantee:read')) return [];
    const e = riskPoolEntries;
    const seq = after === undefined ? undefined : Number(after);
    if (seq !== undefined && !Number.isInteger(seq)) {
      throw badInput('after', 'is not a cursor returned by this API');
    }
    return this.db
      .select()
      .from(e)
      .where(seq === undefined ? undefined : gt(e.seq, seq))
      .orderBy(asc(e.seq))
      .limit(limit + 1);
  }

  async claims(
    filter: RiskPoolClaimFilter,
    limit: number,
    after?: string,
  ): Promise<RiskPoolClaimRow[]> {
    const c = riskPoolClaims;
    return this.db
      .select()
      .from(c)
      .where(
        and(
          ledgerScope(this.caller, c.bankId, c.enterpriseId),
          filter.bankId ? eq(c.bankId, filter.bankId) : undefined,
          filter.enterpriseId ? eq(c.enterpriseId, filter.enterpriseId) : undefined,
          filter.year != null ? eq(c.capYear, filter.year) : undefined,
          after ? gt(c.id, after) : undefined,
        ),
      )
      .orderBy(asc(c.id))
      .limit(limit + 1);
  }

  /** What each bank has been paid for the defaults of `year`, most first. */
  async paidByBank(year: number): Promise<BankCompensationRow[]> {
    const c = riskPoolClaims;
    const paid = sql<string>`sum(${c.paidFen})::text`;
    const rows = await this.db
      .select({ bankId: c.bankId, paid, claims: sql<number>`count(*)::int` })
      .from(c)
      .where(and(eq(c.capYear, year), ledgerScope(this.caller, c.bankId, null)))
      .groupBy(c.bankId)
      .orderBy(desc(paid), asc(c.bankId));
    return rows.map((row) => ({
      bankId: row.bankId,
      paidFen: Number(row.paid),
      claims: row.claims,
    }));
  }
}

export const riskPoolResolvers: Resolvers = {
  Query: {
    riskPool: (_, __, { riskPool }) => riskPool.pool(),
    riskPoolEntries: (_, args, { riskPool, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => riskPool.entries(limit, after),
        (row) => String(row.seq),
      ),
    riskPoolClaims: (_, args, { riskPool, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => riskPool.claims(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
  },
  Mutation: {
    fundRiskPool: (_, { input }, { riskPool }) => riskPool.fund(input),
    claimRiskCompensation: async (_, { input }, { riskPool }) => ({
      claim: await riskPool.claim(input),
    }),
  },
  RiskPool: {
    balance: (row) => row.balanceFen,
    funded: (row) => row.fundedFen,
    paid: (row) => row.paidFen,
    ratio: (_, __, { riskPool }) => riskPool.rules.ratio,
    capPerLoan: (_, __, { riskPool }) => riskPool.rules.capPerLoanFen,
    capPerBankYear: (_, __, { riskPool }) => riskPool.rules.capPerBankYearFen,
    paidByBank: (_, { year }, { riskPool }) => riskPool.paidByBank(year),
  },
  RiskPoolEntry: {
    amount: (row) => row.amountFen,
    balanceAfter: (row) => row.balanceAfterFen,
  },
  RiskPoolClaim: {
    bank: (row) => ({ id: row.bankId }),
    enterprise: (row) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    loss: (row) => row.lossFen,
    due: (row) => row.dueFen,
    paid: (row) => row.paidFen,
    shortfall: (row) => row.dueFen - row.paidFen,
  },
  BankCompensation: {
    bank: (row) => ({ id: row.bankId }),
    paid: (row) => row.paidFen,
  },
};
