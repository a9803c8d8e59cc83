import fs from 'node:fs';
import { Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { supergraphPath } from '../../gateway/supergraph.js';
import { indexRequirements, requiresGaps } from '../../gateway/authorization/directives.js';
import { decidePerObject, decideStatically } from '../../gateway/authorization/policies.js';
import type { Caller } from '../../subgraphs/kernel/caller.js';

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

describe('fields computed with @requires', () => {
  const sdl = fs.readFileSync(supergraphPath, 'utf8');

  it('carry the rules of every field they require', () => {
    expect(sdl).toMatch(/riskEvaluation: RiskEvaluation @join__field\(graph: FINANCE, requires:/);
    expect(requiresGaps(document, index)).toEqual([]);
  });

  it('are found out when one of those rules is missing', () => {
    const weakened = sdl.replace(
      '["consent:FINANCIALS", "consent:PATENT_VALUATION", "consent:CREDIT_HISTORY"]',
      '["consent:FINANCIALS", "consent:CREDIT_HISTORY"]',
    );
    expect(weakened).not.toBe(sdl);
    expect(requiresGaps(weakened, indexRequirements(weakened))).toEqual([
      'CreditReport.riskEvaluation needs the rules of CreditReportPatents.unpledgedValuation',
    ]);
  });

  it('are shown to a bank only with the consent for every data set they are computed from', () => {
    const bank: Caller = {
      sub: 'dev-bank',
      party: 'bank',
      org: 'icbc',
      scopes: new Set(['financials:read', 'patent_valuation:read', 'credit:own']),
      requestId: 'r',
    };
    const decision = decideStatically(index.get('CreditReport.riskEvaluation')!, bank);
    if (decision.kind !== 'per-object') throw new Error(`decided ${decision.kind}`);
    const all = { FINANCIALS: 'c1', PATENT_VALUATION: 'c2', CREDIT_HISTORY: 'c3' };
    expect(decidePerObject(decision.alternatives, bank, 'ent-1', { consents: all })).toEqual([
      { policy: 'consent', dataSet: 'FINANCIALS', consentId: 'c1' },
      { policy: 'consent', dataSet: 'PATENT_VALUATION', consentId: 'c2' },
      { policy: 'consent', dataSet: 'CREDIT_HISTORY', consentId: 'c3' },
    ]);
    const { PATENT_VALUATION: _, ...lacking } = all;
    expect(decidePerObject(decision.alternatives, bank, 'ent-1', { consents: lacking })).toBeNull();
  });
});
