/**
 * Byte-level mutations of encoded frames: bit flips, byte replacement,
 * insertion, deletion, truncation, duplication, and outright garbage.
 *
 * A mutation is data (it prints, shrinks and replays), applied with
 * {@link applyByteMutation}. Positions are taken modulo the frame length when
 * applied, so the same mutation means something for any frame.
 */

import fc from 'fast-check';
import type { Frame } from '@wamp/core';

/** One change to an encoded frame: flip a bit, set, insert or delete octets. */
export type ByteMutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly op: 'delete'; readonly at: number; readonly count: number }
  | { readonly op: 'truncate'; readonly keep: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly count: number }
  | { readonly op: 'swap'; readonly a: number; readonly b: number }
  | { readonly op: 'garbage'; readonly bytes: readonly number[] };

/** Bytes that mean something to at least one serializer: JSON punctuation, MessagePack and CBOR markers, UTF-8 edges. */
const INTERESTING = [
  0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0xc0, 0xc1, 0xed, 0xf4, 0xf5, 0xf8,
  0x22, 0x5b, 0x5d, 0x7b, 0x7d, 0x2c, 0x3a, 0x5c, 0x30, 0x39, 0x2d, 0x65,
  0x90, 0x9f, 0xdc, 0xdd, 0xde, 0xdf, 0xd9, 0xda, 0xdb, 0xcf, 0xd3, 0xc4, 0xc6,
  0x1b, 0x5f, 0x7f, 0x9f, 0xbf, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xff, 0xc2,
];

const byte = () => fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: 0, max: 255 }));
const pos = () => fc.nat({ max: 1 << 20 });

/** One byte mutation. */
export function byteMutationArb(): fc.Arbitrary<ByteMutation> {
  return fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at: pos(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('set' as const), at: pos(), value: byte() }),
    fc.record({ op: fc.constant('insert' as const), at: pos(), bytes: fc.array(byte(), { minLength: 1, maxLength: 8 }) }),
    fc.record({ op: fc.constant('delete' as const), at: pos(), count: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ op: fc.constant('truncate' as const), keep: pos() }),
    fc.record({ op: fc.constant('duplicate' as const), at: pos(), count: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ op: fc.constant('swap' as const), a: pos(), b: pos() }),
    fc.record({ op: fc.constant('garbage' as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 0, maxLength: 64 }) }),
  );
}

/** One to three mutations applied in order. */
export function byteMutationsArb(): fc.Arbitrary<readonly ByteMutation[]> {
  return fc.array(byteMutationArb(), { minLength: 1, maxLength: 3 });
}

/** Apply one mutation; never mutates the input. */
export function applyByteMutation(input: Uint8Array, m: ByteMutation): Uint8Array {
  const n = input.length;
  const at = (p: number, span = n) => (span === 0 ? 0 : p % span);
  switch (m.op) {
    case 'flip': {
      if (n === 0) return input;
      const out = input.slice();
      const i = at(m.at);
      out[i] = out[i]! ^ (1 << m.bit);
      return out;
    }
    case 'set': {
      if (n === 0) return Uint8Array.of(m.value);
      const out = input.slice();
      out[at(m.at)] = m.value;
      return out;
    }
    case 'insert': {
      const i = at(m.at, n + 1);
      return concat(input.subarray(0, i), Uint8Array.from(m.bytes), input.subarray(i));
    }
    case 'delete': {
      const i = at(m.at);
      return concat(input.subarray(0, i), input.subarray(i + m.count));
    }
    case 'truncate':
      return input.slice(0, at(m.keep));
    case 'duplicate': {
      const i = at(m.at);
      const piece = input.subarray(i, i + m.count);
      return concat(input.subarray(0, i + piece.length), piece, input.subarray(i + piece.length));
    }
    case 'swap': {
      if (n === 0) return input;
      const out = input.slice();
      const a = at(m.a);
      const b = at(m.b);
      const t = out[a]!;
      out[a] = out[b]!;
      out[b] = t;
      return out;
    }
    case 'garbage':
      return Uint8Array.from(m.bytes);
  }
}

/** Apply several mutations in order. */
export function applyByteMutations(input: Uint8Array, ms: readonly ByteMutation[]): Uint8Array {
  return ms.reduce(applyByteMutation, input);
}

const encoder = new TextEncoder();

/** The bytes of a frame (UTF-8 for JSON text). */
export function frameBytes(frame: Frame): Uint8Array {
  return typeof frame === 'string' ? encoder.encode(frame) : frame;
}

/** Concatenate byte arrays. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A short, printable form of a mutation for reports. */
export function describeByteMutation(m: ByteMutation): string {
  switch (m.op) {
    case 'flip':
      return `flip bit ${m.bit} at ${m.at}`;
    case 'set':
      return `set byte ${m.at} to 0x${m.value.toString(16)}`;
    case 'insert':
      return `insert [${m.bytes.map((b) => '0x' + b.toString(16)).join(' ')}] at ${m.at}`;
    case 'delete':
      return `delete ${m.count} bytes at ${m.at}`;
    case 'truncate':
      return `truncate to ${m.keep} bytes`;
    case 'duplicate':
      return `duplicate ${m.count} bytes at ${m.at}`;
    case 'swap':
      return `swap bytes ${m.a} and ${m.b}`;
    case 'garbage':
      return `replace with ${m.bytes.length} random bytes`;
  }
}
