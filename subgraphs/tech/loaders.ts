import { groupLoader, rowLoader } from '../kernel/loader.js';
import type { LibraryWorkflow } from './library/index.js';
import type { TechRepository } from './repository.js';

export function createLoaders(repository: TechRepository, library: LibraryWorkflow) {
  return {
    enterprise: rowLoader(
      (ids) => repository.enterprisesByIds(ids),
      (row) => row.id,
    ),
    enterpriseByUscc: rowLoader(
      (usccs) => repository.enterprisesByUsccs(usccs),
      (row) => row.uscc,
    ),
    patent: rowLoader(
      (ids) => repository.patentsByIds(ids),
      (row) => row.id,
    ),
    patentsByEnterprise: groupLoader(
      (ids) => repository.patentsByEnterprises(ids),
      (row) => row.enterpriseId,
    ),
    patentStats: rowLoader(
      (ids) => repository.patentStatsByEnterprises(ids),
      (row) => row.enterpriseId,
    ),
    /** Enterprises whose patent rows this request asked for: their stats are counted from those. */
    patentRowsAsked: new Set<string>(),
    financials: groupLoader(
      (ids) => repository.financialsByEnterprises(ids),
      (row) => row.enterpriseId,
    ),
    assessment: rowLoader(
      (ids) => repository.assessmentsByEnterprises(ids),
      (row) => row.enterpriseId,
    ),
    libraryHistory: groupLoader(
      (ids) => library.historyByEnterprises(ids),
      (row) => row.enterpriseId,
    ),
  };
}

export type TechLoaders = ReturnType<typeof createLoaders>;
