import { GraphQLError, parse } from 'graphql';
import {
  books,
  CONTACT_POLICY,
  contactOf,
  films,
  journal,
  LINK,
  READ,
  SECRET,
  secretOf,
  type BookRow,
  type FilmRow,
} from './data.js';
import type { FixtureSubgraph } from './index.js';

type Media = BookRow | FilmRow;
const media = (): Media[] => [...books, ...films];
const mediaById = (id: string) => media().find((m) => m.id === id) ?? null;
const authorRef = (id: string) => ({ __typename: 'Author', id });

/** Owns the media: books and films behind an entity interface, and a union over subgraphs. */
export const catalog: FixtureSubgraph = {
  name: 'catalog',
  typeDefs: parse(`${LINK}

  type Query {
    media: [Media!]!
    book(id: ID!): Book
    search(term: String!): [SearchResult!]!
    shop: Shop @shareable
    "Always refused: an error with a path at the root."
    failing: Book
    journal: [String!]!
  }

  type Mutation {
    resetJournal: [String!]!
    recordInCatalog(entry: String!): [String!]!
    "Answers the renamed book without keeping the new title."
    renameBook(id: ID!, title: String!): Book
  }

  interface Media @key(fields: "id") {
    id: ID!
    title: String!
    enterpriseId: ID!
  }

  type Book implements Media @key(fields: "id") ${READ} {
    id: ID!
    title: String! @shareable
    enterpriseId: ID!
    pages: Int
    contact: String ${CONTACT_POLICY}
    secretNote: String ${SECRET}
    internalCode: String @inaccessible
    price: Int
    author: Author
    "Fails for b2 with an error carrying no code."
    broken: String
  }

  type Film implements Media @key(fields: "id") ${READ} {
    id: ID!
    title: String!
    enterpriseId: ID!
    minutes: Int
    contact: String ${CONTACT_POLICY}
    director: Author
  }

  type Author @key(fields: "id", resolvable: false) {
    id: ID!
  }

  union SearchResult = Book | Film | Author

  type Shop @shareable ${READ} {
    name: String!
  }
`),
  resolvers: {
    Query: {
      media: () => media(),
      book: (_: unknown, { id }: { id: string }) => books.find((b) => b.id === id) ?? null,
      search: (_: unknown, { term }: { term: string }) => {
        const found = media().filter((m) => m.title.includes(term) || m.id === term);
        const people = found.map((m) =>
          authorRef(m.__typename === 'Book' ? m.authorId : m.directorId),
        );
        return [...found, ...people];
      },
      shop: () => ({ name: '科创书店' }),
      failing: () => {
        throw new GraphQLError('book "b-404" does not exist', {
          extensions: { code: 'NOT_FOUND' },
        });
      },
      journal: () => [...journal],
    },
    Mutation: {
      resetJournal: () => {
        journal.length = 0;
        return [];
      },
      recordInCatalog: (_: unknown, { entry }: { entry: string }) => {
        journal.push(`catalog:${entry}`);
        return [...journal];
      },
      renameBook: (_: unknown, { id, title }: { id: string; title: string }) => {
        const book = books.find((b) => b.id === id);
        if (!book) {
          throw new GraphQLError(`book "${id}" does not exist`, {
            extensions: { code: 'NOT_FOUND' },
          });
        }
        journal.push(`catalog:rename ${id}`);
        return { ...book, title };
      },
    },
    Media: {
      __resolveReference: (ref: { id: string }) => mediaById(ref.id),
    },
    Book: {
      __resolveReference: (ref: { id: string }) => books.find((b) => b.id === ref.id) ?? null,
      contact: (book: BookRow) => contactOf(book),
      secretNote: (book: BookRow) => secretOf(book),
      internalCode: (book: BookRow) => `code-${book.id}`,
      // Overridden by inventory: never served.
      price: () => 999,
      author: (book: BookRow) => authorRef(book.authorId),
      broken: (book: BookRow) => {
        if (book.id === 'b2') throw new Error('disk full at /var/lib/catalog/b2');
        return 'intact';
      },
    },
    Film: {
      __resolveReference: (ref: { id: string }) => films.find((f) => f.id === ref.id) ?? null,
      contact: (film: FilmRow) => contactOf(film),
      director: (film: FilmRow) => authorRef(film.directorId),
    },
  },
};
