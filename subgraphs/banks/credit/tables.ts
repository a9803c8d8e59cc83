import { jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Every bank write by its idempotency key (the bank's own, unique per bank). The row is inserted
 * first in the write's transaction, so a concurrent retry waits on it and then finds it: a retried
 * call returns the first result and writes nothing new. `fingerprint` catches a key reused for a
 * different request.
 */
export const bankRequests = pgTable(
  'bank_requests',
  {
    bankId: text('bank_id').notNull(),
    key: text('key').notNull(),
    operation: text('operation').notNull(),
    fingerprint: text('fingerprint').notNull(),
    /** The id of what the write made or changed (solution, credit line, loan). */
    resultId: text('result_id').notNull(),
    /** The answer's extra facts, e.g. the need's status after a solution. */
    result: jsonb('result').notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.bankId, t.key] })],
);
