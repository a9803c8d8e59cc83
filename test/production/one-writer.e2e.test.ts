import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.js';
import { lockFile, readLock } from '../../subgraphs/kernel/data-lock.js';
import { ensureDevIssuer, mintDevToken } from '../../gateway/dev-identity.js';
import { freePort, waitFor } from '../helpers/processes.js';
import { SUBMIT, validNeed } from '../finance/helpers.js';

const root = path.resolve(import.meta.dirname, '../..');
// A pid no process has: above Linux's largest (2^22).
const GONE = 2 ** 22 + 17;

/** `npm start` (or another script) in its own process, its output collected. */
function run(script: string, env: NodeJS.ProcessEnv, args: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { text: '', child, exited: new Promise<number | null>((r) => child.on('exit', r)) };
  child.stdout.on('data', (chunk) => (out.text += chunk));
  child.stderr.on('data', (chunk) => (out.text += chunk));
  return out;
}

async function graphEnv(dataDir: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    SEED_SCALE: '0.01',
    LOG_LEVEL: 'warn',
    PORT: String(await freePort()),
  };
  for (const name of ['TECH', 'FINANCE', 'BANKS', 'EXCHANGE']) {
    env[`SUBGRAPH_PORT_${name}`] = String(await freePort());
    env[`DATABASE_URL_${name}`] = '';
  }
  return env;
}

async function up(graph: ReturnType<typeof run>): Promise<void> {
  await waitFor(
    'the graph to start',
    () => {
      if (graph.child.exitCode !== null) throw new Error(`exited:\n${graph.text}`);
      return graph.text.includes('Kechuang Exchange is up') ? true : undefined;
    },
    { deadlineMs: 240_000, intervalMs: 200 },
  );
}

async function post(port: string, token: string, query: string, variables = {}) {
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

describe('one graph per data folder', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-one-writer-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second start, seed and audit:verify while the first runs, whose writes survive its restart', async () => {
    const env = await graphEnv(dataDir);
    const first = run('scripts/start.ts', env);
    children.push(first.child);
    await up(first);
    const config = loadGatewayConfig({ DATA_DIR: dataDir });
    const issuer = await ensureDevIssuer(config);
    const office = await mintDevToken(issuer, config.auth, { party: 'finance_office' });
    const listed = await post(env.PORT, office, '{ enterprises(first: 1) { nodes { id } } }');
    const enterprise = listed.data.enterprises.nodes[0].id as string;
    const own = await mintDevToken(issuer, config.auth, { party: 'enterprise', org: enterprise });
    const submitted = await post(env.PORT, own, SUBMIT, { input: validNeed });
    expect(submitted.errors ?? []).toEqual([]);
    const needId = submitted.data.submitFinancingNeed.need.id as string;

    // A second graph on the same folder, on ports of its own.
    const secondEnv = { ...(await graphEnv(dataDir)), DATA_DIR: dataDir };
    const second = run('scripts/start.ts', secondEnv);
    children.push(second.child);
    expect(await second.exited).toBe(1);
    expect(second.text).toContain(
      `npm start: the data folder ${dataDir} is in use by pid ${first.child.pid} (npm start, gateway http://127.0.0.1:${env.PORT}/) since `,
    );
    expect(second.text).toContain('Stop that process, or set DATA_DIR to another folder.');
    expect(second.text).not.toMatch(/^\s+at /m);

    const audit = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts'], {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(audit.status).not.toBe(0);
    expect(audit.stderr).toContain(`is in use by pid ${first.child.pid} (npm start`);
    const seed = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/seed.ts', '--reset'], {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(seed.status).toBe(1);
    expect(seed.stderr).toContain(
      `seed: the data folder ${dataDir} is in use by pid ${first.child.pid}`,
    );

    // The first graph kept its lock and keeps working.
    expect(readLock(lockFile(dataDir, 'finance'))?.pid).toBe(first.child.pid);
    const read = `query ($id: ID!) { financingNeed(id: $id) { id status } }`;
    expect((await post(env.PORT, own, read, { id: needId })).data.financingNeed.id).toBe(needId);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.lock'))).toEqual([]);

    // As if a graph had been killed: its lock stays behind, naming a process that is gone.
    fs.writeFileSync(
      lockFile(dataDir, 'tech'),
      JSON.stringify({
        pid: GONE,
        since: '2024-01-01T00:00:00.000Z',
        command: 'npm start',
        id: 'x',
      }),
    );
    const again = run('scripts/start.ts', env);
    children.push(again.child);
    await up(again);
    expect(again.text).toContain(`stale lock ${lockFile(dataDir, 'tech')} of pid ${GONE}`);
    expect((await post(env.PORT, own, read, { id: needId })).data.financingNeed).toMatchObject({
      id: needId,
    });
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 600_000);

  it('names a busy port and the variable that moves it, before opening any database', async () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-ports-'));
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      const env = { ...(await graphEnv(fresh)), SUBGRAPH_PORT_BANKS: String(busy) };
      const start = run('scripts/start.ts', env);
      children.push(start.child);
      expect(await start.exited).toBe(1);
      expect(start.text.trim()).toMatch(
        new RegExp(
          `^npm start: port ${busy} \\(SUBGRAPH_PORT_BANKS\\) on 127\\.0\\.0\\.1 is in use( by pid ${process.pid} \\(.*\\))?; set SUBGRAPH_PORT_BANKS=<another port> or stop what holds it$`,
        ),
      );
      expect(fs.readdirSync(fresh)).toEqual([]);

      const gateway = run('scripts/gateway.ts', { ...env, PORT: String(busy) });
      children.push(gateway.child);
      expect(await gateway.exited).toBe(1);
      expect(gateway.text).toContain(`gateway: port ${busy} (PORT) on 127.0.0.1 is in use`);
      expect(gateway.text).not.toMatch(/^\s+at /m);
    } finally {
      blocker.close();
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  }, 300_000);
});
