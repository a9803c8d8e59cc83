import {
  and,
  asc,
  eq,
  gt,
  gte,
  lte,
  sql,
  type AnyColumn,
  type Placeholder,
  type SQL,
} from 'drizzle-orm';
import { unionAll } from 'drizzle-orm/pg-core';
import type { Caller } from '../kernel/caller.js';
import type { Db } from '../kernel/db.js';
import {
  anyOf,
  anyOfPlaceholder,
  orgPlaceholder,
  preparedOnce,
  scopeShape,
} from '../kernel/sql.js';
import type { CreditLineFilter } from './generated/resolvers.js';
import {
  banks,
  creditLines,
  financingSolutions,
  loanDeferrals,
  loans,
  loanStatusEvents,
} from './tables.js';

export type BankRow = typeof banks.$inferSelect;
export type SolutionRow = typeof financingSolutions.$inferSelect;
export type CreditLineRow = typeof creditLines.$inferSelect;
export type LoanRow = typeof loans.$inferSelect;
export type LoanStatusEventRow = typeof loanStatusEvents.$inferSelect;

/** Sums are carried as decimal strings of fen so they stay exact past 2^53. */
export interface CreditSummaryRow {
  over: SummaryOver;
  enterpriseId: string;
  totalApprovedFen: string;
  outstandingFen: string;
  lenders: number;
  creditLines: number;
  firstLoanOn: string | null;
}

/** One bank's figures for a period (`bankId` null: the city totals). Sums are fen as text. */
export interface StatisticsRow {
  bankId: string | null;
  creditLinesApproved: number;
  creditLinesApprovedFen: string;
  loansDisbursed: number;
  loansDisbursedFen: string;
  firstLoanEnterprises: number;
  outstandingFen: string;
  activeBanks: number;
}

export interface CreditStatistics {
  /** Per-bank rows the caller may see; null when it may see none (aggregates only). */
  banks: StatisticsRow[] | null;
  /** City totals; null when the caller may not see them. */
  totals: StatisticsRow | null;
}

const NOTHING = sql`false`;

function ownedBy(column: AnyColumn, org: string | Placeholder | null): SQL {
  return org ? eq(column, org) : NOTHING;
}

/**
 * Credit lines and loans: the finance office and the PBOC see every row, a bank its own, an
 * enterprise its own. The technology bureau gets aggregates only, through statistics, never rows.
 * `org` is `orgPlaceholder(caller)` in a prepared statement.
 */
function creditScope(
  caller: Caller,
  table: { bankId: AnyColumn; enterpriseId: AnyColumn },
  org: string | Placeholder | null = caller.org,
): SQL | undefined {
  switch (caller.party) {
    case 'finance_office':
    case 'pboc':
      return undefined;
    case 'bank':
      return ownedBy(table.bankId, org);
    case 'enterprise':
      return ownedBy(table.enterpriseId, org);
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

/**
 * Which statistics a caller gets, from the scopes its token carries (the SDL's @requiresScopes):
 * `stats:read` every bank's row and the totals, `stats:own` a bank its own row, `stats:aggregate`
 * the city totals only.
 */
export function statisticsScope(caller: Caller): { rows: 'all' | string | null; totals: boolean } {
  const read = caller.scopes.has('stats:read');
  const own = caller.party === 'bank' && caller.org && caller.scopes.has('stats:own');
  return {
    rows: read ? 'all' : own ? caller.org : null,
    totals: read || caller.scopes.has('stats:aggregate'),
  };
}

/** Which lines a credit summary counts: those the caller may see, or every bank's. */
export type SummaryOver = 'visible' | 'pooled';

/**
 * Credit summaries of the enterprises `ids` (placeholder), as a statement to prepare: over the
 * lines and loans `caller` may see, or every bank's without one, each row naming which (`over`).
 * See `creditSummaries`.
 */
function creditSummaries(db: Db, caller?: Caller) {
  const over: SummaryOver = caller ? 'visible' : 'pooled';
  const lineScope = caller && creditScope(caller, creditLines, orgPlaceholder(caller));
  const loanScope = caller && creditScope(caller, loans, orgPlaceholder(caller));
  const perLine = db
    .select({
      creditLineId: loans.creditLineId,
      outstandingFen: sql`sum(${loans.outstandingFen})`.as('outstanding_fen'),
      firstLoanOn: sql`min(${loans.disbursedOn}) filter (where ${loans.firstLoan})`.as(
        'first_loan_on',
      ),
    })
    .from(loans)
    .where(and(anyOfPlaceholder(loans.enterpriseId, 'ids'), loanScope))
    .groupBy(loans.creditLineId)
    .as('per_line');
  return db
    .select({
      over: sql<SummaryOver>`${over}::text`.as('over'),
      enterpriseId: creditLines.enterpriseId,
      totalApprovedFen: sql<string>`sum(${creditLines.amountFen})::text`,
      outstandingFen: sql<string>`coalesce(sum(${perLine.outstandingFen}), 0)::text`,
      lenders: sql<number>`count(distinct ${creditLines.bankId})::int`,
      creditLines: sql<number>`count(*)::int`,
      firstLoanOn: sql<string | null>`min(${perLine.firstLoanOn})::text`,
    })
    .from(creditLines)
    .leftJoin(perLine, eq(perLine.creditLineId, creditLines.id))
    .where(and(anyOfPlaceholder(creditLines.enterpriseId, 'ids'), lineScope))
    .groupBy(creditLines.enterpriseId);
}

export class BanksRepository {
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {}

  async banksByIds(ids: readonly string[]): Promise<BankRow[]> {
    const { db } = this;
    return preparedOnce(db, 'banks.banksByIds', (name) =>
      db.select().from(banks).where(anyOfPlaceholder(banks.id, 'ids')).prepare(name),
    ).execute({ ids });
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

  /** Deferrals of loans the caller was already allowed to read (they are reached only by loan). */
  async deferralsByLoans(loanIds: readonly string[]) {
    return this.db
      .select()
      .from(loanDeferrals)
      .where(anyOf(loanDeferrals.loanId, loanIds))
      .orderBy(asc(loanDeferrals.loanId), asc(loanDeferrals.at));
  }

  /** Overdue and default history of loans the caller was already allowed to read. */
  async statusChangesByLoans(loanIds: readonly string[]): Promise<LoanStatusEventRow[]> {
    return this.db
      .select()
      .from(loanStatusEvents)
      .where(anyOf(loanStatusEvents.loanId, loanIds))
      .orderBy(
        asc(loanStatusEvents.loanId),
        asc(loanStatusEvents.occurredOn),
        asc(loanStatusEvents.at),
      );
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
    over: SummaryOver,
  ): Promise<CreditSummaryRow[]> {
    const { db, caller } = this;
    const shape = over === 'pooled' ? 'pooled' : `visible.${scopeShape(caller)}`;
    return preparedOnce(db, `banks.creditSummaries.${shape}`, (name) =>
      creditSummaries(db, over === 'pooled' ? undefined : caller).prepare(name),
    ).execute({ ids: enterpriseIds, org: caller.org });
  }

  /**
   * Both summaries of the enterprises, each row naming which it is: the two statements of
   * `creditSummaries` as one, for a request that asks for both (a dossier does).
   */
  async bothCreditSummaries(enterpriseIds: readonly string[]): Promise<CreditSummaryRow[]> {
    const { db, caller } = this;
    return preparedOnce(db, `banks.creditSummaries.both.${scopeShape(caller)}`, (name) =>
      unionAll(creditSummaries(db, caller), creditSummaries(db)).prepare(name),
    ).execute({ ids: enterpriseIds, org: caller.org });
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

  /**
   * 四(二) statistics for [from, to], in one statement. Each measure is aggregated once over
   * grouping sets (per bank, and the whole city), from covering indexes on the period's dates;
   * the keys list the banks in scope (every bank, with zeros where it had no activity) and the
   * totals row (bank null) when the caller may see it. A caller limited to its own row never
   * reads another bank's rows: the filter sits in each aggregate, not after it.
   */
  async creditStatistics(from: string, to: string): Promise<CreditStatistics> {
    const scope = statisticsScope(this.caller);
    if (scope.rows === null && !scope.totals) return { banks: null, totals: null };
    const own = scope.rows !== 'all' && !scope.totals ? scope.rows : null;
    const lineFilter = own ? sql`and ${creditLines.bankId} = ${own}` : sql``;
    const loanFilter = own ? sql`and ${loans.bankId} = ${own}` : sql``;
    const keyFilter =
      scope.rows === 'all' ? sql`true` : scope.rows ? sql`${banks.id} = ${scope.rows}` : sql`false`;
    const result = await this.db.execute(sql`
      with approved as (
        select ${creditLines.bankId} as bank_id, count(*)::int as lines,
               sum(${creditLines.amountFen}) as lines_fen
        from ${creditLines}
        where ${creditLines.approvedOn} between ${from} and ${to} ${lineFilter}
        group by grouping sets ((${creditLines.bankId}), ())
      ), disbursed as (
        select ${loans.bankId} as bank_id, count(*)::int as loans,
               sum(${loans.amountFen}) as loans_fen,
               (count(distinct ${loans.enterpriseId}) filter (where ${loans.firstLoan}))::int
                 as first_loan_enterprises
        from ${loans}
        where ${loans.disbursedOn} between ${from} and ${to} ${loanFilter}
        group by grouping sets ((${loans.bankId}), ())
      ), balance as (
        select ${loans.bankId} as bank_id, sum(${loans.outstandingFen}) as outstanding_fen
        from ${loans}
        where ${loans.outstandingFen} > 0 and ${loans.disbursedOn} <= ${to} ${loanFilter}
        group by grouping sets ((${loans.bankId}), ())
      ), keys as (
        select ${banks.id} as bank_id from ${banks} where ${keyFilter}
        union all
        select null where ${scope.totals}
      )
      select k.bank_id,
             coalesce(a.lines, 0) as lines,
             coalesce(a.lines_fen, 0)::text as lines_fen,
             coalesce(d.loans, 0) as loans,
             coalesce(d.loans_fen, 0)::text as loans_fen,
             coalesce(d.first_loan_enterprises, 0) as first_loan_enterprises,
             coalesce(b.outstanding_fen, 0)::text as outstanding_fen,
             case when k.bank_id is null then (
               select count(*)::int from (
                 select bank_id from approved where bank_id is not null
                 union select bank_id from disbursed where bank_id is not null
               ) as active
             ) else 0 end as active_banks
      from keys k
      left join approved a on a.bank_id is not distinct from k.bank_id
      left join disbursed d on d.bank_id is not distinct from k.bank_id
      left join balance b on b.bank_id is not distinct from k.bank_id
      order by k.bank_id nulls last`);
    // postgres.js answers a raw statement with the rows, PGlite with { rows }.
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
      bank_id: string | null;
      lines: number;
      lines_fen: string;
      loans: number;
      loans_fen: string;
      first_loan_enterprises: number;
      outstanding_fen: string;
      active_banks: number;
    }[];
    const all: StatisticsRow[] = rows.map((r) => ({
      bankId: r.bank_id,
      creditLinesApproved: Number(r.lines),
      creditLinesApprovedFen: r.lines_fen,
      loansDisbursed: Number(r.loans),
      loansDisbursedFen: r.loans_fen,
      firstLoanEnterprises: Number(r.first_loan_enterprises),
      outstandingFen: r.outstanding_fen,
      activeBanks: Number(r.active_banks),
    }));
    return {
      banks: scope.rows === null ? null : all.filter((r) => r.bankId !== null),
      totals: scope.totals ? (all.find((r) => r.bankId === null) ?? null) : null,
    };
  }
}
