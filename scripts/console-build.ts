import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE_DIST } from '../gateway/pages.js';

const SOURCE = fileURLToPath(new URL('../gateway/console/', import.meta.url));
const LOCK_FILE = fileURLToPath(new URL('../package-lock.json', import.meta.url));
/** Written into the build: the hash of the sources and the lock file it was made from. */
const STAMP = 'build-source.sha256';

function sourceFiles(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      return full === path.resolve(CONSOLE_DIST) || entry.name.startsWith('dist')
        ? []
        : sourceFiles(full);
    }
    return [full];
  });
}

/** The hash of every source of the build: the console's files and the dependencies' lock file. */
export function consoleSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...sourceFiles(SOURCE).sort(), LOCK_FILE]) {
    hash
      .update(path.relative(SOURCE, file))
      .update('\0')
      .update(fs.readFileSync(file))
      .update('\0');
  }
  return hash.digest('hex');
}

/** Whether `gateway/console/dist` holds a build of the current sources. */
export function consoleBuildIsFresh(): boolean {
  const stamp = path.join(CONSOLE_DIST, STAMP);
  return (
    fs.existsSync(stamp) &&
    fs.existsSync(path.join(CONSOLE_DIST, 'index.html')) &&
    fs.existsSync(path.join(CONSOLE_DIST, 'explorer.html')) &&
    fs.readFileSync(stamp, 'utf8').trim() === consoleSourceHash()
  );
}

/**
 * Builds the explorer and the console with Vite into a folder of its own, then puts it in place
 * of `dist` in one rename, so a gateway serving the old build never reads half a new one. With
 * `ifStale`, a build of the current sources is kept as it is. Returns whether it built.
 */
export async function buildConsole(options: { ifStale?: boolean } = {}): Promise<boolean> {
  if (options.ifStale && consoleBuildIsFresh()) return false;
  const hash = consoleSourceHash();
  const staging = `${CONSOLE_DIST.replace(/[\\/]$/, '')}.${process.pid}.tmp`;
  // Vite is a development dependency: loaded only when a build is made.
  const { build } = await import('vite');
  // Vite sets NODE_ENV=production for its build; the process that asked (npm start, the tests)
  // keeps its own, which decides development mode.
  const nodeEnv = process.env.NODE_ENV;
  try {
    await build({
      configFile: path.join(SOURCE, 'vite.config.ts'),
      logLevel: 'error',
      mode: 'production',
      build: { outDir: staging, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  fs.writeFileSync(path.join(staging, STAMP), `${hash}\n`);
  const old = `${staging}.old`;
  if (fs.existsSync(CONSOLE_DIST)) fs.renameSync(CONSOLE_DIST, old);
  fs.renameSync(staging, CONSOLE_DIST);
  fs.rmSync(old, { recursive: true, force: true });
  return true;
}
