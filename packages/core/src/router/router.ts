/**
 * The router core: realms (each with a broker, a dealer, the meta API,
 * authentication and authorization) and one {@link RouterSession} per client
 * connection. Sans-IO: no sockets, clocks, timers or randomness of its own.
 *
 * The modules of `router/` stand in layers; a module imports only from its
 * own layer's lower modules and from the layers below, never upward, and no
 * two modules import each other, not even for a type (`pnpm check:cycles`,
 * run by `pnpm lint`, fails on any import cycle):
 *
 * 1. Realm state, data and small types. `peer-info.ts` (session info,
 *    identity, features, testaments), `peer.ts` (`Peer`, the entries it owns,
 *    `RealmState`, and the interfaces through which lower code reaches
 *    services implemented above: `RouterServices`, `ClusterHooks`,
 *    `DealerHooks`, `AuthOutcome`), and the leaves `matching.ts`,
 *    `authorization.ts`, `uris.ts`, `timestamp.ts`, `../deadlines.ts`,
 *    `config.ts`, `transitions.ts`, `cluster-protocol.ts`.
 * 2. `broker.ts` and `dealer.ts`: they see the realm as a `RealmState` and
 *    depend on layer 1 only (not on each other).
 * 3. `meta.ts` (the meta API), then `realm.ts`: the `Realm` container that
 *    composes the state with a broker and a dealer, and implements
 *    `RealmState` for them (meta events go out through its broker, meta
 *    procedures are answered through `meta.ts`).
 * 4. `cluster.ts` (the `Cluster` implements `ClusterHooks`);
 *    `handshake-state.ts`, then `session.ts` (it reaches the handshake through
 *    its `SessionHost`), then `handshake.ts` (which hands the dealer
 *    `AuthOutcome` closures for a dynamic authenticator procedure), then
 *    `verify.ts`.
 * 5. This file: `Router` implements `RouterServices`, `SessionHost` and
 *    `HandshakeHost`, and owns the realms, sessions, deadlines and cluster.
 *    `../index.ts` exports the public names above it.
 */

import type { CryptoProvider } from '../auth/crypto.js';
import type { DecodeOptions } from '../wire/index.js';
import { ErrorUri, LocalProtocolError } from '../errors.js';
import { MAX_ID, type RandomId } from '../ids.js';
import type { Authenticate, Hello } from '../wire/messages.js';
import type { Dict } from '../types.js';
import type { MatchPolicy, UriRule } from '../uri.js';
import {
  DEFAULT_AGENT,
  DEFAULT_ROUTER_LIMITS,
  DEFAULT_ROUTER_TIMEOUTS,
  RouterConfigError,
  validateRouterConfig,
  type RequestIdPolicy,
  type RouterConfig,
  type RouterLimits,
  type RouterTimeouts,
} from './config.js';
import { Cluster } from './cluster.js';
import { clusterId, type ClusterEnvelope, type ClusterOptions, type ClusterOutput, type StoreResult } from './cluster-protocol.js';
import { DeadlineHeap, type HasDeadline } from '../deadlines.js';
import { completeAuthentication, onAuthenticate, onHello, type AuthVerdict, type HandshakeHost } from './handshake.js';
import type { Handshake } from './handshake-state.js';
import { Realm } from './realm.js';
import type { RouterKey } from './router-auth.js';
import type { HistoryStore } from './history.js';
import { AuthThrottle, DEFAULT_AUTH_THROTTLE } from './throttle.js';
import { QUEUE_KEEP, RouterSession, type AuthenticateEvent, type MessageInterceptor, type RouterEvent, type SessionInfo } from './session.js';
import { runAuth } from './verify.js';
import { AuthCookieStore } from './auth-cookies.js';

export type {
  AuthenticateEvent,
  MessageInterceptor,
  Refusal,
  RouterEvent,
  RouterWarningCode,
  RouterWarningEvent,
  SessionJoinedEvent,
  SessionLeftEvent,
  SessionRefusedEvent,
} from './session.js';

import type { RouterProbe } from './peer.js';

export type { CallOutcome, RouterProbe } from './peer.js';

/** What the sans-IO router needs from its host: randomness, and cryptography for the challenge methods. */
export interface RouterOptions {
  /** Session and publication IDs: uniform in [1, 2^53] (a CSPRNG in production, {@link seededRandomId} in tests). */
  readonly randomId: RandomId;
  /**
   * Challenges and nonces (its synchronous `randomBytes`), and the default for
   * {@link Router.runAuth}. Required when a realm accepts wampcra,
   * cryptosign or wamp-scram.
   */
  readonly crypto?: CryptoProvider;
  /**
   * Run as one node of a cluster: the router then also takes and gives
   * {@link ClusterEnvelope}s and store requests (see `cluster-protocol.ts`).
   */
  readonly cluster?: ClusterOptions;
  /** Measurement hooks (metrics); none by default. */
  readonly probe?: RouterProbe;
  /**
   * The router's Ed25519 key for cryptosign router authentication: a client
   * that sends `authextra.challenge` gets it signed in CHALLENGE.Extra.
   */
  readonly routerKey?: RouterKey;
  /**
   * Where a realm's event history is kept (called once per realm that
   * configures `history`); default an in-memory store. A cluster passes a
   * store shared between its routers.
   */
  readonly historyStore?: (realm: string) => HistoryStore;
  /**
   * The secret from which mock challenges for unknown authids are derived
   * (so that they are stable per authid and cannot be told from real ones).
   * Default: 32 random bytes of `crypto` (stable for the router's lifetime).
   */
  readonly mockSecret?: Uint8Array;
  /**
   * A per-message policy hook: sees every message a client sends (with its
   * session) before the router acts on it, and may refuse it. See
   * {@link MessageInterceptor}. None by default (then it costs one check per message).
   */
  readonly interceptor?: MessageInterceptor;
  /** Cookies the `cookie` method's store remembers at once (default 100 000); past it the oldest goes, with a warning. */
  readonly maxAuthCookies?: number;
}

/** A read-only view of a realm, for operators and tests. */
export interface RealmSnapshot {
  readonly name: string;
  readonly sessions: readonly number[];
  readonly registrations: readonly { readonly id: number; readonly uri: string; readonly match: string; readonly invoke: string; readonly callees: readonly number[] }[];
  readonly subscriptions: readonly { readonly id: number; readonly uri: string; readonly match: string; readonly subscribers: readonly number[] }[];
  /** Calls in flight (counted at their callees). */
  readonly invocations: number;
  readonly retained: number;
}

/**
 * A joined session as the router knows it ({@link Router.describeSession}):
 * identity, and for a session connected to this node, its transport.
 */
export interface SessionDescription {
  readonly id: number;
  readonly realm: string;
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: string;
  readonly authprovider: string;
  readonly authextra: Dict | undefined;
  /** The meta API's `transport` dictionary. */
  readonly transport: Dict;
  /** What the adapter said about the connection; undefined for a session of another cluster node. */
  readonly info: SessionInfo | undefined;
}

interface Timed extends HasDeadline {
  onDeadline(now: number): void;
}

/**
 * A WAMP router without I/O.
 *
 * **Inputs.**
 * - `openSession(info, now)` when a transport connects; it returns the
 *   {@link RouterSession} for that connection.
 * - `session.handleMessage(frame, now)` for every frame received on it.
 * - `session.handleTransportClosed(now)` when its transport is gone.
 * - `handleTimeout(now)` when the deadline from `pollTimeout()` has passed.
 * - `completeAuthentication(session, verdict, now)` with the outcome of an
 *   `authenticate` event (see `runAuth`).
 * - `shutdown(now)` to close every session.
 *
 * **Outputs, drained.** One input can produce frames for many sessions (an
 * EVENT fans out), so after *every* input call, in this order:
 * 1. `pollReady()` until undefined; for each session it returns,
 *    `session.pollTransmit()` until undefined, sending each frame on that
 *    session's transport, then `session.pollClose()`: when it returns a
 *    close, close that transport (its last frames were just sent);
 * 2. `pollEvent()` until undefined (logging; for `authenticate`, start
 *    `runAuth` and call `completeAuthentication` when it settles, then drain
 *    again);
 * 3. `pollTimeout()`, and (re-)arm one timer at that time (none when undefined).
 *
 * Time is always passed in, in milliseconds on one monotonic scale (the
 * WAMP-CRA challenge and the meta API's `created` show it as a UTC date, so
 * epoch milliseconds are best).
 *
 * **Faults.** Nothing a client sends makes an input throw: a protocol
 * violation aborts that session alone, and the realm changes only by the
 * cleanup its leaving implies. A bad configuration throws
 * {@link RouterConfigError} from the constructor.
 */
export class Router implements HandshakeHost {
  readonly agent: string;
  readonly timeouts: RouterTimeouts;
  readonly limits: RouterLimits;
  readonly uriRule: UriRule;
  readonly requestIds: RequestIdPolicy;
  readonly crypto: CryptoProvider | undefined;
  /** The measurement hooks given in the options. */
  readonly probe: RouterProbe | undefined;
  /** The key for cryptosign router authentication, if configured. */
  readonly routerKey: RouterKey | undefined;
  /** @internal */
  readonly historyStore: ((realm: string) => HistoryStore) | undefined;
  /** @internal */
  readonly decodeOptions: DecodeOptions;
  /** @internal Login brute-force throttling. */
  readonly authThrottle: AuthThrottle;
  /** @internal See {@link RouterOptions.mockSecret}. */
  readonly mockSecret: Uint8Array;
  /** The per-message hook given in the options ({@link RouterOptions.interceptor}). */
  readonly interceptor: MessageInterceptor | undefined;
  /** @internal The `cookie` method's own store (see `CookieAuthConfig`). */
  readonly authCookies: AuthCookieStore;
  private readonly realms = new Map<string, Realm>();
  private readonly randomId: RandomId;
  private readonly sessionIds = new Set<number>();
  private readonly live = new Set<RouterSession>();
  /** Sessions with output: `ready[readyHead..readyTail)` (see {@link pollReady}). */
  private readonly ready: (RouterSession | undefined)[] = [];
  private readyHead = 0;
  private readyTail = 0;
  private readonly events: RouterEvent[] = [];
  private eventsHead = 0;
  private readonly deadlines = new DeadlineHeap<Timed>();
  private lastSubscription = 0;
  private lastRegistration = 0;
  /** @internal This node's part in a cluster, when it runs in one. */
  readonly cluster: Cluster | undefined;

  /**
   * Build a router from a plain object (parsed from JSON/YAML, say): the
   * same as the constructor, typed for input that is not yet known to be a
   * {@link RouterConfig}. Throws {@link RouterConfigError} naming the bad field.
   */
  static fromConfig(config: unknown, options: RouterOptions): Router {
    return new Router(config as RouterConfig, options);
  }

  /** `config` is checked with {@link validateRouterConfig} whatever its static type. */
  constructor(config: RouterConfig, options: RouterOptions) {
    const c = validateRouterConfig(config);
    this.agent = c.agent ?? DEFAULT_AGENT;
    this.limits = Object.freeze({ ...DEFAULT_ROUTER_LIMITS, ...c.limits });
    this.timeouts = Object.freeze({ ...DEFAULT_ROUTER_TIMEOUTS, ...c.timeouts });
    this.uriRule = c.uriRule ?? 'strict';
    this.requestIds = c.requestIds ?? 'strict';
    this.decodeOptions = Object.freeze({ limits: this.limits, uriRule: this.uriRule });
    if (typeof options?.randomId !== 'function') throw new RouterConfigError('options.randomId', 'must be a function');
    this.randomId = options.randomId;
    this.crypto = options.crypto;
    if (options.cluster !== undefined && (typeof options.cluster.node !== 'string' || options.cluster.node === '')) {
      throw new RouterConfigError('options.cluster.node', 'must be a non-empty string');
    }
    this.cluster = options.cluster === undefined ? undefined : new Cluster(this, options.cluster);
    this.probe = options.probe;
    this.routerKey = options.routerKey;
    this.historyStore = options.historyStore;
    this.authThrottle = new AuthThrottle(Object.freeze({ ...DEFAULT_AUTH_THROTTLE, ...c.authThrottle }));
    this.mockSecret = options.mockSecret ?? options.crypto?.randomBytes(32) ?? new Uint8Array(32);
    if (options.interceptor !== undefined && typeof options.interceptor !== 'function') {
      throw new RouterConfigError('options.interceptor', 'must be a function');
    }
    this.interceptor = options.interceptor;
    const maxCookies = options.maxAuthCookies;
    if (maxCookies !== undefined && !(Number.isSafeInteger(maxCookies) && maxCookies >= 1)) {
      throw new RouterConfigError('options.maxAuthCookies', 'must be a positive integer');
    }
    this.authCookies = new AuthCookieStore(maxCookies);
    c.realms.forEach((r, i) => {
      if (this.crypto === undefined && (r.auth?.wampcra ?? r.auth?.cryptosign ?? r.auth?.['wamp-scram'] ?? r.auth?.scram) !== undefined) {
        throw new RouterConfigError(`realms[${i}].auth`, 'wampcra, cryptosign, wamp-scram and scram need options.crypto (challenges are random)');
      }
      this.realms.set(r.name, new Realm(this, r, this.limits));
    });
  }

  get realmNames(): string[] {
    return [...this.realms.keys()];
  }

  // -------------------------------------------------------------------------
  // Inputs

  /** A transport connected. The session expects HELLO within the `hello` timeout. */
  openSession(info: SessionInfo, now: number): RouterSession {
    if (info.transport !== 'internal' && (info.authid !== undefined || info.authrole !== undefined || info.trusted !== undefined)) {
      throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'authid, authrole and trusted are for internal sessions only');
    }
    const s = new RouterSession(this, info, now);
    this.live.add(s);
    return s;
  }

  /** Fire every deadline `<= now` (HELLO and authentication timeouts, call timeouts, GOODBYE waits). */
  handleTimeout(now: number): void {
    let item: Timed | undefined;
    while ((item = this.deadlines.popDue(now)) !== undefined) item.onDeadline(now);
  }

  /**
   * Apply the outcome of an `authenticate` event. Returns false when the
   * session no longer waits for it (it closed or timed out meanwhile), or the
   * verdict does not answer its request; nothing changes then.
   */
  completeAuthentication(session: RouterSession, verdict: AuthVerdict, now: number): boolean {
    return completeAuthentication(this, session, verdict, now);
  }

  /**
   * The default way to answer an `authenticate` event: verify the signature
   * with `crypto` (default: the router's), or run the dynamic authenticator.
   * Never rejects. Pure with respect to the router: apply the result with
   * {@link completeAuthentication}.
   */
  runAuth(event: AuthenticateEvent, crypto: CryptoProvider | undefined = this.crypto): Promise<AuthVerdict> {
    return runAuth(event.request, crypto);
  }

  /**
   * Close every session: GOODBYE `reason` to joined ones (they leave at once
   * and their transports close on the reply or the GOODBYE timeout), ABORT to
   * the others.
   */
  shutdown(now: number, reason: string = ErrorUri.SYSTEM_SHUTDOWN, message?: string): void {
    for (const s of [...this.live]) {
      if (s.state.tag === 'established') s.kill(reason, message, now, true);
      else s.abortHandshake(reason, message, now);
    }
  }

  /**
   * Cluster: an envelope from another node (see `cluster-protocol.ts`).
   * Envelopes from one node must arrive in the order that node sent them.
   */
  handleCluster(envelope: ClusterEnvelope, now: number): void {
    const c = this.requireCluster();
    try {
      c.handle(envelope, now);
    } catch (e) {
      // The bus is trusted infrastructure, but a bad envelope still must not take the node down.
      this.clusterWarning(`cannot apply a cluster message from ${String(envelope?.from)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Cluster: the answer to a store request from {@link pollCluster}. */
  handleStoreResult(id: number, result: StoreResult, now: number): void {
    this.requireCluster().handleStoreResult(id, result, now);
  }

  /**
   * Cluster: the bus connection is up (first at start, then after each
   * outage) or down. While it is down, callees on other nodes are not
   * picked, and calls waiting on them fail with `wamp.error.canceled`.
   */
  handleBusState(up: boolean, now: number): void {
    this.requireCluster().handleBusState(up, now);
  }

  // -------------------------------------------------------------------------
  // Outputs

  /** Cluster: the next envelope to send or store request to run, after every input (drain until undefined). */
  pollCluster(): ClusterOutput | undefined {
    return this.cluster?.poll();
  }

  /** The next session with frames to send or a close to report; each is returned once per batch of output. */
  pollReady(): RouterSession | undefined {
    if (this.readyHead >= this.readyTail) return undefined;
    const s = this.ready[this.readyHead]!;
    this.ready[this.readyHead++] = undefined;
    if (this.readyHead === this.readyTail) {
      // Reused in place, as a session's frame queue (see RouterSession.pollTransmit).
      if (this.ready.length > QUEUE_KEEP) this.ready.length = 0;
      this.readyHead = 0;
      this.readyTail = 0;
    }
    s.queued = false;
    return s;
  }

  /** The next router event (joins, leaves, refusals, authentications, warnings), or undefined. */
  pollEvent(): RouterEvent | undefined {
    if (this.eventsHead >= this.events.length) return undefined;
    const e = this.events[this.eventsHead++]!;
    if (this.eventsHead === this.events.length) {
      this.events.length = 0;
      this.eventsHead = 0;
    }
    return e;
  }

  /** The earliest pending deadline, or undefined. */
  pollTimeout(): number | undefined {
    return this.deadlines.peek();
  }

  /** Realm contents for operators and tests; undefined for an unknown realm. */
  inspect(realm: string): RealmSnapshot | undefined {
    const r = this.realms.get(realm);
    if (r === undefined) return undefined;
    let invocations = 0;
    // Counted at the callees of this node (a replica's calls are counted on its own node).
    for (const p of r.peers.values()) if (p.home === undefined) invocations += p.invocations.size + p.relayed.size;
    return {
      name: r.name,
      sessions: [...r.peers.keys()],
      registrations: [...r.dealer.byId.values()].map((g) => ({
        id: g.id,
        uri: g.uri,
        match: g.match,
        invoke: g.invoke,
        callees: g.callees.map((c) => c.peer.id),
      })),
      subscriptions: [...r.broker.byId.values()].map((s) => ({
        id: s.id,
        uri: s.uri,
        match: s.match,
        subscribers: [...s.subscribers].map((p) => p.id),
      })),
      invocations,
      retained: r.broker.retainedCount,
    };
  }

  /**
   * Who session `id` of `realm` is and how it is connected, while it is
   * joined (for embedders: an in-process callee that wants its caller's
   * transport, say). Undefined for an unknown realm or session.
   */
  describeSession(realm: string, id: number): SessionDescription | undefined {
    const peer = this.realms.get(realm)?.peers.get(id);
    if (peer === undefined) return undefined;
    const i = peer.identity;
    return {
      id,
      realm,
      authid: i.authid,
      authrole: i.authrole,
      authmethod: i.authmethod,
      authprovider: i.authprovider,
      authextra: i.authextra,
      transport: peer.session.transportDetails(),
      info: peer.session instanceof RouterSession ? peer.session.info : undefined,
    };
  }

  // -------------------------------------------------------------------------
  // Internal: used by sessions, realms and their modules

  /** @internal */
  realmByName(name: string): Realm | undefined {
    return this.realms.get(name);
  }

  /** @internal */
  get realmList(): readonly Realm[] {
    return [...this.realms.values()];
  }

  /** @internal A session ID in use on another node. */
  reserveSessionId(id: number): void {
    this.sessionIds.add(id);
  }

  /** @internal */
  emitWarning(code: 'history_topics_exceeded', message: string): void {
    this.emit({ type: 'warning', code, message, session: undefined, sessionId: undefined });
  }

  /** @internal */
  clusterWarning(message: string): void {
    this.emit({ type: 'warning', code: 'cluster', message, session: undefined, sessionId: undefined });
  }

  private requireCluster(): Cluster {
    if (this.cluster === undefined) throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, 'this router was not created with options.cluster');
    return this.cluster;
  }

  /** @internal A session received HELLO: the handshake starts. */
  hello(session: RouterSession, msg: Hello, now: number): void {
    onHello(this, session, msg, now);
  }

  /** @internal A session received AUTHENTICATE while challenging. */
  authenticate(session: RouterSession, hs: Handshake, msg: Authenticate, now: number): void {
    onAuthenticate(this, session, hs, msg, now);
  }

  /** @internal */
  markReady(session: RouterSession): void {
    session.queued = true;
    this.ready[this.readyTail++] = session;
  }

  /** @internal */
  emit(event: RouterEvent): void {
    this.events.push(event);
  }

  /** @internal Set (or move) the deadline of `item`. */
  schedule(item: Timed, at: number): void {
    item.deadline = at;
    this.deadlines.push(at, item);
  }

  /** @internal A random ID in [1, 2^53]. */
  random(): number {
    return this.randomId();
  }

  /** @internal Global scope: random, and unique among live sessions. */
  allocateSessionId(): number {
    let id = this.randomId();
    while (this.sessionIds.has(id)) id = this.randomId();
    this.sessionIds.add(id);
    return id;
  }

  /** @internal */
  releaseSessionId(id: number): void {
    this.sessionIds.delete(id);
  }

  /** @internal */
  sessionClosed(session: RouterSession): void {
    this.live.delete(session);
  }

  /** @internal Global scope, random. */
  newPublicationId(): number {
    return this.randomId();
  }

  /**
   * @internal Router scope: sequential; in a cluster, derived from (uri,
   * match) so that every node gives the same ID (sequential again in the
   * unlikely case that the hash is taken in `inUse`).
   */
  nextSubscriptionId(uri: string, match: MatchPolicy, inUse: ReadonlyMap<number, unknown>): number {
    if (this.cluster !== undefined) {
      const id = clusterId(uri, match);
      if (!inUse.has(id)) return id;
    }
    do this.lastSubscription = this.lastSubscription >= MAX_ID ? 1 : this.lastSubscription + 1;
    while (inUse.has(this.lastSubscription));
    return this.lastSubscription;
  }

  /** @internal As {@link nextSubscriptionId}, for registrations. */
  nextRegistrationId(uri: string, match: MatchPolicy, inUse: ReadonlyMap<number, unknown>): number {
    if (this.cluster !== undefined) {
      const id = clusterId(uri, match);
      if (!inUse.has(id)) return id;
    }
    do this.lastRegistration = this.lastRegistration >= MAX_ID ? 1 : this.lastRegistration + 1;
    while (inUse.has(this.lastRegistration));
    return this.lastRegistration;
  }
}
