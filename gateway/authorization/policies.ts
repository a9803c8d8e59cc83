import type { Caller } from '../../subgraphs/kernel/caller.js';
import type { Requirement } from './directives.js';

/**
 * The named predicates `@policy` refers to. `unrestricted` depends on the token alone; the others
 * are decided per object, from facts looked up once per request.
 */
export type PolicyName = 'unrestricted' | 'self' | 'main_bank' | `consent:${DataSet}`;
export const DATA_SETS = ['CONTACT', 'FINANCIALS', 'PATENT_VALUATION', 'CREDIT_HISTORY'] as const;
export type DataSet = (typeof DATA_SETS)[number];

/** The scope that makes `unrestricted` hold: agencies that may read every row. */
export const ALL_ROWS_SCOPE = 'rows:all';

export type Verdict = 'yes' | 'no' | 'per-object';

export function policyVerdict(name: string, caller: Caller): Verdict {
  if (name === 'unrestricted') return caller.scopes.has(ALL_ROWS_SCOPE) ? 'yes' : 'no';
  if (name === 'self') return caller.party === 'enterprise' ? 'per-object' : 'no';
  if (name === 'main_bank') return caller.party === 'bank' ? 'per-object' : 'no';
  if (name.startsWith('consent:') && (DATA_SETS as readonly string[]).includes(name.slice(8))) {
    return caller.party === 'bank' ? 'per-object' : 'no';
  }
  // An unknown policy name never grants anything.
  return 'no';
}

export function describePolicy(name: string): string {
  if (name === 'unrestricted') return 'an agency entitled to every row';
  if (name === 'self') return 'being the enterprise itself';
  if (name === 'main_bank') return 'being main bank (主办银行) of one of its live financing needs';
  if (name.startsWith('consent:')) return `the enterprise's consent for ${name.slice(8)}`;
  return `policy "${name}"`;
}

export type StaticDecision =
  | { kind: 'allow' }
  | { kind: 'deny'; rule: 'authenticated' | 'requiresScopes' | 'policy'; needs: string[] }
  | { kind: 'per-object'; alternatives: string[][][] };

function scopesHold(caller: Caller, scopes: string[][][]): string[] | null {
  for (const directive of scopes) {
    if (!directive.some((all) => all.every((scope) => caller.scopes.has(scope)))) {
      return directive.map((all) => all.join(' and '));
    }
  }
  return null;
}

/**
 * Decides a field for a caller from the token alone where it can: @authenticated, then
 * @requiresScopes (outer list OR, inner AND), then the policies that do not depend on the object.
 * What remains is a list (one per @policy directive) of the AND-lists still undecided.
 */
export function decideStatically(requirement: Requirement, caller: Caller): StaticDecision {
  if (requirement.authenticated && caller.party === 'anonymous') {
    return { kind: 'deny', rule: 'authenticated', needs: ['an authenticated caller'] };
  }
  const missing = scopesHold(caller, requirement.scopes);
  if (missing) {
    return { kind: 'deny', rule: 'requiresScopes', needs: missing.map((s) => `scope ${s}`) };
  }
  const undecided: string[][][] = [];
  for (const directive of requirement.policies) {
    const open: string[][] = [];
    let granted = false;
    for (const all of directive) {
      const verdicts = all.map((name) => policyVerdict(name, caller));
      if (verdicts.includes('no')) continue;
      if (verdicts.every((v) => v === 'yes')) {
        granted = true;
        break;
      }
      open.push(all.filter((_, i) => verdicts[i] === 'per-object'));
    }
    if (granted) continue;
    if (open.length === 0) {
      return {
        kind: 'deny',
        rule: 'policy',
        needs: directive.map((all) => all.map(describePolicy).join(' and ')),
      };
    }
    undecided.push(open);
  }
  return undecided.length ? { kind: 'per-object', alternatives: undecided } : { kind: 'allow' };
}

/** Facts about one enterprise relative to the calling bank, looked up once per request. */
export interface SubjectFacts {
  /** Active consent id per data set. */
  consents: Partial<Record<DataSet, string>>;
  /** The purpose the enterprise stated for each of those consents, by consent id. */
  purposes?: Record<string, string>;
  /** A live need of the enterprise whose main bank is the caller. */
  mainBankNeedId?: string;
}

/**
 * The data sets a field discloses: those its @policy names (`consent:X`). A field derived from
 * gated data carries the same policy, so it is watched the same way.
 */
export function disclosedDataSets(requirement: Requirement): DataSet[] {
  const found = new Set<DataSet>();
  for (const name of requirement.policies.flat(2)) {
    const dataSet = name.startsWith('consent:') ? name.slice(8) : '';
    if ((DATA_SETS as readonly string[]).includes(dataSet)) found.add(dataSet as DataSet);
  }
  return [...found];
}

/** What allowed a disclosure: recorded in the disclosure log. */
export type Basis =
  | { policy: 'unrestricted'; party: string }
  | { policy: 'self' }
  | { policy: 'main_bank'; needId: string }
  | { policy: 'consent'; dataSet: DataSet; consentId: string };

/** Per-object decision: the bases that granted it (one per @policy directive), or null if denied. */
export function decidePerObject(
  alternatives: string[][][],
  caller: Caller,
  subject: string | null,
  facts: SubjectFacts | undefined,
): Basis[] | null {
  const bases: Basis[] = [];
  for (const directive of alternatives) {
    let granted: Basis[] | null = null;
    for (const all of directive) {
      const found: Basis[] = [];
      for (const name of all) {
        if (name === 'unrestricted' && caller.scopes.has(ALL_ROWS_SCOPE))
          found.push({ policy: 'unrestricted', party: caller.party });
        else if (name === 'self' && subject !== null && caller.org === subject)
          found.push({ policy: 'self' });
        else if (name === 'main_bank' && facts?.mainBankNeedId) {
          found.push({ policy: 'main_bank', needId: facts.mainBankNeedId });
        } else if (name.startsWith('consent:')) {
          const dataSet = name.slice(8) as DataSet;
          const consentId = facts?.consents[dataSet];
          if (consentId) found.push({ policy: 'consent', dataSet, consentId });
        }
      }
      if (found.length === all.length) {
        granted = found;
        break;
      }
    }
    if (!granted) return null;
    bases.push(...granted);
  }
  return bases;
}

/** Which facts the per-object alternatives need, so the lookups run only when they matter. */
export function factsNeeded(alternatives: string[][][]): { consents: boolean; mainBank: boolean } {
  const names = alternatives.flat(2);
  return {
    consents: names.some((n) => n.startsWith('consent:')),
    mainBank: names.includes('main_bank'),
  };
}

/**
 * True when facts without the main-bank link already decide this object as the full facts would:
 * in every @policy directive a list that holds comes before any list naming `main_bank`. Then
 * nothing the finance subgraph could say changes the decision or its recorded basis.
 */
export function settledWithoutMainBank(
  alternatives: string[][][],
  caller: Caller,
  subject: string | null,
  facts: SubjectFacts | undefined,
): boolean {
  for (const directive of alternatives) {
    let settled = false;
    for (const all of directive) {
      if (all.includes('main_bank')) return false;
      if (decidePerObject([[all]], caller, subject, facts)) {
        settled = true;
        break;
      }
    }
    if (!settled) return false;
  }
  return true;
}
