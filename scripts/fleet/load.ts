/**
 * A steady load on the fleet from a process of its own, so that stopping or killing a replica
 * never touches the client: writers submit financing needs (each with a purpose naming it
 * uniquely, `<tag>:<n>`), readers query as the finance office and as a bank. It runs until
 * SIGTERM/SIGINT or LOAD_SECONDS, prints a progress line (`progress <answered> <ok>`) to stderr
 * every quarter second, and at the end one JSON document of every request to stdout.
 *
 * Settings: LOAD_URL; LOAD_ENTERPRISE_TOKEN, LOAD_FINANCE_TOKEN, LOAD_BANK_TOKEN; LOAD_TAG;
 * LOAD_WRITERS and LOAD_READERS (2 each); LOAD_PAUSE_MS between one worker's requests (20);
 * LOAD_SECONDS at most (300).
 */

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SUBMIT = `mutation Submit($input: SubmitFinancingNeedInput!) {
  submitFinancingNeed(input: $input) { need { id purpose } }
}`;
const DOSSIER = `query Dossier {
  enterprises(first: 3) { nodes { id name financingNeeds { status } creditLines { id } } }
}`;
// ent-a consented to show abc its contact (fixture cons-1): each answer is a logged disclosure.
const CONSENTED = `query Consented { enterprise(id: "ent-a") { id contact { phone } financials { year } } }`;

export interface LoadRecord {
  kind: 'write' | 'finance' | 'bank';
  sentAt: number;
  answeredAt: number;
  status?: number;
  requestId?: string | null;
  /** Writes: the need's purpose, and its id when the answer carried it (acknowledged). */
  purpose?: string;
  needId?: string;
  /** The bank was shown ent-a's contact. */
  disclosed?: boolean;
  codes: string[];
  error?: string;
}

/** A record is a success: 200, no error, and for a write the need itself. */
export const succeeded = (r: LoadRecord) =>
  r.status === 200 && r.codes.length === 0 && !r.error && (r.kind !== 'write' || !!r.needId);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(url: string, token: string, query: string, variables?: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as {
    data?: any;
    errors?: { extensions?: { code?: unknown } }[];
  };
  return { status: response.status, body, requestId: response.headers.get('x-request-id') };
}

async function run(env: NodeJS.ProcessEnv): Promise<void> {
  const url = env.LOAD_URL!;
  const tag = env.LOAD_TAG ?? 'load';
  const pause = Number(env.LOAD_PAUSE_MS ?? 20);
  const records: LoadRecord[] = [];
  let running = true;
  let next = 0;
  const stop = () => {
    running = false;
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setTimeout(stop, Number(env.LOAD_SECONDS ?? 300) * 1000).unref();

  const worker = async (kind: LoadRecord['kind'], token: string) => {
    while (running) {
      const record: LoadRecord = { kind, sentAt: Date.now(), answeredAt: 0, codes: [] };
      records.push(record);
      try {
        if (kind === 'write') {
          const purpose = `${tag}:${(next += 1)}`;
          record.purpose = purpose;
          const input = {
            amount: '1000000.00',
            termMonths: 12,
            purpose,
            collateral: ['NONE'],
            visibility: 'OPEN_TO_ALL_BANKS',
          };
          const { status, body, requestId } = await post(url, token, SUBMIT, { input });
          Object.assign(record, { status, requestId });
          const need = body.data?.submitFinancingNeed?.need;
          if (status === 200 && !body.errors && need?.purpose === purpose) record.needId = need.id;
          record.codes = (body.errors ?? []).map((e) => String(e.extensions?.code));
        } else {
          const query = kind === 'bank' ? CONSENTED : DOSSIER;
          const { status, body, requestId } = await post(url, token, query);
          Object.assign(record, { status, requestId });
          record.codes = (body.errors ?? []).map((e) => String(e.extensions?.code));
          record.disclosed = kind === 'bank' && body.data?.enterprise?.contact != null;
        }
      } catch (error) {
        record.error = (error as Error).message;
      }
      record.answeredAt = Date.now();
      await sleep(pause);
    }
  };

  const progress = setInterval(() => {
    const answered = records.filter((r) => r.answeredAt > 0);
    process.stderr.write(`progress ${answered.length} ${answered.filter(succeeded).length}\n`);
  }, 250);
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Number(env.LOAD_WRITERS ?? 2); i += 1) {
    workers.push(worker('write', env.LOAD_ENTERPRISE_TOKEN!));
  }
  for (let i = 0; i < Number(env.LOAD_READERS ?? 2); i += 1) {
    workers.push(
      i % 2 === 0
        ? worker('finance', env.LOAD_FINANCE_TOKEN!)
        : worker('bank', env.LOAD_BANK_TOKEN!),
    );
  }
  await Promise.all(workers);
  clearInterval(progress);
  process.stdout.write(`${JSON.stringify(records)}\n`, () => process.exit(0));
}

export interface RunningLoad {
  /** Requests answered so far, and how many of them succeeded. */
  progress(): { answered: number; ok: number };
  /** Waits until `ok` requests have succeeded since the load started. */
  untilSucceeded(ok: number, deadlineMs?: number): Promise<void>;
  /** SIGTERM, then every request the load made. */
  stop(): Promise<LoadRecord[]>;
}

/** This file run as a process of its own (node with tsx's loader) with the given settings. */
export function spawnLoad(settings: Record<string, string>): RunningLoad {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let latest = { answered: 0, ok: 0 };
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      const match = /^progress (\d+) (\d+)$/.exec(line);
      if (match) latest = { answered: Number(match[1]), ok: Number(match[2]) };
      else if (line) errors = `${errors}${line}\n`.slice(-4_000);
    }
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const killAtExit = () => child.kill('SIGKILL');
  process.on('exit', killAtExit);
  return {
    progress: () => latest,
    async untilSucceeded(ok, deadlineMs = 180_000) {
      const deadline = Date.now() + deadlineMs;
      while (latest.ok < ok) {
        if (child.exitCode !== null) throw new Error(`load exited early:\n${errors}`);
        if (Date.now() > deadline)
          throw new Error(`load reached ${latest.ok} of ${ok}:\n${errors}`);
        await sleep(100);
      }
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      process.off('exit', killAtExit);
      try {
        return JSON.parse(output) as LoadRecord[];
      } catch {
        throw new Error(`load printed no report:\n${errors}`);
      }
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) await run(process.env);
