/**
 * End-to-end encryption over Payload Passthru Mode with NaCl's `crypto_box`
 * (X25519 key agreement, XSalsa20-Poly1305), from `tweetnacl`.
 *
 * Both ends of a URI hold one key pair each and the other's public key: the
 * sender seals with (its secret key, the receiver's public key), the receiver
 * opens with (its secret key, the sender's public key) — X25519 gives both the
 * same shared key. The router sees `ppt_scheme: "wamp"`,
 * `ppt_serializer: "cbor"`, `ppt_cipher: "xsalsa20poly1305"`, the key ID, and
 * bytes it cannot read: a 24-byte random nonce followed by the sealed CBOR
 * array `[args, kwargs]`.
 *
 * ```ts
 * import { cryptobox, cryptoboxKeyPair } from '@wamp/client/cryptobox';
 * const alice = cryptoboxKeyPair();
 * const bob = cryptoboxKeyPair();
 * // Alice's session: { passthru: cryptobox([{ keyid: 'k1', uri: 'com.secret', secretKey: alice.secretKey, peerPublicKey: bob.publicKey }]) }
 * // Bob's session:   { passthru: cryptobox([{ keyid: 'k1', uri: 'com.secret', secretKey: bob.secretKey, peerPublicKey: alice.publicKey }]) }
 * ```
 */

import nacl from 'tweetnacl';
import { cborSerializer, type Args, type KwArgs, type Passthru } from '@wamp/core';
import type { DecodedArguments, PassthruCodec } from './passthru.js';

/** The `ppt_scheme` of this codec. */
export const CRYPTOBOX_SCHEME = 'wamp';
/** The `ppt_cipher` of this codec. */
export const CRYPTOBOX_CIPHER = 'xsalsa20poly1305';

const NONCE = nacl.box.nonceLength;

/** One key of the keyring: which URIs it covers and the two halves of the box. */
export interface CryptoboxKey {
  /** `ppt_keyid`: names the key on the wire, so the receiver picks it without guessing. */
  readonly keyid: string;
  /** The URIs it encrypts: this URI and everything under it (`com.secret` covers `com.secret.x`); `''` covers all. */
  readonly uri: string;
  /** This side's X25519 secret key (32 bytes). */
  readonly secretKey: Uint8Array;
  /** The other side's X25519 public key (32 bytes). */
  readonly peerPublicKey: Uint8Array;
}

/** A fresh X25519 key pair (from the platform's CSPRNG, through tweetnacl). */
export function cryptoboxKeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array } {
  return nacl.box.keyPair();
}

interface Ready {
  readonly key: CryptoboxKey;
  /** crypto_box_beforenm: the shared key, computed once. */
  readonly shared: Uint8Array;
}

function covers(prefix: string, uri: string): boolean {
  return prefix === '' || uri === prefix || uri.startsWith(`${prefix}.`);
}

/**
 * A {@link PassthruCodec} that encrypts arguments for the URIs of `keys`
 * (the longest matching `uri` wins; other URIs go in the clear) and opens
 * payloads by their `ppt_keyid`.
 */
export function cryptobox(keys: readonly CryptoboxKey[]): PassthruCodec {
  const ring: Ready[] = keys.map((key) => {
    if (key.secretKey.length !== nacl.box.secretKeyLength || key.peerPublicKey.length !== nacl.box.publicKeyLength) {
      throw new TypeError(`cryptobox key ${key.keyid}: keys must be 32 bytes`);
    }
    return { key, shared: nacl.box.before(key.peerPublicKey, key.secretKey) };
  });
  const byId = new Map(ring.map((r) => [r.key.keyid, r]));
  return {
    scheme: CRYPTOBOX_SCHEME,
    encode(uri: string, args: Args | undefined, kwargs: KwArgs | undefined): Passthru | undefined {
      let best: Ready | undefined;
      for (const r of ring) if (covers(r.key.uri, uri) && (best === undefined || r.key.uri.length > best.key.uri.length)) best = r;
      if (best === undefined) return undefined;
      const plain = cborSerializer.encode([args ?? [], kwargs ?? {}]) as Uint8Array;
      const nonce = nacl.randomBytes(NONCE);
      const sealed = nacl.box.after(plain, nonce, best.shared);
      const payload = new Uint8Array(NONCE + sealed.length);
      payload.set(nonce, 0);
      payload.set(sealed, NONCE);
      return { payload, scheme: CRYPTOBOX_SCHEME, serializer: 'cbor', cipher: CRYPTOBOX_CIPHER, keyid: best.key.keyid };
    },
    decode(_uri: string, p: Passthru): DecodedArguments {
      if (p.cipher !== CRYPTOBOX_CIPHER) throw new Error(`unsupported ppt_cipher ${String(p.cipher)}`);
      if (p.serializer !== 'cbor') throw new Error(`unsupported ppt_serializer ${String(p.serializer)}`);
      const r = p.keyid === undefined ? undefined : byId.get(p.keyid);
      if (r === undefined) throw new Error(`no key ${String(p.keyid)}`);
      if (!(p.payload instanceof Uint8Array) || p.payload.length < NONCE + nacl.box.overheadLength) throw new Error('payload too short');
      const plain = nacl.box.open.after(p.payload.subarray(NONCE), p.payload.subarray(0, NONCE), r.shared);
      if (plain === null) throw new Error(`payload does not open with key ${r.key.keyid}`);
      const inner = cborSerializer.decode(plain);
      if (!Array.isArray(inner) || !Array.isArray(inner[0]) || typeof inner[1] !== 'object' || inner[1] === null || Array.isArray(inner[1])) {
        throw new Error('the opened payload is not [args, kwargs]');
      }
      return { args: inner[0] as Args, kwargs: inner[1] as KwArgs };
    },
  };
}
