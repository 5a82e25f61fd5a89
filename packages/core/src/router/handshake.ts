/**
 * Session opening on the router side: HELLO, authentication method
 * selection, CHALLENGE/AUTHENTICATE, and WELCOME or ABORT (basic profile,
 * "Session Establishment"; advanced profile, "Authentication Methods").
 *
 * Everything here is synchronous and pure. Work that is asynchronous —
 * signature verification (crypto is async) and dynamic authenticator
 * functions — leaves the router as an `authenticate` event carrying an
 * {@link AuthRequest}; the adapter (or `Router.runAuth`) computes an
 * {@link AuthVerdict} and hands it back with `Router.completeAuthentication`.
 * A dynamic authenticator that is a WAMP procedure is called by the router
 * itself, through the dealer: `Dealer.invokeForAuth` gets `AuthOutcome`
 * closures (`peer.ts`) for its answer, so the dealer never imports this module.
 *
 * Each method:
 * - anonymous: WELCOME at once (static), or after the dynamic authenticator.
 * - ticket: CHALLENGE `ticket`; the ticket is checked against the static
 *   principal, or given to the dynamic authenticator (`details.ticket`).
 * - wampcra, cryptosign, wamp-scram: the principal (static, or from the
 *   dynamic authenticator) gives the secret / public keys / credential; the
 *   router sends the CHALLENGE and has the AUTHENTICATE signature verified.
 */

import type { CryptoProvider } from '../auth/crypto.js';
import { cryptosignParseHello, newChallengeHex } from '../auth/cryptosign.js';
import {
  parseScramCredential,
  scramParseHello,
  scramServerChallenge,
  type ScramCredential,
  type ScramServerState,
} from '../auth/scram.js';
import { ticketVerify } from '../auth/ticket.js';
import { wampcraChallengeExtra, wampcraChallengeString } from '../auth/wampcra.js';
import { ErrorUri, ProtocolViolation } from '../errors.js';
import { challenge, welcome, type Authenticate, type Hello } from '../messages.js';
import type { Dict } from '../types.js';
import {
  DEFAULT_AUTH_COOKIE,
  DEFAULT_AUTH_COOKIE_MAX_AGE_MS,
  type AuthMethod,
  type DynamicAuthenticator,
  type DynamicAuthResult,
  type TransportAuthenticator,
} from './config.js';
import type { AuthCookieStore } from './auth-cookies.js';
import type { PeerIdentity, SessionInfo } from './peer-info.js';
import {
  INTERNAL_AUTHMETHOD,
  type AuthRequest,
  type AuthVerdict,
  type Handshake,
  type Principal,
} from './handshake-state.js';
import { Peer, peerFeatures } from './peer.js';
import { authTransportDetails } from './peer-info.js';
import type { Realm } from './realm.js';
import type { RouterSession, SessionHost } from './session.js';
import { mockScramCredential, mockSecret, mockWampcraSalt } from './mock.js';
import { peerAddress, type AuthThrottle } from './throttle.js';
import { isoTimestamp } from './timestamp.js';
import { routerAuthExtra, type RouterKey } from './router-auth.js';
import { RouterUri } from './uris.js';

/**
 * The roles and features a router announces in WELCOME.Details.roles: exactly
 * what this implementation does (advanced profile, "Feature Announcement").
 */
export const ROUTER_ROLES: Dict = Object.freeze({
  broker: Object.freeze({
    features: Object.freeze({
      publisher_identification: true,
      publisher_exclusion: true,
      subscriber_blackwhite_listing: true,
      pattern_based_subscription: true,
      event_retention: true,
      subscription_revocation: true,
      subscription_meta_api: true,
      session_meta_api: true,
      publication_trustlevels: true,
      payload_passthru_mode: true,
      // The spec's spelling ("shareded"), and the one it surely means.
      shareded_subscriptions: true,
      sharded_subscription: true,
      event_history: true,
    }),
  }),
  dealer: Object.freeze({
    features: Object.freeze({
      progressive_call_results: true,
      progressive_call_invocations: true,
      call_canceling: true,
      call_timeout: true,
      caller_identification: true,
      pattern_based_registration: true,
      shared_registration: true,
      registration_revocation: true,
      registration_meta_api: true,
      session_meta_api: true,
      testament_meta_api: true,
      call_trustlevels: true,
      payload_passthru_mode: true,
      sharded_registration: true,
    }),
  }),
});

export { INTERNAL_AUTHMETHOD, type AuthRequest, type AuthVerdict, type Handshake, type PendingAuth } from './handshake-state.js';

/** What the handshake needs of the router (`Router` implements it): besides a session's needs, realms, session IDs and the crypto provider. */
export interface HandshakeHost extends SessionHost {
  /** WELCOME.Details.agent */
  readonly agent: string;
  readonly crypto: CryptoProvider | undefined;
  /** Brute-force throttling of failed logins. */
  readonly authThrottle: AuthThrottle;
  /** The secret mock challenges for unknown authids derive from. */
  readonly mockSecret: Uint8Array;
  /** The key for cryptosign router authentication, if configured. */
  readonly routerKey: RouterKey | undefined;
  /** The `cookie` method's own store: cookie → identity, per realm. */
  readonly authCookies: AuthCookieStore;
  realmByName(name: string): Realm | undefined;
  allocateSessionId(): number;
}

const CLIENT_ROLES = ['caller', 'callee', 'publisher', 'subscriber'];

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function ownEntry<P>(principals: Readonly<Record<string, P>>, key: string | undefined): P | undefined {
  return key !== undefined && Object.prototype.hasOwnProperty.call(principals, key) ? principals[key] : undefined;
}

// ---------------------------------------------------------------------------
// HELLO

export function onHello(router: HandshakeHost, session: RouterSession, hello: Hello, now: number): void {
  const d = hello.details;
  const roles = d['roles'] as Dict;
  if (!CLIENT_ROLES.some((r) => isDict(roles[r]))) {
    session.violate('HELLO.Details.roles announces none of caller, callee, publisher, subscriber', now);
    return;
  }
  const realm = router.realmByName(hello.realm);
  if (realm === undefined) {
    session.abortHandshake(ErrorUri.NO_SUCH_REALM, `no realm "${hello.realm}"`, now, hello);
    return;
  }
  const requestedAuthid = typeof d['authid'] === 'string' ? d['authid'] : undefined;
  const info = session.info;

  if (info.transport === 'internal') {
    const hs = handshake(router, realm, hello, INTERNAL_AUTHMETHOD, [], requestedAuthid);
    session.beginHandshake(hs, now);
    const principal: Principal = {
      authid: info.authid ?? 'internal',
      authrole: info.authrole ?? 'trusted',
      authprovider: 'internal',
      authextra: undefined,
      credential: { kind: 'none' },
    };
    grant(router, session, hs, principal, undefined, now);
    return;
  }

  // The methods the client offers that the realm accepts, in the client's order (HELLO.Details.authmethods,
  // default anonymous). An empty list (Autobahn|C++ sends one) means the same as none, as in Crossbar.
  // The first is tried; a transport method (cookie, tls) that finds no identity passes on to the next.
  const listed = d['authmethods'];
  const offered = Array.isArray(listed) && listed.length > 0 ? (listed as string[]) : ['anonymous'];
  const accepted: AuthMethod[] = [];
  for (const m of offered) {
    if (Object.prototype.hasOwnProperty.call(realm.auth, m) && !accepted.includes(m as AuthMethod)) accepted.push(m as AuthMethod);
  }
  const first = accepted.shift();
  if (first === undefined) {
    session.abortHandshake(ErrorUri.NO_MATCHING_AUTH_METHOD, `realm "${realm.name}" accepts none of ${offered.join(', ')}`, now, hello);
    return;
  }
  const hs = handshake(router, realm, hello, first, accepted, requestedAuthid);
  session.beginHandshake(hs, now);
  startMethod(router, session, hs, now);
}

/** Try `hs.method`: a transport method admits or passes on; the others challenge (or admit anonymous). */
function startMethod(router: HandshakeHost, session: RouterSession, hs: Handshake, now: number): void {
  const method = hs.method as AuthMethod;
  const realm = hs.realm;
  const requestedAuthid = hs.requestedAuthid;
  if (method === 'cookie' || method === 'tls') {
    transportStep(router, session, hs, method, now);
    return;
  }
  hs.methodHello = { kind: 'plain' };
  try {
    const d = hs.hello.details;
    const authextra = isDict(d['authextra']) ? d['authextra'] : undefined;
    if (method === 'cryptosign') hs.methodHello = { kind: 'cryptosign', hello: cryptosignParseHello(authextra) };
    else if (method === 'wamp-scram') hs.methodHello = { kind: 'wamp-scram', hello: scramParseHello(authextra) };
  } catch (e) {
    if (!(e instanceof ProtocolViolation)) throw e;
    session.violate(e.reason, now);
    return;
  }
  if ((method === 'ticket' || method === 'wampcra' || method === 'wamp-scram') && requestedAuthid === undefined) {
    // Advanced profile: for these methods HELLO.Details.authid "MUST be provided".
    session.abortHandshake(ErrorUri.AUTHENTICATION_FAILED, `${method} needs HELLO.Details.authid`, now);
    return;
  }
  if (method !== 'anonymous') {
    // Brute-force throttling: a locked authid or address is refused before any credential is looked at.
    const wait = router.authThrottle.retryAfter(realm.name, requestedAuthid, peerAddress(session.info.peer), now);
    if (wait > 0) {
      session.throttled = true;
      session.abortHandshake(ErrorUri.AUTHENTICATION_FAILED, `too many failed authentication attempts; retry in ${Math.ceil(wait / 1000)} s`, now);
      return;
    }
  }

  const source = realm.auth[method]!;
  if (method === 'ticket') {
    // The ticket arrives with AUTHENTICATE, for static and dynamic principals alike.
    hs.challenge = { kind: 'ticket' };
    session.challenge(hs, challenge('ticket', {}));
    return;
  }
  if (source.type === 'split') {
    // Split WAMP-CRA: the requirement provider gives the secret; the identity provider runs after the signature verified.
    requestDynamic(router, session, hs, source.requirement, baseDetails(session, hs));
    return;
  }
  if (source.type !== 'static') {
    lookup(router, session, hs, source, baseDetails(session, hs), now);
    return;
  }
  // An unknown authid gets a mock CHALLENGE (wampcra, wamp-scram) that fails at AUTHENTICATE like a wrong password.
  const principal = staticPrincipal(router, hs) ?? mockPrincipal(router, hs);
  if (principal === undefined) {
    session.abortHandshake(ErrorUri.AUTHENTICATION_FAILED, 'no such principal', now);
    return;
  }
  proceed(router, session, hs, principal, now);
}

/**
 * A transport method found no identity: try the next method the client
 * offered (a failed cookie check falls back to ticket when the client
 * offered ticket), or refuse with `why` when none is left.
 */
function passOn(router: HandshakeHost, session: RouterSession, hs: Handshake, why: string, now: number): void {
  const next = hs.remaining.shift();
  if (next === undefined) {
    session.abortHandshake(ErrorUri.AUTHENTICATION_FAILED, why, now);
    return;
  }
  hs.method = next;
  hs.principal = undefined;
  startMethod(router, session, hs, now);
}

/** Normalized SHA-256 fingerprint: upper-case hex without colons. */
function fingerprintHex(f: string): string {
  return f.replace(/:/g, '').toUpperCase();
}

function commonName(dn: Readonly<Record<string, string | readonly string[]>>): string | undefined {
  const cn = dn['CN'];
  return typeof cn === 'string' ? cn : cn?.[0];
}

/** The `cookie` and `tls` methods: admit from what the transport knows, ask the authenticator, or pass on. */
function transportStep(router: HandshakeHost, session: RouterSession, hs: Handshake, method: 'cookie' | 'tls', now: number): void {
  const info = session.info;
  if (method === 'cookie') {
    const c = hs.realm.auth.cookie!;
    if (info.http === undefined) {
      passOn(router, session, hs, 'cookie authentication needs a WebSocket transport', now);
      return;
    }
    if (c.type !== 'static') {
      lookup(router, session, hs, c, baseDetails(session, hs), now);
      return;
    }
    const name = c.name ?? DEFAULT_AUTH_COOKIE;
    const value = ownEntry(info.http.cookies, name);
    const known = value === undefined ? undefined : router.authCookies.lookup(hs.realm.name, value, now);
    if (known === undefined || (hs.requestedAuthid !== undefined && hs.requestedAuthid !== known.authid)) {
      const why = value === undefined ? `no ${name} cookie` : known === undefined ? `the ${name} cookie is not known` : `the ${name} cookie is not ${hs.requestedAuthid}'s`;
      passOn(router, session, hs, why, now);
      return;
    }
    grant(router, session, hs, { ...known, authprovider: 'cookie', credential: { kind: 'none' } }, undefined, now);
    return;
  }
  const t = hs.realm.auth.tls!;
  if (info.tls === undefined) {
    passOn(router, session, hs, 'TLS client authentication needs a TLS transport', now);
    return;
  }
  if (t.type !== 'static') {
    lookup(router, session, hs, t, baseDetails(session, hs), now);
    return;
  }
  const cert = info.tls.certificate;
  if (cert === undefined || !info.tls.authorized) {
    passOn(router, session, hs, cert === undefined ? 'no TLS client certificate' : `the TLS client certificate did not verify (${info.tls.authorizationError ?? 'unknown'})`, now);
    return;
  }
  const authid = hs.requestedAuthid ?? commonName(cert.subject) ?? fingerprintHex(cert.fingerprint256);
  const p = t.principals === undefined ? undefined : ownEntry(t.principals, authid);
  if (p !== undefined && p.fingerprints !== undefined && !p.fingerprints.includes(fingerprintHex(cert.fingerprint256))) {
    passOn(router, session, hs, `the TLS client certificate is not one of ${authid}'s`, now);
    return;
  }
  const authrole = p?.authrole ?? t.authrole;
  if (authrole === undefined || (hs.requestedAuthid !== undefined && hs.requestedAuthid !== commonName(cert.subject) && p?.fingerprints === undefined)) {
    // An authid other than the certificate's subject must be pinned to the certificate by fingerprint.
    passOn(router, session, hs, `no TLS principal for ${authid}`, now);
    return;
  }
  grant(router, session, hs, { authid, authrole, authprovider: 'static', authextra: p?.authextra, credential: { kind: 'none' } }, undefined, now);
}

function handshake(
  router: HandshakeHost,
  realm: Realm,
  hello: Hello,
  method: Handshake['method'],
  remaining: AuthMethod[],
  requestedAuthid: string | undefined,
): Handshake {
  return {
    realm,
    hello,
    sessionId: router.allocateSessionId(),
    method,
    remaining,
    requestedAuthid,
    methodHello: { kind: 'plain' },
    stage: undefined,
    principal: undefined,
    challenge: undefined,
    pending: undefined,
  };
}

/** The principal of a static source for the HELLO, or undefined when unknown. */
function staticPrincipal(router: HandshakeHost, hs: Handshake): Principal | undefined {
  const auth = hs.realm.auth;
  const authid = hs.requestedAuthid;
  switch (hs.method) {
    case 'anonymous': {
      const a = auth.anonymous!;
      if (a.type !== 'static') return undefined;
      return { authid: a.authid ?? generatedAuthid(router), authrole: a.authrole, authprovider: 'static', authextra: undefined, credential: { kind: 'none' } };
    }
    case 'wampcra': {
      const s = auth.wampcra!;
      const p = s.type === 'static' ? ownEntry(s.principals, authid) : undefined;
      if (p === undefined) return undefined;
      const salt = p.salt === undefined ? undefined : { salt: p.salt, iterations: p.iterations, keylen: p.keylen };
      return { authid: authid!, authrole: p.authrole, authprovider: 'static', authextra: p.authextra, credential: { kind: 'wampcra', secret: p.secret, salt } };
    }
    case 'cryptosign': {
      const s = auth.cryptosign!;
      if (s.type !== 'static' || hs.methodHello.kind !== 'cryptosign') return undefined;
      const key = hs.methodHello.hello.pubkeyHex;
      // By authid when given; otherwise the principal that lists the key (the key identifies the client).
      const entries: [string, (typeof s.principals)[string]][] =
        authid !== undefined ? (ownEntry(s.principals, authid) ? [[authid, s.principals[authid]!]] : []) : Object.entries(s.principals);
      for (const [id, p] of entries) {
        if (p.authorizedKeys.includes(key)) {
          return { authid: id, authrole: p.authrole, authprovider: 'static', authextra: p.authextra, credential: { kind: 'cryptosign', keys: p.authorizedKeys } };
        }
      }
      return undefined;
    }
    case 'wamp-scram': {
      const s = auth['wamp-scram']!;
      const p = s.type === 'static' ? ownEntry(s.principals, authid) : undefined;
      if (p === undefined) return undefined;
      return { authid: authid!, authrole: p.authrole, authprovider: 'static', authextra: p.authextra, credential: { kind: 'wamp-scram', credential: p } };
    }
    default:
      return undefined;
  }
}

/**
 * A principal for an authid the static source does not know, so that the
 * CHALLENGE looks like a real one (advanced profile, WAMP-SCRAM: "the server
 * SHOULD send a mock challenge"). Its salt is derived from the authid and the
 * router's secret (stable across attempts), its cost and shape copied from a
 * configured principal, and its secret is one nobody knows: AUTHENTICATE
 * fails as for a wrong password.
 */
function mockPrincipal(router: HandshakeHost, hs: Handshake): Principal | undefined {
  const authid = hs.requestedAuthid;
  if (authid === undefined) return undefined;
  const secret = router.mockSecret;
  if (hs.method === 'wampcra') {
    const s = hs.realm.auth.wampcra;
    if (s?.type !== 'static') return undefined;
    const template = Object.values(s.principals)[0];
    const shape = template?.salt === undefined ? undefined : { salt: template.salt, iterations: template.iterations, keylen: template.keylen };
    return {
      authid,
      authrole: template?.authrole ?? 'user',
      authprovider: 'static',
      authextra: undefined,
      credential: { kind: 'wampcra', secret: mockSecret(secret, authid), salt: mockWampcraSalt(secret, authid, shape) },
    };
  }
  if (hs.method === 'wamp-scram') {
    const s = hs.realm.auth['wamp-scram'];
    if (s?.type !== 'static') return undefined;
    const template = Object.values(s.principals)[0];
    return {
      authid,
      authrole: template?.authrole ?? 'user',
      authprovider: 'static',
      authextra: undefined,
      credential: { kind: 'wamp-scram', credential: mockScramCredential(secret, authid, template) },
    };
  }
  return undefined;
}

function generatedAuthid(router: HandshakeHost): string {
  return router.random().toString(36).toUpperCase().padStart(11, '0');
}

/** What a dynamic authenticator gets as `details`: HELLO.Details, and what the router knows. */
function baseDetails(session: RouterSession, hs: Handshake): Dict {
  return { ...hs.hello.details, authmethod: hs.method, session: hs.sessionId, transport: authTransportDetails(session.info) };
}

/** Ask the realm's dynamic authenticator (function: an event for the adapter; procedure: an INVOCATION). */
function lookup(
  router: HandshakeHost,
  session: RouterSession,
  hs: Handshake,
  source: { readonly type: 'dynamic'; readonly authenticator: DynamicAuthenticator | TransportAuthenticator } | { readonly type: 'procedure'; readonly procedure: string; readonly realm?: string },
  details: Dict,
  now: number,
): void {
  if (source.type === 'dynamic') {
    requestDynamic(router, session, hs, source.authenticator, details);
    return;
  }
  const target = router.realmByName(source.realm ?? hs.realm.name);
  const inv = target?.dealer.invokeForAuth(source.procedure, [hs.realm.name, hs.requestedAuthid ?? null, details], {
    result: (args, kwargs, at) => authProcedureResult(router, session, args, kwargs, at),
    failed: (uri, args, at) => authProcedureFailed(session, uri, args, at),
  });
  if (inv === undefined) {
    router.emit({ type: 'warning', code: 'authenticator_unavailable', message: `no trusted callee for ${source.procedure}`, session, sessionId: hs.sessionId });
    session.abortHandshake(ErrorUri.AUTHENTICATION_FAILED, 'the authenticator is not available', now);
    return;
  }
  hs.pending = { kind: 'procedure', invocation: inv };
}

/** Hand a function of the configuration to the adapter (`authenticate` event, `dynamic` request). */
function requestDynamic(
  router: HandshakeHost,
  session: RouterSession,
  hs: Handshake,
  authenticator: (realm: string, authid: string, details: Dict, transport: SessionInfo) => unknown,
  details: Dict,
): void {
  hs.pending = { kind: 'lookup' };
  router.emit({
    type: 'authenticate',
    session,
    request: {
      kind: 'dynamic',
      realm: hs.realm.name,
      authid: hs.requestedAuthid,
      authmethod: hs.method as AuthMethod,
      details,
      transport: session.info,
      authenticator: authenticator as (realm: string, authid: string | undefined, details: Dict, transport: SessionInfo) => unknown,
    },
  });
}

/** With the principal known: WELCOME (anonymous, ticket) or CHALLENGE (the signature methods). */
function proceed(router: HandshakeHost, session: RouterSession, hs: Handshake, principal: Principal, now: number): void {
  hs.principal = principal;
  const crypto = router.crypto;
  const c = principal.credential;
  switch (c.kind) {
    case 'none':
    case 'ticket':
      grant(router, session, hs, principal, undefined, now);
      return;
    case 'wampcra': {
      const text = wampcraChallengeString({
        authid: principal.authid,
        authrole: principal.authrole,
        authmethod: 'wampcra',
        authprovider: principal.authprovider,
        session: hs.sessionId,
        nonce: newChallengeHex(crypto!),
        timestamp: isoTimestamp(now),
      });
      hs.challenge = { kind: 'wampcra', challenge: text };
      session.challenge(hs, challenge('wampcra', wampcraChallengeExtra(text, c.salt)));
      return;
    }
    case 'cryptosign': {
      if (hs.methodHello.kind !== 'cryptosign') return;
      const h = hs.methodHello.hello;
      if (!c.keys.includes(h.pubkeyHex)) {
        session.abortHandshake(ErrorUri.AUTHENTICATION_FAILED, 'the public key is not authorized', now);
        return;
      }
      // TLS channel binding when the client asks for it and the transport knows its channel ID; otherwise
      // the spec lets the router continue without (CHALLENGE.Extra.channel_binding is then null).
      const info = session.info;
      const bound = h.channelBinding !== null && info.channelId !== undefined && info.channelBinding === h.channelBinding;
      const text = newChallengeHex(crypto!);
      hs.challenge = { kind: 'cryptosign', challenge: text, publicKey: h.pubkey, channelId: bound ? info.channelId : undefined };
      // Router authentication: sign the client's challenge, when it sent one and a key is configured.
      const signed = h.challenge !== undefined && router.routerKey !== undefined ? routerAuthExtra(router.routerKey, h.challenge, bound ? info.channelId : undefined) : undefined;
      session.challenge(hs, challenge('cryptosign', { challenge: text, channel_binding: bound ? h.channelBinding : null, ...signed }));
      return;
    }
    case 'wamp-scram': {
      if (hs.methodHello.kind !== 'wamp-scram') return;
      const h = hs.methodHello.hello;
      const info = session.info;
      let cbindData: Uint8Array | undefined;
      if (h.channelBinding !== null) {
        // Spec: the router MUST abort when it does not support the requested channel binding.
        if (info.channelBinding !== h.channelBinding || info.channelId === undefined) {
          session.abortHandshake(ErrorUri.AUTHENTICATION_FAILED, `channel binding ${h.channelBinding} is not available`, now);
          return;
        }
        cbindData = info.channelId;
      }
      let out: { extra: Dict; state: ScramServerState };
      try {
        out = scramServerChallenge(crypto!, c.credential, h.clientNonce, {
          authid: hs.requestedAuthid ?? principal.authid,
          channelBinding: h.channelBinding,
          ...(cbindData !== undefined ? { cbindData } : {}),
        });
      } catch (e) {
        // A credential the configuration or a dynamic authenticator got wrong: tell the operator, not the client.
        router.emit({ type: 'warning', code: 'authenticator_result', message: e instanceof Error ? e.message : String(e), session, sessionId: hs.sessionId });
        session.abortHandshake(ErrorUri.AUTHENTICATION_FAILED, undefined, now);
        return;
      }
      hs.challenge = { kind: 'wamp-scram', state: out.state };
      session.challenge(hs, challenge('wamp-scram', out.extra));
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// AUTHENTICATE

export function onAuthenticate(router: HandshakeHost, session: RouterSession, hs: Handshake, msg: Authenticate, now: number): void {
  const c = hs.challenge;
  const p = hs.principal;
  switch (c?.kind) {
    case 'ticket': {
      const source = hs.realm.auth.ticket!;
      if (source.type !== 'static') {
        lookup(router, session, hs, source, { ...baseDetails(session, hs), ticket: msg.signature }, now);
        return;
      }
      const t = ownEntry(source.principals, hs.requestedAuthid);
      if (t === undefined || !ticketVerify(t.ticket, msg.signature)) {
        session.abortHandshake(ErrorUri.AUTHENTICATION_FAILED, 'invalid ticket', now);
        return;
      }
      const principal: Principal = { authid: hs.requestedAuthid!, authrole: t.authrole, authprovider: 'static', authextra: t.authextra, credential: { kind: 'ticket', ticket: t.ticket } };
      hs.principal = principal;
      grant(router, session, hs, principal, undefined, now);
      return;
    }
    case 'wampcra':
      if (p?.credential.kind !== 'wampcra') return;
      verify(router, session, hs, { kind: 'wampcra', secret: p.credential.secret, salt: p.credential.salt, challenge: c.challenge, signature: msg.signature });
      return;
    case 'cryptosign':
      verify(router, session, hs, { kind: 'cryptosign', publicKey: c.publicKey, challenge: c.challenge, signature: msg.signature, channelId: c.channelId });
      return;
    case 'wamp-scram':
      verify(router, session, hs, { kind: 'wamp-scram', state: c.state, signature: msg.signature, extra: msg.extra });
      return;
    case undefined:
      return;
  }
}

function verify(router: HandshakeHost, session: RouterSession, hs: Handshake, request: AuthRequest): void {
  hs.pending = { kind: 'verify' };
  router.emit({ type: 'authenticate', session, request });
}

// ---------------------------------------------------------------------------
// Verdicts

/**
 * Apply a verdict to a session waiting for one. Returns false when the
 * session no longer waits for it (it closed, or timed out): the verdict is
 * then dropped. A verdict of the wrong kind for the request (`verified` for a
 * dynamic lookup, ...) is refused the same way and never admits anyone.
 */
export function completeAuthentication(router: HandshakeHost, session: RouterSession, verdict: AuthVerdict, now: number): boolean {
  const st = session.state;
  if (st.tag !== 'authenticating') return false;
  const hs = st.handshake;
  const pending = hs.pending;
  if (pending === undefined || pending.kind === 'procedure') return false;
  if (verdict.kind === 'reject') {
    hs.pending = undefined;
    session.abortHandshake(verdict.reason ?? ErrorUri.AUTHENTICATION_FAILED, verdict.message, now);
    return true;
  }
  if (pending.kind === 'lookup') {
    if (verdict.kind !== 'principal') return false;
    hs.pending = undefined;
    dynamicResult(router, session, hs, verdict.result, now);
    return true;
  }
  if (verdict.kind !== 'verified' || hs.principal === undefined) return false;
  hs.pending = undefined;
  const cra = hs.realm.auth.wampcra;
  if (hs.method === 'wampcra' && cra?.type === 'split') {
    // Split WAMP-CRA: only now, with the secret proven, ask who the authid is.
    hs.stage = 'identity';
    requestDynamic(router, session, hs, cra.identity, baseDetails(session, hs));
    return true;
  }
  grant(router, session, hs, hs.principal, verdict.authextra, now);
  return true;
}

/** The authenticator procedure returned (YIELD): its first positional result (or ArgumentsKw) is the principal. */
export function authProcedureResult(router: HandshakeHost, session: RouterSession, args: readonly unknown[] | undefined, kwargs: Dict | undefined, now: number): void {
  const st = session.state;
  if (st.tag !== 'authenticating' || st.handshake.pending?.kind !== 'procedure') return;
  const hs = st.handshake;
  hs.pending = undefined;
  const result = args !== undefined && args.length > 0 ? args[0] : kwargs;
  dynamicResult(router, session, hs, result as DynamicAuthResult, now);
}

/** The authenticator procedure failed (ERROR, or its callee left): ABORT with its error URI. */
export function authProcedureFailed(session: RouterSession, uri: string, args: readonly unknown[] | undefined, now: number): void {
  const st = session.state;
  if (st.tag !== 'authenticating' || st.handshake.pending?.kind !== 'procedure') return;
  st.handshake.pending = undefined;
  const message = args !== undefined && typeof args[0] === 'string' ? args[0] : undefined;
  session.abortHandshake(uri, message, now);
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** Check a dynamic authenticator's answer for the method, then continue as with a static principal. */
function dynamicResult(router: HandshakeHost, session: RouterSession, hs: Handshake, result: unknown, now: number): void {
  const fail = (why: string): void => {
    router.emit({ type: 'warning', code: 'authenticator_result', message: why, session, sessionId: hs.sessionId });
    session.abortHandshake(ErrorUri.AUTHENTICATION_FAILED, 'the authenticator gave an invalid answer', now);
  };
  const transportMethod = hs.method === 'cookie' || hs.method === 'tls';
  if (transportMethod && (result === null || result === undefined)) {
    passOn(router, session, hs, `the ${hs.method} authenticator found no identity`, now);
    return;
  }
  if (hs.method === 'wampcra' && hs.realm.auth.wampcra?.type === 'split' && hs.stage === undefined) {
    splitRequirement(router, session, hs, result, fail, now);
    return;
  }
  const r: Dict | undefined = typeof result === 'string' ? { role: result } : isDict(result) ? result : undefined;
  if (r === undefined) return fail('the result must be a role name or a dictionary');
  const role = r['role'];
  if (typeof role !== 'string' || role.length === 0) return fail('role must be a non-empty string');
  const authid = r['authid'] ?? hs.requestedAuthid;
  if (authid !== undefined && typeof authid !== 'string') return fail('authid must be a string');
  const authprovider = r['authprovider'] ?? 'dynamic';
  if (typeof authprovider !== 'string') return fail('authprovider must be a string');
  const extra = r['extra'];
  if (extra !== undefined && !isDict(extra)) return fail('extra must be a dictionary');
  const base = { authrole: role, authprovider, authextra: extra };
  let principal: Principal;
  if (hs.stage === 'identity' && hs.principal !== undefined) {
    // Split WAMP-CRA, after the signature: the identity provider's answer is the principal.
    grant(router, session, hs, { ...base, authid: authid ?? hs.principal.authid, credential: hs.principal.credential }, undefined, now);
    return;
  }
  switch (hs.method) {
    case 'cookie':
    case 'tls':
      if (authid === undefined) return fail(`${hs.method}: the authenticator must give an authid`);
      grant(router, session, hs, { ...base, authid, credential: { kind: 'none' } }, undefined, now);
      return;
    case 'anonymous':
      principal = { ...base, authid: authid ?? generatedAuthid(router), credential: { kind: 'none' } };
      break;
    case 'ticket':
      principal = { ...base, authid: authid!, credential: { kind: 'none' } };
      break;
    case 'wampcra': {
      const secret = r['secret'];
      if (typeof secret !== 'string' || secret.length === 0) return fail('wampcra needs a secret');
      const salt = r['salt'];
      if (salt !== undefined && typeof salt !== 'string') return fail('salt must be a string');
      const iterations = r['iterations'];
      const keylen = r['keylen'];
      if (iterations !== undefined && !(Number.isInteger(iterations) && (iterations as number) > 0)) return fail('iterations must be a positive integer');
      if (keylen !== undefined && !(Number.isInteger(keylen) && (keylen as number) > 0)) return fail('keylen must be a positive integer');
      const s = salt === undefined ? undefined : { salt, iterations: iterations as number | undefined, keylen: keylen as number | undefined };
      principal = { ...base, authid: authid!, credential: { kind: 'wampcra', secret, salt: s } };
      break;
    }
    case 'cryptosign': {
      if (hs.methodHello.kind !== 'cryptosign') return;
      const pubkey = r['pubkey'];
      if (pubkey !== undefined && (typeof pubkey !== 'string' || !HEX_KEY.test(pubkey))) return fail('pubkey must be 64 hex digits');
      const key = (pubkey as string | undefined)?.toLowerCase() ?? hs.methodHello.hello.pubkeyHex;
      principal = { ...base, authid: authid ?? hs.methodHello.hello.pubkeyHex, credential: { kind: 'cryptosign', keys: [key] } };
      break;
    }
    case 'wamp-scram': {
      let credential: ScramCredential;
      try {
        credential = parseScramCredential(r);
      } catch (e) {
        return fail(e instanceof Error ? e.message : 'invalid SCRAM credential');
      }
      principal = { ...base, authid: authid!, credential: { kind: 'wamp-scram', credential } };
      break;
    }
    default:
      return;
  }
  proceed(router, session, hs, principal, now);
}

/** Split WAMP-CRA, first half: the requirement provider's secret (or `null`: a mock challenge that fails like a wrong password). */
function splitRequirement(router: HandshakeHost, session: RouterSession, hs: Handshake, result: unknown, fail: (why: string) => void, now: number): void {
  const authid = hs.requestedAuthid!;
  const base = { authid, authrole: '', authprovider: 'dynamic', authextra: undefined };
  if (result === null || result === undefined) {
    proceed(router, session, hs, { ...base, credential: { kind: 'wampcra', secret: mockSecret(router.mockSecret, authid), salt: undefined } }, now);
    return;
  }
  if (!isDict(result)) return fail('the requirement provider must answer { secret, salt?, iterations?, keylen? } or null');
  const { secret, salt, iterations, keylen } = result;
  if (typeof secret !== 'string' || secret.length === 0) return fail('wampcra needs a secret');
  if (salt !== undefined && typeof salt !== 'string') return fail('salt must be a string');
  if (iterations !== undefined && !(Number.isInteger(iterations) && (iterations as number) > 0)) return fail('iterations must be a positive integer');
  if (keylen !== undefined && !(Number.isInteger(keylen) && (keylen as number) > 0)) return fail('keylen must be a positive integer');
  const s = salt === undefined ? undefined : { salt, iterations: iterations as number | undefined, keylen: keylen as number | undefined };
  proceed(router, session, hs, { ...base, credential: { kind: 'wampcra', secret, salt: s } }, now);
}

// ---------------------------------------------------------------------------
// WELCOME

/** Admit the session: role, realm capacity, then WELCOME and the join. */
function grant(router: HandshakeHost, session: RouterSession, hs: Handshake, principal: Principal, authextra: Dict | undefined, now: number): void {
  const realm = hs.realm;
  const trusted = hs.method === INTERNAL_AUTHMETHOD && session.info.trusted === true;
  const role = realm.roleFor(principal.authrole, trusted);
  if (role === undefined) {
    session.abortHandshake(ErrorUri.NO_SUCH_ROLE, `no role "${principal.authrole}" in realm "${realm.name}"`, now);
    return;
  }
  if (realm.peers.size >= realm.limits.maxSessionsPerRealm) {
    session.abortHandshake(RouterUri.LIMIT_EXCEEDED, `realm "${realm.name}" is full`, now);
    return;
  }
  const extra = principal.authextra === undefined ? authextra : authextra === undefined ? principal.authextra : { ...principal.authextra, ...authextra };
  const identity = {
    authid: principal.authid,
    authrole: principal.authrole,
    authmethod: hs.method,
    authprovider: principal.authprovider,
    authextra: extra,
  };
  const peer = new Peer(hs.sessionId, session, realm, role, identity, peerFeatures(hs.hello.details['roles'] as Dict), now);
  const details: Record<string, unknown> = {
    realm: realm.name,
    authid: identity.authid,
    authrole: identity.authrole,
    authmethod: identity.authmethod,
    authprovider: identity.authprovider,
    roles: ROUTER_ROLES,
    agent: router.agent,
  };
  if (extra !== undefined) details['authextra'] = extra;
  session.establish(peer, realm, welcome(hs.sessionId, details));
  rememberCookie(router, session, hs, identity, now);
  if (hs.method !== 'anonymous' && hs.method !== INTERNAL_AUTHMETHOD) router.authThrottle.succeeded(realm.name, identity.authid, peerAddress(session.info.peer));
  realm.join(peer);
  router.emit({
    type: 'session_joined',
    session,
    sessionId: peer.id,
    realm: realm.name,
    authid: identity.authid,
    authrole: identity.authrole,
    authmethod: identity.authmethod,
    authprovider: identity.authprovider,
    transport: session.info.transport,
    serializer: session.info.serializer.name,
  });
}

/**
 * The router's own cookie store (`cookie` method, static): a session that
 * authenticated by another method over a WebSocket that carries the store's
 * cookie binds that cookie to its identity, for later connections.
 */
function rememberCookie(router: HandshakeHost, session: RouterSession, hs: Handshake, identity: PeerIdentity, now: number): void {
  const c = hs.realm.auth.cookie;
  if (c?.type !== 'static' || hs.method === 'cookie' || hs.method === 'anonymous' || hs.method === INTERNAL_AUTHMETHOD) return;
  const http = session.info.http;
  const name = c.name ?? DEFAULT_AUTH_COOKIE;
  const value = http === undefined ? undefined : ownEntry(http.cookies, name);
  // Only a cookie the router set (now, or earlier: then it is known): never one the client chose (session fixation).
  if (value === undefined || (http?.issuedCookie !== name && !router.authCookies.known(value, now))) return;
  const evicted = router.authCookies.remember(
    hs.realm.name,
    value,
    { authid: identity.authid, authrole: identity.authrole, authextra: identity.authextra },
    now + (c.maxAgeMs ?? DEFAULT_AUTH_COOKIE_MAX_AGE_MS),
    now,
  );
  if (evicted) {
    router.emit({ type: 'warning', code: 'auth_cookies_full', message: `the authentication cookie store is full (${router.authCookies.maxEntries}): the oldest cookie was forgotten`, session, sessionId: hs.sessionId });
  }
}
