import { describe, expect, it } from 'vitest';
import { MAX_COOKIE_HEADER, parseCookies } from '@wamp/core';

describe('parseCookies', () => {
  it('reads name=value pairs, unquotes and percent-decodes, first of a name wins', () => {
    expect(parseCookies('a=1; b="two"; c=x%20y; a=again')).toEqual({ a: '1', b: 'two', c: 'x y' });
  });
  it('keeps what does not decode, skips pairs without a name or =, and the prototype names', () => {
    const c = parseCookies('bad=%E0%A4%A; =v; flag; __proto__=x; constructor=y; prototype=z; ok=1');
    expect(c).toEqual({ bad: '%E0%A4%A', ok: '1' });
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
  });
  it('reads a repeated header, and nothing past the bound', () => {
    expect(parseCookies(['a=1', 'b=2'])).toEqual({ a: '1', b: '2' });
    expect(parseCookies(undefined)).toEqual({});
    const long = `a=${'x'.repeat(MAX_COOKIE_HEADER)}; b=2`;
    expect(parseCookies(long)['b']).toBeUndefined();
  });
});
