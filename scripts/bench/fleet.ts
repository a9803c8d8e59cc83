import {
  FLEET_DRAIN_DELAY_MS,
  haproxyConfig,
  haproxyInstalled,
  startHaproxy,
} from '../fleet/haproxy.js';
import type { RunningBalancer } from '../fleet/haproxy.js';
import type { LoadResult, LoadSpec } from './load.js';
import type { OperationId } from './operations.js';
import { freePort, startService, stopService, type Service } from './processes.js';
import { distribution, median } from './stats.js';

/** Where the load is sent: one replica directly, or HAProxy over one or over two replicas. */
export type FleetLayout = 'direct' | 'haproxy, 1 replica' | 'haproxy, 2 replicas';
const LAYOUTS: FleetLayout[] = ['direct', 'haproxy, 1 replica', 'haproxy, 2 replicas'];

export interface FleetRun {
  operation: OperationId;
  layout: FleetLayout;
  rps: number;
  roundsRps: number[];
  p50: number;
  p99: number;
  requests: number;
  failed: number;
  /** One request at a time: the balancer hop without queueing. */
  single?: { p50: number; p99: number };
}

export interface FleetKill {
  requests: number;
  lost: number;
  firstFailure?: string;
}

export interface FleetReport {
  runs: FleetRun[];
  kills: FleetKill[];
  /** How the replicas limited: through Redis, or alone when it was unreachable. */
  rateLimits: string;
  notes: string[];
}

export interface FleetOptions {
  /** The environment the benchmark's gateway runs with (subgraph URLs, JWKS, databases). */
  env: Record<string, string>;
  /** The operations to drive, each with its request bodies and its caller's headers. */
  operations: { id: OperationId; bodies: string[]; headers: Record<string, string> }[];
  connections: number;
  durationMs: number;
  rounds: number;
  singleMs: number;
  kills: number;
  logDir: string;
  runLoad(spec: LoadSpec): Promise<LoadResult>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitReady(url: string): Promise<{ rateLimits?: string }> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const response = await fetch(new URL('/ready', url), { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return (await response.json()) as { rateLimits?: string };
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} was not ready within 90 s`);
    await sleep(250);
  }
}

/** Two gateway replicas with shared limits in Redis, and HAProxy over one and over both. */
async function startFleet(options: FleetOptions) {
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const [portA, portB, lbOne, lbTwo] = ports;
  const env = {
    ...options.env,
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    GATEWAY_REPLICAS: '2',
    // Limits on, in Redis, so every request pays for its shared count; too high to refuse any.
    RATE_LIMIT_PER_SECOND: '1000000',
    RATE_LIMIT_BURST: '1000000',
    DRAIN_DELAY_MS: String(FLEET_DRAIN_DELAY_MS),
  };
  const replica = (name: string, port: number) =>
    startService(
      name,
      'scripts/gateway.ts',
      [],
      { ...env, PORT: String(port) },
      port,
      options.logDir,
    );
  const replicas = [await replica('fleet-a', portA), await replica('fleet-b', portB)];
  const at = (port: number) => `127.0.0.1:${port}`;
  const balancers = [
    await startHaproxy(haproxyConfig({ gateway: { listen: at(lbOne), servers: [at(portA)] } })),
    await startHaproxy(
      haproxyConfig({ gateway: { listen: at(lbTwo), servers: [at(portA), at(portB)] } }),
    ),
  ];
  const urls: Record<FleetLayout, string> = {
    direct: replicas[0].url,
    'haproxy, 1 replica': `http://${at(lbOne)}/`,
    'haproxy, 2 replicas': `http://${at(lbTwo)}/`,
  };
  const ready = await waitReady(replicas[1].url);
  for (const url of Object.values(urls)) await waitReady(url);
  return {
    replicas,
    balancers,
    urls,
    replica,
    ports: [portA, portB],
    rateLimits: ready.rateLimits,
  };
}

/** Each operation in each layout, rounds taking turns in alternating order, then one at a time. */
async function measureLayouts(
  options: FleetOptions,
  urls: Record<FleetLayout, string>,
): Promise<FleetRun[]> {
  const runs: FleetRun[] = [];
  for (const operation of options.operations) {
    const spec = (url: string, connections: number, durationMs: number): LoadSpec => ({
      url,
      connections,
      durationMs,
      bodies: operation.bodies,
      headers: operation.headers,
    });
    const rounds = new Map<FleetLayout, LoadResult[]>(LAYOUTS.map((l) => [l, []]));
    for (const layout of LAYOUTS)
      await options.runLoad(spec(urls[layout], options.connections, 2_000));
    for (let round = 0; round < options.rounds; round += 1) {
      for (const layout of round % 2 === 0 ? LAYOUTS : [...LAYOUTS].reverse()) {
        console.error(`fleet ${operation.id} ${layout}, round ${round + 1} of ${options.rounds}…`);
        const result = await options.runLoad(
          spec(urls[layout], options.connections, options.durationMs),
        );
        rounds.get(layout)!.push(result);
      }
    }
    for (const layout of LAYOUTS) {
      const results = rounds.get(layout)!;
      const pooled = distribution(results.flatMap((r) => r.latencies));
      const run: FleetRun = {
        operation: operation.id,
        layout,
        rps: median(results.map((r) => r.rps)),
        roundsRps: results.map((r) => r.rps),
        p50: pooled.p50,
        p99: pooled.p99,
        requests: results.reduce((sum, r) => sum + r.requests, 0),
        failed: results.reduce((sum, r) => sum + r.failed, 0),
      };
      if (options.singleMs > 0) {
        const one = await options.runLoad(spec(urls[layout], 1, options.singleMs));
        run.single = { p50: one.p50, p99: one.p99 };
      }
      runs.push(run);
    }
  }
  return runs;
}

/**
 * The fleet run: O1 and O2 sent to one replica directly and through HAProxy over one and over
 * two replicas (the balancer hop's cost, and what a second replica adds on this machine); then
 * under load through HAProxy over two, one replica killed with SIGKILL at a time, counting the
 * requests lost to each kill.
 */
export async function measureFleet(options: FleetOptions): Promise<FleetReport> {
  if (!haproxyInstalled()) {
    return {
      runs: [],
      kills: [],
      rateLimits: '—',
      notes: ['fleet run skipped: haproxy is not installed (apt-get install -y haproxy)'],
    };
  }
  const fleet = await startFleet(options);
  const balancers: RunningBalancer[] = fleet.balancers;
  try {
    const runs = await measureLayouts(options, fleet.urls);
    const kills: FleetKill[] = [];
    const [first] = options.operations;
    for (let k = 0; k < options.kills; k += 1) {
      const victim = k % 2;
      console.error(
        `fleet: replica ${victim + 1} killed under load (${k + 1} of ${options.kills})…`,
      );
      const load = options.runLoad({
        url: fleet.urls['haproxy, 2 replicas'],
        connections: options.connections,
        durationMs: 6_000,
        bodies: first.bodies,
        headers: first.headers,
      });
      await sleep(2_000);
      fleet.replicas[victim].child.kill('SIGKILL');
      const result = await load;
      kills.push({
        requests: result.requests,
        lost: result.failed,
        firstFailure: result.firstFailure,
      });
      fleet.replicas[victim] = await fleet.replica(
        `fleet-${victim === 0 ? 'a' : 'b'}`,
        fleet.ports[victim],
      );
      await waitReady(fleet.replicas[victim].url);
      // HAProxy takes the restarted replica back after `rise` good checks.
      await sleep(2_000);
    }
    return { runs, kills, rateLimits: fleet.rateLimits ?? 'in-process', notes: [] };
  } finally {
    await Promise.all(balancers.map((b) => b.stop()));
    await Promise.all(fleet.replicas.map(stopService));
  }
}

const f1 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(1));

/** The fleet run as a section of results.md. */
export function fleetSection(report: FleetReport): string[] {
  const lines = ['', '## Fleet: HAProxy over gateway replicas', ''];
  if (report.runs.length === 0) return [...lines, ...report.notes.map((n) => `- ${n}`)];
  lines.push(
    `Two replicas of ours (\`scripts/gateway.ts\`) in front of the same four subgraph processes, ` +
      `rate limits shared in Redis (the replicas reported \`${report.rateLimits}\`), HAProxy with ` +
      'the configuration of `scripts/fleet/` (health checks on `/ready` every 500 ms). On two ' +
      'cores a second replica competes with the first, the subgraphs and PostgreSQL for the same ' +
      'CPU: it shows failover, not more throughput.',
    '',
    '| op | layout | req/s | req/s per round | p50 ms | p99 ms | one at a time: p50 / p99 ms | requests | failed |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of report.runs) {
    const single = r.single ? `${f1(r.single.p50)} / ${f1(r.single.p99)}` : '—';
    lines.push(
      `| ${r.operation} | ${r.layout} | ${r.rps.toFixed(0)} | ${r.roundsRps.map((x) => x.toFixed(0)).join(', ')} | ` +
        `${f1(r.p50)} | ${f1(r.p99)} | ${single} | ${r.requests} | ${r.failed} |`,
    );
  }
  const hop = [...new Set(report.runs.map((r) => r.operation))].map((op) => {
    const direct = report.runs.find((r) => r.operation === op && r.layout === 'direct');
    const one = report.runs.find((r) => r.operation === op && r.layout === 'haproxy, 1 replica');
    const d = direct?.single?.p50;
    const h = one?.single?.p50;
    return `- ${op}: the balancer hop costs ${d !== undefined && h !== undefined ? f1(h - d) : '—'} ms at p50 one request at a time (${f1(d)} → ${f1(h)} ms)`;
  });
  lines.push('', ...hop, '');
  lines.push(
    'Requests lost per replica killed with SIGKILL under load (O1 through HAProxy over two, ' +
      'the kill 2 s into a 6 s run; the replica restarted between kills):',
    '',
    '| kill | requests | lost | first failure |',
    '|---:|---:|---:|---|',
    ...report.kills.map(
      (k, i) =>
        `| ${i + 1} | ${k.requests} | ${k.lost} | ${(k.firstFailure ?? '—').replace(/\|/g, '/').slice(0, 100)} |`,
    ),
  );
  return lines;
}
