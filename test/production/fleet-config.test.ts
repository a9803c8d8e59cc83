import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fleetLayout } from '../../scripts/fleet/balancer.js';
import { haproxyConfig } from '../../scripts/fleet/haproxy.js';

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
});
