import DataLoader from 'dataloader';
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../kernel/db.js';
import { loadExisting } from '../../kernel/loader.js';
import { enterpriseInRowScope } from '../../kernel/row-scope.js';
import { anyOf } from '../../kernel/sql.js';
import type { Resolvers } from '../generated/resolvers.js';
import type { CreditLineRow, LoanRow, LoanStatusEventRow } from '../repository.js';
import { creditLines, loanDeferrals, loans, loanStatusEvents } from '../tables.js';

type DeferralRow = typeof loanDeferrals.$inferSelect;

export interface HistoryLoan extends LoanRow {
  statusChanges: LoanStatusEventRow[];
  deferrals: DeferralRow[];
}

export interface HistoryLine extends CreditLineRow {
  loans: HistoryLoan[];
}

/** 信贷记录 of one enterprise across every bank; sums in fen. */
export interface CreditHistoryValue {
  totalApproved: number;
  outstanding: number;
  lenders: number;
  creditLines: number;
  loans: number;
  firstLoanOn: string | null;
  firstLoanBankId: string | null;
  overdueLoans: number;
  overdueEpisodes: number;
  lastOverdueOn: string | null;
  defaultedLoans: number;
  defaultedAmount: number;
  deferrals: number;
  lines: HistoryLine[];
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const list = groups.get(key(row));
    if (list) list.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

/** The history's figures, from its lines and their loans as the database holds them. */
export function summarise(lines: HistoryLine[]): CreditHistoryValue {
  const all = lines.flatMap((line) => line.loans);
  const episodes = all.flatMap((loan) => loan.statusChanges.filter((e) => e.status === 'OVERDUE'));
  const defaults = all.flatMap((loan) =>
    loan.statusChanges.filter((e) => e.status === 'DEFAULTED'),
  );
  const first = all
    .filter((loan) => loan.firstLoan)
    .sort((a, b) => a.disbursedOn.localeCompare(b.disbursedOn))[0];
  return {
    totalApproved: lines.reduce((sum, line) => sum + line.amountFen, 0),
    outstanding: all.reduce((sum, loan) => sum + loan.outstandingFen, 0),
    lenders: new Set(lines.map((line) => line.bankId)).size,
    creditLines: lines.length,
    loans: all.length,
    firstLoanOn: first?.disbursedOn ?? null,
    firstLoanBankId: first?.bankId ?? null,
    overdueLoans: all.filter((loan) => loan.status === 'OVERDUE').length,
    overdueEpisodes: episodes.length,
    lastOverdueOn:
      episodes
        .map((e) => e.occurredOn)
        .sort()
        .at(-1) ?? null,
    defaultedLoans: all.filter((loan) => loan.status === 'DEFAULTED').length,
    defaultedAmount: defaults.reduce((sum, e) => sum + e.outstandingFen, 0),
    deferrals: all.reduce((sum, loan) => sum + loan.deferrals.length, 0),
    lines,
  };
}

/**
 * Credit histories across every bank, read per request in one statement per table for all the
 * enterprises asked. No bank filter: the gateway's policy on `CreditReport.creditHistory` decides
 * who may read it (an agency, the enterprise itself, a bank with CREDIT_HISTORY consent).
 */
export class CreditHistories {
  private readonly loader: DataLoader<string, CreditHistoryValue>;

  constructor(private readonly db: Db) {
    this.loader = new DataLoader((ids) => this.read(ids));
  }

  load(enterpriseId: string): Promise<CreditHistoryValue> {
    return this.loader.load(enterpriseId);
  }

  private async read(ids: readonly string[]): Promise<CreditHistoryValue[]> {
    const [lineRows, loanRows, eventRows, deferralRows] = await Promise.all([
      this.db
        .select()
        .from(creditLines)
        .where(anyOf(creditLines.enterpriseId, ids))
        .orderBy(asc(creditLines.approvedOn), asc(creditLines.id)),
      this.db
        .select()
        .from(loans)
        .where(anyOf(loans.enterpriseId, ids))
        .orderBy(asc(loans.disbursedOn), asc(loans.id)),
      this.db
        .select()
        .from(loanStatusEvents)
        .where(anyOf(loanStatusEvents.enterpriseId, ids))
        .orderBy(asc(loanStatusEvents.occurredOn), asc(loanStatusEvents.at)),
      this.db
        .select({ deferral: loanDeferrals })
        .from(loanDeferrals)
        .innerJoin(loans, eq(loans.id, loanDeferrals.loanId))
        .where(anyOf(loans.enterpriseId, ids))
        .orderBy(asc(loanDeferrals.at)),
    ]);
    const events = groupBy(eventRows, (e) => e.loanId);
    const deferrals = groupBy(
      deferralRows.map((r) => r.deferral),
      (d) => d.loanId,
    );
    const loansByLine = groupBy(
      loanRows.map((loan) => ({
        ...loan,
        statusChanges: events.get(loan.id) ?? [],
        deferrals: deferrals.get(loan.id) ?? [],
      })),
      (loan) => loan.creditLineId,
    );
    const linesByEnterprise = groupBy(
      lineRows.map((line) => ({ ...line, loans: loansByLine.get(line.id) ?? [] })),
      (line) => line.enterpriseId,
    );
    return ids.map((id) => summarise(linesByEnterprise.get(id) ?? []));
  }
}

export const creditHistoryResolvers: Resolvers = {
  CreditReport: {
    __resolveReference: (ref, { caller }) =>
      enterpriseInRowScope(caller, ref.enterpriseId) ? { enterpriseId: ref.enterpriseId } : null,
    creditHistory: ({ enterpriseId }, _, { creditHistories }) => creditHistories.load(enterpriseId),
  },
  CreditHistory: {
    firstLoanBank: (row, _, { loaders }) =>
      row.firstLoanBankId ? loadExisting(loaders.bank, row.firstLoanBankId, 'bank') : null,
  },
  CreditHistoryLine: {
    bank: (row, _, { loaders }) => loadExisting(loaders.bank, row.bankId, 'bank'),
    amount: (row) => row.amountFen,
  },
  CreditHistoryLoan: {
    amount: (row) => row.amountFen,
    outstanding: (row) => row.outstandingFen,
  },
};
