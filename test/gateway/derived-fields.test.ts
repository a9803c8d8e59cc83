import fs from 'node:fs';
import { Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { supergraphPath } from '../../gateway/supergraph.js';
import { indexRequirements } from '../../gateway/authorization/directives.js';

const document = parse(fs.readFileSync(supergraphPath, 'utf8'));
const index = indexRequirements(document);

/** Fields whose description says what gated field they are computed from. */
const derived: { field: string; source: string }[] = [];
for (const definition of document.definitions) {
  if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
  for (const field of definition.fields ?? []) {
    const match = /Derived from `(\w+\.\w+)`/.exec(field.description?.value ?? '');
    if (match)
      derived.push({ field: `${definition.name.value}.${field.name.value}`, source: match[1] });
  }
}

describe('derived fields', () => {
  it('are declared in the SDL', () => {
    expect(derived.map((d) => d.field)).toContain('PatentStats.pledged');
  });

  it.each(derived)('$field carries the rules of $source', ({ field, source }) => {
    expect(index.get(source)).toBeDefined();
    expect(index.get(field)).toEqual(index.get(source));
  });
});
