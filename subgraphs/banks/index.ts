import type { Caller } from '../kernel/caller.js';
import type { Db } from '../kernel/db.js';
import type { PageLimits } from '../kernel/pagination.js';
import type { ContextArgs, SubgraphModule } from '../kernel/subgraph.js';
import { MonthEndBalances } from './balances/index.js';
import { CreditWorkflow } from './credit/index.js';
import { CreditHistories } from './credit-report/index.js';
import { createLoaders, type BanksLoaders } from './loaders.js';
import { BanksRepository } from './repository.js';
import { resolvers } from './resolvers.js';
import { subgraphTypeDefs } from '../kernel/sdl.js';

/** The banks' subgraph: banks, 一企一策 solutions, credit lines and loans. */
export const name = 'banks' as const;
export const typeDefs = subgraphTypeDefs(name);

export interface BanksContext {
  caller: Caller;
  limits: PageLimits;
  repository: BanksRepository;
  loaders: BanksLoaders;
  credit: CreditWorkflow;
  balances: MonthEndBalances;
  creditHistories: CreditHistories;
  database: Db;
}

export function createContext({ caller, database, limits, peers }: ContextArgs): BanksContext {
  const repository = new BanksRepository(database.db, caller);
  return {
    caller,
    limits,
    repository,
    loaders: createLoaders(repository),
    credit: new CreditWorkflow(database.db, caller, peers),
    balances: new MonthEndBalances(database.db, caller),
    creditHistories: new CreditHistories(database.db),
    database: database.db,
  };
}

export const subgraph: SubgraphModule<BanksContext> = { name, typeDefs, resolvers, createContext };
export { resolvers };
