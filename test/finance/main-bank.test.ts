import { describe, expect, it } from 'vitest';
import { chooseMainBank, MAIN_BANK_ORDER } from '../../subgraphs/finance/needs/index.js';

const all = { NAMED_BY_ENTERPRISE: 'abc', BASIC_ACCOUNT: 'icbc', LARGEST_LENDER: 'boc' };

describe('the main-bank rule', () => {
  it('tries the enterprise’s choice, then the basic-account bank, then the largest lender', () => {
    expect(MAIN_BANK_ORDER).toEqual(['NAMED_BY_ENTERPRISE', 'BASIC_ACCOUNT', 'LARGEST_LENDER']);
  });

  it('chooses the bank the enterprise named over its basic-account bank and largest lender', () => {
    expect(chooseMainBank(all)).toEqual({ bankId: 'abc', basis: 'NAMED_BY_ENTERPRISE' });
  });

  it('chooses the basic-account bank when the enterprise named none', () => {
    expect(chooseMainBank({ ...all, NAMED_BY_ENTERPRISE: null })).toEqual({
      bankId: 'icbc',
      basis: 'BASIC_ACCOUNT',
    });
  });

  it('chooses the largest lender when there is neither a named nor a basic-account bank', () => {
    expect(
      chooseMainBank({ NAMED_BY_ENTERPRISE: null, BASIC_ACCOUNT: null, LARGEST_LENDER: 'boc' }),
    ).toEqual({ bankId: 'boc', basis: 'LARGEST_LENDER' });
  });

  it('skips a bank that declined the need and takes the next in the order', () => {
    expect(chooseMainBank(all, ['abc'])).toEqual({ bankId: 'icbc', basis: 'BASIC_ACCOUNT' });
    expect(chooseMainBank(all, ['abc', 'icbc'])).toEqual({
      bankId: 'boc',
      basis: 'LARGEST_LENDER',
    });
    // The same bank on two steps is skipped on both.
    expect(
      chooseMainBank({ NAMED_BY_ENTERPRISE: 'abc', BASIC_ACCOUNT: 'abc', LARGEST_LENDER: 'boc' }, [
        'abc',
      ]),
    ).toEqual({ bankId: 'boc', basis: 'LARGEST_LENDER' });
  });

  it('finds no main bank when no step has one left', () => {
    expect(
      chooseMainBank({ NAMED_BY_ENTERPRISE: null, BASIC_ACCOUNT: null, LARGEST_LENDER: null }),
    ).toBeNull();
    expect(chooseMainBank(all, ['abc', 'icbc', 'boc'])).toBeNull();
  });
});
