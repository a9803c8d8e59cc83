import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  Frontier,
  inclusionProof,
  nodeKey,
  treeRoot,
  type NodeReader,
} from '../../subgraphs/exchange/merkle-tree.js';
import { StreamingRoot, verifyConsistency, verifyInclusion } from '../../scripts/audit/rfc9162.js';

// The RFC's definitions written out directly (RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1), over the raw
// leaf inputs, with their own SHA-256: the vectors the log's tree and the auditor are held to.
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);

function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha256();
  if (d.length === 1) return sha256(Buffer.from([0]), d[0]);
  const split = k(d.length);
  return sha256(Buffer.from([1]), mth(d.slice(0, split)), mth(d.slice(split)));
}

function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const split = k(d.length);
  return m < split
    ? [...path(m, d.slice(0, split)), mth(d.slice(split))]
    : [...path(m - split, d.slice(split)), mth(d.slice(0, split))];
}

function subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const split = k(d.length);
  return m <= split
    ? [...subproof(m, d.slice(0, split), b), mth(d.slice(split))]
    : [...subproof(m - split, d.slice(split), false), mth(d.slice(0, split))];
}

const hex = (list: Buffer[]) => list.map((b) => b.toString('hex'));
const inputs = Array.from({ length: 40 }, (_, i) => Buffer.from(`entry ${i} of the test log`));
const leafOf = (input: Buffer) => sha256(Buffer.from([0]), input).toString('hex');

/** The log's stored nodes after appending every input, read as the database would serve them. */
function storedTree(count: number): { read: NodeReader; reads: number[] } {
  const nodes = new Map<string, string>();
  return Frontier.load(async () => new Map(), 0).then((frontier) => {
    for (const input of inputs.slice(0, count)) {
      for (const node of frontier.append(leafOf(input))) {
        nodes.set(nodeKey(node.level, node.index), node.hash);
      }
    }
    const reads: number[] = [];
    const read: NodeReader = async (keys) => {
      reads.push(keys.length);
      return new Map(
        keys.map((key) => [
          nodeKey(key.level, key.index),
          nodes.get(nodeKey(key.level, key.index))!,
        ]),
      );
    };
    return { read, reads };
  }) as never;
}

describe('the disclosure log Merkle tree (RFC 9162)', () => {
  it('has the root of the empty tree as SHA-256 of nothing', async () => {
    const { read } = await storedTree(0);
    expect(await treeRoot(read, 0)).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('computes every root and audit path the RFC defines, and the auditor verifies them', async () => {
    const { read, reads } = await storedTree(inputs.length);
    for (let n = 1; n <= inputs.length; n++) {
      const root = mth(inputs.slice(0, n)).toString('hex');
      expect(await treeRoot(read, n)).toBe(root);
      for (let m = 0; m < n; m++) {
        const proof = await inclusionProof(read, m, n);
        expect(proof).toEqual(hex(path(m, inputs.slice(0, n))));
        expect(verifyInclusion(m, n, leafOf(inputs[m]), proof, root)).toBe(true);
      }
    }
    // One batch per proof, of at most 2·log2(n) stored nodes.
    expect(Math.max(...reads)).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(inputs.length)));
  });

  it('computes every consistency proof the RFC defines, and the auditor verifies them', async () => {
    const { read } = await storedTree(inputs.length);
    for (let n = 1; n <= inputs.length; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = await consistencyProof(read, m, n);
        expect(proof).toEqual(hex(subproof(m, inputs.slice(0, n), true)));
        const first = mth(inputs.slice(0, m)).toString('hex');
        const second = mth(inputs.slice(0, n)).toString('hex');
        expect(verifyConsistency(m, n, first, second, proof)).toBe(true);
      }
    }
  });

  it('rejects a proof for another leaf, a changed path or a root of another tree', async () => {
    const { read } = await storedTree(inputs.length);
    const n = 21;
    const root = mth(inputs.slice(0, n)).toString('hex');
    const proof = await inclusionProof(read, 6, n);
    expect(verifyInclusion(6, n, leafOf(inputs[7]), proof, root)).toBe(false);
    expect(verifyInclusion(7, n, leafOf(inputs[6]), proof, root)).toBe(false);
    const flipped = [...proof];
    flipped[1] = leafOf(Buffer.from('forged'));
    expect(verifyInclusion(6, n, leafOf(inputs[6]), flipped, root)).toBe(false);
    expect(verifyInclusion(6, 40, leafOf(inputs[6]), proof, root)).toBe(false);

    const consistency = await consistencyProof(read, 13, n);
    const forkedFirst = mth([...inputs.slice(0, 12), Buffer.from('forged')]).toString('hex');
    expect(verifyConsistency(13, n, forkedFirst, root, consistency)).toBe(false);
    const forkedSecond = mth([...inputs.slice(0, n - 1), Buffer.from('forged')]).toString('hex');
    expect(
      verifyConsistency(13, n, mth(inputs.slice(0, 13)).toString('hex'), forkedSecond, consistency),
    ).toBe(false);
  });

  it('streams the same root as the stored tree for every size', async () => {
    const stream = new StreamingRoot();
    for (let n = 1; n <= inputs.length; n++) {
      stream.push(leafOf(inputs[n - 1]));
      expect(stream.root()).toBe(mth(inputs.slice(0, n)).toString('hex'));
    }
  });

  it('resumes appending from the stored right edge alone', async () => {
    const { read } = await storedTree(inputs.length);
    for (const size of [1, 6, 7, 16, 23]) {
      const frontier = await Frontier.load(read, size);
      expect(frontier.root()).toBe(mth(inputs.slice(0, size)).toString('hex'));
      frontier.append(leafOf(inputs[size]));
      expect(frontier.root()).toBe(mth(inputs.slice(0, size + 1)).toString('hex'));
    }
  });
});
