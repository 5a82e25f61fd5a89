/**
 * WAMP-SCRAM (advanced profile, "Salted Challenge Response Authentication"):
 * RFC 5802 / RFC 7677 SCRAM-SHA-256 mapped onto HELLO, CHALLENGE,
 * AUTHENTICATE and WELCOME, with Argon2id or PBKDF2 as the key derivation.
 *
 * The AuthMessage is built exactly as the specification's "AuthMessage"
 * section says (RFC 5802 §7 syntax), so RFC 7677's SCRAM-SHA-256 example is
 * a valid WAMP-SCRAM exchange:
 *
 *     ClientFirstBare    = "n=" + Escape(authid) + ",r=" + client nonce
 *     ServerFirst        = "r=" + nonce + ",s=" + salt + ",i=" + iterations
 *     CBindInput         = IfNull(cbName, "n", "p=" + cbName) + ",," + UnBase64(cbindData or "")
 *     ClientFinalNoProof = "c=" + Base64(CBindInput) + ",r=" + nonce
 *     AuthMessage        = ClientFirstBare + "," + ServerFirst + "," + ClientFinalNoProof
 *
 * Flow. Client: {@link scramClientFirst} → HELLO.Details.authextra;
 * {@link scramClientFinal} on CHALLENGE → AUTHENTICATE; then
 * {@link scramVerifyServerSignature} on WELCOME.Details.authextra.
 * Router: {@link scramParseHello} on HELLO; {@link scramServerChallenge} →
 * CHALLENGE.Extra and a state to keep; {@link scramServerVerify} on
 * AUTHENTICATE → WELCOME (with {@link scramWelcomeAuthextra}) or ABORT.
 */

import { base64Decode, base64Encode } from '../base64.js';
import { ErrorUri, LocalProtocolError, ProtocolViolation } from '../errors.js';
import type { Dict } from '../types.js';
import type { CryptoProvider } from './crypto.js';
import {
  badArgument,
  describeValue,
  integerField,
  requireString,
  saslprep,
  timingSafeEqual,
  utf8,
  xorBytes,
} from './util.js';

const METHOD = 'wamp-scram';
const NONCE_BYTES = 16;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** The key derivation functions of WAMP-SCRAM ("Key Derivation Functions"). */
export type ScramKdf = 'argon2id' | 'pbkdf2';

/**
 * The type strings for {@link ScramKdf} a peer or a configuration may use:
 * the specification's `argon2id13`, Autobahn/Crossbar's `argon2id-13`, and
 * plain `argon2id`.
 */
export type ScramKdfName = ScramKdf | 'argon2id13' | 'argon2id-13';

/** The KDF type string this implementation sends in CHALLENGE.Details.kdf (the specification's table). */
export const SCRAM_KDF_WIRE_NAME: Readonly<Record<ScramKdf, string>> = { argon2id: 'argon2id13', pbkdf2: 'pbkdf2' };

/** The name a KDF type string stands for, or undefined when it is none of the accepted spellings. */
export function parseScramKdf(name: unknown): ScramKdf | undefined {
  switch (name) {
    case 'argon2id':
    case 'argon2id13':
    case 'argon2id-13':
      return 'argon2id';
    case 'pbkdf2':
      return 'pbkdf2';
    default:
      return undefined;
  }
}

/**
 * What a router stores per user ("Data Stored on the Server"): no password,
 * only the salt, KDF parameters, StoredKey and ServerKey (binary values in
 * base64). Produced by {@link scramDeriveCredential}; JSON-safe, so it can
 * live in a configuration file.
 */
export interface ScramCredential {
  kdf: ScramKdfName;
  /** base64 of the per-user random salt. */
  salt: string;
  iterations: number;
  /** Argon2id memory cost in KiB; null (or absent) for PBKDF2. */
  memory?: number | null;
  /** base64 of StoredKey = SHA256(HMAC(SaltedPassword, "Client Key")). */
  stored_key: string;
  /** base64 of ServerKey = HMAC(SaltedPassword, "Server Key"). */
  server_key: string;
}

/** Argon2id parallelism is fixed to 1 ("For WAMP-SCRAM, the parallelism parameter is fixed to 1"). */
const ARGON2_PARALLELISM = 1;
/** Argon2 needs at least 8 KiB per lane. */
const ARGON2_MIN_MEMORY = 8;

/**
 * Defaults of {@link scramDeriveCredential}: OWASP's argon2id recommendation
 * (19 MiB, 2 passes, 1 lane) and 600 000 PBKDF2-SHA256 iterations.
 */
export const SCRAM_DEFAULTS = {
  argon2id: { iterations: 2, memory: 19_456 },
  pbkdf2: { iterations: 600_000 },
} as const;

/**
 * The cost parameters a client accepts in a CHALLENGE. Below the minimums
 * "could be the result of a rogue server attempting to obtain a weak password
 * hash" (the client SHOULD refuse); above the maximums a hostile router would
 * make the client spin or allocate without bound.
 */
export interface ScramCostLimits {
  pbkdf2MinIterations: number;
  pbkdf2MaxIterations: number;
  argon2MinIterations: number;
  argon2MaxIterations: number;
  /** KiB */
  argon2MinMemory: number;
  /** KiB */
  argon2MaxMemory: number;
}

/** The KDF costs a client accepts from a router by default. */
export const DEFAULT_SCRAM_COST_LIMITS: Readonly<ScramCostLimits> = {
  pbkdf2MinIterations: 1000,
  pbkdf2MaxIterations: 10_000_000,
  argon2MinIterations: 1,
  argon2MaxIterations: 64,
  argon2MinMemory: 64,
  argon2MaxMemory: 262_144,
};

// ---------------------------------------------------------------------------
// Client side

/** HELLO.Details.authextra of a SCRAM client, and the nonce to keep for {@link scramClientFinal}. */
export function scramClientFirst(
  crypto: CryptoProvider,
  opts: { channelBinding?: string | null } = {},
): { nonce: string; authextra: Dict } {
  const nonce = base64Encode(crypto.randomBytes(NONCE_BYTES));
  return { nonce, authextra: { nonce, channel_binding: opts.channelBinding ?? null } };
}

/** Channel binding and cost policy of a SCRAM client. */
export interface ScramClientOptions {
  /** The channel binding type sent in HELLO (`tls-unique`, `tls-server-end-point`), if any. */
  channelBinding?: string | null;
  /** The channel binding data of this TLS connection; required when `channelBinding` is set. */
  cbindData?: Uint8Array;
  limits?: Partial<ScramCostLimits>;
}

/** What {@link scramClientFinal} produces. */
export interface ScramClientFinal {
  /** base64 ClientProof: the AUTHENTICATE.Signature. */
  signature: string;
  /** base64 ServerSignature the router must send back in WELCOME; keep it for {@link scramVerifyServerSignature}. */
  expectedServerSignature: string;
  /** AUTHENTICATE.Extra: nonce, channel_binding, cbind_data. */
  authextra: Dict;
}

/**
 * Client side: answer a wamp-scram CHALLENGE. `clientNonce` is the one from
 * {@link scramClientFirst}, `authid` the HELLO.Details.authid. A malformed
 * CHALLENGE.Extra — a nonce that does not extend the client's, a salt that is
 * not base64, an unknown KDF, costs outside the limits — is a
 * ProtocolViolation. A password or authid that SASLprep refuses is a
 * LocalProtocolError.
 */
export async function scramClientFinal(
  crypto: CryptoProvider,
  password: string,
  clientNonce: string,
  challengeExtra: Dict,
  authid: string,
  opts: ScramClientOptions = {},
): Promise<ScramClientFinal> {
  const limits = { ...DEFAULT_SCRAM_COST_LIMITS, ...opts.limits };
  const nonce = requireString(challengeExtra, 'nonce', METHOD);
  // "The client MUST respond with an ABORT message if CHALLENGE.Details.nonce
  // does not begin with the client nonce sent in HELLO.Details.nonce."
  if (!nonce.startsWith(clientNonce) || nonce.length === clientNonce.length || !isNonce(nonce)) {
    throw new ProtocolViolation(
      `CHALLENGE for ${METHOD}: Extra.nonce must be the client nonce followed by a server nonce of printable characters other than ","`,
    );
  }
  const saltText = requireString(challengeExtra, 'salt', METHOD);
  const salt = base64Decode(saltText);
  if (salt === undefined || salt.length === 0) {
    throw new ProtocolViolation(`CHALLENGE for ${METHOD}: Extra.salt must be non-empty base64, got ${describeValue(saltText)}`);
  }
  const kdf = parseScramKdf(challengeExtra['kdf']);
  if (kdf === undefined) {
    throw new ProtocolViolation(
      `CHALLENGE for ${METHOD}: Extra.kdf must be "argon2id13" or "pbkdf2", got ${describeValue(challengeExtra['kdf'])}`,
    );
  }
  const params =
    kdf === 'pbkdf2'
      ? {
          kdf,
          iterations: integerField(challengeExtra, 'iterations', METHOD, {
            min: limits.pbkdf2MinIterations,
            max: limits.pbkdf2MaxIterations,
          }),
          memory: null,
        }
      : {
          kdf,
          iterations: integerField(challengeExtra, 'iterations', METHOD, {
            min: limits.argon2MinIterations,
            max: limits.argon2MaxIterations,
          }),
          memory: integerField(challengeExtra, 'memory', METHOD, {
            min: Math.max(ARGON2_MIN_MEMORY, limits.argon2MinMemory),
            max: limits.argon2MaxMemory,
          }),
        };
  const channelBinding = opts.channelBinding ?? null;
  if (channelBinding !== null && opts.cbindData === undefined) {
    throw badArgument(`scramClientFinal: channel binding ${JSON.stringify(channelBinding)} needs opts.cbindData`);
  }
  const cbindData = channelBinding === null ? null : opts.cbindData!;

  const normalizedAuthid = await saslprepOrThrow(authid, 'authid');
  const salted = await deriveSaltedPassword(crypto, await saslprepOrThrow(password, 'password'), salt, params);
  const clientKey = await crypto.hmacSha256(salted, utf8('Client Key'));
  const storedKey = await crypto.sha256(clientKey);
  const serverKey = await crypto.hmacSha256(salted, utf8('Server Key'));
  const authMessage = scramAuthMessage({
    authid: normalizedAuthid,
    clientNonce,
    nonce,
    salt: saltText,
    iterations: params.iterations,
    channelBinding,
    cbindData,
  });
  const clientSignature = await crypto.hmacSha256(storedKey, utf8(authMessage));
  const serverSignature = await crypto.hmacSha256(serverKey, utf8(authMessage));
  return {
    signature: base64Encode(xorBytes(clientKey, clientSignature)),
    expectedServerSignature: base64Encode(serverSignature),
    authextra: {
      nonce,
      channel_binding: channelBinding,
      cbind_data: cbindData === null ? null : base64Encode(cbindData),
    },
  };
}

/**
 * Client side: does WELCOME.Details.authextra carry the ServerSignature the
 * client expects ("The client SHOULD check the verifier for mutual
 * authentication")? Read from `scram_server_signature` (Crossbar) or
 * `verifier` (the specification; an RFC 5802 `v=` prefix is accepted).
 * Compared in constant time. A WELCOME without either is a
 * ProtocolViolation; a wrong one gives `false`.
 */
export function scramVerifyServerSignature(expectedServerSignature: string, welcomeAuthextra: Dict | undefined): boolean {
  const given = welcomeAuthextra?.['scram_server_signature'] ?? welcomeAuthextra?.['verifier'];
  if (typeof given !== 'string') {
    throw new ProtocolViolation(
      `WELCOME for ${METHOD}: Details.authextra must carry the server signature (scram_server_signature or verifier), got ${describeValue(given)}`,
    );
  }
  const expected = base64Decode(expectedServerSignature);
  if (expected === undefined) throw badArgument('scramVerifyServerSignature: expectedServerSignature is not base64');
  const decoded = base64Decode(given.startsWith('v=') ? given.slice(2) : given);
  if (decoded === undefined) return false;
  return timingSafeEqual(expected, decoded);
}

// ---------------------------------------------------------------------------
// Router side

/** HELLO.Details.authextra of a SCRAM client, checked. */
export interface ScramHello {
  clientNonce: string;
  channelBinding: string | null;
}

/**
 * Router side: read HELLO.Details.authextra of a wamp-scram client. A
 * missing or malformed nonce or channel_binding is a ProtocolViolation.
 */
export function scramParseHello(authextra: Dict | undefined): ScramHello {
  const nonce = authextra?.['nonce'];
  if (typeof nonce !== 'string' || nonce.length === 0 || !isNonce(nonce)) {
    throw new ProtocolViolation(
      `HELLO for ${METHOD}: Details.authextra.nonce must be a base64 nonce, got ${describeValue(nonce)}`,
    );
  }
  const cb = authextra?.['channel_binding'];
  if (cb !== undefined && cb !== null && typeof cb !== 'string') {
    throw new ProtocolViolation(
      `HELLO for ${METHOD}: Details.authextra.channel_binding must be a string or null, got ${describeValue(cb)}`,
    );
  }
  return { clientNonce: nonce, channelBinding: cb ?? null };
}

/** What the router knows about the pending session besides the credential. */
export interface ScramServerChallengeOptions {
  /**
   * HELLO.Details.authid. Required: it is part of the AuthMessage both sides
   * sign (ClientFirstBare = "n=" + Escape(authid) + ...).
   */
  authid?: string;
  /** HELLO.Details.authextra.channel_binding, if the router accepted it. */
  channelBinding?: string | null;
  /** This router's channel binding data for that type (what the client must also see). */
  cbindData?: Uint8Array;
}

/** Everything {@link scramServerVerify} needs, kept by the router between CHALLENGE and AUTHENTICATE. */
export interface ScramServerState {
  /** The authid as HELLO gave it; verification applies SASLprep (RFC 4013) to it. */
  readonly authid: string;
  readonly clientNonce: string;
  /** Client nonce + server nonce, as sent in CHALLENGE.Extra.nonce. */
  readonly nonce: string;
  /** base64 salt, as sent. */
  readonly salt: string;
  readonly iterations: number;
  readonly channelBinding: string | null;
  /** base64 of the router's channel binding data, or null. */
  readonly cbindData: string | null;
  /** base64 StoredKey. */
  readonly storedKey: string;
  /** base64 ServerKey. */
  readonly serverKey: string;
}

/**
 * Router side: CHALLENGE.Extra for a client whose HELLO carried `clientNonce`
 * (see {@link scramParseHello}), and the state to keep for
 * {@link scramServerVerify}. Pass `opts.authid` (HELLO.Details.authid): without
 * it this throws LocalProtocolError. A malformed credential (from the
 * configuration) throws LocalProtocolError too.
 */
export function scramServerChallenge(
  crypto: CryptoProvider,
  credential: ScramCredential,
  clientNonce: string,
  opts: ScramServerChallengeOptions = {},
): { extra: Dict; state: ScramServerState } {
  if (opts.authid === undefined) {
    throw badArgument('scramServerChallenge: opts.authid (HELLO.Details.authid) is required, it is part of the AuthMessage');
  }
  if (clientNonce.length === 0 || !isNonce(clientNonce)) {
    throw new ProtocolViolation(`HELLO for ${METHOD}: Details.authextra.nonce must be a base64 nonce, got ${describeValue(clientNonce)}`);
  }
  const cred = parseScramCredential(credential);
  const channelBinding = opts.channelBinding ?? null;
  if (channelBinding !== null && opts.cbindData === undefined) {
    throw badArgument(`scramServerChallenge: channel binding ${JSON.stringify(channelBinding)} needs opts.cbindData`);
  }
  const nonce = clientNonce + base64Encode(crypto.randomBytes(NONCE_BYTES));
  const kdf = parseScramKdf(cred.kdf)!;
  const extra = {
    nonce,
    salt: cred.salt,
    kdf: SCRAM_KDF_WIRE_NAME[kdf],
    iterations: cred.iterations,
    memory: kdf === 'argon2id' ? cred.memory! : null,
  };
  const state: ScramServerState = {
    // As HELLO gave it: scramServerVerify() applies SASLprep (which may
    // need its tables, loaded asynchronously).
    authid: opts.authid,
    clientNonce,
    nonce,
    salt: cred.salt,
    iterations: cred.iterations,
    channelBinding,
    cbindData: channelBinding === null ? null : base64Encode(opts.cbindData!),
    storedKey: cred.stored_key,
    serverKey: cred.server_key,
  };
  return { extra, state };
}

/**
 * Router side: check AUTHENTICATE.Signature (the base64 ClientProof) against
 * the state of {@link scramServerChallenge}. When AUTHENTICATE.Extra is
 * passed, its nonce and channel binding must also match what the router
 * sent and sees. On success, `serverSignature` is the base64 ServerSignature
 * for WELCOME.Details.authextra ({@link scramWelcomeAuthextra}). A malformed
 * signature is a failed authentication, not an exception.
 */
export async function scramServerVerify(
  crypto: CryptoProvider,
  state: ScramServerState,
  signature: string,
  authenticateExtra?: Dict,
): Promise<{ ok: boolean; serverSignature?: string }> {
  if (authenticateExtra !== undefined && !extraMatches(state, authenticateExtra)) return { ok: false };
  const proof = base64Decode(signature);
  const storedKey = base64Decode(state.storedKey);
  const serverKey = base64Decode(state.serverKey);
  if (storedKey === undefined || serverKey === undefined) throw badArgument('scramServerVerify: state keys are not base64');
  if (proof === undefined || proof.length !== KEY_BYTES) return { ok: false };
  const authMessage = utf8(
    scramAuthMessage({
      // An authid SASLprep refuses cannot be typed by a conforming client; the
      // raw text keeps the exchange going to a failure that reveals nothing.
      authid: (await saslprep(state.authid)) ?? state.authid,
      clientNonce: state.clientNonce,
      nonce: state.nonce,
      salt: state.salt,
      iterations: state.iterations,
      channelBinding: state.channelBinding,
      cbindData: state.cbindData === null ? null : base64Decode(state.cbindData) ?? new Uint8Array(0),
    }),
  );
  const clientSignature = await crypto.hmacSha256(storedKey, authMessage);
  const recoveredStoredKey = await crypto.sha256(xorBytes(clientSignature, proof));
  if (!timingSafeEqual(storedKey, recoveredStoredKey)) return { ok: false };
  return { ok: true, serverSignature: base64Encode(await crypto.hmacSha256(serverKey, authMessage)) };
}

/**
 * WELCOME.Details.authextra members that carry the ServerSignature: both the
 * specification's `verifier` and Crossbar's `scram_server_signature`, so that
 * clients of either kind can check the router.
 */
export function scramWelcomeAuthextra(serverSignature: string): Dict {
  return { verifier: serverSignature, scram_server_signature: serverSignature };
}

/**
 * Compute a credential from a password (user registration, configuration
 * tooling). The salt defaults to 16 random bytes; costs default to
 * {@link SCRAM_DEFAULTS}.
 */
export async function scramDeriveCredential(
  crypto: CryptoProvider,
  password: string,
  opts: { kdf: ScramKdf; salt?: Uint8Array; iterations?: number; memory?: number },
): Promise<ScramCredential> {
  const kdf = parseScramKdf(opts.kdf);
  if (kdf === undefined) throw badArgument(`scramDeriveCredential: unknown kdf ${describeValue(opts.kdf)}`);
  const salt = opts.salt ?? crypto.randomBytes(SALT_BYTES);
  if (salt.length === 0) throw badArgument('scramDeriveCredential: the salt must not be empty');
  const iterations = opts.iterations ?? SCRAM_DEFAULTS[kdf].iterations;
  checkInteger(iterations, 1, 0xffffffff, 'iterations');
  let memory: number | null = null;
  if (kdf === 'argon2id') {
    memory = opts.memory ?? SCRAM_DEFAULTS.argon2id.memory;
    checkInteger(memory, ARGON2_MIN_MEMORY, 0xffffffff, 'memory');
  }
  const salted = await deriveSaltedPassword(crypto, await saslprepOrThrow(password, 'password'), salt, { kdf, iterations, memory });
  const clientKey = await crypto.hmacSha256(salted, utf8('Client Key'));
  return {
    kdf,
    salt: base64Encode(salt),
    iterations,
    memory,
    stored_key: base64Encode(await crypto.sha256(clientKey)),
    server_key: base64Encode(await crypto.hmacSha256(salted, utf8('Server Key'))),
  };
}

/**
 * Check a credential read from a configuration (any JSON value) and return it
 * with its KDF name normalized. Throws LocalProtocolError naming the field.
 */
export function parseScramCredential(value: unknown): ScramCredential & { kdf: ScramKdf; memory: number | null } {
  const fail = (what: string): never => {
    throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `invalid SCRAM credential: ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not an object');
  const v = value as Record<string, unknown>;
  const kdf = parseScramKdf(v['kdf']);
  if (kdf === undefined) return fail(`kdf must be "argon2id" or "pbkdf2", got ${describeValue(v['kdf'])}`);
  for (const key of ['salt', 'stored_key', 'server_key'] as const) {
    const field = v[key];
    const bytes = typeof field === 'string' ? base64Decode(field) : undefined;
    if (bytes === undefined || bytes.length === 0 || (key !== 'salt' && bytes.length !== KEY_BYTES)) {
      return fail(`${key} must be base64${key === 'salt' ? '' : ` of ${KEY_BYTES} bytes`}`);
    }
  }
  const iterations = v['iterations'];
  if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < 1) {
    return fail('iterations must be a positive integer');
  }
  const memory = v['memory'] ?? null;
  if (kdf === 'argon2id' && (typeof memory !== 'number' || !Number.isInteger(memory) || memory < ARGON2_MIN_MEMORY)) {
    return fail(`memory (KiB) must be an integer >= ${ARGON2_MIN_MEMORY} for argon2id`);
  }
  return {
    kdf,
    salt: v['salt'] as string,
    iterations,
    memory: kdf === 'argon2id' ? (memory as number) : null,
    stored_key: v['stored_key'] as string,
    server_key: v['server_key'] as string,
  };
}

// ---------------------------------------------------------------------------

/** The inputs of the AuthMessage, from the first three messages of the exchange. */
export interface ScramAuthMessageParts {
  /** SASLprep-normalized authid (escaped here). */
  authid: string;
  clientNonce: string;
  /** The combined nonce of CHALLENGE and AUTHENTICATE. */
  nonce: string;
  /** The base64 salt exactly as CHALLENGE carried it. */
  salt: string;
  iterations: number;
  channelBinding: string | null;
  cbindData: Uint8Array | null;
}

/** The AuthMessage of the specification's "AuthMessage" section (RFC 5802 §7 syntax). */
export function scramAuthMessage(p: ScramAuthMessageParts): string {
  const clientFirstBare = `n=${escapeSaslName(p.authid)},r=${p.clientNonce}`;
  const serverFirst = `r=${p.nonce},s=${p.salt},i=${p.iterations}`;
  const flag = utf8(p.channelBinding === null ? 'n,,' : `p=${p.channelBinding},,`);
  const data = p.cbindData ?? new Uint8Array(0);
  const cbindInput = new Uint8Array(flag.length + data.length);
  cbindInput.set(flag, 0);
  cbindInput.set(data, flag.length);
  const clientFinalNoProof = `c=${base64Encode(cbindInput)},r=${p.nonce}`;
  return `${clientFirstBare},${serverFirst},${clientFinalNoProof}`;
}

/** RFC 5802 saslname: "," and "=" become "=2C" and "=3D" ("Escape(str)"). */
function escapeSaslName(s: string): string {
  return s.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** RFC 5802 `printable` (%x21-2B / %x2D-7E): what may stand in a nonce. */
function isNonce(s: string): boolean {
  return /^[\x21-\x2b\x2d-\x7e]+$/.test(s);
}

function extraMatches(state: ScramServerState, extra: Dict): boolean {
  if (extra['nonce'] !== state.nonce) return false;
  const cb = extra['channel_binding'] ?? null;
  if (cb !== state.channelBinding) return false;
  const data = extra['cbind_data'] ?? null;
  if (state.cbindData === null) return data === null;
  if (typeof data !== 'string') return false;
  const given = base64Decode(data);
  const expected = base64Decode(state.cbindData);
  return given !== undefined && expected !== undefined && timingSafeEqual(expected, given);
}

async function deriveSaltedPassword(
  crypto: CryptoProvider,
  password: string,
  salt: Uint8Array,
  params: { kdf: ScramKdf; iterations: number; memory: number | null },
): Promise<Uint8Array> {
  const pw = utf8(password);
  if (params.kdf === 'pbkdf2') return crypto.pbkdf2Sha256(pw, salt, params.iterations, KEY_BYTES);
  return crypto.argon2id(pw, salt, {
    iterations: params.iterations,
    memory: params.memory!,
    parallelism: ARGON2_PARALLELISM,
    keyLength: KEY_BYTES,
  });
}

async function saslprepOrThrow(s: string, what: 'password' | 'authid'): Promise<string> {
  const out = await saslprep(s);
  if (out === undefined) {
    throw badArgument(
      `wamp-scram: the ${what} contains a character SASLprep (RFC 4013) prohibits (control, private use, unassigned in Unicode 3.2, or mixed-direction text)`,
    );
  }
  return out;
}

function checkInteger(n: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(n) || n < min || n > max) {
    throw badArgument(`scramDeriveCredential: ${what} must be an integer in [${min}, ${max}]`);
  }
}
