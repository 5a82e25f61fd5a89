import { base64Encode } from '../../base64.js';
import type { Frame } from '../../types.js';
import type { Serializer } from './serializer.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Replace every Uint8Array by the JSON binary convention `"\u0000" + base64`
 * (basic profile, "JSON"). Returns the input itself when it holds no binary,
 * so the common case allocates nothing.
 */
function binaryToStrings(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof Uint8Array) return '\u0000' + base64Encode(v);
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      const t = binaryToStrings(e);
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
    const t = binaryToStrings(e);
    if (t !== e) {
      out ??= { ...o };
      out[k] = t;
    }
  }
  return out ?? v;
}

const TWO_53 = 2n ** 53n;

/**
 * Find an integer literal in JSON text that a double cannot hold exactly
 * (beyond ±2^53, e.g. 9007199254740993, which JSON.parse rounds to
 * 9007199254740992) and that is not the shortest text of a double either (as
 * JSON.stringify writes a large float). Returns its digits, or undefined. Only run when a parsed
 * number was that large: one pass over the text, skipping strings.
 */
export function inexactJsonInteger(text: string): string | undefined {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      i++;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) i++;
        else break;
      }
      const lit = text.slice(start, i);
      // 2^53 has 16 digits: shorter integers are exact; fractions and exponents are floats by intent.
      if (lit.length >= 16 && /^-?\d+$/.test(lit)) {
        const exact = BigInt(lit);
        const parsed = Number(lit);
        // Refused: neither exact, nor the way JSON.stringify writes a double
        // that large (a float by origin, which loses nothing on the way back).
        if ((exact > TWO_53 || exact < -TWO_53) && BigInt(parsed) !== exact && String(parsed) !== lit) return lit;
      }
      continue;
    }
    i++;
  }
  return undefined;
}

/** `wamp.2.json`: text frames; binary as `"\u0000" + base64`. */
export const jsonSerializer: Serializer = Object.freeze({
  name: 'json',
  subprotocol: 'wamp.2.json',
  rawSocketId: 1,
  binary: false,
  binaryStrings: true,
  // Stated, though false is the default, so that the three serializer
  // objects have the same properties in the same order: one hidden class,
  // and the loads of `decodeMessage` see one shape whatever the serializer.
  checksLimits: false,
  encode(wire: readonly unknown[]): Frame {
    return JSON.stringify(binaryToStrings(wire));
  },
  decode(frame: Frame): unknown {
    return JSON.parse(typeof frame === 'string' ? frame : decoder.decode(frame));
  },
});
