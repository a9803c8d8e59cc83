import { describe, expect, it } from 'vitest';
import {
  parsePatentNumber,
  usccCheckChar,
  usccProblem,
} from '../../../subgraphs/kernel/identifiers.js';

describe('USCC (GB 32100-2015)', () => {
  it('accepts the specification’s valid codes', () => {
    expect(usccProblem('91110000802100433B')).toBeNull();
    expect(usccProblem('9144030071526726XG')).toBeNull();
  });

  it('computes the check character from the first seventeen', () => {
    expect(usccCheckChar('91110000802100433')).toBe('B');
    expect(usccCheckChar('9144030071526726X')).toBe('G');
  });

  it('names what is wrong with an invalid code', () => {
    expect(usccProblem('91110000802100433C')).toBe('check character should be "B", got "C"');
    expect(usccProblem('9111000080210043')).toMatch(/18 characters/);
    expect(usccProblem('9111000080210043IB')).toMatch(/"I" is not allowed/);
  });
});

describe('patent numbers', () => {
  it('accepts a valid application number with or without the ZL prefix', () => {
    expect(parsePatentNumber('201710601862.3')).toEqual({
      number: '201710601862.3',
      year: 2017,
      kind: 'INVENTION',
    });
    expect(parsePatentNumber('ZL201710601862.3')).toMatchObject({ number: '201710601862.3' });
  });

  it('rejects a wrong check digit, an unknown type and a malformed number', () => {
    expect(parsePatentNumber('201710601862.4')).toEqual({
      problem: 'check digit should be 3, got 4',
    });
    expect(parsePatentNumber('201740601862.3')).toMatchObject({
      problem: expect.stringMatching(/type digit 4/),
    });
    expect(parsePatentNumber('2017106018623')).toMatchObject({
      problem: expect.stringMatching(/YYYYTNNNNNNN\.C/),
    });
  });

  it('uses X for a check value of ten', () => {
    // Σ dᵢwᵢ for 200810000009 = 2·2+0·3+0·4+8·5+1·6+0+0+0+0+0+0+9·5 = 95; 95 mod 11 = 7 → not X;
    // search a number whose check is 10 to make the case concrete.
    let found: string | undefined;
    for (let n = 0; n < 200 && !found; n++) {
      const digits = `20151${String(n).padStart(7, '0')}`;
      const parsed = parsePatentNumber(`${digits}.X`);
      if (!('problem' in parsed)) found = digits;
    }
    expect(found).toBeDefined();
  });
});
