import { describe, expect, it } from 'vitest';
import { maskError } from '../../gateway/server.js';

describe('error masking', () => {
  it('keeps only a generic message for errors not written for clients', () => {
    const masked = maskError(
      {
        message: 'relation "credit_lines" does not exist: select * from credit_lines where ...',
        path: ['enterprises', 'nodes', 0, 'creditLines'],
        extensions: {
          code: 'INTERNAL_SERVER_ERROR',
          stacktrace: ['at Repository.find (/srv/...)'],
        },
      },
      new Error('boom'),
    );
    expect(masked).toEqual({
      message: 'internal error',
      path: ['enterprises', 'nodes', 0, 'creditLines'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('masks a failed subgraph response that arrives without a code', () => {
    const masked = maskError(
      {
        message: '500: Internal Server Error',
        extensions: {
          code: 'DOWNSTREAM_SERVICE_ERROR',
          serviceName: 'banks',
          response: { url: 'http://10.0.0.7:4003/graphql', status: 500, body: 'stack…' },
        },
      },
      undefined,
    );
    expect(JSON.stringify(masked)).not.toMatch(/10\.0\.0\.7|graphql|stack/);
    expect(masked.message).toBe('internal error');
  });

  it('strips stacks and subgraph responses even from errors written for clients', () => {
    const masked = maskError(
      {
        message: 'Forbidden',
        extensions: {
          code: 'FORBIDDEN',
          stacktrace: ['at x'],
          exception: { stacktrace: ['at y'] },
          response: { url: 'http://banks.internal:4003/graphql', status: 403 },
        },
      },
      undefined,
    );
    expect(masked).toEqual({ message: 'Forbidden', extensions: { code: 'FORBIDDEN' } });
  });

  it('passes the bounds, trusted-documents and availability errors through with their details', () => {
    for (const code of [
      'OPERATION_TOO_COMPLEX',
      'PERSISTED_QUERY_NOT_IN_LIST',
      'SUBGRAPH_UNAVAILABLE',
      'BAD_USER_INPUT',
      'UNAUTHORIZED_FIELD_OR_TYPE',
    ]) {
      const error = { message: `a ${code} message`, extensions: { code, limit: 'MAX_DEPTH' } };
      expect(maskError(error, undefined)).toEqual(error);
    }
  });
});
