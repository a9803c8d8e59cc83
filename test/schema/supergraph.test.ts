import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildASTSchema, Kind, parse } from 'graphql';
import {
  composeSupergraph,
  supergraphPath,
  stripSecurityPurpose,
} from '../../gateway/supergraph.js';
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
});
