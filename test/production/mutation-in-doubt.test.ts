import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedDataSource } from '../../gateway/data-source.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../subgraphs/kernel/keys.js';
import { freePort } from '../helpers/processes.js';
import { call, failure } from '../helpers/data-source.js';

const ENTERPRISE = { party: 'enterprise' as const, org: 'ent-a' };
const MUTATION = 'mutation { submitFinancingNeed(input: {}) { need { id } } }';
const QUERY = '{ banks { id } }';

describe('a subgraph call that fails at the connection', () => {
  let key: SigningKey;
  let dir: string;
  let received = 0;
  // Reads the request, then dies before answering, as a killed process would.
  const dying = http.createServer((req) => {
    received += 1;
    req.resume();
    req.on('end', () => req.socket.destroy());
  });
  let dyingUrl: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-in-doubt-'));
    key = await loadOrCreateSigningKey(path.join(dir, 'key.json'), 'gateway');
    await new Promise<void>((resolve) => dying.listen(0, '127.0.0.1', resolve));
    dyingUrl = `http://127.0.0.1:${(dying.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    dying.closeAllConnections();
    await new Promise((resolve) => dying.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const source = (url: string) =>
    new SignedDataSource('finance', url, key, 60, {
      policy: { timeoutMs: 5_000, retries: 1, backoffMs: 1 },
    });

  it('tells the client a mutation lost after it was sent may have been applied, and sends it once', async () => {
    received = 0;
    const error = await failure(call(source(dyingUrl), MUTATION, ENTERPRISE));
    expect(received).toBe(1);
    expect(error.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'finance' });
    expect(error.message).toBe(
      'subgraph "finance" is unavailable: the connection was lost before it answered, so the mutation may have been applied; its fields are missing from this response',
    );
  });

  it('tells the client a mutation that could not connect was not applied', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/graphql`;
    const error = await failure(call(source(closed), MUTATION, ENTERPRISE));
    expect(error.message).toBe(
      'subgraph "finance" is unavailable: it could not be reached; its fields are missing from this response',
    );
  });

  it('retries a query lost the same way, and reports it unreachable', async () => {
    received = 0;
    const error = await failure(call(source(dyingUrl), QUERY, ENTERPRISE));
    expect(received).toBe(2);
    expect(error.message).toBe(
      'subgraph "finance" is unavailable: it could not be reached; its fields are missing from this response',
    );
  });
});
