import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SUBGRAPH_NAMES } from '../../subgraphs/kernel/config.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { loadOrCreateSigningKey } from '../../subgraphs/kernel/keys.js';
import { ensureDevIssuer, mintDevToken } from '../../gateway/dev-identity.js';
import { gatewaySigningKeyFile } from '../../gateway/local-graph.js';
import { prepareDatabases, SERVER_URL, type DatabaseUrls } from './databases.js';
import { ensureBenchPackage } from './install.js';
import { fleetSection, measureFleet, type FleetReport } from './fleet.js';
import { chooseFixtures, restoreNeeds, snapshotNeeds, type Fixtures } from './fixtures.js';
import type { LoadResult, LoadSpec } from './load.js';
import {
  CLAIM,
  DOSSIER,
  NEEDS_PAGE,
  PAGE,
  PROSPECT_FEED,
  QUARTER,
  STATISTICS,
  type Operation,
} from './operations.js';
import {
  cpuMs,
  freePort,
  peakRssMiB,
  postgresCpuMs,
  root,
  startService,
  stopService,
  type Service,
} from './processes.js';
import {
  writeReport,
  type CpuShare,
  type Measurement,
  type Report,
  type TargetName as Target,
} from './report.js';
import { runLogBench } from './log.js';
import { distribution, median } from './stats.js';
import { countStatements, type StatementCounts } from './statements.js';

const USAGE = `usage: npm run bench -- [--scale N] [--duration S] [--connections N] [--warmup S]
                      [--warmup-min S] [--warmup-max S]
                      [--reference-scale N] [--targets ours,embedded,stock,hive,hive-router,floor]
                      [--reseed]
  --scale N            seed scale of the measured graph (default 100: 100k enterprises,
                       ≈120k needs, ≈1.15M credit lines + loans; 1 for a quick run)
  --duration S         measured seconds per operation per target (default 10)
  --connections N      concurrent keep-alive connections of the load generator (default 8)
  --warmup S           unmeasured windows of S seconds per target before the first round
                       (default 5), repeated until the CPU a request costs stops falling;
                       and one more right before each round (O1–O3)
  --warmup-min S       at least S seconds of warm-up per target and operation (default 30)
  --warmup-max S       at most S seconds of warm-up per target and operation (default 60)
  --rounds N           measure each operation N times per target, the targets taking turns
                       (in alternating order): req/s is the median round, latencies are
                       pooled (default 3)
  --single S           then S seconds more per target with one request at a time: latency
                       without queueing (default 5; 0: skip)
  --reference-scale N  also measure O1 and count statements at this scale (default 1; 0: skip)
  --targets LIST       which of ours, embedded, stock, hive, hive-router, floor to drive
                       (default: all)
  --ops LIST           which of O1, O2, O3, O4 to run (default: all)
  --reseed             empty and seed the benchmark databases again
  --profile DIR        write a V8 CPU profile of each target and subgraph process into DIR
  --log                only the disclosure log: entries/s at 1, 4, 16 writers and two replicas
                       (--duration S each), inclusion proofs in trees of --log-trees sizes
                       (default 1000000,10000000); writes scripts/bench/log-results.md
  --fleet on|off       the fleet run: O1 and O2 through HAProxy over one and two replicas of
                       ours, and requests lost per replica killed (default on; needs haproxy)
Databases: kx_bench_s<scale>_<subgraph> on BENCH_DATABASE_URL (default ${SERVER_URL}).`;

const ALL_TARGETS: Target[] = ['ours', 'embedded', 'stock', 'hive', 'hive-router', 'floor'];
const SCRIPTS: Record<Target, string> = {
  ours: 'scripts/gateway.ts',
  embedded: 'scripts/start.ts',
  stock: 'scripts/bench/stock-gateway.ts',
  hive: 'scripts/bench/hive-gateway.ts',
  'hive-router': 'scripts/bench/hive-gateway.ts',
  floor: 'scripts/bench/floor.ts',
};

/**
 * `embedded` is `npm start` on the benchmark's databases: the gateway and its own four subgraphs
 * in one process, asked in-process; its subgraphs listen on free ports of their own.
 * `hive-router` is the Hive target planning with Hive Router's Rust query planner.
 */
const TARGET_ENV: Partial<Record<Target, Record<string, string>>> = {
  embedded: {
    SUBGRAPHS_IN_PROCESS: 'true',
    ...Object.fromEntries(SUBGRAPH_NAMES.map((n) => [`SUBGRAPH_PORT_${n.toUpperCase()}`, '0'])),
  },
  'hive-router': { HIVE_QUERY_PLANNER: 'rust' },
};

function options() {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '100' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '5' },
      'warmup-min': { type: 'string', default: '30' },
      'warmup-max': { type: 'string', default: '60' },
      rounds: { type: 'string', default: '3' },
      single: { type: 'string', default: '5' },
      'reference-scale': { type: 'string', default: '1' },
      targets: { type: 'string', default: ALL_TARGETS.join(',') },
      ops: { type: 'string', default: 'O1,O2,O3,O4' },
      reseed: { type: 'boolean', default: false },
      profile: { type: 'string' },
      log: { type: 'boolean', default: false },
      'log-trees': { type: 'string', default: '1000000,10000000' },
      fleet: { type: 'string', default: 'on' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name: keyof typeof values, min: number) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < min) {
      console.error(`--${name} must be a number ≥ ${min}\n${USAGE}`);
      process.exit(2);
    }
    return value;
  };
  const targets = String(values.targets).split(',') as Target[];
  if (targets.some((t) => !ALL_TARGETS.includes(t))) {
    // Without ours, a run still measures the others (ratios then need ours: they show —).
    console.error(`--targets: a list of ${ALL_TARGETS.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  return {
    scale: number('scale', 0.001),
    durationMs: number('duration', 1) * 1000,
    connections: number('connections', 1),
    warmupMs: number('warmup', 0) * 1000,
    warmupMinMs: number('warmup-min', 0) * 1000,
    warmupMaxMs: number('warmup-max', 0) * 1000,
    rounds: Math.floor(number('rounds', 1)),
    singleMs: number('single', 0) * 1000,
    referenceScale: number('reference-scale', 0),
    targets,
    ops: String(values.ops).split(','),
    reseed: values.reseed === true,
    profileDir: values.profile ? path.resolve(String(values.profile)) : undefined,
    log: values.log === true,
    logTrees: String(values['log-trees'])
      .split(',')
      .map(Number)
      .filter((n) => n > 0),
    fleet: values.fleet !== 'off',
  };
}

/** The operations this supergraph can serve; O1 falls back, O4 may be missing. */
function operationsOf(supergraph: string): { operations: Operation[]; notes: string[] } {
  const notes: string[] = [];
  const operations: Operation[] = [];
  if (supergraph.includes('prospectFeed(')) operations.push(PROSPECT_FEED);
  else {
    operations.push(NEEDS_PAGE);
    notes.push(
      'O1: `prospectFeed` is not in the supergraph yet; measured `financingNeeds` instead.',
    );
  }
  operations.push(DOSSIER, STATISTICS);
  if (supergraph.includes('claimFinancingNeed(')) operations.push(CLAIM);
  else notes.push('O4: `claimFinancingNeed` is not in the supergraph: not available.');
  return { operations, notes };
}

/** Request bodies per operation; claims take distinct needs from `needs`. */
function bodiesOf(operation: Operation, fixtures: Fixtures, needs: string[]): string[] {
  const body = (variables: Record<string, unknown>) =>
    JSON.stringify({ operationName: operation.operationName, query: operation.query, variables });
  switch (operation.id) {
    case 'O1':
      return [body({ first: PAGE })];
    case 'O2':
      return [body({ id: fixtures.enterpriseId })];
    case 'O3':
      return [body(QUARTER)];
    case 'O4':
      return needs.map((id) => body({ id }));
  }
}

/** What the load generator sends: to warm up, in each measured round, one at a time. */
interface Bodies {
  warmup: string[];
  rounds: string[][];
  single: string[];
}

function loadBodies(
  operation: Operation,
  fixtures: Fixtures,
  claims: { warmup: string[]; measured: string[]; single: string[] },
  rounds: number,
): Bodies {
  if (operation.id === 'O4') {
    // Each claim takes a need once: the measured needs are dealt out to the rounds.
    const per = Math.ceil(claims.measured.length / rounds);
    return {
      warmup: bodiesOf(operation, fixtures, claims.warmup),
      rounds: Array.from({ length: rounds }, (_, r) =>
        bodiesOf(operation, fixtures, claims.measured.slice(r * per, (r + 1) * per)),
      ),
      single: bodiesOf(operation, fixtures, claims.single),
    };
  }
  const bodies = bodiesOf(operation, fixtures, []);
  return { warmup: bodies, rounds: Array.from({ length: rounds }, () => bodies), single: bodies };
}

/**
 * Runs the load generator in its own process. Asynchronously: this process serves the JWKS the
 * subgraphs verify gateway tokens with, and must keep answering while the load runs.
 */
async function runLoad(spec: LoadSpec, dir: string): Promise<LoadResult> {
  const file = path.join(dir, `load-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'scripts/bench/load.ts'), file],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(out) as LoadResult;
}

/** JSON with keys sorted, so two answers compare by content. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function firstDifference(a: unknown, b: unknown, at = 'data'): string | null {
  if (canonical(a) === canonical(b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const found = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        `${at}.${key}`,
      );
      if (found) return found;
    }
  }
  return `${at}: ${JSON.stringify(a)?.slice(0, 80)} ≠ ${JSON.stringify(b)?.slice(0, 80)}`;
}

/**
 * An answer with what must differ between two right answers masked: O4 claims a different need
 * per target, and the prospect feed seals each cursor with a fresh nonce (two reads of the same
 * position never match), so O1 is compared on its page, not its cursor bytes.
 */
function comparable(operation: Operation, data: unknown): unknown {
  const json = JSON.stringify(data ?? null);
  if (operation.id === 'O4') return JSON.parse(json.replace(/"need-\d+"/g, '"need"'));
  if (operation.id === 'O1') return JSON.parse(json.replace(/"c2\.[\w-]+"/g, '"c2.sealed"'));
  return data;
}

interface Graph {
  subgraphs: Service[];
  targets: Partial<Record<Target, Service>>;
  failures: Partial<Record<Target, string>>;
  jwks: ReturnType<typeof createServer>;
  /** What a gateway in front of these subgraphs runs with: their URLs, the JWKS, the databases. */
  env: Record<string, string>;
}

/**
 * Four subgraph processes on the scale's databases and one process per target in front of them.
 * The subgraphs trust the gateway key served here (so they do not depend on any one gateway).
 */
async function startGraph(
  urls: DatabaseUrls,
  targets: Target[],
  dataDir: string,
  logDir: string,
  profileDir?: string,
): Promise<Graph> {
  const config = loadGatewayConfig({ DATA_DIR: dataDir });
  const signingKey = await loadOrCreateSigningKey(gatewaySigningKeyFile(config), 'gateway');
  const jwks = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [signingKey.publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  // Every process runs as deployed: NODE_ENV=production (graphql-js, for one, drops its
  // development-time checks; the gateway only turns introspection and Sandbox off).
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    GATEWAY_JWKS_URL: jwksUrl,
    NODE_ENV: 'production',
  };
  for (const name of SUBGRAPH_NAMES) env[`DATABASE_URL_${name.toUpperCase()}`] = urls[name];
  const subgraphs = await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => {
      const port = await freePort();
      env[`SUBGRAPH_URL_${name.toUpperCase()}`] = `http://127.0.0.1:${port}/graphql`;
      return startService(
        name,
        'scripts/subgraph.ts',
        [name],
        // O4 claims a fresh need per request as one bank: the claim throttle would refuse it.
        { ...env, [`SUBGRAPH_PORT_${name.toUpperCase()}`]: String(port), CLAIM_MAX_PER_HOUR: '0' },
        port,
        logDir,
        profileDir,
      );
    }),
  );
  const graph: Graph = {
    subgraphs,
    targets: {},
    failures: {},
    jwks,
    env: { ...env, CLAIM_MAX_PER_HOUR: '0' },
  };
  for (const target of targets) {
    const port = await freePort();
    try {
      graph.targets[target] = await startService(
        target,
        SCRIPTS[target],
        [],
        // The gateway's per-caller rate limit (50/s) would cap the one bank the load runs as.
        {
          ...env,
          PORT: String(port),
          RATE_LIMIT_PER_SECOND: '0',
          CLAIM_MAX_PER_HOUR: '0',
          ...TARGET_ENV[target],
        },
        port,
        logDir,
        profileDir,
      );
    } catch (error) {
      graph.failures[target] = (error as Error).message;
      console.error(`${target} could not start:\n${(error as Error).message}`);
    }
  }
  return graph;
}

async function stopGraph(graph: Graph): Promise<void> {
  await Promise.all(Object.values(graph.targets).map((s) => stopService(s!)));
  await Promise.all(graph.subgraphs.map(stopService));
  graph.jwks.close();
}

function describeMachine(): Report['machine'] {
  let postgresVersion = '';
  try {
    postgresVersion = execFileSync('psql', [SERVER_URL, '-Atc', 'show server_version'])
      .toString()
      .trim();
  } catch {
    postgresVersion = 'unknown';
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres: postgresVersion,
  };
}

interface Round extends LoadResult {
  cpu: CpuShare;
}

/** One measured round of one operation against one target, with the CPU every process spent. */
async function measureRound(
  graph: Graph,
  operation: Operation,
  target: Target,
  tokens: Record<'bank' | 'pboc', string>,
  bodies: string[],
  connections: number,
  durationMs: number,
  dir: string,
): Promise<Round> {
  const service = graph.targets[target]!;
  const spec: LoadSpec = {
    url: service.url,
    connections,
    durationMs,
    bodies,
    once: operation.id === 'O4',
    headers: { authorization: `Bearer ${tokens[operation.caller]}` },
  };
  const subgraphsCpu = () => graph.subgraphs.map((s) => cpuMs(s.pid));
  const before = { target: cpuMs(service.pid), subgraphs: subgraphsCpu(), pg: postgresCpuMs() };
  const result = await runLoad(spec, dir);
  const subgraphs = subgraphsCpu().map((ms, i) => ms - before.subgraphs[i]);
  return {
    ...result,
    cpu: {
      target: cpuMs(service.pid) - before.target,
      subgraphs: subgraphs.reduce((sum, ms) => sum + ms, 0),
      bySubgraph: Object.fromEntries(
        graph.subgraphs.map((s, i) => [s.name, subgraphs[i]]),
      ) as CpuShare['bySubgraph'],
      postgres: postgresCpuMs() - before.pg,
      load: result.cpuMs,
    },
  };
}

/**
 * Warms one target up in windows of `warmupMs`: for at least `warmupMinMs`, then until the CPU a
 * request costs (the target, the subgraphs and PostgreSQL) has not fallen more than 3 % below its
 * best for two windows in a row, for at most `warmupMaxMs`. A gateway under load keeps getting
 * cheaper for half a minute or so (its code optimised, its young generation grown): a round
 * measured before then would count that against whichever target ran it first. O4's claims can
 * each be sent once, so it warms up for one window. Returns each window's figure, for the log.
 */
async function warmUp(
  opts: { warmupMs: number; warmupMinMs: number; warmupMaxMs: number },
  once: boolean,
  window: (durationMs: number) => Promise<Round>,
): Promise<string> {
  const costs: number[] = [];
  let best = Infinity;
  let flat = 0;
  const most = Math.max(opts.warmupMs, opts.warmupMaxMs);
  for (let spent = opts.warmupMs; spent <= most; spent += opts.warmupMs) {
    const r = await window(opts.warmupMs);
    if (r.requests === 0) break;
    const cost = (r.cpu.target + r.cpu.subgraphs + r.cpu.postgres) / r.requests;
    costs.push(cost);
    flat = cost < best * 0.97 ? 0 : flat + 1;
    best = Math.min(best, cost);
    if (once || (flat >= 2 && spent >= opts.warmupMinMs)) break;
  }
  return costs.map((cost) => `${cost.toFixed(1)}`).join(', ') + ' CPU ms/req';
}

/** Several rounds as one measurement: requests, time, latencies and CPU pooled. */
function pooled(operation: Operation, target: Target, rounds: Round[]): Measurement {
  const requests = rounds.reduce((sum, r) => sum + r.requests, 0);
  const failed = rounds.reduce((sum, r) => sum + r.failed, 0);
  const elapsedMs = rounds.reduce((sum, r) => sum + r.elapsedMs, 0);
  const perRequest = (key: Exclude<keyof CpuShare, 'bySubgraph'>) =>
    rounds.reduce((sum, r) => sum + r.cpu[key], 0) / Math.max(1, requests);
  const cpu: CpuShare = {
    target: perRequest('target'),
    subgraphs: perRequest('subgraphs'),
    bySubgraph: Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [
        name,
        rounds.reduce((sum, r) => sum + r.cpu.bySubgraph[name], 0) / Math.max(1, requests),
      ]),
    ) as CpuShare['bySubgraph'],
    postgres: perRequest('postgres'),
    load: perRequest('load'),
  };
  return {
    operation: operation.id,
    target,
    requests,
    failed,
    firstFailure: rounds.find((r) => r.firstFailure)?.firstFailure,
    elapsedMs,
    // The median round: one round disturbed by something else on the machine does not move it.
    rps: median(rounds.map((r) => r.rps)),
    ...distribution(rounds.flatMap((r) => r.latencies)),
    roundsRps: rounds.map((r) => r.rps),
    cpuMsPerRequest: cpu.target,
    cpu,
  };
}

async function main() {
  const opts = options();
  if (opts.log) {
    return runLogBench({
      durationMs: opts.durationMs,
      treeSizes: opts.logTrees,
      samples: 200,
      out: path.join(root, 'scripts/bench/log-results.md'),
    });
  }
  ensureBenchPackage();
  const supergraph = fs.readFileSync(path.join(root, 'schema/supergraph.graphql'), 'utf8');
  const available = operationsOf(supergraph);
  const operations = available.operations.filter((op) => opts.ops.includes(op.id));
  const { notes } = available;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-bench-'));
  const dataDir = path.join(work, 'data');
  const config = loadGatewayConfig({ DATA_DIR: dataDir });
  const issuer = await ensureDevIssuer(config);
  const started = new Date();
  const loadBefore = os.loadavg();

  const urls = await prepareDatabases(opts.scale, opts.reseed);
  const fixtures = await chooseFixtures(urls);
  const tokens = {
    bank: await mintDevToken(issuer, config.auth, { party: 'bank', org: fixtures.bankId }),
    pboc: await mintDevToken(issuer, config.auth, { party: 'pboc' }),
  };
  // Claims: two for the statement count, then an equal share of the open needs per target.
  const needs = [...fixtures.openNeedIds];
  const countNeeds = needs.splice(0, 2);
  const share = Math.floor(needs.length / opts.targets.length);
  /**
   * Each target's own needs to claim: one for the content check, a tenth to warm up, a few
   * hundred for one-at-a-time latency, the rest measured.
   */
  const claimsOf = (target: Target) => {
    const own = needs.slice(
      share * opts.targets.indexOf(target),
      share * (opts.targets.indexOf(target) + 1),
    );
    const warm = Math.ceil((own.length - 1) / 10);
    const single = opts.singleMs > 0 ? Math.min(400, Math.floor(own.length / 5)) : 0;
    return {
      content: own.slice(0, 1),
      warmup: own.slice(1, 1 + warm),
      measured: own.slice(1 + warm, own.length - single),
      single: own.slice(own.length - single),
    };
  };
  const snapshot = await snapshotNeeds(urls, fixtures.openNeedIds);
  const variablesOf = (operation: Operation, claims: string[]) => {
    let i = 0;
    return () =>
      operation.id === 'O1'
        ? { first: PAGE }
        : operation.id === 'O2'
          ? { id: fixtures.enterpriseId }
          : operation.id === 'O3'
            ? QUARTER
            : { id: claims[i++] };
  };

  console.error(`counting SQL statements per request at scale ${opts.scale}…`);
  let statements: Map<Operation, StatementCounts>;
  try {
    statements = await countStatements(
      urls,
      operations.map((operation) => ({
        operation,
        variables: variablesOf(operation, countNeeds),
        org: fixtures.bankId,
      })),
    );
  } finally {
    await restoreNeeds(urls, snapshot);
  }

  console.error('starting four subgraphs and the targets…');
  const graph = await startGraph(urls, opts.targets, dataDir, work, opts.profileDir);
  const measurements: Measurement[] = [];
  const content: Report['content'] = [];
  const peakRss: Report['peakRss'] = [];
  let fleet: FleetReport | undefined;
  try {
    // Same answer from every target, compared as `comparable` leaves it.
    for (const operation of operations) {
      const answers: Partial<Record<Target, unknown>> = {};
      for (const target of Object.keys(graph.targets) as Target[]) {
        const body =
          operation.id === 'O4'
            ? bodiesOf(operation, fixtures, claimsOf(target).content)[0]
            : bodiesOf(operation, fixtures, [])[0];
        const response = await fetch(graph.targets[target]!.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${tokens[operation.caller]}`,
          },
          body,
        });
        const json = (await response.json()) as { data?: unknown; errors?: unknown[] };
        answers[target] = json.errors?.length
          ? { errors: json.errors }
          : comparable(operation, json.data);
      }
      for (const target of Object.keys(answers) as Target[]) {
        if (target === 'ours') continue;
        const difference = firstDifference(answers.ours, answers[target]);
        content.push({ operation: operation.id, target, same: difference === null, difference });
      }
    }
    const running = opts.targets.filter((target) => graph.targets[target]);
    for (const operation of operations) {
      const bodies = new Map(
        running.map((t) => [t, loadBodies(operation, fixtures, claimsOf(t), opts.rounds)]),
      );
      const rounds = new Map<Target, Round[]>(running.map((t) => [t, []]));
      // Every target warms up before any is measured: the subgraphs and PostgreSQL they share
      // are then as warm for the first measured target as for the last.
      if (opts.warmupMs > 0) {
        for (const target of running) {
          console.error(`${operation.id} ${target}, warming up…`);
          const windows = await warmUp(opts, operation.id === 'O4', (durationMs) =>
            measureRound(
              graph,
              operation,
              target,
              tokens,
              bodies.get(target)!.warmup,
              opts.connections,
              durationMs,
              work,
            ),
          );
          console.error(`${operation.id} ${target}, warmed up: ${windows}`);
        }
      }
      for (let round = 0; round < opts.rounds; round++) {
        // Turns alternate in order, so a slow drift of the machine favours no target.
        const order = round % 2 === 0 ? running : [...running].reverse();
        for (const target of order) {
          const mine = bodies.get(target)!;
          if (opts.warmupMs > 0 && operation.id !== 'O4') {
            // A target sat idle while the others ran: a young generation shrunk back and code
            // not run for minutes would count against its first seconds. One unmeasured window
            // first (not for O4, whose claims go once each).
            await measureRound(
              graph,
              operation,
              target,
              tokens,
              mine.warmup,
              opts.connections,
              opts.warmupMs,
              work,
            );
          }
          console.error(`${operation.id} ${target}, round ${round + 1} of ${opts.rounds}…`);
          const r = await measureRound(
            graph,
            operation,
            target,
            tokens,
            mine.rounds[round],
            opts.connections,
            opts.durationMs,
            work,
          );
          rounds.get(target)!.push(r);
          console.error(
            `  ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ` +
              `${(r.cpu.target / r.requests).toFixed(2)} CPU ms/req` +
              (r.failed ? `, ${r.failed} failed: ${r.firstFailure}` : ''),
          );
        }
      }
      for (const target of running) {
        const m = pooled(operation, target, rounds.get(target)!);
        if (opts.singleMs > 0) {
          console.error(`${operation.id} ${target}, one request at a time…`);
          const one = await measureRound(
            graph,
            operation,
            target,
            tokens,
            bodies.get(target)!.single,
            1,
            opts.singleMs,
            work,
          );
          m.single = { requests: one.requests, ...distribution(one.latencies) };
        }
        measurements.push(m);
      }
    }
    if (opts.fleet) {
      fleet = await measureFleet({
        env: graph.env,
        operations: operations
          .filter((op) => op.id === 'O1' || op.id === 'O2')
          .map((op) => ({
            id: op.id,
            bodies: bodiesOf(op, fixtures, []),
            headers: { authorization: `Bearer ${tokens[op.caller]}` },
          })),
        connections: opts.connections,
        durationMs: opts.durationMs,
        rounds: opts.rounds,
        singleMs: opts.singleMs,
        kills: 3,
        logDir: work,
        runLoad: (spec) => runLoad(spec, work),
      });
    }
    for (const service of [...Object.values(graph.targets), ...graph.subgraphs]) {
      peakRss.push({ process: service!.name, mib: peakRssMiB(service!.pid) });
    }
  } finally {
    await stopGraph(graph);
    await restoreNeeds(urls, snapshot);
  }

  let reference: Report['reference'];
  const o1 = operations.find((op) => op.id === 'O1');
  if (o1 && opts.referenceScale > 0 && opts.referenceScale !== opts.scale) {
    console.error(`reference pass at scale ${opts.referenceScale}…`);
    const refUrls = await prepareDatabases(opts.referenceScale, false);
    const refFixtures = await chooseFixtures(refUrls);
    const refSnapshot = await snapshotNeeds(refUrls, refFixtures.openNeedIds);
    let refStatements: Map<Operation, StatementCounts>;
    try {
      refStatements = await countStatements(
        refUrls,
        operations.map((operation) => ({
          operation,
          variables: variablesOf(operation, refFixtures.openNeedIds.slice(0, 2)),
          org: refFixtures.bankId,
        })),
      );
    } finally {
      await restoreNeeds(refUrls, refSnapshot);
    }
    const refGraph = await startGraph(refUrls, ['ours'], dataDir, work);
    try {
      const refTokens = {
        // The same bank as at the measured scale: the feed is then the same kind of page.
        bank: tokens.bank,
        pboc: tokens.pboc,
      };
      const body = bodiesOf(o1, refFixtures, []);
      const run = (durationMs: number) =>
        measureRound(refGraph, o1, 'ours', refTokens, body, opts.connections, durationMs, work);
      if (opts.warmupMs > 0) await run(opts.warmupMs);
      const rounds: Round[] = [];
      for (let round = 0; round < opts.rounds; round++) rounds.push(await run(opts.durationMs));
      const m = pooled(o1, 'ours', rounds);
      console.error(`  O1 ours at scale ${opts.referenceScale}: p99 ${m.p99.toFixed(1)} ms`);
      reference = { scale: opts.referenceScale, o1: m, statements: refStatements };
    } finally {
      await stopGraph(refGraph);
    }
  }

  const report: Report = {
    date: started,
    machine: describeMachine(),
    loadAverage: { before: loadBefore, after: os.loadavg() },
    options: { ...opts, scale: opts.scale },
    fixtures: { ...fixtures, openNeeds: fixtures.openNeedIds.length },
    operations,
    notes: [
      ...notes,
      ...Object.entries(graph.failures).map(
        ([t, why]) => `${t} could not run: ${why.split('\n')[0]}`,
      ),
    ],
    statements,
    measurements,
    content,
    peakRss,
    reference,
    fleet: fleet && fleetSection(fleet),
  };
  const markdown = writeReport(report, path.join(root, 'scripts/bench/results.md'));
  console.log(markdown);
  fs.rmSync(work, { recursive: true, force: true });
}

await main();
