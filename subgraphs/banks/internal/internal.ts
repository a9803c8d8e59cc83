import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { eq, sql } from 'drizzle-orm';
import { badInput, forbidden } from '../../kernel/errors.js';
import { anyOf } from '../../kernel/sql.js';
import type { BanksContext } from '../index.js';
import { banks, creditLines, loans } from '../tables.js';

/** Most ids one org-directory lookup may ask about. */
const MAX_KNOWN_IDS = 100;

export const internalResolvers: GraphQLResolverMap<BanksContext> = {
  Query: {
    _participatingBank: async (
      _: unknown,
      { bankId }: { bankId: string },
      { caller, database }: BanksContext,
    ) => {
      if (caller.actor !== 'tech') throw forbidden('asked only by the tech subgraph');
      const [row] = await database.select({ id: banks.id }).from(banks).where(eq(banks.id, bankId));
      return row !== undefined;
    },
    _knownBanks: async (
      _: unknown,
      { ids }: { ids: string[] },
      { caller, database }: BanksContext,
    ) => {
      if (caller.party !== 'gateway') throw forbidden('only the gateway asks which banks exist');
      if (ids.length > MAX_KNOWN_IDS) throw badInput('ids', `at most ${MAX_KNOWN_IDS}`);
      if (ids.length === 0) return [];
      const rows = await database.select({ id: banks.id }).from(banks).where(anyOf(banks.id, ids));
      return rows.map((row) => row.id);
    },
    _largestLender: async (
      _: unknown,
      { enterpriseId }: { enterpriseId: string },
      { caller, database }: BanksContext,
    ) => {
      if (caller.actor !== 'finance') throw forbidden('asked only by the finance subgraph');
      // Principal outstanding first, then credit approved; the bank id breaks a tie, so the
      // answer never depends on row order.
      const result = await database.execute(sql`
        select bank_id from (
          select ${creditLines.bankId} as bank_id, ${creditLines.amountFen} as approved,
                 0::bigint as outstanding
          from ${creditLines} where ${creditLines.enterpriseId} = ${enterpriseId}
          union all
          select ${loans.bankId}, 0, ${loans.outstandingFen}
          from ${loans} where ${loans.enterpriseId} = ${enterpriseId}
        ) as lending
        group by bank_id
        order by sum(outstanding) desc, sum(approved) desc, bank_id
        limit 1`);
      // postgres.js answers a raw statement with the rows, PGlite with { rows }.
      const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
        bank_id: string;
      }[];
      return rows[0]?.bank_id ?? null;
    },
  },
};
