/**
 * What the MessagePack and CBOR encoders share: one growable byte buffer,
 * reused from frame to frame, with big-endian writes, UTF-8 text, and the
 * walk over the WAMP data model that both encoders make the same way (which
 * values are integers, which keys a dictionary writes).
 *
 * The buffer is module state, as nothing else runs while a value is written;
 * the one way back in, a getter on the value that encodes another value, is
 * given a buffer of its own ({@link encodeWith}). Each frame is a copy of the
 * written bytes, so that the buffer can be reused at once.
 */

import { MAX_ID } from '../../ids.js';

/** The buffer's size at the start, and the size it goes back to after a frame above {@link KEEP_BYTES}. */
const INITIAL_BYTES = 2048;
/** A buffer grown beyond this for one large frame is dropped afterwards rather than kept for all later frames. */
const KEEP_BYTES = 1 << 20;
/**
 * Nesting deeper than this is refused (with a plain Error) rather than
 * overflowing the stack: it is mostly a value that contains itself.
 */
export const MAX_ENCODE_DEPTH = 1000;

/** Below this many UTF-16 units, text is encoded in JavaScript rather than by a TextEncoder call. */
const SHORT_TEXT = 64;

const utf8 = new TextEncoder();

let buf = new Uint8Array(INITIAL_BYTES);
let view = new DataView(buf.buffer);
/** The write position in {@link buf}. */
let pos = 0;
let active = false;

/** Make room for `n` more bytes at {@link pos}. */
function reserve(n: number): void {
  if (pos + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

/** One byte. */
export function head(h: number): void {
  reserve(1);
  buf[pos++] = h;
}

/** A head byte and a 1-, 2- or 4-byte big-endian argument, room included. */
export function head8(h: number, v: number): void {
  reserve(2);
  buf[pos] = h;
  buf[pos + 1] = v;
  pos += 2;
}

export function head16(h: number, v: number): void {
  reserve(3);
  buf[pos] = h;
  view.setUint16(pos + 1, v);
  pos += 3;
}

export function head32(h: number, v: number): void {
  reserve(5);
  buf[pos] = h;
  view.setUint32(pos + 1, v);
  pos += 5;
}

/** A head byte and the 8-byte big-endian two's complement of the integer `v` (|v| <= 2^53). */
export function head64(h: number, v: number): void {
  reserve(9);
  buf[pos] = h;
  const hi = Math.floor(v / 0x100000000);
  view.setUint32(pos + 1, hi >>> 0);
  view.setUint32(pos + 5, (v - hi * 0x100000000) >>> 0);
  pos += 9;
}

/** A head byte and a big-endian float 64. */
export function headFloat64(h: number, v: number): void {
  reserve(9);
  buf[pos] = h;
  view.setFloat64(pos + 1, v);
  pos += 9;
}

/** Raw bytes. */
export function bytes(b: Uint8Array): void {
  reserve(b.length);
  buf.set(b, pos);
  pos += b.length;
}

/**
 * The UTF-8 bytes of `s`, after a header that `header(byteLength)` writes:
 * one byte for a length below `oneByte`, two for one below 256, at most
 * `maxHeader` in all. Lone surrogates are written as U+FFFD, as TextEncoder
 * writes them, so that a frame never holds malformed UTF-8.
 */
export function text(s: string, header: (byteLength: number) => void, oneByte: number, maxHeader: number): void {
  const n = s.length;
  if (n < SHORT_TEXT) {
    // ASCII (URIs, keys) in one pass, after room for its header; anything
    // else is handed to the TextEncoder below.
    reserve(2 + n);
    const at = pos + (n < oneByte ? 1 : 2);
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[at + i] = c;
    }
    if (i === n) {
      header(n);
      pos += n;
      return;
    }
  }
  // At most 3 bytes per UTF-16 unit: written after the largest header it
  // could need, then moved back when the real header is shorter.
  reserve(maxHeader + n * 3);
  const start = pos;
  const { written } = utf8.encodeInto(s, buf.subarray(start + maxHeader));
  header(written);
  if (pos < start + maxHeader) buf.copyWithin(pos, start + maxHeader, start + maxHeader + written);
  pos += written;
}

/** The write position, for {@link rewriteHeader}. */
export function position(): number {
  return pos;
}

/**
 * Replace the header written at `at` (up to `end`) by what `header(n)`
 * writes, no longer than it, moving what follows it back: a dictionary's
 * entry count, once entries holding undefined have been left out.
 */
export function rewriteHeader(at: number, end: number, header: (n: number) => void, n: number): void {
  const tail = pos;
  pos = at;
  header(n);
  const shift = end - pos;
  if (shift > 0) buf.copyWithin(pos, end, tail);
  pos = tail - shift;
}

/** True when `n` is written as an integer: exact within ±2^53 (2^53 is a valid WAMP ID), -0 as 0. */
export function isWireInteger(n: number): boolean {
  return Number.isInteger(n) && n <= MAX_ID && n >= -MAX_ID;
}

/** A bigint as the number it is written as: only within ±2^53. */
export function bigintNumber(v: bigint): number {
  const n = Number(v);
  if (n > MAX_ID || n < -MAX_ID) throw new RangeError(`integer out of range (beyond 2^53): ${v}`);
  return n;
}

/** The bytes of a binary value: a Uint8Array (a Buffer too), another ArrayBuffer view, or an ArrayBuffer; undefined otherwise. */
export function binaryOf(v: object): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return undefined;
}

/** A refusal of a value outside the data model. */
export function notEncodable(v: unknown): never {
  throw new TypeError(`cannot encode a ${typeof v}: not in the WAMP data model`);
}

/** A refusal of nesting beyond {@link MAX_ENCODE_DEPTH}. */
export function tooDeep(): never {
  throw new Error(`value nested deeper than ${MAX_ENCODE_DEPTH} levels (does it contain itself?)`);
}

/** Run `write(value)` on the shared buffer (a fresh one if an encoding is under way) and return a copy of the bytes. */
export function encodeWith(write: (v: unknown, depth: number) => void, value: unknown): Uint8Array {
  if (active) {
    const outerBuf = buf, outerPos = pos;
    buf = new Uint8Array(256);
    view = new DataView(buf.buffer);
    pos = 0;
    try {
      write(value, 0);
      return buf.slice(0, pos);
    } finally {
      buf = outerBuf;
      view = new DataView(buf.buffer);
      pos = outerPos;
    }
  }
  active = true;
  pos = 0;
  try {
    write(value, 0);
    return buf.slice(0, pos);
  } finally {
    active = false;
    if (buf.length > KEEP_BYTES) {
      buf = new Uint8Array(INITIAL_BYTES);
      view = new DataView(buf.buffer);
    }
  }
}
