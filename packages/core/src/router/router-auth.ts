/**
 * Router authentication for WAMP-Cryptosign (advanced profile,
 * "Cryptosign-based Authentication", "Router Authentication"): a client that
 * puts a 32-byte hex `challenge` in HELLO.Details.authextra gets, in
 * CHALLENGE.Extra, the router's Ed25519 public key (`pubkey`) and its
 * signature over that challenge (`signature`: hex of signature || message,
 * the message being the challenge XOR the TLS channel ID when the session is
 * channel-bound), so that it can check the router against a pinned key.
 *
 * The CHALLENGE is built synchronously inside the handshake, so the router's
 * key comes as a synchronous signer ({@link RouterKey}), injected like the
 * ID generator: the core holds no key material and no crypto library. The
 * Node adapter makes one from a seed with `node:crypto` (whose Ed25519
 * signing is synchronous); the client verifies with its CryptoProvider.
 */

import { hexDecode, hexEncode } from '../base64.js';
import type { Dict } from '../types.js';

/** The router's Ed25519 identity for router authentication. */
export interface RouterKey {
  /** The router's public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** The 64-byte Ed25519 signature (RFC 8032) of `message`. Must not throw for a 32-byte message. */
  sign(message: Uint8Array): Uint8Array;
}

/**
 * The CHALLENGE.Extra entries answering a client challenge (`pubkey`,
 * `signature`), or undefined when the challenge is not 32 bytes of hex
 * (the HELLO parser has refused that already).
 */
export function routerAuthExtra(key: RouterKey, clientChallengeHex: string, channelId: Uint8Array | undefined): Dict | undefined {
  const challenge = clientChallengeHex.length === 64 ? hexDecode(clientChallengeHex) : undefined;
  if (challenge === undefined) return undefined;
  const message = new Uint8Array(32);
  for (let i = 0; i < 32; i++) message[i] = challenge[i]! ^ (channelId === undefined ? 0 : (channelId[i] ?? 0));
  const signature = key.sign(message);
  const out = new Uint8Array(signature.length + message.length);
  out.set(signature, 0);
  out.set(message, signature.length);
  return { pubkey: hexEncode(key.publicKey), signature: hexEncode(out) };
}
