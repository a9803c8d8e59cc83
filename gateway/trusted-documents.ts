import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GraphQLError, Kind, parse } from 'graphql';

/** One registered operation, as in Apollo's persisted query manifest. */
export interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

/** Apollo's persisted-query manifest format, so Apollo's client tooling and Router can share it. */
export interface Manifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: ManifestOperation[];
}

/** The id of a document: sha256 of its exact text, as Apollo Server computes `queryHash`. */
export function documentHash(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

export function emptyManifest(): Manifest {
  return { format: 'apollo-persisted-query-manifest', version: 1, operations: [] };
}

export function readManifest(file: string): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (error) {
    throw new Error(
      `trusted documents manifest ${file} cannot be read: ${(error as Error).message}`,
    );
  }
  if (
    manifest?.format !== 'apollo-persisted-query-manifest' ||
    !Array.isArray(manifest.operations)
  ) {
    throw new Error(`${file} is not an apollo-persisted-query-manifest`);
  }
  for (const operation of manifest.operations) {
    if (documentHash(operation.body) !== operation.id) {
      throw new Error(
        `${file}: operation ${operation.name} has an id that is not the sha256 of its body`,
      );
    }
  }
  return manifest;
}

/**
 * A manifest entry for one .graphql file: the file's exact text is the document clients send. One
 * operation per file (with any fragments it uses) keeps names and hashes one to one.
 */
export function manifestOperation(file: string, body: string): ManifestOperation {
  let document;
  try {
    document = parse(body);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || operations[0].kind !== Kind.OPERATION_DEFINITION) {
    throw new Error(`${file}: holds ${operations.length} operations; register one per file`);
  }
  const operation = operations[0];
  return {
    id: documentHash(body),
    name: operation.name?.value ?? path.basename(file, '.graphql'),
    type: operation.operation,
    body,
  };
}

/** Every .graphql file under a folder, depth first, in a stable order. */
export function graphqlFiles(folder: string): string[] {
  const found: string[] = [];
  for (const entry of fs
    .readdirSync(folder, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) found.push(...graphqlFiles(full));
    else if (entry.name.endsWith('.graphql')) found.push(full);
  }
  return found;
}

/** Adds operations to a manifest; registering the same text twice keeps one entry. */
export function mergeManifest(
  manifest: Manifest,
  added: ManifestOperation[],
): { manifest: Manifest; added: number } {
  const known = new Set(manifest.operations.map((o) => o.id));
  const fresh: ManifestOperation[] = [];
  for (const operation of added) {
    if (known.has(operation.id)) continue;
    known.add(operation.id);
    fresh.push(operation);
  }
  return {
    manifest: { ...manifest, operations: [...manifest.operations, ...fresh] },
    added: fresh.length,
  };
}

/**
 * Trusted-documents mode: only operations registered in the manifest run. A client may send the
 * registered text, or just its hash (`extensions.persistedQuery.sha256Hash`, Apollo's persisted
 * query protocol), which Apollo Server resolves through `cache`.
 */
export class TrustedDocuments {
  private readonly bodies: Map<string, string>;

  constructor(
    manifest: Manifest,
    readonly source: string,
  ) {
    this.bodies = new Map(manifest.operations.map((o) => [o.id, o.body]));
  }

  static load(file: string): TrustedDocuments {
    return new TrustedDocuments(readManifest(file), file);
  }

  get size(): number {
    return this.bodies.size;
  }

  has(hash: string): boolean {
    return this.bodies.has(hash);
  }

  /** Apollo Server's persisted-query cache over the manifest; a client can never add to it. */
  get cache() {
    // Apollo prefixes its keys ("apq:") to share a cache with other users.
    const id = (key: string) => key.slice(key.indexOf(':') + 1);
    return {
      get: async (key: string) => this.bodies.get(id(key)),
      set: async (_key: string, _value: string) => {},
      delete: async () => false,
    };
  }

  /** The refusal for a query text that is not registered, checked before Apollo parses it. */
  refusal(query: string): GraphQLError | null {
    if (this.has(documentHash(query))) return null;
    return new GraphQLError(
      'operation is not a trusted document: this gateway runs only operations registered in its manifest ' +
        '(register it with npm run documents:register, or send a registered one)',
      { extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', http: { status: 400 } } },
    );
  }
}

/**
 * Apollo's persisted-query protocol, checked before Apollo sees the request: a hash sent beside
 * a query text must be that text's sha256, and the protocol's version 1. Apollo answers either
 * fault with an error that has no code, which would reach the client masked as an internal
 * error; these say what is wrong.
 */
export function persistedQueryRefusal(
  query: string | undefined,
  extensions: unknown,
): GraphQLError | null {
  const persisted =
    extensions && typeof extensions === 'object'
      ? (extensions as { persistedQuery?: unknown }).persistedQuery
      : undefined;
  if (!persisted || typeof persisted !== 'object') return null;
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1) {
    return new GraphQLError(
      `persisted query version ${JSON.stringify(version ?? null)} is not supported: send version 1`,
      { extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED', http: { status: 400 } } },
    );
  }
  if (typeof sha256Hash !== 'string' || !sha256Hash) {
    return new GraphQLError('persisted query needs its sha256Hash', {
      extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
    });
  }
  if (query !== undefined && documentHash(query) !== sha256Hash.toLowerCase()) {
    return new GraphQLError(
      'persisted query sha256Hash does not match the sha256 of the query text sent with it: send the hash of that exact text, or the hash alone',
      { extensions: { code: 'PERSISTED_QUERY_HASH_MISMATCH', http: { status: 400 } } },
    );
  }
  return null;
}
