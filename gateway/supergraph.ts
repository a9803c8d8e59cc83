import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { loadConfig, SUBGRAPH_NAMES } from '../subgraphs/kernel/config.js';
import { subgraphTypeDefs } from '../subgraphs/kernel/sdl.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const supergraphPath = path.join(root, 'schema', 'supergraph.graphql');

/**
 * The checked-in supergraph names each subgraph at its default local URL (`npm start`'s ports on
 * 127.0.0.1), so it serves as it is; SUBGRAPH_URL_<NAME> moves one elsewhere.
 */
export function composeSupergraph(): string {
  const defaults = loadConfig({}).subgraphUrls;
  const result = composeServices(
    SUBGRAPH_NAMES.map((name) => ({
      name,
      url: defaults[name],
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

/** The subgraphs a supergraph names, and the URL each is given (`join__graph(name:, url:)`). */
export function supergraphSubgraphs(sdl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of sdl.matchAll(
    /@join__graph\(\s*name:\s*"([^"]*)"\s*,\s*url:\s*"([^"]*)"\s*\)/g,
  )) {
    out[match[1]] = match[2];
  }
  return out;
}

/** The variable that moves a subgraph: `SUBGRAPH_URL_<NAME>`, the name upper-cased. */
export function subgraphUrlVariable(name: string): string {
  return `SUBGRAPH_URL_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Where the gateway calls each subgraph of the supergraph: the URL given in `overrides` (by name,
 * or by the lowercase suffix of its SUBGRAPH_URL_ variable), else the supergraph's own, as Apollo's
 * gateways do. A subgraph with neither stops the gateway with the variable that would set it.
 */
export function resolveSubgraphUrls(
  sdl: string,
  overrides: Partial<Record<string, string>> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, url] of Object.entries(supergraphSubgraphs(sdl))) {
    const variable = subgraphUrlVariable(name);
    const chosen =
      overrides[name] || overrides[variable.slice('SUBGRAPH_URL_'.length).toLowerCase()] || url;
    if (!chosen) {
      throw new Error(`the supergraph gives subgraph "${name}" no URL; set ${variable}`);
    }
    out[name] = chosen;
  }
  return out;
}
