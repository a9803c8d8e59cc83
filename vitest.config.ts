import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * The proofs that take minutes each and need PostgreSQL: the graph under killed subgraphs and
 * restarted databases, and two gateway replicas. CI runs them with the rest (`npm run test:all`);
 * `npm test` leaves them out.
 */
const SLOW = ['test/production/faults.e2e.test.ts', 'test/production/replicas.e2e.test.ts'];

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build (what @apollo/* load); Vite would pick the
    // .mjs build, and two copies of graphql reject each other's schema objects.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    globalSetup: [
      // Migrated PGlite dumps, made once per migration set, that every worker starts from.
      'test/helpers/pglite-templates.ts',
      // Without TEST_DATABASE_URL, one line names the PostgreSQL proofs skipped and how to run them.
      'test/helpers/postgres-proofs.ts',
      // The explorer and console under gateway/console/dist, rebuilt when their sources changed.
      'test/helpers/console-build.ts',
    ],
    // Whole-graph tests start servers and databases: give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // CI runs files and the tests within them in a random order, so a test that leans on what
    // another left behind fails there. Vitest prints the seed ("Running tests with seed …");
    // `npx vitest run --sequence.shuffle --sequence.seed=<seed>` replays that order.
    sequence: { shuffle: Boolean(process.env.CI) },
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: SLOW,
          // A worker runs file after file in one process: the modules load once, and the
          // databases a file drops are emptied and handed to the next (test/helpers/databases.ts).
          // Every file still starts its own graph over its own databases.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
