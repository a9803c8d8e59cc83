import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultGatewayUrl } from '../../scripts/pull-feed.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('pull-feed without --url', () => {
  it('calls the gateway of the current configuration', () => {
    expect(defaultGatewayUrl({})).toBe('http://127.0.0.1:4000/');
    expect(defaultGatewayUrl({ PORT: '4100' })).toBe('http://127.0.0.1:4100/');
    expect(defaultGatewayUrl({ PORT: '4100', HOST: '0.0.0.0' })).toBe('http://127.0.0.1:4100/');
    expect(defaultGatewayUrl({ HOST: '10.0.0.5' })).toBe('http://10.0.0.5:4000/');
    expect(defaultGatewayUrl({ HOST: '::' })).toBe('http://[::1]:4000/');
  });

  it('follows PORT when run as a script, and --url still overrides it', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.headers.host}`);
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'no', extensions: { code: 'AUTH_ERROR' } }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-pull-'));
    const pull = (env: Record<string, string>, args: string[] = []) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            'scripts/pull-feed.ts',
            '--token',
            't',
            '--out',
            path.join(dir, 'f.ndjson'),
            ...args,
          ],
          { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    try {
      const byPort = await pull({ PORT: String(port), HOST: '127.0.0.1' });
      expect(byPort.stderr).toContain('pull-feed: no (AUTH_ERROR)');
      expect(byPort.code).toBe(1);
      const byUrl = await pull({ PORT: '1' }, ['--url', `http://127.0.0.1:${port}/`]);
      expect(byUrl.code).toBe(1);
      expect(seen).toEqual([`127.0.0.1:${port}`, `127.0.0.1:${port}`]);
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('keeps its cursor files out of git', () => {
    const ignored = spawnSync(
      'git',
      ['check-ignore', 'icbc.ndjson.cursor', 'feeds/icbc.ndjson.cursor.1234.tmp'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(ignored.stdout.trim().split('\n')).toEqual([
      'icbc.ndjson.cursor',
      'feeds/icbc.ndjson.cursor.1234.tmp',
    ]);
  });
});
