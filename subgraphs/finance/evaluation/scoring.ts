import { EVALUATION_DIMENSIONS, type EvaluationDimension } from '../../kernel/config.js';

/** One bank's figure on each dimension: a number, or null when it has none to be judged on. */
export interface BankFigures {
  bankId: string;
  values: Record<EvaluationDimension, number | null>;
}

export interface DimensionScore {
  dimension: EvaluationDimension;
  /** 0–100 to two decimals; null when the bank had no figure (the dimension is left out). */
  score: string | null;
  weight: number;
}

export interface BankScore {
  bankId: string;
  /** 0–100 to two decimals. */
  score: string;
  /** 1 for the best; equal scores share a rank and the next rank skips (1, 2, 2, 4). */
  rank: number;
  dimensions: DimensionScore[];
}

export interface ScoreDistribution {
  banks: number;
  /** Mean of the banks' scores, two decimals. */
  mean: string;
  /** Banks per band of ten points: [0, 10), [10, 20), … [90, 100]. */
  histogram: number[];
}

/** A number to two decimals, rounded half up. */
export function twoDecimals(value: number): string {
  return (Math.round(value * 100 + 1e-9) / 100).toFixed(2);
}

/**
 * Each dimension's score among the banks that have a figure on it, min–max: the lowest figure 0,
 * the highest 100, the others in proportion between; all equal, all 100 (none did worse).
 */
function dimensionScores(
  figures: readonly BankFigures[],
  dimension: EvaluationDimension,
): Map<string, number> {
  const present = figures.filter((bank) => bank.values[dimension] !== null);
  const values = present.map((bank) => bank.values[dimension]!);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return new Map(
    present.map((bank) => {
      const value = bank.values[dimension]!;
      return [bank.bankId, max === min ? 100 : (100 * (value - min)) / (max - min)];
    }),
  );
}

/**
 * 考核评价: every bank's score is the weighted mean of its dimension scores over the dimensions it
 * has a figure on (a dimension a bank has none on is left out and the others' weights carry it),
 * rounded to two decimals; ranks follow the rounded scores.
 */
export function scoreBanks(
  figures: readonly BankFigures[],
  weights: Record<EvaluationDimension, number>,
): BankScore[] {
  const byDimension = new Map(
    EVALUATION_DIMENSIONS.map((dimension) => [dimension, dimensionScores(figures, dimension)]),
  );
  const scored = figures.map((bank) => {
    let weighted = 0;
    let weightSum = 0;
    const dimensions = EVALUATION_DIMENSIONS.map((dimension) => {
      const score = byDimension.get(dimension)!.get(bank.bankId);
      if (score !== undefined && weights[dimension] > 0) {
        weighted += weights[dimension] * score;
        weightSum += weights[dimension];
      }
      return {
        dimension,
        score: score === undefined ? null : twoDecimals(score),
        weight: weights[dimension],
      };
    });
    return {
      bankId: bank.bankId,
      score: twoDecimals(weightSum ? weighted / weightSum : 0),
      dimensions,
    };
  });
  return scored
    .map((bank) => ({
      ...bank,
      rank: 1 + scored.filter((other) => Number(other.score) > Number(bank.score)).length,
    }))
    .sort((a, b) => a.rank - b.rank || (a.bankId < b.bankId ? -1 : 1));
}

/**
 * What a bank may see of the others: how many were evaluated, their mean, and how many fell in
 * each band of ten points. No quartile or median: among a city's few banks each of those is one
 * bank's own score.
 */
export function distributionOf(scores: readonly { score: string }[]): ScoreDistribution {
  const histogram = Array.from({ length: 10 }, () => 0);
  let hundredths = 0;
  for (const { score } of scores) {
    const value = Number(score);
    histogram[Math.min(9, Math.floor(value / 10))] += 1;
    hundredths += Math.round(value * 100);
  }
  const mean = scores.length ? twoDecimals(hundredths / 100 / scores.length) : '0.00';
  return { banks: scores.length, mean, histogram };
}
