import type { Frame } from '../../types.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
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
 * `wamp.2.msgpack` (basic profile, "Serializers"), limited to the plain data
 * model every WAMP serializer shares: nil, booleans, integers within ±2^53,
 * finite floats, str, bin, arrays and maps with str keys. No extension type,
 * but for fixext 1 of type 0 holding a zero byte, which is how msgpackr
 * (wampy's codec) writes a JavaScript undefined: it is read as absent (a list
 * element becomes null, a dictionary entry is left out).
 *
 * Decoding is our own, in one pass that checks every item as it builds it
 * (the data model above and the size limits: string, container, depth), so
 * that `decodeMessage` need not walk the value again (`checksLimits`). The
 * library's decoder would have needed that walk after it, and it reads
 * 64-bit integers either rounded or as bigints; a reader of this small data
 * model is also quicker on WAMP-sized messages. A `__proto__` key is data
 * (the dictionary gets a null prototype). Bin values are views into the frame.
 *
 * Encoding is our own too (see writer.ts): integers within ±2^53 in the
 * smallest form (±2^53 as uint 64 / int 64: 2^53 is a valid WAMP ID), other
 * numbers as float 64, text as UTF-8 str, binary as bin, dictionary entries
 * holding undefined left out (as JSON leaves them), undefined elsewhere as
 * nil. No extension type is ever written.
 */

// ---------------------------------------------------------------------------
// Encoding: the plain data model, integers in the smallest form

function strHeader(n: number): void {
  if (n < 32) head(0xa0 | n);
  else if (n < 0x100) head8(0xd9, n);
  else if (n < 0x10000) head16(0xda, n);
  else head32(0xdb, n);
}

function writeNumber(n: number): void {
  if (!isWireInteger(n)) {
    headFloat64(0xcb, n);
  } else if (n >= 0) {
    if (n < 0x80) head(n);
    else if (n < 0x100) head8(0xcc, n);
    else if (n < 0x10000) head16(0xcd, n);
    else if (n <= 0xffffffff) head32(0xce, n);
    else head64(0xcf, n);
  } else if (n >= -32) head(n + 0x100);
  else if (n >= -0x80) head8(0xd0, n + 0x100);
  else if (n >= -0x8000) head16(0xd1, n + 0x10000);
  else if (n >= -0x80000000) head32(0xd2, n >>> 0);
  else head64(0xd3, n);
}

function write(v: unknown, depth: number): void {
  switch (typeof v) {
    case 'string':
      return utf8Text(v, strHeader, 32, 5);
    case 'number':
      return writeNumber(v);
    case 'boolean':
      return head(v ? 0xc3 : 0xc2);
    case 'undefined':
      return head(0xc0);
    case 'bigint':
      return writeNumber(bigintNumber(v));
    case 'object':
      break;
    default:
      return notEncodable(v);
  }
  if (v === null) return head(0xc0);
  if (depth >= MAX_ENCODE_DEPTH) tooDeep();
  if (Array.isArray(v)) {
    const n = v.length;
    if (n < 16) head(0x90 | n);
    else if (n < 0x10000) head16(0xdc, n);
    else head32(0xdd, n);
    for (let i = 0; i < n; i++) write(v[i], depth + 1);
    return;
  }
  const bin = binaryOf(v);
  if (bin !== undefined) {
    const n = bin.length;
    if (n < 0x100) head8(0xc4, n);
    else if (n < 0x10000) head16(0xc5, n);
    else head32(0xc6, n);
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
    utf8Text(key, strHeader, 32, 5);
    write(value, depth + 1);
  }
  if (n !== keys.length) rewriteHeader(at, end, mapHeader, n);
}

function mapHeader(n: number): void {
  if (n < 16) head(0x80 | n);
  else if (n < 0x10000) head16(0xde, n);
  else head32(0xdf, n);
}

// ---------------------------------------------------------------------------
// Decoding: the plain data model only, checked as it is built

const HI_2_53 = 0x200000; // the high 32 bits of 2^53

/** What msgpackr's undefined decodes to, until its container drops it. */
const ABSENT: unique symbol = Symbol('absent');

const f32 = new Float32Array(1);
const f32Bytes = new Uint8Array(f32.buffer);
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const EMPTY: Uint8Array = new Uint8Array(0);

// The frame being decoded and the limits, for the recursive reader: module
// state rather than arguments, as nothing else runs while it reads.
let B: Uint8Array = EMPTY;
let P = 0;
let N = 0;
let maxString = 0;
let maxLength = 0;
let maxDepth = 0;

function truncated(): never {
  return cut('MessagePack');
}

/**
 * Decode `b`, which must hold exactly one MessagePack value of the plain data
 * model, within `limits` (the outer array being depth 1). Throws a plain Error
 * for a malformed frame and a ProtocolViolation for a value over a limit.
 */
export function readMsgpack(b: Uint8Array, limits: Limits): unknown {
  B = b;
  P = 0;
  N = b.length;
  maxString = limits.maxStringLength;
  maxLength = limits.maxContainerLength;
  maxDepth = limits.maxDepth;
  try {
    const v = item(1);
    if (P !== N) fail('extra bytes after the MessagePack value');
    return v === ABSENT ? undefined : v;
  } finally {
    B = EMPTY;
  }
}

/** The big-endian unsigned integer of `k` (1, 2 or 4) bytes at `P`, consumed. */
function uint(k: number): number {
  const p = P;
  if (p + k > N) truncated();
  P = p + k;
  const b = B;
  if (k === 1) return b[p]!;
  if (k === 2) return (b[p]! << 8) | b[p + 1]!;
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

/** uint 64 / int 64, within ±2^53. */
function int64(signed: boolean): number {
  const p = P;
  if (p + 8 > N) truncated();
  P = p + 8;
  const b = B;
  const hi = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  const lo = b[p + 4]! * 0x1000000 + ((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!);
  if (!signed || hi < 0x80000000) {
    if (hi > HI_2_53 || (hi === HI_2_53 && lo !== 0)) refuse(LIMIT.range);
    return hi * 0x100000000 + lo;
  }
  // Negative (two's complement): high * 2^32 + lo, with lo >= 0, is at
  // least -2^53 exactly when the high word is at least -2^21.
  const high = hi - 0x100000000;
  if (high < -HI_2_53) refuse(LIMIT.range);
  return high * 0x100000000 + lo;
}

function float(k: 4 | 8): number {
  const p = P;
  if (p + k > N) truncated();
  P = p + k;
  const b = B;
  let v: number;
  if (k === 4) {
    if (LITTLE_ENDIAN) for (let i = 0; i < 4; i++) f32Bytes[3 - i] = b[p + i]!;
    else for (let i = 0; i < 4; i++) f32Bytes[i] = b[p + i]!;
    v = f32[0]!;
  } else {
    if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) f64Bytes[7 - i] = b[p + i]!;
    else for (let i = 0; i < 8; i++) f64Bytes[i] = b[p + i]!;
    v = f64[0]!;
  }
  // v - v is NaN for NaN and ±Infinity, 0 for every finite number.
  if (v - v !== 0) refuse(LIMIT.finite);
  return v;
}

function str(n: number): string {
  if (n > N - P) truncated();
  if (n > maxString && textLength(B, P, n) > maxString) refuse(LIMIT.string);
  const s = text(B, P, n);
  P += n;
  return s;
}

function bin(n: number): Uint8Array {
  if (n > N - P) truncated();
  const v = B.subarray(P, P + n);
  P += n;
  return v;
}

/** An extension of `n` data bytes: only msgpackr's undefined (fixext 1, type 0, a zero byte). */
function ext(n: number): typeof ABSENT {
  if (P + 1 + n > N) truncated();
  const type = B[P]!;
  if (n === 1 && type === 0 && B[P + 1] === 0) {
    P += 2;
    return ABSENT;
  }
  return fail(`extension type ${type > 127 ? type - 256 : type} is not allowed`);
}

function item(depth: number): unknown {
  if (P >= N) truncated();
  const t = B[P++]!;
  if (t < 0x80) return t;
  if (t >= 0xe0) return t - 0x100;
  if (t >= 0xa0 && t <= 0xbf) return str(t & 0x1f);
  if (t >= 0x90 && t <= 0x9f) return list(t & 0x0f, depth);
  if (t <= 0x8f) return dict(t & 0x0f, depth);
  switch (t) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return bin(uint(1));
    case 0xc5:
      return bin(uint(2));
    case 0xc6:
      return bin(uint(4));
    case 0xc7:
      return ext(uint(1));
    case 0xc8:
      return ext(uint(2));
    case 0xc9:
      return ext(uint(4));
    case 0xca:
      return float(4);
    case 0xcb:
      return float(8);
    case 0xcc:
      return uint(1);
    case 0xcd:
      return uint(2);
    case 0xce:
      return uint(4);
    case 0xcf:
      return int64(false);
    case 0xd0:
      return (uint(1) << 24) >> 24;
    case 0xd1:
      return (uint(2) << 16) >> 16;
    case 0xd2:
      return uint(4) | 0;
    case 0xd3:
      return int64(true);
    case 0xd4:
      return ext(1);
    case 0xd5:
      return ext(2);
    case 0xd6:
      return ext(4);
    case 0xd7:
      return ext(8);
    case 0xd8:
      return ext(16);
    case 0xd9:
      return str(uint(1));
    case 0xda:
      return str(uint(2));
    case 0xdb:
      return str(uint(4));
    case 0xdc:
      return list(uint(2), depth);
    case 0xdd:
      return list(uint(4), depth);
    case 0xde:
      return dict(uint(2), depth);
    case 0xdf:
      return dict(uint(4), depth);
    default:
      return fail(`MessagePack type 0x${t.toString(16)} is not allowed`);
  }
}

function list(n: number, depth: number): unknown[] {
  if (depth > maxDepth) refuse(LIMIT.depth);
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
  if (n > maxLength) refuse(LIMIT.dict);
  if (n > (N - P) / 2) truncated();
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const key = mapKey();
    const v = item(depth + 1);
    if (v !== ABSENT) setEntry(out, key, v);
  }
  return out;
}

/** A map key: a str (basic profile, "Serializers": `dict` with string keys). */
function mapKey(): string {
  if (P >= N) truncated();
  const t = B[P++]!;
  let n: number;
  if (t >= 0xa0 && t <= 0xbf) n = t & 0x1f;
  else if (t === 0xd9) n = uint(1);
  else if (t === 0xda) n = uint(2);
  else if (t === 0xdb) n = uint(4);
  else return fail(`dictionary keys must be strings, got MessagePack type 0x${t.toString(16)}`);
  if (n > N - P) truncated();
  if (n > maxString && textLength(B, P, n) > maxString) refuse(LIMIT.key);
  const s = keyText(B, P, n);
  P += n;
  return s;
}

/** `wamp.2.msgpack`: binary frames; binary values as MessagePack `bin`. */
export const msgpackSerializer: Serializer = Object.freeze({
  name: 'msgpack',
  subprotocol: 'wamp.2.msgpack',
  rawSocketId: 2,
  binary: true,
  binaryStrings: false,
  checksLimits: true,
  encode(wire: readonly unknown[]): Frame {
    return encodeWith(write, wire);
  },
  decode(frame: Frame, limits: Limits = DEFAULT_LIMITS): unknown {
    return readMsgpack(plainBytes(frame, 'MessagePack'), limits);
  },
});
