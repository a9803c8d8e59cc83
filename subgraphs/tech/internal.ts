import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { eq } from 'drizzle-orm';
import { forbidden } from '../shared/errors.js';
import type { TechContext } from './index.js';
import { enterprises } from './tables.js';

export const internalResolvers: GraphQLResolverMap<TechContext> = {
  Query: {
    _basicAccountBank: async (
      _: unknown,
      { enterpriseId }: { enterpriseId: string },
      { caller, database }: TechContext,
    ) => {
      if (caller.actor !== 'finance') throw forbidden('asked only by the finance subgraph');
      const [row] = await database
        .select({ bank: enterprises.basicAccountBankId })
        .from(enterprises)
        .where(eq(enterprises.id, enterpriseId));
      return row?.bank ?? null;
    },
  },
};
