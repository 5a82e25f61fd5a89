import { Decoder, Encoder, type ExtensionCodecType } from '@msgpack/msgpack';
import { hexDecode, hexEncode } from '../../base64.js';
import { MAX_ID } from '../../ids.js';
import type { Frame } from '../../types.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import { dropUndefined } from './absent.js';
import { plainBytes } from './bytes.js';
import type { Serializer } from './serializer.js';

// Set when the decoder meets msgpackr's undefined; read by `decode`.
let sawUndefined = false;

/**
 * WAMP uses no MessagePack extension type. The library's default codec would
 * turn ext -1 into a Date and any other into an ExtData object; this one
 * refuses them all when decoding, and never produces one when encoding (which
 * also spares the default codec's per-object `instanceof Date` probe).
 * The one exception is fixext 1 of type 0 holding a zero byte, which is how
 * msgpackr (wampy's codec) writes a JavaScript undefined: it is read as
 * absent (see `dropUndefined`).
 */
const NO_EXTENSIONS: ExtensionCodecType<undefined> = {
  tryToEncode: () => null,
  decode(data: Uint8Array, type: number): undefined {
    if (type === 0 && data.length === 1 && data[0] === 0) {
      sawUndefined = true;
      return undefined;
    }
    throw new Error(`extension type ${type} is not allowed`);
  },
};

/** Dictionary keys must be strings (basic profile, "Serializers": `dict` with string keys). */
function stringKeysOnly(key: unknown): string {
  if (typeof key !== 'string') throw new Error(`dictionary keys must be strings, got a ${typeof key}`);
  return key;
}

// One encoder and one decoder for the process: both keep their buffers and
// caches between calls, and re-entrant use (an encode inside an encode) is
// handled by the library with a temporary clone.
const encoder = new Encoder({ extensionCodec: NO_EXTENSIONS, maxDepth: 1000 });

// uint 64 / int 64 are read with `useBigInt64`, so that 2^53 + 1 is not
// silently rounded to 2^53 (the library's number path computes
// `high * 2^32 + low` in floating point); `sanitize` refuses the bigints.
const decoder = new Decoder({
  extensionCodec: NO_EXTENSIONS,
  useBigInt64: true,
  mapKeyConverter: stringKeysOnly,
});

/*
 * Two refinements reach into the library's private methods, because it
 * offers no hook for them. Each is checked against known bytes when this
 * module loads and left out if the library has changed (the serializer then
 * stays correct, only slower or, for 2^53, written as an exact float 64).
 *
 * - Encoding: the library writes integers outside the safe range (|n| >= 2^53)
 *   as float 64. 2^53 is a valid WAMP ID (basic profile, "Identifiers"), and a
 *   peer with 64-bit integers may refuse a float there, so ±2^53 are written
 *   as uint 64 / int 64 like every other integer.
 * - Decoding: a 64-bit integer that fits in ±2^53 (every random global ID
 *   above 2^32) is read as a number directly instead of as a bigint that
 *   `sanitize` converts back; only values beyond become bigints (and are refused).
 */
interface EncoderInternals {
  encodeNumber(n: number): void;
  writeU8(v: number): void;
  writeU64(v: number): void;
  writeI64(v: number): void;
}
interface DecoderInternals {
  view: DataView;
  pos: number;
  readU64AsBigInt(): number | bigint;
  readI64AsBigInt(): number | bigint;
}

const HI_2_53 = 0x200000; // the high 32 bits of 2^53

function installInternals(): void {
  const enc = encoder as unknown as EncoderInternals;
  const baseEncodeNumber = enc.encodeNumber;
  if (typeof baseEncodeNumber === 'function') {
    enc.encodeNumber = function encodeNumber(this: EncoderInternals, n: number): void {
      if (n === MAX_ID) {
        this.writeU8(0xcf);
        this.writeU64(n);
      } else if (n === -MAX_ID) {
        this.writeU8(0xd3);
        this.writeI64(n);
      } else {
        baseEncodeNumber.call(this, n);
      }
    };
    let ok = false;
    try {
      const probe = encoder.encode([MAX_ID, -MAX_ID, 1.5, 2 ** 32]);
      ok = hexEncode(probe) === '94cf0020000000000000d3ffe0000000000000cb3ff8000000000000cf0000000100000000';
    } catch {
      ok = false;
    }
    if (!ok) enc.encodeNumber = baseEncodeNumber;
  }

  const dec = decoder as unknown as DecoderInternals;
  const baseU64 = dec.readU64AsBigInt;
  const baseI64 = dec.readI64AsBigInt;
  if (typeof baseU64 === 'function' && typeof baseI64 === 'function') {
    dec.readU64AsBigInt = function readU64(this: DecoderInternals): number | bigint {
      const hi = this.view.getUint32(this.pos);
      const lo = this.view.getUint32(this.pos + 4);
      this.pos += 8;
      if (hi < HI_2_53 || (hi === HI_2_53 && lo === 0)) return hi * 0x100000000 + lo;
      return (BigInt(hi) << 32n) | BigInt(lo);
    };
    dec.readI64AsBigInt = function readI64(this: DecoderInternals): number | bigint {
      const hi = this.view.getInt32(this.pos);
      const lo = this.view.getUint32(this.pos + 4);
      this.pos += 8;
      if ((hi >= -HI_2_53 && hi < HI_2_53) || (hi === HI_2_53 && lo === 0)) return hi * 0x100000000 + lo;
      return BigInt(hi) * 0x100000000n + BigInt(lo);
    };
    let ok = false;
    try {
      const probe = decoder.decode(
        hexDecode(
          '96' + 'cf0000000100000000' + 'cf0020000000000000' + 'cf0020000000000001' + 'd3ffe0000000000000' +
            'd3ffdfffffffffffff' + 'd3ffffffffffffffff',
        )!,
      ) as unknown[];
      ok =
        probe.length === 6 &&
        probe[0] === 2 ** 32 &&
        probe[1] === MAX_ID &&
        probe[2] === 2n ** 53n + 1n &&
        probe[3] === -MAX_ID &&
        probe[4] === -(2n ** 53n) - 1n &&
        probe[5] === -1;
    } catch {
      ok = false;
    }
    if (!ok) {
      dec.readU64AsBigInt = baseU64;
      dec.readI64AsBigInt = baseI64;
    }
  }
}
installInternals();

/** `wamp.2.msgpack`: binary frames; binary values as MessagePack `bin`. */
export const msgpackSerializer: Serializer = Object.freeze({
  name: 'msgpack',
  subprotocol: 'wamp.2.msgpack',
  rawSocketId: 2,
  binary: true,
  binaryStrings: false,
  encode(wire: readonly unknown[]): Frame {
    return encoder.encode(wire);
  },
  decode(frame: Frame, limits?: Limits): unknown {
    sawUndefined = false;
    const bytes = plainBytes(frame, 'MessagePack');
    const maxDepth = limits?.maxDepth ?? DEFAULT_LIMITS.maxDepth;
    let value: unknown;
    try {
      value = decoder.decode(bytes);
    } catch (e) {
      // The library refuses a "__proto__" key; it is data (an application
      // payload may carry any key), read by the slow path below.
      if (!(e instanceof Error && e.message.includes('__proto__'))) throw e;
      value = decodeSlow(bytes, maxDepth);
    }
    if (sawUndefined) dropUndefined(value, maxDepth);
    return value;
  },
});

// ---------------------------------------------------------------------------
// Slow path: frames with a "__proto__" key

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A plain MessagePack reader for the rare frame the library refuses because
 * a map has a "__proto__" key. Maps become objects with a null prototype, so
 * that such a key is an own data property and reaches no prototype. The same
 * data model as the fast path: no extension but msgpackr's undefined, 64-bit
 * integers beyond ±2^53 as bigints (refused by `sanitize`).
 */
function decodeSlow(b: Uint8Array, maxDepth: number): unknown {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 0;
  const need = (n: number): void => {
    if (p + n > b.length) throw new Error('truncated MessagePack');
  };
  const str = (n: number): string => {
    need(n);
    const s = utf8.decode(b.subarray(p, p + n));
    p += n;
    return s;
  };
  const bin = (n: number): Uint8Array => {
    need(n);
    const out = b.slice(p, p + n);
    p += n;
    return out;
  };
  const u64 = (signed: boolean): number | bigint => {
    need(8);
    const hi = signed ? view.getInt32(p) : view.getUint32(p);
    const lo = view.getUint32(p + 4);
    p += 8;
    if ((hi >= -HI_2_53 && hi < HI_2_53) || (hi === HI_2_53 && lo === 0)) return hi * 0x100000000 + lo;
    return BigInt(hi) * 0x100000000n + BigInt(lo);
  };
  const read = (depth: number): unknown => {
    if (depth > maxDepth + 1) throw new Error('nesting exceeds the depth limit');
    need(1);
    const t = b[p++]!;
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return t - 0x100;
    if (t >= 0xa0 && t <= 0xbf) return str(t & 0x1f);
    if (t >= 0x90 && t <= 0x9f) return list(t & 0x0f, depth);
    if (t >= 0x80 && t <= 0x8f) return map(t & 0x0f, depth);
    const n = (k: number): number => {
      need(k);
      const v = k === 1 ? view.getUint8(p) : k === 2 ? view.getUint16(p) : view.getUint32(p);
      p += k;
      return v;
    };
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return bin(n(1));
      case 0xc5:
        return bin(n(2));
      case 0xc6:
        return bin(n(4));
      case 0xca: {
        need(4);
        const v = view.getFloat32(p);
        p += 4;
        return v;
      }
      case 0xcb: {
        need(8);
        const v = view.getFloat64(p);
        p += 8;
        return v;
      }
      case 0xcc:
        return n(1);
      case 0xcd:
        return n(2);
      case 0xce:
        return n(4);
      case 0xcf:
        return u64(false);
      case 0xd0: {
        need(1);
        return view.getInt8(p++);
      }
      case 0xd1: {
        need(2);
        const v = view.getInt16(p);
        p += 2;
        return v;
      }
      case 0xd2: {
        need(4);
        const v = view.getInt32(p);
        p += 4;
        return v;
      }
      case 0xd3:
        return u64(true);
      case 0xd4: {
        // fixext 1: only msgpackr's undefined (type 0, a zero byte).
        need(2);
        const type = b[p]!;
        const data = b[p + 1]!;
        p += 2;
        if (type === 0 && data === 0) {
          sawUndefined = true;
          return undefined;
        }
        throw new Error(`extension type ${type} is not allowed`);
      }
      case 0xd9:
        return str(n(1));
      case 0xda:
        return str(n(2));
      case 0xdb:
        return str(n(4));
      case 0xdc:
        return list(n(2), depth);
      case 0xdd:
        return list(n(4), depth);
      case 0xde:
        return map(n(2), depth);
      case 0xdf:
        return map(n(4), depth);
      default:
        throw new Error(`MessagePack type 0x${t.toString(16)} is not allowed`);
    }
  };
  const list = (len: number, depth: number): unknown[] => {
    // Each element takes at least one octet: a length beyond the rest is a lie.
    if (len > b.length - p) throw new Error('truncated MessagePack');
    const out = new Array<unknown>(len);
    for (let i = 0; i < len; i++) out[i] = read(depth + 1);
    return out;
  };
  const map = (len: number, depth: number): Record<string, unknown> => {
    if (len * 2 > b.length - p) throw new Error('truncated MessagePack');
    const out = Object.create(null) as Record<string, unknown>;
    for (let i = 0; i < len; i++) {
      const k = read(depth + 1);
      if (typeof k !== 'string') throw new Error(`dictionary keys must be strings, got a ${typeof k}`);
      out[k] = read(depth + 1);
    }
    return out;
  };
  const value = read(1);
  if (p !== b.length) throw new Error('extra bytes after the MessagePack value');
  return value;
}
