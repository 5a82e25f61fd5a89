/**
 * What the MessagePack and CBOR decoders share while they build values: text
 * from UTF-8, dictionaries whose keys are data, and the wording of the limit
 * faults (the same as `sanitize`'s, so that a reason does not depend on the
 * serializer). Both decoders check every item as they build it, so that
 * nothing walks the value again afterwards.
 */

import { ProtocolViolation } from '../../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Below this many bytes, ASCII text is built in JavaScript rather than by a TextDecoder call. */
const SHORT_TEXT = 48;
/**
 * Code unit arrays for `String.fromCharCode.apply`, one per length: changing
 * an array's length costs more than building the string.
 */
const UNITS: number[][] = Array.from({ length: SHORT_TEXT }, (_, n) => new Array<number>(n).fill(0));

/**
 * The text of `n` UTF-8 bytes at `b[p]`. Short ASCII (URIs, keys) is built
 * directly, without the cost of a native call; anything else goes through a
 * fatal TextDecoder, so that malformed UTF-8 is refused.
 */
export function text(b: Uint8Array, p: number, n: number): string {
  if (n < 8) {
    switch (n) {
      case 0:
        return '';
      case 1: {
        const c0 = b[p]!;
        if (c0 < 0x80) return String.fromCharCode(c0);
        break;
      }
      case 2: {
        const c0 = b[p]!, c1 = b[p + 1]!;
        if ((c0 | c1) < 0x80) return String.fromCharCode(c0, c1);
        break;
      }
      case 3: {
        const c0 = b[p]!, c1 = b[p + 1]!, c2 = b[p + 2]!;
        if ((c0 | c1 | c2) < 0x80) return String.fromCharCode(c0, c1, c2);
        break;
      }
      case 4: {
        const c0 = b[p]!, c1 = b[p + 1]!, c2 = b[p + 2]!, c3 = b[p + 3]!;
        if ((c0 | c1 | c2 | c3) < 0x80) return String.fromCharCode(c0, c1, c2, c3);
        break;
      }
      case 5: {
        const c0 = b[p]!, c1 = b[p + 1]!, c2 = b[p + 2]!, c3 = b[p + 3]!, c4 = b[p + 4]!;
        if ((c0 | c1 | c2 | c3 | c4) < 0x80) return String.fromCharCode(c0, c1, c2, c3, c4);
        break;
      }
      case 6: {
        const c0 = b[p]!, c1 = b[p + 1]!, c2 = b[p + 2]!, c3 = b[p + 3]!, c4 = b[p + 4]!, c5 = b[p + 5]!;
        if ((c0 | c1 | c2 | c3 | c4 | c5) < 0x80) return String.fromCharCode(c0, c1, c2, c3, c4, c5);
        break;
      }
      default: {
        const c0 = b[p]!, c1 = b[p + 1]!, c2 = b[p + 2]!, c3 = b[p + 3]!, c4 = b[p + 4]!, c5 = b[p + 5]!, c6 = b[p + 6]!;
        if ((c0 | c1 | c2 | c3 | c4 | c5 | c6) < 0x80) return String.fromCharCode(c0, c1, c2, c3, c4, c5, c6);
      }
    }
    return utf8.decode(b.subarray(p, p + n));
  }
  if (n < SHORT_TEXT) {
    const units = UNITS[n]!;
    let i = 0;
    for (; i < n; i++) {
      const c = b[p + i]!;
      if (c >= 0x80) break;
      units[i] = c;
    }
    if (i === n) return String.fromCharCode.apply(null, units);
  }
  return utf8.decode(b.subarray(p, p + n));
}

/** Keys up to this many bytes are looked up in the key cache. */
const KEY_MAX = 16;
const KEY_SLOTS = 1024; // a power of two
const keyBytes = new Uint8Array(KEY_SLOTS * KEY_MAX);
const keyLengths = new Uint8Array(KEY_SLOTS); // 0: empty slot
const keyStrings: string[] = new Array<string>(KEY_SLOTS).fill('');

/**
 * {@link text} for a dictionary key. Keys repeat from message to message
 * (`receive_progress`, `publisher`, an application's field names), and a
 * string used as a property key is looked up in the engine's string table on
 * every store unless it is the same string object as before: a small cache,
 * indexed by a hash of the bytes, hands back that object.
 */
export function keyText(b: Uint8Array, p: number, n: number): string {
  if (n === 0 || n > KEY_MAX) return text(b, p, n);
  let h = n;
  for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + b[p + i]!) | 0;
  const slot = (h ^ (h >>> 10)) & (KEY_SLOTS - 1);
  const at = slot * KEY_MAX;
  if (keyLengths[slot] === n) {
    let i = 0;
    while (i < n && keyBytes[at + i] === b[p + i]) i++;
    if (i === n) return keyStrings[slot]!;
  }
  const s = text(b, p, n);
  keyBytes.set(b.subarray(p, p + n), at);
  keyLengths[slot] = n;
  keyStrings[slot] = s;
  return s;
}

/** The UTF-16 length of the text of `n` UTF-8 bytes at `b[p]` (for a length limit; called only when `n` exceeds it). */
export function textLength(b: Uint8Array, p: number, n: number): number {
  let len = 0;
  for (let i = p; i < p + n; i++) {
    const c = b[i]!;
    // Continuation bytes add nothing; a 4-byte sequence is a surrogate pair.
    if ((c & 0xc0) !== 0x80) len += c >= 0xf0 ? 2 : 1;
  }
  return len;
}

/**
 * Set `key` of a dictionary under construction. A `__proto__` key is data:
 * the dictionary loses its prototype first, so that the assignment makes an
 * own property instead of changing the prototype (as `sanitize` leaves such
 * dictionaries).
 */
export function setEntry(obj: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__' && Object.getPrototypeOf(obj) !== null) Object.setPrototypeOf(obj, null);
  obj[key] = v;
}

export function fail(reason: string): never {
  throw new Error(reason);
}

export function truncated(what: string): never {
  return fail(`truncated ${what}`);
}

/** Refuse a value over a limit or outside the data model, with `sanitize`'s wording (a ProtocolViolation, not a malformed frame). */
export function refuse(reason: string): never {
  throw new ProtocolViolation(reason);
}

/** The refusals of the limits, worded as `sanitize` words them. */
export const LIMIT = {
  depth: 'nesting exceeds the depth limit',
  string: 'string exceeds the length limit',
  key: 'dictionary key exceeds the length limit',
  list: 'list exceeds the length limit',
  dict: 'dictionary exceeds the length limit',
  range: 'integer out of range (beyond 2^53)',
  finite: 'non-finite number',
} as const;
