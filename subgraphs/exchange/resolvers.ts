import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { pageWindow, toConnection, type PageArgs } from '../shared/pagination.js';
import { DateTime } from '../shared/scalars.js';
import type { ExchangeContext } from './index.js';
import { consentStatus, type ConsentFilter, type ConsentRow } from './repository.js';

export const resolvers: GraphQLResolverMap<ExchangeContext> = {
  DateTime,
  Query: {
    consent: (_: unknown, { id }: { id: string }, { loaders }: ExchangeContext) =>
      loaders.consent.load(id),
    consents: async (
      _: unknown,
      args: PageArgs & { filter?: ConsentFilter },
      { repository, limits }: ExchangeContext,
    ) => {
      const { limit, after } = pageWindow(args, limits);
      const rows = await repository.listConsents(args.filter ?? {}, limit, after);
      return toConnection(rows, limit, (row) => row.id);
    },
  },
  Consent: {
    __resolveReference: (ref: { id: string }, { loaders }: ExchangeContext) =>
      loaders.consent.load(ref.id),
    enterprise: (row: ConsentRow) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    bank: (row: ConsentRow) => ({ id: row.bankId }),
    status: (row: ConsentRow, _: unknown, { repository }: ExchangeContext) =>
      consentStatus(row, repository.now),
  },
  Enterprise: {
    // An extension: this subgraph holds no enterprise row, only consents keyed by its id.
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    consents: ({ id }: { id: string }, _: unknown, { loaders }: ExchangeContext) =>
      loaders.consentsByEnterprise.load(id),
  },
};
