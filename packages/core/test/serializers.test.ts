/**
 * What each serializer writes and what it refuses, byte by byte, beyond the
 * conformance vectors: integer and binary encodings, MessagePack extension
 * types, CBOR tags and simple values, non-string keys, text frames.
 */

import { Encoder as RawMsgpackEncoder } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import {
  ALL_SERIALIZERS,
  MAX_ID,
  MessageType,
  ProtocolViolation,
  call,
  cborSerializer,
  decodeMessage,
  encodeMessage,
  event,
  hexDecode,
  hexEncode,
  jsonSerializer,
  msgpackSerializer,
  parseSubprotocol,
  published,
  serializerByName,
  serializerByRawSocketId,
  serializerBySubprotocol,
  type Frame,
  type Serializer,
} from '@wamp/core';
import { thrown } from './kit/thrown.js';

const hex = (h: string): Uint8Array => {
  const b = hexDecode(h.replace(/\s+/g, ''));
  if (b === undefined) throw new Error(`bad hex ${h}`);
  return b;
};
const asHex = (f: Frame): string => (typeof f === 'string' ? f : hexEncode(f));

function refusal(ser: Serializer, frame: Frame): string {
  return thrown(() => decodeMessage(ser, frame), ProtocolViolation, `${ser.name} accepted ${asHex(frame)}`).reason;
}

describe('serializer descriptions and lookup', () => {
  it('names, subprotocols, RawSocket ids and frame kinds', () => {
    expect(ALL_SERIALIZERS.map((s) => [s.name, s.subprotocol, s.rawSocketId, s.binary, s.binaryStrings])).toEqual([
      ['json', 'wamp.2.json', 1, false, true],
      ['msgpack', 'wamp.2.msgpack', 2, true, false],
      ['cbor', 'wamp.2.cbor', 3, true, false],
    ]);
    expect(Object.isFrozen(ALL_SERIALIZERS)).toBe(true);
    for (const s of ALL_SERIALIZERS) expect(Object.isFrozen(s)).toBe(true);
  });

  it('finds a serializer by name, subprotocol and RawSocket id', () => {
    expect(serializerByName('json')).toBe(jsonSerializer);
    expect(serializerByName('msgpack')).toBe(msgpackSerializer);
    expect(serializerByName('cbor')).toBe(cborSerializer);
    expect(serializerByName('ubjson')).toBeUndefined();
    expect(serializerBySubprotocol('wamp.2.json')).toBe(jsonSerializer);
    expect(serializerBySubprotocol('wamp.2.msgpack')).toBe(msgpackSerializer);
    expect(serializerBySubprotocol('wamp.2.cbor')).toBe(cborSerializer);
    expect(serializerBySubprotocol('wamp.2.cbor.batched')).toBeUndefined();
    expect(serializerBySubprotocol('wamp.2.ubjson')).toBeUndefined();
    expect(serializerByRawSocketId(1)).toBe(jsonSerializer);
    expect(serializerByRawSocketId(2)).toBe(msgpackSerializer);
    expect(serializerByRawSocketId(3)).toBe(cborSerializer);
    for (const id of [0, 4, 5, 15, 1.5]) expect(serializerByRawSocketId(id)).toBeUndefined();
  });

  it('parses plain and batched subprotocols', () => {
    expect(parseSubprotocol('wamp.2.json')).toEqual({ serializer: jsonSerializer, batched: false });
    expect(parseSubprotocol('wamp.2.msgpack.batched')).toEqual({ serializer: msgpackSerializer, batched: true });
    expect(parseSubprotocol('wamp.2.cbor.batched')).toEqual({ serializer: cborSerializer, batched: true });
    for (const p of ['wamp.2.ubjson', 'wamp.2.json.batched.batched', 'wamp.2', '.batched', 'wamp.2.JSON', '']) {
      expect(parseSubprotocol(p)).toBeUndefined();
    }
  });
});

describe('binary values', () => {
  const sizes = [0, 1, 255, 256, 65535, 65536];
  const blob = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

  it('MessagePack writes bin 8 / bin 16 / bin 32', () => {
    const heads = ['c400', 'c401', 'c4ff', 'c50100', 'c5ffff', 'c600010000'];
    sizes.forEach((n, i) => {
      const f = encodeMessage(msgpackSerializer, call(1, 'a.b', { args: [blob(n)] })) as Uint8Array;
      // [48, 1, {}, "a.b", [bin]]
      expect(hexEncode(f.subarray(0, 9))).toBe('953001' + '80' + 'a3612e62' + '91');
      expect(hexEncode(f.subarray(9, 9 + heads[i]!.length / 2))).toBe(heads[i]);
      expect(f.length).toBe(9 + heads[i]!.length / 2 + n);
    });
  });

  it('CBOR writes a byte string (major type 2), not tag 64', () => {
    const heads = ['40', '41', '58ff', '590100', '59ffff', '5a00010000'];
    sizes.forEach((n, i) => {
      const f = encodeMessage(cborSerializer, call(1, 'a.b', { args: [blob(n)] })) as Uint8Array;
      // [48, 1, {}, "a.b", [bytes]]
      expect(hexEncode(f.subarray(0, 10))).toBe('851830' + '01' + 'a0' + '63612e62' + '81');
      expect(hexEncode(f.subarray(10, 10 + heads[i]!.length / 2))).toBe(heads[i]);
      expect(f.length).toBe(10 + heads[i]!.length / 2 + n);
    });
  });

  it('JSON writes "\\u0000" + base64', () => {
    expect(encodeMessage(jsonSerializer, call(1, 'a.b', { args: [hex('00ff10'), new Uint8Array(0)] }))).toBe(
      '[48,1,{},"a.b",["\\u0000AP8Q","\\u0000"]]',
    );
    expect(refusal(jsonSerializer, '[48,1,{},"a.b",["\\u0000AP8!"]]')).toContain('base64');
  });

  it('decode to plain Uint8Arrays, also from a Buffer frame', () => {
    for (const ser of ALL_SERIALIZERS) {
      const m = call(1, 'a.b', { args: [blob(300)], kwargs: { k: blob(3) } });
      const f = encodeMessage(ser, m);
      const asBuffer = Buffer.from(typeof f === 'string' ? new TextEncoder().encode(f) : f);
      for (const frame of [f, asBuffer]) {
        const back = decodeMessage(ser, frame);
        expect(back).toEqual(m);
        const arg = (back as { readonly args: readonly unknown[] }).args[0];
        expect(Object.getPrototypeOf(arg)).toBe(Uint8Array.prototype);
      }
    }
  });

  it('Buffers given to the encoders are written like Uint8Arrays', () => {
    for (const ser of ALL_SERIALIZERS) {
      const plain = encodeMessage(ser, call(1, 'a.b', { args: [hex('010203')] }));
      const buffer = encodeMessage(ser, call(1, 'a.b', { args: [Buffer.from([1, 2, 3])] }));
      expect(asHex(buffer)).toBe(asHex(plain));
      if (typeof plain !== 'string') expect(Object.getPrototypeOf(plain)).toBe(Uint8Array.prototype);
    }
  });
});

describe('MessagePack', () => {
  const enc = (m: Parameters<typeof encodeMessage>[1]): string => asHex(encodeMessage(msgpackSerializer, m));

  it('writes integers in the smallest form, and ±2^53 as 64-bit integers', () => {
    // [17, 1, id]
    const cases: [number, string][] = [
      [1, '01'],
      [127, '7f'],
      [128, 'cc80'],
      [65535, 'cdffff'],
      [65536, 'ce00010000'],
      [2 ** 32 - 1, 'ceffffffff'],
      [2 ** 32, 'cf0000000100000000'],
      [MAX_ID - 1, 'cf001fffffffffffff'],
      [MAX_ID, 'cf0020000000000000'],
    ];
    for (const [id, body] of cases) expect(enc(published(1, id))).toBe('931101' + body);
    expect(enc(call(1, 'a', { args: [-1, -33, -129, -(2 ** 31) - 1, -MAX_ID, MAX_ID + 2, 1.5] }))).toBe(
      '953001' + '80' + 'a161' + '97' + 'ff' + 'd0df' + 'd1ff7f' + 'd3ffffffff7fffffff' + 'd3ffe0000000000000' +
        'cb4340000000000001' + 'cb3ff8000000000000',
    );
  });

  it('reads 64-bit integers exactly: up to 2^53, refused beyond', () => {
    expect(decodeMessage(msgpackSerializer, hex('931101 cf0000000000000005'))).toEqual(published(1, 5));
    expect(decodeMessage(msgpackSerializer, hex('931101 d30000000000000005'))).toEqual(published(1, 5));
    expect(decodeMessage(msgpackSerializer, hex('931101 cf0020000000000000'))).toEqual(published(1, MAX_ID));
    expect(refusal(msgpackSerializer, hex('931101 cf0020000000000001'))).toContain('beyond 2^53');
    expect(refusal(msgpackSerializer, hex('931101 cfffffffffffffffff'))).toContain('beyond 2^53');
    // In a payload too: a value that would otherwise be silently rounded.
    expect(refusal(msgpackSerializer, hex('953001 80 a161 91 d3ffdfffffffffffff'))).toContain('beyond 2^53');
    expect(decodeMessage(msgpackSerializer, hex('953001 80 a161 91 d3ffe0000000000000'))).toEqual(
      call(1, 'a', { args: [-MAX_ID] }),
    );
  });

  it('reads 64-bit integers within ±2^53 as numbers in its own decoder, and refuses the others there', () => {
    // The serializer's own decoder checks the range as it reads (no bigint, no walk afterwards).
    expect(
      msgpackSerializer.decode(hex('96 cf0000000100000000 cf0020000000000000 d3ffe0000000000000 d3ffffffffffffffff d3fffffffeffffffff d3ffe00000ffffffff'.replace(/ /g, ''))),
    ).toEqual([2 ** 32, MAX_ID, -MAX_ID, -1, -(2 ** 32) - 1, -MAX_ID + 2 ** 32 - 1]);
    for (const big of ['cf0020000000000001', 'd3ffdfffffffffffff', 'cf8000000000000000', 'd38000000000000000']) {
      expect(() => msgpackSerializer.decode(hex('91' + big)), big).toThrow(/beyond 2\^53/);
    }
  });

  it('refuses extension types, the timestamp included', () => {
    for (const ext of ['d40100', 'd6ff00000000', 'd7ff0000000000000000', 'c70105ff', 'c8000105ff', 'c900000001057f', 'd8' + '05' + '00'.repeat(16)]) {
      expect(refusal(msgpackSerializer, hex('953001 80 a161 91' + ext))).toContain('extension type');
    }
  });

  it("reads msgpackr's undefined (fixext 1, type 0, a zero byte) as absent: dropped from dictionaries, null in lists", () => {
    // wampy 8 sends SUBSCRIBE [32, 1, {match: undefined, get_retained: undefined}, topic].
    const sub = decodeMessage(msgpackSerializer, hex('94 20 01 81 a56d61746368 d40000 a3612e62'));
    expect(sub).toMatchObject({ type: 32, request: 1, options: {}, topic: 'a.b' });
    expect(Object.keys((sub as { options: object }).options)).toEqual([]);
    expect(decodeMessage(msgpackSerializer, hex('95 30 01 80 a161 92 d40000 01'))).toMatchObject({ args: [null, 1] });
    expect(refusal(msgpackSerializer, hex('953001 80 a161 91 d40001'))).toContain('extension type');
  });

  it('refuses dictionary keys that are not strings', () => {
    for (const key of ['01', 'ff', 'c0', 'c3', 'cb3ff8000000000000', 'c40161', '90', '80']) {
      const reason = refusal(msgpackSerializer, hex('953001 81' + key + '01 a161'));
      expect(reason).toMatch(/keys must be strings|key must be string/);
    }
  });

  it('reads __proto__, constructor and prototype keys as data (null prototype where __proto__ is a key)', () => {
    const raw = new RawMsgpackEncoder();
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      // JSON.parse makes the key an own property, which the plain encoder writes.
      const frame = raw.encode([48, 1, JSON.parse(`{"${key}": {"x": 1}}`), 'a.b']);
      const m = decodeMessage(msgpackSerializer, frame);
      expect(m.type === MessageType.CALL && Object.keys(m.options)).toEqual([key]);
      const nested = raw.encode([48, 1, {}, 'a.b', [], { k: [JSON.parse(`{"${key}": 1}`)] }]);
      const n = decodeMessage(msgpackSerializer, nested);
      const inner = n.type === MessageType.CALL ? ((n.kwargs!['k'] as unknown[])[0] as Record<string, unknown>) : {};
      expect(Object.keys(inner)).toEqual([key]);
      expect(inner[key]).toBe(1);
    }
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('refuses text frames, truncated and trailing bytes, and the reserved byte 0xc1', () => {
    expect(refusal(msgpackSerializer, '[17,1,2]')).toContain('binary');
    expect(refusal(msgpackSerializer, hex('93110102 00'))).toContain('malformed msgpack');
    expect(refusal(msgpackSerializer, hex('931101'))).toContain('malformed msgpack');
    expect(refusal(msgpackSerializer, hex('931101c1'))).toContain('malformed msgpack');
    expect(refusal(msgpackSerializer, new Uint8Array(0))).toContain('malformed msgpack');
  });
});

describe('CBOR', () => {
  const enc = (m: Parameters<typeof encodeMessage>[1]): string => asHex(encodeMessage(cborSerializer, m));

  it('writes integers in preferred serialization, beyond 32 bits too', () => {
    // [17, 1, id]
    const cases: [number, string][] = [
      [1, '01'],
      [23, '17'],
      [24, '1818'],
      [255, '18ff'],
      [256, '190100'],
      [65536, '1a00010000'],
      [2 ** 32 - 1, '1affffffff'],
      [2 ** 32, '1b0000000100000000'],
      [MAX_ID - 1, '1b001fffffffffffff'],
      [MAX_ID, '1b0020000000000000'],
    ];
    for (const [id, body] of cases) expect(enc(published(1, id))).toBe('831101' + body);
    expect(enc(call(1, 'a', { args: [-1, -24, -25, -(2 ** 32), -(2 ** 32) - 1, -MAX_ID, MAX_ID + 2, 1.5] }))).toBe(
      '851830' + '01' + 'a0' + '6161' + '88' + '20' + '37' + '3818' + '3affffffff' + '3b0000000100000000' +
        '3b001fffffffffffff' + 'fb4340000000000001' + 'fb3ff8000000000000',
    );
  });

  it('writes maps with preferred-size headers, keys in insertion order', () => {
    expect(enc(call(1, 'a', undefined, { b: 1, a: true }))).toBe('841830 01 a2 6162 01 6161 f5 6161'.replace(/ /g, ''));
    const big = Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`k${i}`, i]));
    expect(enc(call(1, 'a', undefined, big)).slice(0, 16)).toBe('841830' + '01' + 'b818' + '626b');
  });

  it('writes undefined (outside the data model) as null, like MessagePack', () => {
    for (const ser of [msgpackSerializer, cborSerializer]) {
      const f = ser.encode([48, 1, {}, 'a', [undefined, 1]]);
      expect(decodeMessage(ser, f)).toEqual(call(1, 'a', { args: [null, 1] }));
    }
  });

  it('leaves the caller data untouched when widening integers', () => {
    const kwargs = { ids: [2 ** 40, 1], nested: { id: 2 ** 33 } };
    const m = call(1, 'a', { args: [2 ** 35], kwargs });
    const f = encodeMessage(cborSerializer, m);
    expect(kwargs).toEqual({ ids: [2 ** 40, 1], nested: { id: 2 ** 33 } });
    expect(typeof kwargs.ids[0]).toBe('number');
    expect(decodeMessage(cborSerializer, f)).toEqual(m);
  });

  it('reads integers with any argument size exactly: up to 2^53, refused beyond', () => {
    expect(decodeMessage(cborSerializer, hex('831101 1b0000000000000005'))).toEqual(published(1, 5));
    expect(decodeMessage(cborSerializer, hex('831101 1a00000005'))).toEqual(published(1, 5));
    expect(decodeMessage(cborSerializer, hex('831101 1b0020000000000000'))).toEqual(published(1, MAX_ID));
    expect(refusal(cborSerializer, hex('831101 1b0020000000000001'))).toContain('beyond 2^53');
    expect(refusal(cborSerializer, hex('831101 1bffffffffffffffff'))).toContain('beyond 2^53');
    expect(refusal(cborSerializer, hex('851830 01 a0 6161 81 3b0020000000000000'))).toContain('beyond 2^53');
    expect(decodeMessage(cborSerializer, hex('851830 01 a0 6161 81 3b001fffffffffffff'))).toEqual(
      call(1, 'a', { args: [-MAX_ID] }),
    );
  });

  it('reads half, single and double floats', () => {
    expect(decodeMessage(cborSerializer, hex('851830 01 a0 6161 83 f93c00 fa3fc00000 fb3ff8000000000000'))).toEqual(
      call(1, 'a', { args: [1, 1.5, 1.5] }),
    );
    expect(refusal(cborSerializer, hex('851830 01 a0 6161 81 f97c00'))).toContain('non-finite');
    expect(refusal(cborSerializer, hex('851830 01 a0 6161 81 fb7ff8000000000000'))).toContain('non-finite');
  });

  it('reads indefinite-length lists and maps', () => {
    expect(decodeMessage(cborSerializer, hex('9f 1830 01 bf 6161 01 ff 6161 9f 01 02 ff ff'))).toEqual(
      call(1, 'a', { args: [1, 2] }, { a: 1 }),
    );
  });

  it('refuses every tag, whatever the library would make of it', () => {
    const tagged = [
      'c074323031332d30332d32315432303a30343a30305a', // 0: date string → Date
      'c11a514b67b0', // 1: epoch → Date
      'c26161', // 2 around a text string (a bignum must be a byte string; see serializers.bignum.test.ts)
      'c36161', // 3 likewise
      'c482213819', // 4: decimal fraction
      'd8184100', // 24: embedded CBOR
      'd81b8265457272' + '6f72' + '6178', // 27: generic object → Error("x")
      'd81c81d81d00', // 28/29: shared reference, a cycle
      'd84080', // 64 around a list: only a byte string is read through
      'd8448101', // 68: Uint8ClampedArray
      'd90102a0', // 258: Set
      'd90103a0', // 259: Map
      'd9d9f780', // 55799: self-described CBOR
      'd9dfff830001818161', // record definition
      'd8698301818161' + '01', // 105: legacy record
      'd833840181018080' + '01', // 51: packed values
    ];
    for (const t of tagged) {
      expect(refusal(cborSerializer, hex('851830 01 a0 6161 81' + t))).toContain('tags are not allowed');
    }
    expect(refusal(cborSerializer, hex('d9d9f7 831101 02'))).toContain('tags are not allowed');
  });

  it('reads tag 64 (RFC 8746 uint8 typed array) around a byte string as the byte string', () => {
    // node-cbor and cbor-x's default options write a plain Uint8Array so.
    const m = decodeMessage(cborSerializer, hex('85 1830 01 a0 6161 82 d840420102 d84040'));
    const args = (m as { args: unknown[] }).args;
    expect(args).toEqual([new Uint8Array([1, 2]), new Uint8Array(0)]);
    expect(args.every((a) => a instanceof Uint8Array && a.constructor === Uint8Array)).toBe(true);
    expect(refusal(cborSerializer, hex('85 1830 01 a0 6161 81 d8405f4101ff'))).toContain('indefinite-length CBOR strings');
  });

  it('reads undefined (simple value 23) as absent: dropped from dictionaries, null in lists', () => {
    // wampy 8 (cbor-x) sends SUBSCRIBE [32, 1, {match: undefined, get_retained: undefined}, topic].
    const sub = decodeMessage(cborSerializer, hex('84 1820 01 a1 656d61746368 f7 63612e62'));
    expect(sub).toMatchObject({ type: 32, request: 1, options: {}, topic: 'a.b' });
    expect(Object.keys((sub as { options: object }).options)).toEqual([]);
    expect(decodeMessage(cborSerializer, hex('85 1830 01 a0 6161 82 f7 01'))).toMatchObject({ args: [null, 1] });
  });

  it('refuses simple values, reserved additional information and stray breaks', () => {
    const cases: [string, string][] = [
      ['e0', 'simple value'],
      ['f0', 'simple value'],
      ['f820', 'simple value'],
      ['1c', 'reserved'],
      ['3e', 'reserved'],
      ['5c', 'reserved'],
      ['ff', 'break'],
      ['5f4101ff', 'indefinite-length CBOR strings'],
      ['7f6161ff', 'indefinite-length CBOR strings'],
      ['1f', 'reserved CBOR additional information 31'],
      ['3f', 'reserved CBOR additional information 31'],
    ];
    for (const [item, reason] of cases) {
      expect(refusal(cborSerializer, hex('851830 01 a0 6161 81' + item)), item).toContain(reason);
    }
  });

  it('refuses dictionary keys that are not text strings', () => {
    for (const key of ['01', '20', '4161', 'f6', 'f5', '80', 'a0', 'fb3ff8000000000000', '7f6161ff']) {
      const reason = refusal(cborSerializer, hex('841830 01 a1' + key + '01 6161'));
      expect(reason).toMatch(/keys must be strings|malformed CBOR dictionary key/);
    }
    expect(refusal(cborSerializer, hex('841830 01 bf 01 01 ff 6161'))).toContain('keys must be strings');
  });

  it('reads __proto__ (never renamed), constructor and prototype keys as data', () => {
    const utf8 = (s: string): string => hexEncode(new TextEncoder().encode(s));
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const k = (0x60 + key.length).toString(16) + utf8(key);
      for (const frame of ['841830 01 a1' + k + '01 6161', '841830 01 bf' + k + '01 ff 6161']) {
        const m = decodeMessage(cborSerializer, hex(frame));
        expect(m.type === MessageType.CALL && Object.keys(m.options)).toEqual([key]);
        expect(m.type === MessageType.CALL && m.options[key]).toBe(1);
      }
      const n = decodeMessage(cborSerializer, hex('861830 01 a0 6161 80 a16161 81 a1' + k + '01'));
      const inner = n.type === MessageType.CALL ? ((n.kwargs!['a'] as unknown[])[0] as Record<string, unknown>) : {};
      expect(Object.keys(inner)).toEqual([key]);
    }
    // A key that merely looks similar is an ordinary key.
    expect(decodeMessage(cborSerializer, hex('841830 01 a1 69' + utf8('__proto_x') + '01 6161'))).toEqual(
      call(1, 'a', undefined, { __proto_x: 1 }),
    );
  });

  it('refuses text frames, truncated items and trailing bytes', () => {
    expect(refusal(cborSerializer, '[17,1,2]')).toContain('binary');
    expect(refusal(cborSerializer, hex('83110102 00'))).toContain('after the CBOR item');
    for (const t of ['831101', '8311', '83', '831101 1b00', '851830 01 a0 6561', '9f 1101 02', 'a1', '8311 01 5a000000ff']) {
      expect(refusal(cborSerializer, hex(t)), t).toContain('truncated');
    }
    expect(refusal(cborSerializer, new Uint8Array(0))).toContain('truncated');
  });

  it('stops at the depth limit while scanning, even for absurd nesting', () => {
    const deep = (n: number): Uint8Array => hex('851830 01 a0 6161' + '81'.repeat(n) + '01');
    // The message is depth 1 and its Arguments list depth 2: 62 more lists reach the default limit of 64.
    expect(() => decodeMessage(cborSerializer, deep(63))).not.toThrow();
    expect(refusal(cborSerializer, deep(64))).toContain('depth');
    expect(refusal(cborSerializer, deep(200_000))).toContain('depth');
  });

  it('reads 8-byte integers within ±2^53 as numbers (no bigint detour)', () => {
    expect(cborSerializer.decode(hex('83 1b0000000100000000 1b0020000000000000 3b001fffffffffffff'))).toEqual([
      2 ** 32,
      MAX_ID,
      -MAX_ID,
    ]);
  });

  it('gives decoded binary values memory that the next decode does not touch', () => {
    const small = (b: number): Uint8Array => encodeMessage(cborSerializer, call(1, 'a', { args: [new Uint8Array([b, b, b])] })) as Uint8Array;
    const first = decodeMessage(cborSerializer, small(1)) as { readonly args: readonly Uint8Array[] };
    decodeMessage(cborSerializer, small(2));
    expect(first.args[0]).toEqual(new Uint8Array([1, 1, 1]));
    const bigFrame = encodeMessage(cborSerializer, call(1, 'a', { args: [new Uint8Array(5000).fill(7)] })) as Uint8Array;
    const big = decodeMessage(cborSerializer, bigFrame) as { readonly args: readonly Uint8Array[] };
    decodeMessage(cborSerializer, small(3));
    expect(big.args[0]).toEqual(new Uint8Array(5000).fill(7));
  });

  it('leaves the frame it decodes untouched', () => {
    const f = encodeMessage(cborSerializer, published(1, 2)) as Uint8Array;
    const keys = Object.keys(f);
    decodeMessage(cborSerializer, f);
    expect(Object.keys(f)).toEqual(keys);
  });
});

describe('JSON', () => {
  it('reads text and UTF-8 bytes, and refuses malformed UTF-8', () => {
    const m = call(1, 'a.b', { args: ['é中😀'] });
    const text = encodeMessage(jsonSerializer, m) as string;
    expect(decodeMessage(jsonSerializer, text)).toEqual(m);
    expect(decodeMessage(jsonSerializer, new TextEncoder().encode(text))).toEqual(m);
    expect(refusal(jsonSerializer, hex('5b31372c312c32ff5d'))).toContain('malformed json');
  });

  it('writes standard padded base64 at every length, and reads it back', () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 89 + n * 7) & 0xff);
      const text = encodeMessage(jsonSerializer, call(1, 'a', { args: [bytes] })) as string;
      const b64 = Buffer.from(bytes).toString('base64');
      expect(text).toBe(`[48,1,{},"a",["\\u0000${b64}"]]`);
      expect(decodeMessage(jsonSerializer, text)).toEqual(call(1, 'a', { args: [bytes] }));
      // Padding is optional on input.
      const bare = `[48,1,{},"a",["\\u0000${b64.replace(/=+$/, '')}"]]`;
      expect(decodeMessage(jsonSerializer, bare)).toEqual(call(1, 'a', { args: [bytes] }));
    }
    for (const bad of ['A', 'AAAAA', 'AA=A', 'AAA===', 'AA A', 'AAé=', 'AAAA\u0100AAA', '-_-_']) {
      expect(refusal(jsonSerializer, `[48,1,{},"a",["\\u0000${bad}"]]`), bad).toContain('base64');
    }
  });

  it('refuses numbers that overflow to infinity', () => {
    expect(refusal(jsonSerializer, '[48,1,{},"a",[1e400]]')).toContain('non-finite');
  });

  it('refuses what is not JSON', () => {
    for (const t of ['', '[', '[17,1,2]]', "[17,1,'a']", '[17,1,2,]', 'NaN']) {
      expect(refusal(jsonSerializer, t)).toContain('malformed json');
    }
  });
});

describe('every serializer', () => {
  it('refuses a frame that is not a list', () => {
    const raw = new RawMsgpackEncoder();
    expect(refusal(jsonSerializer, '{"a":1}')).toContain('must be a list');
    expect(refusal(msgpackSerializer, raw.encode({ a: 1 }))).toContain('must be a list');
    expect(refusal(cborSerializer, hex('a1616101'))).toContain('must be a list');
    expect(refusal(cborSerializer, hex('01'))).toContain('must be a list');
  });

  it('gives equal messages for equal input in each format', () => {
    const m = event(5647382910, 998877665544, { args: [null, true, 0.25, 'x', hex('ff')], kwargs: { n: [] } }, { topic: 't' });
    const back = ALL_SERIALIZERS.map((s) => decodeMessage(s, encodeMessage(s, m)));
    for (const b of back) expect(b).toEqual(m);
  });
});
