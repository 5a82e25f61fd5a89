/**
 * A session that has joined a realm, as the broker, dealer and meta API see
 * it: identity, announced features, and everything the session owns
 * (subscriptions, registrations, calls in flight as caller and as callee,
 * testaments). The owning {@link RouterSession} is in state `established`
 * (carrying this peer) until the peer leaves; after that `left` is set and
 * every send is dropped, so cleanup code never writes to a departed session.
 */

import { MAX_ID } from '../ids.js';
import type { Message } from '../messages.js';
import type { Serializer } from '../serializers/serializer.js';
import type { Dict, Frame } from '../types.js';
import type { Decision, Role } from './authorization.js';
import type { AuthorizationAction } from './config.js';
import type { Invocation, Registration } from './dealer.js';
import type { Subscription } from './broker.js';
import type { Realm } from './realm.js';
import type { SessionInfo } from './session.js';

/**
 * What a {@link Peer} needs of the session behind it: the local
 * `RouterSession` of a client connection, or — in a cluster — a link to a
 * session whose connection is on another node (messages sent to it are
 * relayed to that node).
 */
export interface PeerSession {
  send(msg: Message): void;
  sendFrame(frame: Frame): void;
  violate(reason: string, now: number): void;
  kill(reason: string, message: string | undefined, now: number, announce: boolean): void;
  /** The `transport` dictionary of the meta API. */
  transportDetails(): Dict;
  /** The serializer frames for this session are encoded with (unused for remote sessions). */
  readonly serializer: Serializer;
  /** The trust level of the transport the session came in on, where its listener has one. */
  readonly trustlevel?: number | undefined;
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

/** The `transport` dictionary of the meta API and of dynamic authenticators' details. */
export function transportDetails(info: SessionInfo): Dict {
  const t: Record<string, unknown> = { type: info.transport, serializer: info.serializer.name };
  if (info.peer !== undefined) t['peer'] = info.peer;
  if (info.channelBinding !== undefined && info.channelId !== undefined) t['channel_binding'] = info.channelBinding;
  if (info.details !== undefined) Object.assign(t, info.details);
  return t;
}

export type TestamentScope = 'detached' | 'destroyed';

export interface Testament {
  readonly topic: string;
  readonly args: readonly unknown[];
  readonly kwargs: Dict;
  /** The publish options (black/white lists, `retain`). */
  readonly options: Dict;
  /** Publisher identification, decided when the testament was added (role policy applied). */
  readonly disclose: boolean;
}

export interface PeerIdentity {
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: string;
  readonly authprovider: string;
  readonly authextra: Dict | undefined;
}

export class Peer {
  readonly serializer: Serializer;
  /** CALL.Request → invocation, for calls this peer made that are in flight. */
  readonly calls = new Map<number, Invocation>();
  /** INVOCATION.Request → invocation, for invocations this peer must answer. */
  readonly invocations = new Map<number, Invocation>();
  readonly subscriptions = new Map<number, Subscription>();
  readonly registrations = new Map<number, Registration>();
  /** Finished progressive-invocation calls: late continuations are discarded until the expiry. */
  readonly recentProgressive = new Map<number, number>();
  readonly testaments: Record<TestamentScope, Testament[]> = { detached: [], destroyed: [] };
  /** Cluster: INVOCATION.Request → the other node's invocation, for invocations relayed to this (local) callee. */
  readonly relayed = new Map<number, { readonly node: string; readonly id: number }>();
  /** The last session-scope request ID received (the spec's watermark). */
  lastRequest = 0;
  /** The last INVOCATION.Request sent (router-to-client session scope). */
  lastInvocation = 0;
  /** Set when the peer leaves the realm: sends are dropped from then on. */
  left = false;
  /**
   * Cluster: false while the node this session lives on cannot be reached
   * (the bus is down); the dealer then picks no remote callee.
   */
  reachable = true;

  constructor(
    readonly id: number,
    readonly session: PeerSession,
    readonly realm: Realm,
    readonly role: Role,
    readonly identity: PeerIdentity,
    readonly features: PeerFeatures,
    readonly joinedAt: number,
    /** Cluster: the node the session's connection is on; undefined for a session of this router. */
    readonly home?: string,
  ) {
    this.serializer = session.serializer;
  }

  get authid(): string {
    return this.identity.authid;
  }

  get authrole(): string {
    return this.identity.authrole;
  }

  send(msg: Message): void {
    if (!this.left) this.session.send(msg);
  }

  sendFrame(frame: Frame): void {
    if (!this.left) this.session.sendFrame(frame);
  }

  nextInvocationId(): number {
    this.lastInvocation = this.lastInvocation >= MAX_ID ? 1 : this.lastInvocation + 1;
    return this.lastInvocation;
  }

  authorize(action: AuthorizationAction, uri: string, options: Dict): Decision {
    return this.role.check(action, uri, this.realm.name, this.id, this.identity.authid, options);
  }

  /**
   * Check the session-scope request ID of a new request (SUBSCRIBE,
   * UNSUBSCRIBE, PUBLISH, REGISTER, UNREGISTER, a new CALL). Under the strict
   * policy it must be the previous one + 1; a violation aborts the session and
   * returns false.
   */
  acceptRequest(request: number, what: string, now: number): boolean {
    if (this.realm.router.requestIds === 'strict') {
      const expected = this.lastRequest >= MAX_ID ? 1 : this.lastRequest + 1;
      if (request !== expected) {
        this.session.violate(`${what} request ID ${request} is not sequential (expected ${expected})`, now);
        return false;
      }
    }
    if (request > this.lastRequest || this.lastRequest >= MAX_ID) this.lastRequest = request;
    return true;
  }

  /** The meta API's view of the session (`wamp.session.get`, `wamp.session.on_join`). */
  details(): Dict {
    const i = this.identity;
    return {
      session: this.id,
      authid: i.authid,
      authrole: i.authrole,
      authmethod: i.authmethod,
      authprovider: i.authprovider,
      transport: this.session.transportDetails(),
    };
  }
}
