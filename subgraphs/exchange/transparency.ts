import type { Db } from '../kernel/db.js';
import { badInput } from '../kernel/errors.js';
import {
  latestTreeHead,
  leafIndexes,
  nodeReader,
  treeHeadOfSize,
  type SignedTreeHead,
} from './log-store.js';
import { consistencyProof, inclusionProof } from './merkle-tree.js';

export interface InclusionProofResult {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  auditPath: string[];
}

/**
 * What the graph serves of the disclosure log's Merkle tree: signed heads and proofs, each read
 * from the stored perfect subtrees in one statement (O(log n) rows by key).
 */
export class Transparency {
  private latest?: Promise<SignedTreeHead | undefined>;

  constructor(private readonly db: Db) {}

  /** The latest signed head, read once per request so every proof in it uses the same tree. */
  latestHead(): Promise<SignedTreeHead | undefined> {
    this.latest ??= latestTreeHead(this.db);
    return this.latest;
  }

  /** The signed head of `size` entries, or the latest; a size never signed is the caller's error. */
  async treeHead(size: number | null | undefined, field = 'treeSize'): Promise<SignedTreeHead> {
    if (size !== null && size !== undefined && size < 0) {
      throw badInput(field, 'a tree size is 0 or more');
    }
    const latest = await this.latestHead();
    const head =
      size === null || size === undefined || size === latest?.treeSize
        ? latest
        : await treeHeadOfSize(this.db, size);
    if (!head) {
      throw badInput(field, `the log has no signed tree head of ${size ?? 'any'} entries`);
    }
    return head;
  }

  async consistency(first: number, second: number) {
    if (first < 0) throw badInput('first', 'a tree size is 0 or more');
    if (first > second) throw badInput('first', 'must not exceed second');
    const latest = await this.latestHead();
    if (second > (latest?.treeSize ?? 0)) {
      throw badInput('second', `the latest signed tree head has ${latest?.treeSize ?? 0} entries`);
    }
    return { first, second, path: await consistencyProof(nodeReader(this.db), first, second) };
  }

  async inclusion(
    leafIndex: number | null,
    leafHash: string,
    size: number | null | undefined,
  ): Promise<InclusionProofResult | null> {
    const head = await this.treeHead(size);
    if (leafIndex === null || leafIndex >= head.treeSize) return null;
    const auditPath = await inclusionProof(nodeReader(this.db), leafIndex, head.treeSize);
    return { leafIndex, treeSize: head.treeSize, leafHash, rootHash: head.rootHash, auditPath };
  }

  /** Leaf indexes by entry seq, for a batch of entries. */
  leafIndexes(seqs: readonly string[]): Promise<Map<number, number>> {
    return leafIndexes(this.db, seqs.map(Number));
  }
}
