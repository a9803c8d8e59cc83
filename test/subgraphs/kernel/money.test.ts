import { describe, expect, it } from 'vitest';
import { fenToYuan, ratio, yuanToFen } from '../../../subgraphs/kernel/money.js';

describe('money', () => {
  it('round-trips yuan strings through integer fen exactly', () => {
    for (const yuan of ['0.00', '0.01', '1250000.00', '99999999999.99', '-3.50']) {
      expect(fenToYuan(yuanToFen(yuan, 'amount'))).toBe(yuan);
    }
    expect(yuanToFen('0.1', 'amount')).toBe(10);
    expect(fenToYuan(12345678901234n)).toBe('123456789012.34');
  });

  it('rejects more than two decimals, words and exponents with BAD_USER_INPUT naming the field', () => {
    for (const bad of ['1.234', 'abc', '1e6', '', '1,000']) {
      expect(() => yuanToFen(bad, 'amount'), bad).toThrow(
        expect.objectContaining({
          message: expect.stringMatching(/^amount: /),
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
        }),
      );
    }
  });
});

describe('exact ratios', () => {
  it('round half away from zero at four decimals', () => {
    expect(ratio(6, 100)).toBe('0.0600');
    expect(ratio(2, 3)).toBe('0.6667');
    expect(ratio(1, 3)).toBe('0.3333');
    expect(ratio(1, 20_000)).toBe('0.0001'); // 0.00005 rounds up
    expect(ratio(-1, 20_000)).toBe('-0.0001');
    expect(ratio(-1, 30_000)).toBe('0.0000');
    expect(ratio(5, 2)).toBe('2.5000');
  });

  it('have no value without a positive divisor', () => {
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(1, -5)).toBeNull();
  });
});
