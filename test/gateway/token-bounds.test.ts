import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { PARTIES } from '../../subgraphs/kernel/caller.js';
import { loadGatewayConfig, type GatewayConfig } from '../../gateway/config.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../subgraphs/kernel/keys.js';
import { ensureDevIssuer, mintDevToken, STANDARD_SCOPES } from '../../gateway/dev-identity.js';
import { AuthError, IdentityVerifier } from '../../gateway/identity.js';
import {
  OrgDirectoryUnavailable,
  SubgraphOrgDirectory,
  type OrgDirectory,
} from '../../gateway/org-directory.js';
import {
  announceSandboxPreset,
  mutationScopes,
  readOnlyScopes,
  sandboxPreset,
} from '../../gateway/sandbox.js';
import { loadScopeCeiling } from '../../gateway/scope-ceiling.js';

let folder: string;
beforeAll(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-token-bounds-'));
});
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  const at = path.join(folder, name);
  fs.writeFileSync(at, text);
  return at;
};

describe('the scope ceiling file', () => {
  it('defaults to the standard scopes of each party', () => {
    const ceiling = loadScopeCeiling(undefined);
    for (const party of PARTIES) expect([...ceiling[party]]).toEqual(STANDARD_SCOPES[party]);
  });

  it('replaces the scopes of the parties it names and keeps the others standard', () => {
    const ceiling = loadScopeCeiling(
      file('narrow.json', JSON.stringify({ pboc: ['stats:read', 'credit:read'] })),
    );
    expect([...ceiling.pboc]).toEqual(['stats:read', 'credit:read']);
    expect([...ceiling.bank]).toEqual(STANDARD_SCOPES.bank);
  });

  it.each([
    ['not JSON', '{ bank: [', /cannot be read as JSON/],
    ['not an object', '["need:read"]', /must be a JSON object from party to a list of scopes/],
    ['an unknown party', '{ "admin": ["rows:all"] }', /"admin" is not a party/],
    ['scopes not in a list', '{ "bank": "need:read" }', /"bank" must list its scopes as an array/],
    ['a malformed scope', '{ "bank": ["need read"] }', /"need read", which is not a scope/],
    ['rows:all for a bank', '{ "bank": ["rows:all"] }', /"bank" may not hold rows:all/],
    ['rows:all for an enterprise', '{ "enterprise": ["rows:all"] }', /may not hold rows:all/],
  ])('refuses a file with %s, naming the file', (_what, text, reason) => {
    const at = file('bad.json', text);
    expect(() => loadScopeCeiling(at)).toThrow(reason);
    expect(() => loadScopeCeiling(at)).toThrow(`scope ceiling ${at} (SCOPE_CEILING_FILE)`);
  });

  it('refuses a file that does not exist', () => {
    expect(() => loadScopeCeiling(path.join(folder, 'missing.json'))).toThrow(/cannot be read/);
  });

  it('is read from SCOPE_CEILING_FILE, with SCOPE_CEILING drop by default', () => {
    expect(loadGatewayConfig({}).auth).toMatchObject({ scopeCeilingMode: 'drop' });
    expect(loadGatewayConfig({ SCOPE_CEILING: 'refuse' }).auth.scopeCeilingMode).toBe('refuse');
    expect(() => loadGatewayConfig({ SCOPE_CEILING: 'ignore' })).toThrow(
      'SCOPE_CEILING must be drop or refuse, got "ignore"',
    );
    expect(loadGatewayConfig({ SCOPE_CEILING_FILE: 'x/ceiling.json' }).auth.scopeCeilingFile).toBe(
      path.resolve('x/ceiling.json'),
    );
  });
});

describe('the verifier', () => {
  let config: GatewayConfig;
  let issuer: SigningKey;
  const warnings: Record<string, unknown>[] = [];
  const logger = { warn: (fields: unknown) => void warnings.push(fields as never) };

  /** A directory that knows icbc and ent-a, and can be made to fail. */
  const directory = () => {
    const asked: string[] = [];
    let down = false;
    const orgs: OrgDirectory = {
      async exists(party, org) {
        asked.push(`${party}:${org}`);
        if (down) throw new OrgDirectoryUnavailable('directory down');
        return ['bank:icbc', 'enterprise:ent-a'].includes(`${party}:${org}`);
      },
    };
    return { orgs, asked, setDown: (value: boolean) => void (down = value) };
  };

  beforeAll(async () => {
    config = loadGatewayConfig({ DATA_DIR: path.join(folder, 'verifier') });
    issuer = await ensureDevIssuer(config);
  });

  const token = (party: 'bank' | 'enterprise' | 'pboc', org: string | null, scopes: string[]) =>
    mintDevToken(issuer, config.auth, { party, org, scopes, sub: `app-${org ?? party}` });

  it('drops scopes beyond the party’s ceiling and reports them without the token', async () => {
    const verifier = new IdentityVerifier(config.auth, { logger, orgs: directory().orgs });
    const bank = await token('bank', 'icbc', ['need:read', 'rows:all', 'quota:write']);
    const caller = await verifier.verify(`Bearer ${bank}`, 'r1');
    expect([...caller.scopes]).toEqual(['need:read']);
    expect(warnings.at(-1)).toEqual({
      requestId: 'r1',
      sub: 'app-icbc',
      party: 'bank',
      org: 'icbc',
      dropped: ['rows:all', 'quota:write'],
    });
    expect(JSON.stringify(warnings)).not.toContain(bank);
    // Remembered as bounded: the scope does not come back on the next request.
    expect([...(await verifier.verify(`Bearer ${bank}`, 'r2')).scopes]).toEqual(['need:read']);
  });

  it('keeps an agency’s rows:all', async () => {
    const verifier = new IdentityVerifier(config.auth, { logger, orgs: directory().orgs });
    const caller = await verifier.verify(`Bearer ${await token('pboc', null, ['rows:all'])}`, 'r');
    expect([...caller.scopes]).toEqual(['rows:all']);
  });

  it('refuses such a token in refuse mode', async () => {
    const verifier = new IdentityVerifier(
      { ...config.auth, scopeCeilingMode: 'refuse' },
      { orgs: directory().orgs },
    );
    const bank = await token('bank', 'icbc', ['need:read', 'rows:all']);
    await expect(verifier.verify(`Bearer ${bank}`, 'r')).rejects.toThrow(
      new AuthError('token carries scopes beyond what a bank icbc may hold: rows:all'),
    );
  });

  it('bounds tokens by the ceiling it is given', async () => {
    const ceiling = loadScopeCeiling(file('pboc.json', JSON.stringify({ pboc: ['stats:read'] })));
    const verifier = new IdentityVerifier(config.auth, { ceiling, logger });
    const pboc = await token('pboc', null, ['rows:all', 'stats:read']);
    expect([...(await verifier.verify(`Bearer ${pboc}`, 'r')).scopes]).toEqual(['stats:read']);
  });

  it('refuses an unknown org every time, and asks again rather than remember a failed lookup', async () => {
    const { orgs, asked, setDown } = directory();
    const verifier = new IdentityVerifier(config.auth, { orgs });
    const stranger = `Bearer ${await token('bank', 'nobank', ['need:read'])}`;
    for (const id of ['r1', 'r2']) {
      await expect(verifier.verify(stranger, id)).rejects.toThrow(
        'token org "nobank" names no participating bank',
      );
    }
    await expect(
      verifier.verify(`Bearer ${await token('enterprise', 'ent-x', [])}`, 'r'),
    ).rejects.toThrow('token org "ent-x" names no enterprise of the library');

    const icbc = `Bearer ${await token('bank', 'icbc', ['need:read'])}`;
    setDown(true);
    await expect(verifier.verify(icbc, 'r3')).rejects.toThrow(OrgDirectoryUnavailable);
    setDown(false);
    expect((await verifier.verify(icbc, 'r4')).org).toBe('icbc');
    expect((await verifier.verify(icbc, 'r5')).org).toBe('icbc');
    // The failed lookup was not remembered; the good one is, with the token.
    expect(asked.filter((a) => a === 'bank:icbc')).toHaveLength(2);
  });
});

describe('the org directory', () => {
  let server: http.Server;
  let url: string;
  let key: SigningKey;
  let answers: { status: number; known: string[] };
  const asked: string[][] = [];

  beforeAll(async () => {
    key = await loadOrCreateSigningKey(path.join(folder, 'gateway.json'), 'gateway');
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        const { query, variables } = JSON.parse(text);
        const field = /_known\w+/.exec(query)![0];
        asked.push([field, ...variables.ids]);
        expect(req.headers.authorization).toMatch(/^Bearer /);
        expect(decodeJwt(req.headers.authorization!.slice(7)).party).toBe('gateway');
        res.writeHead(answers.status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            data: {
              [field]: variables.ids.filter((id: string) => answers.known.includes(id)),
            },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('asks each org once while it is remembered, and a missing one again soon', async () => {
    answers = { status: 200, known: ['icbc', 'ent-a'] };
    asked.length = 0;
    const orgs = new SubgraphOrgDirectory({ banks: url, tech: url }, key, 60, {
      knownMs: 60_000,
      unknownMs: 100,
      max: 100,
      timeoutMs: 1_000,
    });
    const found = await Promise.all([1, 2, 3].map(() => orgs.exists('bank', 'icbc', 'r')));
    expect(found).toEqual([true, true, true]);
    expect(await orgs.exists('enterprise', 'ent-a', 'r')).toBe(true);
    expect(await orgs.exists('bank', 'hubei', 'r')).toBe(false);
    expect(await orgs.exists('bank', 'hubei', 'r')).toBe(false);
    expect(asked).toEqual([
      ['_knownBanks', 'icbc'],
      ['_knownEnterprises', 'ent-a'],
      ['_knownBanks', 'hubei'],
    ]);

    // hubei joins; once the short memory of its absence passes, it is found.
    answers.known.push('hubei');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await orgs.exists('bank', 'hubei', 'r')).toBe(true);
    expect(await orgs.exists('bank', 'icbc', 'r')).toBe(true);
    expect(asked).toHaveLength(4);
  });

  it('fails closed when the subgraph does not answer', async () => {
    answers = { status: 503, known: [] };
    const orgs = new SubgraphOrgDirectory({ banks: url, tech: url }, key, 60);
    await expect(orgs.exists('bank', 'icbc', 'r')).rejects.toThrow(
      'the bank directory (banks subgraph) cannot be asked whether "icbc" exists; try again shortly',
    );
    const nowhere = new SubgraphOrgDirectory(
      { banks: 'http://127.0.0.1:1/graphql', tech: 'http://127.0.0.1:1/graphql' },
      key,
      60,
    );
    await expect(nowhere.exists('enterprise', 'ent-a', 'r')).rejects.toThrow(
      OrgDirectoryUnavailable,
    );
  });
});

describe('the Sandbox preset', () => {
  const decide = (env: Record<string, string>) => sandboxPreset(loadGatewayConfig(env), true);

  it('is offered on a loopback address with the dev issuer', () => {
    for (const HOST of ['127.0.0.1', '::1', 'localhost']) {
      expect(decide({ HOST })).toEqual({ offer: true });
    }
  });

  it('is withheld, with a warning, when the gateway listens beyond loopback', () => {
    const decision = decide({ HOST: '0.0.0.0' });
    expect(decision.offer).toBe(false);
    expect(decision).toHaveProperty(
      'warning',
      expect.stringMatching(/no preset token: the gateway listens on 0\.0\.0\.0, not on loopback/),
    );
  });

  it('is logged as a warning at start when withheld for the address, and only then', () => {
    const warned: unknown[][] = [];
    const logger = { warn: (...args: unknown[]) => void warned.push(args) };
    expect(announceSandboxPreset(loadGatewayConfig({ HOST: '0.0.0.0' }), true, logger)).toBe(false);
    expect(warned).toEqual([
      [{ host: '0.0.0.0' }, expect.stringMatching(/^the Sandbox page offers no preset token/)],
    ]);
    expect(announceSandboxPreset(loadGatewayConfig({ HOST: '127.0.0.1' }), true, logger)).toBe(
      true,
    );
    expect(
      announceSandboxPreset(loadGatewayConfig({ HOST: '0.0.0.0', SANDBOX: 'false' }), true, logger),
    ).toBe(false);
    expect(warned).toHaveLength(1);
  });

  it('is never offered with a real identity provider or without Sandbox', () => {
    expect(decide({ JWKS_URL: 'https://idp.example/jwks.json' })).toEqual({ offer: false });
    expect(decide({ SANDBOX: 'false' })).toEqual({ offer: false });
    expect(sandboxPreset(loadGatewayConfig({}), false)).toEqual({ offer: false });
  });

  it('keeps no scope that opens a mutation, for any party', () => {
    const supergraph = fs.readFileSync(loadGatewayConfig({}).supergraphPath, 'utf8');
    const mutating = mutationScopes(supergraph);
    // The supergraph's mutations are found: at least the finance office's own.
    for (const scope of ['need:write', 'event:write', 'credit:own', 'notice:own']) {
      expect(mutating).toContain(scope);
    }
    for (const party of PARTIES) {
      const preset = readOnlyScopes(STANDARD_SCOPES[party], mutating);
      expect(preset.filter((s) => mutating.has(s))).toEqual([]);
      expect(preset.filter((s) => /:(write|claim|submit|register)$/.test(s))).toEqual([]);
    }
    expect(readOnlyScopes(STANDARD_SCOPES.finance_office, mutating)).toEqual([
      'rows:all',
      'contact:read',
      'financials:read',
      'assessment:read',
      'patent_valuation:read',
      'need:read',
      'cultivation:read',
      'solution:read',
      'credit:read',
      'consent:read',
      'disclosure:read',
      'guarantee:read',
      'notice:read',
      'quota:read',
      'stats:read',
    ]);
  });
});

describe('npm run token', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)(path.resolve('node_modules/.bin/tsx'), ['scripts/token.ts', ...args], {
      cwd: path.resolve('.'),
      env: { ...process.env, DATA_DIR: path.join(folder, 'script'), ...env },
    });

  it('prints the token on stdout and its party, org, scopes and expiry on stderr', async () => {
    const { stdout, stderr } = await run(['--party', 'bank', '--org', 'icbc', '--ttl', '600']);
    const claims = decodeJwt(stdout.trim());
    expect(claims).toMatchObject({ party: 'bank', org: 'icbc' });
    expect(stderr).toContain('party:   bank');
    expect(stderr).toContain('org:     icbc');
    expect(stderr).toContain(`scopes:  ${STANDARD_SCOPES.bank.join(' ')}`);
    expect(stderr).toContain(`expires: ${new Date(claims.exp! * 1000).toISOString()} (in 600 s)`);
  });

  it('refuses scopes beyond the party’s ceiling', async () => {
    const refused = await run(['--party', 'bank', '--org', 'icbc', '--scope', 'need:read rows:all'])
      .then(() => null)
      .catch((error) => error);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^refused: a bank token may not carry rows:all/);
  });

  it('refuses to start on a malformed ceiling file', async () => {
    const at = file('script-ceiling.json', '{ "bank": ["rows:all"] }');
    const refused = await run(['--party', 'pboc'], { SCOPE_CEILING_FILE: at })
      .then(() => null)
      .catch((error) => error);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`scope ceiling ${at} (SCOPE_CEILING_FILE)`);
  });
});
