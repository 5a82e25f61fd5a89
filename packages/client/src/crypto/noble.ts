/**
 * A CryptoProvider in pure JavaScript (@noble/curves, @noble/hashes), for
 * runtimes that have neither `node:crypto` nor WebCrypto's SubtleCrypto
 * (React Native, some embedded engines, insecure browser contexts where
 * `crypto.subtle` is undefined). Only randomness comes from the platform,
 * and it can be injected.
 */

import { ed25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import type { CryptoProvider } from '@wamp/core';
import { lazyNobleArgon2id } from './argon2.js';

/** Options of {@link nobleCryptoProvider}. */
export interface NobleCryptoProviderOptions {
  /**
   * Source of cryptographically secure random bytes. Defaults to
   * `crypto.getRandomValues` (through @noble/hashes), which throws where the
   * platform has none.
   */
  randomBytes?: (n: number) => Uint8Array;
}

/** getRandomValues (behind noble's randomBytes) fills at most 65536 bytes per call. */
function chunkedRandomBytes(n: number): Uint8Array {
  if (n <= 65536) return nobleRandomBytes(n);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) out.set(nobleRandomBytes(Math.min(65536, n - i)), i);
  return out;
}

/** A CryptoProvider in pure JavaScript (@noble/hashes, @noble/curves), for pages without WebCrypto (plain http). */
export function nobleCryptoProvider(opts: NobleCryptoProviderOptions = {}): CryptoProvider {
  const random = opts.randomBytes ?? chunkedRandomBytes;
  return {
    randomBytes: (n) => random(n),
    sha256: async (data) => sha256(data),
    hmacSha256: async (key, data) => hmac(sha256, key, data),
    pbkdf2Sha256: (password, salt, iterations, keyLength) =>
      pbkdf2Async(sha256, password, salt, { c: iterations, dkLen: keyLength }),
    argon2id: lazyNobleArgon2id,
    ed25519PublicKey: async (seed) => ed25519.getPublicKey(seed),
    ed25519Sign: async (seed, message) => ed25519.sign(message, seed),
    ed25519Verify: async (publicKey, message, signature) => {
      try {
        // zip215: false is RFC 8032 / FIPS 186-5 strict verification, the
        // same acceptance rule as OpenSSL behind node:crypto and WebCrypto.
        return ed25519.verify(signature, message, publicKey, { zip215: false });
      } catch {
        return false;
      }
    },
  };
}
