import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Party } from '../../subgraphs/kernel/caller.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kernel/config.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { loadTreeHeadKey } from '../../gateway/log-sequencer.js';
import { loadOrCreateSigningKey } from '../../subgraphs/kernel/keys.js';
import { ensureDevIssuer, mintDevToken } from '../../gateway/dev-identity.js';
import { gatewaySigningKeyFile } from '../../gateway/local-graph.js';
import type { GraphQLResponse } from './graph.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Starting a tsx process takes seconds on a loaded 2-core machine, several at once far longer.
const START_DEADLINE_MS = 180_000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ports handed out by any test process still alive: one file per port, naming its process. */
const PORT_CLAIMS = path.join(os.tmpdir(), 'kx-test-ports');
const claimed: string[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims `port` for this process, atomically across the test workers: a port is handed out once
 * and stays claimed until its process exits, however long its service takes to bind it.
 */
function claimPort(port: number): boolean {
  fs.mkdirSync(PORT_CLAIMS, { recursive: true });
  const file = path.join(PORT_CLAIMS, String(port));
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      if (claimed.length === 0) {
        process.on('exit', () => {
          for (const own of claimed) fs.rmSync(own, { force: true });
        });
      }
      claimed.push(file);
      return true;
    } catch {
      let owner: number;
      try {
        owner = Number(fs.readFileSync(file, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      if (owner === process.pid || alive(owner)) return false;
      fs.rmSync(file, { force: true });
    }
  }
  return false;
}

/**
 * A port free on 127.0.0.1 for a service a test starts, stops and starts again. Test processes
 * running side by side never get the same one: between the draw and the service's bind (seconds,
 * for a process on a loaded machine) another worker's service would otherwise take it, and the
 * test would talk to a stranger. It is drawn below the kernel's ephemeral range (32768 up, by
 * default): there an outgoing connection may be given the port as its own, and a client that keeps
 * reconnecting to it while nothing listens eventually connects to itself and waits on its own echo
 * instead of being refused.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!claimPort(port)) continue;
    const server = net.createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
}

/** Polls `check` until it returns a value other than undefined, or fails naming `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { deadlineMs = 120_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`gave up waiting for ${what} after ${deadlineMs} ms`);
    await sleep(intervalMs);
  }
}

/** GET a JSON endpoint; undefined when nothing answers. */
export async function getJson(url: string): Promise<{ status: number; body: any } | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: await response.json() };
  } catch {
    return undefined;
  }
}

/** One service of the graph running in its own process (`scripts/subgraph.ts`, `scripts/gateway.ts`). */
export class ServiceProcess {
  private child!: ChildProcess;
  private exited!: Promise<number | null>;
  private lines: string[] = [];
  /** Request ids of every call the process logged (at LOG_LEVEL info), across restarts. */
  readonly served = new Set<string>();
  /** The first error line the process logged for each request id. */
  readonly failures = new Map<string, string>();

  constructor(
    readonly name: string,
    private readonly args: string[],
    readonly env: NodeJS.ProcessEnv,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  get running(): boolean {
    return this.child?.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process wrote, for a failure message. */
  output(): string {
    return this.lines.join('\n');
  }

  spawn(): void {
    // Node itself with tsx's loader, not the tsx command: that one runs the script in a child
    // process, and a SIGKILL sent to it would leave the service running.
    const child = spawn(process.execPath, ['--import', 'tsx', ...this.args], {
      cwd: root,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const reader = () => {
      let partial = '';
      return (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        this.take(lines);
      };
    };
    child.stdout!.on('data', reader());
    child.stderr!.on('data', reader());
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  private take(lines: string[]): void {
    for (const line of lines.filter(Boolean)) {
      this.lines.push(line);
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { level?: unknown; msg?: unknown; requestId?: unknown };
        if (typeof entry.requestId !== 'string') continue;
        if (entry.msg === 'request') this.served.add(entry.requestId);
        if (entry.level === 'error' && !this.failures.has(entry.requestId))
          this.failures.set(entry.requestId, line);
      } catch {
        // Not a log line of ours.
      }
    }
    if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
  }

  /** Waits until `probe` answers with `status`, failing early if the process exits. */
  async waitUntil(probe: string, status = 200): Promise<void> {
    await waitFor(
      `${this.name} to answer ${status} on ${probe}`,
      async () => {
        if (!this.running) {
          throw new Error(`${this.name} exited before it was up:\n${this.output()}`);
        }
        const answer = await getJson(new URL(probe, this.url).toString());
        return answer?.status === status ? true : undefined;
      },
      { deadlineMs: START_DEADLINE_MS, intervalMs: 200 },
    );
  }

  /** Sends `signal` and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    await this.exited;
  }

  /** SIGKILL without waiting, for a process that is exiting itself. */
  killNow(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  /** SIGTERM (a clean drain), then SIGKILL should it hang. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }
}

export interface ProcessGraph {
  subgraphs: Record<SubgraphName, ServiceProcess>;
  gateways: ServiceProcess[];
  token(party: Party, org?: string): Promise<string>;
  /** POSTs an operation to gateway `replica`, returning the status, body and request id. */
  query<T = any>(
    replica: number,
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLResponse<T> & { requestId: string | null }>;
  /** Starts a stopped or killed subgraph again, on its port and database, and waits for /health. */
  restartSubgraph(name: SubgraphName): Promise<void>;
  /** Starts a stopped or killed gateway replica again, on its port, and waits for /ready. */
  restartGateway(replica: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Four subgraph processes and `replicas` gateway processes in server mode, on free ports, each
 * subgraph on its own PostgreSQL database. The replicas share the gateway's signing key (a key file
 * under one DATA_DIR, as replicas would share a mounted secret) and the disclosure log in the
 * exchange database; the subgraphs fetch the gateway's public key from the first replica's JWKS.
 * Development tokens are minted with the dev issuer the gateways trust.
 */
export async function startProcessGraph(options: {
  databaseUrls: Record<SubgraphName, string>;
  replicas?: number;
  env?: Record<string, string>;
  /** Settings of one subgraph's process only, over `env`. */
  subgraphEnv?: Partial<Record<SubgraphName, Record<string, string>>>;
  /** Settings of the gateway processes only, over everything else (a balanced subgraph's URL). */
  gatewayEnv?: Record<string, string>;
  /** Ports chosen beforehand (a balancer's configuration names them); the rest are free ones. */
  subgraphPorts?: Partial<Record<SubgraphName, number>>;
  gatewayPorts?: number[];
}): Promise<ProcessGraph> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-processes-'));
  const config = loadGatewayConfig({ DATA_DIR: dataDir });
  // Made here, before any process starts, so no two processes race to create them.
  const devIssuer = await ensureDevIssuer(config);
  await loadOrCreateSigningKey(gatewaySigningKeyFile(config), 'gateway');
  await loadTreeHeadKey(config);

  const subgraphPorts = {} as Record<SubgraphName, number>;
  for (const name of SUBGRAPH_NAMES) {
    subgraphPorts[name] = options.subgraphPorts?.[name] ?? (await freePort());
  }
  const gatewayPorts: number[] = [];
  for (let i = 0; i < (options.replicas ?? 1); i += 1) {
    gatewayPorts.push(options.gatewayPorts?.[i] ?? (await freePort()));
  }

  const base: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // One test client sends all the load: a per-party bucket would only add 429s.
    RATE_LIMIT_PER_SECOND: '0',
    GATEWAY_JWKS_URL: `http://127.0.0.1:${gatewayPorts[0]}/.well-known/jwks.json`,
    ...options.env,
  };
  for (const name of SUBGRAPH_NAMES) {
    const upper = name.toUpperCase();
    base[`SUBGRAPH_URL_${upper}`] = `http://127.0.0.1:${subgraphPorts[name]}/graphql`;
    base[`SUBGRAPH_PORT_${upper}`] = String(subgraphPorts[name]);
    // Each process gets only the database it owns; an empty value would mean embedded PGlite.
    delete base[`DATABASE_URL_${upper}`];
  }

  const subgraphs = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [
      name,
      new ServiceProcess(
        `subgraph ${name}`,
        ['scripts/subgraph.ts', name],
        {
          ...base,
          [`DATABASE_URL_${name.toUpperCase()}`]: options.databaseUrls[name],
          ...options.subgraphEnv?.[name],
        },
        subgraphPorts[name],
      ),
    ]),
  ) as Record<SubgraphName, ServiceProcess>;
  const gateways = gatewayPorts.map(
    (port, i) =>
      new ServiceProcess(
        `gateway ${i}`,
        ['scripts/gateway.ts'],
        {
          ...base,
          PORT: String(port),
          DATABASE_URL_EXCHANGE: options.databaseUrls.exchange,
          ...options.gatewayEnv,
        },
        port,
      ),
  );
  const all = [...Object.values(subgraphs), ...gateways];
  // Should the test process die without its afterAll, no service may outlive it.
  const killAtExit = () => all.forEach((service) => service.killNow());
  process.on('exit', killAtExit);
  const stop = async () => {
    process.off('exit', killAtExit);
    await Promise.all(all.map((service) => service.stop()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (const service of all) service.spawn();
    await Promise.all(Object.values(subgraphs).map((s) => s.waitUntil('/health')));
    await Promise.all(gateways.map((g) => g.waitUntil('/ready')));
  } catch (error) {
    await stop();
    throw error;
  }

  const tokens = new Map<string, Promise<string>>();
  return {
    subgraphs,
    gateways,
    token(party, org) {
      const key = `${party}:${org ?? ''}`;
      if (!tokens.has(key)) tokens.set(key, mintDevToken(devIssuer, config.auth, { party, org }));
      return tokens.get(key)!;
    },
    async query(replica, query, variables, token) {
      const response = await fetch(gateways[replica].url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(60_000),
      });
      return {
        status: response.status,
        body: (await response.json()) as GraphQLResponse['body'],
        requestId: response.headers.get('x-request-id'),
      };
    },
    async restartSubgraph(name) {
      subgraphs[name].spawn();
      await subgraphs[name].waitUntil('/health');
    },
    async restartGateway(replica) {
      gateways[replica].spawn();
      await gateways[replica].waitUntil('/ready');
    },
    stop,
  };
}
