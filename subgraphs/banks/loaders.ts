import { groupLoader, rowLoader } from '../kernel/loader.js';
import type { BanksRepository } from './repository.js';

export function createLoaders(repository: BanksRepository) {
  return {
    bank: rowLoader(
      (ids) => repository.banksByIds(ids),
      (row) => row.id,
    ),
    creditLine: rowLoader(
      (ids) => repository.creditLinesByIds(ids),
      (row) => row.id,
    ),
    creditLinesByEnterprise: groupLoader(
      (ids) => repository.creditLinesByEnterprises(ids),
      (row) => row.enterpriseId,
    ),
    loan: rowLoader(
      (ids) => repository.loansByIds(ids),
      (row) => row.id,
    ),
    deferralsByLoan: groupLoader(
      (ids) => repository.deferralsByLoans(ids),
      (row) => row.loanId,
    ),
    statusChangesByLoan: groupLoader(
      (ids) => repository.statusChangesByLoans(ids),
      (row) => row.loanId,
    ),
    loansByCreditLine: groupLoader(
      (ids) => repository.loansByCreditLines(ids),
      (row) => row.creditLineId,
    ),
    creditSummary: rowLoader(
      (ids) => repository.creditSummaries(ids, 'visible'),
      (row) => row.enterpriseId,
    ),
    pooledCreditSummary: rowLoader(
      (ids) => repository.creditSummaries(ids, 'pooled'),
      (row) => row.enterpriseId,
    ),
    solution: rowLoader(
      (ids) => repository.solutionsByIds(ids),
      (row) => row.id,
    ),
    solutionsByNeed: groupLoader(
      (ids) => repository.solutionsByNeeds(ids),
      (row) => row.needId,
    ),
  };
}

export type BanksLoaders = ReturnType<typeof createLoaders>;
