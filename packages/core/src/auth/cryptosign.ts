/**
 * WAMP-Cryptosign (advanced profile, "Cryptosign-based Authentication"):
 * Ed25519 signatures (RFC 8032) over a 32-byte random challenge.
 *
 * "Computing the Signature": without channel binding the message signed is
 * the challenge; with TLS channel binding it is `challenge XOR channel_id`.
 * "The client MUST return the concatenation of the signature and the message
 * signed (96 bytes)", hex-encoded, as AUTHENTICATE.Signature.
 *
 * The same computation serves "Router Authentication": the router signs the
 * client's HELLO.Details.authextra.challenge and the client verifies it.
 */

import { hexDecode, hexEncode } from '../base64.js';
import { ProtocolViolation } from '../errors.js';
import type { Dict } from '../types.js';
import type { CryptoProvider } from './crypto.js';
import { badArgument, describeValue, optionalString, requireString, timingSafeEqual, xorBytes } from './util.js';

const METHOD = 'cryptosign';
const CHALLENGE_BYTES = 32;
const SEED_BYTES = 32;
const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

/** The TLS channel binding types the specification names ("TLS Channel Binding"). */
export type CryptosignChannelBinding = 'tls-unique' | 'tls-exporter';
/** The channel binding types WAMP-Cryptosign names. */
export const CRYPTOSIGN_CHANNEL_BINDINGS: readonly CryptosignChannelBinding[] = ['tls-unique', 'tls-exporter'];

/** A fresh challenge: 32 random bytes, hex-encoded (64 characters). */
export function newChallengeHex(crypto: CryptoProvider): string {
  return hexEncode(crypto.randomBytes(CHALLENGE_BYTES));
}

/** The Ed25519 public key (32 bytes) of a 32-byte private seed. */
export async function cryptosignPublicKey(crypto: CryptoProvider, seed: Uint8Array): Promise<Uint8Array> {
  checkSeed(seed, 'cryptosignPublicKey');
  return crypto.ed25519PublicKey(seed);
}

/**
 * Sign a hex challenge that came from the peer (CHALLENGE.Extra.challenge, or
 * HELLO.Details.authextra.challenge for router authentication). Returns
 * hex(signature (64 bytes) || message (32 bytes)), 192 characters. A challenge
 * that is not 32 bytes of hex is a ProtocolViolation; a bad seed or channel ID
 * is the caller's error (LocalProtocolError).
 */
export async function cryptosignSign(
  crypto: CryptoProvider,
  seed: Uint8Array,
  challengeHex: string,
  channelId?: Uint8Array,
): Promise<string> {
  checkSeed(seed, 'cryptosignSign');
  const challenge = decodeChallenge(challengeHex);
  if (challenge === undefined) {
    throw new ProtocolViolation(
      `${METHOD}: the challenge must be ${CHALLENGE_BYTES} bytes hex-encoded (${2 * CHALLENGE_BYTES} hex digits), got ${describeValue(challengeHex)}`,
    );
  }
  const message = bindToChannel(challenge, channelId, 'cryptosignSign');
  const signature = await crypto.ed25519Sign(seed, message);
  const out = new Uint8Array(SIGNATURE_BYTES + CHALLENGE_BYTES);
  out.set(signature, 0);
  out.set(message, SIGNATURE_BYTES);
  return hexEncode(out);
}

/**
 * Verify a signature that came from the peer against a challenge this side
 * issued. Besides the Ed25519 check, the trailing 32 bytes must be exactly the
 * expected message (challenge, or challenge XOR channel_id), so a signature
 * over some other message is refused. Any malformed signature or public key
 * gives `false`; a malformed *own* challenge or channel ID throws
 * LocalProtocolError.
 */
export async function cryptosignVerify(
  crypto: CryptoProvider,
  publicKey: Uint8Array,
  challengeHex: string,
  signatureHex: string,
  channelId?: Uint8Array,
): Promise<boolean> {
  const challenge = decodeChallenge(challengeHex);
  if (challenge === undefined) {
    throw badArgument(`cryptosignVerify: the challenge must be ${2 * CHALLENGE_BYTES} hex digits`);
  }
  const expected = bindToChannel(challenge, channelId, 'cryptosignVerify');
  if (publicKey.length !== PUBLIC_KEY_BYTES) return false;
  if (signatureHex.length !== 2 * (SIGNATURE_BYTES + CHALLENGE_BYTES)) return false;
  const raw = hexDecode(signatureHex);
  if (raw === undefined) return false;
  const signature = raw.subarray(0, SIGNATURE_BYTES);
  const message = raw.subarray(SIGNATURE_BYTES);
  const sameMessage = timingSafeEqual(expected, message);
  const valid = await crypto.ed25519Verify(publicKey, expected, signature);
  return sameMessage && valid;
}

/** What the client asked for in HELLO and what it needs to answer a CHALLENGE. */
export interface CryptosignClientOptions {
  /** The channel binding type sent in HELLO.Details.authextra.channel_binding, if any. */
  channelBinding?: CryptosignChannelBinding | null;
  /** The 32-byte channel ID of the TLS connection for that binding type. */
  channelId?: Uint8Array;
}

/**
 * HELLO.Details.authextra for cryptosign: the hex public key, plus the
 * channel binding type and a router-authentication challenge when wanted.
 */
export async function cryptosignHelloAuthextra(
  crypto: CryptoProvider,
  seed: Uint8Array,
  opts: { channelBinding?: CryptosignChannelBinding | null; challenge?: string } = {},
): Promise<Dict> {
  const pubkey = hexEncode(await cryptosignPublicKey(crypto, seed));
  const extra: Record<string, unknown> = { pubkey };
  if (opts.channelBinding != null) extra['channel_binding'] = opts.channelBinding;
  if (opts.challenge !== undefined) extra['challenge'] = opts.challenge;
  return extra;
}

/**
 * Client side: AUTHENTICATE.Signature for a cryptosign CHALLENGE whose Extra
 * is `extra`. "The authenticating client MUST verify the actual channel
 * binding in use matches the one it requested": a router that names a binding
 * the client did not ask for is a ProtocolViolation; a router that names none
 * continues without binding, which the specification allows.
 */
export async function cryptosignClientSignature(
  crypto: CryptoProvider,
  seed: Uint8Array,
  extra: Dict,
  opts: CryptosignClientOptions = {},
): Promise<string> {
  const challenge = requireString(extra, 'challenge', METHOD);
  const binding = optionalString(extra, 'channel_binding', METHOD);
  const requested = opts.channelBinding ?? null;
  if (binding === undefined) return cryptosignSign(crypto, seed, challenge);
  if (binding !== requested) {
    throw new ProtocolViolation(
      `CHALLENGE for ${METHOD}: Extra.channel_binding is ${JSON.stringify(binding)} but the client requested ${
        requested === null ? 'none' : JSON.stringify(requested)
      }`,
    );
  }
  if (opts.channelId === undefined) {
    throw badArgument(`cryptosignClientSignature: channel binding ${JSON.stringify(binding)} needs opts.channelId`);
  }
  return cryptosignSign(crypto, seed, challenge, opts.channelId);
}

/** HELLO.Details.authextra of a cryptosign client, checked. */
export interface CryptosignHello {
  /** The client's public key, 32 bytes. */
  pubkey: Uint8Array;
  /** Hex of {@link pubkey}, lower case: the usual key of a principal and the default authid. */
  pubkeyHex: string;
  channelBinding: CryptosignChannelBinding | null;
  /** A client challenge asking the router to authenticate itself ("Router Authentication"). */
  challenge: string | undefined;
}

/**
 * Router side: read HELLO.Details.authextra of a cryptosign client. A missing
 * or malformed `pubkey`, an unknown `channel_binding` or a malformed
 * `challenge` is a ProtocolViolation.
 */
export function cryptosignParseHello(authextra: Dict | undefined): CryptosignHello {
  const ctx = 'HELLO for cryptosign';
  if (authextra === undefined) throw new ProtocolViolation(`${ctx}: Details.authextra with a pubkey is required`);
  const pubkeyHex = authextra['pubkey'];
  const pubkey = typeof pubkeyHex === 'string' && pubkeyHex.length === 2 * PUBLIC_KEY_BYTES ? hexDecode(pubkeyHex) : undefined;
  if (pubkey === undefined) {
    throw new ProtocolViolation(
      `${ctx}: Details.authextra.pubkey must be ${2 * PUBLIC_KEY_BYTES} hex digits, got ${describeValue(pubkeyHex)}`,
    );
  }
  const cb = authextra['channel_binding'];
  if (cb !== undefined && cb !== null && !CRYPTOSIGN_CHANNEL_BINDINGS.includes(cb as CryptosignChannelBinding)) {
    throw new ProtocolViolation(
      `${ctx}: Details.authextra.channel_binding must be one of ${CRYPTOSIGN_CHANNEL_BINDINGS.join(', ')} or null, got ${describeValue(cb)}`,
    );
  }
  // null is "no challenge", as for channel_binding: Autobahn|JS's
  // auth_cryptosign.create_connection sends `challenge: null` (and
  // `trustroot: null`) when it does not ask the router to authenticate.
  const challenge = authextra['challenge'] ?? undefined;
  if (challenge !== undefined && (typeof challenge !== 'string' || decodeChallenge(challenge) === undefined)) {
    throw new ProtocolViolation(
      `${ctx}: Details.authextra.challenge must be ${2 * CHALLENGE_BYTES} hex digits, got ${describeValue(challenge)}`,
    );
  }
  return {
    pubkey,
    pubkeyHex: hexEncode(pubkey),
    channelBinding: (cb ?? null) as CryptosignChannelBinding | null,
    challenge: challenge as string | undefined,
  };
}

/** What the router knows about the connection and itself when it issues a cryptosign challenge. */
export interface CryptosignChallengeOptions {
  /**
   * The channel ID of this TLS connection for the binding type the client
   * asked for; without it the router continues without channel binding.
   */
  channelId?: Uint8Array;
  /** The router's own seed, to answer a client challenge ("Router Authentication"). */
  routerSeed?: Uint8Array;
}

/** A cryptosign challenge as the router issues it: the CHALLENGE.Extra and what verification needs. */
export interface CryptosignChallenge {
  extra: Dict;
  /** The challenge, hex: pass it to {@link cryptosignVerify} with the AUTHENTICATE.Signature. */
  challenge: string;
  /** The channel ID the answer must be bound to, when channel binding is in use. */
  channelId: Uint8Array | undefined;
}

/**
 * Router side: a fresh challenge for `hello`, bound to the channel when the
 * client asked for it and `opts.channelId` is known, and signed with the
 * router's key when the client sent a challenge of its own and
 * `opts.routerSeed` is given (then Extra also carries the router's pubkey).
 */
export async function cryptosignServerChallenge(
  crypto: CryptoProvider,
  hello: CryptosignHello,
  opts: CryptosignChallengeOptions = {},
): Promise<CryptosignChallenge> {
  const challenge = newChallengeHex(crypto);
  const bound = hello.channelBinding !== null && opts.channelId !== undefined;
  const channelId = bound ? opts.channelId : undefined;
  const extra: Record<string, unknown> = { challenge, channel_binding: bound ? hello.channelBinding : null };
  if (hello.challenge !== undefined && opts.routerSeed !== undefined) {
    extra['pubkey'] = hexEncode(await cryptosignPublicKey(crypto, opts.routerSeed));
    extra['signature'] = await cryptosignSign(crypto, opts.routerSeed, hello.challenge, channelId);
  }
  return { extra, challenge, channelId };
}

function checkSeed(seed: Uint8Array, fn: string): void {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw badArgument(`${fn}: the private key must be a ${SEED_BYTES}-byte Ed25519 seed`);
  }
}

function decodeChallenge(hex: string): Uint8Array | undefined {
  if (typeof hex !== 'string' || hex.length !== 2 * CHALLENGE_BYTES) return undefined;
  return hexDecode(hex);
}

function bindToChannel(challenge: Uint8Array, channelId: Uint8Array | undefined, fn: string): Uint8Array {
  if (channelId === undefined) return challenge;
  if (!(channelId instanceof Uint8Array) || channelId.length !== CHALLENGE_BYTES) {
    throw badArgument(`${fn}: the channel ID must be ${CHALLENGE_BYTES} bytes`);
  }
  return xorBytes(challenge, channelId);
}
