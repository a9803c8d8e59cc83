import path from 'node:path';
import {
  booleanSetting as bool,
  intSetting as int,
  loadConfig,
  numberSetting as num,
  SUBGRAPH_NAMES,
  type Config,
} from '../subgraphs/kernel/config.js';

export type AuthorizationMode = 'filter' | 'reject' | 'dry-run';

/** What the gateway does with a token carrying scopes beyond its party's ceiling. */
export type ScopeCeilingMode = 'drop' | 'refuse';

/** Bounds every operation must stay within before the gateway plans it. */
export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  /** Lexer tokens, counted before parsing. */
  maxTokens: number;
  /** Estimated result size: each list field counts its `first` items (or listSize) times its selection. */
  maxCost: number;
  /** Items assumed for a list field that takes no `first`. */
  listSize: number;
}

/** The settings both sides read, and the gateway's own. */
export interface GatewayConfig extends Config {
  /**
   * The subgraph URLs the gateway is told, by subgraph name (lowercase): SUBGRAPH_URL_<NAME> for
   * any subgraph, and for the four the local port when HOST or SUBGRAPH_PORT_<NAME> is set. A
   * subgraph not named here is called at the URL the supergraph gives it (`join__graph(url:)`).
   */
  subgraphUrlOverrides: Record<string, string>;
  supergraphPath: string;
  auth: {
    /** Remote JWKS of the identity provider; takes precedence over jwksFile. */
    jwksUrl?: string;
    /** Local JWKS file; the embedded default generates one under dataDir/keys. */
    jwksFile: string;
    issuer: string;
    audience: string;
    algorithms: string[];
    clockToleranceSeconds: number;
    /** As in Apollo Router, a token can be made optional; anonymous callers then see only undirected fields. */
    required: boolean;
    mode: AuthorizationMode;
    /**
     * JSON file of the scopes each party's tokens may carry; unset: the standard scopes
     * (`STANDARD_SCOPES`, gateway/dev-identity.ts).
     */
    scopeCeilingFile?: string;
    /** `drop` the scopes beyond the ceiling (and log them) or `refuse` the token with 401. */
    scopeCeilingMode: ScopeCeilingMode;
  };
  limits: OperationLimits;
  /** Manifest of trusted documents; when set, only operations listed in it run. */
  trustedDocumentsPath?: string;
  introspection: boolean;
  sandbox: boolean;
  /** Serve Prometheus metrics at /metrics on the gateway. */
  metrics: boolean;
  /** Token bucket per party and org; perSecond 0 turns it off. */
  rateLimit: {
    perSecond: number;
    burst: number;
    /** Redis holding the limits every replica shares; unset: each process counts on its own. */
    redisUrl?: string;
    /** Gateway replicas behind the balancer: while Redis is unreachable each takes this share. */
    replicas: number;
  };
  /**
   * `npm start` (the whole graph in one process): the gateway asks the subgraphs by function
   * call rather than over HTTP. Server mode is HTTP whatever this says.
   */
  subgraphsInProcess: boolean;
  /** Keep-alive connections the gateway holds to each subgraph at most (server mode). */
  subgraphConnections: number;
  /**
   * Subgraph answers the gateway keeps per subgraph, of those the subgraph marks public
   * (`@cacheControl(scope: PUBLIC)`), to answer the same call again within their max-age; 0 keeps
   * none.
   */
  sharedAnswers: number;
  /**
   * How often the disclosure log's sequencer integrates written entries into the Merkle tree and
   * signs a tree head: an entry is in a signed head within about this long.
   */
  logIntegrationMs: number;
}

/**
 * The gateway's settings and their defaults, read once from the environment on top of the ones
 * both sides read (`loadConfig`); the README's table mirrors both.
 */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = loadConfig(env);
  const subgraphUrlOverrides: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const named = /^SUBGRAPH_URL_([A-Z0-9_]+)$/.exec(key);
    if (named && value) subgraphUrlOverrides[named[1].toLowerCase()] = value;
  }
  for (const name of SUBGRAPH_NAMES) {
    // A subgraph moved to another port or interface is followed, as before the supergraph said.
    if (env.HOST || env[`SUBGRAPH_PORT_${name.toUpperCase()}`]) {
      subgraphUrlOverrides[name] ??= config.subgraphUrls[name];
    }
  }
  const mode = env.AUTHZ_MODE ?? 'filter';
  if (mode !== 'filter' && mode !== 'reject' && mode !== 'dry-run') {
    throw new Error(`AUTHZ_MODE must be filter, reject or dry-run, got "${mode}"`);
  }
  const scopeCeilingMode = env.SCOPE_CEILING || 'drop';
  if (scopeCeilingMode !== 'drop' && scopeCeilingMode !== 'refuse') {
    throw new Error(`SCOPE_CEILING must be drop or refuse, got "${scopeCeilingMode}"`);
  }
  // As Apollo Server does: schema exploration is on unless the process says it is production.
  const development = env.NODE_ENV !== 'production';
  return {
    ...config,
    subgraphUrlOverrides,
    supergraphPath: path.resolve(env.SUPERGRAPH_PATH ?? 'schema/supergraph.graphql'),
    auth: {
      jwksUrl: env.JWKS_URL || undefined,
      jwksFile: path.resolve(env.JWKS_FILE ?? path.join(config.dataDir, 'keys', 'dev-jwks.json')),
      issuer: env.JWT_ISSUER ?? 'https://kechuang.dev/dev-issuer',
      audience: env.JWT_AUDIENCE ?? 'kechuang-exchange',
      algorithms: (env.JWT_ALGORITHMS ?? 'ES256,RS256,EdDSA').split(',').map((s) => s.trim()),
      clockToleranceSeconds: int(env, 'JWT_CLOCK_SKEW_SECONDS', 60),
      required: bool(env, 'AUTH_REQUIRED', true),
      mode,
      scopeCeilingFile: env.SCOPE_CEILING_FILE ? path.resolve(env.SCOPE_CEILING_FILE) : undefined,
      scopeCeilingMode,
    },
    // Generous for the apps' real operations (the deepest join is six levels; the heaviest, a page
    // of 100 enterprise dossiers with needs, lines, loans, patents and consents, costs about
    // 120,000), tight enough that nesting lists cannot multiply one request into millions of rows.
    limits: {
      maxDepth: int(env, 'MAX_DEPTH', 12, 1),
      maxAliases: int(env, 'MAX_ALIASES', 30, 0),
      // Validating adversarial repetitions (the same field with different arguments) is quadratic
      // in the document's size: 2,000 tokens keep it to a fraction of a second of CPU, ten times
      // the largest operation the apps send.
      maxTokens: int(env, 'MAX_TOKENS', 2_000, 10),
      maxCost: int(env, 'MAX_COST', 150_000, 1),
      listSize: int(env, 'COST_LIST_SIZE', 10, 1),
    },
    trustedDocumentsPath: env.TRUSTED_DOCUMENTS ? path.resolve(env.TRUSTED_DOCUMENTS) : undefined,
    introspection: bool(env, 'INTROSPECTION', development),
    sandbox: bool(env, 'SANDBOX', development),
    metrics: bool(env, 'METRICS', true),
    // Per party and org, so one bank's runaway integration cannot starve the others; 50 a second
    // is more than a feed pull paging as fast as the gateway answers.
    rateLimit: {
      perSecond: num(env, 'RATE_LIMIT_PER_SECOND', 50),
      burst: int(env, 'RATE_LIMIT_BURST', 200, 1),
      redisUrl: env.REDIS_URL || undefined,
      replicas: int(env, 'GATEWAY_REPLICAS', 1, 1),
    },
    subgraphsInProcess: bool(env, 'SUBGRAPHS_IN_PROCESS', true),
    // A subgraph answers from 10 database connections: 32 calls in flight keep it busy, with room
    // for the parallel fetches of many plans at once, while a stalled subgraph ties up 32 sockets
    // of the gateway rather than one per waiting call.
    subgraphConnections: int(env, 'SUBGRAPH_CONNECTIONS', 32, 1),
    sharedAnswers: int(env, 'SHARED_ANSWERS', 1_000, 0),
    // A fifth of a second: a tree head soon after the response, a few statements a second idle.
    logIntegrationMs: int(env, 'LOG_INTEGRATION_MS', 200, 10),
  };
}
