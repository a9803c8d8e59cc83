import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asc, sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/pglite/migrator';
import {
  DisclosureLog,
  entryHash,
  GENESIS_HASH,
  verifyChain,
} from '../../gateway/disclosure-log.js';
import { LogSequencer, loadTreeHeadKey } from '../../gateway/log-sequencer.js';
import { auditLog } from '../../scripts/audit/log-audit.js';
import { migrationsFolder, openDatabase } from '../../subgraphs/kernel/db.js';
import { disclosures, logLeaves } from '../../subgraphs/exchange/tables.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-log-migration-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The exchange's migrations as they stood before the tree: the journal's first `count` entries. */
function migrationsBefore(count: number): string {
  const folder = path.join(dir, 'drizzle-before');
  fs.cpSync(migrationsFolder('exchange'), folder, { recursive: true });
  const journalFile = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: unknown[] };
  journal.entries = journal.entries.slice(0, count);
  fs.writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}

describe('the disclosure log migration to a Merkle tree', () => {
  it('puts the chained entries into the tree in their order, and their chain still verifies', async () => {
    const exchange = await openDatabase('exchange', { migrate: false });
    try {
      const db = exchange.db as unknown as Parameters<typeof migrate>[0];
      await migrate(db, { migrationsFolder: migrationsBefore(3) });
      // Three entries written the way the chain wrote them.
      let prevHash = GENESIS_HASH;
      for (const [i, enterpriseId] of ['ent-a', 'ent-b', 'ent-a'].entries()) {
        const entry = {
          at: new Date(Date.UTC(2026, 0, 5 + i)),
          requestId: `req-${i}`,
          operationName: 'Dossier',
          party: 'bank',
          org: 'abc',
          subject: 'dev-bank-abc',
          enterpriseId,
          fields: ['Enterprise.contact'],
          basis: [{ policy: 'main_bank', needId: `need-${i}` }],
          purpose: 'main_bank',
          prevHash,
        };
        const hash = entryHash(entry);
        await exchange.rows(sql`insert into disclosures (at, request_id, operation_name, party,
          org, subject, enterprise_id, fields, basis, purpose, prev_hash, hash)
          values (${entry.at.toISOString()}, ${entry.requestId}, ${entry.operationName},
          ${entry.party}, ${entry.org}, ${entry.subject}, ${entry.enterpriseId},
          ${sql.param(entry.fields)}::text[], ${JSON.stringify(entry.basis)}::jsonb,
          ${entry.purpose}, ${prevHash}, ${hash})`);
        prevHash = hash;
      }
      const before = await verifyChain(exchange);

      await migrate(db, { migrationsFolder: migrationsFolder('exchange') });
      const key = await loadTreeHeadKey({ dataDir: dir });
      const sequencer = new LogSequencer(exchange, key, 1_000);
      await sequencer.integrate();
      await new DisclosureLog(exchange).record(
        {
          caller: { sub: 's', party: 'bank', org: 'abc', scopes: new Set(), requestId: 'req-new' },
          operationName: null,
        },
        [{ enterpriseId: 'ent-c', fields: ['Enterprise.contact'], bases: [] }],
      );
      await sequencer.integrate();

      const leaves = await exchange.db.select().from(logLeaves).orderBy(asc(logLeaves.leafIndex));
      const seqs = await exchange.db
        .select({ seq: disclosures.seq })
        .from(disclosures)
        .orderBy(asc(disclosures.seq));
      expect(leaves.map((leaf) => leaf.seq)).toEqual(seqs.map((row) => row.seq));
      expect(leaves.map((leaf) => leaf.leafIndex)).toEqual([0, 1, 2, 3]);
      const report = await auditLog(exchange, { jwks: { keys: [key.publicJwk] } });
      expect(report.problem).toBeUndefined();
      expect(report.head?.treeSize).toBe(4);
      // A head saved from the chain is still the chain's head: later entries are not chained.
      expect(before.head?.hash).toBe(prevHash);
      expect(await verifyChain(exchange)).toEqual(before);
    } finally {
      await exchange.close();
    }
  });
});
