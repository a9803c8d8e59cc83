import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  documentHash,
  emptyManifest,
  graphqlFiles,
  manifestOperation,
  mergeManifest,
  readManifest,
  TrustedDocuments,
} from '../../gateway/trusted-documents.js';

const BANKS = 'query Banks { banks { id name } }\n';

describe('trusted documents', () => {
  const folders: string[] = [];
  const folder = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-docs-'));
    folders.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keys an operation by the sha256 of its exact text, as Apollo Server hashes queries', () => {
    const entry = manifestOperation('banks.graphql', BANKS);
    expect(entry).toEqual({ id: documentHash(BANKS), name: 'Banks', type: 'query', body: BANKS });
    expect(entry.id).toMatch(/^[0-9a-f]{64}$/);
    expect(documentHash(BANKS.trim())).not.toBe(entry.id);
  });

  it('names an anonymous operation after its file and keeps its fragments', () => {
    const body = 'mutation { revokeConsent(id: "c") { ...C } } fragment C on Consent { id }';
    expect(manifestOperation('dir/revoke.graphql', body)).toMatchObject({
      name: 'revoke',
      type: 'mutation',
    });
  });

  it('refuses files that do not parse or hold several operations, naming the file', () => {
    expect(() => manifestOperation('bad.graphql', '{ banks {')).toThrow(
      /^bad\.graphql: Syntax Error/,
    );
    expect(() =>
      manifestOperation('two.graphql', 'query A { banks { id } } query B { banks { id } }'),
    ).toThrow('two.graphql: holds 2 operations; register one per file');
  });

  it('finds .graphql files in nested folders in a stable order', () => {
    const dir = folder();
    fs.mkdirSync(path.join(dir, 'b'));
    fs.writeFileSync(path.join(dir, 'b', 'z.graphql'), BANKS);
    fs.writeFileSync(path.join(dir, 'a.graphql'), BANKS);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a document');
    expect(graphqlFiles(dir).map((f) => path.relative(dir, f))).toEqual([
      'a.graphql',
      path.join('b', 'z.graphql'),
    ]);
  });

  it('merges registrations, keeping one entry per text', () => {
    const one = manifestOperation('banks.graphql', BANKS);
    const first = mergeManifest(emptyManifest(), [one, one]);
    expect(first.added).toBe(1);
    const again = mergeManifest(first.manifest, [one]);
    expect(again.added).toBe(0);
    expect(again.manifest.operations).toHaveLength(1);
  });

  it('refuses a manifest whose ids are not the hashes of their bodies', () => {
    const file = path.join(folder(), 'manifest.json');
    const manifest = emptyManifest();
    manifest.operations.push({
      ...manifestOperation('banks.graphql', BANKS),
      body: '{ banks { id } }',
    });
    fs.writeFileSync(file, JSON.stringify(manifest));
    expect(() => readManifest(file)).toThrow(/id that is not the sha256 of its body/);
    fs.writeFileSync(file, '{"operations": []}');
    expect(() => readManifest(file)).toThrow(/is not an apollo-persisted-query-manifest/);
  });

  it('serves registered bodies to Apollo by hash and ignores attempts to register more', async () => {
    const entry = manifestOperation('banks.graphql', BANKS);
    const trusted = new TrustedDocuments(
      mergeManifest(emptyManifest(), [entry]).manifest,
      'm.json',
    );
    const cache = trusted.cache;
    expect(await cache.get(`apq:${entry.id}`)).toBe(BANKS);
    const sneaked = '{ __typename }';
    await cache.set(`apq:${documentHash(sneaked)}`, sneaked);
    expect(await cache.get(`apq:${documentHash(sneaked)}`)).toBeUndefined();
    expect(trusted.has(entry.id)).toBe(true);
  });
});
