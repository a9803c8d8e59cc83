import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { SUBGRAPH_NAMES, type Config, type SubgraphName } from '../subgraphs/kernel/config.js';

/** A port a script will listen on, and the variable that moves it. */
export interface PortUse {
  port: number;
  variable: string;
}

export function subgraphPortVariable(name: SubgraphName): string {
  return `SUBGRAPH_PORT_${name.toUpperCase()}`;
}

/** The ports `npm start` listens on: the gateway's and the four subgraphs'. */
export function graphPorts(config: Pick<Config, 'gatewayPort' | 'subgraphPorts'>): PortUse[] {
  return [
    { port: config.gatewayPort, variable: 'PORT' },
    ...SUBGRAPH_NAMES.map((name) => ({
      port: config.subgraphPorts[name],
      variable: subgraphPortVariable(name),
    })),
  ];
}

/** Listens on the port for an instant: the error code when it cannot, undefined when free. */
function probe(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** The process listening on a TCP port, from lsof or ss when either is at hand; best effort. */
export function portHolder(port: number): string | undefined {
  const pid = listeningPid(port);
  if (!pid) return undefined;
  let command = '';
  try {
    command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    // not Linux, or not ours to read
  }
  if (command.length > 80) command = `${command.slice(0, 77)}…`;
  return command ? `pid ${pid} (${command})` : `pid ${pid}`;
}

function listeningPid(port: number): number | undefined {
  const run = (command: string, args: string[]) => {
    try {
      const result = spawnSync(command, args, { encoding: 'utf8', timeout: 2_000 });
      return result.status === 0 || result.stdout ? result.stdout : '';
    } catch {
      return '';
    }
  };
  const lsof = run('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fp']);
  const fromLsof = /^p(\d+)$/m.exec(lsof ?? '');
  if (fromLsof) return Number(fromLsof[1]);
  const ss = run('ss', ['-ltnpH', `sport = :${port}`]);
  const fromSs = /pid=(\d+)/.exec(ss ?? '');
  return fromSs ? Number(fromSs[1]) : undefined;
}

/**
 * Checks every port before anything is opened or seeded: one line naming the first port that
 * cannot be listened on, what holds it when that can be told, and the variable that moves it;
 * undefined when all are free.
 */
export async function checkPorts(host: string, uses: PortUse[]): Promise<string | undefined> {
  const seen = new Map<number, string>();
  for (const { port, variable } of uses) {
    if (port === 0) continue;
    const twice = seen.get(port);
    if (twice)
      return `port ${port} is set for both ${twice} and ${variable}; set one of them to another port`;
    seen.set(port, variable);
  }
  for (const { port, variable } of uses) {
    if (port === 0) continue;
    const code = await probe(host, port);
    if (!code) continue;
    if (code === 'EADDRINUSE') {
      const holder = portHolder(port);
      return `port ${port} (${variable}) on ${host} is in use${holder ? ` by ${holder}` : ''}; set ${variable}=<another port> or stop what holds it`;
    }
    if (code === 'EACCES') {
      return `port ${port} (${variable}) on ${host} may not be listened on by this user; set ${variable}=<a port above 1023>`;
    }
    if (code === 'EADDRNOTAVAIL') {
      return `HOST=${host} is not an address of this machine (checking port ${port}, ${variable}); set HOST to one of its addresses`;
    }
    return `port ${port} (${variable}) on ${host} cannot be listened on: ${code}`;
  }
  return undefined;
}
