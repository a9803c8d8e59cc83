import fs from 'node:fs';
import { PARTIES, type Party } from '../subgraphs/kernel/caller.js';
import { STANDARD_SCOPES } from './dev-identity.js';
import { ALL_ROWS_SCOPE } from './authorization/policies.js';

/**
 * The scopes a token of each party may carry, whoever signed it: a scope beyond its party's
 * ceiling never reaches authorization (it is dropped, or the token refused).
 */
export type ScopeCeiling = Record<Party, ReadonlySet<string>>;

/** Parties whose tokens name one organisation and may only ever see their own share. */
const ORG_BOUND: readonly Party[] = ['bank', 'enterprise'];

const SCOPE_SYNTAX = /^[a-z][a-z_]*:[a-z][a-z_]*$/;

export function standardCeiling(): ScopeCeiling {
  const ceiling = {} as Record<Party, ReadonlySet<string>>;
  for (const party of PARTIES) ceiling[party] = new Set(STANDARD_SCOPES[party]);
  return ceiling;
}

/**
 * The ceiling from `SCOPE_CEILING_FILE`, or the standard scopes when none is set. The file is a
 * JSON object from party to its scopes (`{ "pboc": ["credit:read", …] }`); a party it leaves out
 * keeps its standard scopes. A file that cannot be read or says anything else is refused with a
 * message naming the file and the fault, so a gateway never starts on a ceiling it misread.
 */
export function loadScopeCeiling(file: string | undefined): ScopeCeiling {
  const ceiling = standardCeiling();
  if (!file) return ceiling;
  const fail = (why: string): never => {
    throw new Error(`scope ceiling ${file} (SCOPE_CEILING_FILE): ${why}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`cannot be read as JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    fail('must be a JSON object from party to a list of scopes');
  }
  for (const [party, scopes] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(PARTIES as readonly string[]).includes(party)) {
      fail(`"${party}" is not a party (${PARTIES.join(', ')})`);
    }
    if (!Array.isArray(scopes)) fail(`"${party}" must list its scopes as an array of strings`);
    for (const scope of scopes as unknown[]) {
      if (typeof scope !== 'string' || !SCOPE_SYNTAX.test(scope)) {
        fail(`"${party}" lists ${JSON.stringify(scope)}, which is not a scope like "need:read"`);
      }
      // The unrestricted policy is for agencies: no file may open every row to one bank or firm.
      if (scope === ALL_ROWS_SCOPE && ORG_BOUND.includes(party as Party)) {
        fail(`"${party}" may not hold ${ALL_ROWS_SCOPE}: it is for agencies only`);
      }
    }
    ceiling[party as Party] = new Set(scopes as string[]);
  }
  return ceiling;
}

/** The scopes a token asks for beyond its party's ceiling, in the token's order. */
export function scopesBeyond(ceiling: ScopeCeiling, party: Party, scopes: Iterable<string>) {
  const allowed = ceiling[party];
  return [...scopes].filter((scope) => !allowed.has(scope));
}
