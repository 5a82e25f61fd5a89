/**
 * The types of the authentication methods (auth.ts), apart so that the
 * attempts loaded on demand (auth-attempts.ts) share them without importing
 * the module that loads them.
 */

import type { CryptoProvider, CryptosignChannelBinding, Dict, ScramCostLimits, ScramLegacyCostLimits } from '@wamp/core';
import type { Transport } from './transport.js';

/** What an authentication method may use while a session joins. */
export interface AuthContext {
  /** HELLO.Details.authid, if the application gave one. */
  readonly authid: string | undefined;
  /** The transport the session runs on (for TLS channel binding). */
  readonly transport: Transport;
  /**
   * The CryptoProvider of the session (created on first use): the join
   * options' `crypto`, else the `defaultCrypto` of the first method that has one.
   */
  crypto(): CryptoProvider;
}

/** The answer to a CHALLENGE: AUTHENTICATE.Signature and AUTHENTICATE.Extra. */
export interface AuthResponse {
  readonly signature: string;
  readonly extra?: Dict;
}

/** One authentication in progress; a method makes a fresh one for every join, so nonces never repeat. */
export interface AuthAttempt {
  /** Keys this method adds to HELLO.Details.authextra. */
  readonly authextra?: Dict;
  /** Answer the router's CHALLENGE.Extra for this method. */
  respond(extra: Dict): Promise<AuthResponse>;
  /** Check WELCOME.Details when the router authenticated with this method (mutual authentication); throw to refuse it. */
  verifyWelcome?(details: Dict): void;
}

/** An authentication method the session offers in HELLO and runs when the router challenges with it. */
export interface AuthMethod {
  /** The name in HELLO.Details.authmethods and CHALLENGE.AuthMethod. */
  readonly name: string;
  /** Whether HELLO must carry an authid for this method (ticket, wampcra, wamp-scram). */
  readonly needsAuthid: boolean;
  /**
   * The CryptoProvider to use when the application passes none
   * (`JoinOptions.crypto`): `webCryptoProvider` for wampcra, cryptosign and
   * wamp-scram. It is named here rather than in the Session so that an
   * application using none of these methods does not carry it.
   */
  readonly defaultCrypto?: () => CryptoProvider;
  /** Begin an authentication: returns the attempt that answers the CHALLENGE and checks the WELCOME. */
  start(context: AuthContext): Promise<AuthAttempt>;
}

/** A secret, or a function that yields it at each join (a token that may have been renewed). */
export type Secret = string | (() => string | Promise<string>);

/** Options of {@link cryptosign} beyond the private key. */
export interface CryptosignOptions {
  /**
   * TLS channel binding to ask for (`tls-unique`, `tls-exporter`); the
   * transport must provide the channel ID through `channelBinding()`.
   */
  readonly channelBinding?: CryptosignChannelBinding;
  /** More HELLO.Details.authextra keys (e.g. `trustroot`). */
  readonly authextra?: Dict;
  /**
   * Router authentication: the router's Ed25519 public key (64 hex digits
   * or 32 bytes), pinned. A random challenge goes in
   * HELLO.Details.authextra; the CHALLENGE must carry this `pubkey` and a
   * `signature` over that challenge (XOR the TLS channel ID when the session
   * is channel-bound) that verifies, or the client aborts with
   * `wamp.error.authentication_failed` and `join()` rejects.
   */
  readonly routerKey?: string | Uint8Array;
}

/** Options of {@link scram} beyond the password. */
export interface ScramOptions {
  /** Channel binding type (`tls-unique`, `tls-server-end-point`); the transport must provide its data. */
  readonly channelBinding?: string;
  /** Refuse challenges whose KDF costs fall outside these bounds (a rogue router asking for a weak hash). */
  readonly limits?: Partial<ScramCostLimits>;
}

/** Options of {@link scramLegacy}. */
export interface ScramLegacyOptions {
  /** Refuse challenges whose Argon2 costs fall outside these bounds (default 1..10 000 passes, 64 KiB..256 MiB). */
  readonly limits?: Partial<ScramLegacyCostLimits>;
}
