import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { saslprep } from '@wamp/core';
import { saslprepFull } from '../src/auth/saslprep.js';

describe('SASLprep (RFC 4013)', () => {
  // RFC 4013 §3, "Examples".
  it.each([
    ['I\u00adX', 'IX', 'SOFT HYPHEN mapped to nothing'],
    ['user', 'user', 'no transformation'],
    ['USER', 'USER', 'case preserved'],
    ['\u00aa', 'a', 'output is NFKC'],
    ['\u2168', 'IX', 'output is NFKC'],
  ])('%j → %j (%s)', async (input, output) => {
    expect(await saslprep(input)).toBe(output);
  });

  it.each([
    ['\u0007', 'prohibited character (C.2.1)'],
    ['\u0627\u0031', 'bidirectional check: RandALCat string must end with RandALCat'],
  ])('%j is an error (%s)', async (input) => {
    expect(await saslprep(input)).toBeUndefined();
  });

  it('maps non-ASCII spaces to SPACE and B.1 characters to nothing', async () => {
    expect(await saslprep('a\u00a0b\u3000c')).toBe('a b c');
    expect(await saslprep('a\u200bb\ufeffc\u180bd')).toBe('abcd');
  });

  it('refuses control, private use, non-characters, surrogates, tagging and unassigned code points', async () => {
    for (const s of ['a\u007f', '\u0085', '\ue000', '\ufdd0', '\ufffe', '\ud800', 'x\udc00', '\u{e0001}', '\u{f0000}', '\u0221', '\u03f9']) {
      expect(await saslprep(s), JSON.stringify(s)).toBeUndefined();
    }
    // Assigned after Unicode 3.2 (emoji, 6.0): unassigned for stringprep, so refused in stored strings.
    expect(await saslprep('pass\u{1f600}')).toBeUndefined();
  });

  it('applies the bidirectional rule', async () => {
    expect(await saslprep('\u0627\u0031\u0628')).toBe('\u0627\u0031\u0628');
    expect(await saslprep('\u05d0\u05d1')).toBe('\u05d0\u05d1');
    expect(await saslprep('a\u0627')).toBeUndefined();
    expect(await saslprep('\u0627a\u0628')).toBeUndefined();
    expect(await saslprep('1\u0627')).toBeUndefined();
  });

  it('accepts combining marks that NFKC composes, and normalizes compatibility forms', async () => {
    expect(await saslprep('e\u0301')).toBe('\u00e9');
    expect(await saslprep('\ufb01')).toBe('fi');
    // U+0340 is in C.8 but normalizes to U+0300, which is allowed.
    expect(await saslprep('a\u0340')).toBe('\u00e0');
  });

  it('is idempotent and leaves printable ASCII alone', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 12 }), async (s) => {
        const once = await saslprep(s);
        if (once !== undefined) expect(await saslprep(once)).toBe(once);
      }),
      { numRuns: 500, seed: 44 },
    );
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[\x20-\x7e]*$/), async (s) => {
        expect(await saslprep(s)).toBe(s);
      }),
      { numRuns: 200, seed: 45 },
    );
  });

  it('answers ASCII without the tables exactly as the tables do', async () => {
    // The fast path (util.ts) against the full algorithm (saslprep.ts): every
    // ASCII code point alone and between letters, and random ASCII strings.
    for (let cp = 0; cp < 0x80; cp++) {
      for (const s of [String.fromCharCode(cp), `a${String.fromCharCode(cp)}b`]) {
        expect(await saslprep(s), `U+${cp.toString(16)}`).toBe(saslprepFull(s));
      }
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 16 }), async (s) => {
        expect(await saslprep(s)).toBe(saslprepFull(s));
      }),
      { numRuns: 300, seed: 46 },
    );
    expect(await saslprep('')).toBe('');
  });
});
