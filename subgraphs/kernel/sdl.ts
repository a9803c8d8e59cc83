import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, type DocumentNode } from 'graphql';
import type { SubgraphName } from './config.js';

const subgraphsRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The files a subgraph's SDL is made of: `schema.graphql` (the `@link` header and the core types),
 * then the `schema.graphql` of each domain folder in name order, which add types and
 * `extend type Query` or `Mutation` fields.
 */
export function subgraphSdlFiles(name: SubgraphName): string[] {
  const folder = path.join(subgraphsRoot, name);
  const domains = fs
    .readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((domain) => path.join(folder, domain, 'schema.graphql'))
    .filter((file) => fs.existsSync(file));
  return [path.join(folder, 'schema.graphql'), ...domains];
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
