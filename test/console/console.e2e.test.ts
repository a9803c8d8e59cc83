import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../gateway/pages.js';
import {
  chromiumAvailable,
  closedContext,
  launchChromium,
  type ClosedContext,
} from '../helpers/browser.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';

const GRAPH_START_TIMEOUT = 300_000;

/** Where each party's main page is photographed (git-ignored; linked from the README). */
export const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

/**
 * The explorer and the console in Debian's Chromium, against the embedded graph over the small
 * fixture city (test/helpers/fixture.ts), with every request that would leave the gateway's
 * origin aborted and counted: the pages must load and work with none.
 */
describe.skipIf(!chromiumAvailable())('the explorer and the console in a browser', () => {
  let graph: TestGraph;
  let browser: Browser;
  let origin: string;
  let session: ClosedContext | undefined;

  beforeAll(async () => {
    [graph, browser] = await Promise.all([
      startTestGraph('pglite', { prepare: loadFixture, inProcess: true }),
      launchChromium(),
    ]);
    origin = new URL(graph.graph.gateway.url).origin;
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  }, GRAPH_START_TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await graph?.stop();
  });
  afterEach(async () => {
    // Nothing any page asked for left the origin, and no script of it failed.
    const { outside = [], pageErrors = [] } = session ?? {};
    await session?.context.close();
    session = undefined;
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  const open = async () => {
    session = await closedContext(browser, origin);
    return session.page;
  };

  /** The console's development sign-in, as a person uses it: party, organisation, button. */
  async function signIn(page: Page, party: string, org?: string): Promise<void> {
    await page.goto(`${origin}/console/`);
    const form = page.locator('#dev-sign-in');
    await form.locator('select[name=party]').selectOption(party);
    if (org) {
      await form.locator(`select[name=org] option[value="${org}"]`).waitFor({ state: 'attached' });
      await form.locator('select[name=org]').selectOption(org);
    }
    await form.locator('button[type=submit]').click();
    await page.locator('main.party[data-ready=true]').waitFor();
  }

  const screenshot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  it('serves / and /console with a content security policy of this origin alone', async () => {
    for (const pathname of ['/', '/console/', '/console/bank/prospects']) {
      const response = await fetch(new URL(pathname, origin), { headers: { accept: 'text/html' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    }
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*/);
  });

  it('loads the explorer offline, with schema docs and a preset token that queries', async () => {
    const page = await open();
    const response = await page.goto(`${origin}/`);
    expect(response!.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    // The docs are read from the schema, fetched with the preset token.
    await page
      .locator('.graphiql-doc-explorer')
      .getByText('Query', { exact: true })
      .first()
      .waitFor();
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => page.locator('.graphiql-response').innerText()).toContain('icbc');
    expect(await page.locator('.graphiql-response').innerText()).not.toContain('AUTH_ERROR');
    await screenshot(page, 'explorer');
  });

  it('shows the finance office its charts, SLA board, relending and risk pool', async () => {
    const page = await open();
    await signIn(page, 'finance_office');
    for (const chart of ['balance', 'first-loans', 'early-spring', 'needs-status', 'overdue']) {
      await page.locator(`#chart-${chart}[data-chart=drawn] canvas`).waitFor();
    }
    // need-b1 is overdue at icbc, its main bank.
    await expect
      .poll(() => page.locator('#overdue-by-bank table').innerText())
      .toContain('工商银行咸宁分行');
    await expect.poll(() => page.locator('#sla-board tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#risk-pool-balance').innerText()).toMatch(/万元/);
    expect(await page.locator('.withheld').count()).toBe(0);
    await screenshot(page, 'finance-office');
  });

  it('shows the PBOC the same dashboard, with the needs it may not read withheld', async () => {
    const page = await open();
    await signIn(page, 'pboc');
    await page.locator('#chart-balance[data-chart=drawn] canvas').waitFor();
    const needs = page.locator('#needs-by-status .withheld');
    await needs.waitFor();
    expect(await needs.getAttribute('data-rule')).toBe('requiresScopes');
    expect(await needs.innerText()).toContain('withheld');
    await screenshot(page, 'pboc');
  });

  it('shows a bank without consent the contact withheld, and lets it claim the need', async () => {
    const page = await open();
    await signIn(page, 'bank', 'boc');
    const row = page.locator('#prospects tr', { hasText: '咸宁甲科技有限公司' });
    const contact = row.locator('.withheld');
    await contact.waitFor();
    expect(await contact.getAttribute('data-rule')).toBe('policy');
    expect(await contact.innerText()).toMatch(/withheld.*consent for CONTACT/s);
    await screenshot(page, 'bank');

    await row.locator('button.claim[data-need="need-a1"]').click();
    const assigned = page.locator('#assigned tr', { hasText: 'need-a1' });
    await assigned.waitFor();
    // As main bank (主办银行) it now owes a solution within a day, and sees the contact.
    expect(await assigned.innerText()).toContain('已分派 · Assigned');
    expect(await assigned.locator('.withheld').count()).toBe(0);
    expect(await assigned.innerText()).toContain('13800000000');
    expect(await page.locator('#prospects tr', { hasText: 'need-a1' }).count()).toBe(0);
  });

  it('lets an enterprise grant and revoke a consent, then shows the disclosure in its timeline', async () => {
    const page = await open();
    await signIn(page, 'enterprise', 'ent-b');
    const grant = page.locator('#grant-consent');
    await grant.locator('select[name=bank]').selectOption('abc');
    await grant.locator('input[value=CONTACT]').check();
    await grant.locator('button[type=submit]').click();
    const revoke = page.locator('#consents button.revoke[data-bank=abc]');
    await revoke.waitFor();

    // The bank reads the contact under that consent: the read is logged for ent-b.
    const read = await graph.query(
      'query BankReadsContact { enterprise(id: "ent-b") { contact { phone } } }',
      {},
      await graph.token('bank', 'abc'),
    );
    expect(read.body.data?.enterprise?.contact?.phone).toBe('13800000000');

    await revoke.click();
    await expect
      .poll(() => page.locator('#consents tr', { hasText: '农业银行咸宁分行' }).innerText())
      .toContain('已撤销 · Revoked');
    const seen = page.locator('#who-saw-my-data .timeline li[data-party=bank][data-org=abc]');
    await seen.first().waitFor();
    expect(await seen.first().innerText()).toContain('contact');
    await screenshot(page, 'enterprise');
  });

  it('shows the technology bureau its library with assessment results, and runs one', async () => {
    const page = await open();
    await signIn(page, 'tech_bureau');
    const assessed = page.locator('#library tr', { hasText: '咸宁甲科技有限公司' });
    await assessed.waitFor();
    expect((await assessed.innerText()).split('\t')).toEqual(
      expect.arrayContaining(['2025', '80', '是 · yes', 'A', 'HIGH']),
    );
    // ent-b has its 2025 financials but no assessment yet.
    const row = page.locator('#library tr', { hasText: '咸宁乙科技有限公司' });
    expect(await row.innerText()).toContain('未评价 · Not assessed');
    await row.locator('button.assess').click();
    await expect.poll(() => row.innerText()).toContain('2025');
    expect(await row.innerText()).not.toContain('未评价');
    await screenshot(page, 'tech-bureau');
  });
});
