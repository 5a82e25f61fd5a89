/**
 * What is known about one session, below everything that acts on it: how it
 * reached the router ({@link SessionInfo}), who it is ({@link PeerIdentity}),
 * what it announced ({@link PeerFeatures}) and its testaments. A leaf of the
 * router's layer 1 (see `router.ts`): it imports no other router module, so
 * the cluster protocol, the peer and the session can all name these types.
 */

import type { Serializer } from '../wire/serializers/serializer.js';
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
