import { describe, expect, it } from 'vitest';
import {
  applyRate,
  largestRemainder,
  minRate,
  shareLoss,
} from '../../subgraphs/finance/apportion.js';

describe('exact apportioning in fen', () => {
  it('shares a loss 40/30/20/10, the odd fen to the largest remainders', () => {
    // 2.8, 2.1, 1.4, 0.7 → floors 2, 2, 1, 0; two fen left go to .8 and .7.
    expect(shareLoss(7)).toEqual({
      guarantorShareFen: 3,
      reGuaranteeShareFen: 2,
      bankShareFen: 1,
      governmentShareFen: 1,
    });
    expect(shareLoss(50_000_001)).toEqual({
      guarantorShareFen: 20_000_001,
      reGuaranteeShareFen: 15_000_000,
      bankShareFen: 10_000_000,
      governmentShareFen: 5_000_000,
    });
  });

  it('always sums to the whole', () => {
    for (const total of [0, 1, 2, 3, 99, 101, 12_345_677, 999_999_999_999]) {
      const parts = shareLoss(total);
      expect(Object.values(parts).reduce((a, b) => a + b, 0)).toBe(total);
    }
    const split = largestRemainder(100, [1, 1, 1]);
    expect(split).toEqual([34, 33, 33]);
  });

  it('gives nothing when every weight is zero', () => {
    expect(largestRemainder(500, [0, 0])).toEqual([0, 0]);
  });

  it('applies a rate rounding down to the fen, without floats', () => {
    expect(applyRate(6_000_003, '0.5')).toBe(3_000_001);
    expect(applyRate(999_999_999_999_99, '0.000001')).toBe(99_999_999);
    expect(applyRate(100, '0.333333')).toBe(33);
    expect(minRate('0.01', '0.0085')).toBe('0.0085');
  });
});
