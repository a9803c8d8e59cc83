import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closeGracefully } from '../../subgraphs/kernel/http.js';

async function serve(handler: http.RequestListener) {
  const server = http.createServer(handler);
  // As the gateway and subgraphs set it: a keep-alive client could hold a naive close for 65 s.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

function get(url: string, agent?: http.Agent) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject);
  });
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, then closes its keep-alive connection', async () => {
    let release!: () => void;
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const { server, url } = await serve((_req, res) => {
      arrived();
      new Promise<void>((resolve) => (release = resolve)).then(() => res.end('done'));
    });
    const agent = new http.Agent({ keepAlive: true });
    const response = get(url, agent);
    await inFlight;

    let closed = false;
    const closing = closeGracefully(server, 30_000).then(() => (closed = true));
    await tick(100);
    expect(closed).toBe(false);
    release();
    expect(await response).toEqual({ status: 200, body: 'done' });
    await closing;
    expect(server.listening).toBe(false);
    agent.destroy();
  });

  it('cuts a request still running at the deadline', async () => {
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const { server, url } = await serve(() => arrived());
    const outcome = get(url).then(
      () => 'answered',
      (error: Error) => error.message,
    );
    await inFlight;
    await closeGracefully(server, 100);
    expect(await outcome).toBe('socket hang up');
  });

  it('refuses new connections once draining', async () => {
    let release!: () => void;
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const { server, url } = await serve((_req, res) => {
      arrived();
      new Promise<void>((resolve) => (release = resolve)).then(() => res.end('done'));
    });
    const first = get(url);
    await inFlight;
    const closing = closeGracefully(server, 30_000);
    await expect(get(url)).rejects.toThrow(/ECONNREFUSED/);
    release();
    expect((await first).body).toBe('done');
    await closing;
  });
});
