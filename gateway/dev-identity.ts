import path from 'node:path';
import { SignJWT } from 'jose';
import type { Party } from '../subgraphs/kernel/caller.js';
import type { GatewayConfig } from './config.js';
import { loadOrCreateSigningKey, writeJwks, type SigningKey } from '../subgraphs/kernel/keys.js';

/**
 * The scopes each party's tokens carry: which columns of the permitted-share matrix it may ask
 * for at all. Which rows and objects it then sees is decided by row filters and @policy.
 */
export const STANDARD_SCOPES: Record<Party, string[]> = {
  tech_bureau: [
    'rows:all',
    'contact:read',
    'financials:read',
    'assessment:read',
    'patent_valuation:read',
    'need:read',
    'enterprise:write',
    'library:write',
    'notice:write',
    'stats:aggregate',
  ],
  finance_office: [
    'rows:all',
    'contact:read',
    'financials:read',
    'assessment:read',
    'patent_valuation:read',
    'need:read',
    'need:write',
    'product:write',
    'listing:write',
    'cultivation:read',
    'solution:read',
    'credit:read',
    'consent:read',
    'disclosure:read',
    'guarantee:read',
    'guarantee:write',
    'notice:write',
    'notice:read',
    'quota:read',
    'event:write',
    'stats:read',
    'evaluation:write',
  ],
  pboc: [
    'rows:all',
    'credit:read',
    'disclosure:read',
    'guarantee:read',
    'quota:write',
    'notice:read',
    'stats:read',
  ],
  bank: [
    'contact:read',
    'financials:read',
    'patent_valuation:read',
    'need:read',
    'need:claim',
    'product:own',
    'cultivation:own',
    'cultivation:write',
    'solution:own',
    'credit:own',
    'consent:own',
    'disclosure:own',
    'stats:own',
    'guarantee:own',
    'compensation:claim',
    'quota:own',
    'event:register',
    'notice:own',
  ],
  enterprise: [
    'profile:write',
    'contact:read',
    'financials:read',
    'patent_valuation:read',
    'need:read',
    'need:submit',
    'solution:own',
    'cultivation:own',
    'credit:own',
    'consent:own',
    'consent:write',
    'disclosure:own',
    'guarantee:own',
    'event:register',
    'notice:own',
  ],
};

export function devIssuerKeyFile(config: Pick<GatewayConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'keys', 'dev-issuer.json');
}

/**
 * The embedded default's identity provider: a local key pair (made on first start, git-ignored)
 * whose public half is the JWKS file the gateway trusts.
 */
export async function ensureDevIssuer(
  config: Pick<GatewayConfig, 'dataDir' | 'auth'>,
): Promise<SigningKey> {
  const key = await loadOrCreateSigningKey(devIssuerKeyFile(config), 'dev');
  if (!config.auth.jwksUrl) writeJwks(config.auth.jwksFile, [key.publicJwk]);
  return key;
}

export interface DevTokenRequest {
  party: Party;
  org?: string | null;
  sub?: string;
  scopes?: string[];
  ttlSeconds?: number;
}

export async function mintDevToken(
  key: SigningKey,
  auth: Pick<GatewayConfig['auth'], 'issuer' | 'audience'>,
  request: DevTokenRequest,
): Promise<string> {
  const scopes = request.scopes ?? STANDARD_SCOPES[request.party];
  return new SignJWT({
    party: request.party,
    org: request.org ?? undefined,
    scope: scopes.join(' '),
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(auth.issuer)
    .setAudience(auth.audience)
    .setSubject(request.sub ?? `dev-${request.party}${request.org ? `-${request.org}` : ''}`)
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds ?? 12 * 3600}s`)
    .sign(key.privateKey);
}
