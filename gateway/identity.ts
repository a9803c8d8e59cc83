import fs from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { isParty, type Caller } from '../subgraphs/kernel/caller.js';
import type { GatewayConfig } from './config.js';
import type { Logger } from '../subgraphs/kernel/logger.js';
import type { OrgDirectory } from './org-directory.js';
import { scopesBeyond, standardCeiling, type ScopeCeiling } from './scope-ceiling.js';

/** A token that failed a check; the message names the check, never the token. */
export class AuthError extends Error {}

export interface IdentityOptions {
  /** The scopes each party may hold; defaults to the standard scopes. */
  ceiling?: ScopeCeiling;
  /**
   * Where a bank or enterprise token's org must be found. Without one, orgs are taken as
   * claimed (unit tests of the token checks alone); the gateway always passes one.
   */
  orgs?: OrgDirectory;
  /** Where scopes dropped at the ceiling are reported. */
  logger?: Pick<Logger, 'warn'>;
  /** Least time between two fetches of a remote JWKS, so unknown kids cannot hammer the IdP. */
  jwksCooldownMs?: number;
}

/**
 * Keys from a local JWKS file, re-read when a token names a kid the cached set lacks, so a
 * rotated file takes effect without a restart (as jose's remote set does for a URL).
 */
function fileKeyResolver(file: string): JWTVerifyGetKey {
  let cached: { mtimeMs: number; resolve: JWTVerifyGetKey } | undefined;
  const load = () => {
    const stat = fs.statSync(file);
    if (!cached || cached.mtimeMs !== stat.mtimeMs) {
      const jwks = JSON.parse(fs.readFileSync(file, 'utf8')) as JSONWebKeySet;
      cached = { mtimeMs: stat.mtimeMs, resolve: createLocalJWKSet(jwks) };
    }
    return cached.resolve;
  };
  return async (header, token) => {
    try {
      return await load()(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      cached = undefined;
      return load()(header, token);
    }
  };
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'token not yet valid';
    if (error.claim === 'iss') return 'token issuer not accepted';
    if (error.claim === 'aud') return 'token audience not accepted';
    return `token claim "${error.claim}" failed validation`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token signed with an unknown key (kid)';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JOSENotSupported) {
    return 'token could not be verified';
  }
  return 'token malformed';
}

/** Verified tokens remembered at most this long, so a key withdrawn from the JWKS soon bites. */
const REMEMBER_MS = 60_000;
const REMEMBER_MAX = 10_000;

type Verified = Omit<Caller, 'requestId'> & { until: number };

export class IdentityVerifier {
  private readonly keys: JWTVerifyGetKey;
  /**
   * Tokens already verified, by their text: a client sends the same token with every request,
   * and its signature check was the largest part of the gateway's own time per request. Kept
   * until the token expires or a minute passes, whichever is first; least recently used dropped.
   */
  private readonly verified = new Map<string, Verified>();

  private readonly ceiling: ScopeCeiling;

  constructor(
    private readonly auth: GatewayConfig['auth'],
    private readonly options: IdentityOptions = {},
  ) {
    this.ceiling = options.ceiling ?? standardCeiling();
    this.keys = auth.jwksUrl
      ? createRemoteJWKSet(new URL(auth.jwksUrl), {
          cacheMaxAge: 10 * 60_000,
          cooldownDuration: options.jwksCooldownMs ?? 30_000,
        })
      : fileKeyResolver(auth.jwksFile);
  }

  /** The caller behind an Authorization header; anonymous only when tokens are optional and none is sent. */
  async verify(authorization: string | undefined, requestId: string): Promise<Caller> {
    if (!authorization) {
      if (this.auth.required)
        throw new AuthError('authentication required: send Authorization: Bearer <token>');
      return { sub: 'anonymous', party: 'anonymous', org: null, scopes: new Set(), requestId };
    }
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw new AuthError('Authorization header must be "Bearer <token>"');
    const token = match[1];
    const known = this.verified.get(token);
    if (known) {
      this.verified.delete(token);
      if (known.until > Date.now()) {
        this.verified.set(token, known);
        const { until: _until, ...caller } = known;
        return { ...caller, requestId };
      }
    }
    // Every check, the ceiling and the org included, is done before the token is remembered.
    const caller = await this.verifyToken(token, requestId);
    const until = Math.min(caller.exp * 1000, Date.now() + REMEMBER_MS);
    this.verified.set(token, { ...caller.identity, until });
    if (this.verified.size > REMEMBER_MAX) {
      this.verified.delete(this.verified.keys().next().value!);
    }
    return { ...caller.identity, requestId };
  }

  private async verifyToken(
    token: string,
    requestId: string,
  ): Promise<{ identity: Omit<Caller, 'requestId'>; exp: number }> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.auth.issuer,
        audience: this.auth.audience,
        algorithms: this.auth.algorithms,
        clockTolerance: this.auth.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw new AuthError(describe(error));
    }
    const { party, org, scope } = payload;
    if (!isParty(party)) throw new AuthError('token names no known party');
    if ((party === 'bank' || party === 'enterprise') && (typeof org !== 'string' || !org)) {
      throw new AuthError(`a ${party} token must carry its org`);
    }
    const sub = String(payload.sub);
    const claimed = new Set(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);
    const beyond = scopesBeyond(this.ceiling, party, claimed);
    if (beyond.length > 0) {
      const orgPart = typeof org === 'string' && org ? ` ${org}` : '';
      if (this.auth.scopeCeilingMode === 'refuse') {
        throw new AuthError(
          `token carries scopes beyond what a ${party}${orgPart} may hold: ${beyond.join(' ')}`,
        );
      }
      for (const dropped of beyond) claimed.delete(dropped);
      this.options.logger?.warn(
        { requestId, sub, party, org: typeof org === 'string' ? org : null, dropped: beyond },
        'token scopes beyond the party ceiling dropped',
      );
    }
    if (party === 'bank' || party === 'enterprise') {
      await this.checkOrg(party, org as string, requestId);
    }
    return {
      identity: {
        sub,
        party,
        org: party === 'bank' || party === 'enterprise' ? (org as string) : null,
        scopes: claimed,
      },
      exp: payload.exp!,
    };
  }

  /** A bank or enterprise token must name one that exists; an unknown one gets nothing. */
  private async checkOrg(party: 'bank' | 'enterprise', org: string, requestId: string) {
    if (!this.options.orgs) return;
    // OrgDirectoryUnavailable propagates: neither accepted nor refused, the request is not served.
    if (await this.options.orgs.exists(party, org, requestId)) return;
    throw new AuthError(
      party === 'bank'
        ? `token org "${org}" names no participating bank`
        : `token org "${org}" names no enterprise of the library`,
    );
  }
}
