/**
 * The router core: realms (each with a broker, a dealer, the meta API,
 * authentication and authorization) and one {@link RouterSession} per client
 * connection. Sans-IO: no sockets, clocks, timers or randomness of its own.
 */

import type { CryptoProvider } from '../auth/crypto.js';
import type { DecodeOptions } from '../codec.js';
import { ErrorUri, LocalProtocolError } from '../errors.js';
import { MAX_ID, type RandomId } from '../ids.js';
import type { SerializerName } from '../serializers/serializer.js';
import type { UriRule } from '../uri.js';
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
import { DeadlineHeap, type HasDeadline } from './deadlines.js';
import { completeAuthentication, type AuthRequest, type AuthVerdict } from './handshake.js';
import { Realm } from './realm.js';
import { RouterSession, type SessionInfo, type TransportKind } from './session.js';
import { runAuth } from './verify.js';

/** A session was welcomed into a realm. */
export interface SessionJoinedEvent {
  readonly type: 'session_joined';
  readonly session: RouterSession;
  readonly sessionId: number;
  readonly realm: string;
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: string;
  readonly authprovider: string;
  readonly transport: TransportKind;
  readonly serializer: SerializerName;
}

/** A joined session left its realm (GOODBYE, ABORT, transport loss, violation, kill). */
export interface SessionLeftEvent {
  readonly type: 'session_left';
  readonly session: RouterSession;
  readonly sessionId: number;
  readonly realm: string;
  readonly authid: string;
  readonly authrole: string;
  readonly transport: TransportKind;
  readonly serializer: SerializerName;
  /** The close reason URI. */
  readonly reason: string;
}

/** A session was refused before WELCOME (ABORT): unknown realm, failed authentication, no such role, ... */
export interface SessionRefusedEvent {
  readonly type: 'session_refused';
  readonly session: RouterSession;
  /** HELLO.Realm, when a HELLO was received. */
  readonly realm: string | undefined;
  /** HELLO.Details.authid, when the client gave one. */
  readonly authid: string | undefined;
  readonly reason: string;
  readonly message: string | undefined;
}

/**
 * Authentication needs asynchronous work: run `request` (see
 * {@link Router.runAuth}) and apply the verdict with
 * {@link Router.completeAuthentication}.
 */
export interface AuthenticateEvent {
  readonly type: 'authenticate';
  readonly session: RouterSession;
  readonly request: AuthRequest;
}

/** What a {@link RouterWarningEvent} is about. */
export type RouterWarningCode =
  /** A client broke the protocol; its session was aborted. */
  | 'protocol_violation'
  /** A dynamic authenticator procedure has no trusted callee. */
  | 'authenticator_unavailable'
  /** A dynamic authenticator answered something that is not a principal. */
  | 'authenticator_result';

/** Something the operator may want to log. */
export interface RouterWarningEvent {
  readonly type: 'warning';
  readonly code: RouterWarningCode;
  readonly message: string;
  readonly session: RouterSession | undefined;
  readonly sessionId: number | undefined;
}

/** What `Router.pollEvent()` returns: a tagged union on `type`. */
export type RouterEvent = SessionJoinedEvent | SessionLeftEvent | SessionRefusedEvent | AuthenticateEvent | RouterWarningEvent;

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
export class Router {
  readonly agent: string;
  readonly timeouts: RouterTimeouts;
  readonly limits: RouterLimits;
  readonly uriRule: UriRule;
  readonly requestIds: RequestIdPolicy;
  readonly crypto: CryptoProvider | undefined;
  /** @internal */
  readonly decodeOptions: DecodeOptions;
  private readonly realms = new Map<string, Realm>();
  private readonly randomId: RandomId;
  private readonly sessionIds = new Set<number>();
  private readonly live = new Set<RouterSession>();
  private readonly ready: RouterSession[] = [];
  private readyHead = 0;
  private readonly events: RouterEvent[] = [];
  private eventsHead = 0;
  private readonly deadlines = new DeadlineHeap<Timed>();
  private lastSubscription = 0;
  private lastRegistration = 0;

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
    c.realms.forEach((r, i) => {
      if (this.crypto === undefined && (r.auth?.wampcra ?? r.auth?.cryptosign ?? r.auth?.['wamp-scram']) !== undefined) {
        throw new RouterConfigError(`realms[${i}].auth`, 'wampcra, cryptosign and wamp-scram need options.crypto (challenges are random)');
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

  // -------------------------------------------------------------------------
  // Outputs

  /** The next session with frames to send or a close to report; each is returned once per batch of output. */
  pollReady(): RouterSession | undefined {
    if (this.readyHead >= this.ready.length) return undefined;
    const s = this.ready[this.readyHead++]!;
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
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
    for (const p of r.peers.values()) invocations += p.invocations.size;
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

  // -------------------------------------------------------------------------
  // Internal: used by sessions, realms and their modules

  /** @internal */
  realmByName(name: string): Realm | undefined {
    return this.realms.get(name);
  }

  /** @internal */
  markReady(session: RouterSession): void {
    session.queued = true;
    this.ready.push(session);
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

  /** @internal Router scope: sequential. */
  nextSubscriptionId(): number {
    this.lastSubscription = this.lastSubscription >= MAX_ID ? 1 : this.lastSubscription + 1;
    return this.lastSubscription;
  }

  /** @internal Router scope: sequential. */
  nextRegistrationId(): number {
    this.lastRegistration = this.lastRegistration >= MAX_ID ? 1 : this.lastRegistration + 1;
    return this.lastRegistration;
  }
}
