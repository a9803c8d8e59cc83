import fs from 'node:fs';
import path from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { describeChainReport, verifyChain } from '../gateway/disclosure-log.js';
import { treeHeadKeyFile } from '../gateway/log-sequencer.js';
import { loadConfig } from '../subgraphs/kernel/config.js';
import { acquireDataLock, type DataLock } from '../subgraphs/kernel/data-lock.js';
import { openDatabase, type Database } from '../subgraphs/kernel/db.js';
import { auditEnterprise } from './audit/enterprise-audit.js';
import { auditLog, describeLogReport, type LogReport } from './audit/log-audit.js';
import { readWitness, WitnessLeaves, writeWitnessHead } from './audit/witness-file.js';
import { progressBar } from './progress.js';

// `npm run audit:verify [-- --witness FILE] [-- --enterprise ID] [-- --jwks FILE]`: checks the
// disclosure log (a Merkle transparency log) against its latest signed tree head and names the
// first entry that was edited, removed or rewritten. Exit 0 when intact, 1 when not, 2 when it
// could not be checked.

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = process.argv[at + 1];
  if (!value || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

/** The exchange's tree-head public key: a JWKS file given, or the one beside the local data. */
function loadJwks(dataDir: string): JSONWebKeySet {
  const file = flag('jwks');
  if (file) return JSON.parse(fs.readFileSync(file, 'utf8')) as JSONWebKeySet;
  const keyFile = treeHeadKeyFile({ dataDir });
  if (!fs.existsSync(keyFile)) throw new Error(`no tree-head key at ${keyFile} (pass --jwks FILE)`);
  const { publicJwk } = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as { publicJwk: never };
  return { keys: [publicJwk] };
}

async function wholeLog(exchange: Database, jwks: JSONWebKeySet): Promise<LogReport> {
  const witnessFile = flag('witness');
  const witnessed = witnessFile ? readWitness(witnessFile) : undefined;
  const leaves = witnessFile ? new WitnessLeaves(witnessFile) : undefined;
  const bar = progressBar('verifying the disclosure log');
  let barShown = false;
  const report = await auditLog(exchange, {
    jwks,
    witnessed,
    onLeaves: leaves && ((hashes) => leaves.write(hashes)),
    // A log that fits in one page is checked before a bar would help.
    onProgress: (checked, total) => {
      if (checked === total && !barShown) return;
      barShown = true;
      bar.update(checked, total);
    },
  });
  if (barShown) bar.done();
  if (witnessFile && leaves) {
    // The witness moves on to the new head only when it found the log sound.
    if (!report.problem && report.head) {
      leaves.commit();
      writeWitnessHead(witnessFile, report.head);
    } else leaves.discard();
  }
  return report;
}

let exchange: Database | undefined;
let lock: DataLock | null = null;
let exitCode = 0;
try {
  const config = loadConfig();
  const url = config.databaseUrls.exchange;
  const dataDir = path.join(config.dataDir, 'exchange');
  // Opening a missing PGlite folder would create an empty database: report it instead.
  if (!url && !fs.existsSync(dataDir)) {
    throw new Error(`no exchange database at ${dataDir} (set DATA_DIR or DATABASE_URL_EXCHANGE)`);
  }
  const jwks = loadJwks(config.dataDir);
  // An embedded database takes one process at a time: not while the graph runs on it.
  lock = acquireDataLock(config, { command: 'npm run audit:verify', databases: ['exchange'] });
  // An audit must not change what it audits: no migrations, the database is read as it stands.
  exchange = await openDatabase('exchange', { url, dataDir, migrate: false });
  const enterprise = flag('enterprise');
  if (enterprise) {
    const report = await auditEnterprise(exchange, enterprise, jwks);
    console.log(`enterprise ${enterprise}: ${describeLogReport(report)}`);
    if (report.problem) exitCode = 1;
  } else {
    // The entries written before the tree keep their hash chain, for heads saved back then.
    const chain = await verifyChain(exchange);
    if (chain.entries > 0 || chain.broken) console.log(describeChainReport(chain));
    const report = await wholeLog(exchange, jwks);
    console.log(describeLogReport(report));
    if (report.problem || chain.broken) exitCode = 1;
  }
} catch (error) {
  process.stderr.write(`audit:verify failed: ${(error as Error).message}\n`);
  exitCode = 2;
} finally {
  await exchange?.close();
  lock?.release();
}
process.exit(exitCode);
