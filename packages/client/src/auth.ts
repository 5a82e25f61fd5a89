/**
 * Authentication methods for `Session.join()` and the `Client`: each one sets
 * what HELLO announces (authmethods, authextra) and answers the router's
 * CHALLENGE (advanced profile "Authentication Methods"). The computations are
 * the pure functions of @wamp/core; the crypto comes from a CryptoProvider.
 * They and the attempts that run them (auth-attempts.ts) are loaded by a
 * dynamic import() when a join starts with a method that needs them, so
 * that a bundler leaves them out of a page's first download.
 */

import { ErrorUri, LocalProtocolError, WampError, hexDecode, hexEncode } from '@wamp/core';
import { webCryptoProvider } from './crypto/web.js';
import type { Transport } from './transport.js';
import type { AuthMethod, CryptosignOptions, ScramLegacyOptions, ScramOptions, Secret } from './auth-types.js';

export type { AuthAttempt, AuthContext, AuthMethod, AuthResponse, CryptosignOptions, ScramLegacyOptions, ScramOptions, Secret } from './auth-types.js';

const reveal = async (secret: Secret): Promise<string> => (typeof secret === 'string' ? secret : secret());

/**
 * The attempts of wampcra, cryptosign, wamp-scram and scram, with the
 * computations of `@wamp/core/auth` they run: loaded on the first join that
 * uses one of these methods, so that a bundle puts them in a lazy chunk.
 */
const attempts = () => import('./auth-attempts.js');

const fail = (message: string): never => {
  throw new WampError(ErrorUri.AUTHENTICATION_FAILED, [message]);
};

/** `scram`, the method name of {@link scramLegacy} (SCRAM_LEGACY_METHOD of @wamp/core). */
const SCRAM_LEGACY_METHOD = 'scram';

/** `anonymous`: no credentials. The router should not challenge it; if it does, the answer is empty. */
export function anonymous(): AuthMethod {
  return {
    name: 'anonymous',
    needsAuthid: false,
    start: async () => ({ respond: async () => ({ signature: '' }) }),
  };
}

/** `ticket` (advanced profile "Ticket-based Authentication"): the ticket itself is the signature. */
export function ticket(secret: Secret): AuthMethod {
  return {
    name: 'ticket',
    needsAuthid: true,
    start: async () => ({ respond: async () => ({ signature: await reveal(secret) }) }),
  };
}

/**
 * `wampcra` (advanced profile "Challenge Response Authentication"): HMAC-SHA256
 * over the challenge; salted with PBKDF2 when the challenge says so.
 */
export function wampcra(secret: Secret): AuthMethod {
  return {
    name: 'wampcra',
    needsAuthid: true,
    defaultCrypto: () => webCryptoProvider(),
    start: async (ctx) => (await attempts()).wampcraAttempt(ctx, secret),
  };
}

/** A transport method: offered in HELLO, never challenged (the router decides from the transport alone). */
function transportMethod(name: string): AuthMethod {
  return {
    name,
    needsAuthid: false,
    start: async () => ({
      respond: async () => {
        throw new WampError(ErrorUri.AUTHENTICATION_FAILED, [`${name}: the router sent a CHALLENGE, but this method has none`]);
      },
    }),
  };
}

/**
 * `cookie` (advanced profile, "Cookie-based Authentication"): the router
 * admits the session by a cookie of the WebSocket upgrade (set by an HTTP
 * route of the application, or by the router itself after an earlier login).
 * The cookie travels with the upgrade: in Node, give it in the WebSocket
 * options' `headers`. Offer it first and a challenge method after it
 * (`auth: [cookie(), ticket(t)]`): without a good cookie the router goes on
 * to the next method.
 */
export function cookie(): AuthMethod {
  return transportMethod('cookie');
}

/**
 * `tls` (advanced profile, "TLS Certificate Authentication"): the router
 * admits the session by the client certificate of the TLS connection (in
 * Node, the `cert` and `key` of the transport's TLS options). As with
 * {@link cookie}, a method offered after it is tried when the certificate
 * does not do.
 */
export function tlsCertificate(): AuthMethod {
  return transportMethod('tls');
}

/**
 * `cryptosign` (advanced profile "Cryptosign-based Authentication"): Ed25519
 * over the router's challenge (XORed with the TLS channel ID when bound).
 * HELLO.Details.authextra carries the public key as `pubkey`.
 */
export function cryptosign(seed: string | Uint8Array, options: CryptosignOptions = {}): AuthMethod {
  const key = typeof seed === 'string' ? hexDecode(seed) : seed;
  if (key === undefined || key.length !== 32) {
    throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'cryptosign: the private key must be a 32-byte seed (64 hex digits)');
  }
  const pinned = options.routerKey === undefined ? undefined : typeof options.routerKey === 'string' ? hexDecode(options.routerKey) : options.routerKey;
  if (options.routerKey !== undefined && (pinned === undefined || pinned.length !== 32)) {
    throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'cryptosign: routerKey must be a 32-byte Ed25519 public key (64 hex digits)');
  }
  return {
    name: 'cryptosign',
    needsAuthid: false,
    defaultCrypto: () => webCryptoProvider(),
    start: async (ctx) => {
      const channelId = options.channelBinding === undefined ? undefined : requireBinding(ctx.transport, options.channelBinding);
      return (await attempts()).cryptosignAttempt(ctx, key, options, pinned && { key: pinned, hex: hexEncode(pinned) }, channelId, fail);
    },
  };
}

/**
 * `wamp-scram` (advanced profile "Salted Challenge Response Authentication"),
 * with Argon2id or PBKDF2 as the router's challenge names. The router's
 * ServerSignature in WELCOME is checked: a router that cannot prove it knows
 * the password is refused.
 */
export function scram(password: Secret, options: ScramOptions = {}): AuthMethod {
  return {
    name: 'wamp-scram',
    needsAuthid: true,
    defaultCrypto: () => webCryptoProvider(),
    start: async (ctx) => {
      const cbindData = options.channelBinding === undefined ? undefined : requireBinding(ctx.transport, options.channelBinding);
      return (await attempts()).scramAttempt(ctx, password, options, cbindData, fail);
    },
  };
}

/**
 * `scram`: the older SCRAM of Crossbar.io and Autobahn|Python (KDF
 * `argon2id-13`), for routers that do not speak the specification's
 * `wamp-scram` yet. Prefer {@link scram} (`wamp-scram`); offer this one
 * after it (`auth: [scram(pw), scramLegacy(pw)]`) where a router may be
 * either. The router's `scram_server_signature` in WELCOME is checked.
 */
export function scramLegacy(password: Secret, options: ScramLegacyOptions = {}): AuthMethod {
  return {
    name: SCRAM_LEGACY_METHOD,
    needsAuthid: true,
    defaultCrypto: () => webCryptoProvider(),
    start: async (ctx) => (await attempts()).scramLegacyAttempt(ctx, password, options, fail),
  };
}

function requireBinding(transport: Transport, type: string): Uint8Array {
  const data = transport.channelBinding?.(type);
  if (data === undefined) {
    throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `the transport provides no ${type} channel binding`);
  }
  return data;
}
