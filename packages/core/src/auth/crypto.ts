/**
 * The cryptographic primitives WAMP authentication needs, injected so that
 * the core stays pure (no `node:crypto`, no global `crypto`). Implementations:
 * WebCrypto in browsers, `node:crypto` in Node, and a well-kept pure-JS
 * library (@noble/hashes) for what neither offers (argon2id).
 *
 * Async throughout because WebCrypto is; `randomBytes` is the exception
 * (`crypto.getRandomValues` is synchronous everywhere).
 */
export interface CryptoProvider {
  /** `n` cryptographically random bytes. */
  randomBytes(n: number): Uint8Array;
  /** SHA-256 of `data`. */
  sha256(data: Uint8Array): Promise<Uint8Array>;
  /** HMAC-SHA-256 of `data` with `key`. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  /** PBKDF2 with HMAC-SHA-256: `keyLength` octets derived from `password` and `salt`. */
  pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number, keyLength: number): Promise<Uint8Array>;
  /** argon2id (version 0x13); `memory` in KiB. */
  argon2id(
    password: Uint8Array,
    salt: Uint8Array,
    params: { iterations: number; memory: number; parallelism: number; keyLength: number },
  ): Promise<Uint8Array>;
  /** The 32-byte Ed25519 public key of a 32-byte private seed. */
  ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array>;
  /** A 64-byte Ed25519 signature (RFC 8032) of `message` with a 32-byte private seed. */
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array>;
  /** Whether `signature` is a valid Ed25519 signature (RFC 8032) of `message` by `publicKey`. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}
