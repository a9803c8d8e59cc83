import {
  and,
  asc,
  eq,
  gt,
  isNotNull,
  isNull,
  lte,
  sql,
  type AnyColumn,
  type SQL,
} from 'drizzle-orm';
import type { Caller } from '../shared/caller.js';
import type { Db } from '../shared/db.js';
import { anyOf } from '../shared/sql.js';
import { consents } from './tables.js';

export type ConsentRow = typeof consents.$inferSelect;
export type ConsentStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

export interface ConsentFilter {
  enterpriseId?: string | null;
  bankId?: string | null;
  status?: ConsentStatus | null;
}

const NOTHING = sql`false`;

function ownedBy(column: AnyColumn, org: string | null): SQL {
  return org ? eq(column, org) : NOTHING;
}

/** The finance office sees every consent, a bank those granted to it, an enterprise its own. */
function consentScope(caller: Caller): SQL | undefined {
  switch (caller.party) {
    case 'finance_office':
      return undefined;
    case 'bank':
      return ownedBy(consents.bankId, caller.org);
    case 'enterprise':
      return ownedBy(consents.enterpriseId, caller.org);
    case 'pboc':
    case 'tech_bureau':
    case 'anonymous':
      return NOTHING;
  }
}

/** Revocation wins over expiry; a consent expires at the instant `expiresAt`. */
export function consentStatus(row: ConsentRow, now: Date): ConsentStatus {
  if (row.revokedAt) return 'REVOKED';
  if (row.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  return 'ACTIVE';
}

/** The SQL twin of `consentStatus`, judged at the same instant. */
function statusIs(status: ConsentStatus, now: Date): SQL | undefined {
  switch (status) {
    case 'REVOKED':
      return isNotNull(consents.revokedAt);
    case 'EXPIRED':
      return and(isNull(consents.revokedAt), lte(consents.expiresAt, now));
    case 'ACTIVE':
      return and(isNull(consents.revokedAt), gt(consents.expiresAt, now));
  }
}

export class ExchangeRepository {
  /**
   * `now` is fixed per request so that a status filter and the `status` field of the rows it
   * returns agree even when a consent expires mid-request.
   */
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
    readonly now: Date = new Date(),
  ) {}

  async consentsByIds(ids: readonly string[]): Promise<ConsentRow[]> {
    return this.db
      .select()
      .from(consents)
      .where(and(anyOf(consents.id, ids), consentScope(this.caller)));
  }

  async consentsByEnterprises(enterpriseIds: readonly string[]): Promise<ConsentRow[]> {
    return this.db
      .select()
      .from(consents)
      .where(and(anyOf(consents.enterpriseId, enterpriseIds), consentScope(this.caller)))
      .orderBy(asc(consents.enterpriseId), asc(consents.id));
  }

  async listConsents(filter: ConsentFilter, limit: number, after?: string): Promise<ConsentRow[]> {
    const conditions: (SQL | undefined)[] = [consentScope(this.caller)];
    if (after) conditions.push(gt(consents.id, after));
    if (filter.enterpriseId) conditions.push(eq(consents.enterpriseId, filter.enterpriseId));
    if (filter.bankId) conditions.push(eq(consents.bankId, filter.bankId));
    if (filter.status) conditions.push(statusIs(filter.status, this.now));
    return this.db
      .select()
      .from(consents)
      .where(and(...conditions))
      .orderBy(asc(consents.id))
      .limit(limit + 1);
  }
}
