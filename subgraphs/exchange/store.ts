import { and, asc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Database } from '../kernel/db.js';
import { consents, disclosures, logQueue } from './tables.js';

/** One entry of the disclosure log as stored. */
export type DisclosureRow = typeof disclosures.$inferSelect;

/** An entry to append, with its leaf hash; `confirm` asks for its consents to be checked. */
export type DisclosureAppend = Omit<DisclosureRow, 'seq'> & { confirm: boolean };

/** A bank's active consent from one enterprise, with the data sets it covers and why it was given. */
export interface ActiveConsent {
  id: string;
  enterpriseId: string;
  dataSets: string[];
  /** The purpose the enterprise stated when it granted the consent (授权用途). */
  purpose: string;
}

/**
 * What the gateway reads and writes in the exchange database (the platform operator's, like the
 * gateway itself): the consents it decides on and the disclosure log it appends to. The gateway
 * goes through this, never through the tables.
 */
export interface ExchangeStore {
  /** The bank's consents from these enterprises not revoked and not expired, oldest first. */
  activeConsents(bankId: string, enterpriseIds: string[]): Promise<ActiveConsent[]>;
  /**
   * Appends the entries in their order and queues them for the tree, in one statement, and
   * returns how many were written: 0 when an entry asking for confirmation cites a consent no
   * longer active, since then none is.
   */
  appendDisclosures(entries: DisclosureAppend[]): Promise<number>;
  /** Entries of the retired hash chain (those with a prevHash). */
  countChainedDisclosures(): Promise<number>;
  /** Up to `limit` chained entries after the entry `afterSeq` (from the first without it), in order. */
  chainedDisclosuresAfter(afterSeq: number | undefined, limit: number): Promise<DisclosureRow[]>;
}

export function exchangeStore(exchange: Database): ExchangeStore {
  return new DatabaseExchangeStore(exchange);
}

class DatabaseExchangeStore implements ExchangeStore {
  /**
   * Built on first use and kept: decided at the database's clock, so revocation and expiry hold
   * from the very next request.
   */
  private consentQuery?: ReturnType<DatabaseExchangeStore['prepareConsentQuery']>;

  constructor(private readonly exchange: Database) {}

  private prepareConsentQuery() {
    return this.exchange.db
      .select({
        id: consents.id,
        enterpriseId: consents.enterpriseId,
        dataSets: consents.dataSets,
        purpose: consents.purpose,
      })
      .from(consents)
      .where(
        and(
          eq(consents.bankId, sql.placeholder('bankId')),
          sql`${consents.enterpriseId} = any(${sql.placeholder('enterpriseIds')}::text[])`,
          isNull(consents.revokedAt),
          gt(consents.expiresAt, sql`now()`),
        ),
      )
      .orderBy(consents.grantedAt)
      .prepare('kx_gateway_active_consents');
  }

  activeConsents(bankId: string, enterpriseIds: string[]): Promise<ActiveConsent[]> {
    this.consentQuery ??= this.prepareConsentQuery();
    return this.consentQuery.execute({ bankId, enterpriseIds });
  }

  /**
   * One statement of one shape for any batch: the entries travel as a single JSON array and are
   * inserted in its order, each queued for the sequencer. Prepared once per connection, nothing
   * to build per request.
   */
  async appendDisclosures(entries: DisclosureAppend[]): Promise<number> {
    const written = await this.exchange.rows<{ seq: number }>(sql`
      with entries as (
        select e, n from jsonb_array_elements(${JSON.stringify(entries)}::jsonb)
          with ordinality as t(e, n)
      ), stale as (
        select 1 from entries, jsonb_array_elements(e->'basis') as b
        where (e->>'confirm')::boolean and b->>'policy' = 'consent' and not exists (
          select 1 from ${consents} c
          where c.id = b->>'consentId' and c.bank_id = e->>'org'
            and c.enterprise_id = e->>'enterpriseId' and b->>'dataSet' = any(c.data_sets)
            and c.revoked_at is null and c.expires_at > now())
      ), written as (
      insert into ${disclosures} (at, request_id, operation_name, party, org, subject,
        enterprise_id, fields, basis, purpose, prev_hash, hash)
      select (e->>'at')::timestamptz, e->>'requestId', e->>'operationName', e->>'party',
        e->>'org', e->>'subject', e->>'enterpriseId',
        array(select jsonb_array_elements_text(e->'fields')), e->'basis', e->>'purpose',
        e->>'prevHash', e->>'hash'
      from entries where not exists (select 1 from stale)
      order by n
      returning seq)
      insert into ${logQueue} (seq) select seq from written
      returning seq`);
    return written.length;
  }

  async countChainedDisclosures(): Promise<number> {
    const [{ total }] = await this.exchange.rows<{ total: number | string }>(
      sql`select count(*)::int as total from ${disclosures} where prev_hash is not null`,
    );
    return Number(total);
  }

  chainedDisclosuresAfter(afterSeq: number | undefined, limit: number): Promise<DisclosureRow[]> {
    return this.exchange.db
      .select()
      .from(disclosures)
      .where(
        and(
          isNotNull(disclosures.prevHash),
          afterSeq === undefined ? undefined : gt(disclosures.seq, afterSeq),
        ),
      )
      .orderBy(asc(disclosures.seq))
      .limit(limit);
  }
}
