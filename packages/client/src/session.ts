/**
 * `LeanSession` and `Session`: the Promise API of one WAMP session over one
 * {@link Transport}, driving the sans-IO `LeanClientSession` of @wamp/core, which
 * owns the session's state. This layer keeps only promises, one timer (armed
 * at the core's `pollTimeout()`), handlers and the transport. Features that
 * are modules of their own — the callee side (`handler-runner.ts`), progressive
 * calls (`progressive.ts`), event history (`history.ts`) — are methods of
 * `Session` only, so that a bundle built on `LeanSession` carries just what
 * it imports; authentication is in `join-auth.ts`.
 */

import {
  CanceledError,
  LeanClientSession,
  ErrorUri,
  ProtocolViolation,
  SessionClosedError,
  WampError,
  type Args,
  type CancelMode,
  type ClientCallee,
  type ClientRole,
  type ClientEvent,
  type CloseInfo,
  type Dict,
  type KwArgs,
  type Limits,
  type Arguments,
  type Payload,
  type PublicationEvent,
  type PublishOptions,
  type RegisterOptions,
  type RouterRoles,
  type SubscribeOptions,
  type TraceEvent,
  type UriRule,
} from '@wamp/core';
import type { AuthResponse } from './auth.js';
import { isPromiseLike, register } from './handler-runner.js';
import {
  Registration,
  Subscription,
  type CalleeHost,
  type CalleeRequest,
  type CalleeSide,
  type CallOptions,
  type EventDetails,
  type EventHandler,
  type InvocationDetails,
  type InvocationHandler,
  type ProgressiveCall,
  type SessionApi,
} from './session-api.js';
import { subscribeWithHistory } from './history.js';
import { AuthFlow, type AuthOptions } from './join-auth.js';
import { callProgressive, progressiveCall } from './progressive.js';
import { passthruAttributes, type DecodedArguments, type PassthruCodec } from './passthru.js';
import { Result } from './result.js';
import { eventQueue, type EventQueue, type EventQueueOptions, type QueuedEvent } from './event-queue.js';
import { systemClock, systemTimers, type Clock, type Timers } from './timers.js';
import type { Transport } from './transport.js';

/** HELLO.Details.agent of this package. */
export const AGENT = '@wamp/client/0.1';

/** Observability hooks, as CppWAMP has them. Both are called synchronously and must not throw. */
export interface SessionHooks {
  /** Every message in and out, decoded, with a readable one-line form. */
  readonly onTrace?: (entry: TraceEvent) => void;
  /** Problems that do not stop the session: a late result dropped, an unknown option ignored, a handler that threw. */
  readonly onWarning?: (message: string) => void;
}

/** What `Session.join` takes: who joins where, how it authenticates, and the session's options. */
export interface JoinOptions extends SessionHooks, AuthOptions {
  readonly agent?: string;
  /** The roles announced in HELLO (default all four); a command of another role throws `wamp.error.feature_not_supported`. */
  readonly roles?: readonly ClientRole[];
  /** More HELLO.Details keys, merged into the HELLO (the session's own keys take precedence). */
  readonly helloDetails?: Dict;
  /** Milliseconds from HELLO to WELCOME; default 30000, 0 for none. */
  readonly joinTimeout?: number;
  /** Milliseconds to wait for the router's GOODBYE after `leave()`; default 5000. */
  readonly goodbyeTimeout?: number;
  readonly limits?: Partial<Limits>;
  readonly uriRule?: UriRule;
  readonly timers?: Timers;
  readonly clock?: Clock;
  /**
   * Payload Passthru Mode codecs (e.g. end-to-end encryption, see
   * `@wamp/client/cryptobox`): outgoing arguments go through the first codec
   * whose `encode` returns a payload; received payloads go to the codec of
   * their `ppt_scheme`.
   */
  readonly passthru?: PassthruCodec | readonly PassthruCodec[];
}

export { Registration, Subscription };
export type { CallOptions, EventDetails, EventHandler, InvocationDetails, InvocationHandler, ProgressiveCall };

type Waiter =
  | {
      readonly kind: 'call';
      /** For decoding a passthru RESULT. */
      readonly procedure: string;
      readonly resolve: (r: Result) => void;
      readonly reject: (e: unknown) => void;
      readonly onProgress: ((r: Result) => void) | undefined;
    }
  | (CalleeRequest & { readonly resolve: (r: never) => void; readonly reject: (e: unknown) => void })
  | {
      readonly kind: 'subscribe';
      readonly resolve: (s: Subscription) => void;
      readonly reject: (e: unknown) => void;
      readonly topic: string;
      readonly handler: EventHandler;
      readonly options: SubscribeOptions;
    }
  | { readonly kind: 'unsubscribe'; readonly resolve: () => void; readonly reject: (e: unknown) => void }
  | { readonly kind: 'publish'; readonly resolve: (publication: number) => void; readonly reject: (e: unknown) => void };

/**
 * Where a {@link Session} is. `connecting` until WELCOME (a session returned
 * by `Session.join` or `connect()` is already `open`), `closing` after
 * `leave()`, then `closed` when it ended with GOODBYE (either side's), or
 * `failed` when it did not: the transport was lost, `disconnect()` was
 * called, or a peer broke the protocol.
 */
export type SessionState = 'connecting' | 'open' | 'closing' | 'closed' | 'failed';

/** How a session ended, as `leave()` and the `closed`/`failed` events give it. */
export interface SessionEnd {
  /**
   * For `leave()`, the reason of the router's GOODBYE reply (usually
   * `wamp.close.goodbye_and_out`); otherwise the reason the session ended
   * with (the router's GOODBYE or ABORT reason, `wamp.close.transport_lost`,
   * `wamp.error.protocol_violation`, ...).
   */
  readonly reason: string;
  /** Details.message of that GOODBYE/ABORT, or a local explanation. */
  readonly message: string | undefined;
  /** The Details of the router's GOODBYE/ABORT (empty when the router sent none). */
  readonly details: Dict;
}

/** The events of a {@link Session}, by name, with what listeners receive (the names of `Client`'s events). */
export interface SessionEvents {
  /** `leave()` was called: GOODBYE is sent, the router's reply awaited. */
  closing: { readonly reason: string | undefined; readonly message: string | undefined };
  /** The session ended with GOODBYE (state `closed`). */
  closed: SessionEnd & { readonly initiator: CloseInfo['initiator'] };
  /** The session ended without GOODBYE (state `failed`); `error` is what pending requests failed with. */
  failed: SessionEnd & { readonly initiator: CloseInfo['initiator']; readonly error: SessionClosedError };
}

/** A listener of {@link Session.on} for event `E`. */
export type SessionListener<E extends keyof SessionEvents> = (event: SessionEvents[E]) => void;

const EMPTY: Dict = Object.freeze({});
const NO_ROLES: RouterRoles = Object.freeze({ dealer: undefined, broker: undefined });
const NO_CALL_OPTIONS: CallOptions = Object.freeze({});
const CALL_OPTION_KEYS: ReadonlySet<string> = new Set(['timeout', 'discloseMe', 'signal', 'cancelMode', 'onProgress', 'rkey']);

/**
 * One WAMP session, without the features that are functions of their own
 * ({@link register}, {@link subscribeWithHistory}, {@link callProgressive},
 * {@link progressiveCall}): a bundle that imports `LeanSession` carries only
 * the features it uses. Obtain it with {@link LeanSession.join}; it ends with
 * `leave()`, when the router closes it, or when the transport goes away
 * (`closed` then resolves). Every pending request then rejects with a
 * `SessionClosedError`. {@link Session} is the same with those conveniences
 * as methods.
 */
export class LeanSession implements SessionApi {
  /** Resolves once, when the session has ended, with how it ended. */
  readonly closed: Promise<CloseInfo>;
  #status: SessionState = 'connecting';
  readonly #listeners: { [E in keyof SessionEvents]: Set<SessionListener<E>> } = {
    closing: new Set(),
    closed: new Set(),
    failed: new Set(),
  };
  private readonly core: LeanClientSession;
  private readonly timers: Timers;
  private readonly clock: Clock;
  private readonly hooks: SessionHooks;
  private readonly waiters = new Map<number, Waiter>();
  /** The handlers on each subscription of this session, by subscription ID. */
  private readonly subscriptions = new Map<number, Set<Subscription>>();
  /** @internal The callee side, made by the first `register()`. */
  callee: CalleeSide | undefined = undefined;
  readonly #topicLocks = new Map<string, Promise<unknown>>();
  /** The authentication of the join in progress; dropped at WELCOME. */
  #auth: AuthFlow | undefined;
  private readonly codecs: readonly PassthruCodec[];
  private transportOpen = true;
  private dispatching = false;
  private timer: unknown;
  private timerAt: number | undefined;
  #joinError: unknown;
  #resolveClosed!: (info: CloseInfo) => void;
  #joinSettled!: { resolve: () => void; reject: (e: unknown) => void };
  readonly #opened: Promise<void>;

  /**
   * Open a session on `transport`: HELLO, authentication if the router asks,
   * WELCOME. Rejects with a `SessionClosedError` carrying the router's reason
   * when it answers ABORT (or the transport closes, or the join times out);
   * the transport is closed then.
   */
  static join(transport: Transport, options: JoinOptions): Promise<LeanSession> {
    return new LeanSession(transport, options).open(options);
  }

  /** @internal Send HELLO and wait for WELCOME; resolves with this session. */
  protected async open(options: JoinOptions): Promise<this> {
    this.#start(options).catch((e: unknown) => this.#failBeforeHello(e));
    await this.#opened;
    return this;
  }

  protected constructor(
    private readonly transport: Transport,
    options: JoinOptions,
  ) {
    this.timers = options.timers ?? systemTimers;
    this.clock = options.clock ?? systemClock;
    this.hooks = { onTrace: options.onTrace, onWarning: options.onWarning };
    this.codecs = options.passthru === undefined ? [] : Array.isArray(options.passthru) ? [...(options.passthru as readonly PassthruCodec[])] : [options.passthru as PassthruCodec];
    this.core = new LeanClientSession({
      serializer: transport.serializer,
      agent: options.agent ?? AGENT,
      trace: options.onTrace !== undefined,
      ...(options.roles === undefined ? {} : { roles: options.roles }),
      ...(options.joinTimeout === undefined ? {} : { joinTimeout: options.joinTimeout }),
      ...(options.goodbyeTimeout === undefined ? {} : { goodbyeTimeout: options.goodbyeTimeout }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.uriRule === undefined ? {} : { uriRule: options.uriRule }),
    });
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#opened = new Promise((resolve, reject) => {
      this.#joinSettled = { resolve, reject };
    });
    transport.onFrame = (frame) => {
      // The clock itself: the core reads it only for a message that sets a deadline.
      this.core.handleMessage(frame, this.clock);
      this.flush();
    };
    transport.onClose = () => {
      this.transportOpen = false;
      this.core.handleTransportClosed();
      this.flush();
    };
  }

  // -------------------------------------------------------------------------
  // Session information

  /** The session ID the router assigned (WELCOME.Session); it stays readable after the session ended. */
  get id(): number {
    return this.core.welcome?.session ?? 0;
  }

  /** WELCOME.Details as received: authid, authrole, authmethod, authprovider, authextra, roles, ... */
  get details(): Dict {
    return this.core.welcome?.details ?? EMPTY;
  }

  /** The authentication ID the router assigned (WELCOME.Details.authid), which may differ from the one asked for. */
  get authid(): string | undefined {
    return this.core.welcome?.authid;
  }

  /** The role the router assigned (WELCOME.Details.authrole); the router authorizes every action by it. */
  get authrole(): string | undefined {
    return this.core.welcome?.authrole;
  }

  /** The authentication method that succeeded (WELCOME.Details.authmethod, e.g. `anonymous`, `ticket`, `wampcra`). */
  get authmethod(): string | undefined {
    return this.core.welcome?.authmethod;
  }

  /** The name of the serializer negotiated with the router for this session: `json`, `msgpack` or `cbor`. */
  get serializer(): string {
    return this.transport.serializer.name;
  }

  /**
   * The router's roles and their features (WELCOME.Details.roles), e.g.
   * `routerRoles.dealer?.['features']` holds `call_canceling`,
   * `progressive_call_results`, ...; a role the router lacks is undefined.
   */
  get routerRoles(): RouterRoles {
    return this.core.welcome?.roles ?? NO_ROLES;
  }

  /**
   * Whether the router announced `feature` (WELCOME.Details.roles.<role>.features)
   * for `role` (`dealer` or `broker`): `session.routerHasFeature('dealer', 'call_canceling')`.
   */
  routerHasFeature(role: 'dealer' | 'broker', feature: string): boolean {
    const r = this.routerRoles[role];
    const features = r?.['features'];
    return typeof features === 'object' && features !== null && (features as Dict)[feature] === true;
  }

  /** Where the session is; see {@link SessionState}. A session from `Session.join` starts at `open`. */
  get state(): SessionState {
    return this.#status;
  }

  /**
   * Listen to a state change (`closing`, `closed`, `failed`); returns the
   * function that stops listening. Listeners are called synchronously; one
   * that throws is reported through `onWarning`.
   */
  on<E extends keyof SessionEvents>(event: E, listener: SessionListener<E>): () => void {
    const set = this.#listeners[event] as Set<SessionListener<E>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  #emit<E extends keyof SessionEvents>(event: E, payload: SessionEvents[E]): void {
    for (const listener of [...(this.#listeners[event] as Set<SessionListener<E>>)]) {
      try {
        listener(payload);
      } catch (e) {
        this.warn(`${event} listener threw: ${messageOf(e)}`);
      }
    }
  }

  /** True while the session is established (joined and not leaving). */
  get isOpen(): boolean {
    return this.core.state.tag === 'established';
  }

  // -------------------------------------------------------------------------
  // Caller

  /** Call a procedure. `await session.call('com.app.add', [2, 3])` resolves with a {@link Result} (`.value` is 5). */
  call<R = unknown>(procedure: string, args?: Args, kwargs?: KwArgs, options: CallOptions = NO_CALL_OPTIONS): Promise<Result<R>> {
    try {
      return this.startCall<R>(procedure, args, kwargs, options, false).result;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** @internal The call behind `call()` and `progressiveCall()`; throws what the core throws. */
  startCall<R>(
    procedure: string,
    args: Args | undefined,
    kwargs: KwArgs | undefined,
    options: CallOptions,
    progressiveInput: boolean,
  ): { request: number; result: Promise<Result<R>> } {
    const signal = options.signal;
    if (signal?.aborted === true) throw new CanceledError(`call to ${procedure} aborted before it was sent`);
    if (options !== NO_CALL_OPTIONS) {
      for (const key of Object.keys(options)) {
        if (!CALL_OPTION_KEYS.has(key)) this.warn(`unknown option CallOptions.${key} ignored`);
      }
    }
    const onProgress = options.onProgress;
    const timeout = options.timeout;
    const discloseMe = options.discloseMe;
    const rkey = options.rkey;
    // The common call has no options: the core gets none to look through.
    const coreOptions =
      timeout === undefined && discloseMe === undefined && onProgress === undefined && rkey === undefined && !progressiveInput
        ? undefined
        : {
            timeout,
            discloseMe,
            rkey,
            receiveProgress: onProgress === undefined ? undefined : true,
            progress: progressiveInput ? true : undefined,
          };
    const request = this.core.call(procedure, this.outgoing(procedure, args, kwargs), coreOptions, this.clock());
    const result = new Promise<Result<R>>((resolve, reject) => {
      if (signal === undefined) {
        this.waiters.set(request, { kind: 'call', procedure, resolve: resolve as (r: Result) => void, reject, onProgress });
        return;
      }
      const onAbort = (): void => this.#cancel(request, options.cancelMode ?? 'killnowait');
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal.removeEventListener('abort', onAbort);
      this.waiters.set(request, {
        kind: 'call',
        procedure,
        resolve: (r) => {
          done();
          resolve(r as Result<R>);
        },
        reject: (e) => {
          done();
          reject(e);
        },
        onProgress,
      });
    });
    this.flush();
    return { request, result };
  }

  /** @internal Run a command of a feature module on the core session (progressive calls: `continueCall`), then send what it queued. */
  drive<T>(command: (core: LeanClientSession) => T): T {
    const out = command(this.core);
    this.flush();
    return out;
  }

  #cancel(request: number, mode: CancelMode): void {
    if (!this.isOpen) return;
    try {
      this.core.cancel(request, mode);
    } catch (e) {
      this.warn(`cancel of call ${request} failed: ${messageOf(e)}`);
    }
    this.flush();
  }

  // -------------------------------------------------------------------------
  // Callee

  // register() is a method of Session and the function `register` (handler-runner.ts): the callee side is a feature of its own.

  /** Unregister; resolves when the router confirms (at once if the registration already ended). */
  unregister(registration: Registration): Promise<void> {
    return this.callee === undefined ? Promise.resolve() : this.callee.unregister(registration);
  }

  /** @internal What the callee side uses of this session; `install` gives the core's callee role (see `SessionApi`). */
  calleeHost(install: (core: LeanClientSession) => ClientCallee): CalleeHost {
    const isOpen = (): boolean => this.isOpen;
    return {
      core: install(this.core),
      get isOpen() {
        return isOpen();
      },
      outgoing: (uri, args, kwargs) => this.outgoing(uri, args, kwargs),
      incoming: (uri, payload, details) => this.incoming(uri, payload, details),
      flush: () => this.flush(),
      warn: (message) => this.warn(message),
      callback: (what, f) => this.callback(what, f),
      request: <T>(send: () => number, what: CalleeRequest) =>
        new Promise<T>((resolve, reject) => {
          const request = send();
          this.waiters.set(request, { ...what, resolve: resolve as (r: never) => void, reject });
          this.flush();
        }),
    };
  }

  // -------------------------------------------------------------------------
  // Subscriber and publisher

  /**
   * Subscribe a handler. Several handlers on the same topic share one
   * router subscription; the router is told to unsubscribe when the last
   * one is removed.
   */
  subscribe<A extends Args = Args, K extends KwArgs = KwArgs>(
    topic: string,
    handler: EventHandler<A, K>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    return this.#serialized(topic, () =>
      new Promise<Subscription>((resolve, reject) => {
        const request = this.core.subscribe(topic, options);
        this.waiters.set(request, { kind: 'subscribe', resolve, reject, topic, handler: handler as EventHandler, options });
        this.flush();
      }),
    );
  }

  /** Remove one handler; resolves when done (after the router confirms, if it was the last). */
  unsubscribe(subscription: Subscription): Promise<void> {
    return this.#serialized(subscription.topic, async () => {
      const handlers = this.subscriptions.get(subscription.id);
      if (handlers === undefined || !handlers.delete(subscription)) return;
      subscription.end();
      if (handlers.size > 0) return;
      this.subscriptions.delete(subscription.id);
      if (!this.isOpen) return;
      await new Promise<void>((resolve, reject) => {
        const request = this.core.unsubscribe(subscription.id);
        this.waiters.set(request, { kind: 'unsubscribe', resolve, reject });
        this.flush();
      });
    });
  }

  /**
   * Publish an event. With `acknowledge: true` resolves with the publication
   * ID once the broker confirms (or rejects with its error); otherwise
   * resolves with undefined as soon as it is sent.
   */
  publish(topic: string, args?: Args, kwargs?: KwArgs, options: PublishOptions = {}): Promise<number | undefined> {
    return new Promise<number | undefined>((resolve, reject) => {
      const request = this.core.publish(topic, this.outgoing(topic, args, kwargs), options);
      if (options.acknowledge === true) this.waiters.set(request, { kind: 'publish', resolve, reject });
      else resolve(undefined);
      this.flush();
    });
  }

  // -------------------------------------------------------------------------
  // Closing

  /**
   * Say GOODBYE (`reason`, default `wamp.close.close_realm`) and wait for
   * the router's; resolves with the reason and details of the router's
   * GOODBYE. The transport is closed after. When the router does not answer
   * within `goodbyeTimeout`, or the session had already ended, it resolves
   * with how the session ended instead.
   */
  leave(reason?: string, message?: string): Promise<SessionEnd> {
    if (this.isOpen) {
      try {
        this.core.leave({ reason, message }, this.clock());
      } catch (e) {
        return Promise.reject(e);
      }
      this.#status = 'closing';
      this.#emit('closing', { reason, message });
      this.flush();
    }
    return this.closed.then(endOf);
  }

  /**
   * End the session abruptly: close the transport without GOODBYE. Every
   * pending request (call, register, subscribe, ...) rejects at once with a
   * `SessionClosedError` (reason `wamp.close.transport_lost`), running
   * invocations are interrupted, and `closed` resolves. The state becomes
   * `failed`. Does nothing once the session has ended.
   */
  disconnect(): void {
    if (this.core.state.tag === 'closed') return;
    this.#closeTransport();
    this.core.handleTransportClosed();
    this.flush();
  }

  // -------------------------------------------------------------------------
  // Driving the core

  async #start(options: JoinOptions): Promise<void> {
    const { flow, hello } = await AuthFlow.start(options, this.transport, () => this.transportOpen);
    this.#auth = flow;
    this.core.join(options.helloDetails === undefined ? hello : { ...hello, details: options.helloDetails }, this.clock());
    this.flush();
  }

  /** The join failed before HELLO (bad options, auth setup, transport gone). */
  #failBeforeHello(e: unknown): void {
    this.#joinSettled.reject(e);
    this.#status = 'failed';
    this.#closeTransport();
    this.#resolveClosed({
      reason: e instanceof WampError ? e.uri : ErrorUri.AUTHENTICATION_FAILED,
      message: messageOf(e),
      details: EMPTY,
      initiator: 'client',
      wasJoined: false,
    });
  }

  /**
   * Send what the core has queued and handle its events; re-entrant calls
   * (a handler issuing a command) only send, the outer loop handles the
   * events in order. Then re-arm the one timer.
   */
  private flush(): void {
    for (let f = this.core.pollTransmit(); f !== undefined; f = this.core.pollTransmit()) {
      if (!this.transportOpen) continue;
      try {
        this.transport.send(f);
      } catch (e) {
        this.warn(`transport.send failed: ${messageOf(e)}`);
      }
    }
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let ev = this.core.pollEvent(); ev !== undefined; ev = this.core.pollEvent()) this.dispatch(ev);
    } finally {
      this.dispatching = false;
    }
    this.armTimer();
  }

  private armTimer(): void {
    const at = this.core.pollTimeout();
    if (at === this.timerAt) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      this.core.handleTimeout(this.clock());
      this.flush();
    }, Math.max(0, at - this.clock()));
  }

  private dispatch(ev: ClientEvent): void {
    // A subscriber's one event per EVENT first, before the string cases below.
    if (ev.type === 'event') return this.onEvent(ev);
    switch (ev.type) {
      case 'trace':
        return safely(() => this.hooks.onTrace?.(ev));
      case 'warning':
        return this.warn(ev.message);
      case 'challenge':
        return this.onChallenge(ev.authMethod, ev.extra);
      case 'joined':
        return this.onJoined(ev.details);
      case 'closed':
        return this.onClosed(ev);
      case 'result':
      case 'progress': {
        const w = this.waiters.get(ev.request);
        if (w?.kind !== 'call') return;
        let delivered: DecodedArguments = ev;
        if (ev.payload !== undefined) {
          try {
            delivered = this.incoming(w.procedure, ev.payload, ev.details);
          } catch (e) {
            this.waiters.delete(ev.request);
            return w.reject(new WampError(ErrorUri.INVALID_ARGUMENT, [`the result of ${w.procedure} cannot be decoded: ${messageOf(e)}`]));
          }
        }
        const result = new Result(delivered.args, delivered.kwargs, ev.details, ev.type === 'progress');
        if (ev.type === 'progress') {
          if (w.onProgress !== undefined) this.callback(`onProgress of call ${ev.request}`, () => w.onProgress?.(result));
          return;
        }
        this.waiters.delete(ev.request);
        return w.resolve(result);
      }
      case 'error': {
        const w = this.waiters.get(ev.request);
        if (w === undefined) return;
        this.waiters.delete(ev.request);
        if (ev.payload !== undefined && w.kind === 'call') {
          // An application error in Payload Passthru Mode: its arguments are in the payload.
          try {
            const d = this.incoming(w.procedure, ev.payload, ev.details);
            return w.reject(new WampError(ev.error.uri, d.args, d.kwargs));
          } catch (e) {
            this.warn(`the arguments of error ${ev.error.uri} from ${w.procedure} cannot be decoded: ${messageOf(e)}`);
          }
        }
        return w.reject(ev.error);
      }
      case 'registered': {
        const w = this.waiters.get(ev.request);
        if (w?.kind !== 'register' || this.callee === undefined) return;
        this.waiters.delete(ev.request);
        return w.resolve(this.callee.registered(ev.registration, w) as never);
      }
      case 'unregistered': {
        const w = this.waiters.get(ev.request);
        const mine = w?.kind === 'unregister' ? w : undefined;
        this.callee?.unregistered(ev.registration, mine);
        if (mine === undefined) return;
        this.waiters.delete(ev.request);
        return mine.resolve(undefined as never);
      }
      case 'registrationRevoked':
        return this.callee?.revoked(ev);
      case 'subscribed': {
        const w = this.waiters.get(ev.request);
        if (w?.kind !== 'subscribe') return;
        this.waiters.delete(ev.request);
        const subscription = new Subscription(this, ev.subscription, w.topic, w.handler, w.options);
        let handlers = this.subscriptions.get(ev.subscription);
        if (handlers === undefined) this.subscriptions.set(ev.subscription, (handlers = new Set()));
        handlers.add(subscription);
        return w.resolve(subscription);
      }
      case 'unsubscribed':
      case 'published': {
        const w = this.waiters.get(ev.request);
        if (w === undefined) return;
        this.waiters.delete(ev.request);
        if (w.kind === 'publish' && ev.type === 'published') return w.resolve(ev.publication);
        if (w.kind === 'unsubscribe') return w.resolve();
        return;
      }
      case 'subscriptionRevoked': {
        const handlers = this.subscriptions.get(ev.subscription);
        this.subscriptions.delete(ev.subscription);
        for (const s of handlers ?? []) {
          s.end();
          this.callback('onRevoked', () => s.onRevoked?.(ev.reason));
        }
        return;
      }
      case 'invocation':
        // The core reports invocations only for registrations, which only the callee side makes.
        return this.callee?.invocation(ev);
      case 'interrupt':
        return this.callee?.interrupt(ev);
    }
  }

  private onChallenge(authMethod: string, extra: Dict): void {
    let answer: Promise<AuthResponse>;
    try {
      if (this.#auth === undefined) throw new WampError(ErrorUri.AUTHENTICATION_FAILED, ['a CHALLENGE after WELCOME']);
      answer = this.#auth.respond(authMethod, extra);
    } catch (e) {
      return this.#refuseAuth(e);
    }
    answer.then(
      (r) => {
        // The session may have closed (timeout, lost transport) while the signature was computed.
        if (this.core.state.tag !== 'challenging') return;
        this.core.authenticate(r.signature, r.extra ?? EMPTY);
        this.flush();
      },
      (e: unknown) => this.#refuseAuth(e),
    );
  }

  /** The client cannot or will not complete the authentication: ABORT, and `join()` rejects with `error`. */
  #refuseAuth(error: unknown): void {
    const tag = this.core.state.tag;
    if (tag === 'closed' || tag === 'shuttingDown') return;
    this.#joinError = error;
    const reason = error instanceof ProtocolViolation ? ErrorUri.PROTOCOL_VIOLATION : ErrorUri.AUTHENTICATION_FAILED;
    const detail = error instanceof WampError && typeof error.args[0] === 'string' ? error.args[0] : messageOf(error);
    this.core.abort(reason, detail);
    this.flush();
  }

  private onJoined(details: Dict): void {
    try {
      this.#auth?.verifyWelcome(details);
    } catch (e) {
      return this.#refuseAuth(e);
    }
    this.#auth = undefined;
    this.#status = 'open';
    this.#joinSettled.resolve();
  }

  private onClosed(event: CloseInfo): void {
    const info: CloseInfo = {
      reason: event.reason,
      message: event.message,
      details: event.details,
      initiator: event.initiator,
      wasJoined: event.wasJoined,
      ...(event.routerReason === undefined ? {} : { routerReason: event.routerReason }),
    };
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = undefined;
    if (this.#status === 'connecting') {
      this.#joinSettled.reject(this.#joinError ?? new SessionClosedError(info.reason, info.initiator, info.details, info.message));
    }
    this.callee?.end();
    for (const set of this.subscriptions.values()) for (const s of set) s.end();
    this.subscriptions.clear();
    this.#closeTransport();
    this.#resolveClosed(info);
    const failed = info.initiator === 'transport' || info.reason === ErrorUri.PROTOCOL_VIOLATION || !info.wasJoined;
    this.#status = failed ? 'failed' : 'closed';
    if (!info.wasJoined) return;
    const end = { reason: info.reason, message: info.message, details: info.details, initiator: info.initiator };
    if (failed) this.#emit('failed', { ...end, error: new SessionClosedError(info.reason, info.initiator, info.details, info.message) });
    else this.#emit('closed', end);
  }

  #closeTransport(): void {
    if (!this.transportOpen) return;
    this.transportOpen = false;
    try {
      this.transport.close(1000);
    } catch (e) {
      this.warn(`transport.close failed: ${messageOf(e)}`);
    }
  }

  private onEvent(ev: PublicationEvent): void {
    const handlers = this.subscriptions.get(ev.subscription);
    if (handlers === undefined) return;
    if (ev.payload !== undefined) {
      let decoded: DecodedArguments;
      try {
        decoded = this.incoming(ev.topic, ev.payload, ev.details);
      } catch (e) {
        this.warn(`event ${ev.publication} on ${ev.topic} dropped: ${messageOf(e)}`);
        return;
      }
      ev = { ...ev, args: decoded.args, kwargs: decoded.kwargs };
    }
    const details: EventDetails = {
      subscription: ev.subscription,
      publication: ev.publication,
      topic: ev.topic,
      publisher: ev.publisher,
      publisherAuthid: ev.publisherAuthid,
      publisherAuthrole: ev.publisherAuthrole,
      retained: ev.retained,
      history: false,
      trustlevel: ev.trustlevel,
      details: ev.details,
    };
    if (handlers.size === 1) {
      // The common case, without a copy of the set or a closure per event.
      for (const s of handlers) {
        this.runEventHandler(s, ev, details);
        break;
      }
      return;
    }
    // A copy: a handler may add or remove handlers of this subscription.
    for (const s of [...handlers]) this.runEventHandler(s, ev, details);
  }

  /** As {@link callback}, for an event handler. */
  private runEventHandler(s: Subscription, ev: PublicationEvent, details: EventDetails): void {
    try {
      const out = s.handler(ev.args, ev.kwargs, details);
      if (isPromiseLike(out)) out.then(undefined, (e: unknown) => this.warn(`event handler for ${ev.topic} failed: ${messageOf(e)}`));
    } catch (e) {
      this.warn(`event handler for ${ev.topic} threw: ${messageOf(e)}`);
    }
  }

  /** Arguments for `uri` as they go out: through the first passthru codec that takes them, else in the clear. */
  /** @internal */
  outgoing(uri: string, args: Args | undefined, kwargs: KwArgs | undefined): Arguments {
    for (const c of this.codecs) {
      const p = c.encode(uri, args, kwargs);
      if (p !== undefined) return { passthru: p };
    }
    return { args, kwargs };
  }

  /** The arguments in a passthru payload received for `uri`; throws when no codec reads it. */
  /** @internal */
  incoming(uri: string, payload: Payload, details: Dict): DecodedArguments {
    const attrs = passthruAttributes(details);
    if (attrs === undefined) throw new Error('a passthru payload without ppt_scheme');
    const codec = this.codecs.find((c) => c.scheme === attrs.scheme);
    if (codec === undefined) throw new Error(`no passthru codec for scheme ${attrs.scheme}`);
    return codec.decode(uri, { ...attrs, payload });
  }

  /** Run an application callback; a throw or rejection becomes a warning. */
  /** @internal */
  callback(what: string, f: () => unknown): void {
    try {
      const out = f();
      if (isPromiseLike(out)) out.then(undefined, (e: unknown) => this.warn(`${what} failed: ${messageOf(e)}`));
    } catch (e) {
      this.warn(`${what} threw: ${messageOf(e)}`);
    }
  }

  /** @internal Report a warning through `onWarning` (also used by the typed helpers). */
  warn(message: string): void {
    safely(() => this.hooks.onWarning?.(message));
  }

  /** Run `f` after the previous operation on `key` finished, so subscribe and unsubscribe of a topic never cross. */
  #serialized<T>(key: string, f: () => Promise<T>): Promise<T> {
    const previous = this.#topicLocks.get(key);
    let run: Promise<T>;
    if (previous === undefined) {
      try {
        run = f();
      } catch (e) {
        return Promise.reject(e);
      }
    } else {
      run = previous.then(f, f);
    }
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#topicLocks.set(key, tail);
    void tail.then(() => {
      if (this.#topicLocks.get(key) === tail) this.#topicLocks.delete(key);
    });
    return run;
  }
}

/** What `leave()` resolves with: the router's GOODBYE reason when it replied, no internal fields. */
function endOf(info: CloseInfo): SessionEnd {
  if (info.routerReason === undefined) return { reason: info.reason, message: info.message, details: info.details };
  return { reason: info.routerReason, message: stringOf(info.details['message']), details: info.details };
}

function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    // A hook that throws cannot be reported through the hooks themselves.
  }
}

/**
 * One WAMP session (a {@link LeanSession} with `register`,
 * `subscribeWithHistory`, `callProgressive`, `progressiveCall` and `events` as
 * methods). Obtain it with
 * {@link Session.join}; it ends with `leave()`, when the router closes it, or
 * when the transport goes away (`closed` then resolves). Every pending
 * request then rejects with a `SessionClosedError`.
 */
export class Session extends LeanSession {
  /**
   * Open a session on `transport`: HELLO, authentication if the router asks,
   * WELCOME. Rejects with a `SessionClosedError` carrying the router's reason
   * when it answers ABORT (or the transport closes, or the join times out);
   * the transport is closed then.
   */
  static override join(transport: Transport, options: JoinOptions): Promise<Session> {
    return new Session(transport, options).open(options);
  }

  /** Register a procedure; see {@link InvocationHandler} for what the handler may do. */
  register<A extends Args = Args, K extends KwArgs = KwArgs>(
    procedure: string,
    handler: InvocationHandler<A, K>,
    options: RegisterOptions = {},
  ): Promise<Registration> {
    return register(this, procedure, handler, options);
  }

  /** See {@link callProgressive}. */
  callProgressive<R = unknown>(
    procedure: string,
    args?: Args,
    kwargs?: KwArgs,
    options: Omit<CallOptions, 'onProgress'> = {},
  ): AsyncIterableIterator<Result<R>> {
    return callProgressive<R>(this, procedure, args, kwargs, options);
  }

  /** See {@link progressiveCall}. */
  progressiveCall<R = unknown>(procedure: string, args?: Args, kwargs?: KwArgs, options: CallOptions = {}): ProgressiveCall<R> {
    return progressiveCall<R>(this, procedure, args, kwargs, options);
  }

  /** See {@link subscribeWithHistory}. */
  subscribeWithHistory<A extends Args = Args, K extends KwArgs = KwArgs>(
    topic: string,
    handler: EventHandler<A, K>,
    options: SubscribeOptions & { readonly limit?: number } = {},
  ): Promise<Subscription> {
    return subscribeWithHistory(this, topic, handler, options);
  }

  /**
   * Subscribe as an event queue: `for await (const { args, kwargs, details } of session.events(topic))`.
   * The buffer holds `maxBuffered` events (default 1000); when it is full the
   * `overflow` policy drops the oldest (default) or the newest, with a
   * warning. Leaving the loop unsubscribes; the loop ends when the session
   * ends. See {@link EventQueue} (on a {@link LeanSession}: {@link eventQueue});
   * `eventsTyped` does the same for a typed topic.
   */
  events(topic: string, options: EventQueueOptions = {}): EventQueue<QueuedEvent<Args, KwArgs, EventDetails>> {
    return eventQueue(this, topic, options);
  }
}
