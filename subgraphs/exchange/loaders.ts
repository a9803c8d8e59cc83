import { groupLoader, rowLoader } from '../kernel/loader.js';
import DataLoader from 'dataloader';
import type { ExchangeRepository } from './repository.js';
import type { Transparency } from './transparency.js';

export function createLoaders(repository: ExchangeRepository, transparency: Transparency) {
  return {
    /** An entry's leaf index by its seq; null until the sequencer has integrated it. */
    leafIndex: new DataLoader<string, number | null>(async (seqs) => {
      const indexes = await transparency.leafIndexes(seqs);
      return seqs.map((seq) => indexes.get(Number(seq)) ?? null);
    }),
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
