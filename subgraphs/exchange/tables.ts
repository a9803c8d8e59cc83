import {
  bigint,
  bigserial,
  index,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/**
 * Banks taking part in the exchange, registered by the platform operator: an enterprise can only
 * grant consent to one of these (the banks' own records live in the banks subgraph).
 */
export const participatingBanks = pgTable('participating_banks', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
});

/** 企业授权 — an enterprise's authorisation for one bank to see some of its data sets. */
export const consents = pgTable(
  'consents',
  {
    id: text('id').primaryKey(),
    enterpriseId: text('enterprise_id').notNull(),
    bankId: text('bank_id').notNull(),
    dataSets: text('data_sets').array().notNull(),
    purpose: text('purpose').notNull(),
    grantedAt: timestamp('granted_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    index('consents_enterprise_idx').on(t.enterpriseId, t.bankId),
    index('consents_bank_idx').on(t.bankId, t.enterpriseId),
  ],
);

/**
 * Append-only record of every disclosure of sensitive data to a bank or an agency. Each entry is
 * a leaf of the log's Merkle tree (log_leaves); the entries written before the tree were also
 * hash-chained (prev_hash), and keep that chain. Partitioned by month of `at` (range partitions
 * plus a default one, made in drizzle/exchange/0004_disclosures_by_month.sql, which drizzle cannot
 * express): an old month is archived by detaching its partition (see log_archives).
 */
export const disclosures = pgTable(
  'disclosures',
  {
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    requestId: text('request_id').notNull(),
    operationName: text('operation_name'),
    party: text('party').notNull(),
    org: text('org'),
    subject: text('subject').notNull(),
    enterpriseId: text('enterprise_id').notNull(),
    fields: text('fields').array().notNull(),
    basis: jsonb('basis').notNull(),
    purpose: text('purpose'),
    /** The hash of the chain entry before it; null on entries written since the tree. */
    prevHash: text('prev_hash'),
    /** The chain hash on chained entries; the RFC 9162 leaf hash on later ones. */
    hash: text('hash').notNull(),
  },
  (t) => [
    // A partitioned table's keys include its partition key.
    primaryKey({ columns: [t.seq, t.at] }),
    index('disclosures_enterprise_idx').on(t.enterpriseId, t.seq),
    index('disclosures_org_idx').on(t.org, t.seq),
  ],
);

/**
 * Months detached from `disclosures` by disclosures_archive_month(): their entries stay in the
 * tree (log_leaves, log_nodes hold their leaf hashes), so proofs and the audit still cover them.
 */
export const logArchives = pgTable('log_archives', {
  /** The partition's table name, e.g. disclosures_2026_01. */
  partition: text('partition').primaryKey(),
  month: text('month').notNull(),
  firstSeq: bigint('first_seq', { mode: 'number' }).notNull(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  entries: bigint('entries', { mode: 'number' }).notNull(),
  archivedAt: timestamp('archived_at', { withTimezone: true }).notNull(),
});

/** Entries written but not yet in the tree: the sequencer takes them in `seq` order. */
export const logQueue = pgTable('log_queue', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
});

/** Each entry's position in the tree (leaf index), assigned once by the sequencer. */
export const logLeaves = pgTable('log_leaves', {
  leafIndex: bigint('leaf_index', { mode: 'number' }).primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull().unique('log_leaves_seq_key'),
});

/**
 * The tree's perfect subtrees: the hash at (level, idx) covers leaves [idx·2^level,
 * (idx+1)·2^level); level 0 holds the leaf hashes. Written once, when the last leaf they cover
 * is integrated, so a proof reads O(log n) rows by key.
 */
export const logNodes = pgTable(
  'log_nodes',
  {
    level: smallint('level').notNull(),
    idx: bigint('idx', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.level, t.idx] })],
);

/** Signed tree heads: the exchange's signature over (tree size, root hash, time). */
export const treeHeads = pgTable('tree_heads', {
  treeSize: bigint('tree_size', { mode: 'number' }).primaryKey(),
  rootHash: text('root_hash').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull(),
  signature: text('signature').notNull(),
});
