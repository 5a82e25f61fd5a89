/**
 * Our MessagePack and CBOR encoders (src/wire/serializers/writer.ts and the
 * `write` of each serializer) against the libraries they replaced: what they
 * write decodes, with the libraries' decoders, to the value written, for
 * arbitrary values of the data model; inside the range where the libraries
 * wrote what WAMP wants, the bytes are the libraries' bytes; and the cases the
 * libraries handled by accident (a value that contains itself, an encode from
 * inside an encode) are handled on purpose.
 */

import { Decoder as RawMsgpackDecoder, Encoder as RawMsgpackEncoder } from '@msgpack/msgpack';
import { Decoder as RawCborDecoder, Encoder as RawCborEncoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cborSerializer, hexEncode, MAX_ID, msgpackSerializer } from '@wamp/core';

const SEED = 0x5eed_e7c;

/** Integers at every edge of the integer encodings of both formats, up to ±2^53. */
const EDGES = [0, 1, 23, 24, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, MAX_ID - 1, MAX_ID];
const edgeArb = fc.constantFrom(...EDGES.flatMap((n) => [n, -n - 1, -n]).filter((n) => !Object.is(n, -0)));

/** Text of every UTF-8 width, lengths around the header edges of both formats. */
const textArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  fc.constantFrom('x'.repeat(23), 'x'.repeat(24), 'x'.repeat(31), 'x'.repeat(32), 'é'.repeat(12), 'é'.repeat(128), '€'.repeat(86), '😀'.repeat(64), 'y'.repeat(70000)),
);

interface ValueOptions {
  /** Integers as wide as ±2^53 (the libraries wrote those beyond 32 bits in other forms). */
  readonly wide: boolean;
  /** `__proto__` among the keys (the libraries' decoders refuse or rename it). */
  readonly proto: boolean;
}

/** Values of the WAMP data model (no -0, finite numbers). */
function dataArb(o: ValueOptions): fc.Arbitrary<unknown> {
  const ints = o.wide
    ? fc.oneof(edgeArb, fc.integer(), fc.maxSafeInteger())
    : fc.oneof(edgeArb.filter((n) => Math.abs(n) < 2 ** 32), fc.integer());
  const keyArb = o.proto ? fc.oneof({ weight: 6, arbitrary: textArb }, { weight: 1, arbitrary: fc.constant('__proto__') }) : textArb;
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      ints.map((n) => (Object.is(n, -0) ? 0 : n)),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
      textArb,
      fc.uint8Array({ maxLength: 300 }),
      fc.array(tie('value'), { maxLength: 20 }),
      fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 20 }).map((entries) => {
        const obj: Record<string, unknown> = {};
        for (const [k, v] of entries) {
          if (k === '__proto__') Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
          else obj[k] = v;
        }
        return obj;
      }),
    ),
  }));
  return value;
}

/** The same value with binary as plain Uint8Arrays, bigints as numbers, dictionaries as plain objects. */
function normal(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return hexEncode(v);
  if (Array.isArray(v)) return v.map(normal);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const x = normal((v as Record<string, unknown>)[k]);
      if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
      else out[k] = x;
    }
    return out;
  }
  return v;
}

const libMsgpack = new RawMsgpackDecoder({ useBigInt64: true });
const libCbor = new RawCborDecoder({ mapsAsObjects: true, useRecords: false });
const bytesOf = (f: unknown): Uint8Array => f as Uint8Array;

describe('our encoders', () => {
  it("write what the libraries' decoders read back as the value written", () => {
    fc.assert(
      fc.property(dataArb({ wide: true, proto: false }), (v) => {
        const wire = [v];
        expect(normal(libMsgpack.decode(bytesOf(msgpackSerializer.encode(wire))))).toEqual(normal(wire));
        expect(normal(libCbor.decode(bytesOf(cborSerializer.encode(wire))))).toEqual(normal(wire));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('write what our decoders read back as the value written, __proto__ keys included', () => {
    fc.assert(
      fc.property(dataArb({ wide: true, proto: true }), (v) => {
        const wire = [v];
        for (const ser of [msgpackSerializer, cborSerializer]) {
          expect(normal(ser.decode(ser.encode(wire)))).toEqual(normal(wire));
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('write the bytes the libraries wrote, where those were the WAMP mapping (integers within 32 bits)', () => {
    const rawMsgpack = new RawMsgpackEncoder();
    const rawCbor = new RawCborEncoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false, useFloat32: 0 });
    fc.assert(
      fc.property(dataArb({ wide: false, proto: false }), (v) => {
        const wire = [v];
        expect(hexEncode(bytesOf(msgpackSerializer.encode(wire)))).toBe(hexEncode(rawMsgpack.encode(wire)));
        expect(hexEncode(bytesOf(cborSerializer.encode(wire)))).toBe(hexEncode(rawCbor.encode(wire)));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('leave out dictionary entries holding undefined, and write undefined in a list as null', () => {
    const wire = [{ a: undefined, b: 1, c: [undefined] }];
    expect(hexEncode(bytesOf(msgpackSerializer.encode(wire)))).toBe('91' + '82' + 'a162' + '01' + 'a163' + '91c0');
    expect(hexEncode(bytesOf(cborSerializer.encode(wire)))).toBe('81' + 'a2' + '6162' + '01' + '6163' + '81f6');
    // The entry count drops below a header size edge: the shorter header, the entries moved back.
    for (const size of [16, 17, 24, 25, 256, 257]) {
      const dict: Record<string, unknown> = { gone: undefined };
      for (let i = 1; i < size; i++) dict[`k${i}`] = i;
      const expected = Object.fromEntries(Object.entries(dict).filter(([, v]) => v !== undefined));
      const rawMsgpack = new RawMsgpackEncoder();
      const rawCbor = new RawCborEncoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
      expect(hexEncode(bytesOf(msgpackSerializer.encode([dict, 'end'])))).toBe(hexEncode(rawMsgpack.encode([expected, 'end'])));
      expect(hexEncode(bytesOf(cborSerializer.encode([dict, 'end'])))).toBe(hexEncode(rawCbor.encode([expected, 'end'])));
    }
  });

  it('write a lone surrogate as U+FFFD, never as malformed UTF-8', () => {
    expect(hexEncode(bytesOf(msgpackSerializer.encode(['a\ud800'])))).toBe('91a461efbfbd');
    // 30 × (a, U+FFFD): 120 bytes, written after room for the longest header, then moved back.
    const f = bytesOf(cborSerializer.encode(['a\udc00'.repeat(30)]));
    expect(hexEncode(f)).toBe('817878' + '61efbfbd'.repeat(30));
    expect(cborSerializer.decode(f)).toEqual(['a\ufffd'.repeat(30)]);
  });

  it('refuse a value that contains itself, and values outside the data model, with an error', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    for (const ser of [msgpackSerializer, cborSerializer]) {
      expect(() => ser.encode(cyclic)).toThrow(/nested deeper than/);
      expect(() => ser.encode([() => 1])).toThrow(/not in the WAMP data model/);
      expect(() => ser.encode([Symbol('s')])).toThrow(/not in the WAMP data model/);
      expect(() => ser.encode([2n ** 60n])).toThrow(/beyond 2\^53/);
      expect(ser.decode(ser.encode([5n, new ArrayBuffer(2)]))).toEqual([5, new Uint8Array(2)]);
      // The buffer is reused, the frames are not.
      const first = bytesOf(ser.encode(['first']));
      ser.encode(['second']);
      expect(ser.decode(first)).toEqual(['first']);
    }
  });

  it('encode from inside an encode (a getter) without mixing the two frames', () => {
    for (const ser of [msgpackSerializer, cborSerializer]) {
      const value = {
        a: 'x'.repeat(40),
        get inner(): Uint8Array {
          return bytesOf(ser.encode(['inner', 'y'.repeat(300)]));
        },
      };
      const back = ser.decode(ser.encode([1, value, 2])) as [number, { a: string; inner: Uint8Array }, number];
      expect(back[0]).toBe(1);
      expect(back[2]).toBe(2);
      expect(back[1].a).toBe('x'.repeat(40));
      expect(ser.decode(back[1].inner)).toEqual(['inner', 'y'.repeat(300)]);
    }
  });

  it('write large frames (the buffer grows, and shrinks back afterwards)', () => {
    const big = new Uint8Array(3 << 20).fill(9);
    for (const ser of [msgpackSerializer, cborSerializer]) {
      const back = ser.decode(ser.encode([big, 'é'.repeat(100000)]), {
        maxStringLength: 1 << 20,
        maxContainerLength: 10,
        maxDepth: 10,
      } as never) as [Uint8Array, string];
      expect(back[0].length).toBe(big.length);
      expect(back[1]).toBe('é'.repeat(100000));
      expect(ser.decode(ser.encode(['small']))).toEqual(['small']);
    }
  });
});
