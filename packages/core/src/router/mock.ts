/**
 * Mock credentials for authids a realm does not know, so that the CHALLENGE
 * an unknown authid gets cannot be told from a real one (no authid
 * enumeration). The advanced profile asks this of WAMP-SCRAM ("the server
 * SHOULD send a mock challenge ... consistent for the same authid"); the
 * router does the same for WAMP-CRA with salted passwords.
 *
 * The values are derived with HMAC-SHA256 from a per-router secret and the
 * authid, so that repeated attempts for one authid see the same salt, and
 * without the secret nobody can tell it from a stored one. The crypto
 * provider of the router is asynchronous, and the CHALLENGE is sent in the
 * same step as the HELLO is read, hence the small synchronous SHA-256 here.
 */

import { base64Encode } from '../base64.js';
import type { ScramCredential } from '../auth/scram.js';
import type { WampcraSalt } from '../auth/wampcra.js';

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** SHA-256 (FIPS 180-4) of `data`; synchronous, for short inputs. */
export function sha256Sync(data: Uint8Array): Uint8Array {
  const bitLen = data.length * 8;
  const padded = new Uint8Array((((data.length + 9 + 63) >> 6) << 6));
  padded.set(data);
  padded[data.length] = 0x80;
  const dv = new DataView(padded.buffer);
  dv.setUint32(padded.length - 8, Math.floor(bitLen / 0x100000000));
  dv.setUint32(padded.length - 4, bitLen >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = dv.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!];
    for (let i = 0; i < 64; i++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[i]! + w[i]!) >>> 0;
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] = (h[0]! + a) >>> 0;
    h[1] = (h[1]! + b) >>> 0;
    h[2] = (h[2]! + c) >>> 0;
    h[3] = (h[3]! + d) >>> 0;
    h[4] = (h[4]! + e) >>> 0;
    h[5] = (h[5]! + f) >>> 0;
    h[6] = (h[6]! + g) >>> 0;
    h[7] = (h[7]! + hh) >>> 0;
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) ov.setUint32(i * 4, h[i]!);
  return out;
}

/** HMAC-SHA256 (RFC 2104); synchronous. */
export function hmacSha256Sync(key: Uint8Array, data: Uint8Array): Uint8Array {
  let k = key.length > 64 ? sha256Sync(key) : key;
  const block = new Uint8Array(64);
  block.set(k);
  k = block;
  const inner = new Uint8Array(64 + data.length);
  const outer = new Uint8Array(64 + 32);
  for (let i = 0; i < 64; i++) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  inner.set(data, 64);
  outer.set(sha256Sync(inner), 64);
  return sha256Sync(outer);
}

const utf8 = new TextEncoder();

/** `n` bytes derived from the secret, a purpose label and the authid (HMAC-SHA256 in counter mode). */
export function mockBytes(secret: Uint8Array, purpose: string, authid: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const msg = utf8.encode(`${purpose}\u0000${authid}\u0000`);
  const input = new Uint8Array(msg.length + 1);
  input.set(msg);
  for (let i = 0, block = 0; i < n; block++) {
    input[msg.length] = block;
    const h = hmacSha256Sync(secret, input);
    const take = Math.min(32, n - i);
    out.set(h.subarray(0, take), i);
    i += take;
  }
  return out;
}

const SALT_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A string like `like` (same length, drawn from the same kind of characters), derived from the bytes. */
function shapedLike(like: string, bytes: Uint8Array): string {
  const hex = /^[0-9a-f]+$/.test(like);
  const alphabet = hex ? '0123456789abcdef' : SALT_ALPHABET;
  let s = '';
  for (let i = 0; i < like.length; i++) s += alphabet[bytes[i % bytes.length]! % alphabet.length];
  return s;
}

/**
 * The WAMP-CRA salt parameters shown to an unknown authid: shaped like those
 * of a configured principal (`template`), or none when no principal is salted.
 */
export function mockWampcraSalt(secret: Uint8Array, authid: string, template: WampcraSalt | undefined): WampcraSalt | undefined {
  if (template === undefined) return undefined;
  const bytes = mockBytes(secret, 'wampcra-salt', authid, Math.max(16, template.salt.length));
  return { salt: shapedLike(template.salt, bytes), iterations: template.iterations, keylen: template.keylen };
}

/** A secret nobody knows, for an unknown authid's mock principal: any signature fails against it. */
export function mockSecret(secret: Uint8Array, authid: string): string {
  return base64Encode(mockBytes(secret, 'secret', authid, 32));
}

/**
 * A WAMP-SCRAM credential for an unknown authid: the KDF and cost of a
 * configured principal (`template`), a salt of the same size derived from the
 * authid, and keys nobody can prove.
 */
export function mockScramCredential(secret: Uint8Array, authid: string, template: ScramCredential | undefined): ScramCredential {
  const saltLen = template === undefined ? 16 : Math.max(1, Math.floor((template.salt.replace(/=+$/, '').length * 3) / 4));
  return {
    kdf: template?.kdf ?? 'argon2id',
    salt: base64Encode(mockBytes(secret, 'scram-salt', authid, saltLen)),
    iterations: template?.iterations ?? 2,
    memory: template === undefined ? 19_456 : (template.memory ?? null),
    stored_key: base64Encode(mockBytes(secret, 'scram-stored', authid, 32)),
    server_key: base64Encode(mockBytes(secret, 'scram-server', authid, 32)),
  };
}
