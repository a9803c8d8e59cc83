import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { startLocalGraph, type LocalGraph } from '../gateway/local-graph.js';
import { buildConsole } from './console-build.js';
import { seedDatabases } from './seed/load.js';

// `npm run bench:console [-- --url http://127.0.0.1:4000/ | --scale 0.05] [--runs 5]`: how long
// each party's first console page takes to become interactive in Debian's Chromium, and how much
// JavaScript it loads. Against a running `npm start` (--url), or an embedded graph of its own,
// seeded at --scale in a temporary folder on free ports. Prints one table; asserts nothing.
const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    scale: { type: 'string', default: '0.05' },
    runs: { type: 'string', default: '5' },
    chromium: { type: 'string', default: CHROMIUM },
  },
});
const runs = Math.max(1, Number(values.runs));

/** The embedded graph, as `npm start` runs it, over a fresh seeded folder. */
async function ownGraph(scale: number): Promise<{ url: string; graph: LocalGraph; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-console-bench-'));
  const config = loadGatewayConfig({ ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent' });
  const graph = await startLocalGraph(config, {
    ephemeralPorts: true,
    inProcess: true,
    prepare: (databases) => seedDatabases(databases, scale),
  });
  return { url: graph.gateway.url, graph, dir };
}

async function devToken(base: string, party: string, org: string | null): Promise<string> {
  const response = await fetch(new URL('/console/dev-token', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ party, org }),
  });
  if (!response.ok)
    throw new Error(`dev sign-in refused (${response.status}): ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** A bank and an enterprise of the graph to sign in as: the first of each. */
async function firstOrgs(base: string): Promise<{ bank: string; enterprise: string }> {
  const token = await devToken(base, 'finance_office', null);
  const response = await fetch(new URL('/graphql', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ banks { id } enterprises(first: 1) { nodes { id } } }' }),
  });
  const { data } = (await response.json()) as {
    data: { banks: { id: string }[]; enterprises: { nodes: { id: string }[] } };
  };
  return { bank: data.banks[0].id, enterprise: data.enterprises.nodes[0].id };
}

interface Sample {
  readyMs: number;
  scriptBytes: number;
  scripts: string[];
}

/**
 * One load of `/console/` in a fresh context (empty cache), signed in as `token`: the page's own
 * mark when its first page is on screen with its data, and the JavaScript it fetched.
 */
async function load(browser: Browser, base: string, token: string): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript((t) => sessionStorage.setItem('kx-console-token', t), token);
  const scripts: string[] = [];
  let scriptBytes = 0;
  const page = await context.newPage();
  page.on('response', async (response) => {
    if (!response.url().endsWith('.js')) return;
    scripts.push(path.basename(new URL(response.url()).pathname));
    scriptBytes += (await response.body()).length;
  });
  await page.goto(new URL('/console/', base).href);
  await page.locator('main.party[data-ready=true]').waitFor({ timeout: 60_000 });
  const readyMs = await page.evaluate(
    () => performance.getEntriesByName('kx-console-ready')[0]?.startTime ?? NaN,
  );
  await context.close();
  return { readyMs, scriptBytes, scripts };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(browser: Browser, base: string): Promise<string[]> {
  const orgs = await firstOrgs(base);
  const parties: [string, string | null][] = [
    ['finance_office', null],
    ['pboc', null],
    ['bank', orgs.bank],
    ['enterprise', orgs.enterprise],
    ['tech_bureau', null],
  ];
  const lines = [
    '| party | first page interactive, median (min–max) | JavaScript loaded | chunks |',
    '| --- | --- | --- | --- |',
  ];
  for (const [party, org] of parties) {
    const token = await devToken(base, party, org);
    await load(browser, base, token); // the graph's own caches warm, as for a person's second visit
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) samples.push(await load(browser, base, token));
    const ready = samples.map((s) => s.readyMs);
    const chunks = samples[0].scripts.map((s) => s.replace(/-[\w-]{8}\.js$/, '')).join(', ');
    lines.push(
      `| ${party}${org ? ` ${org}` : ''} | ${median(ready).toFixed(0)} ms (${Math.min(...ready).toFixed(0)}–${Math.max(...ready).toFixed(0)}) | ${(samples[0].scriptBytes / 1024).toFixed(0)} KiB | ${chunks} |`,
    );
  }
  return lines;
}

await buildConsole({ ifStale: true });
const own = values.url ? undefined : await ownGraph(Number(values.scale));
const base = values.url ?? own!.url;
const browser = await chromium.launch({
  executablePath: values.chromium,
  headless: true,
  args: CHROMIUM_ARGS,
});
try {
  const lines = await measure(browser, base);
  console.log(
    `console first page, ${runs} cold loads per party (fresh browser context) against ${values.url ?? `the embedded graph at seed scale ${values.scale}`}, ${os.cpus().length} cores:\n`,
  );
  console.log(lines.join('\n'));
} finally {
  await browser.close();
  await own?.graph.stop();
  if (own) fs.rmSync(own.dir, { recursive: true, force: true });
}
