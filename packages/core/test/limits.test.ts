/**
 * Everything from the wire is hostile (STYLE.md §7): size, depth, string and
 * container limits, and the `__proto__` / `constructor` / `prototype` keys,
 * checked in every serializer at the exact boundaries, and `sanitize` itself.
 */

import { Encoder as RawCborEncoder } from 'cbor-x';
import { Encoder as RawMsgpackEncoder } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import {
  ALL_SERIALIZERS,
  DEFAULT_LIMITS,
  MessageType,
  ProtocolViolation,
  decodeMessage,
  resolveLimits,
  sanitize,
  type Frame,
  type Limits,
  type Serializer,
} from '@wamp/core';

/** Frame a raw wire array with the serializer's own encoder (which does not validate). */
const frameOf = (ser: Serializer, wire: unknown[]): Frame => ser.encode(wire);

function verdict(ser: Serializer, frame: Frame, limits: Partial<Limits>): 'ok' | string {
  try {
    decodeMessage(ser, frame, { limits: resolveLimits(limits) });
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolViolation);
    return (e as ProtocolViolation).reason;
  }
}

/** `k` lists nested inside Arguments: the innermost is at depth 2 + k (the message is depth 1). */
function nestedLists(k: number): unknown[] {
  let v: unknown = 1;
  for (let i = 0; i < k; i++) v = [v];
  return [48, 1, {}, 'a.b', [v]];
}
/** `k` dictionaries nested inside ArgumentsKw (itself at depth 2): the innermost is at depth 2 + k. */
function nestedDicts(k: number): unknown[] {
  let v: unknown = 1;
  for (let i = 0; i < k; i++) v = { d: v };
  return [48, 1, {}, 'a.b', [], { top: v }];
}

describe('limits, at the boundary, in every serializer', () => {
  for (const ser of ALL_SERIALIZERS) {
    describe(ser.name, () => {
      it('message size', () => {
        const frame = frameOf(ser, [48, 1, {}, 'a.b', ['x'.repeat(100)]]);
        expect(verdict(ser, frame, { maxMessageSize: frame.length })).toBe('ok');
        expect(verdict(ser, frame, { maxMessageSize: frame.length - 1 })).toContain('exceeds the limit');
      });

      it('nesting depth, of lists and of dictionaries', () => {
        for (const maxDepth of [2, 3, 10]) {
          expect(verdict(ser, frameOf(ser, nestedLists(maxDepth - 2)), { maxDepth })).toBe('ok');
          expect(verdict(ser, frameOf(ser, nestedLists(maxDepth - 1)), { maxDepth })).toContain('depth');
          expect(verdict(ser, frameOf(ser, nestedDicts(maxDepth - 2)), { maxDepth })).toBe('ok');
          expect(verdict(ser, frameOf(ser, nestedDicts(maxDepth - 1)), { maxDepth })).toContain('depth');
        }
        expect(verdict(ser, frameOf(ser, nestedLists(62)), {})).toBe('ok');
        expect(verdict(ser, frameOf(ser, nestedLists(63)), {})).toContain('depth');
      });

      it('string length, of values and of dictionary keys', () => {
        const limits = { maxStringLength: 12 };
        expect(verdict(ser, frameOf(ser, [48, 1, {}, 'a.b', ['x'.repeat(12)]]), limits)).toBe('ok');
        expect(verdict(ser, frameOf(ser, [48, 1, {}, 'a.b', ['x'.repeat(13)]]), limits)).toContain('string exceeds');
        expect(verdict(ser, frameOf(ser, [48, 1, {}, 'a.b', [], { [`k${'y'.repeat(11)}`]: 1 }]), limits)).toBe('ok');
        expect(verdict(ser, frameOf(ser, [48, 1, {}, 'a.b', [], { [`k${'y'.repeat(12)}`]: 1 }]), limits)).toContain(
          'key exceeds',
        );
        // The URI is a string like any other.
        expect(verdict(ser, frameOf(ser, [48, 1, {}, 'a.bcdefghijkl']), limits)).toContain('string exceeds');
      });

      it('container length, of lists and of dictionaries', () => {
        const limits = { maxContainerLength: 5 };
        const keys = (n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
        expect(verdict(ser, frameOf(ser, [48, 1, {}, 'a.b', [1, 2, 3, 4, 5]]), limits)).toBe('ok');
        expect(verdict(ser, frameOf(ser, [48, 1, {}, 'a.b', [1, 2, 3, 4, 5, 6]]), limits)).toContain('list exceeds');
        expect(verdict(ser, frameOf(ser, [48, 1, keys(5), 'a.b']), limits)).toBe('ok');
        expect(verdict(ser, frameOf(ser, [48, 1, keys(6), 'a.b']), limits)).toContain('dictionary exceeds');
        // The message is a list too.
        expect(verdict(ser, frameOf(ser, [48, 1, {}, 'a.b', [], { a: 1 }]), limits)).toContain('list exceeds');
      });

      it('__proto__, constructor and prototype keys are data, wherever they are, and reach no prototype', () => {
        for (const key of ['__proto__', 'constructor', 'prototype']) {
          // JSON.parse makes each an own property, which every encoder writes.
          const own = (v: unknown): unknown => JSON.parse(`{"${key}": ${JSON.stringify(v)}}`);
          const places: unknown[][] = [
            [48, 1, own({ polluted: true }), 'a.b'],
            [48, 1, {}, 'a.b', [own(1)]],
            [48, 1, {}, 'a.b', [], { deep: [{ x: own('y') }] }],
            [1, 'realm', { roles: { caller: {} }, ...(own({ polluted: true }) as object) }],
          ];
          for (const wire of places) {
            expect(verdict(ser, frameOf(ser, wire), {})).toBe('ok');
          }
        }
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      });
    });
  }

  it('the plain codecs write such keys too, and they decode to own keys of null-prototype dictionaries', () => {
    const m = new RawMsgpackEncoder();
    const c = new RawCborEncoder({ useRecords: false, mapsAsObjects: true });
    const wire = [48, 1, JSON.parse('{"__proto__": {"x": 1}}'), 'a.b'];
    const [json, msgpack, cbor] = ALL_SERIALIZERS;
    for (const [ser, frame] of [[json!, JSON.stringify(wire)], [msgpack!, m.encode(wire)], [cbor!, c.encode(wire)]] as const) {
      const msg = decodeMessage(ser, frame);
      if (msg.type !== MessageType.CALL) throw new Error('expected CALL');
      expect(Object.getPrototypeOf(msg.options)).toBeNull();
      expect(Object.keys(msg.options)).toEqual(['__proto__']);
      expect(msg.options['__proto__']).toEqual({ x: 1 });
    }
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});

describe('sanitize', () => {
  const L = DEFAULT_LIMITS;

  it('keeps the values of the data model and containers in place', () => {
    const v = [1, -2.5, 'x', true, false, null, new Uint8Array([1]), [], {}, { a: [1, { b: null }] }];
    const copy = structuredClone(v);
    expect(sanitize(v, L, false)).toBe(v);
    expect(v).toEqual(copy);
    const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(sanitize([nullProto], L, false)).toEqual([nullProto]);
  });

  it('turns JSON binary strings into bytes, and only for JSON', () => {
    const v: unknown[] = ['\u0000AQI=', { k: ['\u0000'] }, 'plain'];
    expect(sanitize(v, L, true)).toEqual([new Uint8Array([1, 2]), { k: [new Uint8Array(0)] }, 'plain']);
    expect(sanitize('\u0000AQI=', L, true)).toEqual(new Uint8Array([1, 2]));
    const w = ['\u0000AQI='];
    expect(sanitize(w, L, false)).toEqual(['\u0000AQI=']);
    expect(() => sanitize(['\u0000A'], L, true)).toThrow(/base64/);
  });

  it('turns bigints within ±2^53 into numbers and refuses the others', () => {
    const v: unknown[] = [2n ** 53n, -(2n ** 53n), 0n, { k: 5n }];
    expect(sanitize(v, L, false)).toEqual([2 ** 53, -(2 ** 53), 0, { k: 5 }]);
    for (const b of [2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 64n]) {
      expect(() => sanitize([b], L, false)).toThrow(ProtocolViolation);
      expect(() => sanitize({ k: b }, L, false)).toThrow(/beyond 2\^53/);
    }
  });

  it('refuses values outside the data model', () => {
    class Thing {
      x = 1;
    }
    const bad: unknown[] = [
      undefined,
      Number.NaN,
      Infinity,
      -Infinity,
      Symbol('s'),
      () => 1,
      new Date(0),
      new Map(),
      new Set(),
      new Thing(),
      new Float32Array(1),
      /re/,
    ];
    for (const b of bad) {
      expect(() => sanitize([b], L, false), String(b)).toThrow(ProtocolViolation);
      expect(() => sanitize({ k: b }, L, false), String(b)).toThrow(ProtocolViolation);
    }
  });

  it('counts the outer value as depth 1', () => {
    const limits = resolveLimits({ maxDepth: 2 });
    expect(sanitize([[1]], limits, false)).toEqual([[1]]);
    expect(() => sanitize([[[1]]], limits, false)).toThrow(/depth/);
    expect(() => sanitize([{ a: {} }], limits, false)).toThrow(/depth/);
    // Binary values are leaves, not containers.
    expect(sanitize([[new Uint8Array(2)]], limits, false)).toEqual([[new Uint8Array(2)]]);
  });
});

describe('resolveLimits', () => {
  it('merges over the defaults and freezes', () => {
    expect(resolveLimits()).toBe(DEFAULT_LIMITS);
    const l = resolveLimits({ maxDepth: 3 });
    expect(l).toEqual({ ...DEFAULT_LIMITS, maxDepth: 3 });
    expect(Object.isFrozen(l)).toBe(true);
  });
});
