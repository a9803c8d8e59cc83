import { and, asc, eq, gt, gte, lte, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Caller } from '../shared/caller.js';
import type { Db } from '../shared/db.js';
import { anyOf } from '../shared/sql.js';
import { banks, creditLines, financingSolutions, loans } from './tables.js';

export type BankRow = typeof banks.$inferSelect;
export type SolutionRow = typeof financingSolutions.$inferSelect;
export type CreditLineRow = typeof creditLines.$inferSelect;
export type LoanRow = typeof loans.$inferSelect;

/** Sums are carried as decimal strings of fen so they stay exact past 2^53. */
export interface CreditSummaryRow {
  enterpriseId: string;
  totalApprovedFen: string;
  outstandingFen: string;
  lenders: number;
  creditLines: number;
  firstLoanOn: string | null;
}

export interface CreditLineFilter {
  bankId?: string | null;
  enterpriseId?: string | null;
  approvedFrom?: string | null;
  approvedTo?: string | null;
}

const NOTHING = sql`false`;

function ownedBy(column: AnyColumn, org: string | null): SQL {
  return org ? eq(column, org) : NOTHING;
}

/**
 * Credit lines and loans: the finance office and the PBOC see every row, a bank its own, an
 * enterprise its own. The technology bureau gets aggregates only, through statistics, never rows.
 */
function creditScope(
  caller: Caller,
  table: { bankId: AnyColumn; enterpriseId: AnyColumn },
): SQL | undefined {
  switch (caller.party) {
    case 'finance_office':
    case 'pboc':
      return undefined;
    case 'bank':
      return ownedBy(table.bankId, caller.org);
    case 'enterprise':
      return ownedBy(table.enterpriseId, caller.org);
    case 'tech_bureau':
    case 'anonymous':
      return NOTHING;
  }
}

/** 一企一策 solutions: the finance office sees all, a bank and an enterprise their own. */
function solutionScope(caller: Caller): SQL | undefined {
  switch (caller.party) {
    case 'finance_office':
      return undefined;
    case 'bank':
      return ownedBy(financingSolutions.bankId, caller.org);
    case 'enterprise':
      return ownedBy(financingSolutions.enterpriseId, caller.org);
    case 'pboc':
    case 'tech_bureau':
    case 'anonymous':
      return NOTHING;
  }
}

export class BanksRepository {
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {}

  async banksByIds(ids: readonly string[]): Promise<BankRow[]> {
    return this.db.select().from(banks).where(anyOf(banks.id, ids));
  }

  async listBanks(): Promise<BankRow[]> {
    return this.db.select().from(banks).orderBy(asc(banks.id));
  }

  async creditLinesByIds(ids: readonly string[]): Promise<CreditLineRow[]> {
    return this.db
      .select()
      .from(creditLines)
      .where(and(anyOf(creditLines.id, ids), creditScope(this.caller, creditLines)));
  }

  async creditLinesByEnterprises(enterpriseIds: readonly string[]): Promise<CreditLineRow[]> {
    return this.db
      .select()
      .from(creditLines)
      .where(
        and(anyOf(creditLines.enterpriseId, enterpriseIds), creditScope(this.caller, creditLines)),
      )
      .orderBy(asc(creditLines.enterpriseId), asc(creditLines.id));
  }

  async listCreditLines(
    filter: CreditLineFilter,
    limit: number,
    after?: string,
  ): Promise<CreditLineRow[]> {
    const conditions: (SQL | undefined)[] = [creditScope(this.caller, creditLines)];
    if (after) conditions.push(gt(creditLines.id, after));
    if (filter.bankId) conditions.push(eq(creditLines.bankId, filter.bankId));
    if (filter.enterpriseId) conditions.push(eq(creditLines.enterpriseId, filter.enterpriseId));
    if (filter.approvedFrom) conditions.push(gte(creditLines.approvedOn, filter.approvedFrom));
    if (filter.approvedTo) conditions.push(lte(creditLines.approvedOn, filter.approvedTo));
    return this.db
      .select()
      .from(creditLines)
      .where(and(...conditions))
      .orderBy(asc(creditLines.id))
      .limit(limit + 1);
  }

  async loansByIds(ids: readonly string[]): Promise<LoanRow[]> {
    return this.db
      .select()
      .from(loans)
      .where(and(anyOf(loans.id, ids), creditScope(this.caller, loans)));
  }

  async loansByCreditLines(creditLineIds: readonly string[]): Promise<LoanRow[]> {
    return this.db
      .select()
      .from(loans)
      .where(and(anyOf(loans.creditLineId, creditLineIds), creditScope(this.caller, loans)))
      .orderBy(asc(loans.creditLineId), asc(loans.id));
  }

  /**
   * One row per enterprise that has lines in scope: `visible` counts the lines this caller may
   * see, `pooled` every bank's (the gateway's policy decides who may read the pooled figure).
   * Loans are summed per line first so a line's amount is not counted once per loan.
   */
  async creditSummaries(
    enterpriseIds: readonly string[],
    over: 'visible' | 'pooled',
  ): Promise<CreditSummaryRow[]> {
    const lineScope = over === 'pooled' ? undefined : creditScope(this.caller, creditLines);
    const loanScope = over === 'pooled' ? undefined : creditScope(this.caller, loans);
    const perLine = this.db
      .select({
        creditLineId: loans.creditLineId,
        outstandingFen: sql`sum(${loans.outstandingFen})`.as('outstanding_fen'),
        firstLoanOn: sql`min(${loans.disbursedOn}) filter (where ${loans.firstLoan})`.as(
          'first_loan_on',
        ),
      })
      .from(loans)
      .where(and(anyOf(loans.enterpriseId, enterpriseIds), loanScope))
      .groupBy(loans.creditLineId)
      .as('per_line');
    return this.db
      .select({
        enterpriseId: creditLines.enterpriseId,
        totalApprovedFen: sql<string>`sum(${creditLines.amountFen})::text`,
        outstandingFen: sql<string>`coalesce(sum(${perLine.outstandingFen}), 0)::text`,
        lenders: sql<number>`count(distinct ${creditLines.bankId})::int`,
        creditLines: sql<number>`count(*)::int`,
        firstLoanOn: sql<string | null>`min(${perLine.firstLoanOn})::text`,
      })
      .from(creditLines)
      .leftJoin(perLine, eq(perLine.creditLineId, creditLines.id))
      .where(and(anyOf(creditLines.enterpriseId, enterpriseIds), lineScope))
      .groupBy(creditLines.enterpriseId);
  }

  async solutionsByIds(ids: readonly string[]): Promise<SolutionRow[]> {
    return this.db
      .select()
      .from(financingSolutions)
      .where(and(anyOf(financingSolutions.id, ids), solutionScope(this.caller)));
  }

  async solutionsByNeeds(needIds: readonly string[]): Promise<SolutionRow[]> {
    return this.db
      .select()
      .from(financingSolutions)
      .where(and(anyOf(financingSolutions.needId, needIds), solutionScope(this.caller)))
      .orderBy(asc(financingSolutions.needId), asc(financingSolutions.id));
  }
}
