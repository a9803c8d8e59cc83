import { describe, expect, it } from 'vitest';
import { requestLine } from '../../gateway/observability.js';
import { createLogger } from '../../subgraphs/kernel/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line)) };
  return { lines, stream };
}

describe('structured logs', () => {
  it('writes one JSON object a line with level, time and the service', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ log: { level: 'info' } }, { service: 'gateway' }, stream);
    logger.info({ requestId: 'r1' }, 'request');
    logger.debug('not at info level');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'gateway',
      requestId: 'r1',
      msg: 'request',
    });
    expect(new Date(lines[0].time as string).toISOString()).toBe(lines[0].time);
  });

  it('builds request lines from chosen fields: who, what, how long, how it ended', () => {
    const line = requestLine(
      {
        requestId: 'r2',
        method: 'POST',
        path: '/graphql',
        party: 'bank',
        org: 'icbc',
        operationName: 'ProspectFeed',
        operationType: 'query',
        errorCodes: ['UNAUTHORIZED_FIELD_OR_TYPE'],
      },
      200,
      12.345,
    );
    expect(line).toEqual({
      requestId: 'r2',
      method: 'POST',
      path: '/graphql',
      status: 200,
      durationMs: 12.3,
      party: 'bank',
      org: 'icbc',
      operationName: 'ProspectFeed',
      operationType: 'query',
      rejectedBy: undefined,
      errorCodes: ['UNAUTHORIZED_FIELD_OR_TYPE'],
    });
  });

  it('redacts a token put into a log object by mistake', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ log: { level: 'info' } }, { service: 'gateway' }, stream);
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    logger.info(
      { authorization: `Bearer ${token}`, headers: { authorization: token }, token },
      'oops',
    );
    expect(JSON.stringify(lines)).not.toContain(token);
    expect(lines[0]).toMatchObject({ authorization: '[redacted]', token: '[redacted]' });
  });
});
