import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { DisclosureLog } from '../../gateway/disclosure-log.js';
import { LogSequencer, loadTreeHeadKey } from '../../gateway/log-sequencer.js';
import { openDatabase, type Database } from '../../subgraphs/kernel/db.js';
import { leafIndexes, nodeReader } from '../../subgraphs/exchange/log-store.js';
import { inclusionProof, treeRoot } from '../../subgraphs/exchange/merkle-tree.js';
import { verifyInclusion } from '../audit/rfc9162.js';
import { SERVER_URL } from './databases.js';
import { distribution } from './stats.js';

/**
 * `npm run bench -- --log`: the disclosure log alone on PostgreSQL. Entries acknowledged per
 * second by 1, 4 and 16 concurrent writers in one gateway and 16 split over two replicas, each
 * replica running its sequencer; how long after the last write the tree head covers everything;
 * and the time to prove an entry's inclusion in trees of 1M and 10M leaves (built by bulk SQL).
 */

const caller = (requestId: string) => ({
  sub: 'bench-bank',
  party: 'bank' as const,
  org: 'abc',
  scopes: new Set<string>(),
  requestId,
});

const ENTRY = {
  enterpriseId: 'ent-bench',
  fields: ['Enterprise.contact', 'Enterprise.financials'],
  bases: [{ policy: 'consent' as const, dataSet: 'CONTACT' as const, consentId: 'cons-bench' }],
};

async function freshDatabase(name: string, replicas: number): Promise<Database[]> {
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const first = await openDatabase('exchange', { url: url.href });
  const rest = [];
  for (let i = 1; i < replicas; i++) {
    rest.push(await openDatabase('exchange', { url: url.href, migrate: false }));
  }
  return [first, ...rest];
}

export interface WriteFigures {
  writers: number;
  replicas: number;
  entriesPerSecond: number;
  writeMs: { p50: number; p99: number };
  /** From the last acknowledged write until a signed head covered every entry. */
  integratedAfterMs: number;
}

async function measureWrites(
  writers: number,
  replicas: number,
  durationMs: number,
  keyDir: string,
): Promise<WriteFigures> {
  const databases = await freshDatabase('kx_bench_log', replicas);
  const key = await loadTreeHeadKey({ dataDir: keyDir });
  const logs = databases.map((database) => new DisclosureLog(database));
  const sequencers = databases.map((database) => new LogSequencer(database, key, 200));
  sequencers.forEach((sequencer) => sequencer.start());
  const latencies: number[] = [];
  const end = performance.now() + durationMs;
  let written = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const started = performance.now();
        await logs[w % logs.length].record(
          { caller: caller(`w${w}-${i}`), operationName: 'Dossier' },
          [ENTRY],
        );
        latencies.push(performance.now() - started);
        written++;
      }
    }),
  );
  const elapsed = performance.now() - (end - durationMs);
  const lastWrite = performance.now();
  for (;;) {
    const head = await sequencers[0].latestTreeHead();
    if (head && head.treeSize >= written) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const integratedAfterMs = performance.now() - lastWrite;
  await Promise.all(sequencers.map((sequencer) => sequencer.stop()));
  await Promise.all(databases.map((database) => database.close()));
  const d = distribution(latencies);
  return {
    writers,
    replicas,
    entriesPerSecond: (written / elapsed) * 1000,
    writeMs: { p50: d.p50, p99: d.p99 },
    integratedAfterMs,
  };
}

/** Leaves [from, to) and the perfect subtrees they complete, by bulk SQL (RFC 9162 hashing). */
async function growTree(db: Database, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += 1_000_000) {
    const stop = Math.min(to, start + 1_000_000);
    await db.rows(sql`insert into log_nodes (level, idx, hash)
      select 0, i, encode(sha256('\\x00'::bytea || convert_to('bench entry ' || i, 'UTF8')), 'hex')
      from generate_series(${start}::bigint, ${stop - 1}::bigint) i`);
  }
  for (let level = 1; 2 ** level <= to; level++) {
    const a = Math.floor(from / 2 ** level);
    const b = Math.floor(to / 2 ** level);
    if (b <= a) continue;
    await db.rows(sql`insert into log_nodes (level, idx, hash)
      select ${level}, i, encode(sha256('\\x01'::bytea || decode(l.hash, 'hex')
        || decode(r.hash, 'hex')), 'hex')
      from generate_series(${a}::bigint, ${b - 1}::bigint) i
      join log_nodes l on l.level = ${level - 1} and l.idx = 2 * i
      join log_nodes r on r.level = ${level - 1} and r.idx = 2 * i + 1`);
  }
}

export interface ProofFigures {
  leaves: number;
  buildSeconds: number;
  proofMs: { p50: number; p99: number };
  nodesRead: number;
}

async function measureProofs(db: Database, leaves: number, samples: number) {
  const read = nodeReader(db.db);
  const root = await treeRoot(read, leaves);
  const latencies: number[] = [];
  let nodesRead = 0;
  for (let s = 0; s < samples; s++) {
    const index = Math.floor(Math.random() * leaves);
    const started = performance.now();
    const proof = await inclusionProof(read, index, leaves);
    latencies.push(performance.now() - started);
    nodesRead = Math.max(nodesRead, proof.length);
    const [{ hash }] = await db.rows<{ hash: string }>(
      sql`select hash from log_nodes where level = 0 and idx = ${index}`,
    );
    if (!verifyInclusion(index, leaves, hash, proof, root)) {
      throw new Error(`the proof of leaf ${index} in ${leaves} does not verify`);
    }
  }
  const d = distribution(latencies);
  return { proofMs: { p50: d.p50, p99: d.p99 }, nodesRead };
}

/** Trees of each size in turn, each grown from the last: proof time per size. */
async function measureTrees(sizes: number[], samples: number): Promise<ProofFigures[]> {
  const [db] = await freshDatabase('kx_bench_log_tree', 1);
  const figures: ProofFigures[] = [];
  try {
    let size = 0;
    for (const leaves of sizes) {
      const started = performance.now();
      await growTree(db, size, leaves);
      await db.rows(sql`vacuum analyze log_nodes`);
      const buildSeconds = (performance.now() - started) / 1000;
      size = leaves;
      figures.push({ leaves, buildSeconds, ...(await measureProofs(db, leaves, samples)) });
      console.log(`  tree of ${leaves} leaves: ${JSON.stringify(figures.at(-1))}`);
    }
  } finally {
    await db.close();
  }
  return figures;
}

function report(writes: WriteFigures[], trees: ProofFigures[], load: number[]): string {
  const ms = (n: number) => n.toFixed(n < 10 ? 2 : 0);
  const lines = [
    '# Disclosure log benchmark',
    '',
    `\`npm run bench -- --log\` on ${os.cpus().length} cores, ${new Date().toISOString()}, ` +
      `PostgreSQL at BENCH_DATABASE_URL; load average before the run ${load.map((l) => l.toFixed(2)).join(' ')} ` +
      '(a shared machine: other work ran at the same time, so figures are noisy).',
    '',
    '## Writes',
    '',
    'Each writer is a loop of requests disclosing one entry each; a gateway (replica) has its own',
    'connection pool, its group commit and its sequencer (every 200 ms).',
    '',
    '| writers | replicas | entries/s | write p50 ms | write p99 ms | in a signed head after (ms) |',
    '|---:|---:|---:|---:|---:|---:|',
    ...writes.map(
      (w) =>
        `| ${w.writers} | ${w.replicas} | ${w.entriesPerSecond.toFixed(0)} | ${ms(w.writeMs.p50)} | ${ms(w.writeMs.p99)} | ${w.integratedAfterMs.toFixed(0)} |`,
    ),
    '',
    '## Inclusion proofs',
    '',
    'Leaves and their perfect subtrees generated by bulk SQL (RFC 9162 hashing in SQL); each proof',
    'is read by `inclusionProof` from the stored nodes in one statement and verified.',
    '',
    '| leaves | build s | proof p50 ms | proof p99 ms | path length |',
    '|---:|---:|---:|---:|---:|',
    ...trees.map(
      (t) =>
        `| ${t.leaves.toLocaleString('en')} | ${t.buildSeconds.toFixed(0)} | ${ms(t.proofMs.p50)} | ${ms(t.proofMs.p99)} | ${t.nodesRead} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** Runs the log benchmark and writes `scripts/bench/log-results.md`. */
export async function runLogBench(options: {
  durationMs: number;
  treeSizes: number[];
  samples: number;
  out: string;
}): Promise<void> {
  const load = os.loadavg();
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-bench-log-'));
  try {
    const writes: WriteFigures[] = [];
    for (const [writers, replicas] of [
      [1, 1],
      [4, 1],
      [16, 1],
      [16, 2],
    ]) {
      writes.push(await measureWrites(writers, replicas, options.durationMs, keyDir));
      console.log(`  ${JSON.stringify(writes.at(-1))}`);
    }
    const trees = await measureTrees(options.treeSizes, options.samples);
    const markdown = report(writes, trees, load);
    fs.writeFileSync(options.out, markdown);
    console.log(markdown);
  } finally {
    fs.rmSync(keyDir, { recursive: true, force: true });
  }
}
