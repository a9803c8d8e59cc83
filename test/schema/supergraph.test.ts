import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildASTSchema, Kind, parse } from 'graphql';
import {
  composeSupergraph,
  supergraphPath,
  resolveSubgraphUrls,
  stripSecurityPurpose,
  supergraphSubgraphs,
} from '../../gateway/supergraph.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { indexRequirements } from '../../gateway/authorization/directives.js';

describe('the supergraph', () => {
  it('is up to date with the subgraphs’ SDL (npm run compose)', () => {
    expect(fs.readFileSync(supergraphPath, 'utf8')).toBe(composeSupergraph());
  });

  it('carries the authorization directives of the matrix', () => {
    const index = indexRequirements(fs.readFileSync(supergraphPath, 'utf8'));
    expect(index.get('Enterprise.contact')).toEqual({
      authenticated: false,
      scopes: [[['contact:read']]],
      policies: [[['unrestricted'], ['self'], ['consent:CONTACT'], ['main_bank']]],
    });
    expect(index.get('Query.enterprise')?.authenticated).toBe(true);
    expect(index.get('Patent.valuation')?.policies).toEqual([
      [['unrestricted'], ['self'], ['consent:PATENT_VALUATION']],
    ]);
  });

  it('makes every field that can be withheld nullable, so a denial never nulls its parent', () => {
    const document = parse(fs.readFileSync(supergraphPath, 'utf8'));
    const guarded = indexRequirements(document);
    const offenders: string[] = [];
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
      for (const field of definition.fields ?? []) {
        const coordinate = `${definition.name.value}.${field.name.value}`;
        if (guarded.has(coordinate) && field.type.kind === Kind.NON_NULL_TYPE)
          offenders.push(coordinate);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('loads in @apollo/gateway once the SECURITY purpose is stripped', () => {
    const sdl = stripSecurityPurpose(fs.readFileSync(supergraphPath, 'utf8'));
    expect(sdl).not.toMatch(/(authenticated|requiresScopes|policy)\/v0\.1", for: SECURITY/);
    expect(() => buildASTSchema(parse(sdl), { assumeValidSDL: true })).not.toThrow();
  });

  it('names each subgraph at its default local URL, which SUBGRAPH_URL_<NAME> overrides', () => {
    const sdl = fs.readFileSync(supergraphPath, 'utf8');
    expect(supergraphSubgraphs(sdl)).toEqual({
      banks: 'http://127.0.0.1:4003/graphql',
      exchange: 'http://127.0.0.1:4004/graphql',
      finance: 'http://127.0.0.1:4002/graphql',
      tech: 'http://127.0.0.1:4001/graphql',
    });
    const env = { SUBGRAPH_URL_BANKS: 'http://banks.internal/graphql' };
    expect(resolveSubgraphUrls(sdl, loadGatewayConfig(env).subgraphUrlOverrides)).toEqual({
      banks: 'http://banks.internal/graphql',
      exchange: 'http://127.0.0.1:4004/graphql',
      finance: 'http://127.0.0.1:4002/graphql',
      tech: 'http://127.0.0.1:4001/graphql',
    });
    // A subgraph moved to another port (or HOST) is followed, as before.
    expect(
      resolveSubgraphUrls(
        sdl,
        loadGatewayConfig({ SUBGRAPH_PORT_TECH: '5001' }).subgraphUrlOverrides,
      ).tech,
    ).toBe('http://127.0.0.1:5001/graphql');
    // Other subgraphs than the four: their own variables, or the supergraph's URL.
    const other = `enum join__Graph {
  INVENTORY @join__graph(name: "inventory", url: "http://inventory:4100/graphql")
  PRICE_LIST @join__graph(name: "price-list", url: "")
}`;
    expect(() => resolveSubgraphUrls(other, {})).toThrow(
      'the supergraph gives subgraph "price-list" no URL; set SUBGRAPH_URL_PRICE_LIST',
    );
    expect(
      resolveSubgraphUrls(
        other,
        loadGatewayConfig({ SUBGRAPH_URL_PRICE_LIST: 'http://prices/graphql' })
          .subgraphUrlOverrides,
      ),
    ).toEqual({
      inventory: 'http://inventory:4100/graphql',
      'price-list': 'http://prices/graphql',
    });
  });
});
