import type { ApolloServerPlugin } from '@apollo/server';
import type { buildSubgraphSchema } from '@apollo/subgraph';
import { catalog } from './catalog.js';
import { inventory } from './inventory.js';
import { people } from './people.js';
import { reviews } from './reviews.js';

type SchemaModule = Extract<Parameters<typeof buildSubgraphSchema>[0], readonly unknown[]>[number];

/** A subgraph of the conformance fixture: its SDL, its resolvers over in-memory rows. */
export interface FixtureSubgraph extends SchemaModule {
  name: string;
  plugins?: ApolloServerPlugin[];
}

export const fixtureSubgraphs: FixtureSubgraph[] = [catalog, people, reviews, inventory];
