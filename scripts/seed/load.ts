/** Loads the generated seed into the four subgraph databases, block by block, in transactions. */

import { getTableColumns, getTableName, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { SubgraphName } from '../../subgraphs/kernel/config.js';
import type { Database, Db } from '../../subgraphs/kernel/db.js';
import * as banksTables from '../../subgraphs/banks/tables.js';
import {
  monthEndBalances,
  reconstructMonthEndBalances,
} from '../../subgraphs/banks/balances/index.js';
import * as exchangeTables from '../../subgraphs/exchange/tables.js';
import { libraryProfiles } from '../../subgraphs/finance/enterprise-profiles/index.js';
import * as financeTables from '../../subgraphs/finance/tables.js';
import * as techTables from '../../subgraphs/tech/tables.js';
import { bankEvents } from '../../subgraphs/finance/bank-events/index.js';
import { seededBankEvents, seededLoanStatusEvents } from './bank-events.js';
import { businessDate } from '../../subgraphs/kernel/clock.js';
import {
  enterpriseCount,
  generateSeed,
  REFERENCE_NOW,
  type SeedBlock,
  type SeedRows,
} from './generate.js';

export type SeedDatabases = Record<SubgraphName, Database>;

export interface SeedOptions {
  /** Empty the seeded tables first (TRUNCATE … CASCADE) and seed again. */
  reset?: boolean;
  /** Enterprises per block and transaction (default 500); the data does not depend on it. */
  blockSize?: number;
}

interface Target {
  table: PgTable;
  rows: (r: SeedRows) => readonly object[];
}

/** Per database, in foreign-key order. */
const TARGETS: Record<SubgraphName, Target[]> = {
  tech: [
    { table: techTables.enterprises, rows: (r) => r.tech.enterprises },
    { table: techTables.patents, rows: (r) => r.tech.patents },
    { table: techTables.annualFinancials, rows: (r) => r.tech.annualFinancials },
    { table: techTables.libraryAssessments, rows: (r) => r.tech.libraryAssessments },
  ],
  finance: [
    // The finance office's read model of the library, before the needs it describes.
    {
      table: financeTables.enterpriseProfiles,
      rows: (r) => {
        // A block carries each of its enterprises' patents, so the counts are complete.
        return libraryProfiles(r.tech.enterprises, r.tech.patents);
      },
    },
    { table: financeTables.financialProducts, rows: (r) => r.finance.financialProducts },
    { table: financeTables.financingNeeds, rows: (r) => r.finance.financingNeeds },
    { table: financeTables.listingTiers, rows: (r) => r.finance.listingTiers },
    // What the banks reported of their seeded solutions, lines and loans.
    { table: bankEvents, rows: seededBankEvents },
  ],
  banks: [
    { table: banksTables.banks, rows: (r) => r.banks.banks },
    { table: banksTables.financingSolutions, rows: (r) => r.banks.financingSolutions },
    { table: banksTables.creditLines, rows: (r) => r.banks.creditLines },
    { table: banksTables.loans, rows: (r) => r.banks.loans },
    { table: banksTables.loanStatusEvents, rows: seededLoanStatusEvents },
    // Filled after the loans, from them (`reconstructMonthEndBalances`); listed to be reset.
    { table: monthEndBalances, rows: () => [] },
  ],
  exchange: [
    // The operator's registry of participating banks: the banks seeded into the banks subgraph.
    {
      table: exchangeTables.participatingBanks,
      rows: (r) => r.banks.banks.map(({ id, name }) => ({ id, name })),
    },
    { table: exchangeTables.consents, rows: (r) => r.exchange.consents },
  ],
};

const NAMES = Object.keys(TARGETS) as SubgraphName[];

/** Rows per INSERT statement. */
const CHUNK_ROWS = 2000;

/** Fewest progress reports over a whole seed: one at least every 1 %. */
const PROGRESS_STEPS = 100;

/** A value as the text PostgreSQL parses back into the column's type. */
function toText(value: unknown, sqlType: string): string | null {
  if (value === null || value === undefined) return null;
  if (sqlType === 'jsonb' || sqlType === 'json') return JSON.stringify(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return arrayLiteral(value.map((v) => (v == null ? null : String(v))));
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A PostgreSQL array literal: `{"a","b\\"c",NULL}`. */
function arrayLiteral(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    out += v === null ? 'NULL' : `"${v.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `${out}}`;
}

/**
 * `insert into t (…) select c0::type, … from unnest($1::text::text[], …)`: one parameter per
 * column (an array literal we build ourselves), so a statement carries thousands of rows with a
 * dozen bind parameters, far from the 65535 limit, and is cheap for both drivers to send and for
 * PostgreSQL to parse; the statement text repeats, so it is prepared once.
 */
async function insertAll(
  db: Db,
  table: PgTable,
  rows: readonly object[],
  chunkRows = CHUNK_ROWS,
  onChunk?: (rows: number) => void,
): Promise<void> {
  const columns = Object.entries(getTableColumns(table));
  for (let i = 0; i < rows.length; i += chunkRows) {
    const chunk = rows.slice(i, i + chunkRows) as Record<string, unknown>[];
    // Columns no row sets are left out, so their defaults apply.
    const used = columns.filter(([key]) => chunk.some((row) => row[key] !== undefined));
    const names = used.map(([, c]) => `"${c.name}"`).join(', ');
    const casts = used.map(([, c], k) => `c${k}::${c.getSQLType()}`).join(', ');
    const aliases = used.map((_, k) => `c${k}`).join(', ');
    const arrays = used.map(([key, column]) => {
      const type = column.getSQLType();
      const literal = arrayLiteral(chunk.map((row) => toText(row[key], type)));
      return sql`${sql.param(literal)}::text::text[]`;
    });
    await db.execute(
      sql.join([
        sql.raw(`insert into "${getTableName(table)}" (${names}) select ${casts} from unnest(`),
        sql.join(arrays, sql.raw(', ')),
        sql.raw(`) as u(${aliases})`),
      ]),
    );
    onChunk?.(chunk.length);
  }
}

/** True when the databases already hold seed data (the banks table is filled first). */
export async function isSeeded(dbs: Pick<SeedDatabases, 'banks'>): Promise<boolean> {
  const rows = await dbs.banks.rows<{ seeded: boolean }>(
    sql`select exists (select 1 from ${banksTables.banks}) as seeded`,
  );
  return rows[0]?.seeded === true;
}

/** Empties every table the seed fills (and, by CASCADE, whatever references them). */
export async function resetSeededTables(dbs: SeedDatabases): Promise<void> {
  await Promise.all(
    NAMES.map(async (name) => {
      const tables = TARGETS[name].map((t) => `"${getTableName(t.table)}"`).join(', ');
      await dbs[name].db.execute(sql.raw(`truncate table ${tables} cascade`));
    }),
  );
}

/** Row counts of the seeded tables, per database. */
export async function seededCounts(
  dbs: SeedDatabases,
): Promise<Record<SubgraphName, Record<string, number>>> {
  const out = {} as Record<SubgraphName, Record<string, number>>;
  await Promise.all(
    NAMES.map(async (name) => {
      const counts: Record<string, number> = {};
      for (const { table } of TARGETS[name]) {
        const rows = await dbs[name].rows<{ n: number | string }>(
          sql`select count(*)::int as n from ${table}`,
        );
        counts[getTableName(table)] = Number(rows[0]?.n ?? 0);
      }
      out[name] = counts;
    }),
  );
  return out;
}

/**
 * Seeds the four databases at `scale` (1 ≈ a city: 1000 enterprises). Skips when they are already
 * seeded unless `reset` is set. Each block of enterprises goes into each database in one
 * transaction, the four databases in parallel; memory stays flat at any scale.
 */
export async function seedDatabases(
  dbs: SeedDatabases,
  scale: number,
  onProgress?: (done: number, total: number) => void,
  options: SeedOptions = {},
): Promise<void> {
  const total = enterpriseCount(scale);
  if (options.reset) await resetSeededTables(dbs);
  else if (await isSeeded(dbs)) return;
  else await refuseLeftovers(dbs);
  onProgress?.(0, total);
  const blockSize = options.blockSize ?? 500;
  // Progress moves as rows are written, not only as blocks commit: each block's share of the
  // enterprises is spread over its rows, and a block is written in statements small enough that
  // the whole seed takes at least PROGRESS_STEPS of them (a block of a large seed keeps
  // CHUNK_ROWS a statement).
  const stepsPerBlock = Math.ceil(PROGRESS_STEPS / Math.ceil(total / blockSize));
  const meter = progressMeter(total, onProgress);
  const insertBlock = blockWriter(dbs, stepsPerBlock, meter.advance);
  // PostgreSQL takes two blocks at once (one generates while the other is written); PGlite runs
  // one statement at a time anyway. The first block, with the banks, is committed on its own.
  const concurrency = NAMES.some((name) => dbs[name].kind === 'postgres') ? 2 : 1;
  const inflight: { promise: Promise<unknown>; done: number }[] = [];
  let first = true;
  try {
    for (const block of generateSeed(scale, { blockSize })) {
      const promise = insertBlock(block);
      promise.catch(() => {}); // awaited below, in order
      inflight.push({ promise, done: block.done });
      while (inflight.length >= (first ? 1 : concurrency)) {
        const oldest = inflight.shift()!;
        await oldest.promise;
      }
      first = false;
    }
    while (inflight.length > 0) {
      const oldest = inflight.shift()!;
      await oldest.promise;
    }
    // A year of month-end balances before the seed's "now", so growth shows on balances at once.
    await reconstructMonthEndBalances(dbs.banks.db, businessDate(REFERENCE_NOW), 12);
    meter.finish();
  } catch (error) {
    await Promise.allSettled(inflight.map((f) => f.promise));
    throw error;
  }
  await analyzeSeeded(dbs);
}

/** Enterprises without banks are an interrupted seed: it is not seeded over without a reset. */
async function refuseLeftovers(dbs: SeedDatabases): Promise<void> {
  const leftovers = await dbs.tech.rows<{ found: boolean }>(
    sql`select exists (select 1 from ${techTables.enterprises}) as found`,
  );
  if (leftovers[0]?.found) {
    throw new Error(
      'the tech database holds enterprises but the banks table is empty (an interrupted seed?); ' +
        'seed again with reset (npm run seed -- --reset)',
    );
  }
}

/** Counts fractional units of enterprises and tells `onProgress` of each whole one passed. */
function progressMeter(total: number, onProgress?: (done: number, total: number) => void) {
  let progressed = 0;
  let reported = 0;
  const advance = (units: number) => {
    progressed += units;
    const now = Math.min(total, Math.floor(progressed + 1e-9));
    if (now > reported) {
      reported = now;
      onProgress?.(now, total);
    }
  };
  return {
    advance,
    // Whatever rounding left: the bar ends at 100 %.
    finish: () => {
      if (reported < total) advance(total - progressed);
    },
  };
}

/**
 * Writes one block into the four databases, each in one transaction, advancing the meter by the
 * block's share of enterprises as its rows are written.
 */
function blockWriter(
  dbs: SeedDatabases,
  stepsPerBlock: number,
  advance: (units: number) => void,
): (block: SeedBlock) => Promise<unknown> {
  let previousDone = 0;
  return (block) => {
    const span = block.done - previousDone;
    previousDone = block.done;
    const work = NAMES.map(
      (name) =>
        [
          name,
          TARGETS[name].map((target) => ({ table: target.table, rows: target.rows(block.rows) })),
        ] as const,
    );
    const blockRows = work.reduce(
      (sum, [, targets]) => sum + targets.reduce((n, t) => n + t.rows.length, 0),
      0,
    );
    const chunkRows = Math.min(CHUNK_ROWS, Math.max(10, Math.ceil(blockRows / stepsPerBlock)));
    const onChunk =
      blockRows > 0 ? (rows: number) => advance((span * rows) / blockRows) : undefined;
    return Promise.all(
      work.map(([name, targets]) =>
        dbs[name].db.transaction(async (tx) => {
          for (const { table, rows } of targets) {
            if (rows.length > 0) {
              await insertAll(tx as unknown as Db, table, rows, chunkRows, onChunk);
            }
          }
        }),
      ),
    );
  };
}

/** Fresh statistics, so the planner sees the new sizes at once. */
async function analyzeSeeded(dbs: SeedDatabases): Promise<void> {
  await Promise.all(
    NAMES.map((name) =>
      dbs[name].db.execute(
        sql.raw(`analyze ${TARGETS[name].map((t) => `"${getTableName(t.table)}"`).join(', ')}`),
      ),
    ),
  );
}
