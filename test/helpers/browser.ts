import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../../scripts/chromium.js';

export { CHROMIUM, CHROMIUM_ARGS };

/**
 * Whether the browser tests can run. Without Chromium they are skipped with one line saying how
 * to install it; under CI (which installs it) its absence is a failure, never a skip.
 */
export function chromiumAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  const message = `no Chromium at ${CHROMIUM}: the browser tests need it (apt-get install -y chromium, or CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(message);
  console.warn(`skipping the browser tests: ${message}`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A browser context that lets no request leave `origin`: each is aborted and remembered. */
export interface ClosedContext {
  context: BrowserContext;
  page: Page;
  /** URLs the pages asked for outside the origin. */
  outside: string[];
  /** Uncaught errors of the pages' scripts. */
  pageErrors: string[];
}

export async function closedContext(browser: Browser, origin: string): Promise<ClosedContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const outside: string[] = [];
  const pageErrors: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    outside.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // A WebSocket is no HTTP route: listed too, should a page ever open one.
  page.on('websocket', (socket) => {
    if (new URL(socket.url()).host !== new URL(origin).host) outside.push(socket.url());
  });
  return { context, page, outside, pageErrors };
}
