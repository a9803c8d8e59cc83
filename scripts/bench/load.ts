import fs from 'node:fs';
import http from 'node:http';
import { distribution } from './stats.js';

/**
 * The load generator, run as its own process so that its CPU is not the gateway's: N keep-alive
 * connections, each sending its next request as soon as the last answer is read, for a fixed
 * time or until the requests run out. A request counts as failed on a non-200 status or a body
 * with `errors`. `tsx scripts/bench/load.ts spec.json` prints a LoadResult as JSON.
 */
export interface LoadSpec {
  url: string;
  connections: number;
  durationMs: number;
  /** Sent in turn; with `once`, each at most once (claims of distinct needs). */
  bodies: string[];
  once?: boolean;
  headers: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  failed: number;
  firstFailure?: string;
  elapsedMs: number;
  /** Successful requests per second. */
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** CPU (user + system) the load generator itself used while sending, in ms. */
  cpuMs: number;
  /** Every latency, in ms, for pooling several runs into one distribution. */
  latencies: number[];
}

async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const latencies: number[] = [];
  let failed = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = started + spec.durationMs;

  const send = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            ...spec.headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const worker = async () => {
    while (performance.now() < deadline) {
      if (spec.once && next >= spec.bodies.length) return;
      const body = spec.bodies[next++ % spec.bodies.length];
      const t0 = performance.now();
      let problem: string | undefined;
      try {
        const { status, text } = await send(body);
        if (status !== 200) problem = `HTTP ${status}: ${text.slice(0, 300)}`;
        else if (text.includes('"errors"')) {
          const parsed = JSON.parse(text) as { errors?: unknown[] };
          if (parsed.errors?.length) problem = JSON.stringify(parsed.errors).slice(0, 300);
        }
      } catch (error) {
        problem = (error as Error).message;
      }
      latencies.push(performance.now() - t0);
      if (problem) {
        failed++;
        firstFailure ??= problem;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, worker));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  agent.destroy();
  return {
    requests: latencies.length,
    failed,
    firstFailure,
    elapsedMs,
    // Throughput counts answers that succeeded: a refusal (429, an error) is not served work.
    rps: ((latencies.length - failed) / elapsedMs) * 1000,
    ...distribution(latencies),
    cpuMs: (cpu.user + cpu.system) / 1000,
    latencies: latencies.map((ms) => Math.round(ms * 100) / 100),
  };
}

// An entry point only: scripts/bench/run.ts imports nothing from here but types.
const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as LoadSpec;
process.stdout.write(`${JSON.stringify(await runLoad(spec))}\n`);
