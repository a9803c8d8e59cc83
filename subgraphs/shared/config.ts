import path from 'node:path';

export const SUBGRAPH_NAMES = ['tech', 'finance', 'banks', 'exchange'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export function isSubgraphName(value: string): value is SubgraphName {
  return (SUBGRAPH_NAMES as readonly string[]).includes(value);
}

export type AuthorizationMode = 'filter' | 'reject' | 'dry-run';

export interface Config {
  /** Folder for embedded databases and locally generated keys. */
  dataDir: string;
  host: string;
  gatewayPort: number;
  subgraphPorts: Record<SubgraphName, number>;
  /** Subgraph URLs the gateway calls; defaults to the local ports. */
  subgraphUrls: Record<SubgraphName, string>;
  /** A PostgreSQL URL per subgraph; absent means embedded PGlite under dataDir. */
  databaseUrls: Partial<Record<SubgraphName, string>>;
  supergraphPath: string;
  seedScale: number;
  maxPageSize: number;
  defaultPageSize: number;
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
  };
  gatewayToken: {
    /** Where subgraphs fetch the gateway's public keys in server mode. */
    jwksUrl: string;
    issuer: string;
    ttlSeconds: number;
  };
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return value;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

/** Every setting and its default, read once from the environment (the README's table mirrors this). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.DATA_DIR ?? '.data');
  const host = env.HOST ?? '127.0.0.1';
  const gatewayPort = int(env, 'PORT', 4000);
  const defaults: Record<SubgraphName, number> = {
    tech: 4001,
    finance: 4002,
    banks: 4003,
    exchange: 4004,
  };
  const subgraphPorts = {} as Record<SubgraphName, number>;
  const subgraphUrls = {} as Record<SubgraphName, string>;
  const databaseUrls: Partial<Record<SubgraphName, string>> = {};
  for (const name of SUBGRAPH_NAMES) {
    const upper = name.toUpperCase();
    subgraphPorts[name] = int(env, `SUBGRAPH_PORT_${upper}`, defaults[name]);
    subgraphUrls[name] =
      env[`SUBGRAPH_URL_${upper}`] ?? `http://${host}:${subgraphPorts[name]}/graphql`;
    const url = env[`DATABASE_URL_${upper}`];
    if (url) databaseUrls[name] = url;
  }
  const mode = env.AUTHZ_MODE ?? 'filter';
  if (mode !== 'filter' && mode !== 'reject' && mode !== 'dry-run') {
    throw new Error(`AUTHZ_MODE must be filter, reject or dry-run, got "${mode}"`);
  }
  const seedScale = Number(env.SEED_SCALE ?? '1');
  if (!(seedScale > 0))
    throw new Error(`SEED_SCALE must be a positive number, got "${env.SEED_SCALE}"`);
  return {
    dataDir,
    host,
    gatewayPort,
    subgraphPorts,
    subgraphUrls,
    databaseUrls,
    supergraphPath: path.resolve(env.SUPERGRAPH_PATH ?? 'schema/supergraph.graphql'),
    seedScale,
    // Bounds a page so a single request cannot pull a whole table through three subgraphs.
    maxPageSize: int(env, 'MAX_PAGE_SIZE', 100, 1),
    defaultPageSize: int(env, 'DEFAULT_PAGE_SIZE', 20, 1),
    auth: {
      jwksUrl: env.JWKS_URL || undefined,
      jwksFile: path.resolve(env.JWKS_FILE ?? path.join(dataDir, 'keys', 'dev-jwks.json')),
      issuer: env.JWT_ISSUER ?? 'https://kechuang.dev/dev-issuer',
      audience: env.JWT_AUDIENCE ?? 'kechuang-exchange',
      algorithms: (env.JWT_ALGORITHMS ?? 'ES256,RS256,EdDSA').split(',').map((s) => s.trim()),
      clockToleranceSeconds: int(env, 'JWT_CLOCK_SKEW_SECONDS', 60),
      required: bool(env, 'AUTH_REQUIRED', true),
      mode,
    },
    gatewayToken: {
      jwksUrl: env.GATEWAY_JWKS_URL ?? `http://${host}:${gatewayPort}/.well-known/jwks.json`,
      issuer: 'kechuang-gateway',
      // Short enough that a leaked subgraph token is useless almost at once.
      ttlSeconds: int(env, 'GATEWAY_TOKEN_TTL_SECONDS', 60, 5),
    },
  };
}
