import path from 'node:path';
import { loadConfig, type Config } from '../subgraphs/kernel/config.js';
import { openDatabase, type Database } from '../subgraphs/kernel/db.js';
import { preflight } from './preflight.js';
import { progressBar } from './progress.js';
import { refreshProfiles } from './seed/profiles.js';

// `npm run profiles:refresh`: finance's copy of the library written again from the library (after
// an upgrade that copies more attributes). Every library write keeps the copy in step by itself.
const USAGE = `usage: npm run profiles:refresh
Reads every enterprise and its patents from the tech database and writes finance's copy of their
public attributes (prospect-feed filters, a need's enterprise); an unchanged copy is left alone.
Databases: DATABASE_URL_TECH and DATABASE_URL_FINANCE when set, else embedded PGlite under DATA_DIR.`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`profiles:refresh: unknown argument "${args[0]}"\n${USAGE}\n`);
  process.exit(2);
}
let config: Config;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`profiles:refresh: ${(error as Error).message}\n`);
  process.exit(2);
}
// The embedded databases take one process at a time: not while a graph runs on them.
const lock = await preflight('profiles:refresh', config, { command: 'npm run profiles:refresh' });
const open = (name: 'tech' | 'finance') =>
  openDatabase(name, { url: config.databaseUrls[name], dataDir: path.join(config.dataDir, name) });
const opened: Database[] = [];
let exitCode = 0;
try {
  const tech = await open('tech');
  opened.push(tech);
  const finance = await open('finance');
  opened.push(finance);
  const bar = progressBar("refreshing finance's copy of the library");
  const count = await refreshProfiles(tech.db, finance.db, bar.update);
  bar.done();
  console.log(
    `${count.toLocaleString('en')} enterprises read from the library; finance's copies of them are current`,
  );
} catch (error) {
  process.stderr.write(`\nprofiles:refresh failed: ${(error as Error).message}\n`);
  exitCode = 1;
} finally {
  await Promise.all(opened.map((d) => d.close()));
  lock?.release();
}
process.exit(exitCode);
