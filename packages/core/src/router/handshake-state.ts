/**
 * The data of a handshake in progress — the `authenticating` and
 * `challenging` states of a {@link RouterSession} — and the authentication
 * requests and verdicts exchanged with the embedding application. Declared
 * below both the session (`session.ts`, which holds it) and the handshake
 * logic (`handshake.ts`, which fills it in and imports the session), so that
 * the session never imports the handshake (layer 4 of the router, see
 * `router.ts`).
 */

import type { CryptosignHello } from '../auth/cryptosign.js';
import type { ScramCredential, ScramHello, ScramServerState } from '../auth/scram.js';
import type { WampcraSalt } from '../auth/wampcra.js';
import type { Hello } from '../messages.js';
import type { Dict } from '../types.js';
import type { AuthMethod, DynamicAuthResult } from './config.js';
import type { SessionInfo } from './peer-info.js';
import type { Invocation } from './dealer.js';
import type { Realm } from './realm.js';

/** The `authmethod` of internal sessions (no authentication, the embedding application vouches). */
export const INTERNAL_AUTHMETHOD = 'trusted';

// ---------------------------------------------------------------------------
// Types

/**
 * What must be checked outside the router core (async work). `dynamic`: run
 * the authenticator; the others: verify the AUTHENTICATE signature.
 */
export type AuthRequest =
  | {
      readonly kind: 'dynamic';
      readonly realm: string;
      readonly authid: string | undefined;
      readonly authmethod: AuthMethod;
      /** HELLO.Details plus `session`, `authmethod`, `transport`, and `ticket` for ticket auth. */
      readonly details: Dict;
      /** What the transport knows of the client, handed to the authenticator as its fourth argument. */
      readonly transport: SessionInfo;
      /**
       * The configured function: a dynamic authenticator (its answer is a
       * principal; for `cookie` and `tls`, `null` passes on), or one half of
       * split WAMP-CRA (the requirement provider, then the identity provider).
       */
      readonly authenticator: (realm: string, authid: string | undefined, details: Dict, transport: SessionInfo) => unknown;
    }
  | {
      readonly kind: 'wampcra';
      /** The shared secret, or the password when `salt` is set (the key is then derived with PBKDF2). */
      readonly secret: string;
      readonly salt: WampcraSalt | undefined;
      readonly challenge: string;
      readonly signature: string;
    }
  | {
      readonly kind: 'cryptosign';
      readonly publicKey: Uint8Array;
      /** hex */
      readonly challenge: string;
      readonly signature: string;
      readonly channelId: Uint8Array | undefined;
    }
  | {
      readonly kind: 'wamp-scram';
      readonly state: ScramServerState;
      readonly signature: string;
      /** AUTHENTICATE.Extra (nonce and channel binding must match). */
      readonly extra: Dict;
    };

/** The answer to an {@link AuthRequest}. */
export type AuthVerdict =
  /** A dynamic authenticator's answer (for `dynamic` requests). */
  | { readonly kind: 'principal'; readonly result: DynamicAuthResult | null }
  /** The signature is right (for the other requests); `authextra` is added to WELCOME.Details.authextra. */
  | { readonly kind: 'verified'; readonly authextra?: Dict }
  /** Refuse: ABORT with `reason` (default `wamp.error.authentication_failed`). */
  | { readonly kind: 'reject'; readonly reason?: string; readonly message?: string };

/** The secret a principal proves knowledge of. */
export type Credential =
  | { readonly kind: 'none' }
  | { readonly kind: 'ticket'; readonly ticket: string }
  | { readonly kind: 'wampcra'; readonly secret: string; readonly salt: WampcraSalt | undefined }
  | { readonly kind: 'cryptosign'; readonly keys: readonly string[] }
  | { readonly kind: 'wamp-scram'; readonly credential: ScramCredential };

/** Who the session is about to be welcomed as, and how it must prove it. */
export interface Principal {
  readonly authid: string;
  readonly authrole: string;
  readonly authprovider: string;
  readonly authextra: Dict | undefined;
  readonly credential: Credential;
}

/** HELLO.Details.authextra as the chosen method reads it. */
export type MethodHello =
  | { readonly kind: 'plain' }
  | { readonly kind: 'cryptosign'; readonly hello: CryptosignHello }
  | { readonly kind: 'wamp-scram'; readonly hello: ScramHello };

/** What the CHALLENGE sent asks the AUTHENTICATE to answer. */
export type ChallengeState =
  | { readonly kind: 'ticket' }
  | { readonly kind: 'wampcra'; readonly challenge: string }
  | { readonly kind: 'cryptosign'; readonly challenge: string; readonly publicKey: Uint8Array; readonly channelId: Uint8Array | undefined }
  | { readonly kind: 'wamp-scram'; readonly state: ScramServerState };

/** What the handshake is waiting for while the session is `authenticating`. */
export type PendingAuth =
  | { readonly kind: 'lookup' }
  | { readonly kind: 'procedure'; readonly invocation: Invocation }
  | { readonly kind: 'verify' };

/** The data of the `authenticating` and `challenging` states. */
export interface Handshake {
  readonly realm: Realm;
  readonly hello: Hello;
  readonly sessionId: number;
  /** The method being tried: the first the client offered that the realm accepts, then the next while transport methods pass on. */
  method: AuthMethod | typeof INTERNAL_AUTHMETHOD;
  /** The methods still to try, in the client's order, when the current one is a transport method that passes on. */
  readonly remaining: AuthMethod[];
  /** HELLO.Details.authid, if the client sent one. */
  readonly requestedAuthid: string | undefined;
  methodHello: MethodHello;
  /** Split WAMP-CRA: `identity` once the signature verified and the identity provider runs. */
  stage: 'identity' | undefined;
  principal: Principal | undefined;
  challenge: ChallengeState | undefined;
  pending: PendingAuth | undefined;
}

