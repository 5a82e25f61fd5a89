import { Decoder, Encoder, type Options } from 'cbor-x';
import { MAX_ID } from '../../ids.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import type { Frame } from '../../types.js';
import { dropUndefined } from './absent.js';
import { plainBytes } from './bytes.js';
import type { Serializer } from './serializer.js';

/*
 * `wamp.2.cbor` (basic profile, "Serializers": CBOR as in RFC 8949), limited
 * to the plain data model every WAMP serializer shares: unsigned and negative
 * integers, byte and text strings, arrays, maps with text keys, false, true,
 * null and floats. No tags, but for tag 64 around a byte string (read as the
 * byte string) and bignums (tags 2/3) within ±2^53. An undefined (simple value 23) is read as absent (see
 * `dropUndefined`).
 *
 * cbor-x does the byte work; two things are added around it:
 *
 * - Before decoding, `scanPlainCbor` walks the item headers once and refuses
 *   anything outside that model. cbor-x keeps one process-wide tag table that
 *   cannot be switched off per decoder, and its default entries build Dates,
 *   Sets, Maps, typed arrays, Error/RegExp objects (tag 27), record structures
 *   and shared references (tags 28/29, which can make a tiny frame decode
 *   into a DAG whose tree walk is exponential). It also renames a `__proto__`
 *   key to `__proto_` and stringifies non-text keys, silently. After the scan
 *   none of that code can be reached, and refusals name the fault. The scan
 *   also refuses integers beyond ±2^53, so that cbor-x can read the others
 *   as numbers (`int64AsNumber`) without rounding any.
 * - After encoding, integers beyond 32 bits are rewritten: on a number cbor-x
 *   writes a float 64 there, where RFC 8949 preferred serialization (and
 *   every other WAMP implementation) writes a major type 0/1 integer with an
 *   8-byte argument. Both take 9 bytes, so the fix is done in place (as is
 *   undefined → null).
 */

const MAX_UINT32 = 0xffffffff;
const MIN_NINT32 = -0x100000000;
const HI_2_53 = 0x200000; // the high 32 bits of 2^53

const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  // Preferred serialization of map headers (a0..b7 for small maps) instead of
  // the fixed 3-byte header cbor-x writes to back-patch the size.
  variableMapSize: true,
  // A byte string (major type 2), not tag 64 around it.
  tagUint8Array: false,
  useFloat32: 0,
  pack: false,
  bundleStrings: false,
  structuredClone: false,
  useToJSON: false,
});

// `int64AsNumber` reads an 8-byte argument as high * 2^32 + low, exact up to
// 2^53; the scan has already refused every integer beyond. (The option is
// missing from cbor-x's type declarations.)
type DecoderOptions = Options & { int64AsNumber: boolean };
const viewDecoder = new Decoder({ useRecords: false, mapsAsObjects: true, int64AsNumber: true } as DecoderOptions);
// For the scratch copy below: byte strings get memory of their own.
const copyDecoder = new Decoder({ useRecords: false, mapsAsObjects: true, int64AsNumber: true, copyBuffers: true } as DecoderOptions);

// For frames with a "__proto__" key (rare): maps as Map objects, whose keys
// cbor-x leaves alone, turned into null-prototype objects afterwards.
const mapDecoder = new Decoder({ useRecords: false, mapsAsObjects: false, int64AsNumber: true, copyBuffers: true } as DecoderOptions);

/** Maps (from `mapDecoder`) to objects with a null prototype, so that "__proto__" is an own data property. */
function withNullPrototypes(v: unknown): unknown {
  if (v instanceof Map) {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, e] of v) out[k as string] = withNullPrototypes(e);
    return out;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = withNullPrototypes(v[i]);
  }
  return v;
}

// cbor-x caches a DataView on its source as an expando property. Rather than
// let it write on the caller's frame, frames are decoded from a view of our
// own; and since building a view and a DataView per message costs more than
// decoding a small one, small frames are copied into one scratch buffer whose
// DataView stays cached. Larger frames get a fresh view, and their byte
// strings share the frame's memory (as with MessagePack).
const SCRATCH_MAX = 2048;
const scratch = new Uint8Array(SCRATCH_MAX);

function decodeBytes(bytes: Uint8Array): unknown {
  const n = bytes.length;
  if (n > SCRATCH_MAX) return viewDecoder.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, n));
  scratch.set(bytes);
  return (copyDecoder as unknown as DecodeUpTo).decode(scratch, n);
}
/** cbor-x's `decode(source, end)`: its type declarations omit `end`. */
interface DecodeUpTo {
  decode(source: Uint8Array, end: number): unknown;
}

// ---------------------------------------------------------------------------
// Encoding: integers beyond 32 bits

/** An integer cbor-x writes as a float 64 although it fits a CBOR integer within ±2^53. */
function isWideInteger(n: number): boolean {
  return (n > MAX_UINT32 || n < MIN_NINT32) && n <= MAX_ID && n >= -MAX_ID && Number.isInteger(n);
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The big-endian float 64 at `b[p..p+8]`. */
function readFloat64(b: Uint8Array, p: number): number {
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) f64Bytes[7 - i] = b[p + i]!;
  else for (let i = 0; i < 8; i++) f64Bytes[i] = b[p + i]!;
  return f64[0]!;
}

/**
 * Rewrite, in `b` as written by our encoder, every float 64 that holds such
 * an integer as major type 0/1 with an 8-byte argument, and every undefined
 * (outside the data model, which our decoder refuses) as null, as MessagePack
 * and JSON lists have it; cbor-x declares an option for the latter but does
 * not implement it. Walks the items so that bytes inside strings are never
 * taken for headers.
 */
function rewriteForPeers(b: Uint8Array): void {
  // Neither 0xfb nor 0xf7 anywhere (common with small IDs): nothing to do.
  // (Neither byte occurs in UTF-8, only in binary values and numbers.)
  if (b.indexOf(0xfb) < 0 && b.indexOf(0xf7) < 0) return;
  const end = rewriteItem(b, 0);
  if (end !== b.length) throw new Error('CBOR encoder output not understood');
}

/** The float 64 item at `p` (0xfb and 8 bytes), rewritten if it holds a wide integer; returns the position after it. */
function rewriteFloat64(b: Uint8Array, p: number): number {
  const v = readFloat64(b, p + 1);
  if (isWideInteger(v)) {
    const n = v > 0 ? v : -1 - v;
    const hi = Math.floor(n / 0x100000000);
    const lo = n >>> 0;
    b[p] = v > 0 ? 0x1b : 0x3b;
    b[p + 1] = hi >>> 24;
    b[p + 2] = (hi >>> 16) & 0xff;
    b[p + 3] = (hi >>> 8) & 0xff;
    b[p + 4] = hi & 0xff;
    b[p + 5] = lo >>> 24;
    b[p + 6] = (lo >>> 16) & 0xff;
    b[p + 7] = (lo >>> 8) & 0xff;
    b[p + 8] = lo & 0xff;
  }
  return p + 9;
}

/**
 * The size of the item whose head byte is `c` when it is a small one that
 * can be skipped without looking further (integers, floats, false, true,
 * null, strings with a length below 24), or 0.
 */
function smallItemSize(c: number): number {
  if (c < 0x18 || (c >= 0x20 && c < 0x38) || (c >= 0xf4 && c <= 0xf6)) return 1;
  if ((c >= 0x60 && c < 0x78) || (c >= 0x40 && c < 0x58)) return 1 + (c & 0x1f);
  switch (c) {
    case 0x18:
    case 0x38:
      return 2;
    case 0x19:
    case 0x39:
    case 0xf9:
      return 3;
    case 0x1a:
    case 0x3a:
    case 0xfa:
      return 5;
    case 0x1b:
    case 0x3b:
      return 9;
    default:
      return 0;
  }
}

function rewriteItem(b: Uint8Array, p: number): number {
  const ib = b[p++]!;
  const major = ib >> 5;
  const ai = ib & 0x1f;
  if (major === 7) {
    if (ai === 27) return rewriteFloat64(b, p - 1);
    if (ai === 23) b[p - 1] = 0xf6;
    return ai === 24 ? p + 1 : ai === 25 ? p + 2 : ai === 26 ? p + 4 : p;
  }
  let arg: number;
  if (ai < 24) {
    arg = ai;
  } else if (ai === 24) {
    arg = b[p]!;
    p += 1;
  } else if (ai === 25) {
    arg = (b[p]! << 8) | b[p + 1]!;
    p += 2;
  } else if (ai === 26) {
    arg = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    p += 4;
  } else if (ai === 27) {
    arg = (b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!)) * 0x100000000 +
      b[p + 4]! * 0x1000000 + ((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!);
    p += 8;
  } else {
    // Indefinite length (cbor-x writes it for iterables): items up to the break.
    if (major === 0 || major === 1 || major === 6) throw new Error('CBOR encoder output not understood');
    while (b[p] !== 0xff) p = rewriteItem(b, p);
    return p + 1;
  }
  switch (major) {
    case 0:
    case 1:
      return p;
    case 2:
    case 3:
      return p + arg;
    case 4:
    case 5: {
      const items = major === 4 ? arg : 2 * arg;
      for (let i = 0; i < items; i++) {
        const c = b[p]!;
        if (c === 0xfb) {
          p = rewriteFloat64(b, p);
        } else if (c === 0xf7) {
          b[p++] = 0xf6;
        } else {
          const size = smallItemSize(c);
          p = size > 0 ? p + size : rewriteItem(b, p);
        }
      }
      return p;
    }
    default: // 6: a tag (cbor-x writes some for values outside the data model) and its content
      return rewriteItem(b, p);
  }
}

// ---------------------------------------------------------------------------
// Decoding: the plain data model only

const PROTO_KEY = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f]; // "__proto__"

function fail(reason: string): never {
  throw new Error(reason);
}

function truncated(): never {
  return fail('truncated CBOR item');
}

// Set by scanItem when it passes an undefined; read by scanPlainCbor.
let sawUndefined = false;

/**
 * Check that `b` holds exactly one CBOR data item of the plain data model,
 * nested at most `maxDepth` deep (the outer array being depth 1), with every
 * integer within ±2^53. Throws a plain Error naming the fault; allocates nothing.
 * Returns true when the item holds an undefined (to be read as absent).
 */
export function scanPlainCbor(b: Uint8Array, maxDepth: number = DEFAULT_LIMITS.maxDepth): boolean {
  sawUndefined = false;
  const end = scanItem(b, 0, 1, maxDepth);
  if (end !== b.length) fail(`${b.length - end} bytes after the CBOR item`);
  return sawUndefined;
}

/** The position after the item at `p`. */
function scanItem(b: Uint8Array, p: number, depth: number, maxDepth: number): number {
  const n = b.length;
  if (p >= n) truncated();
  const ib = b[p++]!;
  const major = ib >> 5;
  const ai = ib & 0x1f;
  if (major === 7) {
    switch (ai) {
      case 20: // false
      case 21: // true
      case 22: // null
        return p;
      case 25: // half, single and double precision floats
      case 26:
      case 27: {
        const q = p + (1 << (ai - 24));
        if (q > n) truncated();
        return q;
      }
      case 23: // undefined: JavaScript peers write it for "no value"
        sawUndefined = true;
        return p;
      case 31:
        return fail('unexpected CBOR break');
      default:
        return fail(`CBOR simple value ${ai === 24 ? (b[p] ?? 0) : ai} is not allowed`);
    }
  }
  if (major === 6) {
    // Tag 64 (RFC 8746, "uint8 Typed Array") around a byte string is that
    // byte string: node-cbor (Autobahn|JS) writes every plain Uint8Array so,
    // and cbor-x with its default options (wampy 8) too. cbor-x reads it back
    // as a Uint8Array. No other tag is accepted.
    if (ai === 24 && b[p] === 64 && p + 1 < n && b[p + 1]! >> 5 === 2) return scanItem(b, p + 1, depth, maxDepth);
    // Tags 2 and 3 (RFC 8949 §3.4.3, bignums) are another spelling of an
    // integer: node-cbor (Autobahn|JS) writes 2^53 and -2^53 so. Accepted when
    // the value lies within ±2^53, like any other integer.
    if ((ai === 2 || ai === 3) && p < n && b[p]! >> 5 === 2) return scanBignum(b, p, ai === 3);
    return fail('CBOR tags are not allowed');
  }
  let arg: number;
  let indefinite = false;
  if (ai < 24) {
    arg = ai;
  } else if (ai === 24) {
    if (p + 1 > n) truncated();
    arg = b[p]!;
    p += 1;
  } else if (ai === 25) {
    if (p + 2 > n) truncated();
    arg = (b[p]! << 8) | b[p + 1]!;
    p += 2;
  } else if (ai === 26) {
    if (p + 4 > n) truncated();
    arg = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    p += 4;
  } else if (ai === 27) {
    if (p + 8 > n) truncated();
    const hi = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    const lo = b[p + 4]! * 0x1000000 + ((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!);
    // An integer must lie within ±2^53: 0 stops at 2^53, 1 (-1 - arg) at -2^53.
    if (major === 0 ? hi > HI_2_53 || (hi === HI_2_53 && lo !== 0) : major === 1 && hi >= HI_2_53) {
      fail('integer out of range (beyond 2^53)');
    }
    // For a length, anything beyond 2^32 exceeds the frame anyway.
    arg = hi !== 0 ? Infinity : lo;
    p += 8;
  } else if (ai === 31 && (major === 4 || major === 5)) {
    indefinite = true;
    arg = 0;
  } else {
    return fail(
      ai === 31 && (major === 2 || major === 3)
        ? 'indefinite-length CBOR strings are not allowed'
        : `reserved CBOR additional information ${ai}`,
    );
  }
  switch (major) {
    case 0:
    case 1:
      return p;
    case 2:
    case 3:
      if (arg > n - p) truncated();
      return p + arg;
    case 4:
      if (depth > maxDepth) fail('nesting exceeds the depth limit');
      if (indefinite) {
        for (;;) {
          if (p >= n) truncated();
          if (b[p] === 0xff) return p + 1;
          p = scanValue(b, p, depth + 1, maxDepth);
        }
      }
      if (arg > n - p) truncated();
      for (let i = 0; i < arg; i++) p = scanValue(b, p, depth + 1, maxDepth);
      return p;
    default: // 5, map
      if (depth > maxDepth) fail('nesting exceeds the depth limit');
      if (indefinite) {
        for (;;) {
          if (p >= n) truncated();
          if (b[p] === 0xff) return p + 1;
          p = scanValue(b, scanKey(b, p), depth + 1, maxDepth);
        }
      }
      if (arg > (n - p) / 2) truncated();
      for (let i = 0; i < arg; i++) p = scanValue(b, scanKey(b, p), depth + 1, maxDepth);
      return p;
  }
}

/** The byte string of a bignum at `p` (after its tag), checked to lie within ±2^53. */
function scanBignum(b: Uint8Array, p: number, negative: boolean): number {
  const ai = b[p]! & 0x1f;
  if (ai > 24) return fail('bignum too large (beyond 2^53)');
  let len = ai;
  let q = p + 1;
  if (ai === 24) {
    if (q >= b.length) truncated();
    len = b[q]!;
    q += 1;
  }
  if (q + len > b.length) truncated();
  let v = 0;
  for (let i = 0; i < len; i++) {
    v = v * 256 + b[q + i]!;
    if (v > 2 ** 53) return fail('integer out of range (beyond 2^53)');
  }
  // Tag 3 holds -1 - v, so its magnitude stops one short of tag 2's.
  if (negative && v > 2 ** 53 - 1) return fail('integer out of range (beyond 2^53)');
  return q + len;
}

/**
 * {@link scanItem} with the commonest items (numbers, false, true, null,
 * short strings) handled without a further call.
 */
function scanValue(b: Uint8Array, p: number, depth: number, maxDepth: number): number {
  const c = b[p];
  // 0x1b/0x3b (8-byte integers) need the range check of scanItem.
  if (c !== undefined && c !== 0x1b && c !== 0x3b) {
    const size = smallItemSize(c);
    if (size > 0) {
      if (p + size > b.length) truncated();
      return p + size;
    }
  }
  return scanItem(b, p, depth, maxDepth);
}

/** Set by the scan when a map has a `__proto__` key; read by `decode`. */
let sawProto = false;

/** A map key: a definite-length text string (`__proto__` noted in `sawProto`). */
function scanKey(b: Uint8Array, p: number): number {
  const n = b.length;
  if (p >= n) truncated();
  const ib = b[p++]!;
  if (ib >> 5 !== 3) fail('dictionary keys must be strings');
  const ai = ib & 0x1f;
  let len: number;
  if (ai < 24) {
    len = ai;
  } else if (ai === 24) {
    if (p + 1 > n) truncated();
    len = b[p]!;
    p += 1;
  } else if (ai === 25) {
    if (p + 2 > n) truncated();
    len = (b[p]! << 8) | b[p + 1]!;
    p += 2;
  } else if (ai === 26) {
    if (p + 4 > n) truncated();
    len = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    p += 4;
  } else {
    // An 8-byte length is beyond any frame; 28..31 are reserved or indefinite.
    return fail(ai === 27 ? 'truncated CBOR item' : 'malformed CBOR dictionary key');
  }
  if (len > n - p) truncated();
  if (len === 9) {
    let same = true;
    for (let i = 0; i < 9; i++) {
      if (b[p + i] !== PROTO_KEY[i]) {
        same = false;
        break;
      }
    }
    // cbor-x would rename it (to "__proto_"): decode this frame by the slow path.
    if (same) sawProto = true;
  }
  return p + len;
}

/** `wamp.2.cbor`: binary frames; binary values as CBOR byte strings. */
export const cborSerializer: Serializer = Object.freeze({
  name: 'cbor',
  subprotocol: 'wamp.2.cbor',
  rawSocketId: 3,
  binary: true,
  binaryStrings: false,
  encode(wire: readonly unknown[]): Frame {
    // cbor-x hands out Buffers (in Node) cut from its own reusable slab;
    // a plain view keeps frames the same type on every platform.
    const encoded: Uint8Array = encoder.encode(wire);
    const out =
      encoded.constructor === Uint8Array ? encoded : new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    rewriteForPeers(out);
    return out;
  },
  decode(frame: Frame, limits?: Limits): unknown {
    const bytes = plainBytes(frame, 'CBOR');
    const maxDepth = limits?.maxDepth ?? DEFAULT_LIMITS.maxDepth;
    sawProto = false;
    const undef = scanPlainCbor(bytes, maxDepth);
    const value = sawProto ? withNullPrototypes(mapDecoder.decode(bytes)) : decodeBytes(bytes);
    if (undef) dropUndefined(value, maxDepth);
    return value;
  },
});
