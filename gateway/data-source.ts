import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError, Kind, parse, type DocumentNode } from 'graphql';
import { isSubgraphName, type SubgraphName } from '../subgraphs/kernel/config.js';
import type { GatewayConfig } from './config.js';
import { peersOfMutation, peerTokenHeader, SUBGRAPH_PEERS } from '../subgraphs/kernel/peers.js';
import { signGatewayToken } from '../subgraphs/kernel/gateway-token.js';
import type { SigningKey } from '../subgraphs/kernel/keys.js';
import type { Logger } from '../subgraphs/kernel/logger.js';
import type { RunningSubgraph } from '../subgraphs/kernel/subgraph.js';
import type { GatewayContext } from './context.js';
import { metrics } from './metrics.js';
import { SharedAnswers } from './shared-answers.js';
import {
  SubgraphConnectionError,
  subgraphFetcher,
  SubgraphTimeoutError,
  type SubgraphAnswer,
} from './subgraph-http.js';

export type FetchPolicy = GatewayConfig['subgraphFetch'];

/** A subgraph's GraphQL response, as the plan executor takes it. */
type GraphQLAnswer = Awaited<ReturnType<GraphQLDataSource['process']>>;

/** A subgraph answered with a status other than 2xx. */
class SubgraphStatusError extends Error {
  constructor(readonly status: number) {
    super(`subgraph answered HTTP ${status}`);
  }
}

type Failure =
  | { reason: 'timeout' }
  /** `sent`: the connection was open, so the subgraph may have received the request. */
  | { reason: 'unreachable'; sent: boolean }
  | { reason: 'http'; status: number }
  | { reason: 'invalid_response' };

// Statuses a proxy or a restarting server gives for a moment; a retry can succeed.
const TRANSIENT_STATUSES = new Set([502, 503, 504]);

function classify(error: unknown): Failure {
  if (error instanceof SubgraphTimeoutError) return { reason: 'timeout' };
  if (error instanceof SubgraphConnectionError) return { reason: 'unreachable', sent: error.sent };
  if (error instanceof SubgraphStatusError) return { reason: 'http', status: error.status };
  return { reason: 'invalid_response' };
}

function operationType(document: DocumentNode | undefined, query: string | undefined) {
  const operation = document?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operation?.kind === Kind.OPERATION_DEFINITION) return operation.operation;
  return query && /^\s*(query\b|\{)/.test(query) ? 'query' : 'mutation';
}

/** Root fields of the mutations the plans send, by text: the same few texts again and again. */
const rootFieldsByQuery = new Map<string, string[]>();
const ROOT_FIELDS_REMEMBERED = 1_000;

export function mutationRootFields(query: string): string[] {
  let fields = rootFieldsByQuery.get(query);
  if (!fields) {
    let operation;
    try {
      operation = parse(query).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    } catch {
      operation = undefined;
    }
    fields =
      operation?.kind === Kind.OPERATION_DEFINITION && operation.operation === 'mutation'
        ? operation.selectionSet.selections.flatMap((s) =>
            s.kind === Kind.FIELD ? [s.name.value] : [],
          )
        : [];
    if (rootFieldsByQuery.size >= ROOT_FIELDS_REMEMBERED) rootFieldsByQuery.clear();
    rootFieldsByQuery.set(query, fields);
  }
  return fields;
}

/** The answer's JSON object; anything else (not JSON, not an object) is an invalid response. */
function graphQLAnswer(answer: SubgraphAnswer): GraphQLAnswer {
  const type = answer.headers['content-type'];
  if (
    typeof type !== 'string' ||
    !(type.startsWith('application/json') || type.startsWith('application/graphql-response+json'))
  ) {
    throw new Error(`subgraph answered ${String(type)}, not JSON`);
  }
  const body: unknown = JSON.parse(answer.body);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error('subgraph answered JSON that is not an object');
  }
  return body as GraphQLAnswer;
}

/** What a subgraph answer's cache-control allows (no header: nothing may be cached). */
function cacheHint(header: unknown): { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } {
  const value = String(header ?? '');
  const maxAge = /(?:^|,)\s*max-age=(\d+)\s*(?:,|$)/i.exec(value)?.[1];
  const directives = new Set(value.split(',').map((d) => d.trim().toLowerCase()));
  return {
    maxAge: maxAge === undefined ? 0 : Number(maxAge),
    ...(directives.has('private') ? { scope: 'PRIVATE' as const } : {}),
    ...(directives.has('public') ? { scope: 'PUBLIC' as const } : {}),
  };
}

/** The data source's kept answers: the ones given, its own when none are, none for false. */
function keptAnswersOf(option: SharedAnswers | false | undefined): SharedAnswers | undefined {
  return option === false ? undefined : (option ?? new SharedAnswers());
}

/**
 * Keeps a query's answer in `shared` if its cache-control says it is the same for every caller
 * for a while and it carries no error.
 */
function keepIfPublic(
  shared: SharedAnswers | undefined,
  call: string,
  body: GraphQLAnswer,
  text: () => string,
  hint: ReturnType<typeof cacheHint>,
): void {
  if (shared && hint.scope === 'PUBLIC' && hint.maxAge > 0 && body.errors === undefined) {
    shared.set(call, text(), hint.maxAge);
  }
}

/**
 * The answer kept for this call, if there is one: a fresh copy, counted, limiting the response's
 * cache policy by the time it may still be kept.
 */
function keptAnswer(
  shared: SharedAnswers | undefined,
  call: string,
  options: GraphQLDataSourceProcessOptions<GatewayContext>,
  subgraph: string,
): GraphQLAnswer | undefined {
  const kept = shared?.get(call);
  if (!kept) return undefined;
  metrics.subgraphSharedAnswers.inc({ subgraph });
  restrictCachePolicy(options, { maxAge: kept.maxAge, scope: 'PUBLIC' });
  return JSON.parse(kept.body) as GraphQLAnswer;
}

/** Limits the incoming operation's cache policy by what one subgraph answer allows. */
function restrictCachePolicy(
  options: GraphQLDataSourceProcessOptions<GatewayContext>,
  hint: ReturnType<typeof cacheHint>,
): void {
  if (options.kind !== 'incoming operation') return;
  const policy = options.incomingRequestContext.overallCachePolicy;
  if (policy && 'restrict' in policy) policy.restrict(hint);
}

/** One subgraph call's time, into `/metrics`. */
function observeFetch(subgraph: string, outcome: 'ok' | 'error', started: number): void {
  metrics.subgraphFetchDuration.observe(
    { subgraph, outcome },
    (performance.now() - started) / 1000,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls one subgraph with a short-lived token the gateway signs for it: audience = the subgraph,
 * carrying the verified caller's claims and the request id. Headers from the client are never
 * forwarded, so nothing a caller sends can speak for it downstream.
 *
 * Calls go over a pool of at most `connections` keep-alive connections to the subgraph; a call
 * finding them all busy waits for one. Every attempt has a deadline, the wait included. A query
 * that could not reach the subgraph, or got a 502/503/504, is sent again after a jittered,
 * doubling backoff; a mutation never is, since its first attempt may have been applied. A
 * timed-out query is not retried either: its caller has already waited the whole timeout. What
 * finally fails becomes one SUBGRAPH_UNAVAILABLE error naming the subgraph (never its URL), and
 * the plan goes on to serve the rest of the response.
 */
export class SignedDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly policy: FetchPolicy;
  private readonly logger?: Logger;
  private readonly peers: readonly SubgraphName[];
  private readonly fetch: ReturnType<typeof subgraphFetcher>;
  private readonly shared?: SharedAnswers;

  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly key: SigningKey,
    private readonly ttlSeconds: number,
    options: {
      policy?: FetchPolicy;
      connections?: number;
      logger?: Logger;
      /** Where the subgraph's public answers are kept (one per subgraph); false keeps none. */
      sharedAnswers?: SharedAnswers | false;
    } = {},
  ) {
    this.policy = options.policy ?? { timeoutMs: 10_000, retries: 2, backoffMs: 100 };
    this.shared = keptAnswersOf(options.sharedAnswers);
    this.peers = isSubgraphName(subgraph) ? (SUBGRAPH_PEERS[subgraph] ?? []) : [];
    this.logger = options.logger;
    this.fetch = subgraphFetcher(url, {
      connections: options.connections ?? 32,
      timeoutMs: this.policy.timeoutMs,
    });
  }

  /**
   * The headers of one call: the caller's token for this subgraph and the request id. Some
   * mutations write to a peer subgraph on the caller's behalf (PEER_MUTATIONS): that peer gets a
   * token of its own, naming this subgraph as the actor. Nothing else gets one.
   */
  async headers(
    query: string,
    context: GatewayContext | undefined,
  ): Promise<Record<string, string>> {
    if (!context?.caller) throw new Error('subgraph call without a verified caller');
    const token = await signGatewayToken(this.key, context.caller, this.subgraph, this.ttlSeconds);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'x-request-id': context.requestId,
    };
    const peers =
      this.peers.length > 0
        ? peersOfMutation(this.subgraph as SubgraphName, mutationRootFields(query))
        : [];
    for (const peer of peers) {
      headers[peerTokenHeader(peer)] = await signGatewayToken(
        this.key,
        context.caller,
        peer,
        this.ttlSeconds,
        this.subgraph as SubgraphName,
      );
    }
    return headers;
  }

  /**
   * One attempt: the request as JSON with the call's headers, the answer's JSON object. A status
   * other than 2xx is a `SubgraphStatusError`; the subgraph's cache-control, if any, limits the
   * response's cache policy as RemoteGraphQLDataSource would.
   *
   * A query whose answer the subgraph marked public is answered again from `shared`, with no
   * call, until its max-age runs out: the subgraph said the answer is the same for every caller.
   */
  private async send(options: GraphQLDataSourceProcessOptions<GatewayContext>, query: boolean) {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const { http: _http, ...call } = request;
    const text = JSON.stringify(call);
    const shared = query ? this.shared : undefined;
    const kept = keptAnswer(shared, text, options, this.subgraph);
    if (kept) return kept;
    const headers = await this.headers(request.query, options.context as GatewayContext);
    const answer = await this.fetch(headers, text);
    if (answer.status < 200 || answer.status >= 300) throw new SubgraphStatusError(answer.status);
    const body = graphQLAnswer(answer);
    const hint = cacheHint(answer.headers['cache-control']);
    restrictCachePolicy(options, hint);
    keepIfPublic(shared, text, body, () => answer.body, hint);
    return body;
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const document = 'document' in options ? options.document : undefined;
    const retryable = operationType(document, options.request.query) === 'query';
    const subgraph = this.subgraph;
    for (let attempt = 0; ; attempt += 1) {
      const started = performance.now();
      try {
        const response = await this.send(options, retryable);
        observeFetch(subgraph, 'ok', started);
        return response;
      } catch (error) {
        observeFetch(subgraph, 'error', started);
        const failure = classify(error);
        metrics.subgraphFetchErrors.inc({
          subgraph,
          reason: failure.reason === 'http' ? `http_${failure.status}` : failure.reason,
        });
        const transient =
          failure.reason === 'unreachable' ||
          (failure.reason === 'http' && TRANSIENT_STATUSES.has(failure.status));
        const again = retryable && transient && attempt < this.policy.retries;
        this.logger?.warn(
          {
            requestId: options.context?.requestId,
            subgraph,
            attempt: attempt + 1,
            failure,
            retry: again,
            err: failure.reason === 'invalid_response' ? error : undefined,
          },
          'subgraph call failed',
        );
        if (!again) throw this.clientError(failure, retryable);
        metrics.subgraphFetchRetries.inc({ subgraph });
        const backoff = this.policy.backoffMs * 2 ** attempt;
        await sleep(backoff / 2 + Math.random() * (backoff / 2));
      }
    }
  }

  /** What the client is told: which subgraph failed and how, without URLs, bodies or stacks. */
  private clientError(failure: Failure, query: boolean): GraphQLError {
    const subgraph = this.subgraph;
    const unavailable = (how: string) =>
      new GraphQLError(
        `subgraph "${subgraph}" is unavailable: ${how}; its fields are missing from this response`,
        { extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph } },
      );
    switch (failure.reason) {
      case 'timeout':
        // The subgraph may still be working on it: a mutation that timed out is in doubt too.
        return unavailable(
          `it did not answer within ${this.policy.timeoutMs} ms` +
            (query ? '' : ', so the mutation may have been applied'),
        );
      case 'unreachable':
        // A mutation whose connection broke after it was sent (the subgraph died or restarted)
        // may have been applied: its client must not take the error for a refusal and repeat it.
        return unavailable(
          failure.sent && !query
            ? 'the connection was lost before it answered, so the mutation may have been applied'
            : 'it could not be reached',
        );
      case 'http':
        if (failure.status >= 500) return unavailable(`it answered HTTP ${failure.status}`);
        // A 4xx from a subgraph is the gateway's fault (stale supergraph, bad token): masked.
        return new GraphQLError(`subgraph "${subgraph}" refused the gateway's request`);
      case 'invalid_response':
        return new GraphQLError(`subgraph "${subgraph}" sent an invalid response`);
    }
  }
}

/**
 * The embedded graph's data source: the subgraph runs in this process, so the plan's fetch is a
 * function call with the verified caller — no HTTP, no JSON, no per-call token (nothing crosses
 * a process boundary). Mutations that write to a peer still get their delegated peer tokens,
 * since the peer is called over HTTP as in server mode. A stopped subgraph is reported as
 * SUBGRAPH_UNAVAILABLE, as an unreachable one is.
 */
export class InProcessDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly peers: readonly SubgraphName[];
  private readonly shared?: SharedAnswers;

  constructor(
    private readonly subgraph: SubgraphName,
    private readonly target: () => Pick<RunningSubgraph, 'execute'>,
    private readonly key: SigningKey,
    private readonly ttlSeconds: number,
    /** Where the subgraph's public answers are kept, as SignedDataSource keeps them. */
    options: { sharedAnswers?: SharedAnswers | false } = {},
  ) {
    this.peers = SUBGRAPH_PEERS[subgraph] ?? [];
    this.shared = keptAnswersOf(options.sharedAnswers);
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const { request, context } = options;
    if (!context?.caller) throw new Error('subgraph call without a verified caller');
    const query = request.query ?? '';
    const call = { query, variables: request.variables, operationName: request.operationName };
    const document = 'document' in options ? options.document : undefined;
    const shared = operationType(document, query) === 'query' ? this.shared : undefined;
    const text = shared ? JSON.stringify(call) : '';
    const kept = keptAnswer(shared, text, options, this.subgraph);
    if (kept) return kept;
    const peerTokens: Partial<Record<SubgraphName, string>> = {};
    if (this.peers.length > 0) {
      for (const peer of peersOfMutation(this.subgraph, mutationRootFields(query))) {
        peerTokens[peer] = await signGatewayToken(
          this.key,
          context.caller,
          peer,
          this.ttlSeconds,
          this.subgraph,
        );
      }
    }
    const subgraph = this.subgraph;
    const started = performance.now();
    try {
      const answer = await this.target().execute(call, context.caller, peerTokens);
      observeFetch(subgraph, 'ok', started);
      const body = answer.body as GraphQLAnswer;
      const hint = cacheHint(answer.cacheControl);
      keepIfPublic(shared, text, body, () => JSON.stringify(body), hint);
      return body;
    } catch (error) {
      observeFetch(subgraph, 'error', started);
      metrics.subgraphFetchErrors.inc({ subgraph, reason: 'unreachable' });
      throw new GraphQLError(
        `subgraph "${subgraph}" is unavailable: it is not running; its fields are missing from this response`,
        { extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph }, originalError: error as Error },
      );
    }
  }
}
