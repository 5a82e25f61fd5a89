/**
 * A session that has joined a realm, as the broker, dealer and meta API see
 * it: identity, announced features, and everything the session owns
 * (subscriptions, registrations, calls in flight as caller and as callee,
 * testaments). The owning {@link RouterSession} is in state `established`
 * (carrying this peer) until the peer leaves; after that `left` is set and
 * every send is dropped, so cleanup code never writes to a departed session.
 *
 * Layer 1 of the router (see `router.ts`): besides the peer, this module
 * declares the realm's state as the broker and dealer see it
 * ({@link RealmState}), the entries a peer owns, and the interfaces through
 * which layer 1 and 2 code reaches services implemented higher up
 * ({@link RouterServices} by the `Router`, {@link ClusterHooks} by the
 * `Cluster`, {@link AuthOutcome} by the handshake). It imports no module above
 * it, so the broker and the dealer depend on this file and leaves only.
 */

import { MAX_ID } from '../ids.js';
import type { Call, ErrorMsg, Message, PayloadInit, Yield } from '../wire/messages.js';
import type { Serializer } from '../wire/serializers/serializer.js';
import type { Dict, Frame } from '../types.js';
import type { MatchPolicy, UriRule } from '../uri.js';
import type { Decision, Role } from './authorization.js';
import type { CalleeOrder, ClusterMessage, RegistrationRecord, StoreResult, SubscriptionRecord } from './cluster-protocol.js';
import type { AuthorizationAction, RequestIdPolicy, RouterTimeouts, SessionLimits } from './config.js';
import type { HasDeadline } from '../deadlines.js';
import type { PeerFeatures, PeerIdentity, Testament, TestamentScope } from './peer-info.js';

export {
  peerFeatures,
  transportDetails,
  type PassthruRoles,
  type PeerFeatures,
  type PeerIdentity,
  type Testament,
  type TestamentScope,
} from './peer-info.js';

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

// ---------------------------------------------------------------------------
// What lower layers may ask of higher ones

/**
 * The router-wide services the realm state, the broker and the dealer use:
 * implemented by `Router`, reached as `realm.router`.
 */
export interface RouterServices {
  /** This node's part in a cluster; undefined for a single router. */
  readonly cluster: ClusterHooks | undefined;
  readonly timeouts: RouterTimeouts;
  readonly uriRule: UriRule;
  readonly requestIds: RequestIdPolicy;
  /** Call `item.onDeadline(now)` once `now >= at` (its `deadline` field must already say `at`). */
  schedule(item: HasDeadline & { onDeadline(now: number): void }, at: number): void;
  /** A uniform random ID in [1, 2^53] (the injected generator). */
  random(): number;
  newPublicationId(): number;
  nextSubscriptionId(uri: string, match: MatchPolicy, inUse: ReadonlyMap<number, unknown>): number;
  nextRegistrationId(uri: string, match: MatchPolicy, inUse: ReadonlyMap<number, unknown>): number;
  /** Measurement hooks (metrics), if the embedder gave any. */
  readonly probe: RouterProbe | undefined;
  /** Tell the operator something (a `warning` event of the router). */
  emitWarning(code: 'history_topics_exceeded', message: string): void;
}

/** How a call ended, as {@link RouterProbe.callEnded} reports it. */
export type CallOutcome =
  /** The callee's final YIELD. */
  | 'result'
  /** The callee's ERROR. */
  | 'error'
  /** CANCEL by the caller (`skip`, `killnowait`, or `kill` answered by the callee's ERROR), or the caller or the callee left. */
  | 'canceled'
  /** The call's `timeout` passed. */
  | 'timeout';

/**
 * Measurement hooks for metrics. The router calls them synchronously while
 * it handles an input; they must be cheap and must not call back into the
 * router. Durations are differences of the `now` values passed in.
 */
export interface RouterProbe {
  /** A routed call reached its callee (INVOCATION sent); `callEnded` follows exactly once. */
  callStarted?(): void;
  /** A routed call (not a meta procedure, not an authenticator call) ended, `durationMs` after its CALL. */
  callEnded?(durationMs: number, outcome: CallOutcome): void;
}

/** A publication as the event history keeps it (`EventHistory` in `history.ts` implements the store). */
export interface RecordedEvent {
  readonly topic: string;
  readonly publication: number;
  readonly at: number;
  readonly payload: PayloadInit;
  readonly details: Dict;
  readonly publisherId: number | undefined;
  readonly excludeMe: boolean;
  readonly eligibility: { admits(p: Peer): boolean } | undefined;
}

/** What the broker asks of a realm's event history (implemented by `EventHistory`). */
export interface HistoryHooks {
  /** Whether (and how) `topic` is recorded. */
  policyFor(topic: string): unknown;
  /** Keep a publication; returns the topics forgotten to stay within the cap. */
  record(event: RecordedEvent, now: number): readonly string[];
}

/** What the broker and dealer ask of a realm's trust levels (implemented by `TrustLevels`). */
export interface TrustHooks {
  of(peer: Peer): number | undefined;
  disclose(details: Dict, peer: Peer): Dict;
}

/**
 * What the broker, the dealer and the realm tell this node's cluster part
 * (`Cluster` implements it): local sessions, registrations, subscriptions and
 * testaments to replicate, store claims, and relayed answers.
 */
export interface ClusterHooks {
  /** This node's name. */
  readonly node: string;
  nextOrder(now: number): CalleeOrder;
  sessionJoined(peer: Peer): void;
  sessionLeft(peer: Peer, announce: boolean): void;
  registered(peer: Peer, r: RegistrationRecord, done: () => void): void;
  unregistered(peer: Peer, uri: string, match: MatchPolicy): void;
  subscribed(peer: Peer, s: SubscriptionRecord, done: () => void): void;
  unsubscribed(peer: Peer, uri: string, match: MatchPolicy): void;
  testamentsChanged(peer: Peer): void;
  everyNode(): Iterable<string>;
  send(to: string | undefined, m: ClusterMessage): void;
  warn(message: string): void;
  claim(realm: string, uri: string, match: MatchPolicy, invoke: string, k: (r: StoreResult, now: number) => void): void;
  registrationEmpty(realm: string, uri: string, match: MatchPolicy, owner: string | undefined): void;
  /** A YIELD or ERROR for an invocation relayed from another node: true when it was forwarded there. */
  answerRelayed(peer: Peer, msg: Yield | ErrorMsg): boolean;
}

/**
 * Where the answer of a dynamic authenticator procedure goes: closures the
 * handshake hands to `Dealer.invokeForAuth`, so the dealer never names the
 * handshake or the session.
 */
export interface AuthOutcome {
  result(args: readonly unknown[] | undefined, kwargs: Dict | undefined, now: number): void;
  failed(uri: string, args: readonly unknown[] | undefined, now: number): void;
}

/** What code that holds only a peer (an invocation's deadline, a session's handshake) may ask of its realm's dealer. */
export interface DealerHooks {
  /** A call timed out. */
  expire(inv: InvocationEntry, now: number): void;
  /** The session waiting on an authenticator invocation went away. */
  abandon(inv: InvocationEntry, now: number): void;
}

/**
 * A realm as the peer, the broker, the dealer and the meta API see it: its
 * name, limits and sessions, the router's services, and the callbacks that
 * the realm container (`Realm`, which implements this) installs: meta events
 * published through its broker, meta procedures answered by `meta.ts`.
 */
export interface RealmState {
  readonly name: string;
  readonly peers: Map<number, Peer>;
  readonly limits: SessionLimits;
  readonly router: RouterServices;
  readonly dealer: DealerHooks;
  /** Publish a meta event if anyone listens (arguments are built by the caller only then). */
  meta(topic: string, args: readonly unknown[]): void;
  wantsMeta(topic: string): boolean;
  /** A registration or subscription meta event (`[session, id]`, or `[session, details]` with `withDetails`). */
  lifecycle(topic: string, session: number, subject: { readonly id: number; details(): Dict }, withDetails?: boolean): void;
  /** Answer a CALL to a `wamp.*` meta procedure; false when there is no such procedure. */
  metaCall(caller: Peer, msg: Call, now: number): boolean;
  /** Trust levels (advanced profile) of the realm's sessions. */
  readonly trust: TrustHooks;
  /** Event history, when the realm configures topics for it. */
  readonly history: HistoryHooks | undefined;
}

// ---------------------------------------------------------------------------
// What a peer owns (the broker's and the dealer's classes implement these)

export type InvokePolicy = 'single' | 'roundrobin' | 'random' | 'first' | 'last';

/** One callee of a registration. */
export interface Callee {
  readonly peer: Peer;
  /** REGISTER.Options.disclose_caller */
  readonly discloseCaller: boolean;
  /** Cluster: the callee's place in the one cluster-wide order (`first`, `last`, `roundrobin`). */
  readonly order: CalleeOrder;
  /** REGISTER.Options.nkey: the shard this callee serves (see shards.ts). */
  readonly nkey: string | undefined;
}

/** Who waits for the outcome of an invocation. */
export type CallOrigin =
  /** A client's CALL. `receiveProgress`: the caller asked for progressive results and the callee can give them. */
  | { readonly kind: 'call'; readonly caller: Peer; readonly request: number; readonly receiveProgress: boolean }
  /** The router itself, asking a dynamic authenticator procedure about a session that is authenticating. */
  | { readonly kind: 'auth'; readonly outcome: AuthOutcome };

/** A subscription as peers hold it; `Subscription` in `broker.ts` is the implementation. */
export interface SubscriptionEntry {
  readonly subscribers: Set<Peer>;
  readonly remoteNodes: Map<string, number>;
  /** SUBSCRIBE.Options.nkey of the sharded subscribers. */
  readonly nkeys: Map<Peer, string>;
  readonly id: number;
  readonly uri: string;
  readonly match: MatchPolicy;
  readonly created: number;
  details(): Dict;
}

/** A registration as peers hold it; `Registration` in `dealer.ts` is the implementation. */
export interface RegistrationEntry {
  readonly callees: Callee[];
  next: number;
  readonly id: number;
  readonly uri: string;
  readonly match: MatchPolicy;
  readonly invoke: InvokePolicy;
  readonly created: number;
  readonly owner?: string;
  insert(c: Callee): void;
  details(): Dict;
  hasCallee(peer: Peer): boolean;
}

/** A call in flight as peers hold it; `Invocation` in `dealer.ts` is the implementation. */
export interface InvocationEntry extends HasDeadline {
  done: boolean;
  killing: boolean;
  callerStreaming: boolean;
  readonly streamed: boolean;
  readonly id: number;
  readonly callee: Peer;
  readonly registration: number;
  readonly origin: CallOrigin;
  readonly details: Dict;
  readonly timeout: number;
  /** When the router's default call timeout ends it (0: not timed by it). */
  expiresAt: number;
  /** When the CALL arrived (for the call duration metric). */
  startedAt: number;
  onDeadline(now: number): void;
}

// ---------------------------------------------------------------------------

/** A session joined to a realm (see the file doc). */
export class Peer {
  readonly serializer: Serializer;
  /** CALL.Request → invocation, for calls this peer made that are in flight. */
  readonly calls = new Map<number, InvocationEntry>();
  /** INVOCATION.Request → invocation, for invocations this peer must answer. */
  readonly invocations = new Map<number, InvocationEntry>();
  /**
   * As a callee: the invocations in flight here per caller (the caller's share
   * of this callee's capacity; kept by the dealer, entries at zero removed).
   * One map for the life of the peer, so that a lone call creates none.
   */
  readonly callerShares = new Map<Peer, number>();
  readonly subscriptions = new Map<number, SubscriptionEntry>();
  readonly registrations = new Map<number, RegistrationEntry>();
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
    readonly realm: RealmState,
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
