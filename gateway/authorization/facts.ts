import type { Caller } from '../../subgraphs/kernel/caller.js';
import type { Database } from '../../subgraphs/kernel/db.js';
import { signGatewayToken } from '../../subgraphs/kernel/gateway-token.js';
import type { SigningKey } from '../../subgraphs/kernel/keys.js';
import { exchangeStore, type ExchangeStore } from '../../subgraphs/exchange/index.js';
import { DATA_SETS, type DataSet, type SubjectFacts } from './policies.js';

export interface FactsSource {
  /** Facts about each enterprise relative to the calling bank: one lookup per kind per request. */
  lookup(
    caller: Caller,
    enterpriseIds: string[],
    needed: { consents: boolean; mainBank: boolean },
  ): Promise<Map<string, SubjectFacts>>;
  /**
   * The consents of every one of these enterprises as an earlier lookup found them (no main-bank
   * links), or undefined if any is not remembered. Only ever good for granting: a grant on a
   * remembered consent must be confirmed where it is recorded.
   */
  remembered?(caller: Caller, enterpriseIds: string[]): Map<string, SubjectFacts> | undefined;
  /** Drops what is remembered of these enterprises for this caller. */
  forget?(caller: Caller, enterpriseIds: string[]): void;
}

/** How long, and for how many bank–enterprise pairs, consents looked up are remembered. */
const REMEMBER_MS = 60_000;
const REMEMBER_PAIRS = 20_000;

const MAIN_BANK_QUERY =
  'query MainBankFacts($bankId: ID!, $enterpriseIds: [ID!]!) { _mainBankNeeds(bankId: $bankId, enterpriseIds: $enterpriseIds) { needId enterpriseId } }';

/**
 * Consents come from the exchange database (the platform operator's, like the gateway itself);
 * main-bank links from the finance subgraph, asked as the gateway with a token of its own.
 */
export class ExchangeFactsSource implements FactsSource {
  private readonly store: ExchangeStore;
  /** Active consents per `bank \0 enterprise` from the last lookup, oldest first (an LRU). */
  private readonly consentsSeen = new Map<
    string,
    { at: number; consents: SubjectFacts['consents'] }
  >();

  constructor(
    exchange: Database,
    /** Where main-bank links are asked; without it (a supergraph with no finance subgraph) there are none. */
    private readonly financeUrl: string | undefined,
    private readonly signingKey: SigningKey,
    private readonly ttlSeconds: number,
  ) {
    this.store = exchangeStore(exchange);
  }

  async lookup(
    caller: Caller,
    enterpriseIds: string[],
    needed: { consents: boolean; mainBank: boolean },
  ) {
    const facts = new Map<string, SubjectFacts>(enterpriseIds.map((id) => [id, { consents: {} }]));
    if (caller.party !== 'bank' || !caller.org || enterpriseIds.length === 0) return facts;
    const [consentRows, mainBankRows] = await Promise.all([
      needed.consents ? this.store.activeConsents(caller.org, enterpriseIds) : [],
      needed.mainBank ? this.mainBankNeeds(caller, enterpriseIds) : [],
    ]);
    for (const row of consentRows) {
      const entry = facts.get(row.enterpriseId)!;
      for (const dataSet of row.dataSets) {
        if ((DATA_SETS as readonly string[]).includes(dataSet))
          entry.consents[dataSet as DataSet] ??= row.id;
      }
    }
    if (needed.consents) {
      const at = Date.now();
      for (const [id, entry] of facts) {
        const key = `${caller.org}\u0000${id}`;
        this.consentsSeen.delete(key);
        this.consentsSeen.set(key, { at, consents: { ...entry.consents } });
      }
      while (this.consentsSeen.size > REMEMBER_PAIRS) {
        this.consentsSeen.delete(this.consentsSeen.keys().next().value!);
      }
    }
    for (const row of mainBankRows) facts.get(row.enterpriseId)!.mainBankNeedId ??= row.needId;
    return facts;
  }

  remembered(caller: Caller, enterpriseIds: string[]): Map<string, SubjectFacts> | undefined {
    if (caller.party !== 'bank' || !caller.org) return undefined;
    const oldest = Date.now() - REMEMBER_MS;
    const facts = new Map<string, SubjectFacts>();
    for (const id of enterpriseIds) {
      const seen = this.consentsSeen.get(`${caller.org}\u0000${id}`);
      if (!seen || seen.at < oldest) return undefined;
      facts.set(id, { consents: { ...seen.consents } });
    }
    return facts;
  }

  forget(caller: Caller, enterpriseIds: string[]): void {
    for (const id of enterpriseIds) this.consentsSeen.delete(`${caller.org}\u0000${id}`);
  }

  private async mainBankNeeds(caller: Caller, enterpriseIds: string[]) {
    if (!this.financeUrl) return [];
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
