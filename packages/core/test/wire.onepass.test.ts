/**
 * The one-pass decode (src/wire/index.ts): the MessagePack and CBOR readers
 * check the data model and the limits while they build values, JSON values
 * are checked by the shape checks as they read them, and long JSON binary
 * strings are decoded natively with exactly the strictness of the JavaScript
 * decoder. Each check here is one the separate `sanitize` walk used to make.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_SERIALIZERS,
  ProtocolViolation,
  base64Decode,
  base64Encode,
  call,
  cborSerializer,
  decodeMessage,
  encodeMessage,
  hexDecode,
  jsonSerializer,
  msgpackSerializer,
  resolveLimits,
  type Frame,
  type Serializer,
} from '@wamp/core';

const hex = (h: string): Uint8Array => {
  const b = hexDecode(h.replace(/\s+/g, ''));
  if (b === undefined) throw new Error(`bad hex ${h}`);
  return b;
};

function refusal(ser: Serializer, frame: Frame, limits = resolveLimits()): string {
  try {
    decodeMessage(ser, frame, { limits });
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolViolation);
    return (e as ProtocolViolation).reason;
  }
  throw new Error('accepted');
}

/** A CALL `[48, 1, {}, "a", [item]]` with one raw argument item, in MessagePack or CBOR. */
const msgpackCall = (item: string): Uint8Array => hex('95 30 01 80 a161 91' + item);
const cborCall = (item: string): Uint8Array => hex('85 1830 01 a0 6161 81' + item);

describe('JSON binary strings, decoded natively when long', () => {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const NOISE = [' ', '\n', '\t', '-', '_', '=', '.', '$', '\u0000', 'é', '\u00ff', '\u0100', '\u012d', '中', '😀'];
  const char = fc.oneof(
    { weight: 30, arbitrary: fc.constantFrom(...ALPHABET) },
    { weight: 1, arbitrary: fc.constantFrom(...NOISE) },
  );
  // At least 64 characters, where the native decoders take over.
  const body = fc.array(char, { minLength: 64, maxLength: 200 }).map((cs) => cs.join(''));
  const padding = fc.constantFrom('', '=', '==', '===');

  it('accept exactly what the JavaScript decoder accepts, with the same bytes', () => {
    fc.assert(
      fc.property(body, padding, (b64, pad) => {
        const s = '\u0000' + b64 + pad;
        const expected = base64Decode(s, 1);
        const frame = JSON.stringify([48, 1, {}, 'a', [s]]);
        if (expected === undefined) {
          expect(refusal(jsonSerializer, frame)).toContain('malformed base64');
        } else {
          const m = decodeMessage(jsonSerializer, frame);
          expect(m).toMatchObject({ args: [expected] });
          const bytes = (m as { args: unknown[] }).args[0] as Uint8Array;
          expect(bytes.constructor).toBe(Uint8Array);
        }
      }),
      { numRuns: 400, seed: 17 },
    );
  });

  it('read every length and padding back, large payloads too', () => {
    for (const n of [47, 48, 49, 50, 100, 3071, 3072, 3073, 4096, 16 * 1024, 100_000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
      const b64 = base64Encode(bytes);
      for (const text of [b64, b64.replace(/=+$/, '')]) {
        const m = decodeMessage(jsonSerializer, JSON.stringify([48, 1, {}, 'a', ['\u0000' + text]]));
        const got = (m as { args: unknown[] }).args[0] as Uint8Array;
        expect(got.constructor).toBe(Uint8Array);
        expect(got.byteLength).toBe(n);
        expect(got.buffer.byteLength).toBe(n); // nothing else reachable through `.buffer`
        expect(got).toEqual(bytes);
      }
    }
  });

  it('refuse a whitespace, a URL-safe or a non-ASCII character in a long string', () => {
    const b64 = base64Encode(new Uint8Array(300).fill(7));
    for (const bad of [' ', '\n', '-', '_', '中', '\u012d', '=']) {
      const s = '\u0000' + b64.slice(0, 100) + bad + b64.slice(101);
      expect(refusal(jsonSerializer, JSON.stringify([48, 1, {}, 'a', [s]])), JSON.stringify(bad)).toContain('malformed base64');
    }
  });

  it('the JSON walk refuses what JSON.parse lets through: overflowing numbers, rounded integers', () => {
    expect(refusal(jsonSerializer, '[48, 1, {}, "a", [1e400]]')).toContain('non-finite');
    expect(refusal(jsonSerializer, '[48, 1, {"x": {"y": -1e999}}, "a"]')).toContain('non-finite');
    expect(refusal(jsonSerializer, '[48, 1, {}, "a", [], {"n": 9007199254740993}]')).toContain('cannot be carried exactly');
    expect(refusal(jsonSerializer, '[48, 9007199254740993, {}, "a"]')).toContain('cannot be carried exactly');
    expect(decodeMessage(jsonSerializer, '[48, 9007199254740992, {}, "a", [1.5e300]]')).toMatchObject({ request: 2 ** 53 });
  });

  it('a binary string where a URI or a string field is expected is refused as binary', () => {
    const bin = '\u0000' + base64Encode(new Uint8Array([1, 2, 3]));
    expect(refusal(jsonSerializer, JSON.stringify([48, 1, {}, bin]))).toMatch(/Procedure must be a string, got binary/);
    expect(refusal(jsonSerializer, JSON.stringify([4, bin, {}]))).toMatch(/AuthMethod must be a string, got binary/);
  });
});

describe('the binary readers check values as they build them', () => {
  it('refuse non-finite floats, in every width', () => {
    for (const item of ['ca7fc00000', 'ca7f800000', 'caff800000', 'cb7ff8000000000000', 'cb7ff0000000000000']) {
      expect(refusal(msgpackSerializer, msgpackCall(item)), item).toContain('non-finite');
    }
    for (const item of ['f97e00', 'f97c00', 'f9fc00', 'fa7fc00000', 'fa7f800000', 'fb7ff8000000000000', 'fbfff0000000000000']) {
      expect(refusal(cborSerializer, cborCall(item)), item).toContain('non-finite');
    }
  });

  it('read CBOR half and single precision floats', () => {
    const arg = (item: string): unknown => (decodeMessage(cborSerializer, cborCall(item)) as { args: unknown[] }).args[0];
    expect(arg('f93c00')).toBe(1);
    expect(arg('f9c000')).toBe(-2);
    expect(arg('f93e00')).toBe(1.5);
    expect(arg('f97bff')).toBe(65504);
    expect(arg('f90001')).toBe(2 ** -24);
    expect(arg('f98000')).toBe(-0);
    expect(arg('fa47c35000')).toBe(100000);
    expect(arg('fa3fc00000')).toBe(1.5);
  });

  it('refuse malformed UTF-8 in strings and keys, short and long', () => {
    for (const s of ['a1ff', 'a2c328', 'a3e28228', 'd940' + '61'.repeat(63) + 'ff']) {
      expect(refusal(msgpackSerializer, msgpackCall(s)), s).toContain('malformed msgpack');
    }
    expect(refusal(msgpackSerializer, hex('95 30 01 81 a1ff 01 a161'))).toContain('malformed msgpack');
    for (const s of ['61ff', '62c328', '7840' + '61'.repeat(63) + 'ff']) {
      expect(refusal(cborSerializer, cborCall(s)), s).toContain('malformed cbor');
    }
  });

  it('read non-ASCII text of every length, in values and keys', () => {
    for (const s of ['é', 'aé', '中文', 'x'.repeat(7) + 'é', 'é'.repeat(30), '😀'.repeat(20), 'ab😀cd'.repeat(20)]) {
      const m = call(1, 'a', { args: [s], kwargs: { [s]: s } });
      for (const ser of ALL_SERIALIZERS) expect(decodeMessage(ser, encodeMessage(ser, m)), `${ser.name} ${s}`).toEqual(m);
    }
  });

  it('count the string limit in UTF-16 code units, as sanitize does', () => {
    const limits = resolveLimits({ maxStringLength: 4 });
    // Four characters, eight bytes: within the limit.
    const ok = call(1, 'a', { args: ['éééé'], kwargs: { éééé: 1 } });
    // One emoji is two code units: three emoji exceed four.
    const over = call(1, 'a', { args: ['😀😀😀'] });
    const overKey = call(1, 'a', { args: [], kwargs: { '😀😀😀': 1 } });
    for (const ser of [msgpackSerializer, cborSerializer]) {
      expect(decodeMessage(ser, encodeMessage(ser, ok), { limits })).toEqual(ok);
      expect(refusal(ser, encodeMessage(ser, over), limits)).toContain('string exceeds');
      expect(refusal(ser, encodeMessage(ser, overKey), limits)).toContain('key exceeds');
    }
  });

  it('hand out the same key for the same bytes, and the right one for colliding keys', () => {
    // Many distinct keys through the cache, then each read again.
    const keys = Array.from({ length: 3000 }, (_, i) => `k${i.toString(36)}`);
    for (const ser of [msgpackSerializer, cborSerializer]) {
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < keys.length; i += 97) {
          const kw = Object.fromEntries(keys.slice(i, i + 97).map((k, j) => [k, j]));
          const m = call(1, 'a', { args: [], kwargs: kw });
          expect(decodeMessage(ser, encodeMessage(ser, m))).toEqual(m);
        }
      }
    }
  });

  it('refuse an indefinite-length CBOR list or map over the length limit', () => {
    const limits = resolveLimits({ maxContainerLength: 4 });
    // RESULT [50, 1, {}, [_ 1, 2, 3, 4(, 5)]] and [50, 1, {_ a: 1 ... }].
    expect(decodeMessage(cborSerializer, hex('84 1832 01 a0 9f 01 02 03 04 ff'), { limits })).toMatchObject({ args: [1, 2, 3, 4] });
    expect(refusal(cborSerializer, hex('84 1832 01 a0 9f 01 02 03 04 05 ff'), limits)).toContain('list exceeds');
    const entries = (n: number): string => Array.from({ length: n }, (_, i) => `61${(0x61 + i).toString(16)} 0${i}`).join(' ');
    expect(decodeMessage(cborSerializer, hex(`83 1832 01 bf ${entries(4)} ff`), { limits })).toMatchObject({ details: { a: 0, d: 3 } });
    expect(refusal(cborSerializer, hex(`83 1832 01 bf ${entries(5)} ff`), limits)).toContain('dictionary exceeds');
  });
});

describe('a serializer that does not check limits itself', () => {
  // What a third-party serializer might hand over: the walk still runs.
  const loose = (value: unknown): Serializer => ({
    name: 'json',
    subprotocol: 'x-test',
    rawSocketId: 99,
    binary: true,
    binaryStrings: false,
    encode: () => new Uint8Array(0),
    decode: () => value,
  });

  it('has its values walked, as sanitize would', () => {
    const frame = new Uint8Array(1);
    expect(refusal(loose([48, 1, {}, 'a', [Number.NaN]]), frame)).toContain('non-finite');
    expect(refusal(loose([48, 1, {}, 'a', [new Map()]]), frame)).toContain('unsupported value');
    expect(refusal(loose([48, 1, { x: [[[1]]] }, 'a']), frame, resolveLimits({ maxDepth: 4 }))).toContain('depth');
    expect(refusal(loose([48, 1, {}, 'a', [2n ** 60n]]), frame)).toContain('beyond 2^53');
    expect(refusal(loose([48, 1, {}, 'a'.repeat(20)]), frame, resolveLimits({ maxStringLength: 10 }))).toContain('string exceeds');
    expect(decodeMessage(loose([48, 1, {}, 'a', [5n]]), frame)).toMatchObject({ args: [5] });
  });
});
