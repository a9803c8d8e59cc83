import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A service the benchmark started: its own process (node with tsx's loader, no wrapper). */
export interface Service {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  log: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The Node flags `npm run gateway` and `npm run subgraph` run with (package.json): every process
 * the benchmark starts, ours or a peer, runs with them, as deployed.
 */
export function serverNodeFlags(): string[] {
  const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts;
  return String(scripts.gateway)
    .split(/\s+/)
    .filter((word) => word.startsWith('--'));
}

/**
 * Starts `script` under node with tsx's loader in this process tree (so /proc/<pid> is the service
 * itself, not a launcher) and waits until its /health answers.
 */
export async function startService(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  port: number,
  logDir: string,
  /** Write a V8 CPU profile of the process into this directory when it exits. */
  profileDir?: string,
): Promise<Service> {
  const log = path.join(logDir, `${name}.log`);
  const out = fs.openSync(log, 'a');
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`] : [];
  const node = [
    ...profile,
    ...serverNodeFlags(),
    '--import',
    'tsx',
    path.join(root, script),
    ...args,
  ];
  const child = spawn(process.execPath, node, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited (${child.exitCode}) while starting:\n${tail(log)}`);
    }
    try {
      const response = await fetch(`${url}health`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer /health within 90 s:\n${tail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { name, url, pid: child.pid!, child, log };
}

export async function stopService(service: Service): Promise<void> {
  if (service.child.exitCode !== null) return;
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU time the process has used so far, in ms (/proc/<pid>/stat utime + stime). */
export function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** CPU ms used so far by every PostgreSQL server process on this machine (backends included). */
export function postgresCpuMs(): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      total += cpuMs(Number(entry));
    } catch {
      // the process ended between the listing and the read
    }
  }
  return total;
}

/** Peak resident set size so far, in MiB (/proc/<pid>/status VmHWM). */
export function peakRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}
