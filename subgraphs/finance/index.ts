import type { Caller } from '../kernel/caller.js';
import type { Db } from '../kernel/db.js';
import type { PageLimits } from '../kernel/pagination.js';
import type { ContextArgs, SubgraphModule } from '../kernel/subgraph.js';
import { BankEventLedger, type BankEventFollower } from './bank-events/index.js';
import { CreditReportSections } from './credit-report/index.js';
import { Cultivation } from './cultivation/index.js';
import { BankEvaluations } from './evaluation/index.js';
import { ListingSeeds } from './listing-seeds/index.js';
import { createLoaders, type FinanceLoaders } from './loaders.js';
import { NeedWorkflow, ProspectFeed } from './needs/index.js';
import { Notices } from './notices/index.js';
import { ProductCatalogue } from './products/index.js';
import { drawOnRelendingQuota, Relending } from './relending/index.js';
import { FinanceRepository } from './repository.js';
import { GuaranteeLedger, guaranteeLossFollower } from './guarantees/index.js';
import { ServiceRatings } from './ratings/index.js';
import { RiskPool } from './risk-pool/index.js';
import { ServiceStatistics } from './statistics/index.js';
import { SubsidyLedger } from './subsidies/index.js';
import { resolvers } from './resolvers.js';
import { SigningEvents } from './signing-events/index.js';
import { subgraphTypeDefs } from '../kernel/sdl.js';

/** The finance office's subgraph: financing needs, the product catalogue and listing seeds. */
export const name = 'finance' as const;
export const typeDefs = subgraphTypeDefs(name);

export interface FinanceContext {
  caller: Caller;
  limits: PageLimits;
  repository: FinanceRepository;
  workflow: NeedWorkflow;
  feed: ProspectFeed;
  loaders: FinanceLoaders;
  bankEvents: BankEventLedger;
  products: ProductCatalogue;
  listingSeeds: ListingSeeds;
  cultivation: Cultivation;
  creditReport: CreditReportSections;
  relending: Relending;
  signingEvents: SigningEvents;
  notices: Notices;
  guarantees: GuaranteeLedger;
  riskPool: RiskPool;
  subsidies: SubsidyLedger;
  statistics: ServiceStatistics;
  ratings: ServiceRatings;
  evaluations: BankEvaluations;
  database: Db;
}

/** Ledgers kept in step with the banks' writes, in the transaction that records each one. */
export const bankEventFollowers: BankEventFollower[] = [
  drawOnRelendingQuota,
  guaranteeLossFollower,
];

export function createContext({
  caller,
  database,
  limits,
  config,
  peers,
}: ContextArgs): FinanceContext {
  const repository = new FinanceRepository(database.db, caller);
  return {
    caller,
    limits,
    repository,
    workflow: new NeedWorkflow(database.db, caller, peers, config.claimThrottle),
    feed: new ProspectFeed(database.db, caller),
    loaders: createLoaders(repository),
    bankEvents: new BankEventLedger(database.db, caller, bankEventFollowers),
    products: new ProductCatalogue(database.db, caller),
    listingSeeds: new ListingSeeds(database.db, caller),
    cultivation: new Cultivation(database.db, caller),
    creditReport: new CreditReportSections(database.db),
    relending: new Relending(database.db, caller),
    signingEvents: new SigningEvents(database.db, caller),
    notices: new Notices(database.db, caller),
    guarantees: new GuaranteeLedger(database.db, caller),
    riskPool: new RiskPool(database.db, caller, config.riskPool),
    subsidies: new SubsidyLedger(
      database.db,
      caller,
      config.interestSubsidyRate,
      config.evaluation.rewardShare,
    ),
    statistics: new ServiceStatistics(database.db, caller),
    ratings: new ServiceRatings(database.db, caller),
    evaluations: new BankEvaluations(database.db, caller, config.evaluation, peers),
    database: database.db,
  };
}

export const subgraph: SubgraphModule<FinanceContext> = {
  name,
  typeDefs,
  resolvers,
  createContext,
};
export { resolvers };
