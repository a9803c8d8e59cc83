import { parse } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  authors,
  CONTACT_POLICY,
  contactOf,
  LINK,
  READ,
  reviews as rows,
  SECRET,
  secretOf,
} from './data.js';
import type { FixtureSubgraph } from './index.js';

type ReviewRow = (typeof rows)[number];

/**
 * A subgraph error with no path: the reviews index warns whenever `pathless` is asked, as a
 * subgraph's plugin or middleware may, outside any resolver.
 */
const pathlessWarning: ApolloServerPlugin = {
  async requestDidStart({ request }) {
    if (!request.query?.includes('pathless')) return;
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        result.errors = [
          ...(result.errors ?? []),
          { message: 'the reviews index is being rebuilt', extensions: { code: 'FORBIDDEN' } },
        ];
      },
    };
  },
};

/**
 * Reviews of any media, through `@interfaceObject`, and the reviews each author wrote; it
 * `@provides` the reviewer's name it keeps beside each review.
 */
export const reviews: FixtureSubgraph = {
  name: 'reviews',
  typeDefs: parse(`${LINK}

  type Query {
    reviews: [Review!]!
    review(id: ID!): Review
    pathless: String
  }

  type Review @key(fields: "id") ${READ} {
    id: ID!
    body: String!
    stars: Int!
    enterpriseId: ID!
    contact: String ${CONTACT_POLICY}
    secretNote: String ${SECRET}
    author: Author @provides(fields: "name")
    media: Media
  }

  type Author @key(fields: "id") {
    id: ID!
    name: String! @external
    reviews: [Review!]!
  }

  type Media @key(fields: "id") @interfaceObject {
    id: ID!
    reviews: [Review!]!
    averageStars: Float
  }
`),
  resolvers: {
    Query: {
      reviews: () => rows,
      review: (_: unknown, { id }: { id: string }) => rows.find((r) => r.id === id) ?? null,
      pathless: () => 'served',
    },
    Review: {
      __resolveReference: (ref: { id: string }) => rows.find((r) => r.id === ref.id) ?? null,
      contact: (review: ReviewRow) => contactOf(review),
      secretNote: (review: ReviewRow) => secretOf(review),
      author: (review: ReviewRow) => ({
        id: review.authorId,
        name: authors.find((a) => a.id === review.authorId)?.name,
      }),
      media: (review: ReviewRow) => ({ id: review.mediaId }),
    },
    Author: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      reviews: (author: { id: string }) => rows.filter((r) => r.authorId === author.id),
    },
    Media: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      reviews: (media: { id: string }) => rows.filter((r) => r.mediaId === media.id),
      averageStars: (media: { id: string }) => {
        const stars = rows.filter((r) => r.mediaId === media.id).map((r) => r.stars);
        return stars.length ? stars.reduce((a, b) => a + b, 0) / stars.length : null;
      },
    },
  },
  plugins: [pathlessWarning],
};
