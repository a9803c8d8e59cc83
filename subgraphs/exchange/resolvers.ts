import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { pageOf, type PageArgs } from '../kernel/pagination.js';
import { DateTime } from '../kernel/scalars.js';
import type { ExchangeContext } from './index.js';
import { withEnterpriseRowScope } from '../kernel/row-scope.js';
import {
  consentStatus,
  type ConsentFilter,
  type ConsentRow,
  type DisclosureFilter,
  type DisclosureRow,
  type GrantConsentInput,
} from './repository.js';

export const resolvers = withEnterpriseRowScope<ExchangeContext>({
  DateTime,
  // The log stores a basis's policy under the name @policy gives it.
  DisclosurePolicy: {
    CONSENT: 'consent',
    MAIN_BANK: 'main_bank',
    SELF: 'self',
    MANDATE: 'unrestricted',
  },
  Query: {
    consent: (_: unknown, { id }: { id: string }, { loaders }: ExchangeContext) =>
      loaders.consent.load(id),
    consents: (
      _: unknown,
      args: PageArgs & { filter?: ConsentFilter },
      { repository, limits }: ExchangeContext,
    ) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listConsents(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
    disclosures: (
      _: unknown,
      args: PageArgs & { filter?: DisclosureFilter },
      { repository, limits }: ExchangeContext,
    ) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listDisclosures(args.filter ?? {}, limit, after),
        (row) => String(row.seq),
      ),
  },
  Mutation: {
    grantConsent: (
      _: unknown,
      { input }: { input: GrantConsentInput },
      { repository }: ExchangeContext,
    ) => repository.grantConsent(input),
    revokeConsent: (_: unknown, { id }: { id: string }, { repository }: ExchangeContext) =>
      repository.revokeConsent(id),
  },
  Consent: {
    __resolveReference: (ref: { id: string }, { loaders }: ExchangeContext) =>
      loaders.consent.load(ref.id),
    enterprise: (row: ConsentRow) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    bank: (row: ConsentRow) => ({ id: row.bankId }),
    status: (row: ConsentRow, _: unknown, { repository }: ExchangeContext) =>
      consentStatus(row, repository.now),
  },
  Disclosure: {
    seq: (row: DisclosureRow) => String(row.seq),
    enterprise: (row: DisclosureRow) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
  },
  Enterprise: {
    // An extension: this subgraph holds no enterprise row, only consents keyed by its id.
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    consents: ({ id }: { id: string }, _: unknown, { loaders }: ExchangeContext) =>
      loaders.consentsByEnterprise.load(id),
  },
});
