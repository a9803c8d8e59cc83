import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../gateway/trusted-documents.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';

// Starting a graph (four PGlite databases, migrated and seeded) is slow on a loaded 2-core machine.
const GRAPH_START_TIMEOUT = 300_000;

const BANKS = 'query Banks {\n  banks {\n    id\n    name\n  }\n}\n';
const ENTERPRISE = 'query Enterprise($id: ID!) {\n  enterprise(id: $id) {\n    id\n  }\n}\n';
// The sha256 of each text, as `printf '<text>' | sha256sum` prints it.
const BANKS_SHA256 = '9496ae79603088f412f70b12cc285017432a5c2a828410f10e9cfce50866f6be';
const ENTERPRISE_SHA256 = 'c8a5c9403b1abd23227a2e7837be93ed4487871d50bf08899a54a5dc79bcd399';
const SNEAKED = '{ banks { id } }';
const SNEAKED_SHA256 = '8d415db974435f4bf63c5cbad75cf74420ef5500c64935c6dec7935581269438';

describe('trusted-documents mode', () => {
  let graph: TestGraph;
  let token: string;
  let folder: string;
  let registerOutput: string;

  const post = async (payload: unknown) => {
    const response = await fetch(graph.graph.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(payload),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-trusted-'));
    fs.mkdirSync(path.join(folder, 'operations', 'nested'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'operations', 'banks.graphql'), BANKS);
    fs.writeFileSync(path.join(folder, 'operations', 'nested', 'enterprise.graphql'), ENTERPRISE);
    const manifest = path.join(folder, 'manifest.json');
    const { stdout } = await promisify(execFile)(
      path.resolve('node_modules/.bin/tsx'),
      ['scripts/register-documents.ts', path.join(folder, 'operations'), '--manifest', manifest],
      { cwd: path.resolve('.') },
    );
    registerOutput = stdout;
    graph = await startTestGraph('pglite', { env: { TRUSTED_DOCUMENTS: manifest } });
    token = await graph.token('finance_office');
  }, GRAPH_START_TIMEOUT);
  afterAll(async () => {
    await graph?.stop();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('registers every .graphql file of a folder by the sha256 of its text', () => {
    const manifest = readManifest(path.join(folder, 'manifest.json'));
    expect(manifest.operations.map((o) => [o.name, o.type, o.id])).toEqual([
      ['Banks', 'query', BANKS_SHA256],
      ['Enterprise', 'query', ENTERPRISE_SHA256],
    ]);
    expect(registerOutput).toContain('2 added, 0 already registered');
  });

  it('runs a registered operation sent as its text', async () => {
    const answer = await post({ query: BANKS });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ banks: [] });
  });

  it('runs a registered operation sent as its hash alone', async () => {
    const answer = await post({
      extensions: { persistedQuery: { version: 1, sha256Hash: ENTERPRISE_SHA256 } },
      variables: { id: 'ent-000001' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ enterprise: null });
  });

  it('refuses an operation that is not registered, even one differing only in spacing', async () => {
    for (const query of ['{ banks { id name } }', BANKS.replace('\n', ' \n')]) {
      const answer = await post({ query });
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      expect(answer.body.errors[0].message).toMatch(/^operation is not a trusted document/);
    }
  });

  it('refuses an unknown hash and never learns one from a client', async () => {
    const register = await post({
      query: SNEAKED,
      extensions: { persistedQuery: { version: 1, sha256Hash: SNEAKED_SHA256 } },
    });
    expect(register.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const byHash = await post({
      extensions: { persistedQuery: { version: 1, sha256Hash: SNEAKED_SHA256 } },
    });
    expect(byHash.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(byHash.body.data).toBeUndefined();
  });

  it('answers a registered text sent with a hash that is not its own with 400 PERSISTED_QUERY_HASH_MISMATCH', async () => {
    for (const sha256Hash of ['wrong', ENTERPRISE_SHA256]) {
      const answer = await post({
        query: BANKS,
        extensions: { persistedQuery: { version: 1, sha256Hash } },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
      expect(answer.body.errors[0].message).toMatch(/sha256Hash does not match/);
    }
  });

  it('applies to GET requests too', async () => {
    const get = (query: string) =>
      fetch(`${graph.graph.gateway.url}?query=${encodeURIComponent(query)}`, {
        headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
      });
    expect((await get(BANKS)).status).toBe(200);
    const refused = await get('{ banks { id } }');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as any).errors[0].extensions.code).toBe(
      'PERSISTED_QUERY_NOT_IN_LIST',
    );
  });
});
