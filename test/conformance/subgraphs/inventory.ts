import { GraphQLError, parse } from 'graphql';
import { CONTACT_POLICY, contactOf, journal, LINK, READ, stock } from './data.js';
import type { FixtureSubgraph } from './index.js';

type StockRow = (typeof stock)[number];

const PRICES: Record<string, number> = { b1: 42, b2: 36, b3: 28 };

/** Prices (taken over from the catalog), stock, and reading times computed from the pages. */
export const inventory: FixtureSubgraph = {
  name: 'inventory',
  typeDefs: parse(`${LINK}

  type Query {
    shop: Shop @shareable
    stock: [StockItem!]! @listSize(assumedSize: 20)
    "What is on the shelf: the titles of its books kept here."
    shelf: [Shelved!]! @provides(fields: "... on Book { title }")
    "The titled things of the shop, their titles kept here."
    titled: [Titled!]! @provides(fields: "... on Book { title }") @cost(weight: 3)
  }

  union Shelved = Book | StockItem

  interface Titled {
    id: ID!
    title: String!
  }

  type Mutation {
    recordInInventory(entry: String!): [String!]!
    "Always refused."
    closeInventory: Int
  }

  type Shop @shareable ${READ} {
    name: String!
  }

  type Book implements Titled @key(fields: "id") ${READ} {
    id: ID!
    title: String! @external
    pages: Int @external
    readingMinutes(wordsPerMinute: Int! = 250): Int @requires(fields: "pages")
    price: Int @override(from: "catalog")
  }

  type StockItem ${READ} {
    sku: ID!
    quantity: Int!
    enterpriseId: ID!
    contact: String ${CONTACT_POLICY}
    book: Book
  }
`),
  resolvers: {
    Query: {
      shop: () => ({ name: '科创书店' }),
      stock: () => stock,
      shelf: () => [
        { __typename: 'Book', id: 'b2', title: '家' },
        { __typename: 'StockItem', ...stock[0] },
        { __typename: 'Book', id: 'b1', title: '呐喊' },
      ],
      titled: () => [
        { __typename: 'Book', id: 'b1', title: '呐喊' },
        { __typename: 'Book', id: 'b3', title: '彷徨' },
      ],
    },
    Mutation: {
      recordInInventory: (_: unknown, { entry }: { entry: string }) => {
        journal.push(`inventory:${entry}`);
        return [...journal];
      },
      closeInventory: () => {
        throw new GraphQLError('the inventory is closed for stocktaking', {
          extensions: { code: 'CONFLICT' },
        });
      },
    },
    Book: {
      __resolveReference: (ref: { id: string; pages?: number }) => ref,
      // 300 words a page.
      readingMinutes: (book: { pages: number }, { wordsPerMinute }: { wordsPerMinute: number }) =>
        Math.round((book.pages * 300) / wordsPerMinute),
      price: (book: { id: string }) => PRICES[book.id] ?? null,
    },
    StockItem: {
      contact: (row: StockRow) => contactOf({ id: row.sku, enterpriseId: row.enterpriseId }),
      book: (row: StockRow) => ({ id: row.bookId }),
    },
  },
};
