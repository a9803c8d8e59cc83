import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Caller, Party } from '../subgraphs/kernel/caller.js';
import type { SubgraphName } from '../subgraphs/kernel/config.js';
import type { GatewayConfig } from './config.js';
import {
  answerClientErrors,
  closeGracefully,
  drainDelay,
  executeApollo,
  HttpError,
  parseRequestUrl,
  readJsonBody,
  sendHttpError,
  sendJson,
} from '../subgraphs/kernel/http.js';
import { CLIENT_ERROR_CODES } from '../subgraphs/kernel/errors.js';
import type { SigningKey } from '../subgraphs/kernel/keys.js';
import type { RunningSubgraph } from '../subgraphs/kernel/subgraph.js';
import { apolloLogger, createLogger, type Logger } from '../subgraphs/kernel/logger.js';
import { InProcessDataSource, SignedDataSource } from './data-source.js';
import { SharedAnswers } from './shared-answers.js';
import { withAbsentSubjects } from './authorization/absent.js';
import { withDistinctRepresentations } from './representations.js';
import { ExchangeGateway, type OperationLayer } from './exchange-gateway.js';
import { reservedNamesRule } from './authorization/analyze.js';
import { mintDevToken } from './dev-identity.js';
import {
  answerDevToken,
  ConsolePages,
  CONTENT_SECURITY_POLICY,
  isConsolePath,
  SANDBOX_PATH,
} from './pages.js';
import { AuthError, IdentityVerifier } from './identity.js';
import { operationLimitsPlugin, tokenLimitError } from './limits.js';
import { metrics, renderMetrics } from './metrics.js';
import {
  observationPlugin,
  requestLine,
  type RequestRecord,
  type ServedContext,
} from './observability.js';
import {
  OrgDirectoryUnavailable,
  SubgraphOrgDirectory,
  type OrgDirectory,
} from './org-directory.js';
import type { LogSequencer } from './log-sequencer.js';
import { RateLimiter } from './rate-limit.js';
import { SharedRateLimiter } from './shared-rate-limit.js';
import {
  announceSandboxPreset,
  mutationScopes,
  readOnlyScopes,
  SANDBOX_PARTY,
  SANDBOX_TOKEN_TTL_SECONDS,
  sandboxLandingPage,
} from './sandbox.js';
import { loadScopeCeiling, type ScopeCeiling } from './scope-ceiling.js';
import { loadSupergraphForGateway, resolveSubgraphUrls } from './supergraph.js';
import { persistedQueryRefusal, TrustedDocuments } from './trusted-documents.js';

export interface GatewayOptions {
  config: GatewayConfig;
  /** Key the gateway signs subgraph tokens with; its public half is served as a JWKS. */
  signingKey: SigningKey;
  /**
   * Subgraph URLs by name, over those the supergraph gives (`join__graph(url:)`); a subgraph not
   * named here is called where the supergraph says.
   */
  subgraphUrls?: Partial<Record<string, string>>;
  /** Subgraphs running in this process, asked by function call instead of over HTTP. */
  inProcess?: (name: SubgraphName) => Pick<RunningSubgraph, 'execute'>;
  layer: OperationLayer;
  /**
   * The embedded default's dev issuer: on a loopback address it mints the Sandbox page's preset
   * token, read-only and short-lived, for each load of the page.
   */
  devIssuer?: SigningKey;
  /** Where bank and enterprise orgs are looked up; defaults to the banks and tech subgraphs. */
  orgs?: OrgDirectory;
  /** The built explorer and console; defaults to `gateway/console/dist`. */
  pages?: ConsolePages;
  port?: number;
  /** Defaults to JSON lines on stdout (or LOG_FILE) at LOG_LEVEL. */
  logger?: Logger;
  /**
   * The disclosure log's sequencer: run while the gateway runs, its key and latest signed tree
   * head served under /.well-known/disclosure-log/.
   */
  sequencer?: LogSequencer;
}

export interface RunningGateway {
  url: string;
  server: http.Server;
  stop(): Promise<void>;
}

export const isClientFacing = (code: unknown) =>
  typeof code === 'string' && CLIENT_ERROR_CODES.has(code);

/**
 * No stack, SQL or internal URL reaches a client: unknown errors keep only a generic message (the
 * real one is logged with the request id), and even errors written for clients lose the
 * extensions where Apollo carries stacks and a failed subgraph response (with its URL).
 */
export function maskError(
  formatted: GraphQLFormattedError,
  _error: unknown,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (isClientFacing(code)) {
    const {
      stacktrace: _stack,
      exception: _exception,
      response: _response,
      ...extensions
    } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return {
    message: 'internal error',
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

async function subgraphReachable(url: string): Promise<boolean> {
  try {
    // The subgraph's readiness: its process answers and its database does.
    const ready = new URL(url);
    ready.pathname = '/ready';
    const response = await fetch(ready, { signal: AbortSignal.timeout(3_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** The operation text a request carries, if any; Apollo refuses the malformed rest itself. */
function operationText(method: string | undefined, body: unknown, url: URL): string | undefined {
  if (method !== 'POST') return url.searchParams.get('query') ?? undefined;
  const query =
    body && typeof body === 'object' && !Array.isArray(body)
      ? (body as { query?: unknown }).query
      : undefined;
  return typeof query === 'string' ? query : undefined;
}

/** The extensions a request carries (a JSON text in a GET's URL), if any. */
function requestExtensions(method: string | undefined, body: unknown, url: URL): unknown {
  if (method !== 'POST') {
    const raw = url.searchParams.get('extensions');
    if (!raw) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      return undefined; // Apollo refuses it itself
    }
  }
  return body && typeof body === 'object' && !Array.isArray(body)
    ? (body as { extensions?: unknown }).extensions
    : undefined;
}

/** A refusal made before Apollo sees the request, in the shape Apollo would have given it. */
function asHttpError(error: GraphQLError): HttpError {
  const {
    code,
    http: head,
    ...details
  } = error.extensions as {
    code: string;
    http?: { status?: number };
  };
  return new HttpError(head?.status ?? 400, code, error.message, {}, details);
}

function rateLimitKey(caller: Caller, remoteAddress: string | undefined): string {
  // Anonymous callers (AUTH_REQUIRED=false) share no identity: each address gets its own bucket.
  return caller.party === 'anonymous'
    ? `anonymous:${remoteAddress ?? ''}`
    : `${caller.party}:${caller.org ?? ''}`;
}

/** Whether the gateway has a supergraph and is still taking requests; read by `/ready`. */
interface Readiness {
  schemaLoaded: boolean;
  draining: boolean;
}

/** What the HTTP handler serves with, built once by `startGateway`. */
interface Served {
  config: GatewayConfig;
  logger: Logger;
  apollo: ApolloServer<ServedContext>;
  identity: IdentityVerifier;
  /** In-process buckets, or with REDIS_URL the limits every replica shares. */
  limiter: RateLimiter | SharedRateLimiter;
  trusted: TrustedDocuments | undefined;
  subgraphUrls: Record<string, string>;
  jwks: { keys: unknown[] };
  sequencer?: LogSequencer;
  readiness: Readiness;
  pages: ConsolePages;
  /** The explorer's preset token, where the Sandbox preset is offered. */
  mintPreset: (() => Promise<string>) | undefined;
  /** The console's development sign-in, offered exactly where the preset is. */
  mintConsole: ((party: Party, org: string | null) => Promise<string>) | undefined;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config, { service: 'gateway' });
  // Read before anything starts: a malformed ceiling file stops the gateway with its reason.
  const ceiling = loadScopeCeiling(config.auth.scopeCeilingFile);
  const supergraphSdl = loadSupergraphForGateway(config.supergraphPath);
  const subgraphUrls = resolveSubgraphUrls(supergraphSdl, options.subgraphUrls);
  const mintPreset = sandboxPresetMinter(options, ceiling, supergraphSdl, logger);
  const gateway = new ExchangeGateway(
    apolloGateway(options, supergraphSdl, subgraphUrls, logger),
    options.layer,
  );
  const readiness: Readiness = { schemaLoaded: false, draining: false };
  gateway.onSchemaLoadOrUpdate(() => {
    readiness.schemaLoaded = true;
  });
  const trusted = config.trustedDocumentsPath
    ? TrustedDocuments.load(config.trustedDocumentsPath)
    : undefined;
  const apollo = apolloServer(config, gateway, trusted, mintPreset, logger);
  await apollo.start();
  const identity = new IdentityVerifier(config.auth, {
    ceiling,
    logger,
    orgs:
      options.orgs ??
      new SubgraphOrgDirectory(
        { banks: subgraphUrls.banks, tech: subgraphUrls.tech },
        options.signingKey,
        config.gatewayToken.ttlSeconds,
      ),
  });
  if (trusted) {
    logger.info(
      { manifest: trusted.source, operations: trusted.size },
      'trusted documents mode: only registered operations run',
    );
  }
  // With limits off (rate 0) there is nothing to share: no Redis connection either.
  const limiter =
    config.rateLimit.redisUrl && config.rateLimit.perSecond > 0
      ? new SharedRateLimiter({ ...config.rateLimit, redisUrl: config.rateLimit.redisUrl, logger })
      : new RateLimiter(config.rateLimit);
  if (limiter instanceof SharedRateLimiter) await limiter.connected();
  const server = http.createServer(
    requestHandler({
      config,
      logger,
      apollo,
      identity,
      limiter,
      trusted,
      subgraphUrls,
      jwks: { keys: [options.signingKey.publicJwk] },
      sequencer: options.sequencer,
      readiness,
      pages: options.pages ?? new ConsolePages(),
      mintPreset,
      mintConsole: mintPreset && consoleDevMinter(options, ceiling),
    }),
  );
  options.sequencer?.start();
  server.keepAliveTimeout = 65_000;
  answerClientErrors(server);
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? config.gatewayPort, config.host, resolve),
  );
  const address = server.address() as AddressInfo;
  return {
    url: `http://${config.host}:${address.port}/`,
    server,
    async stop() {
      // /ready answers 503 at once, so a load balancer stops sending while in-flight work ends.
      readiness.draining = true;
      await drainDelay(config.drainDelayMs);
      await closeGracefully(server, config.shutdownTimeoutMs);
      await apollo.stop();
      await options.sequencer?.stop();
      if (limiter instanceof SharedRateLimiter) await limiter.close();
    },
  };
}

/** The Sandbox page's preset token, minted per page load where the embedded dev issuer offers it. */
function sandboxPresetMinter(
  options: GatewayOptions,
  ceiling: ScopeCeiling,
  supergraphSdl: string,
  logger: Logger,
): (() => Promise<string>) | undefined {
  const { config, devIssuer } = options;
  const offerPreset = announceSandboxPreset(config, devIssuer !== undefined, logger);
  const presetScopes = readOnlyScopes(ceiling[SANDBOX_PARTY], mutationScopes(supergraphSdl));
  if (!offerPreset || !devIssuer) return undefined;
  return () =>
    mintDevToken(devIssuer, config.auth, {
      party: SANDBOX_PARTY,
      sub: `sandbox-${SANDBOX_PARTY}`,
      scopes: presetScopes,
      ttlSeconds: SANDBOX_TOKEN_TTL_SECONDS,
    });
}

/** How long a console dev token lives: a working day would outlast the sign-in's purpose. */
const CONSOLE_DEV_TOKEN_TTL_SECONDS = 60 * 60;

/**
 * The console's development sign-in: a token of the party and org picked, with that party's
 * ceiling of scopes, as `npm run token` mints. Only built where the Sandbox preset is offered.
 */
function consoleDevMinter(
  options: GatewayOptions,
  ceiling: ScopeCeiling,
): ((party: Party, org: string | null) => Promise<string>) | undefined {
  const { config, devIssuer } = options;
  if (!devIssuer) return undefined;
  return (party, org) =>
    mintDevToken(devIssuer, config.auth, {
      party,
      org,
      sub: `console-${party}${org ? `-${org}` : ''}`,
      scopes: [...ceiling[party]],
      ttlSeconds: CONSOLE_DEV_TOKEN_TTL_SECONDS,
    });
}

/** The federation gateway, calling each subgraph in this process or over signed HTTP. */
function apolloGateway(
  options: GatewayOptions,
  supergraphSdl: string,
  subgraphUrls: Record<string, string>,
  logger: Logger,
): ApolloGateway {
  const { config, inProcess } = options;
  // One per subgraph; `SHARED_ANSWERS=0` keeps none.
  const sharedAnswers = () =>
    config.sharedAnswers > 0 && new SharedAnswers({ entries: config.sharedAnswers });
  return new ApolloGateway({
    supergraphSdl,
    logger: apolloLogger(logger),
    // An entity the subgraph owning the subject lacks must not null its object (see absent.ts);
    // an entity repeated in the results is asked for once (see representations.ts).
    buildService: ({ name, url }) =>
      withAbsentSubjects(
        withDistinctRepresentations(
          inProcess
            ? new InProcessDataSource(
                name as SubgraphName,
                () => inProcess(name as SubgraphName),
                options.signingKey,
                config.gatewayToken.ttlSeconds,
                { sharedAnswers: sharedAnswers() },
              )
            : new SignedDataSource(
                name,
                subgraphUrls[name] ?? url!,
                options.signingKey,
                config.gatewayToken.ttlSeconds,
                {
                  policy: config.subgraphFetch,
                  connections: config.subgraphConnections,
                  logger,
                  sharedAnswers: sharedAnswers(),
                },
              ),
        ),
      ),
  });
}

function apolloServer(
  config: GatewayConfig,
  gateway: ExchangeGateway,
  trusted: TrustedDocuments | undefined,
  mintPreset: (() => Promise<string>) | undefined,
  logger: Logger,
): ApolloServer<ServedContext> {
  return new ApolloServer<ServedContext>({
    gateway,
    logger: apolloLogger(logger),
    // The scripts own SIGINT/SIGTERM and drain the HTTP server first; Apollo's own handler would
    // start a second, concurrent stop that never settles.
    stopOnTerminationSignals: false,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    formatError: maskError,
    // A second guard behind the server's count: the parser itself stops past the bound.
    parseOptions: { maxTokens: config.limits.maxTokens },
    validationRules: [reservedNamesRule],
    // With a manifest, Apollo's persisted-query protocol serves its entries by hash and nothing
    // else; a client cannot register operations of its own.
    ...(trusted ? { persistedQueries: { cache: trusted.cache } } : {}),
    plugins: [
      config.sandbox ? sandboxLandingPage(mintPreset) : ApolloServerPluginLandingPageDisabled(),
      operationLimitsPlugin<ServedContext>({
        limits: config.limits,
        maxPageSize: config.maxPageSize,
        defaultPageSize: config.defaultPageSize,
        onReject: (limit, { record }) => {
          record.rejectedBy = limit;
          metrics.rejected.inc({ limit });
        },
      }),
      observationPlugin(logger, isClientFacing),
    ],
  });
}

/**
 * One request, in order: the operational endpoints (unobserved), then the GraphQL endpoint:
 * Sandbox page → authenticate → rate limit → read and admit the operation → execute.
 */
function requestHandler(served: Served): http.RequestListener {
  return async (req, res) => {
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    if (req.url?.split('?')[0] !== SANDBOX_PATH) {
      // Every answer but Apollo's hosted Sandbox says: this origin only.
      res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    }
    const record: RequestRecord = { requestId, method: req.method };
    const observe = observer(res, record, served.logger);
    try {
      const url = parseRequestUrl(req.url);
      record.path = url.pathname;
      if (await answerOperational(url, res, served)) return;
      observe();
      if (await answerPage(req, url, res, served, record)) return;
      const caller = await authenticate(req, requestId, served);
      record.party = caller.party;
      record.org = caller.org;
      await enforceRateLimit(caller, req, served, record);
      const body = await readOperation(req, url, served, record);
      await executeApollo(served.apollo, req, res, body, async () => ({
        caller,
        requestId,
        record,
      }));
    } catch (error) {
      observe();
      respondWithError(error, res, requestId, served.logger);
    }
  };
}

/**
 * Counts the request in flight and, once the response closes, in the metrics and the log; only
 * the first call counts.
 */
function observer(res: http.ServerResponse, record: RequestRecord, logger: Logger): () => void {
  const started = performance.now();
  let observed = false;
  return () => {
    if (observed) return;
    observed = true;
    metrics.inFlight.add(1);
    res.on('close', () => {
      metrics.inFlight.add(-1);
      const seconds = (performance.now() - started) / 1000;
      const labels = {
        operation_type: record.operationType ?? 'unknown',
        status: String(res.statusCode),
      };
      metrics.requests.inc(labels);
      metrics.requestDuration.observe(labels, seconds);
      logger.info(requestLine(record, res.statusCode, seconds * 1000), 'request');
    });
  };
}

/** Answers `/health`, `/metrics`, `/ready` and the JWKS; false for the GraphQL endpoint. */
async function answerOperational(
  url: URL,
  res: http.ServerResponse,
  served: Served,
): Promise<boolean> {
  switch (url.pathname) {
    case '/health':
      sendJson(res, 200, { status: 'ok' });
      return true;
    case '/metrics':
      if (!served.config.metrics) throw new HttpError(404, 'NOT_FOUND', 'not found');
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(renderMetrics());
      return true;
    case '/ready':
      await answerReady(res, served);
      return true;
    case '/.well-known/jwks.json':
      sendJson(res, 200, served.jwks, { 'cache-control': 'public, max-age=300' });
      return true;
    // Beside the gateway's JWKS, not in it: the tree-head key signs no subgraph token.
    case '/.well-known/disclosure-log/jwks.json':
      if (!served.sequencer) throw new HttpError(404, 'NOT_FOUND', 'not found');
      sendJson(res, 200, served.sequencer.jwks, { 'cache-control': 'public, max-age=300' });
      return true;
    case '/.well-known/disclosure-log/tree-head.json':
      await answerTreeHead(res, served.sequencer);
      return true;
    case '/':
    case '/graphql':
    case SANDBOX_PATH:
      return false;
    default:
      if (isConsolePath(url.pathname)) return false;
      throw new HttpError(404, 'NOT_FOUND', 'not found');
  }
}

async function answerTreeHead(res: http.ServerResponse, sequencer?: LogSequencer) {
  const head = await sequencer?.latestTreeHead();
  if (!head) throw new HttpError(404, 'NOT_FOUND', 'no signed tree head yet');
  sendJson(
    res,
    200,
    {
      treeSize: head.treeSize,
      rootHash: head.rootHash,
      timestamp: head.at.toISOString(),
      signature: head.signature,
    },
    { 'cache-control': 'no-cache' },
  );
}

async function answerReady(res: http.ServerResponse, served: Served): Promise<void> {
  const { readiness } = served;
  if (readiness.draining) {
    return sendJson(res, 503, { status: 'draining', supergraph: readiness.schemaLoaded });
  }
  const subgraphs = Object.fromEntries(
    await Promise.all(
      Object.entries(served.subgraphUrls).map(async ([name, url]) => [
        name,
        (await subgraphReachable(url)) ? 'up' : 'down',
      ]),
    ),
  );
  const ready = readiness.schemaLoaded && Object.values(subgraphs).every((s) => s === 'up');
  // Limiting on its share alone still serves: every replica loses Redis together, and taking
  // them all out of the balancer would turn a degraded limit into an outage.
  const { limiter } = served;
  const shared = limiter instanceof SharedRateLimiter;
  const degraded = shared && limiter.degraded;
  sendJson(res, ready ? 200 : 503, {
    status: ready ? (degraded ? 'degraded' : 'ready') : 'not ready',
    supergraph: readiness.schemaLoaded,
    subgraphs,
    ...(shared ? { rateLimits: degraded ? 'local share' : 'shared' } : {}),
  });
}

/**
 * The pages: the console (`/console`, whatever SANDBOX says: it is a client of `/graphql` like any
 * other), the offline explorer (`/` and `/graphql` asked for HTML) and Apollo's hosted Sandbox
 * (`/sandbox`, for a browser that reaches Apollo's servers); false for a GraphQL request.
 */
async function answerPage(
  req: http.IncomingMessage,
  url: URL,
  res: http.ServerResponse,
  served: Served,
  record: RequestRecord,
): Promise<boolean> {
  const { pathname } = url;
  if (isConsolePath(pathname)) {
    await answerConsole(req, pathname, res, served);
    return true;
  }
  const wantsPage =
    req.method === 'GET' &&
    !url.searchParams.has('query') &&
    (req.headers.accept ?? '').includes('text/html');
  if (!wantsPage) {
    if (pathname === SANDBOX_PATH) throw new HttpError(404, 'NOT_FOUND', 'not found');
    return false;
  }
  if (!served.config.sandbox) {
    throw new HttpError(
      404,
      'NOT_FOUND',
      'the explorer and Apollo Sandbox are switched off on this gateway (SANDBOX=false); POST GraphQL requests to /graphql',
    );
  }
  if (pathname === SANDBOX_PATH) await serveSandboxPage(req, res, served, record);
  else served.pages.sendExplorer(res, served.mintPreset && `Bearer ${await served.mintPreset()}`);
  return true;
}

async function answerConsole(
  req: http.IncomingMessage,
  pathname: string,
  res: http.ServerResponse,
  served: Served,
): Promise<void> {
  if (pathname === '/console/dev-token') {
    return answerDevToken(req, res, served.mintConsole, served.config.maxBodyBytes);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'the console is read with GET');
  }
  if (pathname.startsWith('/console/assets/')) {
    if (!served.pages.sendAsset(pathname, res)) throw new HttpError(404, 'NOT_FOUND', 'not found');
    return;
  }
  served.pages.sendConsole(res);
}

/** The Sandbox page carries no data; it needs no token. */
async function serveSandboxPage(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  served: Served,
  record: RequestRecord,
): Promise<void> {
  const { requestId } = record;
  const anonymous = await served.identity.verify(undefined, requestId).catch(() => null);
  return executeApollo(served.apollo, req, res, undefined, async () => ({
    caller: anonymous ?? {
      sub: 'anonymous',
      party: 'anonymous',
      org: null,
      scopes: new Set(),
      requestId,
    },
    requestId,
    record,
  }));
}

async function authenticate(
  req: http.IncomingMessage,
  requestId: string,
  served: Served,
): Promise<Caller> {
  try {
    return await served.identity.verify(req.headers.authorization, requestId);
  } catch (error) {
    if (error instanceof AuthError) {
      metrics.authenticationFailures.inc();
      throw new HttpError(401, 'AUTH_ERROR', error.message, { 'www-authenticate': 'Bearer' });
    }
    if (error instanceof OrgDirectoryUnavailable) {
      // Fail closed: a token whose org cannot be confirmed is not served, nor remembered.
      served.logger.warn({ requestId, err: error.message }, 'org directory unavailable');
      throw new HttpError(503, 'ORG_DIRECTORY_UNAVAILABLE', error.message, {
        'retry-after': '5',
      });
    }
    throw error;
  }
}

async function enforceRateLimit(
  caller: Caller,
  req: http.IncomingMessage,
  served: Served,
  record: RequestRecord,
): Promise<void> {
  const decision = await served.limiter.take(rateLimitKey(caller, req.socket.remoteAddress));
  if (decision.allowed) return;
  metrics.rateLimited.inc({ party: caller.party });
  record.rejectedBy = 'RATE_LIMIT';
  const who = caller.org ? `${caller.party} ${caller.org}` : caller.party;
  const { perSecond, burst } = served.config.rateLimit;
  throw new HttpError(
    429,
    'RATE_LIMITED',
    `rate limit exceeded for ${who}: ${perSecond} requests per second, bursts of ${burst}; retry after ${decision.retryAfterSeconds} s`,
    { 'retry-after': String(decision.retryAfterSeconds) },
  );
}

/** Reads a POST's body and admits the operation it carries; the body goes on to Apollo. */
async function readOperation(
  req: http.IncomingMessage,
  url: URL,
  served: Served,
  record: RequestRecord,
): Promise<unknown> {
  const { config, trusted } = served;
  const body = req.method === 'POST' ? await readJsonBody(req, config.maxBodyBytes) : undefined;
  const named = (body as { operationName?: unknown } | undefined)?.operationName;
  if (typeof named === 'string') record.operationName = named;
  admit(
    operationText(req.method, body, url),
    requestExtensions(req.method, body, url),
    record,
    trusted,
    config.limits.maxTokens,
  );
  return body;
}

/**
 * Trusted documents and the token bound are checked on the raw text, before Apollo parses
 * anything: an unregistered or oversized operation costs a hash or a lexer pass, no more.
 */
function admit(
  query: string | undefined,
  extensions: unknown,
  record: RequestRecord,
  trusted: TrustedDocuments | undefined,
  maxTokens: number,
): void {
  const mismatch = persistedQueryRefusal(query, extensions);
  if (mismatch) {
    record.rejectedBy = 'PERSISTED_QUERY';
    metrics.rejected.inc({ limit: 'PERSISTED_QUERY' });
    throw asHttpError(mismatch);
  }
  if (query === undefined) return;
  const refusal = trusted?.refusal(query) ?? tokenLimitError(query, maxTokens);
  if (!refusal) return;
  const limit = String(refusal.extensions.limit ?? 'TRUSTED_DOCUMENTS');
  record.rejectedBy = limit;
  metrics.rejected.inc({ limit });
  throw asHttpError(refusal);
}

function respondWithError(
  error: unknown,
  res: http.ServerResponse,
  requestId: string,
  logger: Logger,
): void {
  if (error instanceof HttpError) return sendHttpError(res, error);
  logger.error({ requestId, err: error }, 'request failed');
  if (res.headersSent) return void res.destroy();
  sendHttpError(res, new HttpError(500, 'INTERNAL_SERVER_ERROR', 'internal error'));
}
