import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { DocumentNode } from 'graphql';
import { catalog } from './catalog.js';
import { inventory } from './inventory.js';
import { people } from './people.js';
import { reviews } from './reviews.js';

/** A subgraph of the conformance fixture: its SDL, its resolvers over in-memory rows. */
export interface FixtureSubgraph {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<unknown>;
  plugins?: ApolloServerPlugin[];
}

export const fixtureSubgraphs: FixtureSubgraph[] = [catalog, people, reviews, inventory];
