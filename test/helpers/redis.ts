import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort, waitFor } from './processes.js';

/** A Redis server of the test's own, which it can stop and start again on the same port. */
export interface OwnRedis {
  url: string;
  port: number;
  /** Starts it (again) and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it and waits for the process to be gone. */
  stop(): Promise<void>;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(1_000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });
}

/**
 * `redis-server` on a free loopback port, keeping nothing on disk: an outage a test causes by
 * stopping it touches no other test's Redis.
 */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const running = () => child?.exitCode === null && child.signalCode === null;
  const own: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
      ];
      child = spawn('redis-server', args, { stdio: 'ignore' });
      const started = child;
      exited = new Promise((resolve) => {
        started.on('exit', () => resolve());
        // No redis-server installed: the wait below names the port; .ci/run installs it.
        started.on('error', () => resolve());
      });
      await waitFor(`redis-server on port ${port}`, async () => {
        if (!running()) throw new Error(`redis-server on port ${port} exited at start`);
        return (await answersPing(port)) || undefined;
      });
    },
    async stop() {
      if (!running()) return;
      child!.kill('SIGKILL');
      await exited;
    },
  };
  const killAtExit = () => {
    if (running()) child!.kill('SIGKILL');
  };
  process.on('exit', killAtExit);
  await own.start();
  return own;
}
