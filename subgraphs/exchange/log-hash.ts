import { createHash } from 'node:crypto';

/**
 * The disclosure log's hashing definition, the one thing the log and its independent verifier
 * (`npm run audit:verify`) share: what an entry's bytes are, and RFC 9162's Merkle tree hashing
 * over them. Hashes travel as lowercase hex.
 */

/** The fields of an entry that its leaf covers, as stored. */
export interface LoggedEntry {
  at: Date;
  requestId: string;
  operationName: string | null;
  party: string;
  org: string | null;
  subject: string;
  enterpriseId: string;
  fields: string[];
  basis: unknown;
  purpose: string | null;
  /** Set only on the entries of the hash chain the tree replaced; null on later ones. */
  prevHash: string | null;
}

/** JSON with object keys sorted at every level: jsonb does not keep key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The canonical form of an entry: fixed order, ISO time, sorted fields and keys. */
export function canonicalEntry(entry: LoggedEntry): string {
  return stableJson([
    entry.at.toISOString(),
    entry.requestId,
    entry.operationName ?? null,
    entry.party,
    entry.org ?? null,
    entry.subject,
    entry.enterpriseId,
    [...entry.fields].sort(),
    entry.basis,
    entry.purpose ?? null,
    entry.prevHash ?? null,
  ]);
}

/** MTH({}) = SHA-256 of the empty string: the root of the empty tree. */
export const EMPTY_ROOT = createHash('sha256').digest('hex');

/** RFC 9162 §2.1.1: a leaf's hash is SHA-256(0x00 || entry). */
export function leafHash(entry: LoggedEntry): string {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(canonicalEntry(entry), 'utf8')
    .digest('hex');
}

/** RFC 9162 §2.1.1: an interior node's hash is SHA-256(0x01 || left || right). */
export function nodeHash(left: string, right: string): string {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(Buffer.from(left, 'hex'))
    .update(Buffer.from(right, 'hex'))
    .digest('hex');
}
