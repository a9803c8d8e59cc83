import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, type DocumentNode } from 'graphql';
import type { SubgraphName } from './config.js';

const subgraphsRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The files a subgraph's SDL is made of: `schema.graphql` (the `@link` header and the core types),
 * then each workflow's `schema/*.graphql` in name order, which add types and `extend type Query`
 * or `Mutation` fields.
 */
export function subgraphSdlFiles(name: SubgraphName): string[] {
  const folder = path.join(subgraphsRoot, name);
  const parts = path.join(folder, 'schema');
  const extra = fs.existsSync(parts)
    ? fs
        .readdirSync(parts)
        .filter((file) => file.endsWith('.graphql'))
        .sort()
        .map((file) => path.join(parts, file))
    : [];
  return [path.join(folder, 'schema.graphql'), ...extra];
}

/** A subgraph's whole SDL as one text. */
export function subgraphSdl(name: SubgraphName): string {
  return subgraphSdlFiles(name)
    .map((file) => fs.readFileSync(file, 'utf8'))
    .join('\n');
}

export function subgraphTypeDefs(name: SubgraphName): DocumentNode {
  return parse(subgraphSdl(name));
}
