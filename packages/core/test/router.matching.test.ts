// Unit and property tests of the router's building blocks: the URI pattern
// index and the ISO timestamps. These are internal modules, imported by path.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PatternIndex, uriMatches } from '../src/router/matching.js';
import { isoTimestamp } from '../src/router/timestamp.js';
import type { MatchPolicy } from '@wamp/core';

const component = fc.constantFrom('a', 'b', 'c', 'ab');
const concrete = fc.array(component, { minLength: 1, maxLength: 4 }).map((p) => p.join('.'));
const wildcardPattern = fc.array(fc.constantFrom('a', 'b', ''), { minLength: 1, maxLength: 4 }).map((p) => p.join('.'));
const entry = fc.oneof(
  fc.record({ uri: concrete, match: fc.constant<MatchPolicy>('exact') }),
  fc.record({ uri: fc.oneof(concrete, concrete.map((u) => u.slice(0, -1)).filter((u) => u.length > 0 && !u.endsWith('.'))), match: fc.constant<MatchPolicy>('prefix') }),
  fc.record({ uri: wildcardPattern, match: fc.constant<MatchPolicy>('wildcard') }),
);

/** The spec's precedence, computed the slow way. */
function bruteBest(entries: { uri: string; match: MatchPolicy }[], uri: string): string | undefined {
  const m = entries.filter((e) => uriMatches(e.uri, e.match, uri));
  const exact = m.find((e) => e.match === 'exact');
  if (exact) return `${exact.match}:${exact.uri}`;
  const prefixes = m.filter((e) => e.match === 'prefix').sort((x, y) => y.uri.length - x.uri.length);
  if (prefixes[0]) return `prefix:${prefixes[0].uri}`;
  const rank = (p: string): string => p.split('.').map((c) => (c === '' ? '0' : '1')).join('');
  const wild = m.filter((e) => e.match === 'wildcard').sort((x, y) => (rank(y.uri) > rank(x.uri) ? 1 : rank(y.uri) < rank(x.uri) ? -1 : 0));
  return wild[0] ? `wildcard:${wild[0].uri}` : undefined;
}

describe('PatternIndex', () => {
  it('best and matchAll agree with a brute-force reading of the spec, through inserts and deletes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => `${e.match}:${e.uri}`, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 4 }), fc.array(concrete, { minLength: 1, maxLength: 8 }), (entries, drops, probes) => {
        const ix = new PatternIndex<string>();
        for (const e of entries) ix.set(e.uri, e.match, `${e.match}:${e.uri}`);
        const live = [...entries];
        for (const d of drops) {
          if (live.length === 0) break;
          const [gone] = live.splice(d % live.length, 1);
          expect(ix.delete(gone!.uri, gone!.match)).toBe(true);
          expect(ix.delete(gone!.uri, gone!.match)).toBe(false);
        }
        expect(ix.size).toBe(live.length);
        for (const uri of probes) {
          expect(ix.best(uri)).toBe(bruteBest(live, uri));
          const all: string[] = [];
          ix.matchAll(uri, all);
          const want = live.filter((e) => uriMatches(e.uri, e.match, uri)).map((e) => `${e.match}:${e.uri}`);
          expect(all.sort()).toEqual(want.sort());
          expect(ix.hasMatch(uri)).toBe(want.length > 0);
        }
        for (const e of live) expect(ix.get(e.uri, e.match)).toBe(`${e.match}:${e.uri}`);
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});

describe('isoTimestamp', () => {
  it('is what Date#toISOString gives, for every date in years 1970..9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
        expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2000, seed: 7 },
    );
    expect(isoTimestamp(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(isoTimestamp(951_782_400_000)).toBe('2000-02-29T00:00:00.000Z');
  });
});
