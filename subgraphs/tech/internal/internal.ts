import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { eq } from 'drizzle-orm';
import { anyOf } from '../../kernel/sql.js';
import { badInput, forbidden } from '../../kernel/errors.js';
import type { TechContext } from '../index.js';
import { enterprises } from '../tables.js';

/** Most ids one org-directory lookup may ask about. */
const MAX_KNOWN_IDS = 100;

export const internalResolvers: GraphQLResolverMap<TechContext> = {
  Query: {
    _knownEnterprises: async (
      _: unknown,
      { ids }: { ids: string[] },
      { caller, database }: TechContext,
    ) => {
      if (caller.party !== 'gateway')
        throw forbidden('only the gateway asks which enterprises exist');
      if (ids.length > MAX_KNOWN_IDS) throw badInput('ids', `at most ${MAX_KNOWN_IDS}`);
      if (ids.length === 0) return [];
      const rows = await database
        .select({ id: enterprises.id })
        .from(enterprises)
        .where(anyOf(enterprises.id, ids));
      return rows.map((row) => row.id);
    },
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
