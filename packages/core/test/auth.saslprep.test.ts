import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { saslprep } from '@wamp/core';

describe('SASLprep (RFC 4013)', () => {
  // RFC 4013 §3, "Examples".
  it.each([
    ['I\u00adX', 'IX', 'SOFT HYPHEN mapped to nothing'],
    ['user', 'user', 'no transformation'],
    ['USER', 'USER', 'case preserved'],
    ['\u00aa', 'a', 'output is NFKC'],
    ['\u2168', 'IX', 'output is NFKC'],
  ])('%j → %j (%s)', (input, output) => {
    expect(saslprep(input)).toBe(output);
  });

  it.each([
    ['\u0007', 'prohibited character (C.2.1)'],
    ['\u0627\u0031', 'bidirectional check: RandALCat string must end with RandALCat'],
  ])('%j is an error (%s)', (input) => {
    expect(saslprep(input)).toBeUndefined();
  });

  it('maps non-ASCII spaces to SPACE and B.1 characters to nothing', () => {
    expect(saslprep('a\u00a0b\u3000c')).toBe('a b c');
    expect(saslprep('a\u200bb\ufeffc\u180bd')).toBe('abcd');
  });

  it('refuses control, private use, non-characters, surrogates, tagging and unassigned code points', () => {
    for (const s of ['a\u007f', '\u0085', '\ue000', '\ufdd0', '\ufffe', '\ud800', 'x\udc00', '\u{e0001}', '\u{f0000}', '\u0221', '\u03f9']) {
      expect(saslprep(s), JSON.stringify(s)).toBeUndefined();
    }
    // Assigned after Unicode 3.2 (emoji, 6.0): unassigned for stringprep, so refused in stored strings.
    expect(saslprep('pass\u{1f600}')).toBeUndefined();
  });

  it('applies the bidirectional rule', () => {
    expect(saslprep('\u0627\u0031\u0628')).toBe('\u0627\u0031\u0628');
    expect(saslprep('\u05d0\u05d1')).toBe('\u05d0\u05d1');
    expect(saslprep('a\u0627')).toBeUndefined();
    expect(saslprep('\u0627a\u0628')).toBeUndefined();
    expect(saslprep('1\u0627')).toBeUndefined();
  });

  it('accepts combining marks that NFKC composes, and normalizes compatibility forms', () => {
    expect(saslprep('e\u0301')).toBe('\u00e9');
    expect(saslprep('\ufb01')).toBe('fi');
    // U+0340 is in C.8 but normalizes to U+0300, which is allowed.
    expect(saslprep('a\u0340')).toBe('\u00e0');
  });

  it('is idempotent and leaves printable ASCII alone', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (s) => {
        const once = saslprep(s);
        if (once !== undefined) expect(saslprep(once)).toBe(once);
      }),
      { numRuns: 500, seed: 44 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[\x20-\x7e]*$/), (s) => {
        expect(saslprep(s)).toBe(s);
      }),
      { numRuns: 200, seed: 45 },
    );
  });
});
