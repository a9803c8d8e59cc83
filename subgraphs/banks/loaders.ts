import DataLoader from 'dataloader';
import { groupLoader, rowLoader } from '../kernel/loader.js';
import type { BanksRepository, CreditSummaryRow, SummaryOver } from './repository.js';

/** An enterprise's credit summary over the lines the caller sees, or over every bank's. */
export interface SummaryKey {
  over: SummaryOver;
  enterpriseId: string;
}

/**
 * Credit summaries by enterprise and kind, per request: a batch asking for one kind is that
 * kind's statement; one asking for both (a dossier's `creditSummary` and `pooledCreditSummary`)
 * is one statement for the two.
 */
function summaryLoader(repository: BanksRepository) {
  return new DataLoader<SummaryKey, CreditSummaryRow | null, string>(
    async (keys) => {
      const kinds = new Set(keys.map((key) => key.over));
      const ids = [...new Set(keys.map((key) => key.enterpriseId))];
      const rows =
        kinds.size === 1
          ? await repository.creditSummaries(ids, keys[0].over)
          : await repository.bothCreditSummaries(ids);
      const found = new Map(rows.map((row) => [`${row.over}:${row.enterpriseId}`, row]));
      return keys.map((key) => found.get(`${key.over}:${key.enterpriseId}`) ?? null);
    },
    { cacheKeyFn: (key) => `${key.over}:${key.enterpriseId}` },
  );
}

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
    creditSummary: summaryLoader(repository),
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
