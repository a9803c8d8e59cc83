import { GraphQLError } from 'graphql';
import type { SubgraphName } from './config.js';
import { PEER_REFUSAL_CODES } from './errors.js';

/**
 * Which mutations may call a peer subgraph on the same caller's behalf, and which peers: a bank's
 * solution, credit line or loan, written in `banks`, moves the need and the policy ledgers kept
 * in `finance`; the finance office's triage asks `tech` and `banks` for the facts of the
 * main-bank rule; the library sends `finance` the profile attributes it keeps a copy of, and asks
 * `banks` whether a basic-settlement-account bank it is given participates. For such
 * a mutation the gateway signs one delegated token per peer (its `act` claim names the calling
 * subgraph); any other operation gets none.
 */
export const PEER_MUTATIONS: Partial<
  Record<SubgraphName, Readonly<Record<string, readonly SubgraphName[]>>>
> = {
  banks: {
    proposeSolution: ['finance'],
    approveCreditLine: ['finance'],
    disburseLoan: ['finance'],
    repayLoan: ['finance'],
    markLoanOverdue: ['finance'],
    markLoanDefaulted: ['finance'],
  },
  finance: { triageFinancingNeed: ['tech', 'banks'], evaluateBanks: ['banks'] },
  tech: {
    registerEnterprise: ['finance', 'banks'],
    updateEnterprise: ['finance', 'banks'],
    changeLibraryStatus: ['finance'],
  },
};

/** Every peer a subgraph may be handed a token for. */
export const SUBGRAPH_PEERS: Partial<Record<SubgraphName, readonly SubgraphName[]>> =
  Object.fromEntries(
    Object.entries(PEER_MUTATIONS).map(([name, fields]) => [
      name,
      [...new Set(Object.values(fields).flat())],
    ]),
  );

/** The peers the root fields of one mutation sent to `subgraph` need. */
export function peersOfMutation(
  subgraph: SubgraphName,
  rootFields: readonly string[],
): SubgraphName[] {
  const fields = PEER_MUTATIONS[subgraph];
  if (!fields) return [];
  return [...new Set(rootFields.flatMap((field) => fields[field] ?? []))];
}

export function peerTokenHeader(peer: SubgraphName): string {
  return `x-peer-token-${peer}`;
}

/**
 * Calls a peer subgraph with the token the gateway delegated for this request. A peer's deliberate
 * refusal (bad input, conflict, not found, forbidden) is passed on unchanged; anything else
 * becomes SUBGRAPH_UNAVAILABLE naming the peer, never its URL.
 */
export class PeerClient {
  constructor(
    private readonly tokens: Partial<Record<SubgraphName, string>>,
    private readonly urls: Partial<Record<SubgraphName, string>>,
    private readonly requestId: string,
    private readonly timeoutMs: number,
  ) {}

  async request<T>(
    peer: SubgraphName,
    query: string,
    variables: Record<string, unknown>,
  ): Promise<T> {
    const token = this.tokens[peer];
    const url = this.urls[peer];
    if (!token || !url) {
      throw new GraphQLError(`subgraph "${peer}" cannot be asked within this request`);
    }
    let body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'x-request-id': this.requestId,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = (await response.json()) as typeof body;
    } catch {
      throw unavailable(peer);
    }
    const [error] = body.errors ?? [];
    if (error) {
      const code = error.extensions?.code;
      if (code && PEER_REFUSAL_CODES.has(code)) {
        throw new GraphQLError(error.message, { extensions: { ...error.extensions } });
      }
      throw unavailable(peer);
    }
    if (!body.data) throw unavailable(peer);
    return body.data;
  }
}

function unavailable(peer: SubgraphName): GraphQLError {
  return new GraphQLError(
    `subgraph "${peer}" is unavailable, so the write was not completed; retry it with the same idempotency key`,
    { extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph: peer } },
  );
}
