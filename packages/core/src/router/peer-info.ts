/**
 * What is known about one session, below everything that acts on it: how it
 * reached the router ({@link SessionInfo}), who it is ({@link PeerIdentity}),
 * what it announced ({@link PeerFeatures}) and its testaments. A leaf of the
 * router's layer 1 (see `router.ts`): it imports no other router module, so
 * the cluster protocol, the peer and the session can all name these types.
 */

import type { Serializer } from '../serializers/serializer.js';
import type { Dict } from '../types.js';

/** How the connection reached the router; `internal` is an in-process session of the embedding application. */
export type TransportKind = 'websocket' | 'rawsocket' | 'longpoll' | 'internal' | (string & {});

/** What the adapter knows about a connection when it opens a session. */
export interface SessionInfo {
  readonly transport: TransportKind;
  readonly serializer: Serializer;
  /** Remote address, e.g. `tcp4:127.0.0.1:49032` (for logs and the meta API). */
  readonly peer?: string;
  /**
   * TLS channel binding: the channel ID (32 bytes) of this connection for
   * `channelBinding`. Cryptosign and WAMP-SCRAM bind to it when the client asks.
   */
  readonly channelId?: Uint8Array;
  readonly channelBinding?: 'tls-unique' | 'tls-exporter' | 'tls-server-end-point';
  /** Implementation-defined transport details shown by `wamp.session.get` (`transport`). */
  readonly details?: Dict;
  /** `internal` transports only: the identity the session gets, without authentication. Default `internal`/`trusted`. */
  readonly authid?: string;
  readonly authrole?: string;
  /**
   * `internal` transports only: skip authorization for this session, and let
   * it serve dynamic authenticator procedures. Default false.
   */
  readonly trusted?: boolean;
  /**
   * The trust level of sessions on this transport (advanced profile, "Trust
   * Levels"; e.g. per listener). Combined with the role's: the lower counts.
   */
  readonly trustlevel?: number;
  /**
   * WebSocket only: the HTTP upgrade request the connection began with
   * (headers and their cookies), for cookie authentication and handlers that
   * read a header. Undefined on other transports.
   */
  readonly http?: HttpUpgradeInfo;
  /**
   * TLS only: what the TLS layer knows of the client — its certificate, when
   * the listener asked for one (`requestCert`) and the client sent it, and
   * whether it verified against the listener's CA. Undefined without TLS.
   */
  readonly tls?: TlsClientInfo;
}

/** The HTTP request that opened a WebSocket connection. */
export interface HttpUpgradeInfo {
  /** The request target, path and query (e.g. `/ws?x=1`). */
  readonly url: string;
  /** Request headers, names in lower case (as Node gives them); a repeated header is a list. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /**
   * The `Cookie` header parsed ({@link parseCookies}): name → value, the
   * first of a repeated name; with the cookie the server set on this
   * upgrade's response, if it set one (`issuedCookie`).
   */
  readonly cookies: Readonly<Record<string, string>>;
  /** The name of the cookie the server set on this upgrade's response (cookie authentication's store), if any. */
  readonly issuedCookie?: string;
}

/** A distinguished name by attribute (`CN`, `O`, `OU`, ...); a repeated attribute is a list. */
export type DistinguishedName = Readonly<Record<string, string | readonly string[]>>;

/** One X.509 certificate as plain data. */
export interface TlsCertificate {
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  /** The `subjectAltName` extension as text (`DNS:a.example, IP Address:127.0.0.1`), when present. */
  readonly subjectAltName?: string;
  /** SHA-256 of the DER, upper-case hex pairs joined by `:` (as `openssl x509 -fingerprint -sha256` prints it). */
  readonly fingerprint256: string;
  /** Serial number, upper-case hex. */
  readonly serialNumber: string;
  /** Validity, as the TLS library prints it (e.g. `Dec  6 22:00:00 2026 GMT`). */
  readonly validFrom: string;
  readonly validTo: string;
  /** The certificate itself, DER. */
  readonly raw: Uint8Array;
}

/** TLS facts about the client of one connection. */
export interface TlsClientInfo {
  /**
   * The client's certificate verified against the listener's CA (Node's
   * `authorized`). False when no certificate was sent, or it did not verify
   * (the listener then accepts it only with `rejectUnauthorized: false`).
   */
  readonly authorized: boolean;
  /** Why it did not verify (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`, ...), when `authorized` is false. */
  readonly authorizationError?: string;
  /** The client's certificate, when it sent one. */
  readonly certificate?: TlsCertificate;
  /**
   * The chain as the TLS layer built it, the client's certificate first and
   * the root last; verified when `authorized` is true. Empty without a
   * certificate.
   */
  readonly chain: readonly TlsCertificate[];
}

/** Longest `Cookie` header {@link parseCookies} reads; the rest is ignored (browsers send at most a few KiB). */
export const MAX_COOKIE_HEADER = 16 * 1024;

/**
 * Parse a `Cookie` request header (RFC 6265 §5.4: `name=value` pairs joined
 * by `; `) into a plain object. A value in double quotes loses them; a
 * percent-encoded value is decoded when it decodes. The first of a repeated
 * name wins (the most specific path, as browsers order them); pairs without
 * `=`, and the names `__proto__`, `constructor` and `prototype`, are skipped.
 * A list (a repeated header) is read as one header joined by `; `.
 */
export function parseCookies(header: string | readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (header === undefined) return out;
  const text = (typeof header === 'string' ? header : header.join('; ')).slice(0, MAX_COOKIE_HEADER);
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name.length === 0 || name === '__proto__' || name === 'constructor' || name === 'prototype') continue;
    if (Object.prototype.hasOwnProperty.call(out, name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value);
      } catch {
        // Not percent-encoding after all: keep the text as sent.
      }
    }
    out[name] = value;
  }
  return out;
}


/** What a client announced in HELLO.Details.roles, reduced to what the router acts on. */
export interface PeerFeatures {
  readonly callerProgressiveInvocations: boolean;
  /** call_canceling (either spelling): INTERRUPT may be sent. */
  readonly calleeCanceling: boolean;
  /** progressive_call_results, and call_canceling as the spec requires for it. */
  readonly calleeProgressiveResults: boolean;
  /** progressive_call_invocations, and call_canceling as the spec requires for it. */
  readonly calleeProgressiveInvocations: boolean;
  readonly calleeRevocation: boolean;
  readonly subscriberRevocation: boolean;
  /** call_timeout of the callee role: it runs CALL.Options.timeout itself (INVOCATION.Details.timeout). */
  readonly calleeTimeout: boolean;
  /** payload_passthru_mode, per role: the peer may receive a passthru payload in that role. */
  readonly passthru: PassthruRoles;
}
/** Which roles a peer announced `payload_passthru_mode` for. */
export interface PassthruRoles {
  readonly caller: boolean;
  readonly callee: boolean;
  readonly publisher: boolean;
  readonly subscriber: boolean;
}

function feature(roles: Dict, role: string, name: string): boolean {
  const r = roles[role];
  if (typeof r !== 'object' || r === null) return false;
  const f = (r as Dict)['features'];
  return typeof f === 'object' && f !== null && (f as Dict)[name] === true;
}


/** The `transport` dictionary of the meta API and of dynamic authenticators' details. */
export function transportDetails(info: SessionInfo): Dict {
  const t: Record<string, unknown> = { type: info.transport, serializer: info.serializer.name };
  if (info.peer !== undefined) t['peer'] = info.peer;
  if (info.channelBinding !== undefined && info.channelId !== undefined) t['channel_binding'] = info.channelBinding;
  if (info.details !== undefined) Object.assign(t, info.details);
  return t;
}

function certificateDetails(c: TlsCertificate): Dict {
  return {
    subject: c.subject,
    issuer: c.issuer,
    fingerprint256: c.fingerprint256,
    serial_number: c.serialNumber,
    valid_from: c.validFrom,
    valid_to: c.validTo,
    ...(c.subjectAltName !== undefined ? { subject_alt_name: c.subjectAltName } : {}),
  };
}

/**
 * The `transport` dictionary of authenticators' details: {@link transportDetails}
 * plus what cookie and certificate authentication need — the upgrade's
 * headers (`http_headers_received`, Crossbar's name) and `cookies`, and
 * `client_cert` (subject, issuer, fingerprint, serial, validity, `authorized`,
 * and the chain's subjects). Not shown by the meta API: cookies are secrets.
 */
export function authTransportDetails(info: SessionInfo): Dict {
  const t: Record<string, unknown> = { ...transportDetails(info) };
  if (info.http !== undefined) {
    t['http_headers_received'] = info.http.headers;
    t['cookies'] = info.http.cookies;
  }
  const tls = info.tls;
  if (tls !== undefined) {
    t['client_cert'] =
      tls.certificate === undefined
        ? { authorized: false, ...(tls.authorizationError !== undefined ? { error: tls.authorizationError } : {}) }
        : {
            ...certificateDetails(tls.certificate),
            authorized: tls.authorized,
            ...(tls.authorizationError !== undefined ? { error: tls.authorizationError } : {}),
            chain: tls.chain.map(certificateDetails),
          };
  }
  return t;
}

/** When a testament is published: on detaching or on destruction of the session (the same here: no resumption). */
export type TestamentScope = 'detached' | 'destroyed';

/** An event to publish when its session leaves (advanced profile, "Session Testament"). */
export interface Testament {
  readonly topic: string;
  readonly args: readonly unknown[];
  readonly kwargs: Dict;
  /** The publish options (black/white lists, `retain`). */
  readonly options: Dict;
  /** Publisher identification, decided when the testament was added (role policy applied). */
  readonly disclose: boolean;
}

/** Who a session is, as authentication decided. */
export interface PeerIdentity {
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: string;
  readonly authprovider: string;
  readonly authextra: Dict | undefined;
}

export function peerFeatures(roles: Dict): PeerFeatures {
  const canceling = feature(roles, 'callee', 'call_canceling') || feature(roles, 'callee', 'call_cancelling');
  return Object.freeze({
    callerProgressiveInvocations: feature(roles, 'caller', 'progressive_call_invocations'),
    calleeCanceling: canceling,
    calleeProgressiveResults: canceling && feature(roles, 'callee', 'progressive_call_results'),
    calleeProgressiveInvocations: canceling && feature(roles, 'callee', 'progressive_call_invocations'),
    calleeRevocation: feature(roles, 'callee', 'registration_revocation'),
    subscriberRevocation: feature(roles, 'subscriber', 'subscription_revocation'),
    calleeTimeout: feature(roles, 'callee', 'call_timeout'),
    passthru: Object.freeze({
      caller: feature(roles, 'caller', 'payload_passthru_mode'),
      callee: feature(roles, 'callee', 'payload_passthru_mode'),
      publisher: feature(roles, 'publisher', 'payload_passthru_mode'),
      subscriber: feature(roles, 'subscriber', 'payload_passthru_mode'),
    }),
  });
}
