/**
 * A CryptoProvider on WebCrypto (`crypto.subtle`): SHA-256, HMAC, PBKDF2 and
 * Ed25519, native in modern browsers, Deno, Bun and Node >= 20. Argon2id is
 * not part of WebCrypto: it comes from @noble/hashes, loaded on first use.
 *
 * `crypto.subtle` exists only in secure contexts (https, localhost); on a
 * plain-http page use `nobleCryptoProvider()` instead.
 */

import { base64Decode, type CryptoProvider } from '@wamp/core';
import { lazyNobleArgon2id } from './argon2.js';

/** Options of {@link webCryptoProvider}. */
export interface WebCryptoProviderOptions {
  /** The WebCrypto implementation; defaults to `globalThis.crypto`. */
  crypto?: Crypto;
  /** Replace the argon2id implementation (e.g. a WebAssembly one); defaults to @noble/hashes. */
  argon2id?: CryptoProvider['argon2id'];
}

/** PKCS#8 PrivateKeyInfo for a raw Ed25519 seed (RFC 8410): WebCrypto has no raw private key import. */
const PKCS8_ED25519_PREFIX = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
);
const ED25519 = { name: 'Ed25519' } as const;
const HMAC_SHA256 = { name: 'HMAC', hash: 'SHA-256' } as const;

/**
 * A copy of `data` on its own ArrayBuffer: WebCrypto's BufferSource wants an
 * ArrayBuffer-backed view (not a SharedArrayBuffer), and the copy also keeps
 * the caller's buffer out of the asynchronous operation.
 */
function own(data: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(data.length));
  out.set(data);
  return out;
}

function seedToPkcs8(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  const out = new Uint8Array(new ArrayBuffer(PKCS8_ED25519_PREFIX.length + 32));
  out.set(PKCS8_ED25519_PREFIX, 0);
  out.set(seed, PKCS8_ED25519_PREFIX.length);
  return out;
}

function base64UrlDecode(s: string): Uint8Array | undefined {
  return base64Decode(s.replace(/-/g, '+').replace(/_/g, '/'));
}

/** A CryptoProvider on WebCrypto (`crypto.subtle`, browsers and Node), the default of the methods that need one. */
export function webCryptoProvider(opts: WebCryptoProviderOptions = {}): CryptoProvider {
  const webcrypto = opts.crypto ?? globalThis.crypto;
  if (webcrypto?.subtle === undefined) {
    throw new Error('webCryptoProvider: crypto.subtle is not available here (not a secure context?); use nobleCryptoProvider()');
  }
  const subtle = webcrypto.subtle;
  const argon2id = opts.argon2id ?? lazyNobleArgon2id;

  return {
    randomBytes(n) {
      // getRandomValues fills at most 65536 bytes per call.
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 65536) webcrypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
      return out;
    },
    async sha256(data) {
      return new Uint8Array(await subtle.digest('SHA-256', own(data)));
    },
    async hmacSha256(key, data) {
      // An empty HMAC key is legal (RFC 2104) but WebCrypto refuses a
      // zero-length raw key; HMAC pads keys with zeros to the block size,
      // so one zero byte is the same key.
      const raw = key.length === 0 ? new Uint8Array(1) : own(key);
      const k = await subtle.importKey('raw', raw, HMAC_SHA256, false, ['sign']);
      return new Uint8Array(await subtle.sign('HMAC', k, own(data)));
    },
    async pbkdf2Sha256(password, salt, iterations, keyLength) {
      const k = await subtle.importKey('raw', own(password), 'PBKDF2', false, ['deriveBits']);
      const bits = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: own(salt), iterations }, k, keyLength * 8);
      return new Uint8Array(bits);
    },
    argon2id,
    async ed25519PublicKey(seed) {
      // WebCrypto cannot derive a public key directly, but the JWK export of
      // an Ed25519 private key carries it (`x`, base64url).
      const k = await subtle.importKey('pkcs8', seedToPkcs8(seed), ED25519, true, ['sign']);
      const jwk = await subtle.exportKey('jwk', k);
      const pub = typeof jwk.x === 'string' ? base64UrlDecode(jwk.x) : undefined;
      if (pub === undefined || pub.length !== 32) throw new Error('webCryptoProvider: Ed25519 JWK export carried no public key');
      return pub;
    },
    async ed25519Sign(seed, message) {
      const k = await subtle.importKey('pkcs8', seedToPkcs8(seed), ED25519, false, ['sign']);
      return new Uint8Array(await subtle.sign(ED25519, k, own(message)));
    },
    async ed25519Verify(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      try {
        const k = await subtle.importKey('raw', own(publicKey), ED25519, false, ['verify']);
        return await subtle.verify(ED25519, k, own(signature), own(message));
      } catch {
        return false;
      }
    },
  };
}
