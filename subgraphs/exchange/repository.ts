import { randomUUID } from 'node:crypto';
import {
  and,
  asc,
  desc,
  eq,
  gt,
  gte,
  isNotNull,
  isNull,
  lt,
  lte,
  sql,
  type AnyColumn,
  type Placeholder,
  type SQL,
} from 'drizzle-orm';
import type { Caller } from '../kernel/caller.js';
import * as clock from '../kernel/clock.js';
import type { Db } from '../kernel/db.js';
import { badInput, exchangeError, forbidden, notFound } from '../kernel/errors.js';
import { anyOfPlaceholder, orgPlaceholder, preparedOnce, scopeShape } from '../kernel/sql.js';
import { boundedText } from '../kernel/text.js';
import type {
  ConsentFilter,
  ConsentStatus,
  DataSet,
  DisclosureFilter,
  GrantConsentInput,
} from './generated/resolvers.js';
import { consents, disclosures, participatingBanks } from './tables.js';

export type ConsentRow = typeof consents.$inferSelect;
export type DisclosureRow = typeof disclosures.$inferSelect;
export const DATA_SETS = [
  'CONTACT',
  'FINANCIALS',
  'PATENT_VALUATION',
  'CREDIT_HISTORY',
] as const satisfies readonly DataSet[];

const DAY_MS = 86_400_000;
export const DEFAULT_CONSENT_DAYS = 90;
export const MAX_PURPOSE_LENGTH = 500;

const NOTHING = sql`false`;

function ownedBy(column: AnyColumn, org: string | Placeholder | null): SQL {
  return org ? eq(column, org) : NOTHING;
}

/**
 * The finance office sees every consent, a bank those granted to it, an enterprise its own.
 * `org` is `orgPlaceholder(caller)` in a prepared statement.
 */
function consentScope(
  caller: Caller,
  org: string | Placeholder | null = caller.org,
): SQL | undefined {
  switch (caller.party) {
    case 'finance_office':
      return undefined;
    case 'bank':
      return ownedBy(consents.bankId, org);
    case 'enterprise':
      return ownedBy(consents.enterpriseId, org);
    case 'pboc':
    case 'tech_bureau':
    case 'anonymous':
    case 'gateway':
      return NOTHING;
  }
}

/**
 * The finance office and the PBOC see the whole log, a bank its own accesses, an enterprise the
 * entries about itself.
 */
function disclosureScope(caller: Caller): SQL | undefined {
  switch (caller.party) {
    case 'finance_office':
    case 'pboc':
      return undefined;
    case 'bank':
      return and(eq(disclosures.party, 'bank'), ownedBy(disclosures.org, caller.org));
    case 'enterprise':
      return ownedBy(disclosures.enterpriseId, caller.org);
    case 'tech_bureau':
    case 'anonymous':
    case 'gateway':
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

/** The latest expiry a consent granted at `now` may have: the same instant one year later. */
export function latestExpiry(now: Date): Date {
  const limit = new Date(now);
  limit.setUTCFullYear(limit.getUTCFullYear() + 1);
  return limit;
}

/**
 * Checks a grant against the rules that need no database, and returns it normalised (purpose
 * trimmed, expiry defaulted). The first broken rule is reported, naming its field.
 */
export function normaliseGrant(
  input: GrantConsentInput,
  now: Date,
): GrantConsentInput & { expiresAt: Date } {
  const purpose = boundedText(input.purpose, 'input.purpose', MAX_PURPOSE_LENGTH);
  if (input.dataSets.length === 0) {
    throw badInput('input.dataSets', `must name at least one of ${DATA_SETS.join(', ')}`);
  }
  const repeated = input.dataSets.find((set, i) => input.dataSets.indexOf(set) !== i);
  if (repeated) throw badInput('input.dataSets', `names ${repeated} more than once`);
  const expiresAt = input.expiresAt ?? new Date(now.getTime() + DEFAULT_CONSENT_DAYS * DAY_MS);
  if (expiresAt.getTime() <= now.getTime())
    throw badInput('input.expiresAt', 'must be in the future');
  const limit = latestExpiry(now);
  if (expiresAt.getTime() > limit.getTime()) {
    throw badInput('input.expiresAt', `must be at most one year ahead (${limit.toISOString()})`);
  }
  return { ...input, purpose, expiresAt };
}

/** A keyset cursor over the disclosure log: the `seq` of the last entry seen. */
function seqCursor(after: string): number {
  if (!/^\d{1,15}$/.test(after)) throw badInput('after', 'is not a cursor returned by this API');
  return Number(after);
}

export class ExchangeRepository {
  /**
   * `now` is fixed per request so that a status filter and the `status` field of the rows it
   * returns agree even when a consent expires mid-request.
   */
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
    readonly now: Date = clock.now(),
  ) {}

  async consentsByIds(ids: readonly string[]): Promise<ConsentRow[]> {
    const { db, caller } = this;
    return preparedOnce(db, `exchange.consentsByIds.${scopeShape(caller)}`, (name) =>
      db
        .select()
        .from(consents)
        .where(
          and(anyOfPlaceholder(consents.id, 'ids'), consentScope(caller, orgPlaceholder(caller))),
        )
        .prepare(name),
    ).execute({ ids, org: caller.org });
  }

  async consentsByEnterprises(enterpriseIds: readonly string[]): Promise<ConsentRow[]> {
    const { db, caller } = this;
    return preparedOnce(db, `exchange.consentsByEnterprises.${scopeShape(caller)}`, (name) =>
      db
        .select()
        .from(consents)
        .where(
          and(
            anyOfPlaceholder(consents.enterpriseId, 'ids'),
            consentScope(caller, orgPlaceholder(caller)),
          ),
        )
        .orderBy(asc(consents.enterpriseId), asc(consents.id))
        .prepare(name),
    ).execute({ ids: enterpriseIds, org: caller.org });
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

  /** An enterprise grants one of the participating banks a consent of its own. */
  async grantConsent(input: GrantConsentInput): Promise<ConsentRow> {
    const { caller, now } = this;
    if (caller.party !== 'enterprise') {
      throw forbidden('an enterprise may grant consent only for itself');
    }
    // An enterprise reads no other enterprise: another id is NOT_FOUND like a missing one.
    if (caller.org !== input.enterpriseId) throw notFound('enterprise', input.enterpriseId);
    const grant = normaliseGrant(input, now);
    return this.db.transaction(async (tx) => {
      // Shared lock: a bank cannot leave the registry while a consent to it is being written.
      const [bank] = await tx
        .select({ id: participatingBanks.id })
        .from(participatingBanks)
        .where(eq(participatingBanks.id, grant.bankId))
        .for('share');
      if (!bank) throw badInput('input.bankId', `"${grant.bankId}" is not a participating bank`);
      const [row] = await tx
        .insert(consents)
        .values({
          id: `cons-${randomUUID()}`,
          enterpriseId: grant.enterpriseId,
          bankId: grant.bankId,
          dataSets: grant.dataSets,
          purpose: grant.purpose,
          grantedAt: now,
          expiresAt: grant.expiresAt,
        })
        .returning();
      return row;
    });
  }

  /**
   * An enterprise revokes one of its consents. Another enterprise's consent is reported as not
   * found, so ids cannot be probed; the row lock makes concurrent revocations answer CONFLICT.
   */
  async revokeConsent(id: string): Promise<ConsentRow> {
    const { caller, now } = this;
    if (caller.party !== 'enterprise')
      throw forbidden('only an enterprise may revoke its consents');
    return this.db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(consents)
        .where(and(eq(consents.id, id), ownedBy(consents.enterpriseId, caller.org)))
        .for('update');
      if (!current) throw notFound('consent', id);
      if (current.revokedAt) {
        throw exchangeError(
          'CONFLICT',
          `consent "${id}" was already revoked at ${current.revokedAt.toISOString()}`,
        );
      }
      const [row] = await tx
        .update(consents)
        .set({ revokedAt: now })
        .where(eq(consents.id, id))
        .returning();
      return row;
    });
  }

  /** The permitted part of the disclosure log, newest first, `limit + 1` rows. */
  async listDisclosures(
    filter: DisclosureFilter,
    limit: number,
    after?: string,
  ): Promise<DisclosureRow[]> {
    const conditions: (SQL | undefined)[] = [disclosureScope(this.caller)];
    if (after) conditions.push(lt(disclosures.seq, seqCursor(after)));
    if (filter.enterpriseId) conditions.push(eq(disclosures.enterpriseId, filter.enterpriseId));
    if (filter.bankId) conditions.push(eq(disclosures.org, filter.bankId));
    if (filter.from) conditions.push(gte(disclosures.at, filter.from));
    if (filter.to) conditions.push(lt(disclosures.at, filter.to));
    return this.db
      .select()
      .from(disclosures)
      .where(and(...conditions))
      .orderBy(desc(disclosures.seq))
      .limit(limit + 1);
  }
}
