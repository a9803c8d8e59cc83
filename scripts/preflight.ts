import {
  acquireDataLock,
  DataFolderBusy,
  type LockRequest,
} from '../subgraphs/kernel/data-lock.js';
import type { Config } from '../subgraphs/kernel/config.js';
import { checkPorts, type PortUse } from './ports.js';

/**
 * What a script does before it opens a database or listens: takes the data folder's lock (its
 * embedded databases) and checks its ports. On a refusal it prints one line and exits 1, with no
 * stack trace; the lock, if taken, goes with the process.
 */
export async function preflight(
  script: string,
  config: Pick<Config, 'dataDir' | 'databaseUrls' | 'host'>,
  request: LockRequest & { listen?: PortUse[] },
) {
  let lock;
  try {
    lock = acquireDataLock(config, request);
  } catch (error) {
    if (!(error instanceof DataFolderBusy)) throw error;
    process.stderr.write(`${script}: ${error.message}\n`);
    process.exit(1);
  }
  const busy = request.listen ? await checkPorts(config.host, request.listen) : undefined;
  if (busy) {
    process.stderr.write(`${script}: ${busy}\n`);
    process.exit(1);
  }
  return lock;
}
