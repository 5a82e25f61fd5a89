/**
 * Caps on what a peer may send. Everything from the wire is hostile
 * (STYLE.md §7): sizes are checked before and after parsing, and
 * dictionaries are plain objects whose keys are data: `constructor`,
 * `prototype` and `__proto__` are ordinary keys of an application payload,
 * and a dictionary that has an own `__proto__` key gets a null prototype, so
 * that no key reaches a prototype.
 */

import { ProtocolViolation } from '../errors.js';
import { base64Decode } from '../base64.js';

/** Caps on what a peer may send (sizes, counts, depths), checked while decoding. */
export interface Limits {
  /** Largest serialized message accepted, in bytes (UTF-16 code units for JSON text). */
  readonly maxMessageSize: number;
  /** Longest string value or dictionary key. */
  readonly maxStringLength: number;
  /** Most elements in one list, or keys in one dictionary. */
  readonly maxContainerLength: number;
  /** Deepest nesting of lists and dictionaries, the message array itself being depth 1. */
  readonly maxDepth: number;
}

/** The decoding limits used when none are given. */
export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxMessageSize: 16 * 1024 * 1024,
  maxStringLength: 16 * 1024 * 1024,
  maxContainerLength: 1_000_000,
  maxDepth: 64,
});

/** Merge partial limits over the defaults. */
export function resolveLimits(partial?: Partial<Limits>): Limits {
  return partial === undefined ? DEFAULT_LIMITS : Object.freeze({ ...DEFAULT_LIMITS, ...partial });
}

/**
 * Walk a freshly deserialized value, enforce `limits`, refuse non-plain
 * containers (any prototype but Object.prototype or null), turn
 * bigints from 64-bit integers into numbers when within ±2^53 (refusing the
 * others), and (for JSON) turn `"\u0000" + base64` strings into bytes.
 * Mutates containers in place (they are fresh from the parser) and returns the
 * value to use.
 *
 * `decodeMessage` runs it on each dictionary and payload of a message whose
 * serializer does not check limits itself (JSON), as the shape checks reach
 * them, so the walk is written for speed: one type switch per element,
 * containers recursed into directly, and nothing allocated unless a value is
 * replaced.
 */
export function sanitize(value: unknown, limits: Limits, jsonBinary: boolean, depth = 1): unknown {
  if (typeof value === 'object' && value !== null) {
    checkContainer(value, limits.maxStringLength, limits.maxContainerLength, limits.maxDepth, jsonBinary, depth);
    return value;
  }
  return replacement(value, limits.maxStringLength, jsonBinary) ?? value;
}

/** Below this many characters, the JavaScript decoder beats a native call. */
const NATIVE_BASE64_MIN = 64;

/** `Uint8Array.fromBase64` (ES2026), where the platform has it. */
const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;

/** Node's Buffer, where the platform has one: a platform codec, as TextDecoder is, not I/O. */
const nodeBuffer = (globalThis as unknown as { Buffer?: { from(s: string, encoding: 'base64'): Uint8Array } }).Buffer;

const asciiEncoder = new TextEncoder();
let asciiScratch = new Uint8Array(0);

/** Whether every character of `s` is ASCII (one native pass: each non-ASCII character takes more than one UTF-8 byte). */
function isAscii(s: string): boolean {
  const n = s.length;
  if (asciiScratch.length < n) asciiScratch = new Uint8Array(Math.max(n, 2 * asciiScratch.length));
  const r = asciiEncoder.encodeInto(s, asciiScratch.subarray(0, n));
  return r.read === n && r.written === n;
}

/**
 * The bytes of a JSON binary string, `"\u0000" + base64` (basic profile,
 * "Binary conversion of JSON Strings"): standard alphabet, padding optional,
 * nothing else.
 *
 * Decoding a long payload in JavaScript costs several times the parsing of
 * the JSON text that carries it, so long ones are decoded natively where the
 * platform can: `Uint8Array.fromBase64`, else Node's Buffer. Both are more
 * forgiving than the data model: they skip ASCII whitespace, and Buffer skips
 * any character outside the alphabet and reads the URL-safe `-` and `_` (and
 * a non-Latin-1 character by its low byte). Every skipped character makes the
 * output shorter than the length the text announces, which is refused; the
 * URL-safe characters and non-ASCII text are looked for first (native
 * searches). The three decoders thus accept exactly the same strings.
 */
export function binaryString(v: string): Uint8Array {
  const n = v.length;
  if (n >= NATIVE_BASE64_MIN && (fromBase64 !== undefined || nodeBuffer !== undefined)) {
    let end = n;
    while (end > 1 && v.charCodeAt(end - 1) === 61 /* = */) end--;
    const chars = end - 1;
    // At most two "=", and no group of a single character: checked here,
    // the native decoders differ on padding.
    if (n - end <= 2 && chars % 4 !== 1) {
      const expected = Math.floor((chars * 3) / 4);
      const text = v.slice(1, end);
      let bytes: Uint8Array | undefined;
      if (fromBase64 !== undefined) {
        try {
          bytes = fromBase64(text);
        } catch {
          bytes = undefined;
        }
      } else if (text.indexOf('-') < 0 && text.indexOf('_') < 0 && isAscii(text)) {
        const b = nodeBuffer!.from(text, 'base64');
        // A plain Uint8Array, as everywhere else; a Buffer cut from Node's
        // shared pool is copied out, so that its `.buffer` shows nothing else.
        bytes = b.byteOffset === 0 && b.buffer.byteLength === b.length
          ? new Uint8Array(b.buffer, 0, b.length)
          : new Uint8Array(b);
      }
      if (bytes !== undefined && bytes.length === expected) return bytes;
    }
    throw new ProtocolViolation('malformed base64 in a binary string');
  }
  const bytes = base64Decode(v, 1);
  if (bytes === undefined) throw new ProtocolViolation('malformed base64 in a binary string');
  return bytes;
}

const TWO_53 = 2 ** 53;

/** Set by the walk when a number of magnitude ≥ 2^53 was seen; see {@link takeLargeNumberSeen}. */
let largeNumber = false;

/** Record that a number of magnitude ≥ 2^53 was read (by the shape checks, which read IDs themselves). */
export function noteLargeNumber(): void {
  largeNumber = true;
}

/**
 * Whether the last {@link sanitize} walks met a number of magnitude ≥ 2^53
 * (where doubles stop being exact integers), clearing the flag. A text codec
 * (JSON) then checks that the digits it parsed were carried exactly.
 */
export function takeLargeNumberSeen(): boolean {
  const seen = largeNumber;
  largeNumber = false;
  return seen;
}

/**
 * What is left of {@link sanitize} for a value from `JSON.parse` when the
 * text alone proved the rest (see `jsonTextNeedsWalk` in `index.ts`): no
 * limit can bite and no string is a binary string. What the text cannot
 * show cheaply is a number `JSON.parse` overflowed to ±Infinity (`1e400`)
 * or one of magnitude ≥ 2^53, and a `__proto__` key: those are checked
 * here, as {@link sanitize} checks them, and nothing else is looked at.
 */
export function checkJsonNumbers(v: unknown): void {
  if (typeof v === 'number') {
    if (v - v !== 0) throw new ProtocolViolation('non-finite number');
    if (v >= TWO_53 || v <= -TWO_53) largeNumber = true;
  } else if (typeof v === 'object' && v !== null) {
    numbersIn(v);
  }
}

function numbersIn(o: object): void {
  if (Array.isArray(o)) {
    const n = o.length;
    for (let i = 0; i < n; i++) checkJsonNumbers(o[i]);
    return;
  }
  const obj = o as Record<string, unknown>;
  // JSON.parse makes plain objects with own data properties only; `for in`
  // lists them (Object.prototype has no enumerable key) without allocating.
  for (const key in obj) {
    // As in `sanitize`: an own "__proto__" is data, and its dictionary loses its prototype.
    if (key === '__proto__') Object.setPrototypeOf(obj, null);
    checkJsonNumbers(obj[key]);
  }
}

const MAX_BIG = 2n ** 53n;
const MIN_BIG = -(2n ** 53n);

/**
 * Check a scalar (or refuse it). Returns what replaces it (bytes for a JSON
 * binary string, a number for an in-range bigint), or undefined to keep it.
 */
function replacement(v: unknown, maxString: number, jsonBinary: boolean): unknown {
  switch (typeof v) {
    case 'number':
      // v - v is NaN for NaN and ±Infinity, 0 for every finite number.
      if (v - v !== 0) throw new ProtocolViolation('non-finite number');
      return undefined;
    case 'string':
      if (v.length > maxString) throw new ProtocolViolation('string exceeds the length limit');
      if (jsonBinary && v.length > 0 && v.charCodeAt(0) === 0) return binaryString(v);
      return undefined;
    case 'boolean':
      return undefined;
    case 'bigint':
      // A binary codec hands back 64-bit integers as bigint; WAMP values stop at 2^53.
      if (v >= MIN_BIG && v <= MAX_BIG) return Number(v);
      throw new ProtocolViolation('integer out of range (beyond 2^53)');
    case 'object':
      // null: containers are handled by the callers.
      return undefined;
    case 'undefined':
      throw new ProtocolViolation('undefined value');
    default:
      throw new ProtocolViolation(`unsupported value of type ${typeof v}`);
  }
}

/**
 * Check a list, dictionary or binary value and everything inside it, in
 * place. The limits come as separate arguments so that the hot loop reads
 * locals; numbers and booleans, the commonest scalars, are checked inline.
 */
function checkContainer(
  value: object,
  maxString: number,
  maxLength: number,
  maxDepth: number,
  jsonBinary: boolean,
  depth: number,
): void {
  if (Array.isArray(value)) {
    if (depth > maxDepth) throw new ProtocolViolation('nesting exceeds the depth limit');
    const n = value.length;
    if (n > maxLength) throw new ProtocolViolation('list exceeds the length limit');
    for (let i = 0; i < n; i++) {
      const v: unknown = value[i];
      switch (typeof v) {
        case 'object':
          if (v !== null) checkContainer(v, maxString, maxLength, maxDepth, jsonBinary, depth + 1);
          break;
        case 'number':
          if (v - v !== 0) throw new ProtocolViolation('non-finite number');
          if (v >= TWO_53 || v <= -TWO_53) largeNumber = true;
          break;
        case 'boolean':
          break;
        case 'string':
          if (v.length > maxString) throw new ProtocolViolation('string exceeds the length limit');
          if (jsonBinary && v.length > 0 && v.charCodeAt(0) === 0) value[i] = binaryString(v);
          break;
        default: {
          const r = replacement(v, maxString, jsonBinary);
          if (r !== undefined) value[i] = r;
        }
      }
    }
    return;
  }
  if (value instanceof Uint8Array) return;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new ProtocolViolation('unsupported value: only lists, dictionaries and binary are allowed');
  }
  if (depth > maxDepth) throw new ProtocolViolation('nesting exceeds the depth limit');
  const obj = value as Record<string, unknown>;
  // Own enumerable keys only. JSON.parse (and the binary decoders' slow path)
  // make "__proto__" an own data property, which Object.keys lists; a decoder
  // that assigned it would have changed the prototype, refused above. Such a
  // dictionary loses its prototype: reads and writes of "__proto__" then only
  // ever touch the data, whatever the code that handles it does.
  const keys = Object.keys(obj);
  const n = keys.length;
  if (n > maxLength) throw new ProtocolViolation('dictionary exceeds the length limit');
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    if (key === '__proto__' && proto !== null) Object.setPrototypeOf(obj, null);
    if (key.length > maxString) throw new ProtocolViolation('dictionary key exceeds the length limit');
    const v = obj[key];
    switch (typeof v) {
      case 'object':
        if (v !== null) checkContainer(v, maxString, maxLength, maxDepth, jsonBinary, depth + 1);
        break;
      case 'number':
        if (v - v !== 0) throw new ProtocolViolation('non-finite number');
        if (v >= TWO_53 || v <= -TWO_53) largeNumber = true;
        break;
      case 'boolean':
        break;
      case 'string':
        if (v.length > maxString) throw new ProtocolViolation('string exceeds the length limit');
        if (jsonBinary && v.length > 0 && v.charCodeAt(0) === 0) obj[key] = binaryString(v);
        break;
      default: {
        const r = replacement(v, maxString, jsonBinary);
        if (r !== undefined) obj[key] = r;
      }
    }
  }
}

