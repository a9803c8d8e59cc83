import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prettyLine } from '../../subgraphs/kernel/logger.js';

const root = path.resolve(import.meta.dirname, '../..');

// Logs one request and one other line, the first while a bar holds the terminal's logs.
const PROGRAM = `
import { createLogger, holdTerminalLogs } from ${JSON.stringify(path.join(root, 'subgraphs/kernel/logger.ts'))};
const logger = createLogger({ log: { level: 'info' } }, { service: 'gateway' });
const release = holdTerminalLogs();
logger.info({ requestId: 'r-1', method: 'POST', path: '/', status: 200, durationMs: 12.5,
  party: 'bank', org: 'icbc', operationName: 'Feed', operationType: 'query' }, 'request');
process.stderr.write('BAR\\n');
release();
logger.warn({ port: 4000 }, 'something to say');
`;

function run(tty: boolean): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-tty-'));
  const file = path.join(dir, 'program.ts');
  fs.writeFileSync(file, PROGRAM);
  const command = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(file)}`;
  try {
    // script(1) gives the program a terminal; without it, stdout is a pipe.
    const result = tty
      ? spawnSync('script', ['-qfec', `${command} 2>&1`, '/dev/null'], {
          cwd: root,
          encoding: 'utf8',
        })
      : spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
    return (result.stdout + (tty ? '' : result.stderr)).replace(/\r/g, '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('logs on a terminal and elsewhere', () => {
  it('makes a request a readable one-liner', () => {
    expect(
      prettyLine({
        level: 30,
        time: 1,
        service: 'gateway',
        msg: 'request',
        requestId: 'r-1',
        method: 'POST',
        path: '/',
        status: 429,
        durationMs: 1.5,
        party: 'bank',
        org: 'icbc',
        operationType: 'query',
        operationName: 'Feed',
        rejectedBy: 'RATE_LIMIT',
      }),
    ).toBe('gateway POST / 429 1.5 ms bank/icbc query Feed (rejected by RATE_LIMIT) [r-1]');
    expect(
      prettyLine({
        service: 'subgraph-tech',
        msg: 'request failed',
        requestId: 'r-2',
        err: { message: 'boom', stack: 'Error: boom\n    at x' },
      }),
    ).toBe('subgraph-tech request failed {"requestId":"r-2"}\n    Error: boom\n    at x');
  });

  it.skipIf(!hasScript)('pretty on a terminal, held while a bar is drawn', () => {
    const out = run(true);
    const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
    expect(plain).toMatch(
      /BAR\n\[\d\d:\d\d:\d\d\.\d{3}\] INFO: gateway POST \/ 200 12\.5 ms bank\/icbc query Feed \[r-1\]\n\[\d\d:\d\d:\d\d\.\d{3}\] WARN: gateway something to say \{"port":4000\}/,
    );
    expect(plain).not.toContain('{"level"');
  });

  it('JSON lines when stdout is not a terminal', () => {
    const lines = run(false)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => [l.level, l.msg, l.service])).toEqual([
      ['info', 'request', 'gateway'],
      ['warn', 'something to say', 'gateway'],
    ]);
  });
});
