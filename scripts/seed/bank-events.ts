import type { loanStatusEvents } from '../../subgraphs/banks/tables.js';
import type { bankEvents } from '../../subgraphs/finance/bank-events/index.js';
import { REFERENCE_NOW, type SeedRows } from './generate.js';

type BankEventInsert = typeof bankEvents.$inferInsert;
type LoanStatusEventInsert = typeof loanStatusEvents.$inferInsert;

const today = REFERENCE_NOW.toISOString().slice(0, 10);
const dateOf = (value: Date | string) =>
  typeof value === 'string' ? value : value.toISOString().slice(0, 10);
const notAfterToday = (date: string) => (date < today ? date : today);

/**
 * What the banks would have reported to finance for a block's seeded solutions, credit lines and
 * loans (see `subgraphs/finance/bank-events/`), so the ledgers that follow the events — the
 * guarantees, the risk pool, subsidies, relending use, service statistics — start from the same
 * history as the banks subgraph. Keys are the bank's, like a real report's: `<bank>:seed-<id>`.
 */
export function seededBankEvents(rows: SeedRows): BankEventInsert[] {
  const events: BankEventInsert[] = [];
  for (const solution of rows.banks.financingSolutions) {
    events.push({
      key: `${solution.bankId}:seed-${solution.id}`,
      kind: 'SOLUTION_PROPOSED',
      bankId: solution.bankId,
      enterpriseId: solution.enterpriseId,
      needId: solution.needId,
      solutionId: solution.id,
      productIds: solution.productIds,
      amountFen: solution.amountFen,
      rate: solution.rate,
      termMonths: solution.termMonths,
      occurredOn: dateOf(solution.proposedAt as Date),
    });
  }
  const lines = new Map(rows.banks.creditLines.map((line) => [line.id, line]));
  for (const line of rows.banks.creditLines) {
    events.push({
      key: `${line.bankId}:seed-${line.id}`,
      kind: 'CREDIT_APPROVED',
      bankId: line.bankId,
      enterpriseId: line.enterpriseId,
      needId: line.needId ?? null,
      creditLineId: line.id,
      productIds: line.productId ? [line.productId] : [],
      amountFen: line.amountFen,
      rate: line.rate,
      termMonths: line.termMonths,
      occurredOn: dateOf(line.approvedOn),
    });
  }
  for (const loan of rows.banks.loans) {
    const line = lines.get(loan.creditLineId)!;
    const common = {
      bankId: loan.bankId,
      enterpriseId: loan.enterpriseId,
      creditLineId: loan.creditLineId,
      loanId: loan.id,
      productIds: line.productId ? [line.productId] : [],
    };
    events.push({
      ...common,
      key: `${loan.bankId}:seed-${loan.id}`,
      kind: 'LOAN_DISBURSED',
      needId: line.needId ?? null,
      amountFen: loan.amountFen,
      rate: line.rate,
      termMonths: line.termMonths,
      firstLoan: loan.firstLoan,
      occurredOn: dateOf(loan.disbursedOn),
    });
    const settled = notAfterToday(dateOf(loan.maturesOn));
    const repaid = loan.amountFen - (loan.status === 'REPAID' ? 0 : loan.outstandingFen);
    if (repaid > 0) {
      events.push({
        ...common,
        key: `${loan.bankId}:seed-${loan.id}-repaid`,
        kind: 'LOAN_REPAID',
        amountFen: repaid,
        occurredOn: loan.status === 'REPAID' ? settled : today,
      });
    }
    if (loan.status === 'OVERDUE' || loan.status === 'DEFAULTED') {
      events.push({
        ...common,
        key: `${loan.bankId}:seed-${loan.id}-${loan.status.toLowerCase()}`,
        kind: loan.status === 'OVERDUE' ? 'LOAN_OVERDUE' : 'LOAN_DEFAULTED',
        amountFen: loan.outstandingFen,
        occurredOn: settled,
      });
    }
  }
  return events;
}

/**
 * 逾期、违约 history of a block's seeded loans, as the banks would have recorded it: each loan
 * overdue or defaulted today fell so on the day its bank reported it (the same day as the
 * LOAN_OVERDUE or LOAN_DEFAULTED event above).
 */
export function seededLoanStatusEvents(rows: SeedRows): LoanStatusEventInsert[] {
  return rows.banks.loans
    .filter((loan) => loan.status === 'OVERDUE' || loan.status === 'DEFAULTED')
    .map((loan) => ({
      id: `lse-${loan.id}-${loan.status.toLowerCase()}`,
      loanId: loan.id,
      bankId: loan.bankId,
      enterpriseId: loan.enterpriseId,
      status: loan.status,
      occurredOn: notAfterToday(dateOf(loan.maturesOn)),
      outstandingFen: loan.outstandingFen,
    }));
}
