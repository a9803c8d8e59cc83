import { groupLoader, rowLoader } from '../kernel/loader.js';
import type { ExchangeRepository } from './repository.js';

export function createLoaders(repository: ExchangeRepository) {
  return {
    consent: rowLoader(
      (ids) => repository.consentsByIds(ids),
      (row) => row.id,
    ),
    consentsByEnterprise: groupLoader(
      (ids) => repository.consentsByEnterprises(ids),
      (row) => row.enterpriseId,
    ),
  };
}

export type ExchangeLoaders = ReturnType<typeof createLoaders>;
