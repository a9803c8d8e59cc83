import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eq, gte, sql } from 'drizzle-orm';
import { DisclosureLog } from '../../gateway/disclosure-log.js';
import { LogSequencer, loadTreeHeadKey } from '../../gateway/log-sequencer.js';
import { openDatabase, type Database } from '../../subgraphs/kernel/db.js';
import {
  disclosures,
  logLeaves,
  logNodes,
  logQueue,
  treeHeads,
} from '../../subgraphs/exchange/tables.js';

const root = path.resolve(import.meta.dirname, '../..');

/** `npm run audit:verify` against the embedded exchange database under `dataDir`. */
function auditVerify(dataDir: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  delete env.DATABASE_URL_EXCHANGE;
  const result = spawnSync(
    path.join(root, 'node_modules/.bin/tsx'),
    ['scripts/audit-verify.ts', ...args],
    { cwd: root, env, encoding: 'utf8' },
  );
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

const caller = (requestId: string) => ({
  sub: 'dev-bank-abc',
  party: 'bank' as const,
  org: 'abc',
  scopes: new Set<string>(),
  requestId,
});

const contact = (enterpriseId: string) => ({
  enterpriseId,
  fields: ['Enterprise.contact'],
  bases: [{ policy: 'consent' as const, dataSet: 'CONTACT' as const, consentId: 'cons-1' }],
});

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A log of `ent-a, ent-b, ent-a, …` entries in its own data folder, integrated and signed. */
async function logOf(enterprises: string[]) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-audit-'));
  dirs.push(dataDir);
  const use = async <T>(work: (exchange: Database, sequencer: LogSequencer) => Promise<T>) => {
    const exchange = await openDatabase('exchange', { dataDir: path.join(dataDir, 'exchange') });
    try {
      const sequencer = new LogSequencer(exchange, await loadTreeHeadKey({ dataDir }), 1_000);
      return await work(exchange, sequencer);
    } finally {
      await exchange.close();
    }
  };
  const append = (names: string[]) =>
    use(async (exchange, sequencer) => {
      const log = new DisclosureLog(exchange);
      for (const [i, name] of names.entries()) {
        await log.record({ caller: caller(`req-${name}-${i}`), operationName: 'Dossier' }, [
          contact(name),
        ]);
      }
      await sequencer.integrate();
    });
  await append(enterprises);
  return { dataDir, use, append, witness: path.join(dataDir, 'witness.json') };
}

/** Rebuilds the tree from the entries as they now stand and signs it: an operator rewriting. */
async function resign(exchange: Database, sequencer: LogSequencer) {
  for (const table of [logLeaves, logNodes, treeHeads]) await exchange.db.delete(table);
  await exchange.rows(sql`insert into log_queue select seq from disclosures order by seq`);
  await sequencer.integrate();
}

const HEAD = /signed head: size (\d+), root [0-9a-f]{64}/;

describe('npm run audit:verify', () => {
  it('checks every entry against the latest signed tree head and exits 0', async () => {
    const { dataDir } = await logOf(['ent-a', 'ent-b', 'ent-a']);
    const { status, stdout } = auditVerify(dataDir);
    expect(stdout).toMatch(
      /^3 entries in the Merkle tree, intact \(signed head: size 3, root [0-9a-f]{64}\)$/,
    );
    expect(status).toBe(0);
  });

  it('names a tampered entry and exits 1', async () => {
    const log = await logOf(['ent-a', 'ent-b', 'ent-a']);
    await log.use((exchange) =>
      exchange.db.update(disclosures).set({ enterpriseId: 'ent-c' }).where(eq(disclosures.seq, 2)),
    );
    const { status, stdout } = auditVerify(log.dataDir);
    expect(stdout).toBe(
      'disclosure log broken at leaf 1 (seq 2): its content does not match the leaf the tree holds (1 entry before it intact)',
    );
    expect(status).toBe(1);
  });

  it('as a witness, moves on to each consistent new head', async () => {
    const log = await logOf(['ent-a', 'ent-b']);
    expect(auditVerify(log.dataDir, '--witness', log.witness).status).toBe(0);
    expect(JSON.parse(fs.readFileSync(log.witness, 'utf8')).treeSize).toBe(2);
    await log.append(['ent-c', 'ent-d', 'ent-e']);
    const { status, stdout } = auditVerify(log.dataDir, '--witness', log.witness);
    expect(stdout.match(HEAD)?.[1]).toBe('5');
    expect(status).toBe(0);
    expect(JSON.parse(fs.readFileSync(log.witness, 'utf8')).treeSize).toBe(5);
    expect(fs.statSync(`${log.witness}.leaves`).size).toBe(5 * 32);
  });

  it('as a witness, reports a truncated tail that the log alone no longer shows', async () => {
    const log = await logOf(['ent-a', 'ent-b', 'ent-c', 'ent-d', 'ent-e']);
    expect(auditVerify(log.dataDir, '--witness', log.witness).status).toBe(0);
    await log.use(async (exchange, sequencer) => {
      await exchange.db.delete(disclosures).where(gte(disclosures.seq, 4));
      await resign(exchange, sequencer);
    });
    expect(auditVerify(log.dataDir).status).toBe(0);
    const { status, stdout } = auditVerify(log.dataDir, '--witness', log.witness);
    expect(stdout).toBe(
      'disclosure log broken at leaf 3: the log was truncated: its latest signed head has 3 entries, the trusted one 5 (0 entries before it intact)',
    );
    expect(status).toBe(1);
  });

  it('as a witness, names the first entry of a rewritten suffix', async () => {
    const log = await logOf(['ent-a', 'ent-b', 'ent-c', 'ent-d']);
    expect(auditVerify(log.dataDir, '--witness', log.witness).status).toBe(0);
    await log.use(async (exchange, sequencer) => {
      await exchange.db
        .update(disclosures)
        .set({ org: 'someone-else' })
        .where(gte(disclosures.seq, 3));
      await resign(exchange, sequencer);
    });
    await log.append(['ent-e']);
    // Re-signed from scratch, the log is sound on its own terms.
    expect(auditVerify(log.dataDir).status).toBe(0);
    const { status, stdout } = auditVerify(log.dataDir, '--witness', log.witness);
    expect(stdout).toBe(
      'disclosure log broken at leaf 2 (seq 3): differs from the entry the trusted tree head covered (2 entries before it intact)',
    );
    expect(status).toBe(1);
    // The witness keeps the head it trusted.
    expect(JSON.parse(fs.readFileSync(log.witness, 'utf8')).treeSize).toBe(4);
  });

  it('as a witness holding only a head, detects a fork of the tree', async () => {
    const log = await logOf(['ent-a', 'ent-b', 'ent-c']);
    expect(auditVerify(log.dataDir, '--witness', log.witness).status).toBe(0);
    fs.rmSync(`${log.witness}.leaves`);
    await log.use(async (exchange, sequencer) => {
      await exchange.db
        .update(disclosures)
        .set({ subject: 'forged' })
        .where(eq(disclosures.seq, 2));
      await resign(exchange, sequencer);
    });
    const { status, stdout } = auditVerify(log.dataDir, '--witness', log.witness);
    expect(stdout).toContain("the first 3 entries no longer hash to the trusted head's root");
    expect(status).toBe(1);
  });

  it('refuses a tree head the exchange did not sign', async () => {
    const log = await logOf(['ent-a']);
    await log.use((exchange) =>
      exchange.db
        .update(treeHeads)
        .set({ rootHash: '00'.repeat(32) })
        .where(eq(treeHeads.treeSize, 1)),
    );
    const { status, stdout } = auditVerify(log.dataDir);
    expect(stdout).toBe(
      'disclosure log broken: the latest tree head: its signature covers another size, root or time (0 entries before it intact)',
    );
    expect(status).toBe(1);
  });

  it('checks one enterprise’s disclosures by their inclusion proofs', async () => {
    const log = await logOf(['ent-a', 'ent-b', 'ent-a', 'ent-c', 'ent-a']);
    await log.append(['ent-b', 'ent-a']);
    const { status, stdout } = auditVerify(log.dataDir, '--enterprise', 'ent-a');
    expect(stdout).toMatch(
      /^enterprise ent-a: 4 entries in the Merkle tree, intact \(signed head: size 7,/,
    );
    expect(status).toBe(0);
    await log.use(async (exchange) => {
      await exchange.db
        .update(disclosures)
        .set({ fields: ['Enterprise.name'] })
        .where(eq(disclosures.seq, 3));
      // Queued but not yet integrated: reported as waiting, not as missing.
      await new DisclosureLog(exchange).record(
        { caller: caller('req-late'), operationName: null },
        [contact('ent-a')],
      );
    });
    const tampered = auditVerify(log.dataDir, '--enterprise', 'ent-a');
    expect(tampered.stdout).toBe(
      'enterprise ent-a: disclosure log broken at leaf 2 (seq 3): not included in the signed tree head as it stands (1 entry before it intact)',
    );
    expect(tampered.status).toBe(1);
    await log.use(async (exchange) => {
      await exchange.db
        .update(disclosures)
        .set({ fields: ['Enterprise.contact'] })
        .where(eq(disclosures.seq, 3));
    });
    expect(auditVerify(log.dataDir, '--enterprise', 'ent-a').stdout).toMatch(
      /, 1 entry awaiting integration$/,
    );
  });

  it('fails with exit 2 where there is no log to verify', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-audit-empty-'));
    dirs.push(empty);
    const { status, stderr } = auditVerify(empty);
    expect(status).toBe(2);
    expect(stderr).toContain('audit:verify failed');
  });
});
