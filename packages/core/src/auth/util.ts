/**
 * Small building blocks shared by the authentication methods: UTF-8, XOR,
 * constant-time comparison, strict field readers for CHALLENGE/AUTHENTICATE
 * extras, and SASLprep (RFC 4013) for WAMP-SCRAM (its tables are in
 * `saslprep.ts`, loaded only for a string that is not printable ASCII).
 */

import { ErrorUri, LocalProtocolError, ProtocolViolation } from '../errors.js';
import type { Dict } from '../types.js';
import type * as SaslprepTables from './saslprep.js';

const encoder = new TextEncoder();

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Bytewise XOR of two sequences of the same length. */
export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError(`xorBytes: lengths differ (${a.length} vs ${b.length})`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/**
 * Compare two byte sequences in time that depends only on their lengths, not
 * on where they first differ, so that a verifier does not leak how much of a
 * guessed secret or signature was right.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  // Loop over the expected length whatever the other one is, and fold the
  // length difference into the accumulator instead of returning early.
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ (b[i] ?? 0);
  return diff === 0;
}

/** {@link timingSafeEqual} over the UTF-8 encodings of two strings. */
export function timingSafeEqualString(expected: string, given: string): boolean {
  return timingSafeEqual(utf8(expected), utf8(given));
}

// ---------------------------------------------------------------------------
// Reading the Extra dictionary of a CHALLENGE (from the peer): every fault is a
// ProtocolViolation that names the method and the field.

export function requireString(extra: Dict, key: string, method: string): string {
  const v = extra[key];
  if (typeof v !== 'string') {
    throw new ProtocolViolation(
      `CHALLENGE for ${method}: Extra.${key} must be a string, got ${describeValue(v)}`,
    );
  }
  return v;
}

export function optionalString(extra: Dict, key: string, method: string): string | undefined {
  const v = extra[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    throw new ProtocolViolation(
      `CHALLENGE for ${method}: Extra.${key} must be a string or null, got ${describeValue(v)}`,
    );
  }
  return v;
}

/** An integer in `[min, max]`, or `fallback` when the key is absent or null. */
export function integerField(
  extra: Dict,
  key: string,
  method: string,
  range: { min: number; max: number },
  fallback?: number,
): number {
  const v = extra[key];
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < range.min || v > range.max) {
    throw new ProtocolViolation(
      `CHALLENGE for ${method}: Extra.${key} must be an integer in [${range.min}, ${range.max}], got ${describeValue(v)}`,
    );
  }
  return v;
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length > 40 ? `a string of length ${v.length}` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  return `a ${typeof v}`;
}

/** A misuse of an authentication function by the application (bad key size and such). */
export function badArgument(message: string): LocalProtocolError {
  return new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, message);
}

// ---------------------------------------------------------------------------
// SASLprep, RFC 4013, for WAMP-SCRAM user names and passwords.
//
// For a string of ASCII characters SASLprep is the identity or a refusal: no
// ASCII character is mapped (B.1, C.1.2 hold none), NFKC leaves ASCII as it
// is, the only prohibited ASCII characters are the controls of C.2.1 (U+0000
// to U+001F and U+007F; SPACE is C.1.1, which RFC 4013 §2.3 does not
// prohibit), every ASCII code point is assigned in Unicode 3.2, and no ASCII
// character is RandALCat, so the bidi rule (RFC 3454 §6) cannot fail. Only a
// string with another character needs the tables: they are in `saslprep.ts`,
// which nothing imports statically, so a bundle carries them in a chunk of
// their own, loaded by the first such string.

let tables: Promise<typeof SaslprepTables> | undefined;

/**
 * SASLprep (RFC 4013) of a stored string, or `undefined` when the string
 * contains a prohibited or unassigned code point or breaks the bidirectional
 * rule (RFC 3454 §6), so that the caller decides whose fault that is.
 * Printable ASCII is answered at once; any other string loads the stringprep
 * tables on first use, hence the promise.
 */
export async function saslprep(input: string): Promise<string | undefined> {
  let ascii = true;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c >= 0x80) {
      ascii = false;
      break;
    }
    if (c < 0x20 || c === 0x7f) return undefined;
  }
  if (ascii) return input;
  const { saslprepFull } = await (tables ??= import('./saslprep.js'));
  return saslprepFull(input);
}
