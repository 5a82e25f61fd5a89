import { Decoder, Encoder } from 'cbor-x';
import { MAX_ID } from '../ids.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import type { Frame } from '../types.js';
import { plainBytes } from './bytes.js';
import type { Serializer } from './serializer.js';

/*
 * `wamp.2.cbor` (basic profile, "Serializers": CBOR as in RFC 8949), limited
 * to the plain data model every WAMP serializer shares: unsigned and negative
 * integers, byte and text strings, arrays, maps with text keys, false, true,
 * null and floats. No tags.
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
 *   none of that code can be reached, and refusals name the fault.
 * - Before encoding, integers beyond 32 bits (up to ±2^53) are handed to
 *   cbor-x as bigint: on a number it would write a float 64, where RFC 8949
 *   preferred serialization (and every other WAMP implementation) writes a
 *   major type 0/1 integer with an 8-byte argument.
 */

const MAX_UINT32 = 0xffffffff;
const MIN_NINT32 = -0x100000000;

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

// Integers with an 8-byte argument come back as bigint (no `int64AsNumber`),
// so `sanitize` can refuse those beyond 2^53 instead of reading them rounded.
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

function isWideInteger(n: number): boolean {
  return (n > MAX_UINT32 || n < MIN_NINT32) && n <= MAX_ID && n >= -MAX_ID && Number.isInteger(n);
}

/**
 * `v` with every integer beyond 32 bits (within ±2^53) replaced by a bigint.
 * Containers are copied only along the paths that change, so the common
 * message (small IDs, or only top-level IDs) costs one shallow copy at most.
 */
function widenIntegers(v: unknown): unknown {
  if (typeof v === 'number') return isWideInteger(v) ? BigInt(v) : v;
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      const t = typeof e === 'number' ? (isWideInteger(e) ? BigInt(e) : e) : typeof e === 'object' ? widenIntegers(e) : e;
      if (t !== e) {
        out ??= v.slice();
        out[i] = t;
      }
    }
    return out ?? v;
  }
  let out: Record<string, unknown> | undefined;
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const e = o[k];
    const t = typeof e === 'number' ? (isWideInteger(e) ? BigInt(e) : e) : typeof e === 'object' ? widenIntegers(e) : e;
    if (t !== e) {
      out ??= { ...o };
      out[k] = t;
    }
  }
  return out ?? v;
}

const PROTO_KEY = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f]; // "__proto__"

function fail(reason: string): never {
  throw new Error(reason);
}

function truncated(): never {
  return fail('truncated CBOR item');
}

/**
 * Check that `b` holds exactly one CBOR data item of the plain data model,
 * nested at most `maxDepth` deep (the outer array being depth 1). Throws a
 * plain Error naming the fault; allocates nothing.
 */
export function scanPlainCbor(b: Uint8Array, maxDepth: number = DEFAULT_LIMITS.maxDepth): void {
  const end = scanItem(b, 0, 1, maxDepth);
  if (end !== b.length) fail(`${b.length - end} bytes after the CBOR item`);
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
      case 23:
        return fail('undefined is not a WAMP value');
      case 31:
        return fail('unexpected CBOR break');
      default:
        return fail(`CBOR simple value ${ai === 24 ? (b[p] ?? 0) : ai} is not allowed`);
    }
  }
  if (major === 6) {
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
    // Only a length needs the value; anything over 2^32 exceeds the frame anyway.
    arg = (b[p]! | b[p + 1]! | b[p + 2]! | b[p + 3]!) !== 0 ? Infinity : b[p + 4]! * 0x1000000 + ((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!);
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
          p = scanItem(b, p, depth + 1, maxDepth);
        }
      }
      if (arg > n - p) truncated();
      for (let i = 0; i < arg; i++) p = scanItem(b, p, depth + 1, maxDepth);
      return p;
    default: // 5, map
      if (depth > maxDepth) fail('nesting exceeds the depth limit');
      if (indefinite) {
        for (;;) {
          if (p >= n) truncated();
          if (b[p] === 0xff) return p + 1;
          p = scanItem(b, scanKey(b, p), depth + 1, maxDepth);
        }
      }
      if (arg > (n - p) / 2) truncated();
      for (let i = 0; i < arg; i++) p = scanItem(b, scanKey(b, p), depth + 1, maxDepth);
      return p;
  }
}

/** A map key: a definite-length text string, not `__proto__`. */
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
    if (same) fail('forbidden dictionary key "__proto__"');
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
    const out: Uint8Array = encoder.encode(widenIntegers(wire));
    return out.constructor === Uint8Array ? out : new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  decode(frame: Frame, limits?: Limits): unknown {
    const bytes = plainBytes(frame, 'CBOR');
    scanPlainCbor(bytes, limits?.maxDepth ?? DEFAULT_LIMITS.maxDepth);
    // cbor-x caches a DataView on its source as an expando property: give it
    // a view of our own rather than let it write on the caller's frame.
    return decoder.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  },
});
