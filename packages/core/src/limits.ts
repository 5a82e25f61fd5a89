/**
 * Caps on what a peer may send. Everything from the wire is hostile
 * (STYLE.md §7): sizes are checked before and after parsing, dictionaries are
 * plain objects, and prototype-polluting keys are refused.
 */

import { ProtocolViolation } from './errors.js';
import { base64Decode } from './base64.js';

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

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Walk a freshly deserialized value, enforce `limits`, refuse dangerous keys
 * and non-plain containers, and (for JSON) turn `"\u0000" + base64` strings
 * into bytes. Mutates containers in place (they are fresh from the parser) and
 * returns the value to use.
 */
export function sanitize(value: unknown, limits: Limits, jsonBinary: boolean, depth = 1): unknown {
  switch (typeof value) {
    case 'string':
      if (value.length > limits.maxStringLength) throw new ProtocolViolation('string exceeds the length limit');
      if (jsonBinary && value.length > 0 && value.charCodeAt(0) === 0) {
        const bytes = base64Decode(value, 1);
        if (bytes === undefined) throw new ProtocolViolation('malformed base64 in a binary string');
        return bytes;
      }
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new ProtocolViolation('non-finite number');
      return value;
    case 'boolean':
      return value;
    case 'bigint':
      // A binary codec may hand back 64-bit integers as bigint; WAMP values stop at 2^53.
      if (value >= -(2n ** 53n) && value <= 2n ** 53n) return Number(value);
      throw new ProtocolViolation('integer out of range (beyond 2^53)');
    case 'object': {
      if (value === null) return value;
      if (depth > limits.maxDepth) throw new ProtocolViolation('nesting exceeds the depth limit');
      if (Array.isArray(value)) {
        if (value.length > limits.maxContainerLength) throw new ProtocolViolation('list exceeds the length limit');
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          if (typeof v === 'number' || typeof v === 'boolean') {
            if (typeof v === 'number' && !Number.isFinite(v)) throw new ProtocolViolation('non-finite number');
            continue;
          }
          const s = sanitize(v, limits, jsonBinary, depth + 1);
          if (s !== v) value[i] = s;
        }
        return value;
      }
      if (value instanceof Uint8Array) return value;
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new ProtocolViolation('dictionary keys must be strings');
      }
      const obj = value as Record<string, unknown>;
      let n = 0;
      for (const key in obj) {
        if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
        if (++n > limits.maxContainerLength) throw new ProtocolViolation('dictionary exceeds the length limit');
        if (FORBIDDEN_KEYS.has(key)) throw new ProtocolViolation(`forbidden dictionary key "${key}"`);
        if (key.length > limits.maxStringLength) throw new ProtocolViolation('dictionary key exceeds the length limit');
        const v = obj[key];
        const s = sanitize(v, limits, jsonBinary, depth + 1);
        if (s !== v) obj[key] = s;
      }
      // JSON.parse makes "__proto__" an own property, which for..in does see; a
      // decoder that assigned it would have changed the prototype, caught above.
      return value;
    }
    case 'undefined':
      throw new ProtocolViolation('undefined value');
    default:
      throw new ProtocolViolation(`unsupported value of type ${typeof value}`);
  }
}
