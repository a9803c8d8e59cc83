import type { SubgraphName } from './kernel/config.js';
import type { SubgraphModule } from './kernel/subgraph.js';
import { subgraph as banks } from './banks/index.js';
import { subgraph as exchange } from './exchange/index.js';
import { subgraph as finance } from './finance/index.js';
import { subgraph as tech } from './tech/index.js';

/** Each subgraph by name; its SDL is `subgraphs/<name>/schema.graphql` plus each domain folder's `schema.graphql`. */
export const subgraphs: Record<SubgraphName, SubgraphModule<any>> = {
  tech,
  finance,
  banks,
  exchange,
};
