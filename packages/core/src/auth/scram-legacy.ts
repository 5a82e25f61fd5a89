/**
 * The older SCRAM variant of Crossbar.io and Autobahn|Python (authmethod
 * `scram`), kept apart from the specification's `wamp-scram` (scram.ts) so
 * that those clients and routers can authenticate with this library. It
 * differs from WAMP-SCRAM in four places:
 *
 * - the method name `scram`, and the KDF name `argon2id-13` (Argon2id,
 *   version 0x13, parallelism 1, 32-byte hash; PBKDF2 is not offered: the
 *   Autobahn client cannot compute it);
 * - SaltedPassword is not the Argon2 hash itself but its base64 text, as the
 *   PHC string `$argon2id$v=19$m=..,t=..,p=1$<salt>$<hash>` prints it
 *   (standard alphabet, no padding), taken as ASCII octets;
 * - the AuthMessage's ClientFinalNoProof is `c=` followed by the channel
 *   binding as it stands (empty: Crossbar sends none), not the base64 GS2
 *   header, and the authid is SASLprepped but not escaped:
 *
 *       ClientFirstBare    = "n=" + SASLprep(authid) + ",r=" + client nonce
 *       ServerFirst        = "r=" + nonce + ",s=" + salt + ",i=" + iterations
 *       ClientFinalNoProof = "c=" + channel binding + ",r=" + nonce
 *
 * - the combined nonce is base64 of (client nonce octets + 16 router octets),
 *   and the ServerSignature comes back only as WELCOME.Details.authextra
 *   `scram_server_signature`.
 *
 * StoredKey, ServerKey, ClientProof and ServerSignature are computed as in
 * RFC 5802 otherwise, so a credential is the same JSON shape as WAMP-SCRAM's
 * (`kdf`, `salt`, `iterations`, `memory`, `stored_key`, `server_key`), but
 * its keys differ for the same password: derive it with
 * {@link scramLegacyDeriveCredential}.
 *
 * Flow. Client: {@link scramLegacyClientFirst} → HELLO.Details.authextra;
 * {@link scramLegacyClientFinal} on CHALLENGE → AUTHENTICATE; then
 * {@link scramLegacyVerifyWelcome}. Router: {@link scramLegacyParseHello};
 * {@link scramLegacyServerChallenge} → CHALLENGE.Extra and a state;
 * {@link scramLegacyServerVerify} on AUTHENTICATE.
 */

import { base64Decode, base64Encode } from '../base64.js';
import { ProtocolViolation } from '../errors.js';
import type { Dict } from '../types.js';
import type { CryptoProvider } from './crypto.js';
import { parseScramCredential, type ScramCredential } from './scram.js';
import { badArgument, describeValue, integerField, requireString, saslprep, timingSafeEqual, utf8, xorBytes } from './util.js';

/** The authmethod name of this variant. */
export const SCRAM_LEGACY_METHOD = 'scram';
/** The KDF name it sends and expects in CHALLENGE.Extra.kdf. */
export const SCRAM_LEGACY_KDF = 'argon2id-13';

const NONCE_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Argon2 costs a client of this variant accepts. Wider than WAMP-SCRAM's
 * defaults: Autobahn's `derive_scram_credential` uses 4096 passes over
 * 512 KiB.
 */
export interface ScramLegacyCostLimits {
  readonly minIterations: number;
  readonly maxIterations: number;
  /** KiB */
  readonly minMemory: number;
  /** KiB */
  readonly maxMemory: number;
}

/** Default {@link ScramLegacyCostLimits}: 1..10 000 passes, 64 KiB..256 MiB. */
export const DEFAULT_SCRAM_LEGACY_LIMITS: ScramLegacyCostLimits = Object.freeze({ minIterations: 1, maxIterations: 10_000, minMemory: 64, maxMemory: 262_144 });

/** Defaults of {@link scramLegacyDeriveCredential}: those of Autobahn's `derive_scram_credential` (4096 passes, 512 KiB). */
export const SCRAM_LEGACY_DEFAULTS = Object.freeze({ iterations: 4096, memory: 512 });

/**
 * SaltedPassword of this variant: Argon2id (v0x13, parallelism 1, 32
 * octets) of the UTF-8 password, as the ASCII octets of its unpadded base64.
 */
export async function scramLegacySaltedPassword(
  crypto: CryptoProvider,
  password: string,
  salt: Uint8Array,
  iterations: number,
  memory: number,
): Promise<Uint8Array> {
  const hash = await crypto.argon2id(utf8(password), salt, { iterations, memory, parallelism: 1, keyLength: KEY_BYTES });
  return utf8(base64Encode(hash).replace(/=+$/, ''));
}

/** The inputs of this variant's AuthMessage. */
export interface ScramLegacyAuthMessageParts {
  /** SASLprep-normalized authid (not escaped). */
  readonly authid: string;
  /** base64, as HELLO carried it. */
  readonly clientNonce: string;
  /** base64, as CHALLENGE carried it. */
  readonly nonce: string;
  /** base64, as CHALLENGE carried it. */
  readonly salt: string;
  readonly iterations: number;
  /** The channel binding text as it stands in the AuthMessage; empty for none. */
  readonly channelBinding: string;
}

/** This variant's AuthMessage (see the module comment). */
export function scramLegacyAuthMessage(p: ScramLegacyAuthMessageParts): string {
  return `n=${p.authid},r=${p.clientNonce},r=${p.nonce},s=${p.salt},i=${p.iterations},c=${p.channelBinding},r=${p.nonce}`;
}

/** Compute a credential from a password for this variant (user registration, configuration tooling). */
export async function scramLegacyDeriveCredential(
  crypto: CryptoProvider,
  password: string,
  opts: { salt?: Uint8Array; iterations?: number; memory?: number } = {},
): Promise<ScramCredential> {
  const salt = opts.salt ?? crypto.randomBytes(16);
  if (salt.length === 0) throw badArgument('scramLegacyDeriveCredential: the salt must not be empty');
  const iterations = opts.iterations ?? SCRAM_LEGACY_DEFAULTS.iterations;
  const memory = opts.memory ?? SCRAM_LEGACY_DEFAULTS.memory;
  if (!Number.isInteger(iterations) || iterations < 1) throw badArgument('scramLegacyDeriveCredential: iterations must be a positive integer');
  if (!Number.isInteger(memory) || memory < 8) throw badArgument('scramLegacyDeriveCredential: memory (KiB) must be an integer >= 8');
  const salted = await scramLegacySaltedPassword(crypto, password, salt, iterations, memory);
  const clientKey = await crypto.hmacSha256(salted, utf8('Client Key'));
  return {
    kdf: SCRAM_LEGACY_KDF,
    salt: base64Encode(salt),
    iterations,
    memory,
    stored_key: base64Encode(await crypto.sha256(clientKey)),
    server_key: base64Encode(await crypto.hmacSha256(salted, utf8('Server Key'))),
  };
}

// ---------------------------------------------------------------------------
// Client side

/** HELLO.Details.authextra of a client of this variant (`{ nonce }`), and the nonce to keep. */
export function scramLegacyClientFirst(crypto: CryptoProvider): { nonce: string; authextra: Dict } {
  const nonce = base64Encode(crypto.randomBytes(NONCE_BYTES));
  return { nonce, authextra: { nonce } };
}

/** What {@link scramLegacyClientFinal} produces. */
export interface ScramLegacyClientFinal {
  /** base64 ClientProof: AUTHENTICATE.Signature. */
  readonly signature: string;
  /** base64 ServerSignature the router must send back in WELCOME. */
  readonly expectedServerSignature: string;
}

/**
 * Client side: answer a `scram` CHALLENGE. A CHALLENGE whose nonce does not
 * extend the client's, whose KDF is not `argon2id-13`, or whose costs fall
 * outside `limits`, is a ProtocolViolation.
 */
export async function scramLegacyClientFinal(
  crypto: CryptoProvider,
  password: string,
  clientNonce: string,
  challengeExtra: Dict,
  authid: string,
  limits: Partial<ScramLegacyCostLimits> = {},
): Promise<ScramLegacyClientFinal> {
  const l = { ...DEFAULT_SCRAM_LEGACY_LIMITS, ...limits };
  const m = SCRAM_LEGACY_METHOD;
  const nonce = requireString(challengeExtra, 'nonce', m);
  const mine = base64Decode(clientNonce);
  const combined = base64Decode(nonce);
  if (mine === undefined || combined === undefined || combined.length <= mine.length || !timingSafeEqual(mine, combined.subarray(0, mine.length))) {
    throw new ProtocolViolation(`CHALLENGE for ${m}: Extra.nonce must be base64 of the client nonce followed by the router's`);
  }
  if (challengeExtra['kdf'] !== SCRAM_LEGACY_KDF) {
    throw new ProtocolViolation(`CHALLENGE for ${m}: Extra.kdf must be "${SCRAM_LEGACY_KDF}", got ${describeValue(challengeExtra['kdf'])}`);
  }
  const saltText = requireString(challengeExtra, 'salt', m);
  const salt = base64Decode(saltText);
  if (salt === undefined || salt.length === 0) throw new ProtocolViolation(`CHALLENGE for ${m}: Extra.salt must be non-empty base64, got ${describeValue(saltText)}`);
  const iterations = integerField(challengeExtra, 'iterations', m, { min: l.minIterations, max: l.maxIterations });
  const memory = integerField(challengeExtra, 'memory', m, { min: Math.max(8, l.minMemory), max: l.maxMemory });
  const cb = challengeExtra['channel_binding'];
  if (cb !== undefined && cb !== null && typeof cb !== 'string') {
    throw new ProtocolViolation(`CHALLENGE for ${m}: Extra.channel_binding must be a string, got ${describeValue(cb)}`);
  }
  const salted = await scramLegacySaltedPassword(crypto, password, salt, iterations, memory);
  const clientKey = await crypto.hmacSha256(salted, utf8('Client Key'));
  const storedKey = await crypto.sha256(clientKey);
  const serverKey = await crypto.hmacSha256(salted, utf8('Server Key'));
  const authMessage = utf8(
    scramLegacyAuthMessage({ authid: (await saslprep(authid)) ?? authid, clientNonce, nonce, salt: saltText, iterations, channelBinding: cb ?? '' }),
  );
  const clientSignature = await crypto.hmacSha256(storedKey, authMessage);
  return {
    signature: base64Encode(xorBytes(clientKey, clientSignature)),
    expectedServerSignature: base64Encode(await crypto.hmacSha256(serverKey, authMessage)),
  };
}

/**
 * Client side: does WELCOME.Details.authextra carry the expected
 * `scram_server_signature`? Missing is a ProtocolViolation; wrong is false.
 */
export function scramLegacyVerifyWelcome(expectedServerSignature: string, welcomeAuthextra: Dict | undefined): boolean {
  const given = welcomeAuthextra?.['scram_server_signature'];
  if (typeof given !== 'string') {
    throw new ProtocolViolation(`WELCOME for ${SCRAM_LEGACY_METHOD}: Details.authextra.scram_server_signature must be a string, got ${describeValue(given)}`);
  }
  const expected = base64Decode(expectedServerSignature);
  const decoded = base64Decode(given);
  return expected !== undefined && decoded !== undefined && timingSafeEqual(expected, decoded);
}

// ---------------------------------------------------------------------------
// Router side

/** HELLO.Details.authextra of a `scram` client, checked. */
export interface ScramLegacyHello {
  /** base64, as sent. */
  readonly clientNonce: string;
}

/** Router side: read HELLO.Details.authextra. A missing nonce, or one that is not base64, is a ProtocolViolation. */
export function scramLegacyParseHello(authextra: Dict | undefined): ScramLegacyHello {
  const nonce = authextra?.['nonce'];
  const bytes = typeof nonce === 'string' ? base64Decode(nonce) : undefined;
  if (typeof nonce !== 'string' || bytes === undefined || bytes.length === 0 || bytes.length > 256) {
    throw new ProtocolViolation(`HELLO for ${SCRAM_LEGACY_METHOD}: Details.authextra.nonce must be base64 of 1 to 256 octets, got ${describeValue(nonce)}`);
  }
  return { clientNonce: nonce };
}

/** What {@link scramLegacyServerVerify} needs, kept between CHALLENGE and AUTHENTICATE. */
export interface ScramLegacyState {
  /** The authid as HELLO gave it; verification applies SASLprep (RFC 4013) to it. */
  readonly authid: string;
  readonly clientNonce: string;
  readonly nonce: string;
  readonly salt: string;
  readonly iterations: number;
  /** base64 */
  readonly storedKey: string;
  /** base64 */
  readonly serverKey: string;
}

/**
 * Router side: CHALLENGE.Extra (only the keys an Autobahn client accepts)
 * and the state to keep. The credential must be an Argon2id one (any
 * spelling of the name); anything else throws LocalProtocolError.
 */
export function scramLegacyServerChallenge(
  crypto: CryptoProvider,
  credential: ScramCredential,
  hello: ScramLegacyHello,
  authid: string,
): { extra: Dict; state: ScramLegacyState } {
  const cred = parseScramCredential(credential);
  if (cred.kdf !== 'argon2id') throw badArgument(`${SCRAM_LEGACY_METHOD}: the credential must be an argon2id one, not ${cred.kdf}`);
  const mine = base64Decode(hello.clientNonce)!;
  const combined = new Uint8Array(mine.length + NONCE_BYTES);
  combined.set(mine, 0);
  combined.set(crypto.randomBytes(NONCE_BYTES), mine.length);
  const nonce = base64Encode(combined);
  // Only these keys: an Autobahn|Python client refuses a challenge with any other (nonce, kdf, salt, iterations, memory, channel_binding).
  const extra: Dict = { nonce, kdf: SCRAM_LEGACY_KDF, salt: cred.salt, iterations: cred.iterations, memory: cred.memory };
  return {
    extra,
    state: {
      // As HELLO gave it: scramLegacyServerVerify() applies SASLprep.
      authid,
      clientNonce: hello.clientNonce,
      nonce,
      salt: cred.salt,
      iterations: cred.iterations,
      storedKey: cred.stored_key,
      serverKey: cred.server_key,
    },
  };
}

/**
 * Router side: check AUTHENTICATE.Signature (base64 ClientProof). On success,
 * `authextra` is what WELCOME.Details.authextra must carry
 * (`scram_server_signature`). A malformed signature fails, never throws.
 */
export async function scramLegacyServerVerify(
  crypto: CryptoProvider,
  state: ScramLegacyState,
  signature: string,
): Promise<{ ok: boolean; authextra?: Dict }> {
  const proof = base64Decode(signature);
  const storedKey = base64Decode(state.storedKey);
  const serverKey = base64Decode(state.serverKey);
  if (storedKey === undefined || serverKey === undefined) throw badArgument('scramLegacyServerVerify: state keys are not base64');
  if (proof === undefined || proof.length !== KEY_BYTES) return { ok: false };
  const authMessage = utf8(scramLegacyAuthMessage({ ...state, authid: (await saslprep(state.authid)) ?? state.authid, channelBinding: '' }));
  const clientSignature = await crypto.hmacSha256(storedKey, authMessage);
  const recovered = await crypto.sha256(xorBytes(clientSignature, proof));
  if (!timingSafeEqual(storedKey, recovered)) return { ok: false };
  return { ok: true, authextra: { scram_server_signature: base64Encode(await crypto.hmacSha256(serverKey, authMessage)) } };
}
