import { pageOf } from '../kernel/pagination.js';
import { DateTime } from '../kernel/scalars.js';
import { withEnterpriseRowScope } from '../kernel/row-scope.js';
import type { Resolvers } from './generated/resolvers.js';
import { consentStatus } from './repository.js';
import { leafHash } from './log-hash.js';

export const resolvers = withEnterpriseRowScope<Resolvers>({
  DateTime,
  // The log stores a basis's policy under the name @policy gives it.
  DisclosurePolicy: {
    CONSENT: 'consent',
    MAIN_BANK: 'main_bank',
    SELF: 'self',
    MANDATE: 'unrestricted',
  },
  Query: {
    consent: (_, { id }, { loaders }) => loaders.consent.load(id),
    consents: (_, args, { repository, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listConsents(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
    disclosures: (_, args, { repository, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listDisclosures(args.filter ?? {}, limit, after),
        (row) => String(row.seq),
      ),
    treeHead: (_, { treeSize }, { transparency }) => transparency.treeHead(treeSize),
    consistencyProof: (_, { first, second }, { transparency }) =>
      transparency.consistency(first, second),
  },
  Mutation: {
    grantConsent: (_, { input }, { repository }) => repository.grantConsent(input),
    revokeConsent: (_, { id }, { repository }) => repository.revokeConsent(id),
  },
  Consent: {
    __resolveReference: (ref, { loaders }) => loaders.consent.load(ref.id),
    enterprise: (row) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    bank: (row) => ({ id: row.bankId }),
    status: (row, _, { repository }) => consentStatus(row, repository.now),
  },
  Disclosure: {
    seq: (row) => String(row.seq),
    enterprise: (row) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    prevHash: (row) => row.prevHash ?? '',
    leafHash: (row) => leafHash(row),
    leafIndex: (row, _, { loaders }) => loaders.leafIndex.load(String(row.seq)),
    inclusionProof: async (row, { treeSize }, { loaders, transparency }) =>
      transparency.inclusion(
        await loaders.leafIndex.load(String(row.seq)),
        leafHash(row),
        treeSize,
      ),
  },
  TreeHead: {
    timestamp: (head) => head.at,
  },
  Enterprise: {
    // An extension: this subgraph holds no enterprise row, only consents keyed by its id.
    __resolveReference: (ref) => ({ id: ref.id }),
    consents: ({ id }, _, { loaders }) => loaders.consentsByEnterprise.load(id),
  },
});
