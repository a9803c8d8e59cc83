import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  emptyManifest,
  graphqlFiles,
  manifestOperation,
  mergeManifest,
  readManifest,
  TrustedDocuments,
} from '../../gateway/trusted-documents.js';

const BANKS = 'query Banks { banks { id name } }\n';
// `printf 'query Banks { banks { id name } }\n' | sha256sum`, and the same without the newline.
const BANKS_SHA256 = '670527eba2ffe8ca9b58231f00b060f9b32f6895b245f41acc46c9c3c5d4056e';
const TRIMMED_BANKS_SHA256 = 'f16a400150901376228642498c8cb43d0bbb4f7b75b7a8e798815e0f39e6b827';

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
    expect(entry).toEqual({ id: BANKS_SHA256, name: 'Banks', type: 'query', body: BANKS });
    expect(manifestOperation('banks.graphql', BANKS.trim()).id).toBe(TRIMMED_BANKS_SHA256);
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
    // sha256 of the sneaked text.
    const sneakedKey = 'apq:7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b';
    await cache.set(sneakedKey, sneaked);
    expect(await cache.get(sneakedKey)).toBeUndefined();
    expect(trusted.has(entry.id)).toBe(true);
  });
});
