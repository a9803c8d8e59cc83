import { eq, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Caller } from '../kernel/caller.js';
import { badInput, forbidden } from '../kernel/errors.js';
import { boundedText } from '../kernel/text.js';

/**
 * Rows of the guarantee, risk-pool and subsidy ledgers the caller may read (SPEC matrix row
 * "Guarantee, risk-pool claim, interest subsidy"): the finance office and the PBOC (`guarantee:read`)
 * all of them, a bank those of its own loans, an enterprise those about itself, anyone else none.
 */
export function ledgerScope(
  caller: Caller,
  bankColumn: AnyPgColumn,
  enterpriseColumn: AnyPgColumn | null,
): SQL | undefined {
  if (caller.scopes.has('guarantee:read')) return undefined;
  if (caller.scopes.has('guarantee:own') && caller.org) {
    if (caller.party === 'bank') return eq(bankColumn, caller.org);
    if (caller.party === 'enterprise' && enterpriseColumn) return eq(enterpriseColumn, caller.org);
  }
  return sql`false`;
}

export function requireFinanceOffice(caller: Caller, what: string): void {
  if (caller.party !== 'finance_office') throw forbidden(`only the finance office ${what}`);
}

const ID = /^[^\s\p{C}]{1,128}$/u;

/** An id of another subgraph's row (a credit line, a loan): its shape only, the ledger says if it exists. */
export function foreignId(value: string, field: string, what: string): string {
  const id = value.trim();
  if (!ID.test(id)) {
    throw badInput(field, `"${value}" is not a ${what} id (1 to 128 characters, no spaces)`);
  }
  return id;
}

/** Free text of at most `max` characters (code points); blank is refused when required. */
export function note(value: string, field: string, max: number): string {
  return boundedText(value, field, max);
}

/** ¥100,000,000,000 — far above any real amount, low enough that sums stay exact in a double. */
export const MAX_LEDGER_AMOUNT_FEN = 10_000_000_000_000;
