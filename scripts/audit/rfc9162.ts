import { nodeHash } from '../../subgraphs/exchange/log-hash.js';

/**
 * RFC 9162's verification algorithms, written for the auditor apart from the log's own tree code:
 * they share only the hashing definition (log-hash.ts), so a fault in how the log builds its tree
 * or its proofs cannot hide itself here.
 */

/** RFC 9162 §2.1.3.2: verifies an inclusion proof (audit path) of a leaf against a root. */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: string,
  path: readonly string[],
  rootHash: string,
): boolean {
  if (leafIndex < 0 || leafIndex >= treeSize) return false;
  let fn = BigInt(leafIndex);
  let sn = BigInt(treeSize - 1);
  let r = leafHash;
  for (const p of path) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && r === rootHash;
}

/** RFC 9162 §2.1.4.2: verifies that the tree of `second` leaves extends that of `first`. */
export function verifyConsistency(
  first: number,
  second: number,
  firstHash: string,
  secondHash: string,
  proof: readonly string[],
): boolean {
  if (first > second) return false;
  if (first === second) return proof.length === 0 && firstHash === secondHash;
  // Every tree extends the empty one.
  if (first === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = (first & (first - 1)) === 0 ? [firstHash, ...proof] : [...proof];
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return fr === firstHash && sr === secondHash && sn === 0n;
}

/**
 * The Merkle tree hash of a stream of leaves, kept as a stack of complete subtrees (sizes strictly
 * decreasing): pushing a leaf merges equal neighbours, and the root of the leaves so far folds the
 * stack from the right. Memory stays O(log n) however long the log.
 */
export class StreamingRoot {
  private readonly stack: { size: number; hash: string }[] = [];
  count = 0;

  push(leafHash: string): void {
    let top = { size: 1, hash: leafHash };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1].size === top.size) {
      const left = this.stack.pop()!;
      top = { size: left.size * 2, hash: nodeHash(left.hash, top.hash) };
    }
    this.stack.push(top);
    this.count++;
  }

  /** MTH of the leaves pushed so far (undefined for none: the caller knows the empty root). */
  root(): string | undefined {
    let root: string | undefined;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      root = root === undefined ? this.stack[i].hash : nodeHash(this.stack[i].hash, root);
    }
    return root;
  }
}
