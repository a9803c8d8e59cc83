import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/shared/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const supergraphPath = path.join(root, 'schema', 'supergraph.graphql');

export function subgraphSdlPath(name: SubgraphName): string {
  return path.join(root, 'subgraphs', name, 'schema.graphql');
}

/** The subgraph URLs in the checked-in supergraph are placeholders; the gateway routes by name. */
export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPH_NAMES.map((name) => ({
      name,
      url: `http://${name}.subgraph.local/graphql`,
      typeDefs: parse(fs.readFileSync(subgraphSdlPath(name), 'utf8')),
    })),
  );
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}
