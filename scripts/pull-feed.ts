/**
 * Pulls a bank's prospect feed into an NDJSON file, resumably:
 *
 *   npm run pull-feed -- --token … --out feed.ndjson [--url http://127.0.0.1:4000/] [--page-size 100]
 *                        [--filter '{"districts":["CHIBI"]}']
 *
 * Without --url it calls the gateway of the current configuration (HOST and PORT, as `npm start`
 * reads them).
 *
 * Each page is appended (and fsynced) first, then its end cursor is saved to `<out>.cursor` by
 * writing a temporary file and renaming it over the old one, so the cursor never names records
 * the file lacks. A crash between the two leaves a page in the file that the cursor does not
 * cover: on resume that page is fetched again and the records already there (same need and
 * change) are not written twice. Run it again later to append only what changed since.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../subgraphs/kernel/config.js';
import type { ClientErrorCode } from '../subgraphs/kernel/errors.js';

export interface PullFeedOptions {
  token: string;
  out: string;
  /** The gateway; by default the one of the current configuration (HOST and PORT). */
  url?: string;
  pageSize?: number;
  filter?: Record<string, unknown>;
  /** Abort (Ctrl-C) stops after the page in hand is saved, or at once while waiting. */
  signal?: AbortSignal;
  /** Attempts per page before giving up on transient errors. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long to keep polling while the feed reports changes held back by a transaction. */
  catchUpTimeoutMs?: number;
  /** Progress lines; stderr by default, null for none. */
  progress?: NodeJS.WritableStream | null;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called after a page is appended and before its cursor is saved (tests simulate crashes). */
  afterAppend?: (page: number) => void | Promise<void>;
}

export interface PullFeedResult {
  pages: number;
  /** Records appended by this run. */
  written: number;
  removed: number;
  /** Records of a page already in the file from an interrupted run, not written again. */
  skipped: number;
  retries: number;
  cursor: string | null;
  caughtUp: boolean;
  interrupted: boolean;
}

/** A record as written: one change of one need, or a tombstone. */
export interface FeedRecord {
  needId: string;
  change: string;
  removed: boolean;
  reason: string | null;
  need: Record<string, unknown> | null;
  matchingProducts: Record<string, unknown>[] | null;
}

interface SavedCursor {
  after: string | null;
  /** Size of the output file when the cursor was saved: what lies beyond is not yet confirmed. */
  offset: number;
}

const QUERY = `query PullProspectFeed($first: Int, $after: String, $filter: ProspectFeedFilter) {
  prospectFeed(first: $first, after: $after, filter: $filter) {
    edges {
      node {
        needId change removed reason
        need {
          id enterpriseId amount termMonths purpose collateral visibility status
          mainBank { id } mainBankBasis submittedAt assignedAt solutionDueAt updatedAt
          enterprise { id uscc name district industry libraryStatus highTechCertificate }
        }
        matchingProducts { id name category collateral minAmount maxAmount rateFloor rateCap maxTermMonths }
      }
    }
    pageInfo { hasNextPage endCursor }
    caughtUp
  }
}`;

/** Errors that another attempt will not fix. */
const FATAL_CODES: ReadonlySet<string> = new Set<ClientErrorCode>([
  'BAD_USER_INPUT',
  'AUTH_ERROR',
  'UNAUTHORIZED_FIELD_OR_TYPE',
  'FORBIDDEN',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
]);

class FatalError extends Error {}
class TransientError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * The gateway `npm start` runs with this environment: PORT on HOST, a wildcard HOST (0.0.0.0, ::)
 * reached on the loopback address.
 */
export function defaultGatewayUrl(env: NodeJS.ProcessEnv = process.env): string {
  const { host, gatewayPort } = loadConfig(env);
  const reachable =
    host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host;
  const bracketed =
    reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable;
  return `http://${bracketed}:${gatewayPort}/`;
}

const DEFAULTS = {
  pageSize: 100,
  maxAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  catchUpTimeoutMs: 10_000,
};

function abortError(): Error {
  return new DOMException('pull interrupted', 'AbortError');
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(abortError());
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After is either delay-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function keyOf(record: Pick<FeedRecord, 'needId' | 'change'>): string {
  return `${record.needId}@${record.change}`;
}

function readCursor(file: string): SavedCursor | null {
  if (!fs.existsSync(file)) return null;
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as SavedCursor;
  if (typeof saved.offset !== 'number' || !('after' in saved)) {
    throw new FatalError(`${file} is not a cursor file written by pull-feed`);
  }
  return saved;
}

function saveCursor(file: string, saved: SavedCursor): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(saved));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * Records in the file beyond the saved cursor: a page appended by a run that stopped before it
 * could save its cursor. A torn last line (a crash mid-write) is cut off.
 */
function unconfirmedTail(out: string, offset: number): Set<string> {
  const keys = new Set<string>();
  if (!fs.existsSync(out)) return keys;
  const size = fs.statSync(out).size;
  if (size <= offset) return keys;
  const fd = fs.openSync(out, 'r+');
  try {
    const buffer = Buffer.alloc(size - offset);
    fs.readSync(fd, buffer, 0, buffer.length, offset);
    const lastNewline = buffer.lastIndexOf(0x0a);
    if (lastNewline !== buffer.length - 1) fs.ftruncateSync(fd, offset + lastNewline + 1);
    const text = buffer.subarray(0, lastNewline + 1).toString('utf8');
    for (const line of text.split('\n')) {
      if (line.trim()) keys.add(keyOf(JSON.parse(line) as FeedRecord));
    }
  } finally {
    fs.closeSync(fd);
  }
  return keys;
}

function appendRecords(out: string, records: FeedRecord[]): number {
  const fd = fs.openSync(out, 'a');
  try {
    if (records.length) {
      fs.writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      fs.fsyncSync(fd);
    }
    return fs.fstatSync(fd).size;
  } finally {
    fs.closeSync(fd);
  }
}

interface Page {
  records: FeedRecord[];
  hasNextPage: boolean;
  endCursor: string | null;
  caughtUp: boolean;
}

async function fetchPage(
  options: Required<Pick<PullFeedOptions, 'url' | 'token' | 'pageSize'>> & PullFeedOptions,
  after: string | null,
): Promise<Page> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${options.token}`,
      },
      body: JSON.stringify({
        query: QUERY,
        variables: { first: options.pageSize, after, filter: options.filter },
      }),
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw abortError();
    throw new TransientError(`network: ${(error as Error).message}`);
  }
  if (response.status === 429 || response.status >= 500) {
    await response.body?.cancel();
    throw new TransientError(
      `HTTP ${response.status}`,
      retryAfterMs(response.headers.get('retry-after')),
    );
  }
  let body: {
    data?: { prospectFeed: any } | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  try {
    body = (await response.json()) as typeof body;
  } catch (error) {
    if (options.signal?.aborted) throw abortError();
    throw new TransientError(`HTTP ${response.status}: unreadable body`);
  }
  if (body.errors?.length) {
    const first = body.errors[0];
    const message = `${first.message} (${first.extensions?.code ?? 'no code'})`;
    if (response.status === 401 || body.errors.some((e) => FATAL_CODES.has(e.extensions?.code!))) {
      throw new FatalError(message);
    }
    throw new TransientError(message);
  }
  const feed = body.data?.prospectFeed;
  if (!feed) throw new TransientError(`HTTP ${response.status}: no prospectFeed in the answer`);
  return {
    records: feed.edges.map((edge: { node: FeedRecord }) => edge.node),
    hasNextPage: feed.pageInfo.hasNextPage,
    endCursor: feed.pageInfo.endCursor,
    caughtUp: feed.caughtUp,
  };
}

/** Full jitter keeps many clients retrying after one outage from hitting the gateway together. */
function backoff(attempt: number, base: number, max: number): number {
  const ceiling = Math.min(max, base * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

type ResolvedOptions = typeof DEFAULTS & PullFeedOptions & { url: string };

/** Where progress lines go, and whether they rewrite one terminal line. */
interface Progress {
  stream: NodeJS.WritableStream | null;
  tty: boolean;
}

export async function pullFeed(input: PullFeedOptions): Promise<PullFeedResult> {
  const options: ResolvedOptions = { ...DEFAULTS, ...input, url: input.url ?? defaultGatewayUrl() };
  const sleep = options.sleep ?? defaultSleep;
  const stream = options.progress === undefined ? process.stderr : options.progress;
  const progress: Progress = { stream, tty: stream === process.stderr && process.stderr.isTTY };
  const cursorFile = `${options.out}.cursor`;
  fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });

  const saved = readCursor(cursorFile) ?? { after: null, offset: 0 };
  // Without a cursor file, everything already in the file is unconfirmed.
  const alreadyWritten = unconfirmedTail(options.out, saved.offset);
  let after = saved.after;
  const result: PullFeedResult = {
    pages: 0,
    written: 0,
    removed: 0,
    skipped: 0,
    retries: 0,
    cursor: after,
    caughtUp: false,
    interrupted: false,
  };
  const report = progressReporter(progress, result);
  let catchUpSince: number | null = null;
  if (progress.stream && alreadyWritten.size) {
    progress.stream.write(
      `pull-feed: resuming; ${alreadyWritten.size} records of an unsaved page found\n`,
    );
  }

  try {
    for (;;) {
      const page = await fetchWithRetries(options, after, result, progress, sleep);
      const fresh = page.records.filter((record) => !alreadyWritten.has(keyOf(record)));
      result.skipped += page.records.length - fresh.length;
      const offset = appendRecords(options.out, fresh);
      result.pages++;
      result.written += fresh.length;
      result.removed += fresh.filter((r) => r.removed).length;
      await options.afterAppend?.(result.pages);
      if (page.endCursor !== null) after = page.endCursor;
      saveCursor(cursorFile, { after, offset });
      alreadyWritten.clear();
      result.cursor = after;
      result.caughtUp = page.caughtUp;
      report();
      if (page.caughtUp) break;
      if (!page.hasNextPage) {
        // Changes wait behind a transaction still in flight: poll briefly, then leave them for
        // the next run rather than wait on someone else's transaction.
        catchUpSince ??= Date.now();
        if (Date.now() - catchUpSince > options.catchUpTimeoutMs) break;
        await sleep(Math.min(1_000, options.baseDelayMs), options.signal);
      } else {
        catchUpSince = null;
      }
      if (options.signal?.aborted) throw abortError();
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
    result.interrupted = true;
  }
  report(true);
  return result;
}

/** One page, retried with backoff (or as the gateway's Retry-After says) on transient errors. */
async function fetchWithRetries(
  options: ResolvedOptions,
  after: string | null,
  result: PullFeedResult,
  { stream, tty }: Progress,
  sleep: NonNullable<PullFeedOptions['sleep']>,
): Promise<Page> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchPage(options, after);
    } catch (error) {
      if (!(error instanceof TransientError) || attempt + 1 >= options.maxAttempts) throw error;
      const delay = error.retryAfterMs ?? backoff(attempt, options.baseDelayMs, options.maxDelayMs);
      result.retries++;
      stream?.write(
        `${tty ? '\n' : ''}pull-feed: ${error.message}; retrying in ${(delay / 1000).toFixed(1)} s\n`,
      );
      await sleep(delay, options.signal);
    }
  }
}

/**
 * The progress line: rewritten in place on a terminal, otherwise every tenth page and at the
 * end (unless the last page's line was just written).
 */
function progressReporter(
  { stream, tty }: Progress,
  result: PullFeedResult,
): (final?: boolean) => void {
  const started = Date.now();
  let reported = -1;
  return (final = false) => {
    if (!stream || (final && reported === result.pages && !tty)) return;
    const line =
      `pull-feed: ${result.pages} pages, ${result.written} records (${result.removed} removed)` +
      `${result.skipped ? `, ${result.skipped} already written` : ''}` +
      `${result.retries ? `, ${result.retries} retries` : ''}, ${((Date.now() - started) / 1000).toFixed(1)} s`;
    if (tty) stream.write(`\r${line}${final ? '\n' : ''}`);
    else if (final || result.pages % 10 === 1) {
      stream.write(`${line}\n`);
      reported = result.pages;
    }
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      token: { type: 'string' },
      out: { type: 'string' },
      url: { type: 'string' },
      'page-size': { type: 'string', default: String(DEFAULTS.pageSize) },
      filter: { type: 'string' },
    },
  });
  const token = values.token ?? process.env.KX_TOKEN;
  if (!token || !values.out) {
    console.error(
      'usage: npm run pull-feed -- --token <bank token> --out feed.ndjson [--url URL] [--page-size N] [--filter JSON]',
    );
    process.exit(2);
  }
  const pageSize = Number(values['page-size']);
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    console.error(`--page-size must be a positive integer, got "${values['page-size']}"`);
    process.exit(2);
  }
  let url: string;
  try {
    url = values.url ?? defaultGatewayUrl();
  } catch (error) {
    console.error(`pull-feed: ${(error as Error).message} (or give the gateway with --url)`);
    process.exit(2);
  }
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\npull-feed: stopping after this page (Ctrl-C again to quit now)\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  try {
    const result = await pullFeed({
      token,
      out: values.out,
      url,
      pageSize,
      filter: values.filter ? JSON.parse(values.filter) : undefined,
      signal: controller.signal,
    });
    if (result.interrupted) {
      console.error(`pull-feed: interrupted; run again to resume from ${values.out}.cursor`);
      process.exit(130);
    }
    if (!result.caughtUp) {
      console.error('pull-feed: some changes are held back by a transaction in flight; run again');
    }
  } catch (error) {
    console.error(`pull-feed: ${(error as Error).message}`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
