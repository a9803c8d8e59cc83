import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isParty, PARTIES, type Party } from '../subgraphs/kernel/caller.js';
import { HttpError, readJsonBody, sendJson } from '../subgraphs/kernel/http.js';

/**
 * Where `npm run build:console` writes the explorer and the console (git-ignored); the build is
 * made by `npm ci` (the `prepare` script), by `npm start` when it is missing or stale, and by the
 * tests' global setup.
 */
export const CONSOLE_DIST = fileURLToPath(new URL('./console/dist/', import.meta.url));

/**
 * Every page and asset of the explorer and the console comes from this origin and talks only to
 * it: no script, style, font, image or connection elsewhere, no inline script, no framing by
 * another site. Inline styles are allowed (the editor and the charts size their panes with them).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/** Apollo's hosted Sandbox loads from Apollo's servers: the one page without the policy above. */
export const SANDBOX_PATH = '/sandbox';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
};

export function isConsolePath(pathname: string): boolean {
  return pathname === '/console' || pathname.startsWith('/console/');
}

const escapeAttribute = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The built pages and assets, read from `dist`. */
export class ConsolePages {
  constructor(private readonly dist: string = CONSOLE_DIST) {}

  private html(name: 'explorer.html' | 'index.html'): string {
    const file = path.join(this.dist, name);
    if (!fs.existsSync(file)) {
      throw new HttpError(
        503,
        'CONSOLE_NOT_BUILT',
        `the explorer and console are not built (no ${path.relative(process.cwd(), file)}): run npm run build:console`,
      );
    }
    return fs.readFileSync(file, 'utf8');
  }

  /** The explorer, its headers panel preset with `authorization` when given. */
  sendExplorer(res: http.ServerResponse, authorization?: string): void {
    let page = this.html('explorer.html');
    if (authorization) {
      const meta = `<meta name="kx-preset-authorization" content="${escapeAttribute(authorization)}" />`;
      page = page.replace('</head>', `    ${meta}\n  </head>`);
    }
    sendPage(res, page);
  }

  /** The console's single page, for `/console` and every route under it. */
  sendConsole(res: http.ServerResponse): void {
    sendPage(res, this.html('index.html'));
  }

  /** A built asset (`/console/assets/<hashed name>`), cached for good; false if there is none. */
  sendAsset(pathname: string, res: http.ServerResponse): boolean {
    const assets = path.join(this.dist, 'assets');
    let name: string;
    try {
      name = decodeURIComponent(pathname.slice('/console/assets/'.length));
    } catch {
      return false; // malformed escapes name no file
    }
    const file = path.resolve(assets, name);
    if (
      !file.startsWith(assets + path.sep) ||
      !fs.existsSync(file) ||
      !fs.statSync(file).isFile()
    ) {
      return false;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': fs.statSync(file).size,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
    fs.createReadStream(file).pipe(res);
    return true;
  }
}

function sendPage(res: http.ServerResponse, page: string): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(page),
    // A page may carry a preset token: never kept by a cache.
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(page);
}

const ORG_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The console's development sign-in (`/console/dev-token`): GET says whether it is offered (and
 * for which parties), POST `{ party, org }` mints that party's token with its ceiling's scopes.
 * Offered only where the Sandbox page gets its preset token (development, the generated dev
 * issuer, a loopback address); elsewhere it answers 404 and a person pastes a real token. A POST
 * must be JSON and, when the browser names its origin, come from this origin, so no other site
 * can make a visitor's browser mint one.
 */
export async function answerDevToken(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  mint: ((party: Party, org: string | null) => Promise<string>) | undefined,
  maxBodyBytes: number,
): Promise<void> {
  if (!mint) {
    throw new HttpError(
      404,
      'NOT_FOUND',
      'development sign-in is offered only in development, with the generated dev issuer, on a loopback address; sign in with a token',
    );
  }
  if (req.method === 'GET') return sendJson(res, 200, { parties: PARTIES });
  if (req.method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'GET or POST');
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) {
    throw new HttpError(
      403,
      'FORBIDDEN',
      `a dev token is minted only for this origin, not ${origin}`,
    );
  }
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send { "party": …, "org": … } as JSON');
  }
  const body = (await readJsonBody(req, maxBodyBytes)) as
    { party?: unknown; org?: unknown } | undefined;
  const party = body?.party;
  const org = typeof body?.org === 'string' && body.org !== '' ? body.org : null;
  if (!isParty(party)) {
    throw new HttpError(400, 'BAD_USER_INPUT', `party must be one of ${PARTIES.join(', ')}`);
  }
  if ((party === 'bank' || party === 'enterprise') !== (org !== null)) {
    throw new HttpError(400, 'BAD_USER_INPUT', 'org names the bank or enterprise, and only those');
  }
  if (org !== null && !ORG_ID.test(org)) {
    throw new HttpError(400, 'BAD_USER_INPUT', 'org must be 1–64 letters, digits, "-" or "_"');
  }
  sendJson(res, 200, { token: await mint(party, org) }, { 'cache-control': 'no-store' });
}
