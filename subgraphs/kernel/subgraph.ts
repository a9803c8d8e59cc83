import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DocumentNode } from 'graphql';
import { sql } from 'drizzle-orm';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { JWTVerifyGetKey } from 'jose';
import type { Caller } from './caller.js';
import type { Config, SubgraphName } from './config.js';
import type { Database } from './db.js';
import {
  createOperationExecutor,
  type OperationAnswer,
  type OperationExecutor,
  type SubgraphRequest,
} from './executor.js';
import {
  answerClientErrors,
  closeGracefully,
  drainDelay,
  HttpError,
  parseRequestUrl,
  readJsonBody,
  sendHttpError,
  sendJson,
} from './http.js';
import { createLogger, type Logger } from './logger.js';
import { verifyGatewayToken } from './gateway-token.js';
import { PeerClient, peerTokenHeader, SUBGRAPH_PEERS } from './peers.js';
import type { PageLimits } from './pagination.js';
import type { ResolverMap } from './resolvers.js';

/** The resolver map `buildSubgraphSchema` takes, named through its signature: the package exports no name for it. */
type SchemaModuleResolvers = NonNullable<
  Extract<Parameters<typeof buildSubgraphSchema>[0], { typeDefs: unknown }>['resolvers']
>;

/** How long readiness waits for the database to answer `select 1`. */
const READY_TIMEOUT_MS = 2_000;

async function databaseAnswers(database: Database, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([database.rows(sql`select 1 as ok`).then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export interface ContextArgs {
  caller: Caller;
  database: Database;
  limits: PageLimits;
  /** The peer subgraphs this request may call on the caller's behalf (mutations only). */
  peers: PeerClient;
  /** The settings of the subgraphs' workflows (the risk pool's ratio and caps, subsidy rates). */
  config: WorkflowConfig;
}

export type WorkflowConfig = Pick<
  Config,
  'riskPool' | 'interestSubsidyRate' | 'claimThrottle' | 'evaluation'
>;

/** What every subgraph folder exports from its index.ts. */
export interface SubgraphModule<TContext extends object = object> {
  name: SubgraphName;
  typeDefs: DocumentNode;
  resolvers: ResolverMap;
  createContext(args: ContextArgs): TContext;
}

export type { SubgraphRequest };

/** A subgraph asked in-process after it stopped: the gateway reports it unavailable. */
export class SubgraphStoppedError extends Error {
  constructor(name: SubgraphName) {
    super(`subgraph "${name}" is stopped`);
    this.name = 'SubgraphStoppedError';
  }
}

export interface RunningSubgraph {
  name: SubgraphName;
  url: string;
  server: http.Server;
  /**
   * Runs one operation in this process for a caller the gateway has verified: the embedded
   * graph's path, with no HTTP and no token between the two (there is no process boundary to
   * cross). `peerTokens` are the delegated tokens its peers need, as the HTTP path carries them.
   */
  execute(
    request: SubgraphRequest,
    caller: Caller,
    peerTokens: Partial<Record<SubgraphName, string>>,
  ): Promise<Omit<OperationAnswer, 'status'>>;
  stop(): Promise<void>;
}

export interface SubgraphOptions {
  database: Database;
  config: Pick<
    Config,
    | 'host'
    | 'maxPageSize'
    | 'defaultPageSize'
    | 'maxBodyBytes'
    | 'log'
    | 'shutdownTimeoutMs'
    | 'drainDelayMs'
    | 'subgraphFetch'
    | keyof WorkflowConfig
  >;
  port: number;
  gatewayKeys: JWTVerifyGetKey;
  /** Where the peers of SUBGRAPH_PEERS listen; read at call time, so it may be filled later. */
  peerUrls?: Partial<Record<SubgraphName, string>>;
}

/** What one subgraph serves with, over HTTP and in-process alike. */
interface Serving<TContext extends object> {
  module: SubgraphModule<TContext>;
  options: SubgraphOptions;
  execute: OperationExecutor;
  logger: Logger;
  /** Set once the server is stopping: `/ready` answers 503 so a balancer stops sending. */
  readiness: { draining: boolean };
  /** A request's context, for a verified caller with the peer tokens the gateway delegated. */
  context(caller: Caller, peerTokens: Partial<Record<SubgraphName, string>>): TContext;
}

export async function startSubgraph<TContext extends object>(
  module: SubgraphModule<TContext>,
  options: SubgraphOptions,
): Promise<RunningSubgraph> {
  const logger = createLogger(options.config, {
    service: `subgraph-${module.name}`,
  });
  const schema = buildSubgraphSchema([
    {
      typeDefs: module.typeDefs,
      resolvers: module.resolvers as SchemaModuleResolvers,
    },
  ]);
  const limits = {
    maxPageSize: options.config.maxPageSize,
    defaultPageSize: options.config.defaultPageSize,
  };
  const serving: Serving<TContext> = {
    module,
    options,
    execute: createOperationExecutor(schema, logger),
    logger,
    readiness: { draining: false },
    context: (caller, peerTokens) =>
      module.createContext({
        caller,
        database: options.database,
        limits,
        peers: new PeerClient(
          peerTokens,
          options.peerUrls ?? {},
          caller.requestId,
          options.config.subgraphFetch.timeoutMs,
        ),
        config: options.config,
      }),
  };
  const server = http.createServer(subgraphRequestHandler(serving));
  server.keepAliveTimeout = 65_000;
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.listen(options.port, options.config.host, resolve));
  const address = server.address() as AddressInfo;
  let stopped = false;
  return {
    name: module.name,
    url: `http://${options.config.host}:${address.port}/graphql`,
    server,
    async execute(request, caller, peerTokens) {
      if (stopped) throw new SubgraphStoppedError(module.name);
      return executeInProcess(serving, request, caller, peerTokens);
    },
    async stop() {
      serving.readiness.draining = true;
      await drainDelay(options.config.drainDelayMs);
      stopped = true;
      await closeGracefully(server, options.config.shutdownTimeoutMs);
    },
  };
}

/** One HTTP request: probes → POST /graphql → gateway token → body → execute. */
function subgraphRequestHandler<TContext extends object>(
  serving: Serving<TContext>,
): http.RequestListener {
  const { module, options, logger } = serving;
  return async (req, res) => {
    const line = logRequestLine(req, res, logger);
    try {
      const url = parseRequestUrl(req.url);
      if (await answerProbe(url, res, serving)) return;
      if (url.pathname !== '/graphql') throw new HttpError(404, 'NOT_FOUND', 'not found');
      if (req.method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'POST only');
      const caller = await authenticateGateway(req, options.gatewayKeys, module.name);
      Object.assign(line, {
        requestId: caller.requestId,
        party: caller.party,
        org: caller.org,
      });
      const request = subgraphRequestOf(await readJsonBody(req, options.config.maxBodyBytes));
      if (request.operationName) line.operationName = request.operationName;
      const context = serving.context(caller, peerTokensOf(req, module.name));
      const answer = await serving.execute(request, context, caller.requestId);
      sendJson(
        res,
        answer.status,
        answer.body,
        answer.cacheControl ? { 'cache-control': answer.cacheControl } : {},
      );
    } catch (error) {
      if (error instanceof HttpError) return sendHttpError(res, error);
      logger.error({ err: error, requestId: line.requestId }, 'request failed');
      sendHttpError(res, new HttpError(500, 'INTERNAL_SERVER_ERROR', 'internal error'));
    }
  };
}

/** The operation a POST body carries; a body that carries none is refused as Apollo Server did. */
function subgraphRequestOf(body: unknown): SubgraphRequest {
  const refuse = (message: string) => new HttpError(400, 'BAD_REQUEST', message);
  if (!isRecord(body) || Object.keys(body).length === 0) {
    throw refuse('POST body missing, invalid Content-Type, or JSON object has no keys.');
  }
  const { query, variables, operationName } = body;
  if (query != null && typeof query !== 'string') throw refuse('GraphQL queries must be strings.');
  if (!query) throw refuse('GraphQL operations must contain a non-empty `query`.');
  if (variables != null && !isRecord(variables)) {
    throw refuse('`variables` in a POST body must be an object if provided.');
  }
  if (operationName != null && typeof operationName !== 'string') {
    throw refuse('`operationName` in a POST body must be a string if provided.');
  }
  return {
    query,
    variables: variables ?? undefined,
    operationName: operationName ?? undefined,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request's log line, written when the response closes; the caller fills it in. */
function logRequestLine(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  logger: Logger,
): Record<string, unknown> {
  const started = process.hrtime.bigint();
  // The gateway's request id, from its signed token once verified (a header alone proves nothing).
  const line: Record<string, unknown> = {
    requestId: req.headers['x-request-id'],
    method: req.method,
    path: req.url,
  };
  res.on('close', () => {
    if (req.url === '/health') return;
    line.status = res.statusCode;
    line.durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (!res.writableFinished) line.aborted = true;
    logger.info(line, 'request');
  });
  return line;
}

/** Answers `/health` and `/ready`; false for any other path. */
async function answerProbe<TContext extends object>(
  url: URL,
  res: http.ServerResponse,
  { module, options, readiness }: Serving<TContext>,
): Promise<boolean> {
  if (url.pathname === '/health') {
    sendJson(res, 200, { status: 'ok', subgraph: module.name });
    return true;
  }
  if (url.pathname !== '/ready') return false;
  if (readiness.draining) {
    sendJson(res, 503, { status: 'draining', subgraph: module.name });
    return true;
  }
  // Readiness asks the database too: a subgraph whose database is gone serves nothing.
  const ready = await databaseAnswers(options.database, READY_TIMEOUT_MS);
  sendJson(res, ready ? 200 : 503, {
    status: ready ? 'ready' : 'unavailable',
    subgraph: module.name,
    database: ready ? 'up' : 'down',
  });
  return true;
}

async function authenticateGateway(
  req: http.IncomingMessage,
  keys: JWTVerifyGetKey,
  name: SubgraphName,
): Promise<Caller> {
  const auth = req.headers.authorization ?? '';
  if (!auth.startsWith('Bearer ')) {
    throw new HttpError(
      401,
      'AUTH_ERROR',
      'this subgraph serves only the gateway: gateway token missing',
    );
  }
  try {
    return await verifyGatewayToken(auth.slice(7), keys, name);
  } catch {
    throw new HttpError(401, 'AUTH_ERROR', 'gateway token rejected');
  }
}

/** The delegated tokens the gateway sent for this subgraph's peers. */
function peerTokensOf(
  req: http.IncomingMessage,
  name: SubgraphName,
): Partial<Record<SubgraphName, string>> {
  const peerTokens: Partial<Record<SubgraphName, string>> = {};
  for (const peer of SUBGRAPH_PEERS[name] ?? []) {
    const header = req.headers[peerTokenHeader(peer)];
    if (typeof header === 'string') peerTokens[peer] = header;
  }
  return peerTokens;
}

/** The embedded graph's path: one operation, no HTTP, logged as the HTTP path logs it. */
async function executeInProcess<TContext extends object>(
  serving: Serving<TContext>,
  request: SubgraphRequest,
  caller: Caller,
  peerTokens: Partial<Record<SubgraphName, string>>,
): Promise<Omit<OperationAnswer, 'status'>> {
  const started = process.hrtime.bigint();
  const line: Record<string, unknown> = {
    requestId: caller.requestId,
    inProcess: true,
    party: caller.party,
    org: caller.org,
  };
  if (request.operationName) line.operationName = request.operationName;
  try {
    const context = serving.context(caller, peerTokens);
    const { status, ...answer } = await serving.execute(request, context, caller.requestId);
    line.status = status;
    return answer;
  } finally {
    line.durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    serving.logger.info(line, 'request');
  }
}
