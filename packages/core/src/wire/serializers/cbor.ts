import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import type { Frame } from '../../types.js';
import { fail, keyText, LIMIT, refuse, setEntry, text, textLength, truncated as cut } from './build.js';
import { plainBytes } from './bytes.js';
import type { Serializer } from './serializer.js';
import {
  binaryOf,
  bigintNumber,
  bytes,
  encodeWith,
  head,
  head16,
  head32,
  head64,
  head8,
  headFloat64,
  isWireInteger,
  MAX_ENCODE_DEPTH,
  notEncodable,
  position,
  rewriteHeader,
  text as utf8Text,
  tooDeep,
} from './writer.js';

/*
 * `wamp.2.cbor` (basic profile, "Serializers": CBOR as in RFC 8949), limited
 * to the plain data model every WAMP serializer shares: unsigned and negative
 * integers, byte and text strings, arrays, maps with text keys, false, true,
 * null and floats. No tags, but for tag 64 around a byte string (read as the
 * byte string) and bignums (tags 2/3) within ±2^53. An undefined (simple
 * value 23) is read as absent: a list element becomes null, a dictionary entry
 * is left out (JavaScript peers write it where they mean "no value").
 *
 * Decoding is our own, in one pass that checks every item as it builds it:
 * the data model above, integers within ±2^53, finite floats, text keys, and
 * the size limits (string, container, depth), so that `decodeMessage` need
 * not walk the value again (`checksLimits`). cbor-x's decoder would need a
 * pass before it (its process-wide tag table builds Dates, Sets, typed arrays,
 * Error objects, records and shared references, which can make a tiny frame
 * decode into a DAG whose tree walk is exponential; it renames a `__proto__`
 * key to `__proto_`) and one after it (the limits); and a reader of this
 * small data model is quicker than its general one on WAMP-sized messages.
 * Byte strings are views into the frame.
 *
 * Encoding is our own too (see writer.ts), in RFC 8949 preferred
 * serialization: integers within ±2^53 as major type 0/1 with the shortest
 * argument (beyond 32 bits too, as every other WAMP implementation writes
 * them), other numbers as float 64, text as UTF-8 text strings, binary as
 * byte strings (no tag 64), map headers of the preferred size, dictionary
 * entries holding undefined left out (as JSON leaves them), undefined
 * elsewhere as null. No tag is ever written.
 */

const HI_2_53 = 0x200000; // the high 32 bits of 2^53

// ---------------------------------------------------------------------------
// Encoding: the plain data model in preferred serialization (RFC 8949, 4.1)

/** The head of major type `major` (already shifted: 0x00, 0x20 ... 0xa0) with argument `n` (0 <= n <= 2^53). */
function argHead(major: number, n: number): void {
  if (n < 24) head(major | n);
  else if (n < 0x100) head8(major | 24, n);
  else if (n < 0x10000) head16(major | 25, n);
  else if (n <= 0xffffffff) head32(major | 26, n);
  else head64(major | 27, n);
}

function textHeader(n: number): void {
  argHead(0x60, n);
}

function writeNumber(n: number): void {
  if (!isWireInteger(n)) headFloat64(0xfb, n);
  else if (n >= 0) argHead(0x00, n);
  else argHead(0x20, -1 - n);
}

function write(v: unknown, depth: number): void {
  switch (typeof v) {
    case 'string':
      return utf8Text(v, textHeader, 24, 9);
    case 'number':
      return writeNumber(v);
    case 'boolean':
      return head(v ? 0xf5 : 0xf4);
    case 'undefined':
      // Outside the data model (our decoder refuses simple value 23): null, as MessagePack and JSON lists have it.
      return head(0xf6);
    case 'bigint':
      return writeNumber(bigintNumber(v));
    case 'object':
      break;
    default:
      return notEncodable(v);
  }
  if (v === null) return head(0xf6);
  if (depth >= MAX_ENCODE_DEPTH) tooDeep();
  if (Array.isArray(v)) {
    const n = v.length;
    argHead(0x80, n);
    for (let i = 0; i < n; i++) write(v[i], depth + 1);
    return;
  }
  const bin = binaryOf(v);
  if (bin !== undefined) {
    argHead(0x40, bin.length);
    return bytes(bin);
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  const at = position();
  mapHeader(keys.length);
  const end = position();
  let n = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = obj[key];
    if (value === undefined) continue;
    n++;
    utf8Text(key, textHeader, 24, 9);
    write(value, depth + 1);
  }
  if (n !== keys.length) rewriteHeader(at, end, mapHeader, n);
}

function mapHeader(n: number): void {
  argHead(0xa0, n);
}

// ---------------------------------------------------------------------------
// Decoding: the plain data model only, checked as it is built

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The big-endian float 64 at `b[p..p+8]`. */
function readFloat64(b: Uint8Array, p: number): number {
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) f64Bytes[7 - i] = b[p + i]!;
  else for (let i = 0; i < 8; i++) f64Bytes[i] = b[p + i]!;
  return f64[0]!;
}

const f32 = new Float32Array(1);
const f32Bytes = new Uint8Array(f32.buffer);

/** What an undefined (simple value 23) decodes to, until its container drops it. */
const ABSENT: unique symbol = Symbol('absent');

// The frame being decoded and the limits, for the recursive reader: module
// state rather than arguments, as nothing else runs while it reads.
let B: Uint8Array = new Uint8Array(0);
let P = 0;
let N = 0;
let maxString = 0;
let maxLength = 0;
let maxDepth = 0;

function truncated(): never {
  return cut('CBOR item');
}

/**
 * Decode `b`, which must hold exactly one CBOR data item of the plain data
 * model, within `limits` (the outer array being depth 1). Throws a plain Error
 * for a malformed frame and a ProtocolViolation for a value over a limit.
 */
export function readCbor(b: Uint8Array, limits: Limits): unknown {
  B = b;
  P = 0;
  N = b.length;
  maxString = limits.maxStringLength;
  maxLength = limits.maxContainerLength;
  maxDepth = limits.maxDepth;
  try {
    const v = item(1);
    if (P !== N) fail(`${N - P} bytes after the CBOR item`);
    return v === ABSENT ? undefined : v;
  } finally {
    B = EMPTY;
  }
}
const EMPTY: Uint8Array = new Uint8Array(0);

/** The argument of the head whose additional information is `ai` (after the initial byte); -1 for indefinite length. */
function argument(ai: number, major: number): number {
  if (ai < 24) return ai;
  const b = B;
  const p = P;
  switch (ai) {
    case 24:
      if (p + 1 > N) truncated();
      P = p + 1;
      return b[p]!;
    case 25:
      if (p + 2 > N) truncated();
      P = p + 2;
      return (b[p]! << 8) | b[p + 1]!;
    case 26:
      if (p + 4 > N) truncated();
      P = p + 4;
      return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    case 27: {
      if (p + 8 > N) truncated();
      P = p + 8;
      const hi = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
      const lo = b[p + 4]! * 0x1000000 + ((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!);
      if (major > 1) return hi !== 0 ? Infinity : lo; // a length: beyond 2^32 exceeds any frame
      // An integer must lie within ±2^53: 0 stops at 2^53, 1 (-1 - arg) at -2^53.
      if (major === 0 ? hi > HI_2_53 || (hi === HI_2_53 && lo !== 0) : hi >= HI_2_53) refuse(LIMIT.range);
      return hi * 0x100000000 + lo;
    }
    case 31:
      if (major === 4 || major === 5) return -1;
      return fail(major === 2 || major === 3 ? 'indefinite-length CBOR strings are not allowed' : `reserved CBOR additional information ${ai}`);
    default:
      return fail(`reserved CBOR additional information ${ai}`);
  }
}

function item(depth: number): unknown {
  if (P >= N) truncated();
  const ib = B[P++]!;
  const ai = ib & 0x1f;
  switch (ib >> 5) {
    case 0:
      return ai < 24 ? ai : argument(ai, 0);
    case 1:
      return -1 - (ai < 24 ? ai : argument(ai, 1));
    case 2: {
      const n = ai < 24 ? ai : argument(ai, 2);
      if (n > N - P) truncated();
      const v = B.subarray(P, P + n);
      P += n;
      return v;
    }
    case 3: {
      const n = ai < 24 ? ai : argument(ai, 3);
      if (n > N - P) truncated();
      if (n > maxString && textLength(B, P, n) > maxString) refuse(LIMIT.string);
      const v = text(B, P, n);
      P += n;
      return v;
    }
    // The argument inline when it is in the initial byte, as for most
    // lengths of a WAMP message: a call saved per item.
    case 4:
      return list(ai < 24 ? ai : argument(ai, 4), depth);
    case 5:
      return dict(ai < 24 ? ai : argument(ai, 5), depth);
    case 6:
      return tagged(ai, depth);
    default:
      return simple(ai);
  }
}

function list(n: number, depth: number): unknown[] {
  if (depth > maxDepth) refuse(LIMIT.depth);
  if (n < 0) {
    const out: unknown[] = [];
    for (;;) {
      if (P >= N) truncated();
      if (B[P] === 0xff) {
        P++;
        return out;
      }
      if (out.length === maxLength) refuse(LIMIT.list);
      const v = item(depth + 1);
      out.push(v === ABSENT ? null : v);
    }
  }
  if (n > maxLength) refuse(LIMIT.list);
  // Each element takes at least one byte: a longer count is a lie.
  if (n > N - P) truncated();
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const v = item(depth + 1);
    out[i] = v === ABSENT ? null : v;
  }
  return out;
}

function dict(n: number, depth: number): Record<string, unknown> {
  if (depth > maxDepth) refuse(LIMIT.depth);
  const out: Record<string, unknown> = {};
  if (n < 0) {
    let count = 0;
    for (;;) {
      if (P >= N) truncated();
      if (B[P] === 0xff) {
        P++;
        return out;
      }
      if (count++ === maxLength) refuse(LIMIT.dict);
      entry(out, depth);
    }
  }
  if (n > maxLength) refuse(LIMIT.dict);
  if (n > (N - P) / 2) truncated();
  for (let i = 0; i < n; i++) entry(out, depth);
  return out;
}

/** One key (a definite-length text string) and its value, into `out`. */
function entry(out: Record<string, unknown>, depth: number): void {
  if (P >= N) truncated();
  const ib = B[P++]!;
  if (ib >> 5 !== 3) fail('dictionary keys must be strings');
  const ai = ib & 0x1f;
  // An 8-byte length is beyond any frame; 28..31 are reserved or indefinite.
  if (ai > 26) fail(ai === 27 ? 'truncated CBOR item' : 'malformed CBOR dictionary key');
  const n = ai < 24 ? ai : argument(ai, 3);
  if (n > N - P) truncated();
  if (n > maxString && textLength(B, P, n) > maxString) refuse(LIMIT.key);
  const key = keyText(B, P, n);
  P += n;
  const v = item(depth + 1);
  if (v !== ABSENT) setEntry(out, key, v);
}

function tagged(ai: number, depth: number): unknown {
  // Tag 64 (RFC 8746, "uint8 Typed Array") around a byte string is that
  // byte string: node-cbor (Autobahn|JS) writes every plain Uint8Array so,
  // and cbor-x with its default options (wampy 8) too.
  if (ai === 24 && B[P] === 64 && P + 1 < N && B[P + 1]! >> 5 === 2) {
    P++;
    return item(depth);
  }
  // Tags 2 and 3 (RFC 8949 §3.4.3, bignums) are another spelling of an
  // integer: node-cbor (Autobahn|JS) writes 2^53 and -2^53 so. Accepted when
  // the value lies within ±2^53, like any other integer.
  if ((ai === 2 || ai === 3) && P < N && B[P]! >> 5 === 2) return bignum(ai === 3);
  return fail('CBOR tags are not allowed');
}

/** The byte string of a bignum at `P` (after its tag), within ±2^53. */
function bignum(negative: boolean): number {
  const ai = B[P]! & 0x1f;
  if (ai > 24) refuse('bignum too large (beyond 2^53)');
  let len = ai;
  let q = P + 1;
  if (ai === 24) {
    if (q >= N) truncated();
    len = B[q]!;
    q += 1;
  }
  if (q + len > N) truncated();
  // Exactly, before any double rounds: beyond leading zeros, at most 7 bytes,
  // and 7 only up to 0x20000000000000 (2^53). Tag 3 holds -1 - v, so its
  // magnitude stops one short of tag 2's.
  let i = 0;
  while (i < len && B[q + i] === 0) i++;
  const significant = len - i;
  if (significant > 7) refuse(LIMIT.range);
  if (significant === 7) {
    const top = B[q + i]!;
    if (top > 0x20 || (top === 0x20 && (negative || B.subarray(q + i + 1, q + len).some((x) => x !== 0)))) {
      refuse(LIMIT.range);
    }
  }
  let v = 0;
  for (; i < len; i++) v = v * 256 + B[q + i]!;
  P = q + len;
  return negative ? -1 - v : v;
}

function simple(ai: number): unknown {
  const b = B;
  const p = P;
  switch (ai) {
    case 20:
      return false;
    case 21:
      return true;
    case 22:
      return null;
    case 23: // undefined: JavaScript peers write it for "no value"
      return ABSENT;
    case 25: {
      if (p + 2 > N) truncated();
      P = p + 2;
      return half((b[p]! << 8) | b[p + 1]!);
    }
    case 26: {
      if (p + 4 > N) truncated();
      P = p + 4;
      if (LITTLE_ENDIAN) for (let i = 0; i < 4; i++) f32Bytes[3 - i] = b[p + i]!;
      else for (let i = 0; i < 4; i++) f32Bytes[i] = b[p + i]!;
      return finite(f32[0]!);
    }
    case 27: {
      if (p + 8 > N) truncated();
      P = p + 8;
      return finite(readFloat64(b, p));
    }
    case 31:
      return fail('unexpected CBOR break');
    default:
      return fail(`CBOR simple value ${ai === 24 ? (b[p] ?? 0) : ai} is not allowed`);
  }
}

function finite(v: number): number {
  // v - v is NaN for NaN and ±Infinity, 0 for every finite number.
  if (v - v !== 0) refuse(LIMIT.finite);
  return v;
}

/** A half-precision float (RFC 8949, Appendix D). */
function half(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 31) refuse(LIMIT.finite);
  const v = exp === 0 ? mant * 2 ** -24 : (mant + 1024) * 2 ** (exp - 25);
  return h & 0x8000 ? -v : v;
}

/** `wamp.2.cbor`: binary frames; binary values as CBOR byte strings. */
export const cborSerializer: Serializer = Object.freeze({
  name: 'cbor',
  subprotocol: 'wamp.2.cbor',
  rawSocketId: 3,
  binary: true,
  binaryStrings: false,
  checksLimits: true,
  encode(wire: readonly unknown[]): Frame {
    return encodeWith(write, wire);
  },
  decode(frame: Frame, limits: Limits = DEFAULT_LIMITS): unknown {
    return readCbor(plainBytes(frame, 'CBOR'), limits);
  },
});
