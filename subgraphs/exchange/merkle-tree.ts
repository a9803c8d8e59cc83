import { EMPTY_ROOT, nodeHash } from './log-hash.js';

/**
 * The disclosure log's Merkle tree (RFC 9162 §2.1) as the log keeps it: only perfect subtrees are
 * stored, each once, as the hash at (level, index) covering leaves [index·2^level, (index+1)·2^level).
 * Any subtree the RFC's algorithms name starts at a multiple of a power of two at least its size,
 * so it is a perfect node or splits into the perfect nodes of its size's binary digits: a root,
 * an inclusion proof or a consistency proof reads at most 2·log2(n) stored nodes, in one batch.
 */

export interface NodeKey {
  level: number;
  index: number;
}

/** Reads stored perfect-subtree hashes; a key missing from the answer means the tree is damaged. */
export type NodeReader = (keys: NodeKey[]) => Promise<Map<string, string>>;

export const nodeKey = (level: number, index: number) => `${level}/${index}`;

type NodeOf = (level: number, index: number) => string;

/** The largest power of two smaller than n (n > 1): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function perfectLevel(size: number): number | undefined {
  let level = 0;
  while (2 ** level < size) level++;
  return 2 ** level === size ? level : undefined;
}

/** MTH(D[start:end]) from stored perfect subtrees. */
function subtreeHash(node: NodeOf, start: number, end: number): string {
  const level = perfectLevel(end - start);
  if (level !== undefined) return node(level, start / 2 ** level);
  const k = splitPoint(end - start);
  return nodeHash(subtreeHash(node, start, start + k), subtreeHash(node, start + k, end));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[start:end]) with m absolute. */
function inclusionPath(node: NodeOf, m: number, start: number, end: number): string[] {
  if (end - start <= 1) return [];
  const k = splitPoint(end - start);
  if (m < start + k) {
    return [...inclusionPath(node, m, start, start + k), subtreeHash(node, start + k, end)];
  }
  return [...inclusionPath(node, m, start + k, end), subtreeHash(node, start, start + k)];
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[start:end], b) with m relative to start. */
function subproof(node: NodeOf, m: number, start: number, end: number, b: boolean): string[] {
  const n = end - start;
  if (m === n) return b ? [] : [subtreeHash(node, start, end)];
  const k = splitPoint(n);
  if (m <= k) {
    return [...subproof(node, m, start, start + k, b), subtreeHash(node, start + k, end)];
  }
  return [...subproof(node, m - k, start + k, end, false), subtreeHash(node, start, start + k)];
}

/**
 * Runs `compute` twice: once to learn which stored nodes it needs, then over those nodes read in
 * one batch.
 */
async function withNodes<T>(read: NodeReader, compute: (node: NodeOf) => T): Promise<T> {
  const wanted = new Map<string, NodeKey>();
  compute((level, index) => {
    wanted.set(nodeKey(level, index), { level, index });
    return EMPTY_ROOT;
  });
  const found = wanted.size === 0 ? new Map<string, string>() : await read([...wanted.values()]);
  return compute((level, index) => {
    const hash = found.get(nodeKey(level, index));
    if (hash === undefined) throw new Error(`the log's tree lacks node ${nodeKey(level, index)}`);
    return hash;
  });
}

/** MTH of the first `size` leaves. */
export function treeRoot(read: NodeReader, size: number): Promise<string> {
  if (size === 0) return Promise.resolve(EMPTY_ROOT);
  return withNodes(read, (node) => subtreeHash(node, 0, size));
}

/** The audit path of leaf `index` in the tree of the first `size` leaves (index < size). */
export function inclusionProof(read: NodeReader, index: number, size: number): Promise<string[]> {
  return withNodes(read, (node) => inclusionPath(node, index, 0, size));
}

/** The consistency proof from the tree of `first` leaves to that of `second` (first ≤ second). */
export function consistencyProof(
  read: NodeReader,
  first: number,
  second: number,
): Promise<string[]> {
  if (first === 0 || first === second) return Promise.resolve([]);
  return withNodes(read, (node) => subproof(node, first, 0, second, true));
}

/** A perfect subtree hash to store. */
export interface TreeNode extends NodeKey {
  hash: string;
}

/**
 * The right edge of the tree: for each set bit `level` of its size, the perfect subtree of that
 * level ending at the last leaf. Appending a leaf completes the perfect nodes it closes, which are
 * all the sequencer has to store; the root folds the edge from the smallest subtree up.
 */
export class Frontier {
  private constructor(
    public size: number,
    private readonly edge: Map<number, string>,
  ) {}

  /** The keys of the edge of a tree of `size` leaves. */
  static keys(size: number): NodeKey[] {
    const keys: NodeKey[] = [];
    for (let level = 0; 2 ** level <= size; level++) {
      if (Math.floor(size / 2 ** level) % 2 === 1) {
        keys.push({ level, index: Math.floor(size / 2 ** level) - 1 });
      }
    }
    return keys;
  }

  static async load(read: NodeReader, size: number): Promise<Frontier> {
    const keys = Frontier.keys(size);
    const found = keys.length === 0 ? new Map<string, string>() : await read(keys);
    const edge = new Map<number, string>();
    for (const { level, index } of keys) {
      const hash = found.get(nodeKey(level, index));
      if (hash === undefined) throw new Error(`the log's tree lacks node ${nodeKey(level, index)}`);
      edge.set(level, hash);
    }
    return new Frontier(size, edge);
  }

  /** Appends one leaf and returns the nodes it completes, the leaf itself first. */
  append(leaf: string): TreeNode[] {
    const index = this.size;
    const completed: TreeNode[] = [{ level: 0, index, hash: leaf }];
    let hash = leaf;
    let level = 0;
    for (; this.edge.has(level); level++) {
      hash = nodeHash(this.edge.get(level)!, hash);
      this.edge.delete(level);
      completed.push({ level: level + 1, index: Math.floor(index / 2 ** (level + 1)), hash });
    }
    this.edge.set(level, hash);
    this.size++;
    return completed;
  }

  root(): string {
    let root: string | undefined;
    for (const level of [...this.edge.keys()].sort((a, b) => a - b)) {
      const hash = this.edge.get(level)!;
      root = root === undefined ? hash : nodeHash(hash, root);
    }
    return root ?? EMPTY_ROOT;
  }
}
