import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, gt, sql } from 'drizzle-orm';
import type { Party } from '../../subgraphs/kernel/caller.js';
import { consents, disclosures } from '../../subgraphs/exchange/tables.js';
import { financingNeeds } from '../../subgraphs/finance/tables.js';
import { loadFixture } from '../helpers/fixture.js';
import { GRAPH_VARIANTS, startTestGraph, type TestGraph } from '../helpers/graph.js';

const DAY = 86_400_000;

/** A response body; `errors` is read unguarded because each test asserts what it expects there. */
type Answer = { data?: any; errors?: any };

const GRANT = `mutation Grant($input: GrantConsentInput!) {
  grantConsent(input: $input) { id enterpriseId bank { id } dataSets purpose grantedAt expiresAt revokedAt status }
}`;
const REVOKE = `mutation Revoke($id: ID!) { revokeConsent(id: $id) { id status revokedAt } }`;
const CONTACT = `query Contact($id: ID!) { enterprise(id: $id) { id name contact { phone } } }`;
const FINANCIALS = `query Financials($id: ID!) { enterprise(id: $id) { id financials { year } } }`;

for (const { backend, inProcess, label } of GRAPH_VARIANTS) {
  describe(`consents (${label})`, () => {
    let graph: TestGraph;
    const tokens = new Map<string, string>();
    const as = async (party: Party, org?: string) => {
      const key = `${party}:${org ?? ''}`;
      if (!tokens.has(key)) tokens.set(key, await graph.token(party, org));
      return tokens.get(key)!;
    };
    const ask = async (
      who: [Party, string?],
      query: string,
      variables?: Record<string, unknown>,
    ): Promise<Answer> => (await graph.query(query, variables, await as(...who))).body;
    const exchange = () => graph.graph.databases.exchange;
    const count = async () => {
      const [row] = await exchange().rows<{ n: number }>(
        sql`select count(*)::int as n from ${consents}`,
      );
      return Number(row.n);
    };
    const lastSeq = async () => {
      const [row] = await exchange().rows<{ seq: number }>(
        sql`select coalesce(max(seq), 0)::int as seq from ${disclosures}`,
      );
      return Number(row.seq);
    };
    const grant = (
      input: Record<string, unknown>,
      who: [Party, string?] = ['enterprise', 'ent-a'],
    ) =>
      ask(who, GRANT, {
        input: { enterpriseId: 'ent-a', bankId: 'boc', purpose: '授信审查', ...input },
      });
    /** Whether `bank` sees `path` of ent's data: value, or null with one policy error. */
    const seen = async (bank: string, query: string, enterpriseId: string, field: string) => {
      const body = await ask(['bank', bank], query, { id: enterpriseId });
      const value = body.data.enterprise[field];
      if (value === null) {
        expect(body.errors).toHaveLength(1);
        expect(body.errors[0].extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        // The rest of the response is served.
        expect(body.data.enterprise.id).toBe(enterpriseId);
      } else {
        expect(body.errors ?? []).toEqual([]);
      }
      return value !== null;
    };

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare: loadFixture, inProcess });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    it('lets an enterprise grant a bank consent, which the bank sees at once and the log records once', async () => {
      expect(await seen('boc', CONTACT, 'ent-a', 'contact')).toBe(false);
      const before = Date.now();
      const body = await grant({ dataSets: ['CONTACT'], purpose: '  授信审查  ' });
      expect(body.errors ?? []).toEqual([]);
      const consent = body.data.grantConsent;
      expect(consent).toMatchObject({
        enterpriseId: 'ent-a',
        bank: { id: 'boc' },
        dataSets: ['CONTACT'],
        purpose: '授信审查',
        revokedAt: null,
        status: 'ACTIVE',
      });
      expect(consent.id).toMatch(/^cons-[0-9a-f-]{36}$/);
      // Ninety days by default.
      const expiresIn = Date.parse(consent.expiresAt) - before;
      expect(expiresIn).toBeGreaterThanOrEqual(90 * DAY - 60_000);
      expect(expiresIn).toBeLessThanOrEqual(90 * DAY + 60_000);

      const last = await lastSeq();
      const read = await ask(['bank', 'boc'], CONTACT, { id: 'ent-a' });
      expect(read.errors ?? []).toEqual([]);
      expect(read.data.enterprise.contact).toEqual({ phone: '13800000000' });
      const entries = await exchange()
        .db.select()
        .from(disclosures)
        .where(gt(disclosures.seq, last));
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        party: 'bank',
        org: 'boc',
        enterpriseId: 'ent-a',
        operationName: 'Contact',
        fields: ['Enterprise.contact'],
        basis: [{ policy: 'consent', dataSet: 'CONTACT', consentId: consent.id }],
      });
      // The consent opens CONTACT only.
      expect(await seen('boc', FINANCIALS, 'ent-a', 'financials')).toBe(false);
      await ask(['enterprise', 'ent-a'], REVOKE, { id: consent.id });
    });

    it('withholds the data on the very next request after the enterprise revokes', async () => {
      const { data } = await grant({ dataSets: ['FINANCIALS'] });
      const id = data.grantConsent.id;
      expect(await seen('boc', FINANCIALS, 'ent-a', 'financials')).toBe(true);

      const revoked = await ask(['enterprise', 'ent-a'], REVOKE, { id });
      expect(revoked.errors ?? []).toEqual([]);
      expect(revoked.data.revokeConsent).toMatchObject({ id, status: 'REVOKED' });
      expect(revoked.data.revokeConsent.revokedAt).not.toBeNull();
      // The gateway remembered the consent from the read before; the log write, which confirms
      // each consent it cites, turns the grant down, and nothing of it is recorded.
      const last = await lastSeq();
      expect(await seen('boc', FINANCIALS, 'ent-a', 'financials')).toBe(false);
      expect(await lastSeq()).toBe(last);

      const again = await ask(['enterprise', 'ent-a'], REVOKE, { id });
      expect(again.data.revokeConsent).toBeNull();
      expect(again.errors[0].extensions.code).toBe('CONFLICT');
      expect(again.errors[0].message).toContain('already revoked');
    });

    it('withholds the data once a consent has expired', async () => {
      const { data } = await grant({ dataSets: ['FINANCIALS'] });
      const id = data.grantConsent.id;
      expect(await seen('boc', FINANCIALS, 'ent-a', 'financials')).toBe(true);
      await exchange()
        .db.update(consents)
        .set({ expiresAt: new Date(Date.now() - 1_000) })
        .where(eq(consents.id, id));
      expect(await seen('boc', FINANCIALS, 'ent-a', 'financials')).toBe(false);
      const { data: after } = await ask(
        ['enterprise', 'ent-a'],
        `{ consent(id: "${id}") { status } }`,
      );
      expect(after.consent.status).toBe('EXPIRED');
      // The fixture's expired PATENT_VALUATION consent of ent-c to icbc opens nothing either.
      const patent = await ask(['bank', 'icbc'], '{ patent(id: "pat-c1") { id valuation } }');
      expect(patent.data.patent).toEqual({ id: 'pat-c1', valuation: null });
    });

    it('ends a main bank’s access to the contact when its need is closed', async () => {
      expect(await seen('icbc', CONTACT, 'ent-b', 'contact')).toBe(true);
      const finance = graph.graph.databases.finance.db;
      await finance
        .update(financingNeeds)
        .set({ status: 'DISBURSED' })
        .where(eq(financingNeeds.id, 'need-b1'));
      try {
        expect(await seen('icbc', CONTACT, 'ent-b', 'contact')).toBe(false);
      } finally {
        await finance
          .update(financingNeeds)
          .set({ status: 'ASSIGNED' })
          .where(eq(financingNeeds.id, 'need-b1'));
      }
    });

    it('lets an enterprise revoke only its own consents', async () => {
      const other = await ask(['enterprise', 'ent-b'], REVOKE, { id: 'cons-1' });
      expect(other.data.revokeConsent).toBeNull();
      expect(other.errors[0].extensions.code).toBe('NOT_FOUND');
      const unknown = await ask(['enterprise', 'ent-a'], REVOKE, { id: 'cons-nope' });
      expect(unknown.errors[0].extensions.code).toBe('NOT_FOUND');
      const [row] = await exchange().db.select().from(consents).where(eq(consents.id, 'cons-1'));
      expect(row.revokedAt).toBeNull();
    });

    it('refuses a grant on behalf of another enterprise, or by a party without consent:write', async () => {
      const rows = await count();
      const forOther = await grant({ enterpriseId: 'ent-b', dataSets: ['CONTACT'] });
      expect(forOther.data.grantConsent).toBeNull();
      // Another enterprise is outside its read scope: NOT_FOUND, as a missing one.
      expect(forOther.errors[0]).toMatchObject({
        message: 'enterprise "ent-b" does not exist',
        extensions: { code: 'NOT_FOUND' },
      });
      const byBank = await grant({ dataSets: ['CONTACT'] }, ['bank', 'boc']);
      expect(byBank.data.grantConsent).toBeNull();
      expect(byBank.errors[0].extensions).toMatchObject({
        code: 'UNAUTHORIZED_FIELD_OR_TYPE',
        rule: 'requiresScopes',
      });
      const byFinance = await grant({ dataSets: ['CONTACT'] }, ['finance_office']);
      expect(byFinance.errors[0].extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      expect(await count()).toBe(rows);
    });

    const badInputs: { name: string; input: Record<string, unknown>; field: string }[] = [
      { name: 'an unknown bank', input: { bankId: 'nobank' }, field: 'input.bankId' },
      {
        name: 'an expiry in the past',
        input: { expiresAt: new Date(Date.now() - DAY).toISOString() },
        field: 'input.expiresAt',
      },
      {
        name: 'an expiry beyond a year',
        input: { expiresAt: new Date(Date.now() + 367 * DAY).toISOString() },
        field: 'input.expiresAt',
      },
      { name: 'no data sets', input: { dataSets: [] }, field: 'input.dataSets' },
      {
        name: 'a data set named twice',
        input: { dataSets: ['CONTACT', 'FINANCIALS', 'CONTACT'] },
        field: 'input.dataSets',
      },
      { name: 'a blank purpose', input: { purpose: '   ' }, field: 'input.purpose' },
      {
        name: 'a purpose over 500 characters',
        input: { purpose: '用'.repeat(501) },
        field: 'input.purpose',
      },
    ];
    for (const bad of badInputs) {
      it(`answers ${bad.name} with BAD_USER_INPUT naming ${bad.field}, writing nothing`, async () => {
        const rows = await count();
        const body = await grant({ dataSets: ['CONTACT'], ...bad.input });
        expect(body.data.grantConsent).toBeNull();
        expect(body.errors).toHaveLength(1);
        expect(body.errors[0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: bad.field,
        });
        expect(body.errors[0].message).toContain(bad.field);
        expect(await count()).toBe(rows);
      });
    }

    it('accepts an expiry up to a year ahead and a purpose of 500 characters', async () => {
      const expiresAt = new Date(Date.now() + 364 * DAY).toISOString();
      const body = await grant({
        dataSets: ['PATENT_VALUATION'],
        purpose: '用'.repeat(500),
        expiresAt,
      });
      expect(body.errors ?? []).toEqual([]);
      expect(body.data.grantConsent.expiresAt).toBe(expiresAt);
      await ask(['enterprise', 'ent-a'], REVOKE, { id: body.data.grantConsent.id });
    });
  });
}
