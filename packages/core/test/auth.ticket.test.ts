import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ticketVerify, timingSafeEqual } from '@wamp/core';

describe('ticket', () => {
  it('accepts exactly the expected ticket', () => {
    expect(ticketVerify('secret!!!', 'secret!!!')).toBe(true);
    expect(ticketVerify('', '')).toBe(true);
    expect(ticketVerify('tïcket ✓', 'tïcket ✓')).toBe(true);
  });

  it('refuses prefixes, extensions, case changes and other strings', () => {
    expect(ticketVerify('secret!!!', 'secret!!')).toBe(false);
    expect(ticketVerify('secret!!!', 'secret!!!!')).toBe(false);
    expect(ticketVerify('secret!!!', 'Secret!!!')).toBe(false);
    expect(ticketVerify('secret!!!', '')).toBe(false);
    expect(ticketVerify('', 'x')).toBe(false);
    // Same UTF-16 length, different code points.
    expect(ticketVerify('é', 'e')).toBe(false);
    expect(ticketVerify('a\u0000', 'a')).toBe(false);
  });

  it('refuses a non-string signature from a hostile peer', () => {
    expect(ticketVerify('1', 1 as unknown as string)).toBe(false);
  });

  it('agrees with string equality on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(ticketVerify(a, b)).toBe(a === b);
        expect(ticketVerify(a, a)).toBe(true);
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});

describe('timingSafeEqual', () => {
  it('agrees with bytewise equality, whatever the lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        const equal = a.length === b.length && a.every((x, i) => x === b[i]);
        expect(timingSafeEqual(a, b)).toBe(equal);
        expect(timingSafeEqual(a, Uint8Array.from(a))).toBe(true);
      }),
      { numRuns: 300, seed: 43 },
    );
  });

  it('notices a difference in the last byte and a length that differs only by a multiple of 256', () => {
    const a = new Uint8Array(300);
    const b = new Uint8Array(300);
    b[299] = 1;
    expect(timingSafeEqual(a, b)).toBe(false);
    expect(timingSafeEqual(new Uint8Array(256), new Uint8Array(0))).toBe(false);
    expect(timingSafeEqual(new Uint8Array(0), new Uint8Array(256))).toBe(false);
  });
});
