/**
 * Building blocks for the message arbitraries: IDs, URIs and the application
 * values that travel in Arguments/ArgumentsKw.
 *
 * Every value generated here is inside the data model that JSON, MessagePack
 * and CBOR share (see `Serializer` in @wamp/core): null, booleans, finite
 * numbers with integers exact within ±2^53 and no -0, strings, binary,
 * lists, and dictionaries with string keys. So a router that re-encodes a
 * payload must hand it back equal, whatever the serializer.
 */

import fc from 'fast-check';
import { MAX_ID, type UriRule } from '@wamp/core';

/** A WAMP ID in [1, 2^53], biased towards the edges of the range. */
export function idArb(): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.maxSafeNat().map((n) => n + 1) },
    { weight: 1, arbitrary: fc.constantFrom(1, 2, MAX_ID - 1, MAX_ID) },
  );
}

/**
 * Numbers that are not IDs, in the ways a careless peer gets them wrong: zero,
 * negatives, one past 2^53, fractions, huge doubles.
 */
export function outOfRangeIdArb(): fc.Arbitrary<number> {
  return fc.constantFrom(0, -1, -MAX_ID, MAX_ID + 2, 2 ** 60, 1.5, 0.5, 1e300, -0.25);
}

const STRICT_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_'.split('');
// Loose components exclude only whitespace, '.' and '#'.
const LOOSE_EXTRA = ['A', 'Z', '-', ':', '/', '$', 'é', '中', '!'];

/** One URI component under `rule` (never empty). */
export function uriComponentArb(rule: UriRule = 'strict'): fc.Arbitrary<string> {
  const chars = rule === 'strict' ? STRICT_CHARS : [...STRICT_CHARS, ...LOOSE_EXTRA];
  return fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: 8 });
}

/**
 * An application URI (not in the reserved `wamp.` space), valid under `rule`.
 * The default is the strict rule, which every router must accept.
 */
export function uriArb(rule: UriRule = 'strict', maxComponents = 4): fc.Arbitrary<string> {
  return fc
    .array(uriComponentArb(rule), { minLength: 1, maxLength: maxComponents })
    .map((parts) => (parts[0] === 'wamp' ? ['app', ...parts] : parts).join('.'));
}

/** A wildcard pattern: some components empty, at least one not. */
export function wildcardPatternArb(): fc.Arbitrary<string> {
  return fc
    .array(fc.option(uriComponentArb('strict'), { nil: '' }), { minLength: 2, maxLength: 4 })
    .filter((parts) => parts.some((p) => p !== '') && parts[0] !== 'wamp')
    .map((parts) => parts.join('.'));
}

/**
 * Strings that are URIs under no rule (basic profile, "URIs": components are
 * non-empty and contain no whitespace, '.' or '#').
 */
export function badUriArb(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', '.', 'a..b', '.a.b', 'a.b.', 'a b', 'a.b c', 'a#b', 'com.#', '\t', 'a.\n.b', ' a'),
    fc
      .tuple(uriArb('strict', 2), fc.constantFrom(' ', '#', '..', '\n', '\u00a0'), uriArb('strict', 2))
      .map(([a, bad, b]) => a + bad + b),
  );
}

/** A dictionary key that every implementation accepts (not one the hostile-input rules refuse). */
export function keyArb(): fc.Arbitrary<string> {
  return fc
    .string({ unit: 'grapheme-ascii', maxLength: 8 })
    .filter((k) => k !== '__proto__' && k !== 'constructor' && k !== 'prototype');
}

/** A string value; never starting with NUL, which the JSON serializer reserves for binary. */
export function stringValueArb(maxLength = 16): fc.Arbitrary<string> {
  return fc
    .oneof(fc.string({ maxLength }), fc.string({ unit: 'grapheme', maxLength }))
    .filter((s) => s.charCodeAt(0) !== 0);
}

/** A finite double that is not -0 (which no serializer needs to preserve). */
export function doubleArb(): fc.Arbitrary<number> {
  return fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d));
}

/** Options of the payload value arbitraries. */
export interface ValueOptions {
  /** Include Uint8Array values. Default true. */
  readonly binary?: boolean;
  /** Deepest nesting of lists and dictionaries. Default 3. */
  readonly maxDepth?: number;
  /** Most elements per list or dictionary. Default 4. */
  readonly maxLength?: number;
}

/** Any WAMP application value (see the module comment for the data model). */
export function valueArb(opts: ValueOptions = {}): fc.Arbitrary<unknown> {
  const maxLength = opts.maxLength ?? 4;
  const leaves: fc.Arbitrary<unknown>[] = [
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    doubleArb(),
    stringValueArb(),
  ];
  if (opts.binary ?? true) leaves.push(fc.uint8Array({ maxLength: 16 }));
  const leaf = fc.oneof(...leaves);
  const { value } = fc.letrec<{ value: unknown; list: unknown[]; dict: Record<string, unknown> }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', maxDepth: opts.maxDepth ?? 3 }, leaf, tie('list'), tie('dict')),
    list: fc.array(tie('value'), { maxLength }),
    dict: fc.dictionary(keyArb(), tie('value'), { maxKeys: maxLength, noNullPrototype: true }),
  }));
  return value;
}

/** Arguments: a list of values. */
export function argsArb(opts: ValueOptions = {}): fc.Arbitrary<unknown[]> {
  return fc.array(valueArb(opts), { maxLength: opts.maxLength ?? 4 });
}

/** ArgumentsKw: a dictionary of values. */
export function kwargsArb(opts: ValueOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  return fc.dictionary(keyArb(), valueArb(opts), { maxKeys: opts.maxLength ?? 4, noNullPrototype: true });
}

/**
 * Deep equality over the WAMP data model: binary compares by bytes, numbers by
 * value, dictionaries by own keys regardless of order.
 */
export function wampEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    return a.every((v, i) => wampEqual(v, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    const rb = b as Record<string, unknown>;
    const ra = a as Record<string, unknown>;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && wampEqual(ra[k], rb[k]));
  }
  return false;
}
