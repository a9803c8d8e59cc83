import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { boundedText, hasVisibleText, optionalText } from '../../../subgraphs/kernel/text.js';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return { message: (error as GraphQLError).message, ...(error as GraphQLError).extensions };
  }
  throw new Error('expected a refusal');
};

describe('required free text', () => {
  const invisible = [
    '\u200B',
    '\uFEFF',
    '\u200E\u200F',
    '\u202A\u202E\u202C',
    '\u2066\u2069',
    '\u00AD',
    '\u2060',
    '\u00A0',
    '\u3000',
    '\u2028\u2029',
    '\u0000\u0007',
    ' \t\n',
  ];

  it.each(invisible)('refuses %j, naming the field', (value) => {
    expect(hasVisibleText(value)).toBe(false);
    expect(refusal(() => boundedText(value, 'purpose', 100))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'purpose',
    });
  });

  it('keeps visible text and trims invisible characters at either end only', () => {
    expect(boundedText('\u200B\u00A0授信 审查\uFEFF ', 'purpose', 100)).toBe('授信 审查');
    expect(boundedText('a\u200Db', 'purpose', 100)).toBe('a\u200Db');
  });

  it('says "must not be empty" for an empty value and counts code points against the limit', () => {
    expect(refusal(() => boundedText('', 'reason', 5)).message).toBe('reason: must not be empty');
    expect(refusal(() => boundedText('\u200B', 'reason', 5)).message).toMatch(
      /^reason: must contain visible text/,
    );
    expect(boundedText('𠀀𠀀𠀀', 'reason', 3)).toBe('𠀀𠀀𠀀');
    expect(refusal(() => boundedText('abcd', 'reason', 3)).message).toBe(
      'reason: must be at most 3 characters, got 4',
    );
  });

  it('treats optional text of only invisible characters as absent', () => {
    expect(optionalText('\u200B\u00A0', 'note', 10)).toBeNull();
    expect(optionalText(null, 'note', 10)).toBeNull();
    expect(optionalText(' 备注 ', 'note', 10)).toBe('备注');
  });
});
