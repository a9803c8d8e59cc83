import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, sendHttpError } from '../../subgraphs/kernel/http.js';
import { answerDevToken, ConsolePages } from '../../gateway/pages.js';

/**
 * The page server alone: a built folder of its own, and the dev sign-in with a minter that
 * writes down what it was asked for.
 */
describe('the explorer and console pages', () => {
  let dist: string;
  let server: http.Server;
  let base: string;
  let offered = true;
  const minted: [string, string | null][] = [];

  beforeAll(async () => {
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-pages-'));
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.writeFileSync(path.join(dist, 'explorer.html'), '<html><head></head><body>x</body></html>');
    fs.writeFileSync(path.join(dist, 'assets', 'app-1.js'), 'export {};');
    fs.writeFileSync(path.join(dist, 'secret.txt'), 'not an asset');
    const pages = new ConsolePages(dist);
    server = http.createServer(async (req, res) => {
      try {
        const url = new URL(req.url!, 'http://x');
        if (url.pathname === '/console/dev-token') {
          const mint = async (party: string, org: string | null) => {
            minted.push([party, org]);
            return 'a.b.c';
          };
          return await answerDevToken(req, res, offered ? mint : undefined, 10_000);
        }
        if (url.pathname.startsWith('/console/assets/')) {
          if (!pages.sendAsset(url.pathname, res)) throw new HttpError(404, 'NOT_FOUND', 'no');
          return;
        }
        if (url.pathname === '/console/') return pages.sendConsole(res);
        pages.sendExplorer(res, url.searchParams.get('preset') ?? undefined);
      } catch (error) {
        sendHttpError(res, error as HttpError);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dist, { recursive: true, force: true });
  });

  const mint = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/console/dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('puts the preset token in a meta tag, escaped, and keeps the page out of caches', async () => {
    const response = await fetch(`${base}/?preset=${encodeURIComponent('Bearer a"<b')}`);
    const page = await response.text();
    expect(page).toContain('<meta name="kx-preset-authorization" content="Bearer a&quot;&lt;b" />');
    expect(page).not.toContain('<script>');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 503 naming the build command when the console is not built', async () => {
    const response = await fetch(`${base}/console/`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as any;
    expect(body.errors[0].extensions.code).toBe('CONSOLE_NOT_BUILT');
    expect(body.errors[0].message).toContain('npm run build:console');
  });

  it('serves built assets for good, and nothing outside the assets folder', async () => {
    const asset = await fetch(`${base}/console/assets/app-1.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // Sent as written: fetch would resolve the dot segments before they reach the server.
    const raw = (pathname: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) =>
        http
          .get(`${base}${pathname}`, async (res) => {
            let body = '';
            for await (const chunk of res) body += chunk;
            resolve({ status: res.statusCode!, body });
          })
          .on('error', reject),
      );
    for (const escape of ['..%2Fsecret.txt', '%2E%2E%2Fsecret.txt', 'missing.js', '%E0%A4%A']) {
      expect((await raw(`/console/assets/${escape}`)).status).toBe(404);
    }
    // A plain `..` is resolved by the URL parser: it names another page, never the file.
    expect((await raw('/console/assets/../../secret.txt')).body).not.toContain('not an asset');
  });

  it('mints a dev token for a party and its organisation, from this origin only', async () => {
    const offer = await fetch(`${base}/console/dev-token`);
    expect(((await offer.json()) as any).parties).toContain('enterprise');

    const ok = await mint({ party: 'bank', org: 'icbc' }, { origin: base });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ token: 'a.b.c' });
    expect(minted.at(-1)).toEqual(['bank', 'icbc']);

    const count = minted.length;
    expect(
      (await mint({ party: 'bank', org: 'icbc' }, { origin: 'http://evil.test' })).status,
    ).toBe(403);
    expect((await mint({ party: 'anonymous' })).status).toBe(400);
    expect((await mint({ party: 'bank' })).status).toBe(400);
    expect((await mint({ party: 'pboc', org: 'icbc' })).status).toBe(400);
    expect((await mint({ party: 'bank', org: 'a b' })).status).toBe(400);
    const form = await fetch(`${base}/console/dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'party=pboc',
    });
    expect(form.status).toBe(415);
    expect(minted.length).toBe(count);
  });

  it('offers no dev sign-in where the gateway mints no preset', async () => {
    offered = false;
    try {
      const offer = await fetch(`${base}/console/dev-token`);
      expect(offer.status).toBe(404);
      expect(((await offer.json()) as any).errors[0].message).toMatch(/only in development/);
      expect((await mint({ party: 'pboc' })).status).toBe(404);
    } finally {
      offered = true;
    }
  });
});
