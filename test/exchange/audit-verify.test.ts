import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { DisclosureLog } from '../../gateway/disclosure-log.js';
import { openDatabase } from '../../subgraphs/kernel/db.js';
import { disclosures } from '../../subgraphs/exchange/tables.js';

const root = path.resolve(import.meta.dirname, '../..');

/** `npm run audit:verify` against the embedded exchange database under `dataDir`. */
function auditVerify(dataDir: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  delete env.DATABASE_URL_EXCHANGE;
  const result = spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/audit-verify.ts'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

async function withExchange<T>(
  dataDir: string,
  use: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>,
) {
  const exchange = await openDatabase('exchange', { dataDir: path.join(dataDir, 'exchange') });
  try {
    return await use(exchange);
  } finally {
    await exchange.close();
  }
}

describe('npm run audit:verify', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-audit-'));
    await withExchange(dataDir, async (exchange) => {
      const log = new DisclosureLog(exchange);
      const caller = {
        sub: 'dev-bank-abc',
        party: 'bank' as const,
        org: 'abc',
        scopes: new Set<string>(),
        requestId: 'req-1',
      };
      await log.record({ caller, operationName: 'Feed' }, [
        {
          enterpriseId: 'ent-a',
          fields: ['Enterprise.contact'],
          bases: [{ policy: 'consent', dataSet: 'CONTACT', consentId: 'cons-1' }],
        },
        {
          enterpriseId: 'ent-b',
          fields: ['Enterprise.contact'],
          bases: [{ policy: 'main_bank', needId: 'need-b1' }],
        },
      ]);
      await log.record({ caller: { ...caller, requestId: 'req-2' }, operationName: null }, [
        {
          enterpriseId: 'ent-a',
          fields: ['Enterprise.financials'],
          bases: [{ policy: 'consent', dataSet: 'FINANCIALS', consentId: 'cons-1' }],
        },
      ]);
    });
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports an intact chain and exits 0', () => {
    const { status, stdout } = auditVerify(dataDir);
    expect(stdout).toMatch(/^3 entries, chain intact \(head: seq 3, hash [0-9a-f]{64}\)$/);
    expect(status).toBe(0);
  });

  it('names the first edited entry and exits 1', async () => {
    await withExchange(dataDir, (exchange) =>
      exchange.db.update(disclosures).set({ enterpriseId: 'ent-c' }).where(eq(disclosures.seq, 2)),
    );
    const { status, stdout } = auditVerify(dataDir);
    expect(stdout).toBe(
      'disclosure log broken at seq 2: its content does not match its hash (1 entry before it intact)',
    );
    expect(status).toBe(1);
  });

  it('fails with exit 2 where there is no log to verify', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-audit-empty-'));
    try {
      const { status, stderr } = auditVerify(empty);
      expect(status).toBe(2);
      expect(stderr).toContain('audit:verify failed');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
