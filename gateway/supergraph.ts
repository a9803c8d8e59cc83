import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { SUBGRAPH_NAMES } from '../subgraphs/shared/config.js';
import { subgraphTypeDefs } from '../subgraphs/shared/sdl.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const supergraphPath = path.join(root, 'schema', 'supergraph.graphql');

/** The subgraph URLs in the checked-in supergraph are placeholders; the gateway routes by name. */
export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPH_NAMES.map((name) => ({
      name,
      url: `http://${name}.subgraph.local/graphql`,
      typeDefs: subgraphTypeDefs(name),
    })),
  );
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}

/**
 * `@apollo/gateway` refuses to load a supergraph that links features `for: SECURITY` it does not
 * implement. The exchange enforces @authenticated, @requiresScopes and @policy itself (reading
 * them from the same supergraph), so only the `for:` argument of those links is removed.
 */
export function loadSupergraphForGateway(file: string): string {
  return stripSecurityPurpose(fs.readFileSync(file, 'utf8'));
}

export function stripSecurityPurpose(sdl: string): string {
  return sdl.replace(
    /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes|policy)\/v[\d.]+"), for: SECURITY\)/g,
    '$1)',
  );
}
