import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fleetLayout } from '../../scripts/fleet/balancer.js';
import { haproxyConfig, startHaproxy } from '../../scripts/fleet/haproxy.js';
import { freePort, waitFor } from '../helpers/processes.js';

describe('the HAProxy configuration of the fleet', () => {
  it('is the committed example for the default layout, and HAProxy accepts it', () => {
    const committed = fs.readFileSync('scripts/fleet/haproxy.cfg', 'utf8');
    expect(committed).toBe(`${haproxyConfig(fleetLayout({}))}\n`);
    const check = spawnSync('haproxy', ['-c', '-f', 'scripts/fleet/haproxy.cfg'], {
      encoding: 'utf8',
    });
    expect(check.stdout + check.stderr).toContain('Configuration file is valid');
  });

  it('checks /ready on every server and resends only what never reached one', () => {
    const config = haproxyConfig(
      fleetLayout({ GATEWAYS: '127.0.0.1:5000', FINANCE_PROCESSES: '', BALANCER_LISTEN: ':9000' }),
    );
    expect(config).toContain('bind :9000');
    expect(config).toContain('server gateway1 127.0.0.1:5000 check');
    expect(config).not.toContain('finance');
    expect(config).toContain('option httpchk GET /ready');
    expect(config.match(/^ {2}retry-on .*$/m)?.[0].trim()).toBe('retry-on conn-failure');
  });

  it('sends only to servers whose /ready answers 200, and answers a subgraph’s /ready itself', async () => {
    let ready = true;
    const server = http.createServer((req, res) => {
      res.writeHead(req.url === '/ready' && !ready ? 503 : 200, { 'content-type': 'text/plain' });
      res.end(req.url === '/ready' ? String(ready) : 'served');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const up = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Nothing listens on the second port: its checks fail, and it takes no request.
    const down = `127.0.0.1:${await freePort()}`;
    const [gatewayPort, financePort] = [await freePort(), await freePort()];
    const balancer = await startHaproxy(
      haproxyConfig({
        gateway: { listen: `127.0.0.1:${gatewayPort}`, servers: [down] },
        subgraphs: { finance: { listen: `127.0.0.1:${financePort}`, servers: [up, down] } },
      }),
    );
    const get = async (port: number, path: string) => {
      try {
        const response = await fetch(`http://127.0.0.1:${port}${path}`);
        return { status: response.status, text: await response.text() };
      } catch {
        return undefined;
      }
    };
    try {
      await waitFor('the finance balancer to answer', async () =>
        (await get(financePort, '/ready'))?.status === 200 ? true : undefined,
      );
      // The balancer's own answer, not a process's ('true').
      expect((await get(financePort, '/ready'))?.text).toContain('Service ready');
      for (let i = 0; i < 6; i += 1) {
        expect(await get(financePort, '/graphql')).toEqual({ status: 200, text: 'served' });
      }
      // The only gateway server is down: the balancer says so rather than hang.
      expect((await get(gatewayPort, '/'))?.status).toBe(503);
      ready = false;
      await waitFor('the finance balancer to find no server up', async () =>
        (await get(financePort, '/ready'))?.status === 503 ? true : undefined,
      );
    } finally {
      await balancer.stop();
      server.close();
    }
  });
});
