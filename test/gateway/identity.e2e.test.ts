import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, base64url } from 'jose';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';

const QUERY = '{ enterprise(id: "ent-a") { name } }';

describe('tokens at the gateway', () => {
  let graph: TestGraph;
  let other: Awaited<ReturnType<typeof generateKeyPair>>;

  const sign = (
    claims: Record<string, unknown>,
    options: { kid?: string; key?: CryptoKey } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      party: 'finance_office',
      scope: 'rows:all',
      iss: graph.config.auth.issuer,
      aud: graph.config.auth.audience,
      sub: 'attacker',
      iat: now,
      exp: now + 300,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? graph.graph.devIssuer.kid })
      .sign(options.key ?? graph.graph.devIssuer.privateKey);
  };

  const expect401 = async (token: string | null, reason: RegExp, header?: string) => {
    const response = await fetch(graph.graph.gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(header ? { authorization: header } : token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: QUERY }),
    });
    const body = (await response.json()) as any;
    expect(response.status).toBe(401);
    expect(body.errors[0].extensions.code).toBe('AUTH_ERROR');
    expect(body.errors[0].message).toMatch(reason);
    if (token) expect(JSON.stringify(body)).not.toContain(token);
  };

  beforeAll(async () => {
    graph = await startTestGraph('pglite', { prepare: loadFixture });
    other = await generateKeyPair('ES256');
  });
  afterAll(async () => {
    await graph?.stop();
  });

  it('accepts a valid dev token', async () => {
    const { status, body } = await graph.query(QUERY, {}, await graph.token('pboc'));
    expect(status).toBe(200);
    expect(body.data.enterprise.name).toBe('咸宁甲科技有限公司');
  });

  it('refuses a request without a token with 401 AUTH_ERROR', () =>
    expect401(null, /authentication required/));

  it('refuses a header that is not a bearer token', () =>
    expect401(null, /Bearer/, 'Basic Zm9vOmJhcg=='));

  it('refuses alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(
      JSON.stringify({
        party: 'finance_office',
        sub: 'x',
        iss: graph.config.auth.issuer,
        aud: graph.config.auth.audience,
        exp: Math.floor(Date.now() / 1000) + 300,
      }),
    );
    await expect401(`${header}.${payload}.`, /algorithm not allowed|malformed/);
  });

  it('refuses an HMAC token signed with the public key as secret', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(graph.graph.devIssuer.publicJwk));
    const token = await new SignJWT({ party: 'finance_office' })
      .setProtectedHeader({ alg: 'HS256', kid: graph.graph.devIssuer.kid })
      .setIssuer(graph.config.auth.issuer)
      .setAudience(graph.config.auth.audience)
      .setSubject('x')
      .setExpirationTime('5m')
      .sign(secret);
    await expect401(token, /algorithm not allowed/);
  });

  it('refuses a token signed by an unknown key', async () => {
    await expect401(await sign({}, { kid: 'not-ours', key: other.privateKey }), /unknown key/);
  });

  it('refuses a token whose signature does not match its kid', async () => {
    await expect401(await sign({}, { key: other.privateKey }), /signature invalid/);
  });

  it('refuses an expired token beyond the 60 s skew, and accepts one within it', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401(await sign({ exp: now - 120 }), /expired/);
    const fresh = await sign({ exp: now - 30 });
    const { status } = await graph.query(QUERY, {}, fresh);
    expect(status).toBe(200);
  });

  it('refuses a token that is not yet valid', async () => {
    await expect401(await sign({ nbf: Math.floor(Date.now() / 1000) + 600 }), /not yet valid/);
  });

  it('refuses a wrong issuer or audience', async () => {
    await expect401(await sign({ iss: 'https://elsewhere' }), /issuer/);
    await expect401(await sign({ aud: 'another-api' }), /audience/);
  });

  it('refuses a bank token without its org and an unknown party', async () => {
    await expect401(await sign({ party: 'bank' }), /org/);
    await expect401(await sign({ party: 'admin' }), /party/);
  });

  it('picks up a rotated key in the JWKS file without a restart', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'rotated-1', alg: 'ES256', use: 'sig' };
    const file = graph.config.auth.jwksFile;
    const jwks = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ keys: [...jwks.keys, jwk] }));
    const { status } = await graph.query(
      QUERY,
      {},
      await sign({}, { kid: 'rotated-1', key: privateKey }),
    );
    expect(status).toBe(200);
  });

  it('serves the Sandbox page and health without a token', async () => {
    const page = await fetch(new URL('/sandbox', graph.graph.gateway.url), {
      headers: { accept: 'text/html' },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('embeddable-sandbox');
    const health = await fetch(new URL('/health', graph.graph.gateway.url));
    expect(health.status).toBe(200);
  });

  describe('subgraphs', () => {
    const call = (url: string, headers: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ banks { id } }' }),
      });

    it('refuse a direct call without the gateway’s token', async () => {
      const response = await call(graph.graph.subgraphs.banks.url, {});
      expect(response.status).toBe(401);
    });

    it('refuse a plain header claiming to be a bank', async () => {
      const response = await call(graph.graph.subgraphs.banks.url, {
        'x-party': 'bank',
        'x-org': 'icbc',
      });
      expect(response.status).toBe(401);
    });

    it('refuse a caller’s own token: only the gateway’s key is trusted', async () => {
      const token = await graph.token('finance_office');
      const response = await call(graph.graph.subgraphs.banks.url, {
        authorization: `Bearer ${token}`,
      });
      expect(response.status).toBe(401);
    });

    it('refuse a gateway token minted for another subgraph', async () => {
      const { signGatewayToken } = await import('../../subgraphs/kernel/gateway-token.js');
      const { loadOrCreateSigningKey } = await import('../../subgraphs/kernel/keys.js');
      const { gatewaySigningKeyFile } = await import('../../gateway/local-graph.js');
      const key = await loadOrCreateSigningKey(gatewaySigningKeyFile(graph.config), 'gateway');
      const caller = {
        sub: 's',
        party: 'finance_office' as const,
        org: null,
        scopes: new Set<string>(),
        requestId: 'r',
      };
      const forTech = await signGatewayToken(key, caller, 'tech', 60);
      expect(
        (await call(graph.graph.subgraphs.banks.url, { authorization: `Bearer ${forTech}` }))
          .status,
      ).toBe(401);
      const forBanks = await signGatewayToken(key, caller, 'banks', 60);
      expect(
        (await call(graph.graph.subgraphs.banks.url, { authorization: `Bearer ${forBanks}` }))
          .status,
      ).toBe(200);
    });
  });
});

describe('optional tokens (AUTH_REQUIRED=false)', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startTestGraph('pglite', {
      prepare: loadFixture,
      env: { AUTH_REQUIRED: 'false' },
    });
  });
  afterAll(async () => {
    await graph?.stop();
  });

  it('serves an anonymous caller only what carries no directive', async () => {
    const { status, body } = await graph.query('{ enterprise(id: "ent-a") { name } banks { id } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ enterprise: null, banks: null });
    expect(
      body.errors!.map((e) => [e.path!.join('.'), e.extensions!.code, e.extensions!.rule]),
    ).toEqual([
      ['enterprise', 'UNAUTHORIZED_FIELD_OR_TYPE', 'authenticated'],
      ['banks', 'UNAUTHORIZED_FIELD_OR_TYPE', 'authenticated'],
    ]);
  });

  it('still refuses a bad token', async () => {
    const { status } = await graph.query('{ banks { id } }', {}, 'not-a-token');
    expect(status).toBe(401);
  });
});

describe('authorization modes', () => {
  for (const [mode, check] of [
    [
      'reject',
      (body: any) => {
        expect(body.data ?? null).toBeNull();
        expect(body.errors[0].extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
      },
    ],
    [
      'dry-run',
      (body: any) => {
        expect(body.data.enterprise.assessment).not.toBeNull();
        expect(body.errors ?? []).toEqual([]);
        expect(body.extensions.authorization.wouldWithhold[0].path).toEqual([
          'enterprise',
          'assessment',
        ]);
      },
    ],
  ] as const) {
    it(`${mode} mode ${mode === 'reject' ? 'denies the whole operation' : 'reports and filters nothing'}`, async () => {
      const graph = await startTestGraph('pglite', {
        prepare: loadFixture,
        env: { AUTHZ_MODE: mode },
      });
      try {
        const { body } = await graph.query(
          '{ enterprise(id: "ent-a") { name assessment { techSmeScore } } }',
          {},
          await graph.token('pboc'),
        );
        check(body);
      } finally {
        await graph.stop();
      }
    });
  }
});
