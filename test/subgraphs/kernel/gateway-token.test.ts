import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { KeyObject, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gatewayKeyResolver,
  signGatewayToken,
  verifyGatewayToken,
} from '../../../subgraphs/kernel/gateway-token.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../../subgraphs/kernel/keys.js';

const caller = {
  sub: 'dev-bank-icbc',
  party: 'bank' as const,
  org: 'icbc',
  scopes: new Set(['contact:read', 'credit:own']),
  requestId: 'req-1',
};

// The gateway signs its per-call tokens with node:crypto and subgraphs verify them with node:crypto
// against the keys jose resolves. jose's own verifier must agree on every token, good or bad.
describe('gateway tokens', () => {
  let dir: string;
  let key: SigningKey;
  let other: SigningKey;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-token-'));
    key = await loadOrCreateSigningKey(path.join(dir, 'a.json'), 'gateway');
    other = await loadOrCreateSigningKey(path.join(dir, 'b.json'), 'gateway');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const keys = () => gatewayKeyResolver({ jwks: { keys: [key.publicJwk] } });

  it('verifies with jose and carries the caller, for one audience and a short life', async () => {
    const token = await signGatewayToken(key, caller, 'tech', 60);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: key.kid, typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'kechuang-gateway', aud: 'tech', sub: caller.sub });
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(5);
    expect(await verifyGatewayToken(token, keys(), 'tech')).toEqual(caller);
  });

  it('names the acting subgraph of a delegated token', async () => {
    const token = await signGatewayToken(key, caller, 'finance', 60, 'banks');
    expect(await verifyGatewayToken(token, keys(), 'finance')).toEqual({
      ...caller,
      actor: 'banks',
    });
  });

  it('is refused by another subgraph, under another key, or once altered', async () => {
    const token = await signGatewayToken(key, caller, 'tech', 60);
    await expect(verifyGatewayToken(token, keys(), 'banks')).rejects.toThrow(/aud/);
    const foreign = await signGatewayToken({ ...other, kid: key.kid }, caller, 'tech', 60);
    await expect(verifyGatewayToken(foreign, keys(), 'tech')).rejects.toThrow(/signature/);
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...decodeJwt(token), party: 'finance_office' }),
    ).toString('base64url');
    await expect(
      verifyGatewayToken(`${header}.${forged}.${signature}`, keys(), 'tech'),
    ).rejects.toThrow(/signature/);
  });

  it('is refused once expired', async () => {
    const token = await signGatewayToken(key, caller, 'tech', -60);
    await expect(verifyGatewayToken(token, keys(), 'tech')).rejects.toThrow(/exp/);
  });

  /** A token signed by `key` with the header and claims given, as an attacker with the key could. */
  function craft(header: Record<string, unknown>, claims: Record<string, unknown>): string {
    const input = [header, claims]
      .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
      .join('.');
    const signature = sign('sha256', Buffer.from(input), {
      key: KeyObject.from(key.privateKey),
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${signature.toString('base64url')}`;
  }

  const now = () => Math.floor(Date.now() / 1000);
  const goodClaims = () => ({
    party: 'bank',
    org: 'icbc',
    scope: 'contact:read',
    rid: 'r',
    iss: 'kechuang-gateway',
    aud: 'tech',
    sub: 's',
    iat: now(),
    exp: now() + 60,
  });

  it.each([
    ['another algorithm', { alg: 'ES384' }, {}, /alg/],
    ['no algorithm', { alg: 'none' }, {}, /alg/],
    ['a critical header parameter', { crit: ['x-extra'], 'x-extra': 1 }, {}, /header/],
    ['an unencoded payload', { b64: false, crit: ['b64'] }, {}, /header/],
    ['another issuer', {}, { iss: 'someone-else' }, /iss/],
    ['no expiry', {}, { exp: undefined }, /exp/],
    ['a text expiry', {}, { exp: String(now() + 60) }, /exp/],
    ['a start in the future', {}, { nbf: now() + 120 }, /nbf/],
    ['an audience list without this subgraph', {}, { aud: ['banks', 'finance'] }, /aud/],
  ])(
    'refuses a validly signed token with %s, as jose does',
    async (_what, header, claims, error) => {
      const token = craft(
        { alg: 'ES256', kid: key.kid, typ: 'JWT', ...header },
        {
          ...goodClaims(),
          ...claims,
        },
      );
      await expect(verifyGatewayToken(token, keys(), 'tech')).rejects.toThrow(error);
      await expect(
        jwtVerify(token, keys(), {
          issuer: 'kechuang-gateway',
          audience: 'tech',
          algorithms: ['ES256'],
          requiredClaims: ['exp'],
        }),
      ).rejects.toThrow();
    },
  );

  it('accepts what jose accepts: an audience list naming this subgraph, a skew within 5 s', async () => {
    const token = craft(
      { alg: 'ES256', kid: key.kid, typ: 'JWT' },
      { ...goodClaims(), aud: ['banks', 'tech'], nbf: now() + 3, exp: now() - 2 },
    );
    await expect(
      jwtVerify(token, keys(), { audience: 'tech', algorithms: ['ES256'], clockTolerance: 5 }),
    ).resolves.toBeDefined();
    expect(await verifyGatewayToken(token, keys(), 'tech')).toMatchObject({ party: 'bank' });
  });

  it('refuses tokens that are not three parts of JSON', async () => {
    for (const token of [
      'a.b',
      'a.b.c.d',
      '!!.!!.!!',
      `${Buffer.from('[1]').toString('base64url')}.e30.AA`,
    ]) {
      await expect(verifyGatewayToken(token, keys(), 'tech')).rejects.toThrow(/token/);
    }
  });
});
