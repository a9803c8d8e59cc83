import type { Caller } from '../kernel/caller.js';
import type { Db } from '../kernel/db.js';
import type { PageLimits } from '../kernel/pagination.js';
import type { ContextArgs, SubgraphModule } from '../kernel/subgraph.js';
import { LibraryWorkflow } from './library/index.js';
import { createLoaders, type TechLoaders } from './loaders.js';
import { TechRepository } from './repository.js';
import { resolvers } from './resolvers.js';
import { subgraphTypeDefs } from '../kernel/sdl.js';

/** The technology bureau's subgraph: the enterprise library and patents. */
export const name = 'tech' as const;
export const typeDefs = subgraphTypeDefs(name);

export interface TechContext {
  caller: Caller;
  limits: PageLimits;
  repository: TechRepository;
  library: LibraryWorkflow;
  loaders: TechLoaders;
  database: Db;
}

export function createContext({ caller, database, limits, peers }: ContextArgs): TechContext {
  const repository = new TechRepository(database.db, caller);
  const library = new LibraryWorkflow(database.db, caller, peers);
  return {
    caller,
    limits,
    repository,
    library,
    loaders: createLoaders(repository, library),
    database: database.db,
  };
}

export const subgraph: SubgraphModule<TechContext> = { name, typeDefs, resolvers, createContext };
export { resolvers };
