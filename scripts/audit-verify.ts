import fs from 'node:fs';
import path from 'node:path';
import { describeChainReport, verifyChain } from '../gateway/disclosure-log.js';
import { loadConfig } from '../subgraphs/kernel/config.js';
import { acquireDataLock, type DataLock } from '../subgraphs/kernel/data-lock.js';
import { openDatabase, type Database } from '../subgraphs/kernel/db.js';
import { progressBar } from './progress.js';

// `npm run audit:verify`: re-walks the hash-chained disclosure log and names the first entry that
// was edited or removed. Exit 0 when intact, 1 when broken, 2 when it could not be checked.
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
  // An embedded database takes one process at a time: not while the graph runs on it.
  lock = acquireDataLock(config, { command: 'npm run audit:verify', databases: ['exchange'] });
  // An audit must not change what it audits: no migrations, the database is read as it stands.
  exchange = await openDatabase('exchange', { url, dataDir, migrate: false });
  const bar = progressBar('verifying the disclosure log');
  let barShown = false;
  const report = await verifyChain(exchange, {
    // A log that fits in one page is checked before a bar would help.
    onProgress: (checked, total) => {
      if (checked === total && !barShown) return;
      barShown = true;
      bar.update(checked, total);
    },
  });
  if (barShown) bar.done();
  console.log(describeChainReport(report));
  if (report.broken) exitCode = 1;
} catch (error) {
  process.stderr.write(`audit:verify failed: ${(error as Error).message}\n`);
  exitCode = 2;
} finally {
  await exchange?.close();
  lock?.release();
}
process.exit(exitCode);
