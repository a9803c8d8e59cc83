import { describe, expect, it } from 'vitest';
import { fenToYuan, yuanToFen } from '../../../subgraphs/kernel/money.js';

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
      try {
        yuanToFen(bad, 'amount');
        expect.unreachable();
      } catch (error: any) {
        expect(error.extensions.code).toBe('BAD_USER_INPUT');
        expect(error.message).toMatch(/^amount: /);
      }
    }
  });
});
