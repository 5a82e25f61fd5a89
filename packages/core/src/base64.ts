/**
 * Base64 (RFC 4648, standard alphabet, padded) without Node's Buffer, so the
 * core runs unchanged in browsers. Used for JSON's binary convention
 * (`"\u0000" + base64`) and by the authentication methods.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CODES = new Uint8Array(64);
const LOOKUP = new Int16Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) {
  CODES[i] = ALPHABET.charCodeAt(i);
  LOOKUP[ALPHABET.charCodeAt(i)] = i;
}

// Base64 text is ASCII, which every decoder label maps the same way.
const ascii = new TextDecoder('latin1');

/** Below this many bytes, building the string directly beats a TextDecoder call. */
const SMALL = 48;

/** Standard base64 (RFC 4648, with padding) of `bytes`. */
export function base64Encode(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n < SMALL) return base64EncodeSmall(bytes);
  // Larger inputs: ASCII codes into a buffer, turned into a string in one
  // native call instead of a chain of concatenations.
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = CODES[v >> 18]!;
    out[o++] = CODES[(v >> 12) & 63]!;
    out[o++] = CODES[(v >> 6) & 63]!;
    out[o++] = CODES[v & 63]!;
  }
  if (i < n) {
    const b1 = i + 1 < n ? bytes[i + 1]! : 0;
    const v = (bytes[i]! << 16) | (b1 << 8);
    out[o++] = CODES[v >> 18]!;
    out[o++] = CODES[(v >> 12) & 63]!;
    out[o++] = i + 1 < n ? CODES[(v >> 6) & 63]! : 61; /* = */
    out[o++] = 61;
  }
  return ascii.decode(out);
}

function base64EncodeSmall(bytes: Uint8Array): string {
  let out = '';
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]! + ALPHABET[v & 63]!;
  }
  if (i < n) {
    const b0 = bytes[i]!;
    const b1 = i + 1 < n ? bytes[i + 1]! : 0;
    const v = (b0 << 16) | (b1 << 8);
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]!;
    out += i + 1 < n ? ALPHABET[(v >> 6) & 63]! + '=' : '==';
  }
  return out;
}

/**
 * Decode base64 starting at `start`; padding is optional. Returns undefined for
 * malformed input instead of throwing, so callers decide what the fault is.
 */
export function base64Decode(s: string, start = 0): Uint8Array | undefined {
  let end = s.length;
  while (end > start && s.charCodeAt(end - 1) === 61 /* = */) end--;
  if (s.length - end > 2) return undefined;
  const len = end - start;
  if (len % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  let i = start;
  // Whole groups of four characters: three bytes each. A character outside
  // the alphabet looks up -1, which makes the combined value negative.
  const whole = start + (len - (len % 4));
  for (; i < whole; i += 4) {
    const c0 = s.charCodeAt(i);
    const c1 = s.charCodeAt(i + 1);
    const c2 = s.charCodeAt(i + 2);
    const c3 = s.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) > 0xff) return undefined;
    const v = (LOOKUP[c0]! << 18) | (LOOKUP[c1]! << 12) | (LOOKUP[c2]! << 6) | LOOKUP[c3]!;
    if (v < 0) return undefined;
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 0xff;
    out[o++] = v & 0xff;
  }
  let acc = 0;
  let bits = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    const v = c <= 0xff ? LOOKUP[c]! : -1;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Lower-case hexadecimal of `bytes`. */
export function hexEncode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}

/** The bytes of a hexadecimal string; `undefined` if it is not one. */
export function hexDecode(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}
