import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { mergeResolvers } from '../kernel/resolvers.js';
import { withEnterpriseRowScope } from '../kernel/row-scope.js';
import { creditResolvers } from './credit/index.js';
import { checkPeriod } from './statistics/index.js';
import { earlySpringResolvers } from './early-spring/index.js';
import { internalResolvers } from './internal/index.js';
import { pageOf, type PageArgs } from '../kernel/pagination.js';
import { scalarResolvers } from '../kernel/scalars.js';
import type { BanksContext } from './index.js';
import type {
  CreditLineFilter,
  CreditLineRow,
  CreditSummaryRow,
  LoanRow,
  SolutionRow,
  StatisticsRow,
} from './repository.js';

/** An enterprise with no lines in scope has a summary of zeros, not a missing one. */
function summaryOrZero(row: CreditSummaryRow | null, enterpriseId: string): CreditSummaryRow {
  return (
    row ?? {
      enterpriseId,
      totalApprovedFen: '0',
      outstandingFen: '0',
      lenders: 0,
      creditLines: 0,
      firstLoanOn: null,
    }
  );
}

const readResolvers: GraphQLResolverMap<BanksContext> = {
  ...scalarResolvers,
  Query: {
    bank: (_: unknown, { id }: { id: string }, { loaders }: BanksContext) => loaders.bank.load(id),
    banks: (_: unknown, __: unknown, { repository }: BanksContext) => repository.listBanks(),
    creditLines: (
      _: unknown,
      args: PageArgs & { filter?: CreditLineFilter },
      { repository, limits }: BanksContext,
    ) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listCreditLines(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
    creditStatistics: async (
      _: unknown,
      { from, to }: { from: string; to: string },
      { repository }: BanksContext,
    ) => {
      checkPeriod(from, to);
      const { banks, totals } = await repository.creditStatistics(from, to);
      return { from, to, banks, cityTotals: totals };
    },
  },
  BankCreditStatistics: {
    bank: (row: StatisticsRow, _: unknown, { loaders }: BanksContext) =>
      loaders.bank.load(row.bankId!),
    creditLinesApprovedAmount: (row: StatisticsRow) => row.creditLinesApprovedFen,
    loansDisbursedAmount: (row: StatisticsRow) => row.loansDisbursedFen,
    outstanding: (row: StatisticsRow) => row.outstandingFen,
  },
  CreditTotals: {
    creditLinesApprovedAmount: (row: StatisticsRow) => row.creditLinesApprovedFen,
    loansDisbursedAmount: (row: StatisticsRow) => row.loansDisbursedFen,
    outstanding: (row: StatisticsRow) => row.outstandingFen,
  },
  Bank: {
    __resolveReference: (ref: { id: string }, { loaders }: BanksContext) =>
      loaders.bank.load(ref.id),
  },
  FinancingSolution: {
    __resolveReference: (ref: { id: string }, { loaders }: BanksContext) =>
      loaders.solution.load(ref.id),
    need: (row: SolutionRow) => ({ __typename: 'FinancingNeed', id: row.needId }),
    bank: (row: SolutionRow, _: unknown, { loaders }: BanksContext) =>
      loaders.bank.load(row.bankId),
    amount: (row: SolutionRow) => row.amountFen,
  },
  CreditLine: {
    __resolveReference: (ref: { id: string }, { loaders }: BanksContext) =>
      loaders.creditLine.load(ref.id),
    bank: (row: CreditLineRow, _: unknown, { loaders }: BanksContext) =>
      loaders.bank.load(row.bankId),
    enterprise: (row: CreditLineRow) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    amount: (row: CreditLineRow) => row.amountFen,
    loans: (row: CreditLineRow, _: unknown, { loaders }: BanksContext) =>
      loaders.loansByCreditLine.load(row.id),
    // Shares the loans batch, so asking for both `loans` and `outstanding` costs one statement.
    outstanding: async (row: CreditLineRow, _: unknown, { loaders }: BanksContext) =>
      (await loaders.loansByCreditLine.load(row.id)).reduce(
        (sum, loan) => sum + loan.outstandingFen,
        0,
      ),
  },
  Loan: {
    __resolveReference: (ref: { id: string }, { loaders }: BanksContext) =>
      loaders.loan.load(ref.id),
    creditLine: (row: LoanRow, _: unknown, { loaders }: BanksContext) =>
      loaders.creditLine.load(row.creditLineId),
    amount: (row: LoanRow) => row.amountFen,
    outstanding: (row: LoanRow) => row.outstandingFen,
    deferrals: (row: LoanRow, _: unknown, { loaders }: BanksContext) =>
      loaders.deferralsByLoan.load(row.id),
  },
  CreditSummary: {
    totalApproved: (row: CreditSummaryRow) => row.totalApprovedFen,
    outstanding: (row: CreditSummaryRow) => row.outstandingFen,
  },
  Enterprise: {
    // An extension: this subgraph holds no enterprise row, only facts keyed by its id.
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    creditSummary: async ({ id }: { id: string }, _: unknown, { loaders }: BanksContext) =>
      summaryOrZero(await loaders.creditSummary.load(id), id),
    pooledCreditSummary: async ({ id }: { id: string }, _: unknown, { loaders }: BanksContext) =>
      summaryOrZero(await loaders.pooledCreditSummary.load(id), id),
    creditLines: ({ id }: { id: string }, _: unknown, { loaders }: BanksContext) =>
      loaders.creditLinesByEnterprise.load(id),
  },
  FinancingNeed: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    solutions: ({ id }: { id: string }, _: unknown, { loaders }: BanksContext) =>
      loaders.solutionsByNeed.load(id),
  },
};

export const resolvers = withEnterpriseRowScope(
  mergeResolvers<BanksContext>(
    readResolvers,
    creditResolvers,
    earlySpringResolvers,
    internalResolvers,
  ),
);
