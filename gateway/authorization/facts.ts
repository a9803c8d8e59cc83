import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Caller } from '../../subgraphs/shared/caller.js';
import type { Database } from '../../subgraphs/shared/db.js';
import { signGatewayToken } from '../../subgraphs/shared/gateway-token.js';
import type { SigningKey } from '../../subgraphs/shared/keys.js';
import { consents } from '../../subgraphs/exchange/tables.js';
import { DATA_SETS, type DataSet, type SubjectFacts } from './policies.js';

export interface FactsSource {
  /** Facts about each enterprise relative to the calling bank: one lookup per kind per request. */
  lookup(
    caller: Caller,
    enterpriseIds: string[],
    needed: { consents: boolean; mainBank: boolean },
  ): Promise<Map<string, SubjectFacts>>;
}

const MAIN_BANK_QUERY =
  'query MainBankFacts($bankId: ID!, $enterpriseIds: [ID!]!) { _mainBankNeeds(bankId: $bankId, enterpriseIds: $enterpriseIds) { needId enterpriseId } }';

/**
 * Consents come from the exchange database (the platform operator's, like the gateway itself);
 * main-bank links from the finance subgraph, asked as the gateway with a token of its own.
 */
export class ExchangeFactsSource implements FactsSource {
  /**
   * Built once: decided at the database's clock, so revocation and expiry hold from the very
   * next request.
   */
  private readonly consentQuery;

  constructor(
    exchange: Database,
    private readonly financeUrl: string,
    private readonly signingKey: SigningKey,
    private readonly ttlSeconds: number,
  ) {
    this.consentQuery = exchange.db
      .select({ id: consents.id, enterpriseId: consents.enterpriseId, dataSets: consents.dataSets })
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

  async lookup(
    caller: Caller,
    enterpriseIds: string[],
    needed: { consents: boolean; mainBank: boolean },
  ) {
    const facts = new Map<string, SubjectFacts>(enterpriseIds.map((id) => [id, { consents: {} }]));
    if (caller.party !== 'bank' || !caller.org || enterpriseIds.length === 0) return facts;
    const [consentRows, mainBankRows] = await Promise.all([
      needed.consents ? this.consentQuery.execute({ bankId: caller.org, enterpriseIds }) : [],
      needed.mainBank ? this.mainBankNeeds(caller, enterpriseIds) : [],
    ]);
    for (const row of consentRows) {
      const entry = facts.get(row.enterpriseId)!;
      for (const dataSet of row.dataSets) {
        if ((DATA_SETS as readonly string[]).includes(dataSet))
          entry.consents[dataSet as DataSet] ??= row.id;
      }
    }
    for (const row of mainBankRows) facts.get(row.enterpriseId)!.mainBankNeedId ??= row.needId;
    return facts;
  }

  private async mainBankNeeds(caller: Caller, enterpriseIds: string[]) {
    const token = await signGatewayToken(
      this.signingKey,
      {
        sub: 'gateway',
        party: 'gateway',
        org: null,
        scopes: new Set(),
        requestId: caller.requestId,
      },
      'finance',
      this.ttlSeconds,
    );
    const response = await fetch(this.financeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: MAIN_BANK_QUERY,
        variables: { bankId: caller.org, enterpriseIds },
      }),
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await response.json()) as {
      data?: { _mainBankNeeds: { needId: string; enterpriseId: string }[] };
      errors?: unknown[];
    };
    if (!response.ok || body.errors || !body.data) throw new Error('main-bank facts unavailable');
    return body.data._mainBankNeeds;
  }
}
