import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { loadGatewayConfig } from '../../gateway/config.js';
import { AuthError, IdentityVerifier } from '../../gateway/identity.js';

describe('keys from a JWKS URL', () => {
  let served: JWK[] = [];
  let fetches = 0;
  let server: http.Server;
  let url: string;

  const keyPair = async (kid: string) => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    return {
      kid,
      privateKey,
      jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
    };
  };

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('caches the set, and fetches it again for an unknown kid so rotation needs no restart', async () => {
    const config = loadGatewayConfig({ JWKS_URL: url });
    const verifier = new IdentityVerifier(config.auth, { jwksCooldownMs: 1 });
    const sign = (key: Awaited<ReturnType<typeof keyPair>>) =>
      new SignJWT({ party: 'pboc', scope: 'rows:all' })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .setIssuer(config.auth.issuer)
        .setAudience(config.auth.audience)
        .setSubject('pboc-app')
        .setExpirationTime('5m')
        .sign(key.privateKey);

    const first = await keyPair('2026-a');
    served = [first.jwk];
    expect((await verifier.verify(`Bearer ${await sign(first)}`, 'r1')).party).toBe('pboc');
    expect((await verifier.verify(`Bearer ${await sign(first)}`, 'r2')).party).toBe('pboc');
    expect(fetches).toBe(1);

    const second = await keyPair('2026-b');
    served = [first.jwk, second.jwk];
    const rotated = await sign(second);
    // Past the (test-sized) cooldown since the last fetch.
    await new Promise((r) => setTimeout(r, 5));
    expect((await verifier.verify(`Bearer ${rotated}`, 'r3')).sub).toBe('pboc-app');
    expect(fetches).toBe(2);

    served = [second.jwk];
    const stranger = await keyPair('never-published');
    await expect(verifier.verify(`Bearer ${await sign(stranger)}`, 'r4')).rejects.toThrow(
      AuthError,
    );
  });

  it('bounds the scopes of a token from the identity provider by its party', async () => {
    const config = loadGatewayConfig({ JWKS_URL: url });
    const warnings: unknown[] = [];
    const verifier = new IdentityVerifier(config.auth, {
      jwksCooldownMs: 1,
      logger: { warn: (fields: unknown) => void warnings.push(fields) },
    });
    const key = await keyPair('idp-bank');
    served = [key.jwk];
    await new Promise((r) => setTimeout(r, 5));
    const token = await new SignJWT({ party: 'bank', org: 'icbc', scope: 'need:read rows:all' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuer(config.auth.issuer)
      .setAudience(config.auth.audience)
      .setSubject('icbc-app')
      .setExpirationTime('5m')
      .sign(key.privateKey);
    const caller = await verifier.verify(`Bearer ${token}`, 'r1');
    expect([...caller.scopes]).toEqual(['need:read']);
    expect(warnings).toEqual([
      { requestId: 'r1', sub: 'icbc-app', party: 'bank', org: 'icbc', dropped: ['rows:all'] },
    ]);

    const refusing = new IdentityVerifier(
      { ...config.auth, scopeCeilingMode: 'refuse' },
      { jwksCooldownMs: 1 },
    );
    await expect(refusing.verify(`Bearer ${token}`, 'r2')).rejects.toThrow(
      'token carries scopes beyond what a bank icbc may hold: rows:all',
    );
  });

  describe('verified tokens remembered', () => {
    afterAll(() => vi.useRealTimers());

    it('answers each request with its own id, and never past the token’s expiry', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-11-28T08:00:00Z'));
      const config = loadGatewayConfig({ JWKS_URL: url });
      const verifier = new IdentityVerifier(config.auth, { jwksCooldownMs: 1 });
      const key = await keyPair('remembered');
      served = [key.jwk];
      const token = await new SignJWT({ party: 'bank', org: 'icbc', scope: 'need:claim' })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .setIssuer(config.auth.issuer)
        .setAudience(config.auth.audience)
        .setSubject('icbc-app')
        .setIssuedAt()
        .setExpirationTime('90s')
        .sign(key.privateKey);
      const first = await verifier.verify(`Bearer ${token}`, 'r1');
      const fetched = fetches;
      const again = await verifier.verify(`Bearer ${token}`, 'r2');
      expect(first).toMatchObject({ party: 'bank', org: 'icbc', requestId: 'r1' });
      expect(again).toMatchObject({ party: 'bank', org: 'icbc', requestId: 'r2' });
      expect([...again.scopes]).toEqual(['need:claim']);

      // Remembered or not, a token is never accepted past its expiry (plus the allowed skew).
      vi.setSystemTime(new Date('2026-11-28T08:00:30Z'));
      expect((await verifier.verify(`Bearer ${token}`, 'r3')).requestId).toBe('r3');
      expect(fetches).toBe(fetched);
      vi.setSystemTime(new Date('2026-11-28T08:01:29Z'));
      expect((await verifier.verify(`Bearer ${token}`, 'r4')).requestId).toBe('r4');
      const skew = config.auth.clockToleranceSeconds;
      vi.setSystemTime(new Date(Date.parse('2026-11-28T08:01:30Z') + (skew + 1) * 1000));
      await expect(verifier.verify(`Bearer ${token}`, 'r5')).rejects.toThrow(AuthError);
    });
  });
});
