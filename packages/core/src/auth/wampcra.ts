/**
 * WAMP-CRA, challenge-response with a shared secret (advanced profile,
 * "Challenge Response Authentication"):
 *
 *     signature := base64(HMAC[SHA256]_{secret}(challenge))
 *
 * With salted passwords ("Password Salting") the shared secret is the PBKDF2
 * key derived from the password. Following Autobahn and Crossbar, the key
 * that signs is the base64 TEXT of the derived bytes (its UTF-8 encoding is
 * the HMAC key), not the raw bytes; every deployed implementation does this.
 */

import { base64Decode, base64Encode } from '../base64.js';
import type { Dict } from '../types.js';
import type { CryptoProvider } from './crypto.js';
import { badArgument, integerField, optionalString, requireString, timingSafeEqual, utf8 } from './util.js';

const METHOD = 'wampcra';

/** Defaults of Autobahn's `derive_key`, used when CHALLENGE.Extra omits them. */
export const WAMPCRA_DEFAULT_ITERATIONS = 1000;
/** Default derived key length of salted WAMP-CRA, in octets. */
export const WAMPCRA_DEFAULT_KEYLEN = 32;

/**
 * Bounds on the PBKDF2 parameters a router may ask a client for: a hostile
 * router must not make the client spin for minutes or allocate without bound.
 */
export const WAMPCRA_MAX_ITERATIONS = 10_000_000;
/** Largest derived key length a client accepts, in octets. */
export const WAMPCRA_MAX_KEYLEN = 1024;

/** The salted key: base64 of PBKDF2-HMAC-SHA256(secret, salt, iterations, keyLength). */
export async function wampcraDeriveKey(
  crypto: CryptoProvider,
  secret: string,
  salt: string,
  iterations = WAMPCRA_DEFAULT_ITERATIONS,
  keyLength = WAMPCRA_DEFAULT_KEYLEN,
): Promise<string> {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > WAMPCRA_MAX_ITERATIONS) {
    throw badArgument(`wampcraDeriveKey: iterations must be an integer in [1, ${WAMPCRA_MAX_ITERATIONS}]`);
  }
  if (!Number.isInteger(keyLength) || keyLength < 1 || keyLength > WAMPCRA_MAX_KEYLEN) {
    throw badArgument(`wampcraDeriveKey: keyLength must be an integer in [1, ${WAMPCRA_MAX_KEYLEN}]`);
  }
  const key = await crypto.pbkdf2Sha256(utf8(secret), utf8(salt), iterations, keyLength);
  return base64Encode(key);
}

/** base64(HMAC-SHA256(utf8(key), utf8(challenge))): the AUTHENTICATE.Signature. */
export async function wampcraSign(crypto: CryptoProvider, key: string, challenge: string): Promise<string> {
  return base64Encode(await crypto.hmacSha256(utf8(key), utf8(challenge)));
}

/** What the router puts in CHALLENGE.Extra.challenge (the `session` is the ID the session will get). */
export interface WampcraChallengeInfo {
  authid: string;
  authrole: string;
  /** Defaults to `"wampcra"`. */
  authmethod?: string;
  authprovider: string;
  session: number;
  nonce: string;
  /** UTC, ISO 8601, e.g. `2014-06-22T16:51:41.643Z`; the router passes its clock in. */
  timestamp: string;
}

/**
 * The JSON text of a WAMP-CRA challenge, members in Crossbar's order (authid,
 * authrole, authmethod, authprovider, nonce, timestamp, session), so that a
 * third party that re-derives the string (three-legged authentication) and a
 * log reader see the same bytes.
 */
export function wampcraChallengeString(info: WampcraChallengeInfo): string {
  if (!Number.isSafeInteger(info.session) || info.session < 0) {
    throw badArgument('wampcraChallengeString: session must be a non-negative safe integer');
  }
  return JSON.stringify({
    authid: info.authid,
    authrole: info.authrole,
    authmethod: info.authmethod ?? METHOD,
    authprovider: info.authprovider,
    nonce: info.nonce,
    timestamp: info.timestamp,
    session: info.session,
  });
}

/** The salting parameters a router announces next to a challenge ("Password Salting"). */
export interface WampcraSalt {
  salt: string;
  iterations?: number;
  keylen?: number;
}

/** Router side: CHALLENGE.Extra for `challenge`, with the salting parameters when the secret is salted. */
export function wampcraChallengeExtra(challenge: string, salted?: WampcraSalt): Dict {
  if (salted === undefined) return { challenge };
  return {
    challenge,
    salt: salted.salt,
    iterations: salted.iterations ?? WAMPCRA_DEFAULT_ITERATIONS,
    keylen: salted.keylen ?? WAMPCRA_DEFAULT_KEYLEN,
  };
}

/**
 * Router side: does `signature` (AUTHENTICATE.Signature, from the peer) sign
 * `challenge` with `key`? Compares the decoded MACs in constant time; a
 * signature that is not base64 is simply wrong.
 */
export async function wampcraVerify(
  crypto: CryptoProvider,
  key: string,
  challenge: string,
  signature: string,
): Promise<boolean> {
  const expected = await crypto.hmacSha256(utf8(key), utf8(challenge));
  const given = base64Decode(signature);
  if (given === undefined) return false;
  return timingSafeEqual(expected, given);
}

/**
 * Client side: the AUTHENTICATE.Signature for a CHALLENGE whose Extra is
 * `extra`. When Extra carries `salt`, the secret is first salted with
 * PBKDF2 (`iterations` and `keylen` default to 1000 and 32, Autobahn's
 * defaults). A malformed Extra is the router's fault: ProtocolViolation.
 */
export async function wampcraClientSignature(crypto: CryptoProvider, secret: string, extra: Dict): Promise<string> {
  const challenge = requireString(extra, 'challenge', METHOD);
  const salt = optionalString(extra, 'salt', METHOD);
  let key = secret;
  if (salt !== undefined) {
    const iterations = integerField(extra, 'iterations', METHOD, { min: 1, max: WAMPCRA_MAX_ITERATIONS }, WAMPCRA_DEFAULT_ITERATIONS);
    const keylen = integerField(extra, 'keylen', METHOD, { min: 1, max: WAMPCRA_MAX_KEYLEN }, WAMPCRA_DEFAULT_KEYLEN);
    key = await wampcraDeriveKey(crypto, secret, salt, iterations, keylen);
  }
  return wampcraSign(crypto, key, challenge);
}
