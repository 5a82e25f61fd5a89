/**
 * URI rules (basic profile, "URIs"; advanced profile, pattern-based
 * subscriptions/registrations) at their edges: strict and loose, with and
 * without empty components, checked against the specification's regular
 * expressions and through `decodeMessage` in every serializer.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_SERIALIZERS,
  ProtocolViolation,
  decodeMessage,
  isReservedUri,
  isValidPattern,
  isValidUri,
  type UriRule,
} from '@wamp/core';

// The specification's expressions (basic profile, "Relaxed/Loose URIs" and
// "Strict URIs"), in JavaScript syntax.
const SPEC: Record<UriRule, { plain: RegExp; empty: RegExp }> = {
  loose: { plain: /^([^\s.#]+\.)*([^\s.#]+)$/, empty: /^(([^\s.#]+\.)|\.)*([^\s.#]+)?$/ },
  strict: { plain: /^([0-9a-z_]+\.)*([0-9a-z_]+)$/, empty: /^(([0-9a-z_]+\.)|\.)*([0-9a-z_]+)?$/ },
};
const spec = (uri: string, rule: UriRule, empty: boolean): boolean =>
  uri.length > 0 && (empty ? SPEC[rule].empty : SPEC[rule].plain).test(uri);

// [uri, strict, strict with empty components, loose, loose with empty components]
const TABLE: [string, boolean, boolean, boolean, boolean][] = [
  ['com.myapp.topic1', true, true, true, true],
  ['a', true, true, true, true],
  ['wamp.error.invalid_uri', true, true, true, true],
  ['0_9.a_z', true, true, true, true],
  ['com.myApp.topic', false, false, true, true],
  ['com.my-app.x', false, false, true, true],
  ['com.app.héllo', false, false, true, true],
  ['com.app.😀', false, false, true, true],
  ['com.app.\u0001', false, false, true, true],
  ['', false, false, false, false],
  ['.', false, true, false, true],
  ['..', false, true, false, true],
  ['com..topic', false, true, false, true],
  ['.com.topic', false, true, false, true],
  ['com.topic.', false, true, false, true],
  ['com..', false, true, false, true],
  ['com.my app', false, false, false, false],
  ['com.app\t', false, false, false, false],
  ['com.app\u00a0x', false, false, false, false],
  ['com.app\u2028', false, false, false, false],
  ['com.app\ufeff', false, false, false, false],
  ['com.app#x', false, false, false, false],
  ['#', false, false, false, false],
  [' ', false, false, false, false],
];

describe('isValidUri', () => {
  it('matches the table of edges', () => {
    for (const [uri, strict, strictEmpty, loose, looseEmpty] of TABLE) {
      expect([
        isValidUri(uri, 'strict'),
        isValidUri(uri, 'strict', true),
        isValidUri(uri, 'loose'),
        isValidUri(uri, 'loose', true),
      ], JSON.stringify(uri)).toEqual([strict, strictEmpty, loose, looseEmpty]);
      // The table itself agrees with the specification's expressions.
      expect([spec(uri, 'strict', false), spec(uri, 'strict', true), spec(uri, 'loose', false), spec(uri, 'loose', true)]).toEqual([
        strict,
        strictEmpty,
        loose,
        looseEmpty,
      ]);
    }
  });

  it('is loose by default and refuses what is not a string', () => {
    expect(isValidUri('com.App')).toBe(true);
    for (const v of [undefined, null, 1, ['a'], { a: 1 }, new Uint8Array(1)]) expect(isValidUri(v)).toBe(false);
  });

  it('agrees with the specification expressions on any string', () => {
    // An alphabet that hits every class: strict characters, loose-only ones,
    // separators, '#', and every character JavaScript's \s matches.
    const spaces = ' \t\n\v\f\r\u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
    const unit = fc.constantFrom(...'az09_.', '.', '.', 'A', '-', '#', 'é', '\u0000', '\u0085', '\u180e', '\u200b', ...spaces);
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), (uri) => {
        for (const rule of ['strict', 'loose'] as const) {
          for (const empty of [false, true]) expect(isValidUri(uri, rule, empty)).toBe(spec(uri, rule, empty));
        }
      }),
      { seed: 11, numRuns: 3000 },
    );
  });
});

describe('patterns and reserved URIs', () => {
  it('only wildcard patterns may have empty components', () => {
    expect(isValidPattern('com..update', 'wildcard')).toBe(true);
    expect(isValidPattern('com..update', 'prefix')).toBe(false);
    expect(isValidPattern('com..update', 'exact')).toBe(false);
    expect(isValidPattern('com.myapp', 'prefix')).toBe(true);
    expect(isValidPattern('com.Myapp', 'prefix', 'strict')).toBe(false);
    expect(isValidPattern('', 'wildcard')).toBe(false);
  });

  it('the wamp. space is reserved', () => {
    expect(isReservedUri('wamp.session.on_join')).toBe(true);
    expect(isReservedUri('wamp')).toBe(false);
    expect(isReservedUri('com.wamp.x')).toBe(false);
  });
});

describe('URIs in received messages, in every serializer', () => {
  function verdict(wire: unknown[], uriRule?: UriRule): boolean[] {
    return ALL_SERIALIZERS.map((ser) => {
      try {
        decodeMessage(ser, ser.encode(wire), uriRule === undefined ? {} : { uriRule });
        return true;
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolViolation);
        expect((e as ProtocolViolation).reason).toMatch(/URI/);
        return false;
      }
    });
  }
  const all = (b: boolean): boolean[] => [b, b, b];

  it('the rule given to decodeMessage applies: loose by default', () => {
    const callTo = (p: string): unknown[] => [48, 1, {}, p];
    expect(verdict(callTo('com.App.x'))).toEqual(all(true));
    expect(verdict(callTo('com.App.x'), 'loose')).toEqual(all(true));
    expect(verdict(callTo('com.App.x'), 'strict')).toEqual(all(false));
    expect(verdict(callTo('com.app.x'), 'strict')).toEqual(all(true));
    for (const bad of ['com..x', 'com.x.', '.com', 'com x', 'com#x', '']) expect(verdict(callTo(bad))).toEqual(all(false));
  });

  it('empty components only in wildcard SUBSCRIBE and REGISTER', () => {
    for (const code of [32, 64]) {
      expect(verdict([code, 1, { match: 'wildcard' }, 'com..update'])).toEqual(all(true));
      expect(verdict([code, 1, { match: 'wildcard' }, 'com..update'], 'strict')).toEqual(all(true));
      expect(verdict([code, 1, { match: 'wildcard' }, 'com..Update'], 'strict')).toEqual(all(false));
      expect(verdict([code, 1, { match: 'prefix' }, 'com..update'])).toEqual(all(false));
      expect(verdict([code, 1, {}, 'com..update'])).toEqual(all(false));
      expect(verdict([code, 1, { match: 'wildcard' }, 'com.#.update'])).toEqual(all(false));
    }
    expect(verdict([16, 1, {}, 'com..update'])).toEqual(all(false));
    expect(verdict([16, 1, { match: 'wildcard' }, 'com..update'])).toEqual(all(false));
  });

  it('realms, reasons and error URIs follow the rule too', () => {
    expect(verdict([1, 'realm1', { roles: {} }])).toEqual(all(true));
    expect(verdict([1, 'Realm1', { roles: {} }], 'strict')).toEqual(all(false));
    expect(verdict([1, 'realm 1', { roles: {} }])).toEqual(all(false));
    expect(verdict([3, {}, 'wamp.error.no_such_realm'])).toEqual(all(true));
    expect(verdict([6, {}, 'wamp.close..normal'])).toEqual(all(false));
    expect(verdict([8, 48, 1, {}, 'com.app.Error'], 'strict')).toEqual(all(false));
    expect(verdict([8, 48, 1, {}, 'com.app.error'], 'strict')).toEqual(all(true));
  });
});
