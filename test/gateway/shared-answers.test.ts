import { describe, expect, it } from 'vitest';
import { SharedAnswers } from '../../gateway/shared-answers.js';

describe('the public answers a gateway keeps', () => {
  it('serves an answer until its max-age runs out, saying how long it may still be kept', () => {
    let now = 0;
    const shared = new SharedAnswers({ now: () => now });
    shared.set('q', '{"data":{}}', 60);
    now = 59_400;
    expect(shared.get('q')).toEqual({ body: '{"data":{}}', maxAge: 0 });
    now = 60_000;
    expect(shared.get('q')).toBeUndefined();
    shared.set('q', '{"data":{}}', 0);
    expect(shared.get('q')).toBeUndefined();
  });

  it('lets the least recently served go first once it holds its number of entries', () => {
    const shared = new SharedAnswers({ entries: 2 });
    shared.set('a', 'A', 60);
    shared.set('b', 'B', 60);
    expect(shared.get('a')?.body).toBe('A');
    shared.set('c', 'C', 60);
    expect([shared.get('a')?.body, shared.get('b'), shared.get('c')?.body]).toEqual([
      'A',
      undefined,
      'C',
    ]);
  });

  it('counts UTF-8 bytes, keeps within its total and never keeps one answer larger than allowed', () => {
    // 科 is three bytes in UTF-8: 1 + 3 × 4 = 13 bytes a request with its body.
    const shared = new SharedAnswers({ bytes: 30, entryBytes: 13 });
    shared.set('x', '科科科科科', 60);
    expect(shared.get('x')).toBeUndefined();
    shared.set('a', '科科科科', 60);
    shared.set('b', '科科科科', 60);
    expect(shared.get('a')?.body).toBe('科科科科');
    shared.set('c', '科科科科', 60);
    expect([shared.get('a'), shared.get('b'), shared.get('c')].filter(Boolean)).toHaveLength(2);
    expect(shared.get('b')).toBeUndefined();
  });
});
