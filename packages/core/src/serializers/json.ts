import { base64Encode } from '../base64.js';
import type { Frame } from '../types.js';
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

/** `wamp.2.json`: text frames; binary as `"\u0000" + base64`. */
export const jsonSerializer: Serializer = Object.freeze({
  name: 'json',
  subprotocol: 'wamp.2.json',
  rawSocketId: 1,
  binary: false,
  binaryStrings: true,
  encode(wire: readonly unknown[]): Frame {
    return JSON.stringify(binaryToStrings(wire));
  },
  decode(frame: Frame): unknown {
    return JSON.parse(typeof frame === 'string' ? frame : decoder.decode(frame));
  },
});
