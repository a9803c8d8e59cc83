import type { Request } from './fixture-graph.js';

export interface Operation extends Request {
  /** A sentence naming the shape the operation exercises. */
  name: string;
  /** Refused at validation by both gateways: there is nothing to rewrite. */
  invalid?: boolean;
  /**
   * Nothing in it is decided per object for the agency (its token decides everything), so the
   * exchange passes it on to the agency as sent.
   */
  unrewritten?: boolean;
  /**
   * A difference found and not fixed: the operation's comparisons are expected to fail until it
   * is. Says what differs and why.
   */
  knownDifference?: string;
  /**
   * A subgraph error without a client-facing code: the exchange masks it as `internal error`
   * (`maskError`, gateway/server.ts), where stock federation passes the subgraph's message on.
   */
  masked?: boolean;
}

/**
 * The operations both gateways answer. Each selects at least one gated field (`contact`, decided
 * per object, or `secretNote`, refused by scope to the enterprise), so the exchange rewrites it:
 * fragments inlined, `__typename` and subject aliases added to abstract and checked selections.
 */
export const OPERATIONS: Operation[] = [
  {
    name: 'an interface list with inline fragments per implementation',
    query: `{ media { __typename id title ... on Book { pages contact } ... on Film { minutes contact } } }`,
  },
  {
    name: 'interface fields beside a policy field narrowed to one implementation',
    query: `{ media { id enterpriseId ... on Book { contact secretNote } } }`,
  },
  {
    name: 'a named fragment on the interface reaching into another subgraph',
    query: `query { media { ...M } }
      fragment M on Media { id title ... on Film { director { name contact } } }`,
  },
  {
    name: 'a fragment on the interface spread inside a concrete type',
    query: `{ book(id: "b1") { ...M } }
      fragment M on Media { id title ... on Book { contact } }`,
  },
  {
    name: 'a union whose members live in different subgraphs',
    query: `{ search(term: "家") { __typename ... on Book { title contact } ... on Author { name contact born } } }`,
  },
  {
    name: 'a union with a named fragment per member and a variable',
    query: `query S($t: String!) { search(term: $t) { ...B ...F ...A } }
      fragment B on Book { id contact author { name } }
      fragment F on Film { id contact }
      fragment A on Author { id name secretNote }`,
    variables: { t: 'f1' },
  },
  {
    name: 'a union selecting little more than __typename',
    query: `{ search(term: "呐喊") { __typename ... on Book { contact } } }`,
  },
  {
    name: 'fields an @interfaceObject adds to every implementation',
    query: `{ media { id ... on Book { contact } reviews { stars body contact } averageStars } }`,
  },
  {
    name: 'an @interfaceObject reference resolved back to its concrete type',
    query: `{ reviews { id contact media { __typename id title ... on Book { pages author { name } } ... on Film { minutes } } } }`,
  },
  {
    name: 'a @requires field with its argument defaulted',
    query: `{ book(id: "b1") { title contact readingMinutes } }`,
  },
  {
    name: 'a @requires field asked twice with different arguments',
    query: `{ book(id: "b2") { contact fast: readingMinutes(wordsPerMinute: 500) slow: readingMinutes(wordsPerMinute: 100) } }`,
  },
  {
    name: 'a @requires field aliased as the field it requires',
    query: `{ media { ... on Book { pages: readingMinutes(wordsPerMinute: 300) readingMinutes contact } } }`,
  },
  {
    name: 'a @requires argument from a variable below a list',
    query: `query R($w: Int!) { stock { book { readingMinutes(wordsPerMinute: $w) contact } } }`,
    variables: { w: 150 },
  },
  {
    name: 'a field served where it is @provides',
    query: `{ reviews { id contact author { id name } } }`,
  },
  {
    name: 'a provided field beside fields its owner must add',
    query: `{ reviews { author { name contact born(calendar: LUNAR) } } }`,
  },
  {
    name: 'a @requires field through a named fragment holding an inline one',
    query: `{ media { ... on Book { ...Reading } } }
      fragment Reading on Book { readingMinutes(wordsPerMinute: 200) contact ... on Book { pages } }`,
  },
  {
    name: '@provides on a union: the provided title beside fields its owner must add',
    query: `{ shelf { __typename ... on Book { title contact price } ... on StockItem { sku contact } } }`,
  },
  {
    name: '@provides on an interface, narrowed to the implementation it provides',
    query: `{ titled { id title ... on Book { contact pages author { name } } } }`,
  },
  {
    name: 'fields carrying @cost and @listSize',
    query: `{ stock { sku contact } titled { __typename title } }`,
  },
  {
    name: 'a field taken over with @override',
    query: `{ book(id: "b1") { price contact } }`,
  },
  {
    name: 'an overridden field across a list of another subgraph',
    query: `{ stock { sku quantity contact book { id price title contact } } }`,
  },
  {
    name: 'a @shareable root field beside a gated one',
    query: `{ shop { name } book(id: "b1") { contact } }`,
  },
  {
    name: 'a @shareable root field asked twice under aliases',
    query: `{ a: shop { name } b: shop { __typename name } media { ... on Film { contact } } }`,
  },
  {
    name: 'an @inaccessible field, refused',
    query: `{ book(id: "b1") { internalCode contact } }`,
    invalid: true,
  },
  {
    name: '@defer, which the gateway does not serve, refused',
    query: `{ media { id ... @defer { title ... on Book { contact } } } }`,
    invalid: true,
  },
  {
    name: 'a field the schema does not have, refused',
    query: `{ media { nope } }`,
    invalid: true,
  },
  {
    name: 'entity calls nested three deep and back',
    query: `{ authors { name contact books { title contact author { name reviews { body contact media { id ... on Book { title } } } } } } }`,
  },
  {
    name: 'entity calls through four subgraphs ending in a value type',
    query: `{ reviews { author { books { author { country { name } reviews { stars contact } } } } } }`,
  },
  {
    name: 'an @interfaceObject in the middle of a deep chain',
    query: `{ authors { reviews { media { reviews { author { contact } } } } } }`,
  },
  {
    name: '@include on an inline fragment, true',
    query: `query Q($withContact: Boolean!) { media { id ... on Book @include(if: $withContact) { contact } } }`,
    variables: { withContact: true },
  },
  {
    name: '@include on an inline fragment, false',
    query: `query Q($withContact: Boolean!) { media { id ... on Book @include(if: $withContact) { contact } } }`,
    variables: { withContact: false },
  },
  {
    name: '@skip on gated fields, true',
    query: `query Q($skip: Boolean!) { authors { name contact @skip(if: $skip) secretNote @skip(if: $skip) } }`,
    variables: { skip: true },
  },
  {
    name: '@skip on gated fields, false',
    query: `query Q($skip: Boolean!) { authors { name contact @skip(if: $skip) secretNote @skip(if: $skip) } }`,
    variables: { skip: false },
  },
  {
    name: '@include with a literal false on a field refused by scope',
    query: `{ authors { name secretNote @include(if: false) contact } }`,
  },
  {
    name: '@skip on a named fragment spread',
    query: `query Q($s: Boolean!) { reviews { id ...R @skip(if: $s) } }
      fragment R on Review { contact stars }`,
    variables: { s: true },
  },
  {
    name: 'fragments on abstract types nested in one another',
    query: `{ reviews { media { ... on Media { id ... on Book { author { ...AuthorBits } } } } } }
      fragment AuthorBits on Author { name contact }`,
  },
  {
    name: 'an interface fragment and a concrete one under a union',
    query: `{ search(term: "b2") { ... on Media { id title } ... on Book { contact } } }`,
  },
  {
    name: 'aliases named like other fields of the same type',
    query: `{ book(id: "b2") { title: contact contact: title id: enterpriseId } }`,
  },
  {
    name: 'aliases swapping field names across entities',
    query: `{ authors { name: contact contact: name books { contact: title title: contact } } }`,
  },
  {
    name: 'one field selected plainly, inline and through a fragment',
    query: `{ authors { contact ... on Author { contact } ...A } }
      fragment A on Author { contact name }`,
  },
  {
    name: '__typename at every level',
    query: `{ __typename media { __typename ... on Book { __typename contact author { __typename name } } ... on Film { __typename contact } } }`,
  },
  {
    name: '__typename under aliases',
    query: `{ t: __typename reviews { kind: __typename media { kind: __typename } contact } }`,
  },
  {
    name: 'only the root __typename',
    query: `{ __typename }`,
    unrewritten: true,
  },
  {
    name: 'mutations across two subgraphs, run in order',
    query: `mutation {
      a: resetJournal
      b: recordInCatalog(entry: "one")
      c: recordInInventory(entry: "two")
      d: recordInCatalog(entry: "three")
      e: renameBook(id: "b1", title: "新呐喊") { title contact }
      f: recordInInventory(entry: "four")
    }`,
  },
  {
    name: 'a mutation refused in the middle of the others',
    query: `mutation {
      a: resetJournal
      b: closeInventory
      c: recordInCatalog(entry: "after")
      d: renameBook(id: "b2", title: "家（新版）") { contact secretNote readingMinutes }
    }`,
  },
  {
    name: 'a mutation with variables and a fragment over three subgraphs',
    query: `mutation R($id: ID!, $title: String!) { renameBook(id: $id, title: $title) { ...BookBits } }
      fragment BookBits on Book { id title contact author { contact } price }`,
    variables: { id: 'b3', title: '新彷徨' },
  },
  {
    name: 'a mutation of a missing row, refused with NOT_FOUND',
    query: `mutation { renameBook(id: "b-404", title: "无") { contact } }`,
  },
  {
    name: 'an error with a path at the root beside data',
    query: `{ failing { contact } book(id: "b1") { contact } }`,
  },
  {
    name: 'a subgraph error with no path',
    query: `{ pathless reviews { contact } }`,
  },
  {
    name: 'a subgraph error with no client-facing code',
    query: `{ media { ... on Book { id broken contact } } }`,
    masked: true,
  },
  {
    name: 'a null entity from another subgraph',
    query: `{ book(id: "b3") { title contact author { name contact } } }`,
  },
  {
    name: 'a null entity of which only nullable fields are asked',
    query: `{ book(id: "b3") { title author { contact } } }`,
  },
  {
    name: 'null entities in a list, of which only nullable fields are asked',
    query: `{ media { ... on Book { id author { contact secretNote } } } }`,
  },
  {
    name: 'a null entity whose subject field is asked beside a gated one, under an alias',
    query: `{ book(id: "b3") { title author { owner: enterpriseId contact } } }`,
  },
  {
    name: 'missing root objects',
    query: `{ book(id: "nope") { contact } author(id: "nope") { contact } }`,
  },
  {
    name: 'null entities inside a list',
    query: `{ media { ... on Book { author { id name contact books { id } } } } }`,
  },
  {
    name: 'an enum argument and its default, aliased',
    query: `{ authors { a: born b: born(calendar: LUNAR) contact } }`,
  },
  {
    name: 'an id from a variable',
    query: `query A($id: ID!) { author(id: $id) { name contact country { code } } }`,
    variables: { id: 'a2' },
  },
  {
    name: 'the operation named among several in one document',
    query: `query First { shop { name } } query Second { authors { contact } }`,
    operationName: 'Second',
  },
  {
    name: 'inline fragments without a type condition',
    query: `{ authors { ... { contact name } ... @include(if: true) { secretNote } } }`,
  },
  {
    name: 'fields refused by scope in three subgraphs',
    query: `{ books: media { ... on Book { secretNote } } reviews { secretNote author { secretNote } } }`,
    unrewritten: true,
  },
];
