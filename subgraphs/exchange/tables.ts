import {
  bigserial,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
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

/** Append-only, hash-chained record of every disclosure of sensitive data to a bank. */
export const disclosures = pgTable(
  'disclosures',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
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
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('disclosures_enterprise_idx').on(t.enterpriseId, t.seq),
    index('disclosures_org_idx').on(t.org, t.seq),
    // No two entries follow the same one: the chain cannot fork, so writers need no lock.
    uniqueIndex('disclosures_prev_hash_idx').on(t.prevHash),
  ],
);
