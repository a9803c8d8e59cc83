import type { Caller } from '../kernel/caller.js';
import type { PageLimits } from '../kernel/pagination.js';
import type { ContextArgs, SubgraphModule } from '../kernel/subgraph.js';
import { createLoaders, type ExchangeLoaders } from './loaders.js';
import { ExchangeRepository } from './repository.js';
import { resolvers } from './resolvers.js';
import { Transparency } from './transparency.js';
import { subgraphTypeDefs } from '../kernel/sdl.js';

/** The platform operator's subgraph: enterprises' consents (企业授权) to banks and the disclosure log (披露记录). */
export const name = 'exchange' as const;
export const typeDefs = subgraphTypeDefs(name);

export interface ExchangeContext {
  caller: Caller;
  limits: PageLimits;
  repository: ExchangeRepository;
  transparency: Transparency;
  loaders: ExchangeLoaders;
}

export function createContext({ caller, database, limits }: ContextArgs): ExchangeContext {
  const repository = new ExchangeRepository(database.db, caller);
  const transparency = new Transparency(database.db);
  return {
    caller,
    limits,
    repository,
    transparency,
    loaders: createLoaders(repository, transparency),
  };
}

export const subgraph: SubgraphModule<ExchangeContext> = {
  name,
  typeDefs,
  resolvers,
  createContext,
};
export { resolvers };
export {
  exchangeStore,
  type ActiveConsent,
  type DisclosureAppend,
  type DisclosureRow,
  type ExchangeStore,
} from './store.js';
