import fs from 'node:fs';
import { composeSupergraph, supergraphPath } from '../gateway/supergraph.js';

// Writes schema/supergraph.graphql from the four subgraphs' SDL; `--check` only compares.
const check = process.argv.includes('--check');
const sdl = composeSupergraph();
const current = fs.existsSync(supergraphPath) ? fs.readFileSync(supergraphPath, 'utf8') : '';
if (check) {
  if (current !== sdl) {
    console.error('schema/supergraph.graphql is stale: run npm run compose');
    process.exit(1);
  }
  console.log('schema/supergraph.graphql is up to date');
} else {
  fs.writeFileSync(supergraphPath, sdl);
  console.log(`wrote ${supergraphPath}`);
}
