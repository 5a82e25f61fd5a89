/**
 * The router's Ed25519 key for cryptosign router authentication, from a
 * 32-byte seed, with `node:crypto` (whose Ed25519 signing is synchronous, as
 * the core's handshake needs).
 */

import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import type { RouterKey } from '@wamp/core';

/** PKCS#8 DER prefix of an Ed25519 private key (RFC 8410), followed by the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A {@link RouterKey} for a 32-byte Ed25519 seed. */
export function nodeRouterKey(seed: Uint8Array): RouterKey {
  if (seed.length !== 32) throw new TypeError('the router key seed must be 32 bytes');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seed)]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  return { publicKey, sign: (message) => new Uint8Array(sign(null, message, key)) };
}
