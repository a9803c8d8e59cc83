import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
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

// The gateway signs its per-call tokens with node:crypto; subgraphs verify them with jose. Both
// must agree on every byte of the JWS.
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
});
