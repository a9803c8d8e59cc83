import { buildConsole } from '../../scripts/console-build.js';

/**
 * The explorer and console the gateway serves, built once per run when their sources changed
 * (as `npm start` does), so a test of `/` or `/console` reads the current pages.
 */
export default async function ensureConsoleBuild(): Promise<void> {
  // Every project of the run calls its global setup; the first one builds.
  const flags = globalThis as { kxConsoleBuilt?: Promise<boolean> };
  flags.kxConsoleBuilt ??= buildConsole({ ifStale: true });
  await flags.kxConsoleBuilt;
}
