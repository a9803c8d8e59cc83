import { stopOnSignal } from '../shutdown.js';
import { haproxyConfig, haproxyInstalled, startHaproxy, type FleetLayout } from './haproxy.js';

/**
 * The layout `npm run balancer` serves, from the environment: the gateway replicas behind
 * BALANCER_LISTEN, and the finance processes behind FINANCE_BALANCER_LISTEN (an empty
 * FINANCE_PROCESSES leaves finance to the one process the gateways name).
 */
export function fleetLayout(env: NodeJS.ProcessEnv = process.env): FleetLayout {
  const list = (value: string) =>
    value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const finance = list(env.FINANCE_PROCESSES ?? '127.0.0.1:4002,127.0.0.1:4102');
  return {
    gateway: {
      listen: env.BALANCER_LISTEN || '127.0.0.1:8080',
      servers: list(env.GATEWAYS || '127.0.0.1:4000,127.0.0.1:4100'),
    },
    subgraphs:
      finance.length > 0
        ? { finance: { listen: env.FINANCE_BALANCER_LISTEN || '127.0.0.1:8082', servers: finance } }
        : {},
  };
}

// `npm run balancer [-- --print]`: HAProxy in front of the fleet, in the foreground.
if (import.meta.url === `file://${process.argv[1]}`) {
  const config = haproxyConfig(fleetLayout());
  if (process.argv.includes('--print')) {
    process.stdout.write(`${config}\n`);
    process.exit(0);
  }
  if (!haproxyInstalled()) {
    console.error('haproxy is not installed: apt-get install -y haproxy');
    process.exit(1);
  }
  const balancer = await startHaproxy(config, (line) => console.log(line));
  console.log(`haproxy running with ${balancer.configFile}`);
  // HAProxy gone by itself takes this process with it; stopped here, it is cleaned up first.
  let stopping = false;
  balancer.process.on('exit', (code) => {
    if (!stopping) process.exit(code ?? 1);
  });
  stopOnSignal(async () => {
    stopping = true;
    await balancer.stop();
  }, 10_000);
}
