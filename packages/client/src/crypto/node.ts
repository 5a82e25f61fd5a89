/**
 * A CryptoProvider on `node:crypto` (OpenSSL): native PBKDF2 off the main
 * thread, HMAC/SHA-256, and Ed25519 KeyObjects. Argon2id comes from
 * @noble/hashes, loaded on first use.
 *
 * Import it from `@wamp/client/node-crypto`, never from the package root, so
 * that browser bundles of `@wamp/client` do not see `node:crypto`.
 */

import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  pbkdf2,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { CryptoProvider } from '@wamp/core';
import { lazyNobleArgon2id } from './argon2.js';

/**
 * DER prefixes that wrap a raw Ed25519 key (RFC 8410): PKCS#8 PrivateKeyInfo
 * with the 32-byte seed as CurvePrivateKey, and SubjectPublicKeyInfo with the
 * 32-byte public key. OID 1.3.101.112 is id-Ed25519.
 */
const PKCS8_ED25519_PREFIX = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
);
const SPKI_ED25519_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  return createPrivateKey({ key: Buffer.from(concat(PKCS8_ED25519_PREFIX, seed)), format: 'der', type: 'pkcs8' });
}

/** Plain Uint8Array copies: Buffers compare unequal to Uint8Arrays in deep equality and may share a pool. */
function bytes(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf);
}

/** A CryptoProvider on Node's `node:crypto` (argon2id from @noble/hashes). */
export function nodeCryptoProvider(): CryptoProvider {
  return {
    randomBytes: (n) => bytes(randomBytes(n)),
    sha256: async (data) => bytes(createHash('sha256').update(data).digest()),
    hmacSha256: async (key, data) => bytes(createHmac('sha256', key).update(data).digest()),
    pbkdf2Sha256: (password, salt, iterations, keyLength) =>
      new Promise((resolve, reject) => {
        pbkdf2(password, salt, iterations, keyLength, 'sha256', (err, key) => (err ? reject(err) : resolve(bytes(key))));
      }),
    argon2id: lazyNobleArgon2id,
    ed25519PublicKey: async (seed) => {
      const spki = createPublicKey(privateKeyFromSeed(seed)).export({ format: 'der', type: 'spki' });
      return bytes(spki.subarray(SPKI_ED25519_PREFIX.length));
    },
    ed25519Sign: async (seed, message) => bytes(sign(null, message, privateKeyFromSeed(seed))),
    ed25519Verify: async (publicKey, message, signature) => {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      try {
        const key = createPublicKey({ key: Buffer.from(concat(SPKI_ED25519_PREFIX, publicKey)), format: 'der', type: 'spki' });
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}
