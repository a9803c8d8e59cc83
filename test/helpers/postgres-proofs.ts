import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';

/** Where `.ci/run` and the test README expect a local PostgreSQL. */
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A test that runs only on PostgreSQL says so with one of these guards. */
const POSTGRES_ONLY = /skipIf\(\s*(?:!process\.env\.TEST_DATABASE_URL|backend !== 'postgres')/;

/** The test files holding proofs that run only against PostgreSQL, relative to the root. */
export function postgresProofFiles(root = process.cwd()): string[] {
  const folder = path.join(root, 'test');
  return fs
    .readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .filter((file) => POSTGRES_ONLY.test(fs.readFileSync(path.join(folder, file), 'utf8')))
    .map((file) => path.posix.join('test', file.split(path.sep).join('/')))
    .sort();
}

/** Whether a PostgreSQL server at `url` answers a query within about a second. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = postgres(url, { max: 1, connect_timeout: 1, onnotice: () => {} });
  try {
    await client`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await client.end({ timeout: 1 }).catch(() => {});
  }
}

/**
 * Says, in one line, which proofs a run without TEST_DATABASE_URL skips and how to run them. It
 * never turns them on by itself, even when a server answers on the default address: they make a
 * local run several minutes longer, and the choice is the developer's.
 */
const ANNOUNCED = Symbol.for('kechuang.postgres-proofs-announced');

export default async function announceSkippedProofs(): Promise<void> {
  // Every project of the run calls its global setup; the first one says it.
  const flags = globalThis as { [ANNOUNCED]?: boolean };
  if (process.env.TEST_DATABASE_URL || flags[ANNOUNCED]) return;
  flags[ANNOUNCED] = true;
  const files = postgresProofFiles();
  const command = `TEST_DATABASE_URL=${DEFAULT_POSTGRES_URL} npm run test:all`;
  const where = (await postgresAnswers(DEFAULT_POSTGRES_URL))
    ? `PostgreSQL answers at ${DEFAULT_POSTGRES_URL}; run them with: ${command}`
    : `no PostgreSQL answers at ${DEFAULT_POSTGRES_URL}; start one and run: ${command}`;
  console.log(
    `TEST_DATABASE_URL is unset: skipping the PostgreSQL proofs (${files.join(', ')}) ` +
      `and the PostgreSQL run of every whole-graph test; ${where}`,
  );
}
