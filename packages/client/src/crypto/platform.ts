/**
 * The platform's WebCrypto, shared by `webCryptoProvider()` and the Session's
 * default provider (`./default.ts`): both refuse a runtime without
 * `crypto.subtle` in the same words, and draw random bytes the same way.
 */

/** `given`, else `globalThis.crypto`; throws where SubtleCrypto is missing (not a secure context). */
export function platformWebCrypto(given: Crypto | undefined): Crypto {
  const webcrypto = given ?? globalThis.crypto;
  if (webcrypto?.subtle === undefined) {
    throw new Error('webCryptoProvider: crypto.subtle is not available here (not a secure context?); use nobleCryptoProvider()');
  }
  return webcrypto;
}

/** `n` random bytes; getRandomValues fills at most 65536 bytes per call. */
export function webRandomBytes(webcrypto: Crypto, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) webcrypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}
