import type DataLoader from 'dataloader';
import { groupLoader, rowLoader } from '../kernel/loader.js';
import type { FinanceRepository, RecommendationRow } from './repository.js';

export function createLoaders(repository: FinanceRepository) {
  // One loader per page size asked for, so that every need of a batch shares one statement;
  // a request rarely asks for more than one size.
  const recommendations = new Map<number, DataLoader<string, RecommendationRow[]>>();
  const matching = new Map<string, DataLoader<string, RecommendationRow[]>>();
  return {
    need: rowLoader(
      (ids) => repository.needsByIds(ids),
      (row) => row.id,
    ),
    needsByEnterprise: groupLoader(
      (ids) => repository.needsByEnterprises(ids),
      (row) => row.enterpriseId,
    ),
    product: rowLoader(
      (ids) => repository.productsByIds(ids),
      (row) => row.id,
    ),
    profile: rowLoader(
      (ids) => repository.profilesByEnterprises(ids),
      (row) => row.enterpriseId,
    ),
    listingTier: rowLoader(
      (ids) => repository.listingTiersByEnterprises(ids),
      (row) => row.enterpriseId,
    ),
    feedback: groupLoader(
      (needIds) => repository.feedbackForNeeds(needIds),
      (row) => row.needId,
    ),
    recommendedProducts(perNeed: number): DataLoader<string, RecommendationRow[]> {
      let loader = recommendations.get(perNeed);
      if (!loader) {
        loader = groupLoader(
          (needIds) => repository.recommendationsForNeeds(needIds, perNeed),
          (row) => row.needId,
        );
        recommendations.set(perNeed, loader);
      }
      return loader;
    },
    /** The prospect feed's products of one bank per need; same batching as recommendations. */
    matchingProducts(bankId: string, perNeed: number): DataLoader<string, RecommendationRow[]> {
      const key = `${bankId}\u0000${perNeed}`;
      let loader = matching.get(key);
      if (!loader) {
        loader = groupLoader(
          (needIds) => repository.matchingProductsForNeeds(needIds, bankId, perNeed),
          (row) => row.needId,
        );
        matching.set(key, loader);
      }
      return loader;
    },
  };
}

export type FinanceLoaders = ReturnType<typeof createLoaders>;
