/**
 * The authentication side of joining (advanced profile "Authentication"): the
 * methods offered in HELLO, their answers to the router's CHALLENGE, and the
 * check of the router's WELCOME (WAMP-SCRAM's verifier). `Session` drives it;
 * the sans-IO core sends and receives the messages.
 */

import {
  ErrorUri,
  LocalProtocolError,
  SessionClosedError,
  TRANSPORT_LOST,
  WampError,
  type CryptoProvider,
  type Dict,
  type JoinParams,
} from '@wamp/core';
import type { AuthAttempt, AuthMethod, AuthResponse } from './auth.js';
import type { Transport } from './transport.js';

/** The part of `JoinOptions` that says who joins where and how it authenticates. */
export interface AuthOptions {
  /** The realm to join (HELLO.Realm). */
  readonly realm: string;
  /** HELLO.Details.authid: who the session claims to be. */
  readonly authid?: string;
  /** HELLO.Details.authrole: the role asked for. */
  readonly authrole?: string;
  /** One or more methods offered in HELLO.Details.authmethods, in order of preference; none means anonymous. */
  readonly auth?: AuthMethod | readonly AuthMethod[];
  /** Extra HELLO.Details.authextra keys, merged under those of the auth methods. */
  readonly authextra?: Dict;
  /**
   * For wampcra, cryptosign and wamp-scram. When absent, the first method
   * with a `defaultCrypto` supplies it (for the built-in ones `webCryptoProvider()`).
   */
  readonly crypto?: CryptoProvider;
}

/** One join's authentication: what each offered method answers. */
export class AuthFlow {
  private constructor(private readonly attempts: ReadonlyMap<string, AuthAttempt>) {}

  /**
   * Start every offered method (some prepare keys first) and compose the
   * HELLO: `authmethods` in order of preference, and `authextra` merged from
   * the options and then each method. Throws a {@link LocalProtocolError}
   * when a method needs an authid that is missing.
   */
  static async start(options: AuthOptions, transport: Transport, transportOpen: () => boolean): Promise<{ flow: AuthFlow; hello: JoinParams }> {
    const methods: readonly AuthMethod[] =
      options.auth === undefined ? [] : Array.isArray(options.auth) ? (options.auth as readonly AuthMethod[]) : [options.auth as AuthMethod];
    for (const m of methods) {
      if (m.needsAuthid && options.authid === undefined) {
        throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `the ${m.name} authentication needs an authid`);
      }
    }
    let crypto = options.crypto;
    // The default provider comes with the methods that need one, so that a
    // session without them does not carry it (nor does its bundle).
    const fallback = methods.find((m) => m.defaultCrypto !== undefined)?.defaultCrypto;
    const context = {
      authid: options.authid,
      transport,
      crypto: (): CryptoProvider => (crypto ??= fallback?.() ?? noCryptoProvider()),
    };
    const attempts = await Promise.all(methods.map((m) => m.start(context)));
    if (!transportOpen()) throw new SessionClosedError(TRANSPORT_LOST, 'transport', {}, 'the transport closed before HELLO');
    let authextra: Dict | undefined = options.authextra;
    for (const a of attempts) if (a.authextra !== undefined) authextra = { ...authextra, ...a.authextra };
    const hello: JoinParams = {
      realm: options.realm,
      ...(options.authid === undefined ? {} : { authid: options.authid }),
      ...(options.authrole === undefined ? {} : { authrole: options.authrole }),
      ...(methods.length === 0 ? {} : { authmethods: methods.map((m) => m.name) }),
      ...(authextra === undefined ? {} : { authextra }),
    };
    return { flow: new AuthFlow(new Map(methods.map((m, i) => [m.name, attempts[i]!]))), hello };
  }

  /**
   * The answer to a CHALLENGE for `authMethod`. Throws (at once) when that
   * method was not offered; the promise rejects when the method cannot answer.
   */
  respond(authMethod: string, extra: Dict): Promise<AuthResponse> {
    const attempt = this.attempts.get(authMethod);
    if (attempt === undefined) {
      throw new WampError(ErrorUri.AUTHENTICATION_FAILED, [`the router asked for ${authMethod}, which this client did not offer`]);
    }
    return attempt.respond(extra);
  }

  /** Check the router's WELCOME.Details with the method that succeeded (WAMP-SCRAM verifies the server signature); throws when it fails. */
  verifyWelcome(details: Dict): void {
    const method = details['authmethod'];
    if (typeof method !== 'string') return;
    this.attempts.get(method)?.verifyWelcome?.(details);
  }
}

function noCryptoProvider(): never {
  throw new LocalProtocolError(
    ErrorUri.INVALID_ARGUMENT,
    'no CryptoProvider: pass `crypto` in the join options (webCryptoProvider(), nobleCryptoProvider(), ...)',
  );
}
