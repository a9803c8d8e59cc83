import {
  createLocalJWKSet,
  createRemoteJWKSet,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { Caller } from './caller.js';
import { isParty } from './caller.js';
import type { SigningKey } from './keys.js';
import { isSubgraphName, type SubgraphName } from './config.js';

/** The short-lived token the gateway signs for each subgraph request; subgraphs trust nothing else. */
export const GATEWAY_ISSUER = 'kechuang-gateway';

export async function signGatewayToken(
  key: SigningKey,
  caller: Caller,
  audience: string,
  ttlSeconds: number,
  actor?: SubgraphName,
): Promise<string> {
  return new SignJWT({
    party: caller.party,
    org: caller.org,
    scope: [...caller.scopes].join(' '),
    rid: caller.requestId,
    ...(actor ? { act: { sub: actor } } : {}),
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(GATEWAY_ISSUER)
    .setAudience(audience)
    .setSubject(caller.sub)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key.privateKey);
}

export type GatewayKeySource = { jwks: { keys: JWK[] } } | { jwksUrl: string };

export function gatewayKeyResolver(source: GatewayKeySource): JWTVerifyGetKey {
  return 'jwks' in source
    ? createLocalJWKSet(source.jwks)
    : createRemoteJWKSet(new URL(source.jwksUrl), { cooldownDuration: 5_000 });
}

/** Verifies a gateway token for `audience` (the subgraph's name) and returns the caller it carries. */
export async function verifyGatewayToken(
  token: string,
  keys: JWTVerifyGetKey,
  audience: string,
): Promise<Caller> {
  const { payload } = await jwtVerify(token, keys, {
    issuer: GATEWAY_ISSUER,
    audience,
    algorithms: ['ES256'],
    clockTolerance: 5,
  });
  const party = payload.party;
  const act = (payload.act as { sub?: unknown } | undefined)?.sub;
  const actor = typeof act === 'string' && isSubgraphName(act) ? act : undefined;
  if (act !== undefined && !actor) throw new Error('token names no known actor');
  if (party !== 'anonymous' && party !== 'gateway' && !isParty(party))
    throw new Error('token names no known party');
  return {
    sub: String(payload.sub ?? 'anonymous'),
    party,
    org: typeof payload.org === 'string' ? payload.org : null,
    scopes: new Set(
      typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
    ),
    requestId: typeof payload.rid === 'string' ? payload.rid : 'unknown',
    ...(actor ? { actor } : {}),
  };
}
