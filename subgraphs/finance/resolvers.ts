import { now } from '../kernel/clock.js';
import { forbidden } from '../kernel/errors.js';
import { mergeResolvers } from '../kernel/resolvers.js';
import { withEnterpriseRowScope } from '../kernel/row-scope.js';
import { bankEventResolvers } from './bank-events/index.js';
import { creditReportResolvers } from './credit-report/index.js';
import { cultivationResolvers } from './cultivation/index.js';
import { evaluationResolvers } from './evaluation/index.js';
import { listingSeedResolvers } from './listing-seeds/index.js';
import { noticeResolvers } from './notices/index.js';
import { productResolvers } from './products/index.js';
import { relendingResolvers } from './relending/index.js';
import { signingEventResolvers } from './signing-events/index.js';
import { guaranteeResolvers } from './guarantees/index.js';
import { ratingResolvers } from './ratings/index.js';
import { riskPoolResolvers } from './risk-pool/index.js';
import { statisticsResolvers } from './statistics/index.js';
import { subsidyResolvers } from './subsidies/index.js';
import { pageOf, pageWindow } from '../kernel/pagination.js';
import { scalarResolvers } from '../kernel/scalars.js';
import { enterpriseProfileResolvers, needEnterprise } from './enterprise-profiles/index.js';
import type { Resolvers } from './generated/resolvers.js';

/** Recommendations are a short list beside a need, not a page to scroll. */
const DEFAULT_RECOMMENDATIONS = 5;

const needResolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    _mainBankNeeds: (_, { bankId, enterpriseIds }, { caller, repository }) => {
      if (caller.party !== 'gateway') throw forbidden('only the gateway asks for main-bank facts');
      return repository.mainBankNeeds(bankId, enterpriseIds);
    },
    financingNeed: (_, { id }, { loaders }) => loaders.need.load(id),
    financingNeeds: (_, args, { repository, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listNeeds(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
    product: (_, { id }, { loaders }) => loaders.product.load(id),
    products: (_, args, { repository, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listProducts(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
    prospectFeed: (_, args, { feed, limits }) => feed.page(args, limits),
    overdueNeedsByBank: (_, __, { repository }) => repository.overdueByBank(),
  },
  Mutation: {
    submitFinancingNeed: async (_, { input }, { workflow }) => ({
      need: await workflow.submit(input),
    }),
    editFinancingNeed: async (_, { id, input }, { workflow }) => ({
      need: await workflow.edit(id, input),
    }),
    withdrawFinancingNeed: async (_, { id }, { workflow }) => ({
      need: await workflow.withdraw(id),
    }),
    triageFinancingNeed: async (_, { id, ...evidence }, { workflow }) => ({
      need: await workflow.triage(id, evidence),
    }),
    claimFinancingNeed: async (_, { id }, { workflow }) => ({
      need: await workflow.claim(id),
    }),
    declineFinancingNeed: async (_, { id, reason }, { workflow }) => ({
      need: await workflow.decline(id, reason),
    }),
    respondToAssignment: (_, { id, accept, reason }, { workflow }) =>
      workflow.respond(id, accept, reason),
  },
  ProspectFeedEntry: {
    matchingProducts: async (entry, args, { caller, loaders, limits }) => {
      if (entry.removed || !caller.org) return null;
      const { limit } = pageWindow({ first: args.first ?? DEFAULT_RECOMMENDATIONS }, limits);
      const ranked = await loaders.matchingProducts(caller.org, limit).load(entry.needId);
      return ranked.map((match) => match.product);
    },
  },
  NeedFeedback: {
    bank: (row) => ({ id: row.bankId }),
  },
  OverdueNeedCount: {
    bank: (row) => ({ id: row.bankId }),
  },
  FinancingNeed: {
    __resolveReference: (ref, { loaders }) => loaders.need.load(ref.id),
    enterprise: (row, _, { loaders }, info) => needEnterprise(row.enterpriseId, loaders, info),
    amount: (row) => row.amountFen,
    mainBank: (row) => (row.mainBankId ? { id: row.mainBankId } : null),
    preferredBank: (row) => (row.preferredBankId ? { id: row.preferredBankId } : null),
    feedback: (row, _, { loaders }) => loaders.feedback.load(row.id),
    overdue: (row) =>
      row.status === 'ASSIGNED' &&
      row.solutionProposedAt === null &&
      row.solutionDueAt !== null &&
      row.solutionDueAt.getTime() < now().getTime(),
    recommendedProducts: async (row, args, { loaders, limits }) => {
      const { limit } = pageWindow({ first: args.first ?? DEFAULT_RECOMMENDATIONS }, limits);
      const ranked = await loaders.recommendedProducts(limit).load(row.id);
      return ranked.map((recommendation) => recommendation.product);
    },
  },
  FinancialProduct: {
    __resolveReference: (ref, { loaders }) => loaders.product.load(ref.id),
    bank: (row) => ({ id: row.bankId }),
    minAmount: (row) => row.minAmountFen,
    maxAmount: (row) => row.maxAmountFen,
  },
  Enterprise: {
    // Enterprise belongs to the technology bureau; this subgraph only adds fields to it.
    __resolveReference: (ref) => ({ id: ref.id }),
    financingNeeds: (ref, _, { loaders }) => loaders.needsByEnterprise.load(ref.id),
    listingTier: async (ref, _, { loaders }) =>
      (await loaders.listingTier.load(ref.id))?.tier ?? null,
  },
};

export const resolvers = withEnterpriseRowScope(
  mergeResolvers<Resolvers>(
    needResolvers,
    bankEventResolvers,
    productResolvers,
    listingSeedResolvers,
    cultivationResolvers,
    creditReportResolvers,
    relendingResolvers,
    signingEventResolvers,
    noticeResolvers,
    guaranteeResolvers,
    riskPoolResolvers,
    subsidyResolvers,
    statisticsResolvers,
    ratingResolvers,
    evaluationResolvers,
    enterpriseProfileResolvers,
  ),
);
