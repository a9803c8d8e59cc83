import { parse } from 'graphql';
import { authors, CONTACT_POLICY, contactOf, LINK, READ, SECRET, secretOf } from './data.js';
import type { FixtureSubgraph } from './index.js';

type AuthorRow = (typeof authors)[number];

const COUNTRIES: Record<string, { code: string; name: string }> = {
  CN: { code: 'CN', name: '中国' },
  GB: { code: 'GB', name: 'United Kingdom' },
};

/** Owns the authors; a book's author that is not here resolves to null. */
export const people: FixtureSubgraph = {
  name: 'people',
  typeDefs: parse(`${LINK}

  type Query {
    authors: [Author!]!
    author(id: ID!): Author
  }

  enum Calendar {
    GREGORIAN
    LUNAR
  }

  type Author @key(fields: "id") ${READ} {
    id: ID!
    name: String! @shareable
    enterpriseId: ID!
    contact: String ${CONTACT_POLICY}
    secretNote: String ${SECRET}
    born(calendar: Calendar = GREGORIAN): String
    books: [Book!]!
    country: Country
  }

  type Book @key(fields: "id", resolvable: false) {
    id: ID!
  }

  type Country ${READ} {
    code: String!
    name: String!
  }
`),
  resolvers: {
    Query: {
      authors: () => authors,
      author: (_: unknown, { id }: { id: string }) => authors.find((a) => a.id === id) ?? null,
    },
    Author: {
      __resolveReference: (ref: { id: string }) => authors.find((a) => a.id === ref.id) ?? null,
      contact: (author: AuthorRow) => contactOf(author),
      secretNote: (author: AuthorRow) => secretOf(author),
      born: (author: AuthorRow, { calendar }: { calendar: string }) =>
        calendar === 'LUNAR' ? author.bornLunar : author.born,
      books: (author: AuthorRow) => author.bookIds.map((id) => ({ __typename: 'Book', id })),
      country: (author: AuthorRow) => COUNTRIES[author.country] ?? null,
    },
  },
};
