import {
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/** One dimension of a bank's evaluation as recorded: its figure, score and weight. */
export interface RecordedDimension {
  dimension: string;
  /** The figure as a decimal string in the dimension's unit; null when the bank had none. */
  value: string | null;
  score: string | null;
  weight: number;
}

/**
 * 考核评价 — one evaluation of every bank over a period of whole months, computed once by the
 * finance office from the figures of the period, with the weights then in force.
 */
export const bankEvaluations = pgTable('bank_evaluations', {
  /** `eval-<from>-<to>`. */
  id: text('id').primaryKey(),
  fromMonth: text('from_month').notNull(),
  toMonth: text('to_month').notNull(),
  weights: jsonb('weights').$type<Record<string, number>>().notNull(),
  banks: integer('banks').notNull(),
  /** The banks' mean score and how many fell in each band of ten points: what a bank sees. */
  meanScore: numeric('mean_score', { precision: 5, scale: 2 }).notNull(),
  histogram: integer('histogram').array().notNull(),
  evaluatedBy: text('evaluated_by').notNull(),
  evaluatedAt: timestamp('evaluated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A bank's score and rank in one evaluation, with each dimension's figure and score. */
export const bankEvaluationScores = pgTable(
  'bank_evaluation_scores',
  {
    evaluationId: text('evaluation_id')
      .notNull()
      .references(() => bankEvaluations.id),
    bankId: text('bank_id').notNull(),
    score: numeric('score', { precision: 5, scale: 2 }).notNull(),
    rank: integer('rank').notNull(),
    dimensions: jsonb('dimensions').$type<RecordedDimension[]>().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.evaluationId, t.bankId] }),
    index('bank_evaluation_scores_bank_idx').on(t.bankId, t.evaluationId),
  ],
);
