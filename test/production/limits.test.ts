import { describe, expect, it } from 'vitest';
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { countTokens, estimateCost, measureDocument } from '../../gateway/limits.js';

const schema = buildSchema(`
  type Query {
    enterprises(first: Int, after: String): EnterpriseConnection
    enterprise(id: ID!): Enterprise
    banks: [Bank!]
  }
  type EnterpriseConnection { nodes: [Enterprise!]! edges: [EnterpriseEdge!]! }
  type EnterpriseEdge { cursor: String! node: Enterprise! }
  type Enterprise {
    id: ID!
    name: String!
    tags: [String!]!
    creditLines: [CreditLine!]
    recommended(first: Int): [Bank!]!
  }
  type CreditLine { id: ID! bank: Bank! }
  type Bank { id: ID! name: String! }
`);

const options = { maxPageSize: 100, defaultPageSize: 20, listSize: 10 };

function cost(query: string, variables?: Record<string, unknown>) {
  const document = parse(query);
  const operation = document.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION,
  ) as OperationDefinitionNode;
  return estimateCost(schema, document, operation, variables, options);
}

describe('operation bounds', () => {
  it('counts lexer tokens as the parser does, comments aside', () => {
    expect(countTokens('{ a }')).toBe(3);
    const source = 'query Q($x: Int) { a(b: $x) # note\n }';
    expect(countTokens(source)).toBe(17);
    expect(() => parse(source, { maxTokens: 17 })).not.toThrow();
    expect(() => parse(source, { maxTokens: 16 })).toThrow(/16 tokens/);
  });

  it('counts a source that does not lex up to its first bad character', () => {
    expect(countTokens('{ a \u0007 b }')).toBe(2);
  });

  it('measures depth through fields, inline fragments and fragment spreads', () => {
    expect(measureDocument(parse('{ a }')).depth).toBe(1);
    expect(measureDocument(parse('{ a { b { c } } }')).depth).toBe(3);
    const spread = parse('{ a { ...F } } fragment F on T { b { ... on U { c { d } } } }');
    expect(measureDocument(spread).depth).toBe(4);
  });

  it('takes the deepest and most aliased of several operations', () => {
    const document = parse('query A { x: a y: a } query B { a { b { c } } }');
    expect(measureDocument(document)).toEqual({ depth: 3, aliases: 2 });
  });

  it('counts aliases once per use of the fragment that holds them', () => {
    const document = parse('{ ...F ...F } fragment F on Query { x: a y: a }');
    expect(measureDocument(document).aliases).toBe(4);
  });

  it('leaves introspection out of depth: graphql bounds it with its own rule', () => {
    const document = parse(
      '{ __schema { types { fields { type { ofType { ofType { name } } } } } } }',
    );
    expect(measureDocument(document).depth).toBe(0);
  });

  it('survives fragment cycles and unknown fragments, which validation reports afterwards', () => {
    const cyclic = parse(
      '{ ...A } fragment A on Query { a { ...B } } fragment B on T { b { ...A } }',
    );
    expect(measureDocument(cyclic).depth).toBe(2);
    expect(measureDocument(parse('{ a { ...Missing } }')).depth).toBe(1);
  });

  it('stays linear when fragments spread each other many times over', () => {
    const levels = 40;
    let text = '{ ...F0 }\n';
    for (let i = 0; i < levels; i += 1) {
      text += `fragment F${i} on Query { x${i}: a ...F${i + 1} ...F${i + 1} }\n`;
    }
    text += `fragment F${levels} on Query { a }`;
    // 2^40 expanded aliases, computed without expanding them.
    expect(measureDocument(parse(text)).aliases).toBeGreaterThan(1e12);
  });

  it('weighs a connection by its first argument, its nodes being that page', () => {
    expect(cost('{ enterprises(first: 5) { nodes { id name } } }')).toBe(5 * (1 + 1 * (1 + 2)));
    expect(cost('{ enterprises { nodes { id } } }')).toBe(20 * (1 + 1 * (1 + 1)));
  });

  it('reads first from variables, falling back to the default page size', () => {
    const query = 'query ($n: Int) { enterprises(first: $n) { nodes { id } } }';
    expect(cost(query, { n: 3 })).toBe(3 * 3);
    expect(cost(query, {})).toBe(20 * 3);
  });

  it('weighs lists of objects without first by a constant, nested lists multiplying', () => {
    expect(cost('{ banks { id } }')).toBe(10 * 2);
    expect(cost('{ enterprise(id: "e") { creditLines { bank { id } } } }')).toBe(
      1 + 10 * (1 + (1 + 1)),
    );
    expect(cost('{ enterprises(first: 10) { nodes { creditLines { id } } } }')).toBe(
      10 * (1 + 1 * (1 + 10 * 2)),
    );
  });

  it('counts lists of scalars and __typename as one field', () => {
    expect(cost('{ enterprise(id: "e") { tags __typename } }')).toBe(2);
  });

  it('expands fragments and inline fragments where they are spread', () => {
    const query =
      '{ enterprises(first: 2) { nodes { ...E } } } fragment E on Enterprise { id ... on Enterprise { name } }';
    expect(cost(query)).toBe(2 * (1 + 1 * (1 + 2)));
  });

  it('refuses a first beyond the page bound before any subgraph is asked', () => {
    expect(() => cost('{ enterprises(first: 1000) { nodes { id } } }')).toThrow(
      'first: must be between 0 and 100',
    );
    expect(() =>
      cost('query ($n: Int) { enterprise(id: "e") { recommended(first: $n) { id } } }', { n: -1 }),
    ).toThrow('first: must be between 0 and 100');
  });
});
