import { describe, expect, it } from 'vitest';
import { EVALUATION_DIMENSIONS, type EvaluationDimension } from '../../subgraphs/kernel/config.js';
import { distributionOf, scoreBanks } from '../../subgraphs/finance/evaluation/index.js';

type Values = Partial<Record<EvaluationDimension, number | null>>;

const none = Object.fromEntries(EVALUATION_DIMENSIONS.map((d) => [d, null])) as Record<
  EvaluationDimension,
  number | null
>;
const bank = (bankId: string, values: Values) => ({ bankId, values: { ...none, ...values } });
const weights = (given: Values) =>
  ({ ...Object.fromEntries(EVALUATION_DIMENSIONS.map((d) => [d, 0])), ...given }) as Record<
    EvaluationDimension,
    number
  >;

describe('bank evaluation scores', () => {
  it('scores each dimension min–max and weighs them', () => {
    // BALANCE 10, 20, 40 → 0, 33.33…, 100; SLA 0.5, 1, 1 → 0, 100, 100; weights 3 and 1:
    // a (0·3 + 0)/4 = 0; b (33.33…·3 + 100)/4 = 50; c (300 + 100)/4 = 100.
    const scores = scoreBanks(
      [
        bank('a', { BALANCE: 10, SLA: 0.5 }),
        bank('b', { BALANCE: 20, SLA: 1 }),
        bank('c', { BALANCE: 40, SLA: 1 }),
      ],
      weights({ BALANCE: 3, SLA: 1 }),
    );
    expect(scores.map((s) => [s.bankId, s.score, s.rank])).toEqual([
      ['c', '100.00', 1],
      ['b', '50.00', 2],
      ['a', '0.00', 3],
    ]);
    expect(scores[1].dimensions.find((d) => d.dimension === 'BALANCE')?.score).toBe('33.33');
  });

  it('leaves out a dimension a bank has no figure on, the other weights carrying it', () => {
    // b has no SLA: its score is its BALANCE score alone (100), not diluted by a zero.
    const scores = scoreBanks(
      [bank('a', { BALANCE: 10, SLA: 1 }), bank('b', { BALANCE: 30 })],
      weights({ BALANCE: 1, SLA: 1 }),
    );
    expect(scores.map((s) => [s.bankId, s.score])).toEqual([
      ['b', '100.00'],
      ['a', '50.00'],
    ]);
    expect(scores[0].dimensions.find((d) => d.dimension === 'SLA')?.score).toBeNull();
  });

  it('gives every bank 100 on a dimension where all are equal, and ties share a rank', () => {
    const scores = scoreBanks(
      [
        bank('a', { NEW_PRODUCTS: 2, RATINGS: 4 }),
        bank('b', { NEW_PRODUCTS: 2, RATINGS: 4 }),
        bank('c', { NEW_PRODUCTS: 2, RATINGS: 3 }),
      ],
      weights({ NEW_PRODUCTS: 1, RATINGS: 1 }),
    );
    expect(scores.map((s) => [s.bankId, s.score, s.rank])).toEqual([
      ['a', '100.00', 1],
      ['b', '100.00', 1],
      ['c', '50.00', 3],
    ]);
  });

  it('ignores a dimension weighed 0', () => {
    const scores = scoreBanks(
      [bank('a', { BALANCE: 1, ACCEPTANCE: 1 }), bank('b', { BALANCE: 2, ACCEPTANCE: 0 })],
      weights({ BALANCE: 1 }),
    );
    expect(scores.map((s) => [s.bankId, s.score])).toEqual([
      ['b', '100.00'],
      ['a', '0.00'],
    ]);
  });

  it('tells a bank the count, mean and ten-point bands, not the scores', () => {
    expect(distributionOf([{ score: '100.00' }, { score: '9.99' }, { score: '10.00' }])).toEqual({
      banks: 3,
      mean: '40.00',
      histogram: [1, 1, 0, 0, 0, 0, 0, 0, 0, 1],
    });
    expect(distributionOf([])).toEqual({ banks: 0, mean: '0.00', histogram: Array(10).fill(0) });
  });
});
