import { mergeResolvers } from '../kernel/resolvers.js';
import { withEnterpriseRowScope } from '../kernel/row-scope.js';
import { balanceResolvers } from './balances/index.js';
import { creditResolvers } from './credit/index.js';
import { creditHistoryResolvers } from './credit-report/index.js';
import { checkPeriod } from './statistics/index.js';
import { earlySpringResolvers } from './early-spring/index.js';
import { internalResolvers } from './internal/index.js';
import { loadExisting } from '../kernel/loader.js';
import { pageOf } from '../kernel/pagination.js';
import { scalarResolvers } from '../kernel/scalars.js';
import type { Resolvers } from './generated/resolvers.js';
import type { BanksLoaders, SummaryKey } from './loaders.js';
import type { CreditSummaryRow } from './repository.js';

/** An enterprise with no lines in scope has a summary of zeros, not a missing one. */
function summaryOrZero(row: CreditSummaryRow | null, key: SummaryKey): CreditSummaryRow {
  return (
    row ?? {
      ...key,
      totalApprovedFen: '0',
      outstandingFen: '0',
      lenders: 0,
      creditLines: 0,
      firstLoanOn: null,
    }
  );
}

async function summaryOf(loaders: BanksLoaders, key: SummaryKey): Promise<CreditSummaryRow> {
  return summaryOrZero(await loaders.creditSummary.load(key), key);
}

const readResolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    bank: (_, { id }, { loaders }) => loaders.bank.load(id),
    banks: (_, __, { repository }) => repository.listBanks(),
    creditLines: (_, args, { repository, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listCreditLines(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
    creditStatistics: async (_, { from, to }, { repository }) => {
      checkPeriod(from, to);
      const { banks, totals } = await repository.creditStatistics(from, to);
      return { from, to, banks, cityTotals: totals };
    },
  },
  BankCreditStatistics: {
    bank: (row, _, { loaders }) => loadExisting(loaders.bank, row.bankId!, 'bank'),
    creditLinesApprovedAmount: (row) => row.creditLinesApprovedFen,
    loansDisbursedAmount: (row) => row.loansDisbursedFen,
    outstanding: (row) => row.outstandingFen,
  },
  CreditTotals: {
    creditLinesApprovedAmount: (row) => row.creditLinesApprovedFen,
    loansDisbursedAmount: (row) => row.loansDisbursedFen,
    outstanding: (row) => row.outstandingFen,
  },
  Bank: {
    __resolveReference: (ref, { loaders }) => loaders.bank.load(ref.id),
  },
  FinancingSolution: {
    __resolveReference: (ref, { loaders }) => loaders.solution.load(ref.id),
    need: (row) => ({ __typename: 'FinancingNeed', id: row.needId }),
    bank: (row, _, { loaders }) => loadExisting(loaders.bank, row.bankId, 'bank'),
    amount: (row) => row.amountFen,
  },
  CreditLine: {
    __resolveReference: (ref, { loaders }) => loaders.creditLine.load(ref.id),
    bank: (row, _, { loaders }) => loadExisting(loaders.bank, row.bankId, 'bank'),
    enterprise: (row) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    amount: (row) => row.amountFen,
    loans: (row, _, { loaders }) => loaders.loansByCreditLine.load(row.id),
    // Shares the loans batch, so asking for both `loans` and `outstanding` costs one statement.
    outstanding: async (row, _, { loaders }) =>
      (await loaders.loansByCreditLine.load(row.id)).reduce(
        (sum, loan) => sum + loan.outstandingFen,
        0,
      ),
  },
  Loan: {
    __resolveReference: (ref, { loaders }) => loaders.loan.load(ref.id),
    creditLine: (row, _, { loaders }) =>
      loadExisting(loaders.creditLine, row.creditLineId, 'credit line'),
    amount: (row) => row.amountFen,
    outstanding: (row) => row.outstandingFen,
    deferrals: (row, _, { loaders }) => loaders.deferralsByLoan.load(row.id),
    statusChanges: (row, _, { loaders }) => loaders.statusChangesByLoan.load(row.id),
  },
  LoanStatusChange: {
    outstanding: (row) => row.outstandingFen,
  },
  CreditSummary: {
    totalApproved: (row) => row.totalApprovedFen,
    outstanding: (row) => row.outstandingFen,
  },
  Enterprise: {
    // An extension: this subgraph holds no enterprise row, only facts keyed by its id.
    __resolveReference: (ref) => ({ id: ref.id }),
    creditSummary: ({ id }, _, { loaders }) =>
      summaryOf(loaders, { over: 'visible', enterpriseId: id }),
    pooledCreditSummary: ({ id }, _, { loaders }) =>
      summaryOf(loaders, { over: 'pooled', enterpriseId: id }),
    creditLines: ({ id }, _, { loaders }) => loaders.creditLinesByEnterprise.load(id),
  },
  FinancingNeed: {
    __resolveReference: (ref) => ({ id: ref.id }),
    solutions: ({ id }, _, { loaders }) => loaders.solutionsByNeed.load(id),
  },
};

export const resolvers = withEnterpriseRowScope(
  mergeResolvers<Resolvers>(
    readResolvers,
    balanceResolvers,
    creditResolvers,
    creditHistoryResolvers,
    earlySpringResolvers,
    internalResolvers,
  ),
);
