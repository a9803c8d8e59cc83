import fs from 'node:fs';
import type { PublishedHead, Witnessed } from './log-audit.js';

/**
 * A witness's memory between runs: `FILE` holds the last tree head it trusted (JSON, as
 * published), `FILE.leaves` the leaf hashes that head covered, 32 bytes each, so a later run names
 * the first entry that changed rather than only finding that something did.
 */
export function readWitness(file: string): Witnessed | undefined {
  if (!fs.existsSync(file)) return undefined;
  const head = JSON.parse(fs.readFileSync(file, 'utf8')) as PublishedHead;
  const leavesFile = `${file}.leaves`;
  const leaves = fs.existsSync(leavesFile) ? fs.readFileSync(leavesFile) : undefined;
  return { head, leaves: leaves?.length === head.treeSize * 32 ? leaves : undefined };
}

export function writeWitnessHead(file: string, head: PublishedHead): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(head, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** The leaf hashes of this run, written as the walk goes and kept only if the log was sound. */
export class WitnessLeaves {
  private readonly tmp: string;
  private readonly fd: number;

  constructor(private readonly file: string) {
    this.tmp = `${file}.leaves.${process.pid}.tmp`;
    this.fd = fs.openSync(this.tmp, 'w');
  }

  write(hashes: string[]): void {
    fs.writeSync(this.fd, Buffer.from(hashes.join(''), 'hex'));
  }

  commit(): void {
    fs.closeSync(this.fd);
    fs.renameSync(this.tmp, `${this.file}.leaves`);
  }

  discard(): void {
    fs.closeSync(this.fd);
    fs.rmSync(this.tmp, { force: true });
  }
}
