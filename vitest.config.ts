import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build (what @apollo/* load); Vite would pick the
    // .mjs build, and two copies of graphql reject each other's schema objects.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Without TEST_DATABASE_URL, one line names the PostgreSQL proofs skipped and how to run them.
    globalSetup: ['test/helpers/postgres-proofs.ts'],
    // Whole-graph tests start servers and databases: give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // CI runs files and the tests within them in a random order, so a test that leans on what
    // another left behind fails there. Vitest prints the seed ("Running tests with seed …");
    // `npx vitest run --sequence.shuffle --sequence.seed=<seed>` replays that order.
    sequence: { shuffle: Boolean(process.env.CI) },
  },
});
