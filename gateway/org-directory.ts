import { signGatewayToken } from '../subgraphs/kernel/gateway-token.js';
import type { SigningKey } from '../subgraphs/kernel/keys.js';

/** The org directory could not be asked: the token can be neither accepted nor refused. */
export class OrgDirectoryUnavailable extends Error {}

export type OrgParty = 'bank' | 'enterprise';

/** Which organisations exist: a bank or enterprise token must name one of them. */
export interface OrgDirectory {
  /** Whether `org` names a participating bank or an enterprise of the library. */
  exists(party: OrgParty, org: string, requestId: string): Promise<boolean>;
}

/** Where each kind of org is kept, and the internal field that answers for it. */
const SOURCES = {
  bank: {
    subgraph: 'banks',
    field: '_knownBanks',
    query: 'query KnownBanks($ids: [ID!]!) { _knownBanks(ids: $ids) }',
  },
  enterprise: {
    subgraph: 'tech',
    field: '_knownEnterprises',
    query: 'query KnownEnterprises($ids: [ID!]!) { _knownEnterprises(ids: $ids) }',
  },
} as const;

export interface OrgDirectoryTiming {
  /** How long an org found is remembered: a bank removed from the directory stops working after it. */
  knownMs: number;
  /** How long an org not found is remembered: a bank registered later works after it. */
  unknownMs: number;
  /** Most orgs remembered; least recently asked dropped first. */
  max: number;
  /** Deadline of one lookup. */
  timeoutMs: number;
}

export const ORG_DIRECTORY_TIMING: OrgDirectoryTiming = {
  knownMs: 10 * 60_000,
  unknownMs: 10_000,
  max: 20_000,
  timeoutMs: 3_000,
};

/**
 * The banks subgraph knows the banks, the tech subgraph the enterprises; the gateway has no
 * access to their databases, so it asks their internal fields (`_knownBanks`,
 * `_knownEnterprises`, `@inaccessible`) with a token of its own, as it asks finance for main-bank
 * facts. Answers are remembered (found ones for minutes, missing ones for seconds), so after the
 * first request of an org the check costs a map lookup; concurrent first requests share one ask.
 * A failed ask is not remembered: every request is refused until the directory answers again.
 */
export class SubgraphOrgDirectory implements OrgDirectory {
  private readonly remembered = new Map<string, { exists: boolean; until: number }>();
  private readonly asking = new Map<string, Promise<boolean>>();

  constructor(
    private readonly urls: { banks: string; tech: string },
    private readonly signingKey: SigningKey,
    private readonly ttlSeconds: number,
    private readonly timing: OrgDirectoryTiming = ORG_DIRECTORY_TIMING,
  ) {}

  async exists(party: OrgParty, org: string, requestId: string): Promise<boolean> {
    const key = `${party}\u0000${org}`;
    const known = this.remembered.get(key);
    if (known && known.until > Date.now()) return known.exists;
    let pending = this.asking.get(key);
    if (!pending) {
      pending = this.ask(party, org, requestId)
        .then((exists) => {
          const ttl = exists ? this.timing.knownMs : this.timing.unknownMs;
          this.remembered.delete(key);
          this.remembered.set(key, { exists, until: Date.now() + ttl });
          while (this.remembered.size > this.timing.max) {
            this.remembered.delete(this.remembered.keys().next().value!);
          }
          return exists;
        })
        .finally(() => this.asking.delete(key));
      this.asking.set(key, pending);
    }
    return pending;
  }

  private async ask(party: OrgParty, org: string, requestId: string): Promise<boolean> {
    const source = SOURCES[party];
    const unavailable = () =>
      new OrgDirectoryUnavailable(
        `the ${party} directory (${source.subgraph} subgraph) cannot be asked whether "${org}" exists; try again shortly`,
      );
    let body: { data?: Record<string, string[]>; errors?: unknown[] };
    try {
      const token = await signGatewayToken(
        this.signingKey,
        { sub: 'gateway', party: 'gateway', org: null, scopes: new Set(), requestId },
        source.subgraph,
        this.ttlSeconds,
      );
      const response = await fetch(this.urls[source.subgraph], {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: source.query, variables: { ids: [org] } }),
        signal: AbortSignal.timeout(this.timing.timeoutMs),
      });
      if (!response.ok) throw unavailable();
      body = (await response.json()) as typeof body;
    } catch {
      throw unavailable();
    }
    const ids = body.data?.[source.field];
    if (body.errors || !Array.isArray(ids)) throw unavailable();
    return ids.includes(org);
  }
}
