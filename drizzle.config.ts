import { defineConfig } from 'drizzle-kit';

// One migrations folder per subgraph: `SUBGRAPH=banks npx drizzle-kit generate` (npm run db:generate does all four).
// A subgraph's tables are in its tables.ts and in each domain folder's tables.ts.
const name = process.env.SUBGRAPH ?? 'tech';

export default defineConfig({
  dialect: 'postgresql',
  schema: [`./subgraphs/${name}/tables.ts`, `./subgraphs/${name}/*/tables.ts`],
  out: `./drizzle/${name}`,
});
