import type { Caller } from '../shared/caller.js';
import type { PageLimits } from '../shared/pagination.js';
import type { ContextArgs, SubgraphModule } from '../shared/subgraph.js';
import { BankEventLedger, type BankEventFollower } from './bank-events.js';
import { createLoaders, type FinanceLoaders } from './loaders.js';
import { NeedWorkflow } from './need-workflow.js';
import { ProspectFeed } from './prospect-feed.js';
import { FinanceRepository } from './repository.js';
import { resolvers } from './resolvers.js';
import { subgraphTypeDefs } from '../shared/sdl.js';

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
}

/** Ledgers kept in step with the banks' writes, in the transaction that records each one. */
const bankEventFollowers: BankEventFollower[] = [];

export function createContext({ caller, database, limits }: ContextArgs): FinanceContext {
  const repository = new FinanceRepository(database.db, caller);
  return {
    caller,
    limits,
    repository,
    workflow: new NeedWorkflow(database.db, caller),
    feed: new ProspectFeed(database.db, caller),
    loaders: createLoaders(repository),
    bankEvents: new BankEventLedger(database.db, caller, bankEventFollowers),
  };
}

export const subgraph: SubgraphModule<FinanceContext> = {
  name,
  typeDefs,
  resolvers,
  createContext,
};
export { resolvers };
