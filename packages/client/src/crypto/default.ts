/**
 * The CryptoProvider a `Session` uses when the application passes none:
 * `webCryptoProvider()`, loaded on first use. Only wampcra, cryptosign and
 * wamp-scram need cryptography, so a bundle of an application that never
 * authenticates with them carries this shim and not the provider (bundlers
 * split the dynamic import into a chunk of its own).
 *
 * It behaves as `webCryptoProvider()` does: creating it throws where
 * `crypto.subtle` is missing, and `randomBytes` (the one synchronous
 * primitive, needed before HELLO) is served here directly.
 */

import type { CryptoProvider } from '@wamp/core';
import { platformWebCrypto, webRandomBytes } from './platform.js';

export function defaultCryptoProvider(): CryptoProvider {
  const webcrypto = platformWebCrypto(undefined);
  let loading: Promise<CryptoProvider> | undefined;
  const web = (): Promise<CryptoProvider> =>
    (loading ??= import('./web.js').then((m) => m.webCryptoProvider({ crypto: webcrypto })));
  return {
    randomBytes: (n) => webRandomBytes(webcrypto, n),
    sha256: async (data) => (await web()).sha256(data),
    hmacSha256: async (key, data) => (await web()).hmacSha256(key, data),
    pbkdf2Sha256: async (password, salt, iterations, keyLength) =>
      (await web()).pbkdf2Sha256(password, salt, iterations, keyLength),
    argon2id: async (password, salt, params) => (await web()).argon2id(password, salt, params),
    ed25519PublicKey: async (seed) => (await web()).ed25519PublicKey(seed),
    ed25519Sign: async (seed, message) => (await web()).ed25519Sign(seed, message),
    ed25519Verify: async (publicKey, message, signature) => (await web()).ed25519Verify(publicKey, message, signature),
  };
}
