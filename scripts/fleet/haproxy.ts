import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One service spread over several processes: where the balancer listens, and the processes. */
export interface BalancedService {
  /** `host:port` the balancer listens on. */
  listen: string;
  /** `host:port` of each process serving it. */
  servers: string[];
}

/** What HAProxy balances: the gateway replicas, and any subgraph run as several processes. */
export interface FleetLayout {
  gateway: BalancedService;
  subgraphs?: Partial<Record<string, BalancedService>>;
}

/** The health check's period (ms) and how many answers turn a server down or up again. */
export const HEALTH_CHECK = { intervalMs: 500, fall: 2, rise: 2 };

/**
 * A server stopping with SIGTERM must keep serving, `/ready` at 503, until the balancer has
 * taken it out of rotation: `fall` failed checks one interval apart, and one interval of slack.
 */
export const FLEET_DRAIN_DELAY_MS = HEALTH_CHECK.intervalMs * (HEALTH_CHECK.fall + 2);

function backend(name: string, service: BalancedService, answersReady: boolean): string[] {
  return [
    `frontend ${name}`,
    `  bind ${service.listen}`,
    // A gateway asks a subgraph's /ready through here: the subgraph is up while any of its
    // processes is. Passed on, the question would reach a draining process now and then, and
    // the gateways would fail their own checks over a drain that loses nothing.
    ...(answersReady
      ? ['  monitor-uri /ready', `  monitor fail if { nbsrv(${name}_processes) lt 1 }`]
      : []),
    `  default_backend ${name}_processes`,
    '',
    `backend ${name}_processes`,
    '  balance roundrobin',
    '  option httpchk GET /ready',
    '  http-check expect status 200',
    ...service.servers.map((server, i) => `  server ${name}${i + 1} ${server} check`),
    '',
  ];
}

/**
 * The HAProxy configuration of a fleet. Health checks ask `/ready`, so a replica that is
 * draining, or has lost a subgraph or its database, is taken out of rotation.
 *
 * A request is sent again to another server only when its connection could not be opened
 * (`retry-on conn-failure` with `option redispatch`): then nothing reached the refused server,
 * so even a mutation is safe to resend. A request already sent is never resent: a killed
 * server may have applied a mutation before it died, and its client is told 502.
 */
export function haproxyConfig(layout: FleetLayout): string {
  const { intervalMs, fall, rise } = HEALTH_CHECK;
  const lines = [
    'global',
    '  maxconn 4096',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 65s',
    '  timeout server 65s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 60s',
    '  retries 3',
    '  retry-on conn-failure',
    '  option redispatch 1',
    `  default-server inter ${intervalMs}ms fall ${fall} rise ${rise}`,
    '',
    ...backend('gateway', layout.gateway, false),
  ];
  for (const [name, service] of Object.entries(layout.subgraphs ?? {})) {
    if (service) lines.push(...backend(name, service, true));
  }
  return lines.join('\n');
}

/** HAProxy found on the PATH, or null (Debian: `apt-get install haproxy`). */
export function haproxyInstalled(): boolean {
  return spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;
}

export interface RunningBalancer {
  configFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Writes `config` to a temporary file, checks it (`haproxy -c`) and runs HAProxy in the
 * foreground (`-db`) with it, its output passed to `output`.
 */
export async function startHaproxy(
  config: string,
  output: (line: string) => void = () => {},
): Promise<RunningBalancer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-haproxy-'));
  const configFile = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(configFile, `${config}\n`);
  const check = spawnSync('haproxy', ['-c', '-q', '-f', configFile], { encoding: 'utf8' });
  if (check.status !== 0) {
    throw new Error(`haproxy refused ${configFile}: ${check.stderr || check.error?.message}`);
  }
  const child = spawn('haproxy', ['-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) =>
      chunk.toString().split('\n').filter(Boolean).forEach(output),
    );
  }
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const killAtExit = () => child.kill('SIGKILL');
  process.on('exit', killAtExit);
  return {
    configFile,
    process: child,
    async stop() {
      process.off('exit', killAtExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
