import type { SubgraphName } from './config.js';

/** The parties of the exchange, as the `party` claim names them. */
export const PARTIES = ['tech_bureau', 'finance_office', 'pboc', 'bank', 'enterprise'] as const;
export type Party = (typeof PARTIES)[number];

/** Who is asking, from verified claims only: never from a plain header. */
export interface Caller {
  sub: string;
  /** `gateway` marks the gateway's own lookups (policy facts), never a client. */
  party: Party | 'anonymous' | 'gateway';
  /** Bank id for `bank`, enterprise id for `enterprise`, otherwise null. */
  org: string | null;
  scopes: ReadonlySet<string>;
  requestId: string;
  /**
   * Set when another subgraph calls on the caller's behalf within the same request, holding a
   * token the gateway delegated to it (`act` claim): e.g. `banks` recording a solution with
   * `finance`. Internal fields answer only such calls.
   */
  actor?: SubgraphName;
}

export function isParty(value: unknown): value is Party {
  return typeof value === 'string' && (PARTIES as readonly string[]).includes(value);
}

export function hasScope(caller: Caller, scope: string): boolean {
  return caller.scopes.has(scope);
}
