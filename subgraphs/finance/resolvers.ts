import { now } from '../kernel/clock.js';
import { forbidden } from '../kernel/errors.js';
import { mergeResolvers } from '../kernel/resolvers.js';
import { withEnterpriseRowScope } from '../kernel/row-scope.js';
import { bankEventResolvers } from './bank-events/index.js';
import { cultivationResolvers } from './cultivation/index.js';
import { listingSeedResolvers } from './listing-seeds/index.js';
import { noticeResolvers } from './notices/index.js';
import { productResolvers } from './products/index.js';
import { relendingResolvers } from './relending/index.js';
import { signingEventResolvers } from './signing-events/index.js';
import { guaranteeResolvers } from './guarantees/index.js';
import { riskPoolResolvers } from './risk-pool/index.js';
import { statisticsResolvers } from './statistics/index.js';
import { subsidyResolvers } from './subsidies/index.js';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { pageOf, pageWindow, type PageArgs } from '../kernel/pagination.js';
import { scalarResolvers } from '../kernel/scalars.js';
import { enterpriseProfileResolvers } from './enterprise-profiles/index.js';
import type { FinanceContext } from './index.js';
import type {
  EditNeedInput,
  MainBankEvidence,
  ProspectFeedEntry,
  ProspectFeedFilter,
  SubmitNeedInput,
} from './needs/index.js';
import type {
  FeedbackRow,
  FinancingNeedFilter,
  NeedRow,
  OverdueCountRow,
  ProductFilter,
  ProductRow,
} from './repository.js';

/** Recommendations are a short list beside a need, not a page to scroll. */
const DEFAULT_RECOMMENDATIONS = 5;

const needResolvers: GraphQLResolverMap<FinanceContext> = {
  ...scalarResolvers,
  Query: {
    _mainBankNeeds: (
      _: unknown,
      { bankId, enterpriseIds }: { bankId: string; enterpriseIds: string[] },
      { caller, repository }: FinanceContext,
    ) => {
      if (caller.party !== 'gateway') throw forbidden('only the gateway asks for main-bank facts');
      return repository.mainBankNeeds(bankId, enterpriseIds);
    },
    financingNeed: (_: unknown, { id }: { id: string }, { loaders }: FinanceContext) =>
      loaders.need.load(id),
    financingNeeds: (
      _: unknown,
      args: PageArgs & { filter?: FinancingNeedFilter },
      { repository, limits }: FinanceContext,
    ) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listNeeds(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
    product: (_: unknown, { id }: { id: string }, { loaders }: FinanceContext) =>
      loaders.product.load(id),
    products: (
      _: unknown,
      args: PageArgs & { filter?: ProductFilter },
      { repository, limits }: FinanceContext,
    ) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listProducts(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
    prospectFeed: (
      _: unknown,
      args: PageArgs & { filter?: ProspectFeedFilter },
      { feed, limits }: FinanceContext,
    ) => feed.page(args, limits),
    overdueNeedsByBank: (_: unknown, __: unknown, { repository }: FinanceContext) =>
      repository.overdueByBank(),
  },
  Mutation: {
    submitFinancingNeed: async (
      _: unknown,
      { input }: { input: SubmitNeedInput },
      { workflow }: FinanceContext,
    ) => ({ need: await workflow.submit(input) }),
    editFinancingNeed: async (
      _: unknown,
      { id, input }: { id: string; input: EditNeedInput },
      { workflow }: FinanceContext,
    ) => ({ need: await workflow.edit(id, input) }),
    withdrawFinancingNeed: async (
      _: unknown,
      { id }: { id: string },
      { workflow }: FinanceContext,
    ) => ({ need: await workflow.withdraw(id) }),
    triageFinancingNeed: async (
      _: unknown,
      { id, ...evidence }: { id: string } & MainBankEvidence,
      { workflow }: FinanceContext,
    ) => ({ need: await workflow.triage(id, evidence) }),
    claimFinancingNeed: async (
      _: unknown,
      { id }: { id: string },
      { workflow }: FinanceContext,
    ) => ({
      need: await workflow.claim(id),
    }),
    declineFinancingNeed: async (
      _: unknown,
      { id, reason }: { id: string; reason: string },
      { workflow }: FinanceContext,
    ) => ({ need: await workflow.decline(id, reason) }),
    respondToAssignment: (
      _: unknown,
      { id, accept, reason }: { id: string; accept: boolean; reason: string },
      { workflow }: FinanceContext,
    ) => workflow.respond(id, accept, reason),
  },
  ProspectFeedEntry: {
    matchingProducts: async (
      entry: ProspectFeedEntry,
      args: { first?: number | null },
      { caller, loaders, limits }: FinanceContext,
    ) => {
      if (entry.removed || !caller.org) return null;
      const { limit } = pageWindow({ first: args.first ?? DEFAULT_RECOMMENDATIONS }, limits);
      const ranked = await loaders.matchingProducts(caller.org, limit).load(entry.needId);
      return ranked.map((match) => match.product);
    },
  },
  NeedFeedback: {
    bank: (row: FeedbackRow) => ({ id: row.bankId }),
  },
  OverdueNeedCount: {
    bank: (row: OverdueCountRow) => ({ id: row.bankId }),
  },
  FinancingNeed: {
    __resolveReference: (ref: { id: string }, { loaders }: FinanceContext) =>
      loaders.need.load(ref.id),
    enterprise: (row: NeedRow) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    amount: (row: NeedRow) => row.amountFen,
    mainBank: (row: NeedRow) => (row.mainBankId ? { id: row.mainBankId } : null),
    preferredBank: (row: NeedRow) => (row.preferredBankId ? { id: row.preferredBankId } : null),
    feedback: (row: NeedRow, _: unknown, { loaders }: FinanceContext) =>
      loaders.feedback.load(row.id),
    overdue: (row: NeedRow) =>
      row.status === 'ASSIGNED' &&
      row.solutionProposedAt === null &&
      row.solutionDueAt !== null &&
      row.solutionDueAt.getTime() < now().getTime(),
    recommendedProducts: async (
      row: NeedRow,
      args: { first?: number | null },
      { loaders, limits }: FinanceContext,
    ) => {
      const { limit } = pageWindow({ first: args.first ?? DEFAULT_RECOMMENDATIONS }, limits);
      const ranked = await loaders.recommendedProducts(limit).load(row.id);
      return ranked.map((recommendation) => recommendation.product);
    },
  },
  FinancialProduct: {
    __resolveReference: (ref: { id: string }, { loaders }: FinanceContext) =>
      loaders.product.load(ref.id),
    bank: (row: ProductRow) => ({ id: row.bankId }),
    minAmount: (row: ProductRow) => row.minAmountFen,
    maxAmount: (row: ProductRow) => row.maxAmountFen,
  },
  Enterprise: {
    // Enterprise belongs to the technology bureau; this subgraph only adds fields to it.
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    financingNeeds: (ref: { id: string }, _: unknown, { loaders }: FinanceContext) =>
      loaders.needsByEnterprise.load(ref.id),
    listingTier: async (ref: { id: string }, _: unknown, { loaders }: FinanceContext) =>
      (await loaders.listingTier.load(ref.id))?.tier ?? null,
  },
};

export const resolvers = withEnterpriseRowScope(
  mergeResolvers<FinanceContext>(
    needResolvers,
    bankEventResolvers,
    productResolvers,
    listingSeedResolvers,
    cultivationResolvers,
    relendingResolvers,
    signingEventResolvers,
    noticeResolvers,
    guaranteeResolvers,
    riskPoolResolvers,
    subsidyResolvers,
    statisticsResolvers,
    enterpriseProfileResolvers,
  ),
);
