/**
 * The fixture's rows. Every object belongs to an enterprise (`enterpriseId`, the subject the
 * exchange decides `self` on); ent-1 is the enterprise the denied caller speaks for. Gated values
 * name what they are and whose (`contact/<owner>/<id>`, `secret/<id>`), so the test can tell from
 * a stock response alone which paths the exchange must withhold.
 */
export const OWN = 'ent-1';
export const OTHER = 'ent-2';

export interface BookRow {
  __typename: 'Book';
  id: string;
  title: string;
  enterpriseId: string;
  pages: number;
  authorId: string;
}

export interface FilmRow {
  __typename: 'Film';
  id: string;
  title: string;
  enterpriseId: string;
  minutes: number;
  directorId: string;
}

export const books: BookRow[] = [
  { __typename: 'Book', id: 'b1', title: '呐喊', enterpriseId: OWN, pages: 300, authorId: 'a1' },
  { __typename: 'Book', id: 'b2', title: '家', enterpriseId: OTHER, pages: 120, authorId: 'a2' },
  // Its author is missing from the people subgraph: a null entity.
  {
    __typename: 'Book',
    id: 'b3',
    title: '彷徨',
    enterpriseId: OWN,
    pages: 250,
    authorId: 'a-missing',
  },
];

export const films: FilmRow[] = [
  {
    __typename: 'Film',
    id: 'f1',
    title: '茶馆',
    enterpriseId: OTHER,
    minutes: 90,
    directorId: 'a3',
  },
];

export const authors = [
  {
    id: 'a1',
    name: '鲁迅',
    enterpriseId: OWN,
    born: '1881-09-25',
    bornLunar: '光绪七年八月初三',
    country: 'CN',
    bookIds: ['b1', 'b3'],
  },
  {
    id: 'a2',
    name: '巴金',
    enterpriseId: OTHER,
    born: '1904-11-25',
    bornLunar: '光绪三十年十月十九',
    country: 'CN',
    bookIds: ['b2'],
  },
  {
    id: 'a3',
    name: '老舍',
    enterpriseId: OTHER,
    born: '1899-02-03',
    bornLunar: '光绪二十四年腊月廿三',
    country: 'GB',
    bookIds: [],
  },
];

export const reviews = [
  { id: 'r1', mediaId: 'b1', authorId: 'a2', body: 'sharp', stars: 5, enterpriseId: OTHER },
  { id: 'r2', mediaId: 'b2', authorId: 'a1', body: 'warm', stars: 4, enterpriseId: OWN },
  { id: 'r3', mediaId: 'f1', authorId: 'a3', body: 'lively', stars: 3, enterpriseId: OTHER },
];

export const stock = [
  { sku: 's1', bookId: 'b1', quantity: 7, enterpriseId: OWN },
  { sku: 's2', bookId: 'b2', quantity: 0, enterpriseId: OTHER },
];

/** Written by the mutations of two subgraphs, so a response shows the order they ran in. */
export const journal: string[] = [];

export const contactOf = (row: { id: string; enterpriseId: string }) =>
  `contact/${row.enterpriseId}/${row.id}`;
export const secretOf = (row: { id: string }) => `secret/${row.id}`;

/** Scopes the policies of the fixture use: one both callers hold, one only the agency holds. */
export const LINK = `extend schema
  @link(
    url: "https://specs.apollo.dev/federation/v2.9"
    import: [
      "@key"
      "@cost"
      "@listSize"
      "@shareable"
      "@external"
      "@requires"
      "@provides"
      "@override"
      "@inaccessible"
      "@interfaceObject"
      "@policy"
      "@requiresScopes"
    ]
  )`;
export const READ = '@requiresScopes(scopes: [["need:read"]])';
export const SECRET = '@requiresScopes(scopes: [["stats:read"]])';
export const CONTACT_POLICY =
  '@policy(policies: [["unrestricted"], ["self"], ["consent:CONTACT"]])';
