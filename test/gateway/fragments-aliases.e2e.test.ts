import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Party } from '../../subgraphs/kernel/caller.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type GraphQLResponse, type TestGraph } from '../helpers/graph.js';

type Who = [Party, string?];
const FINANCE: Who = ['finance_office'];
const PBOC: Who = ['pboc'];
const ICBC: Who = ['bank', 'icbc'];
const ABC: Who = ['bank', 'abc'];

const NAME_A = '咸宁甲科技有限公司';
const PHONE = '13800000000';

/**
 * The same decisions whatever the spelling of the selection. In the fixture icbc is main bank of
 * ent-b (contact shown) and holds a revoked CONTACT consent of ent-a (contact withheld); abc holds
 * ent-a's CONTACT and FINANCIALS consent; only the bureau and the finance office read the
 * assessment (`@requiresScopes`); the PBOC reads no financing need rows.
 */
describe('authorization through fragments and aliases', () => {
  let graph: TestGraph;
  const tokens = new Map<string, string>();
  const ask = async (who: Who, query: string): Promise<GraphQLResponse['body']> => {
    const key = who.join(':');
    if (!tokens.has(key)) tokens.set(key, await graph.token(who[0], who[1]));
    const { status, body } = await graph.query(query, undefined, tokens.get(key));
    expect(status, JSON.stringify(body)).toBe(200);
    return body;
  };
  /** Each error as "path code", sorted: what was withheld, where, and why. */
  const refusals = (body: GraphQLResponse['body']) =>
    (body.errors ?? []).map((e) => `${e.path?.join('.')} ${e.extensions?.code}`).sort();

  beforeAll(async () => {
    graph = await startTestGraph('pglite', { prepare: loadFixture });
  });
  afterAll(async () => {
    await graph?.stop();
  });

  describe('a bank without consent, and a field outside its scopes', () => {
    const expected = {
      data: { enterprise: { id: 'ent-a', contact: null, assessment: null } },
      refusals: [
        'enterprise.assessment UNAUTHORIZED_FIELD_OR_TYPE',
        'enterprise.contact UNAUTHORIZED_FIELD_OR_TYPE',
      ],
    };
    const spellings: [string, string][] = [
      ['plain', '{ enterprise(id: "ent-a") { id contact { phone } assessment { techSmeScore } } }'],
      [
        'a named fragment',
        `{ enterprise(id: "ent-a") { ...Private } }
         fragment Private on Enterprise { id contact { phone } assessment { techSmeScore } }`,
      ],
      [
        'an inline fragment',
        `{ enterprise(id: "ent-a") {
           ... on Enterprise { id contact { phone } assessment { techSmeScore } } } }`,
      ],
      [
        'nested fragments, named within inline within named',
        `{ enterprise(id: "ent-a") { ...Outer } }
         fragment Outer on Enterprise { id ... on Enterprise { ...Inner } }
         fragment Inner on Enterprise { contact { ...Phone } assessment { ... { techSmeScore } } }
         fragment Phone on EnterpriseContact { phone }`,
      ],
      [
        'the field selected twice, once plain and once in a fragment',
        `{ enterprise(id: "ent-a") { id contact { phone } ...C assessment { techSmeScore } } }
         fragment C on Enterprise { contact { legalRepresentative } }`,
      ],
    ];
    for (const [spelling, query] of spellings) {
      it(`withholds ent-a's contact and assessment from icbc through ${spelling}`, async () => {
        const body = await ask(ICBC, query);
        expect(body.data).toEqual(expected.data);
        // A field selected twice is one field of the response: one refusal, at its path.
        expect(refusals(body)).toEqual(expected.refusals);
        const contact = body.errors!.find((e) => e.path?.join('.') === 'enterprise.contact')!;
        expect(contact.message).toContain('consent for CONTACT');
        expect(JSON.stringify(body)).not.toContain(PHONE);
      });
    }
  });

  it('reports a withheld field under its alias, and decides each alias of a field on its own arguments', async () => {
    const body = await ask(
      ICBC,
      `{ a: enterprise(id: "ent-a") { key: id reach: contact { tel: phone } }
         b: enterprise(id: "ent-b") { key: id reach: contact { tel: phone } } }`,
    );
    expect(body.data).toEqual({
      a: { key: 'ent-a', reach: null },
      b: { key: 'ent-b', reach: { tel: PHONE } },
    });
    expect(refusals(body)).toEqual(['a.reach UNAUTHORIZED_FIELD_OR_TYPE']);
  });

  it('decides on the field, not on an alias named like another field', async () => {
    const body = await ask(
      ICBC,
      `{ enterprise(id: "ent-a") { name: contact { phone } contact: name assessment: id } }`,
    );
    expect(body.data).toEqual({
      enterprise: { name: null, contact: NAME_A, assessment: 'ent-a' },
    });
    expect(refusals(body)).toEqual(['enterprise.name UNAUTHORIZED_FIELD_OR_TYPE']);
    expect(JSON.stringify(body)).not.toContain(PHONE);
  });

  it('withholds a field whose selection is only __typename, and answers __typename elsewhere', async () => {
    const body = await ask(
      ICBC,
      `{ enterprise(id: "ent-a") { __typename kind: __typename contact { __typename } } }`,
    );
    expect(body.data).toEqual({
      enterprise: { __typename: 'Enterprise', kind: 'Enterprise', contact: null },
    });
    expect(refusals(body)).toEqual(['enterprise.contact UNAUTHORIZED_FIELD_OR_TYPE']);
  });

  it('decides per object in a list selected through a fragment and an alias', async () => {
    const body = await ask(
      ICBC,
      `{ list: enterprises(first: 10) { nodes { ...Reach } } }
       fragment Reach on Enterprise { id ... on Enterprise { c: contact { phone } } }`,
    );
    expect(body.data).toEqual({
      list: {
        nodes: [
          { id: 'ent-a', c: null },
          { id: 'ent-b', c: { phone: PHONE } },
          { id: 'ent-c', c: null },
        ],
      },
    });
    expect(refusals(body)).toEqual([
      'list.nodes.0.c UNAUTHORIZED_FIELD_OR_TYPE',
      'list.nodes.2.c UNAUTHORIZED_FIELD_OR_TYPE',
    ]);
  });

  it('shows consent-gated fields to the bank holding the consent, however they are spelled', async () => {
    const body = await ask(
      ABC,
      `{ enterprise(id: "ent-a") { ...Consented reach: contact { phone } } }
       fragment Consented on Enterprise {
         id
         ... on Enterprise { contact { legalRepresentative } }
         books: financials { year revenue }
         assessment { techSmeScore }
       }`,
    );
    expect(body.data).toEqual({
      enterprise: {
        id: 'ent-a',
        contact: { legalRepresentative: `${NAME_A}法人` },
        books: [{ year: 2025, revenue: '40000000.00' }],
        assessment: null,
        reach: { phone: PHONE },
      },
    });
    expect(refusals(body)).toEqual(['enterprise.assessment UNAUTHORIZED_FIELD_OR_TYPE']);
  });

  it('shows the finance office every field, spelled through fragments and aliases', async () => {
    const body = await ask(
      FINANCE,
      `{ enterprise(id: "ent-a") { ...All score: assessment { techSmeScore } } }
       fragment All on Enterprise { name: contact { phone } ... on Enterprise { contact: name } }`,
    );
    expect(body.data).toEqual({
      enterprise: { name: { phone: PHONE }, contact: NAME_A, score: { techSmeScore: 80 } },
    });
    expect(body.errors ?? []).toEqual([]);
  });

  it('withholds a root field outside the scopes under its alias, inside a fragment on Query', async () => {
    const body = await ask(
      PBOC,
      `{ ...Needs lines: creditLines(first: 5) { nodes { id } } }
       fragment Needs on Query { needs: financingNeeds(first: 5) { nodes { id } } }`,
    );
    expect(body.data).toEqual({ needs: null, lines: { nodes: [{ id: 'cl-1' }, { id: 'cl-2' }] } });
    expect(refusals(body)).toEqual(['needs UNAUTHORIZED_FIELD_OR_TYPE']);
  });
});
