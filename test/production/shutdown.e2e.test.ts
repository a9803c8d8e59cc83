import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/processes.js';

describe('a service in its own process', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-sigterm-'));
  let running: ChildProcess | undefined;
  afterAll(() => {
    // A service that never came up must not outlive the test.
    if (running && running.exitCode === null) running.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('drains and exits 0 on SIGTERM, logging each step as JSON', async () => {
    const port = await freePort();
    const child = spawn(path.resolve('node_modules/.bin/tsx'), ['scripts/subgraph.ts', 'tech'], {
      env: {
        ...process.env,
        DATABASE_URL_TECH: '',
        DATA_DIR: dataDir,
        SUBGRAPH_PORT_TECH: String(port),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

    for (let i = 0; i < 2_000 && !output.includes('"subgraph started"'); i += 1) {
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(output).toContain('"subgraph started"');
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(await health.json()).toEqual({ status: 'ok', subgraph: 'tech' });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        'subgraph started',
        'draining in-flight requests',
        'subgraph stopped',
      ]),
    );
    expect(lines.find((line) => line.msg === 'draining in-flight requests')).toMatchObject({
      service: 'subgraph-tech',
      signal: 'SIGTERM',
      deadlineMs: 10_000,
    });
  }, 300_000);

  it('keeps serving with /ready at 503 for DRAIN_DELAY_MS after SIGTERM, then exits 0', async () => {
    const port = await freePort();
    const child = spawn(path.resolve('node_modules/.bin/tsx'), ['scripts/subgraph.ts', 'tech'], {
      env: {
        ...process.env,
        DATABASE_URL_TECH: '',
        DATA_DIR: fs.mkdtempSync(path.join(dataDir, 'drain-')),
        SUBGRAPH_PORT_TECH: String(port),
        // Long enough that the checks below run inside it on a loaded machine.
        DRAIN_DELAY_MS: '8000',
      },
      stdio: 'ignore',
    });
    running = child;
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const ask = async (probe: string) => {
      try {
        const response = await fetch(`http://127.0.0.1:${port}${probe}`);
        return { status: response.status, body: await response.json() };
      } catch {
        return undefined;
      }
    };
    for (let i = 0; i < 2_000 && (await ask('/ready'))?.status !== 200; i += 1) {
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await ask('/ready'))?.body).toMatchObject({ status: 'ready', subgraph: 'tech' });
    // Ours answered, not a stranger on the same port.
    expect(child.exitCode).toBeNull();

    child.kill('SIGTERM');
    let ready = await ask('/ready');
    for (let i = 0; i < 50 && ready?.status === 200; i += 1) ready = await ask('/ready');
    expect(ready).toEqual({ status: 503, body: { status: 'draining', subgraph: 'tech' } });
    // Still accepting: a balancer that has not noticed yet is served.
    expect(await ask('/health')).toEqual({ status: 200, body: { status: 'ok', subgraph: 'tech' } });
    expect(await exited).toBe(0);
    expect(await ask('/health')).toBeUndefined();
  }, 300_000);
});
