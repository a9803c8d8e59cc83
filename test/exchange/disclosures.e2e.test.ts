import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { Party } from '../../subgraphs/kernel/caller.js';
import { disclosures } from '../../subgraphs/exchange/tables.js';
import {
  auditLog,
  describeLogReport,
  signatureProblem,
  type PublishedHead,
} from '../../scripts/audit/log-audit.js';
import { verifyConsistency, verifyInclusion } from '../../scripts/audit/rfc9162.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';

/** A response body; `errors` is read unguarded because each test asserts what it expects there. */
type Answer = { data?: any; errors?: any };
type Who = [Party, string?];

const FEED = `query Feed {
  enterprises(first: 10) {
    nodes {
      id
      contact { phone }
      financials { year }
      pooledCreditSummary { totalApproved }
      patents { enterpriseId valuation pledge { status } }
    }
  }
}`;

const LOG = `query Log($filter: DisclosureFilter, $first: Int, $after: String) {
  disclosures(filter: $filter, first: $first, after: $after) {
    nodes {
      seq at requestId operationName party org subject enterpriseId enterprise { id name }
      fields basis { policy consentId dataSet needId } purpose hash prevHash
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

const TREE_HEAD = `query Head { treeHead { treeSize rootHash timestamp signature } }`;

const PROOFS = `query Proofs($treeSize: Int) {
  disclosures(first: 100) {
    nodes {
      seq leafHash leafIndex
      inclusionProof(treeSize: $treeSize) { leafIndex treeSize leafHash rootHash auditPath }
    }
  }
}`;

const CONSISTENCY = `query Consistency($first: Int!, $second: Int!) {
  consistencyProof(first: $first, second: $second) { first second path }
}`;

/** Every (enterprise, field coordinate) a FEED response shows: what the log must account for. */
function disclosedIn(data: any): string[] {
  const shown: string[] = [];
  for (const node of data.enterprises.nodes) {
    for (const key of ['contact', 'financials', 'pooledCreditSummary']) {
      if (node[key] !== null) shown.push(`${node.id} Enterprise.${key}`);
    }
    for (const patent of node.patents) {
      for (const key of ['valuation', 'pledge']) {
        if (patent[key] !== null) shown.push(`${patent.enterpriseId} Patent.${key}`);
      }
    }
  }
  return [...new Set(shown)].sort();
}

for (const backend of BACKENDS) {
  describe(`the disclosure log (${backend})`, () => {
    let graph: TestGraph;
    let creditConsentId: string;
    const tokens = new Map<string, string>();
    const ask = async (who: Who, query: string, variables?: Record<string, unknown>) => {
      const key = who.join(':');
      if (!tokens.has(key)) tokens.set(key, await graph.token(who[0], who[1]));
      return (await graph.query(query, variables, tokens.get(key))).body as Answer;
    };
    const exchange = () => graph.graph.databases.exchange;
    const lastSeq = async () => {
      const [row] = await exchange().rows<{ seq: number }>(
        sql`select coalesce(max(seq), 0)::int as seq from ${disclosures}`,
      );
      return Number(row.seq);
    };
    const entriesAfter = (seq: number) =>
      exchange()
        .db.select()
        .from(disclosures)
        .where(gt(disclosures.seq, seq))
        .orderBy(asc(disclosures.seq));
    const allEntries = () =>
      exchange().db.select().from(disclosures).orderBy(desc(disclosures.seq));
    /** Every page of the log a caller may see, following the cursors. */
    const walk = async (who: Who, filter?: Record<string, unknown>, first = 100) => {
      const seqs: string[] = [];
      let after: string | null = null;
      for (;;) {
        const { data, errors } = await ask(who, LOG, { filter, first, after });
        expect(errors ?? []).toEqual([]);
        expect(data.disclosures.nodes.length).toBeLessThanOrEqual(first);
        seqs.push(...data.disclosures.nodes.map((n: { seq: string }) => n.seq));
        if (!data.disclosures.pageInfo.hasNextPage) return seqs;
        after = data.disclosures.pageInfo.endCursor;
      }
    };

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare: loadFixture });
      const granted = await ask(
        ['enterprise', 'ent-c'],
        `mutation { grantConsent(input: { enterpriseId: "ent-c", bankId: "icbc", dataSets: [CREDIT_HISTORY, PATENT_VALUATION], purpose: "知识产权质押贷款贷前调查" }) { id } }`,
      );
      creditConsentId = granted.data.grantConsent.id;
      // A log with entries of two banks about three enterprises, for the reading tests.
      await ask(['bank', 'abc'], FEED);
      await ask(['bank', 'icbc'], FEED);
    });
    afterAll(async () => {
      await graph?.stop();
    });

    it('records each disclosure to a bank once per enterprise, with the fields and the consent or need relied on', async () => {
      const before = await lastSeq();
      const { data, errors } = await ask(['bank', 'icbc'], FEED);
      expect(errors.length).toBeGreaterThan(0); // ent-a's data stays withheld from icbc
      expect(disclosedIn(data)).toEqual([
        'ent-b Enterprise.contact',
        'ent-c Enterprise.pooledCreditSummary',
        'ent-c Patent.pledge',
        'ent-c Patent.valuation',
      ]);
      const entries = await entriesAfter(before);
      expect(entries.map((e) => e.enterpriseId).sort()).toEqual(['ent-b', 'ent-c']);
      const requestIds = new Set(entries.map((e) => e.requestId));
      expect(requestIds.size).toBe(1);
      const byEnterprise = Object.fromEntries(entries.map((e) => [e.enterpriseId, e]));
      expect(byEnterprise['ent-b']).toMatchObject({
        party: 'bank',
        org: 'icbc',
        operationName: 'Feed',
        fields: ['Enterprise.contact'],
        basis: [{ policy: 'main_bank', needId: 'need-b1' }],
        purpose: 'main_bank',
      });
      expect(byEnterprise['ent-c'].fields).toEqual([
        'Enterprise.pooledCreditSummary',
        'Patent.pledge',
        'Patent.valuation',
      ]);
      expect(byEnterprise['ent-c'].basis).toEqual(
        expect.arrayContaining([
          { policy: 'consent', dataSet: 'CREDIT_HISTORY', consentId: creditConsentId },
          { policy: 'consent', dataSet: 'PATENT_VALUATION', consentId: creditConsentId },
        ]),
      );
      // On consent, the purpose recorded is the one the enterprise stated when it granted it.
      expect(byEnterprise['ent-c'].purpose).toBe('知识产权质押贷款贷前调查');
    });

    it('records the consent’s stated purpose whether the consent was looked up or remembered', async () => {
      const DOSSIER = `query Dossier { enterprise(id: "ent-a") { contact { phone } } }`;
      const before = await lastSeq();
      // The second request within a minute decides on the consents the first looked up.
      for (let i = 0; i < 2; i++) {
        const { data, errors } = await ask(['bank', 'abc'], DOSSIER);
        expect(errors ?? []).toEqual([]);
        expect(data.enterprise.contact.phone).not.toBeNull();
      }
      const entries = await entriesAfter(before);
      expect(entries.map((e) => [e.enterpriseId, e.basis, e.purpose])).toEqual([
        ['ent-a', [{ policy: 'consent', dataSet: 'CONTACT', consentId: 'cons-1' }], '授信审查'],
        ['ent-a', [{ policy: 'consent', dataSet: 'CONTACT', consentId: 'cons-1' }], '授信审查'],
      ]);
    });

    it('leaves no disclosure without its log entry, and no entry without a disclosure, agencies included', async () => {
      for (const who of [
        ['bank', 'abc'],
        ['bank', 'icbc'],
        ['bank', 'boc'],
      ] as Who[]) {
        const before = await lastSeq();
        const { data } = await ask(who, FEED);
        const logged = (await entriesAfter(before))
          .flatMap((e) => e.fields.map((f) => `${e.enterpriseId} ${f}`))
          .sort();
        expect(logged, who.join(' ')).toEqual(disclosedIn(data));
      }
      // An agency's read is a disclosure too, on its mandate; the enterprise reading its own
      // data discloses nothing.
      const beforeAgency = await lastSeq();
      const { data } = await ask(['finance_office'], FEED);
      const entries = await entriesAfter(beforeAgency);
      expect(entries.flatMap((e) => e.fields.map((f) => `${e.enterpriseId} ${f}`)).sort()).toEqual(
        disclosedIn(data),
      );
      for (const entry of entries) {
        expect(entry).toMatchObject({ party: 'finance_office', org: null, purpose: 'mandate' });
        expect(entry.basis).toEqual([{ policy: 'unrestricted', party: 'finance_office' }]);
      }
      const beforeSelf = await lastSeq();
      await ask(['enterprise', 'ent-a'], FEED);
      expect(await entriesAfter(beforeSelf)).toEqual([]);
    });

    it('withholds the data, with an error, when the log cannot be written, and serves the rest', async () => {
      const query =
        'query One { enterprise(id: "ent-a") { id name contact { phone } financials { year } } }';
      const count = (await allEntries()).length;
      await exchange().db.execute(sql`alter table disclosures rename to disclosures_offline`);
      let body: Answer;
      try {
        body = await ask(['bank', 'abc'], query);
      } finally {
        await exchange().db.execute(sql`alter table disclosures_offline rename to disclosures`);
      }
      expect(body.data.enterprise).toEqual({
        id: 'ent-a',
        name: '咸宁甲科技有限公司',
        contact: null,
        financials: null,
      });
      expect(body.errors.map((e: any) => e.path.join('.')).sort()).toEqual([
        'enterprise.contact',
        'enterprise.financials',
      ]);
      for (const error of body.errors) {
        expect(error.extensions).toMatchObject({
          code: 'UNAUTHORIZED_FIELD_OR_TYPE',
          rule: 'disclosure_log',
        });
      }
      expect((await allEntries()).length).toBe(count);
      // Once the log can be written again, so is the data shown.
      const again = await ask(['bank', 'abc'], query);
      expect(again.data.enterprise.contact).toEqual({ phone: '13800000000' });
      expect((await allEntries()).length).toBe(count + 1);
    });

    /** The latest signed head once the sequencer has integrated every entry written so far. */
    const integratedHead = async () => {
      const total = (await allEntries()).length;
      for (;;) {
        const { data } = await ask(['finance_office'], TREE_HEAD);
        // No head is signed before the first entry is integrated.
        if (data.treeHead?.treeSize === total) return data.treeHead as PublishedHead;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    it('proves each entry in the signed tree, each head consistent with the last, and names an edited entry', async () => {
      // The first head covers at least one entry, whichever tests of the file ran before.
      await ask(['bank', 'abc'], FEED);
      const first = await integratedHead();
      await ask(['bank', 'abc'], FEED);
      const head = await integratedHead();
      expect(head.treeSize).toBeGreaterThan(first.treeSize);
      // The key and the head are published beside the gateway's JWKS.
      const gateway = graph.graph.gateway.url;
      const jwks = await (
        await fetch(new URL('/.well-known/disclosure-log/jwks.json', gateway))
      ).json();
      expect(await signatureProblem(head, jwks)).toBeUndefined();
      expect(
        await (await fetch(new URL('/.well-known/disclosure-log/tree-head.json', gateway))).json(),
      ).toEqual(head);

      const { data } = await ask(['enterprise', 'ent-a'], PROOFS, { treeSize: head.treeSize });
      expect(data.disclosures.nodes.length).toBeGreaterThan(0);
      for (const node of data.disclosures.nodes) {
        const proof = node.inclusionProof;
        expect(proof).toMatchObject({ leafIndex: node.leafIndex, leafHash: node.leafHash });
        expect(proof.rootHash).toBe(head.rootHash);
        expect(
          verifyInclusion(
            proof.leafIndex,
            head.treeSize,
            node.leafHash,
            proof.auditPath,
            head.rootHash,
          ),
        ).toBe(true);
      }
      const consistency = await ask(['tech_bureau'], CONSISTENCY, {
        first: first.treeSize,
        second: head.treeSize,
      });
      const { path } = consistency.data.consistencyProof;
      expect(
        verifyConsistency(first.treeSize, head.treeSize, first.rootHash, head.rootHash, path),
      ).toBe(true);
      const beyond = await ask(['tech_bureau'], CONSISTENCY, {
        first: 1,
        second: head.treeSize + 1_000,
      });
      expect(beyond.errors[0].extensions.code).toBe('BAD_USER_INPUT');

      const report = await auditLog(exchange(), { jwks, witnessed: { head: first } });
      expect(report.problem).toBeUndefined();
      const [target] = await exchange()
        .db.select()
        .from(disclosures)
        .orderBy(asc(disclosures.seq))
        .offset(1)
        .limit(1);
      await exchange()
        .db.update(disclosures)
        .set({ fields: ['Enterprise.name'] })
        .where(eq(disclosures.seq, target.seq));
      try {
        const edited = await auditLog(exchange(), { jwks, pageSize: 2 });
        expect(edited.problem).toMatchObject({ seq: target.seq, leafIndex: 1 });
        expect(describeLogReport(edited)).toContain(`broken at leaf 1 (seq ${target.seq})`);
      } finally {
        await exchange()
          .db.update(disclosures)
          .set({ fields: target.fields })
          .where(eq(disclosures.seq, target.seq));
      }
      expect((await auditLog(exchange(), { jwks })).problem).toBeUndefined();
    });

    it('shows the finance office and the PBOC every entry, a bank its own accesses, an enterprise those about itself', async () => {
      const all = await allEntries();
      const seqs = (keep: (e: (typeof all)[number]) => boolean) =>
        all.filter(keep).map((e) => String(e.seq));
      expect(await walk(['finance_office'])).toEqual(seqs(() => true));
      expect(await walk(['pboc'])).toEqual(seqs(() => true));
      expect(await walk(['bank', 'abc'])).toEqual(seqs((e) => e.org === 'abc'));
      expect(await walk(['bank', 'icbc'])).toEqual(seqs((e) => e.org === 'icbc'));
      expect(await walk(['bank', 'boc'])).toEqual([]);
      expect(await walk(['enterprise', 'ent-a'])).toEqual(seqs((e) => e.enterpriseId === 'ent-a'));
      expect(await walk(['enterprise', 'ent-b'])).toEqual(seqs((e) => e.enterpriseId === 'ent-b'));
      expect(await walk(['enterprise', 'ent-b'], { enterpriseId: 'ent-a' })).toEqual([]);

      const tech = await ask(['tech_bureau'], LOG);
      expect(tech.data.disclosures).toBeNull();
      expect(tech.errors[0].extensions).toMatchObject({
        code: 'UNAUTHORIZED_FIELD_OR_TYPE',
        rule: 'requiresScopes',
      });
    });

    it('pages newest first and filters by enterprise, bank and time', async () => {
      const all = await allEntries();
      const everything = all.map((e) => String(e.seq));
      expect(await walk(['finance_office'], undefined, 2)).toEqual(everything);
      expect(await walk(['finance_office'], { bankId: 'icbc' }, 1)).toEqual(
        all.filter((e) => e.org === 'icbc').map((e) => String(e.seq)),
      );
      expect(await walk(['pboc'], { enterpriseId: 'ent-c' })).toEqual(
        all.filter((e) => e.enterpriseId === 'ent-c').map((e) => String(e.seq)),
      );
      const middle = all[Math.floor(all.length / 2)].at.toISOString();
      const from = await walk(['finance_office'], { from: middle });
      const to = await walk(['finance_office'], { to: middle });
      expect(from.length).toBeGreaterThan(0);
      expect(to.length).toBeGreaterThan(0);
      expect([...from, ...to]).toEqual(everything);

      const bad = await ask(['finance_office'], LOG, { after: 'not-a-cursor' });
      expect(bad.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    });

    it('exposes each entry as stored, its basis typed and its enterprise resolvable', async () => {
      const [row] = await exchange()
        .db.select()
        .from(disclosures)
        .where(eq(disclosures.org, 'abc'))
        .orderBy(asc(disclosures.seq))
        .limit(1);
      const { data } = await ask(['bank', 'abc'], LOG, { first: 100 });
      const node = data.disclosures.nodes.find((n: { seq: string }) => n.seq === String(row.seq));
      expect(node).toEqual({
        seq: String(row.seq),
        at: row.at.toISOString(),
        requestId: row.requestId,
        operationName: 'Feed',
        party: 'bank',
        org: 'abc',
        subject: 'dev-bank-abc',
        enterpriseId: 'ent-a',
        enterprise: { id: 'ent-a', name: '咸宁甲科技有限公司' },
        fields: ['Enterprise.contact', 'Enterprise.financials'],
        basis: expect.arrayContaining([
          { policy: 'CONSENT', consentId: 'cons-1', dataSet: 'CONTACT', needId: null },
          { policy: 'CONSENT', consentId: 'cons-1', dataSet: 'FINANCIALS', needId: null },
        ]),
        purpose: '授信审查',
        hash: row.hash,
        prevHash: '',
      });
    });
  });
}
