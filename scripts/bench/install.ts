import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The benchmark's peer gateways (Hive Gateway) are a package of their own in this folder, so the
 * graph's `npm ci` does not install them. The first `npm run bench` installs them from this
 * folder's lock file, and again whenever that lock file is newer than the installed tree.
 */
export const benchDir = path.dirname(fileURLToPath(import.meta.url));

export function ensureBenchPackage(): void {
  const lock = path.join(benchDir, 'package-lock.json');
  const installed = path.join(benchDir, 'node_modules', '.package-lock.json');
  if (fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(lock).mtimeMs) {
    return;
  }
  const relative = path.relative(process.cwd(), benchDir) || '.';
  console.log(
    `Installing the benchmark's own packages (Hive Gateway) once: npm ci --prefix ${relative}`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['ci', '--prefix', benchDir, '--no-audit', '--no-fund'], { stdio: 'inherit' });
}
