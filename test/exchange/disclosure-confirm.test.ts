import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DisclosureLog, StaleConsentError, type Disclosure } from '../../gateway/disclosure-log.js';
import { LogSequencer, loadTreeHeadKey } from '../../gateway/log-sequencer.js';
import { auditLog } from '../../scripts/audit/log-audit.js';
import { consents } from '../../subgraphs/exchange/tables.js';
import type { Database } from '../../subgraphs/kernel/db.js';
import { BACKENDS, createTestDatabases, type TestDatabases } from '../helpers/databases.js';

const caller = (requestId: string, org = 'abc') => ({
  sub: `dev-bank-${org}`,
  party: 'bank' as const,
  org,
  scopes: new Set<string>(),
  requestId,
});

const contactOn = (enterpriseId: string, consentId: string): Disclosure => ({
  enterpriseId,
  fields: ['Enterprise.contact'],
  bases: [{ policy: 'consent', dataSet: 'CONTACT', consentId }],
});

const DAY = 86_400_000;

// A grant on consent is confirmed by the log write itself: the entry goes in only while every
// consent it cites is active for that bank, enterprise and data set.
describe.each(BACKENDS)('disclosure log confirming consents (%s)', (backend) => {
  let test: TestDatabases;
  let exchange: Database;

  const entries = async () =>
    (await exchange.rows<{ n: number }>(sql`select count(*)::int as n from disclosures`))[0].n;

  beforeAll(async () => {
    test = await createTestDatabases(backend);
    exchange = test.databases.exchange;
    const now = Date.now();
    const consent = (id: string, enterpriseId: string, extra: object = {}) => ({
      id,
      enterpriseId,
      bankId: 'abc',
      dataSets: ['CONTACT'],
      purpose: '授信审查',
      grantedAt: new Date(now - DAY),
      expiresAt: new Date(now + DAY),
      ...extra,
    });
    await exchange.db
      .insert(consents)
      .values([
        consent('cons-active', 'ent-a'),
        consent('cons-revoked', 'ent-b', { revokedAt: new Date(now - 1_000) }),
        consent('cons-expired', 'ent-c', { expiresAt: new Date(now - 1_000) }),
        consent('cons-financials', 'ent-d', { dataSets: ['FINANCIALS'] }),
      ]);
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('writes an entry whose consent is active', async () => {
    const log = new DisclosureLog(exchange);
    const before = await entries();
    await log.record({ caller: caller('r1'), operationName: 'Dossier', confirmConsents: true }, [
      contactOn('ent-a', 'cons-active'),
    ]);
    expect(await entries()).toBe(before + 1);
  });

  it.each([
    ['revoked', 'ent-b', 'cons-revoked', 'abc'],
    ['expired', 'ent-c', 'cons-expired', 'abc'],
    ['for another data set', 'ent-d', 'cons-financials', 'abc'],
    ['for another enterprise', 'ent-b', 'cons-active', 'abc'],
    ['for another bank', 'ent-a', 'cons-active', 'xyz'],
    ['unknown', 'ent-a', 'cons-none', 'abc'],
  ])('refuses, writing nothing, a consent %s', async (_, enterpriseId, consentId, org) => {
    const log = new DisclosureLog(exchange);
    const before = await entries();
    await expect(
      log.record({ caller: caller('r2', org), operationName: 'Dossier', confirmConsents: true }, [
        contactOn('ent-a', 'cons-active'),
        contactOn(enterpriseId, consentId),
      ]),
    ).rejects.toBeInstanceOf(StaleConsentError);
    expect(await entries()).toBe(before);
  });

  it('records the purposes the enterprise stated for the consents, else the ground', async () => {
    const log = new DisclosureLog(exchange);
    const before = await entries();
    await log.record({ caller: caller('r-purpose'), operationName: 'Dossier' }, [
      { ...contactOn('ent-a', 'cons-active'), purposes: ['授信审查', '贷后管理'] },
      contactOn('ent-a', 'cons-active'),
      {
        enterpriseId: 'ent-b',
        fields: ['Enterprise.contact'],
        bases: [{ policy: 'main_bank', needId: 'need-b1' }],
      },
    ]);
    const written = await exchange.rows<{ purpose: string | null }>(
      sql`select purpose from disclosures where request_id = 'r-purpose' order by seq`,
    );
    expect(written.map((row) => row.purpose)).toEqual([
      '授信审查; 贷后管理',
      'consent',
      'main_bank',
    ]);
    expect(await entries()).toBe(before + 3);
    const report = await integratedAndAudited(exchange);
    expect(report.problem).toBeUndefined();
    expect(report.head?.treeSize).toBe(before + 3);
  });

  it('writes, unconfirmed, what the caller did not ask to confirm', async () => {
    const log = new DisclosureLog(exchange);
    const before = await entries();
    await log.record({ caller: caller('r3'), operationName: 'Dossier' }, [
      contactOn('ent-b', 'cons-revoked'),
    ]);
    expect(await entries()).toBe(before + 1);
  });

  it('fails only the requests of a batch that cite a stale consent, and keeps the tree whole', async () => {
    const log = new DisclosureLog(exchange);
    const before = await entries();
    // Sent together, these queue behind the first and are written as one batch.
    const settled = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        log.record(
          { caller: caller(`batch-${i}`), operationName: 'Dossier', confirmConsents: true },
          [i === 3 ? contactOn('ent-b', 'cons-revoked') : contactOn('ent-a', 'cons-active')],
        ),
      ),
    );
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((settled[3] as PromiseRejectedResult).reason).toBeInstanceOf(StaleConsentError);
    expect(await entries()).toBe(before + 5);
    const report = await integratedAndAudited(exchange);
    expect(report.problem).toBeUndefined();
    expect(report.head?.treeSize).toBe(before + 5);
  });
});

/** Every written entry integrated into the tree under a fresh key, then the auditor's verdict. */
async function integratedAndAudited(exchange: Database) {
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-confirm-'));
  try {
    const key = await loadTreeHeadKey({ dataDir: keyDir });
    await new LogSequencer(exchange, key, 1_000).integrate();
    return await auditLog(exchange, { jwks: { keys: [key.publicJwk] } });
  } finally {
    fs.rmSync(keyDir, { recursive: true, force: true });
  }
}
