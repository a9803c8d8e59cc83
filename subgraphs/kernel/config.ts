import path from 'node:path';
import { parseRate, yuanToFen } from './money.js';

export const SUBGRAPH_NAMES = ['tech', 'finance', 'banks', 'exchange'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export function isSubgraphName(value: string): value is SubgraphName {
  return (SUBGRAPH_NAMES as readonly string[]).includes(value);
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  /** Folder for embedded databases and locally generated keys. */
  dataDir: string;
  host: string;
  gatewayPort: number;
  subgraphPorts: Record<SubgraphName, number>;
  /** Where each of the four subgraphs is reached (its peers call it here); defaults to the local ports. */
  subgraphUrls: Record<SubgraphName, string>;
  /** A PostgreSQL URL per subgraph; absent means embedded PGlite under dataDir. */
  databaseUrls: Partial<Record<SubgraphName, string>>;
  /** Most connections a process holds to each PostgreSQL database it uses. */
  databaseConnections: number;
  seedScale: number;
  maxPageSize: number;
  defaultPageSize: number;
  gatewayToken: {
    /** Where subgraphs fetch the gateway's public keys in server mode. */
    jwksUrl: string;
    issuer: string;
    ttlSeconds: number;
  };
  /** Largest request body any server reads (gateway and subgraphs). */
  maxBodyBytes: number;
  subgraphFetch: {
    timeoutMs: number;
    /** Retries of a failed subgraph query (never of a mutation). */
    retries: number;
    backoffMs: number;
  };
  log: { level: LogLevel; file?: string };
  /** How long a stopping server waits for in-flight requests before cutting connections. */
  shutdownTimeoutMs: number;
  /**
   * How long a stopping server keeps serving after its `/ready` turns 503, before it stops
   * accepting: the time a load balancer's health check needs to take it out of rotation.
   */
  drainDelayMs: number;
  /** 风险补偿资金池 (SPEC 三(十二)): what a bank is paid for a covered loan's default. */
  riskPool: {
    /** Share of the bank's loss compensated, a decimal rate ("0.5"). */
    ratio: string;
    /** Most paid for one loan, in fen. */
    capPerLoanFen: number;
    /** Most paid to one bank for the defaults of one calendar year, in fen. */
    capPerBankYearFen: number;
  };
  /** 贷款贴息: share of a new sci-tech loan's principal subsidised, a decimal rate ("0.01"). */
  interestSubsidyRate: string;
  claimThrottle: ClaimThrottle;
  evaluation: EvaluationSettings;
}

/** The dimensions of the bank evaluation (考核评价, SPEC 四(二)), each weighed by the config. */
export const EVALUATION_DIMENSIONS = [
  'BALANCE',
  'BALANCE_GROWTH',
  'FIRST_LOAN_ENTERPRISES',
  'NEW_PRODUCTS',
  'SLA',
  'ACCEPTANCE',
  'RATINGS',
] as const;
export type EvaluationDimension = (typeof EVALUATION_DIMENSIONS)[number];

export interface EvaluationSettings {
  /** Each dimension's weight (≥ 0, at least one above 0); only their proportions matter. */
  weights: Record<EvaluationDimension, number>;
  /**
   * The share of a bank's reward (以奖代补) that follows its evaluation score, a decimal rate: 0
   * splits the reward by new sci-tech lending alone; s weighs each bank's lending by
   * (1 − s) + s × score ÷ 100.
   */
  rewardShare: string;
}

/**
 * The balance scale and growth weigh most (the plan's 科技信贷规模和增速), then new first-loan
 * enterprises and the service, then product innovation.
 */
const DEFAULT_EVALUATION_WEIGHTS: Record<EvaluationDimension, number> = {
  BALANCE: 20,
  BALANCE_GROWTH: 20,
  FIRST_LOAN_ENTERPRISES: 15,
  NEW_PRODUCTS: 10,
  SLA: 15,
  ACCEPTANCE: 10,
  RATINGS: 10,
};

/** `EVALUATION_WEIGHTS`, e.g. "BALANCE=30,RATINGS=5": the dimensions named replace their default. */
function evaluationWeights(env: NodeJS.ProcessEnv): Record<EvaluationDimension, number> {
  const weights = { ...DEFAULT_EVALUATION_WEIGHTS };
  const raw = env.EVALUATION_WEIGHTS?.trim();
  if (!raw) return weights;
  for (const part of raw.split(',')) {
    const [name, value] = part.split('=').map((s) => s.trim());
    const weight = Number(value);
    if (!(EVALUATION_DIMENSIONS as readonly string[]).includes(name)) {
      throw new Error(
        `EVALUATION_WEIGHTS names "${name}", not one of ${EVALUATION_DIMENSIONS.join(', ')}`,
      );
    }
    if (value === undefined || value === '' || !Number.isFinite(weight) || weight < 0) {
      throw new Error(`EVALUATION_WEIGHTS: ${name} must be a number ≥ 0, got "${value ?? ''}"`);
    }
    weights[name as EvaluationDimension] = weight;
  }
  if (Object.values(weights).every((weight) => weight === 0)) {
    throw new Error('EVALUATION_WEIGHTS: at least one dimension must weigh more than 0');
  }
  return weights;
}

/**
 * When a bank's claims (抢单) are refused for a while: it claimed too many needs in the last hour,
 * or declined too many of the ones it claimed — the pattern of claiming needs only to read the
 * enterprises' contacts as main bank.
 */
export interface ClaimThrottle {
  /** Most claims of one bank in any hour; 0 turns the rate check off. */
  maxPerHour: number;
  /** How many of the bank's latest claims the decline ratio is taken over. */
  declineWindow: number;
  /** Fewest claims in that window before the ratio is judged at all; 0 turns the check off. */
  declineMinimum: number;
  /** The bank is suspended when more than this share of the window was declined ("0.5"). */
  declineRatio: string;
  /** How long the suspension lasts, in minutes. */
  cooldownMinutes: number;
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

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a number ≥ 0, got "${raw}"`);
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

/** The parsers of settings, for the gateway's own (gateway/config.ts). */
export { int as intSetting, num as numberSetting, bool as booleanSetting };

function rate(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  try {
    return parseRate(raw, name);
  } catch {
    throw new Error(
      `${name} must be a decimal rate between 0 and 1 (at most six decimals), got "${raw}"`,
    );
  }
}

function yuan(env: NodeJS.ProcessEnv, name: string, fallbackFen: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallbackFen;
  let fen: number;
  try {
    fen = yuanToFen(raw, name);
  } catch {
    fen = -1;
  }
  if (fen < 0)
    throw new Error(`${name} must be an amount in yuan ≥ 0 (at most two decimals), got "${raw}"`);
  return fen;
}

/**
 * Every setting both the gateway and the subgraphs read, with its default, read once from the
 * environment (the README's table mirrors this); the gateway's own are in gateway/config.ts.
 */
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
      env[`SUBGRAPH_URL_${upper}`] || `http://${host}:${subgraphPorts[name]}/graphql`;
    const url = env[`DATABASE_URL_${upper}`];
    if (url) databaseUrls[name] = url;
  }
  const seedScale = Number(env.SEED_SCALE ?? '1');
  if (!(seedScale > 0))
    throw new Error(`SEED_SCALE must be a positive number, got "${env.SEED_SCALE}"`);
  const logLevel = env.LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  return {
    dataDir,
    host,
    gatewayPort,
    subgraphPorts,
    subgraphUrls,
    databaseUrls,
    // Each subgraph process holds up to this many to its database, and every gateway replica as
    // many to the exchange's: their sum must stay below the server's max_connections.
    databaseConnections: int(env, 'DATABASE_CONNECTIONS', 10, 1),
    seedScale,
    // Bounds a page so a single request cannot pull a whole table through three subgraphs.
    maxPageSize: int(env, 'MAX_PAGE_SIZE', 100, 1),
    defaultPageSize: int(env, 'DEFAULT_PAGE_SIZE', 20, 1),
    gatewayToken: {
      jwksUrl: env.GATEWAY_JWKS_URL ?? `http://${host}:${gatewayPort}/.well-known/jwks.json`,
      issuer: 'kechuang-gateway',
      // Short enough that a leaked subgraph token is useless almost at once.
      ttlSeconds: int(env, 'GATEWAY_TOKEN_TTL_SECONDS', 60, 5),
    },
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 1_000_000, 1_000),
    // A subgraph call slower than 10 s is treated as down: its part of the response is dropped
    // rather than holding the whole request. Two quick retries ride out a subgraph restart.
    subgraphFetch: {
      timeoutMs: int(env, 'SUBGRAPH_TIMEOUT_MS', 10_000, 1),
      retries: int(env, 'SUBGRAPH_RETRIES', 2),
      backoffMs: int(env, 'SUBGRAPH_RETRY_BACKOFF_MS', 100),
    },
    log: { level: logLevel as LogLevel, file: env.LOG_FILE || undefined },
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000),
    drainDelayMs: int(env, 'DRAIN_DELAY_MS', 0),
    // Half the loss, at most ¥2M a loan and ¥10M a bank a year: the pool is meant to share a
    // bank's risk on many small sci-tech loans, not to make one large loss whole.
    riskPool: {
      ratio: rate(env, 'RISK_POOL_RATIO', '0.5'),
      capPerLoanFen: yuan(env, 'RISK_POOL_CAP_PER_LOAN', 200_000_000),
      capPerBankYearFen: yuan(env, 'RISK_POOL_CAP_PER_BANK_YEAR', 1_000_000_000),
    },
    interestSubsidyRate: rate(env, 'INTEREST_SUBSIDY_RATE', '0.01'),
    // A bank that works its claims declines few of them and claims a few needs a day; more than
    // half of its last ten (at least four) declined, or 30 claims within an hour, stops it for an
    // hour.
    claimThrottle: {
      maxPerHour: int(env, 'CLAIM_MAX_PER_HOUR', 30),
      declineWindow: int(env, 'CLAIM_DECLINE_WINDOW', 10, 1),
      declineMinimum: int(env, 'CLAIM_DECLINE_MINIMUM', 4),
      declineRatio: rate(env, 'CLAIM_DECLINE_RATIO', '0.5'),
      cooldownMinutes: int(env, 'CLAIM_COOLDOWN_MINUTES', 60, 1),
    },
    // Rewards follow new lending alone unless the finance office ties them to the evaluation.
    evaluation: {
      weights: evaluationWeights(env),
      rewardShare: rate(env, 'REWARD_EVALUATION_SHARE', '0'),
    },
  };
}
