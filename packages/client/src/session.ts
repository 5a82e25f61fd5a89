/**
 * `Session`: the Promise API of one WAMP session over one {@link Transport},
 * driving the sans-IO `ClientSession` of @wamp/core. It owns a single timer,
 * armed at the core's `pollTimeout()`.
 */

import {
  CanceledError,
  ClientSession,
  ErrorUri,
  LocalProtocolError,
  ProtocolViolation,
  SessionClosedError,
  TRANSPORT_LOST,
  WampError,
  type Args,
  type CancelMode,
  type ClientEvent,
  type CloseInfo,
  type CryptoProvider,
  type Dict,
  type InvocationEvent,
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
import type { AuthAttempt, AuthMethod } from './auth.js';
import { passthruAttributes, type DecodedArguments, type PassthruCodec } from './passthru.js';
import { AsyncQueue } from './queue.js';
import { Result } from './result.js';
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

export interface JoinOptions extends SessionHooks {
  readonly realm: string;
  readonly authid?: string;
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
  readonly agent?: string;
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

/** Options of `Session.call`. */
export interface CallOptions {
  /** Milliseconds; the call fails with `wamp.error.timeout` after it (and the dealer is told, where it can be). */
  readonly timeout?: number;
  /** CALL.Options.disclose_me. */
  readonly discloseMe?: boolean;
  /** Aborting it cancels the call (advanced profile "Call Canceling") with `cancelMode`. */
  readonly signal?: AbortSignal;
  /** `killnowait` when absent. With `kill` the promise waits for the callee's answer. */
  readonly cancelMode?: CancelMode;
  /** Receives progressive results; the call asks for them when this is set. */
  readonly onProgress?: (result: Result) => void;
  /** CALL.Options.rkey ("Sharded Registration"): the call goes to the callee shard owning this resource key. */
  readonly rkey?: string;
}

/** What a procedure implementation learns about the call it serves. */
export interface InvocationDetails {
  readonly request: number;
  readonly registration: number;
  /** The procedure called (for a pattern registration, the actual URI). */
  readonly procedure: string;
  /** The caller's session ID, authid and authrole, when disclosed. */
  readonly caller: number | undefined;
  readonly callerAuthid: string | undefined;
  readonly callerAuthrole: string | undefined;
  /** The caller accepts progressive results (yield them from an async generator, or call `progress`). */
  readonly receiveProgress: boolean;
  /**
   * The call's timeout in milliseconds, when the dealer handed it to this
   * callee (advanced profile "Call Timeouts"): `signal` fires that long after
   * the invocation arrived, and a handler that then gives up (throws or
   * rejects with anything but a WampError) answers `wamp.error.canceled`.
   */
  readonly timeout: number | undefined;
  /** The trust level the dealer assigned to the call (advanced profile "Call Trust Levels"), when it gives one. */
  readonly trustlevel: number | undefined;
  /**
   * Fires when the dealer interrupts the call, its timeout passes, or the
   * session ends. Made on first read; read after an interrupt, it is already
   * aborted.
   */
  readonly signal: AbortSignal;
  /** Send a progressive result now; throws if the caller did not ask for them. */
  progress(args?: Args, kwargs?: KwArgs): void;
  /** For a progressive call invocation: the chunks after the first, the last one with `progress: false`. */
  readonly input: AsyncIterable<Result> | undefined;
  /** INVOCATION.Details as received. */
  readonly details: Dict;
}

/**
 * A procedure implementation. It may return a value (sent as the single
 * positional result), a {@link Result} (args and kwargs), a Promise of
 * either, or be an async generator whose yields are progressive results and
 * whose return value is the final one. Throwing a {@link WampError} sends
 * that error; throwing anything else sends `wamp.error.runtime_error` with
 * the message (after an interrupt: `wamp.error.canceled`).
 */
export type InvocationHandler<A extends Args = Args, K extends KwArgs = KwArgs> = (
  args: A,
  kwargs: K,
  details: InvocationDetails,
) => unknown;

/** What an event handler learns about the publication it receives. */
export interface EventDetails {
  readonly subscription: number;
  readonly publication: number;
  /** The topic published to (for a pattern subscription, the actual URI). */
  readonly topic: string;
  readonly publisher: number | undefined;
  readonly publisherAuthid: string | undefined;
  readonly publisherAuthrole: string | undefined;
  /** The event was retained by the broker and delivered on subscribe. */
  readonly retained: boolean;
  /** The event comes from the broker's event history (`subscribeWithHistory`), not live. */
  readonly history: boolean;
  /** The trust level the broker assigned to the publication (advanced profile "Publication Trust Levels"), when it gives one. */
  readonly trustlevel: number | undefined;
  /** EVENT.Details as received. */
  readonly details: Dict;
}

/** An event handler; what it throws or rejects with becomes a warning. */
export type EventHandler<A extends Args = Args, K extends KwArgs = KwArgs> = (
  args: A,
  kwargs: K,
  details: EventDetails,
) => void | Promise<void>;

/** A procedure registered by this session. */
export class Registration {
  /** Called when the router revokes the registration ("Registration Revocation"). */
  onRevoked: ((reason: string | undefined) => void) | undefined;
  private live = true;

  constructor(
    private readonly session: Session,
    readonly id: number,
    readonly procedure: string,
    readonly handler: InvocationHandler,
    readonly options: RegisterOptions,
  ) {}

  /** False once unregistered, revoked, or the session ended. */
  get active(): boolean {
    return this.live;
  }

  /** Unregister this handler (the registration ends with its last handler). */
  unregister(): Promise<void> {
    return this.session.unregister(this);
  }

  /** @internal */
  end(): void {
    this.live = false;
  }
}

/** One local handler on a router subscription; several may share one subscription ID. */
export class Subscription {
  /** Called when the broker revokes the subscription ("Subscription Revocation"). */
  onRevoked: ((reason: string | undefined) => void) | undefined;
  private live = true;

  constructor(
    private readonly session: Session,
    readonly id: number,
    readonly topic: string,
    readonly handler: EventHandler,
    readonly options: SubscribeOptions,
  ) {}

  /** False once unsubscribed, revoked, or the session ended. */
  get active(): boolean {
    return this.live;
  }

  /** Unsubscribe this handler (the router subscription ends with its last handler). */
  unsubscribe(): Promise<void> {
    return this.session.unsubscribe(this);
  }

  /** @internal */
  end(): void {
    this.live = false;
  }
}

/** A call whose input is sent in chunks ("Progressive Call Invocations"); see `Session.progressiveCall`. */
export interface ProgressiveCall<R = unknown> {
  readonly request: number;
  /** Settles with the call's outcome. */
  readonly result: Promise<Result<R>>;
  /** Send one more chunk. False when the call already ended (the callee answered early). */
  send(args?: Args, kwargs?: KwArgs): boolean;
  /** Send the last chunk; resolves like `result`. */
  end(args?: Args, kwargs?: KwArgs): Promise<Result<R>>;
}

type Waiter =
  | {
      readonly kind: 'call';
      /** For decoding a passthru RESULT. */
      readonly procedure: string;
      readonly resolve: (r: Result) => void;
      readonly reject: (e: unknown) => void;
      readonly onProgress: ((r: Result) => void) | undefined;
    }
  | {
      readonly kind: 'register';
      readonly resolve: (r: Registration) => void;
      readonly reject: (e: unknown) => void;
      readonly procedure: string;
      readonly handler: InvocationHandler;
      readonly options: RegisterOptions;
    }
  | { readonly kind: 'unregister'; readonly resolve: () => void; readonly reject: (e: unknown) => void; readonly registration: Registration }
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
 * The `details` a handler gets, and the session's record of the invocation it
 * serves. The AbortController behind `signal` is made when a handler first
 * reads it: most never do, and one per invocation was a large share of a
 * callee's time. An interrupt that comes first is remembered, so a signal
 * read afterwards is already aborted, with the same reason.
 */
class RunningInvocation implements InvocationDetails {
  /** Set by the first interrupt (INTERRUPT, or the session's end). */
  interrupted = false;
  /** What the signal is aborted with. */
  interruptReason: unknown = undefined;
  private controller: AbortController | undefined = undefined;

  constructor(
    readonly request: number,
    readonly registration: number,
    readonly procedure: string,
    readonly caller: number | undefined,
    readonly callerAuthid: string | undefined,
    readonly callerAuthrole: string | undefined,
    readonly receiveProgress: boolean,
    readonly progress: (args?: Args, kwargs?: KwArgs) => void,
    readonly input: AsyncQueue<Result> | undefined,
    readonly details: Dict,
  ) {}

  get timeout(): number | undefined {
    return positiveIntOf(this.details['timeout']);
  }

  get trustlevel(): number | undefined {
    return levelOf(this.details['trustlevel']);
  }

  get signal(): AbortSignal {
    let c = this.controller;
    if (c === undefined) {
      c = this.controller = new AbortController();
      if (this.interrupted) c.abort(this.interruptReason);
    }
    return c.signal;
  }

  interrupt(reason: unknown): void {
    if (!this.interrupted) {
      this.interrupted = true;
      this.interruptReason = reason;
    }
    this.controller?.abort(reason);
    this.input?.fail(reason);
  }
}

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
const PROGRESS = Object.freeze({ progress: true });
const NO_CALL_OPTIONS: CallOptions = Object.freeze({});
const CALL_OPTION_KEYS: ReadonlySet<string> = new Set(['timeout', 'discloseMe', 'signal', 'cancelMode', 'onProgress', 'rkey']);

/**
 * One WAMP session. Obtain it with {@link Session.join}; it ends with
 * `leave()`, when the router closes it, or when the transport goes away
 * (`closed` then resolves). Every pending request then rejects with a
 * `SessionClosedError`.
 */
export class Session {
  /** Resolves once, when the session has ended, with how it ended. */
  readonly closed: Promise<CloseInfo>;
  private status: SessionState = 'connecting';
  private readonly listeners: { [E in keyof SessionEvents]: Set<SessionListener<E>> } = {
    closing: new Set(),
    closed: new Set(),
    failed: new Set(),
  };
  private readonly core: ClientSession;
  private readonly timers: Timers;
  private readonly clock: Clock;
  private readonly hooks: SessionHooks;
  private readonly waiters = new Map<number, Waiter>();
  private readonly registrations = new Map<number, Registration>();
  private readonly subscriptions = new Map<number, Set<Subscription>>();
  private readonly invocations = new Map<number, RunningInvocation>();
  private readonly topicLocks = new Map<string, Promise<unknown>>();
  private attempts = new Map<string, AuthAttempt>();
  private readonly codecs: readonly PassthruCodec[];
  private transportOpen = true;
  private dispatching = false;
  private timer: unknown;
  private timerAt: number | undefined;
  private welcome: { id: number; details: Dict; roles: RouterRoles } | undefined;
  private joinError: unknown;
  private resolveClosed!: (info: CloseInfo) => void;
  private joinSettled!: { resolve: () => void; reject: (e: unknown) => void };
  private readonly opened: Promise<void>;

  /**
   * Open a session on `transport`: HELLO, authentication if the router asks,
   * WELCOME. Rejects with a `SessionClosedError` carrying the router's reason
   * when it answers ABORT (or the transport closes, or the join times out);
   * the transport is closed then.
   */
  static async join(transport: Transport, options: JoinOptions): Promise<Session> {
    const session = new Session(transport, options);
    session.start(options).catch((e: unknown) => session.failBeforeHello(e));
    await session.opened;
    return session;
  }

  private constructor(
    private readonly transport: Transport,
    options: JoinOptions,
  ) {
    this.timers = options.timers ?? systemTimers;
    this.clock = options.clock ?? systemClock;
    this.hooks = { onTrace: options.onTrace, onWarning: options.onWarning };
    this.codecs = options.passthru === undefined ? [] : Array.isArray(options.passthru) ? [...(options.passthru as readonly PassthruCodec[])] : [options.passthru as PassthruCodec];
    this.core = new ClientSession({
      serializer: transport.serializer,
      agent: options.agent ?? AGENT,
      trace: options.onTrace !== undefined,
      ...(options.joinTimeout === undefined ? {} : { joinTimeout: options.joinTimeout }),
      ...(options.goodbyeTimeout === undefined ? {} : { goodbyeTimeout: options.goodbyeTimeout }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.uriRule === undefined ? {} : { uriRule: options.uriRule }),
    });
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.opened = new Promise((resolve, reject) => {
      this.joinSettled = { resolve, reject };
    });
    transport.onFrame = (frame) => {
      this.core.handleMessage(frame, this.clock());
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
    return this.welcome?.id ?? 0;
  }

  /** WELCOME.Details as received: authid, authrole, authmethod, authprovider, authextra, roles, ... */
  get details(): Dict {
    return this.welcome?.details ?? EMPTY;
  }

  /** The authentication ID the router assigned (WELCOME.Details.authid), which may differ from the one asked for. */
  get authid(): string | undefined {
    return stringOf(this.details['authid']);
  }

  /** The role the router assigned (WELCOME.Details.authrole); the router authorizes every action by it. */
  get authrole(): string | undefined {
    return stringOf(this.details['authrole']);
  }

  /** The authentication method that succeeded (WELCOME.Details.authmethod, e.g. `anonymous`, `ticket`, `wampcra`). */
  get authmethod(): string | undefined {
    return stringOf(this.details['authmethod']);
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
    return this.welcome?.roles ?? { dealer: undefined, broker: undefined };
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
    return this.status;
  }

  /**
   * Listen to a state change (`closing`, `closed`, `failed`); returns the
   * function that stops listening. Listeners are called synchronously; one
   * that throws is reported through `onWarning`.
   */
  on<E extends keyof SessionEvents>(event: E, listener: SessionListener<E>): () => void {
    const set = this.listeners[event] as Set<SessionListener<E>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  private emit<E extends keyof SessionEvents>(event: E, payload: SessionEvents[E]): void {
    for (const listener of [...(this.listeners[event] as Set<SessionListener<E>>)]) {
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

  /**
   * Call a procedure and iterate over its progressive results; the last item
   * is the final result (`progress: false`). Leaving the loop early cancels
   * the call.
   */
  callProgressive<R = unknown>(
    procedure: string,
    args?: Args,
    kwargs?: KwArgs,
    options: Omit<CallOptions, 'onProgress'> = {},
  ): AsyncIterableIterator<Result<R>> {
    const queue = new AsyncQueue<Result<R>>();
    const controller = new AbortController();
    const outer = options.signal;
    const forward = (): void => controller.abort(outer?.reason);
    if (outer?.aborted === true) forward();
    else outer?.addEventListener('abort', forward, { once: true });
    let finished = false;
    this.call<R>(procedure, args, kwargs, {
      ...options,
      signal: controller.signal,
      onProgress: (r) => queue.push(r as Result<R>),
    }).then(
      (r) => {
        finished = true;
        queue.push(r);
        queue.end();
      },
      (e: unknown) => {
        finished = true;
        queue.fail(e);
      },
    );
    return (async function* () {
      try {
        yield* queue;
      } finally {
        outer?.removeEventListener('abort', forward);
        if (!finished) controller.abort();
      }
    })();
  }

  /**
   * Start a call whose input is sent in chunks ("Progressive Call
   * Invocations"; the dealer must announce it): `args`/`kwargs` are the first
   * chunk, `send()` adds more, `end()` sends the last.
   */
  progressiveCall<R = unknown>(procedure: string, args?: Args, kwargs?: KwArgs, options: CallOptions = {}): ProgressiveCall<R> {
    const { request, result } = this.startCall<R>(procedure, args, kwargs, options, true);
    return {
      request,
      result,
      send: (a, k) => this.continueCall(request, procedure, a, k, true),
      end: (a, k) => {
        this.continueCall(request, procedure, a, k, false);
        return result;
      },
    };
  }

  private startCall<R>(
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
      const onAbort = (): void => this.cancel(request, options.cancelMode ?? 'killnowait');
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

  private continueCall(request: number, procedure: string, args: Args | undefined, kwargs: KwArgs | undefined, more: boolean): boolean {
    if (!this.isOpen) return false;
    const sent = this.core.continueCall(request, this.outgoing(procedure, args, kwargs), { progress: more });
    this.flush();
    return sent;
  }

  private cancel(request: number, mode: CancelMode): void {
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

  /** Register a procedure; see {@link InvocationHandler} for what the handler may do. */
  register<A extends Args = Args, K extends KwArgs = KwArgs>(
    procedure: string,
    handler: InvocationHandler<A, K>,
    options: RegisterOptions = {},
  ): Promise<Registration> {
    return new Promise<Registration>((resolve, reject) => {
      const request = this.core.register(procedure, options);
      this.waiters.set(request, { kind: 'register', resolve, reject, procedure, handler: handler as InvocationHandler, options });
      this.flush();
    });
  }

  /** Unregister; resolves when the router confirms (at once if the registration already ended). */
  unregister(registration: Registration): Promise<void> {
    if (!registration.active || this.registrations.get(registration.id) !== registration || !this.isOpen) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const request = this.core.unregister(registration.id);
      this.waiters.set(request, { kind: 'unregister', resolve, reject, registration });
      this.flush();
    });
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
    return this.serialized(topic, () =>
      new Promise<Subscription>((resolve, reject) => {
        const request = this.core.subscribe(topic, options);
        this.waiters.set(request, { kind: 'subscribe', resolve, reject, topic, handler: handler as EventHandler, options });
        this.flush();
      }),
    );
  }

  /**
   * Subscribe, then replay the broker's event history of the subscription
   * (`wamp.subscription.get_events`, advanced profile "Event History"), then
   * follow live events — without a gap or a duplicate: live events that
   * arrive while the history is fetched are held back, delivered after it,
   * and those the history already held (same publication ID) are dropped.
   * History events have `details.history` set. Rejects (and unsubscribes)
   * when the router keeps no history for the topic
   * (`wamp.error.history_unavailable`).
   */
  async subscribeWithHistory<A extends Args = Args, K extends KwArgs = KwArgs>(
    topic: string,
    handler: EventHandler<A, K>,
    options: SubscribeOptions & { readonly limit?: number } = {},
  ): Promise<Subscription> {
    const { limit, ...subscribeOptions } = options;
    const h = handler as EventHandler;
    let held: [Args, KwArgs, EventDetails][] | undefined = [];
    const sub = await this.subscribe(
      topic,
      (args, kwargs, details) => {
        if (held !== undefined) {
          held.push([args, kwargs, details]);
          return;
        }
        return h(args, kwargs, details);
      },
      subscribeOptions,
    );
    let records: unknown[];
    try {
      const r = await this.call('wamp.subscription.get_events', [sub.id, limit ?? 10]);
      records = Array.isArray(r.args[0]) ? (r.args[0] as unknown[]) : [];
    } catch (e) {
      await sub.unsubscribe().catch(() => undefined);
      throw e;
    }
    const seen = new Set<number>();
    for (const rec of records) {
      const ev = this.historyEvent(sub, rec);
      if (ev === undefined) continue;
      seen.add(ev[2].publication);
      this.runHistoryHandler(topic, () => h(ev[0], ev[1], ev[2]));
    }
    const pending = held;
    held = undefined;
    for (const [a, k, d] of pending) if (!seen.has(d.publication)) this.runHistoryHandler(topic, () => h(a, k, d));
    return sub;
  }

  /** One record of `wamp.subscription.get_events` as handler arguments, or undefined (with a warning) when it is malformed. */
  private historyEvent(sub: Subscription, rec: unknown): [Args, KwArgs, EventDetails] | undefined {
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) return undefined;
    const r = rec as Dict;
    const publication = r['publication'];
    if (typeof publication !== 'number') return undefined;
    const d: Dict = typeof r['details'] === 'object' && r['details'] !== null && !Array.isArray(r['details']) ? (r['details'] as Dict) : EMPTY;
    const topic = stringOf(r['topic']) ?? sub.topic;
    let args: Args = Array.isArray(r['args']) ? (r['args'] as Args) : [];
    let kwargs: KwArgs = typeof r['kwargs'] === 'object' && r['kwargs'] !== null && !Array.isArray(r['kwargs']) ? (r['kwargs'] as KwArgs) : {};
    const payload = r['payload'];
    if (typeof payload === 'string' || payload instanceof Uint8Array) {
      try {
        ({ args, kwargs } = this.incoming(topic, payload, d));
      } catch (e) {
        this.warn(`history event ${publication} on ${topic} dropped: ${messageOf(e)}`);
        return undefined;
      }
    }
    const details: EventDetails = {
      subscription: sub.id,
      publication,
      topic,
      publisher: typeof d['publisher'] === 'number' ? d['publisher'] : undefined,
      publisherAuthid: stringOf(d['publisher_authid']),
      publisherAuthrole: stringOf(d['publisher_authrole']),
      retained: false,
      history: true,
      trustlevel: levelOf(d['trustlevel']),
      details: d,
    };
    return [args, kwargs, details];
  }

  /** Run an event handler; a throw or rejection becomes a warning. */
  private runHistoryHandler(topic: string, f: () => unknown): void {
    this.callback(`event handler for ${topic}`, f);
  }

  /** Remove one handler; resolves when done (after the router confirms, if it was the last). */
  unsubscribe(subscription: Subscription): Promise<void> {
    return this.serialized(subscription.topic, async () => {
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
      this.status = 'closing';
      this.emit('closing', { reason, message });
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
    this.closeTransport();
    this.core.handleTransportClosed();
    this.flush();
  }

  // -------------------------------------------------------------------------
  // Driving the core

  private async start(options: JoinOptions): Promise<void> {
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
      transport: this.transport,
      crypto: (): CryptoProvider => (crypto ??= fallback?.() ?? noCryptoProvider()),
    };
    const attempts = await Promise.all(methods.map((m) => m.start(context)));
    if (!this.transportOpen) throw new SessionClosedError(TRANSPORT_LOST, 'transport', EMPTY, 'the transport closed before HELLO');
    this.attempts = new Map(methods.map((m, i) => [m.name, attempts[i]!]));
    let authextra: Dict | undefined = options.authextra;
    for (const a of attempts) if (a.authextra !== undefined) authextra = { ...authextra, ...a.authextra };
    this.core.join(
      {
        realm: options.realm,
        ...(options.authid === undefined ? {} : { authid: options.authid }),
        ...(options.authrole === undefined ? {} : { authrole: options.authrole }),
        ...(methods.length === 0 ? {} : { authmethods: methods.map((m) => m.name) }),
        ...(authextra === undefined ? {} : { authextra }),
      },
      this.clock(),
    );
    this.flush();
  }

  /** The join failed before HELLO (bad options, auth setup, transport gone). */
  private failBeforeHello(e: unknown): void {
    this.joinSettled.reject(e);
    this.status = 'failed';
    this.closeTransport();
    this.resolveClosed({
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
    switch (ev.type) {
      case 'trace':
        return safely(() => this.hooks.onTrace?.(ev));
      case 'warning':
        return this.warn(ev.message);
      case 'challenge':
        return this.onChallenge(ev.authMethod, ev.extra);
      case 'joined':
        return this.onJoined(ev.session, ev.details, ev.roles);
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
        if (w?.kind !== 'register') return;
        this.waiters.delete(ev.request);
        const registration = new Registration(this, ev.registration, w.procedure, w.handler, w.options);
        this.registrations.set(ev.registration, registration);
        return w.resolve(registration);
      }
      case 'unregistered': {
        const w = this.waiters.get(ev.request);
        this.registrations.delete(ev.registration);
        if (w?.kind !== 'unregister') return;
        this.waiters.delete(ev.request);
        w.registration.end();
        return w.resolve();
      }
      case 'registrationRevoked': {
        const registration = this.registrations.get(ev.registration);
        this.registrations.delete(ev.registration);
        if (registration === undefined) return;
        registration.end();
        return this.callback('onRevoked', () => registration.onRevoked?.(ev.reason));
      }
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
      case 'event':
        return this.onEvent(ev);
      case 'invocation':
        return this.onInvocation(ev);
      case 'interrupt': {
        const running = this.invocations.get(ev.request);
        if (running === undefined) return;
        const reason =
          ev.reason === ErrorUri.TIMEOUT && ev.mode === 'kill'
            ? new CanceledError(`invocation ${ev.request} timed out after ${running.timeout ?? '?'} ms`)
            : new CanceledError(`invocation ${ev.request} interrupted (${ev.mode}${ev.reason === undefined ? '' : `, ${ev.reason}`})`);
        running.interrupt(reason);
        return;
      }
    }
  }

  private onChallenge(authMethod: string, extra: Dict): void {
    const attempt = this.attempts.get(authMethod);
    if (attempt === undefined) {
      this.refuseAuth(new WampError(ErrorUri.AUTHENTICATION_FAILED, [`the router asked for ${authMethod}, which this client did not offer`]));
      return;
    }
    attempt.respond(extra).then(
      (r) => {
        // The session may have closed (timeout, lost transport) while the signature was computed.
        if (this.core.state.tag !== 'challenging') return;
        this.core.authenticate(r.signature, r.extra ?? EMPTY);
        this.flush();
      },
      (e: unknown) => this.refuseAuth(e),
    );
  }

  /** The client cannot or will not complete the authentication: ABORT, and `join()` rejects with `error`. */
  private refuseAuth(error: unknown): void {
    const tag = this.core.state.tag;
    if (tag === 'closed' || tag === 'shuttingDown') return;
    this.joinError = error;
    const reason = error instanceof ProtocolViolation ? ErrorUri.PROTOCOL_VIOLATION : ErrorUri.AUTHENTICATION_FAILED;
    const detail = error instanceof WampError && typeof error.args[0] === 'string' ? error.args[0] : messageOf(error);
    this.core.abort(reason, detail);
    this.flush();
  }

  private onJoined(id: number, details: Dict, roles: RouterRoles): void {
    const method = stringOf(details['authmethod']);
    const attempt = method === undefined ? undefined : this.attempts.get(method);
    try {
      attempt?.verifyWelcome?.(details);
    } catch (e) {
      return this.refuseAuth(e);
    }
    this.attempts = new Map();
    this.welcome = { id, details, roles };
    this.status = 'open';
    this.joinSettled.resolve();
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
    if (this.welcome === undefined) {
      this.joinSettled.reject(this.joinError ?? new SessionClosedError(info.reason, info.initiator, info.details, info.message));
    }
    for (const r of this.registrations.values()) r.end();
    for (const set of this.subscriptions.values()) for (const s of set) s.end();
    this.registrations.clear();
    this.subscriptions.clear();
    this.closeTransport();
    this.resolveClosed(info);
    const failed = info.initiator === 'transport' || info.reason === ErrorUri.PROTOCOL_VIOLATION || !info.wasJoined;
    this.status = failed ? 'failed' : 'closed';
    if (!info.wasJoined) return;
    const end = { reason: info.reason, message: info.message, details: info.details, initiator: info.initiator };
    if (failed) this.emit('failed', { ...end, error: new SessionClosedError(info.reason, info.initiator, info.details, info.message) });
    else this.emit('closed', end);
  }

  private closeTransport(): void {
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
    const d = ev.details;
    const details: EventDetails = {
      subscription: ev.subscription,
      publication: ev.publication,
      topic: ev.topic,
      publisher: typeof d['publisher'] === 'number' ? d['publisher'] : undefined,
      publisherAuthid: stringOf(d['publisher_authid']),
      publisherAuthrole: stringOf(d['publisher_authrole']),
      retained: d['retained'] === true,
      history: false,
      trustlevel: levelOf(d['trustlevel']),
      details: d,
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

  private onInvocation(ev: InvocationEvent): void {
    if (ev.continuation && ev.payload !== undefined) {
      try {
        ev = { ...ev, ...this.incoming(ev.procedure, ev.payload, ev.details) };
      } catch (e) {
        this.warn(`a chunk of invocation ${ev.request} dropped: ${messageOf(e)}`);
        return;
      }
    }
    if (ev.continuation) {
      const running = this.invocations.get(ev.request);
      if (running?.input === undefined) return;
      running.input.push(new Result(ev.args, ev.kwargs, ev.details, ev.progress));
      if (!ev.progress) running.input.end();
      return;
    }
    const registration = this.registrations.get(ev.registration);
    if (registration === undefined) {
      this.core.yieldError(ev.request, ErrorUri.NO_SUCH_REGISTRATION);
      return;
    }
    if (ev.payload !== undefined) {
      let decoded: DecodedArguments;
      try {
        decoded = this.incoming(ev.procedure, ev.payload, ev.details);
      } catch (e) {
        this.core.yieldError(ev.request, ErrorUri.INVALID_ARGUMENT, { args: [`the payload cannot be decoded: ${messageOf(e)}`] });
        this.flush();
        return;
      }
      ev = { ...ev, args: decoded.args, kwargs: decoded.kwargs };
    }
    const input = ev.progress ? new AsyncQueue<Result>() : undefined;
    const d = ev.details;
    const request = ev.request;
    const running = new RunningInvocation(
      request,
      ev.registration,
      ev.procedure,
      typeof d['caller'] === 'number' ? d['caller'] : undefined,
      stringOf(d['caller_authid']),
      stringOf(d['caller_authrole']),
      ev.receiveProgress,
      (args, kwargs) => {
        this.core.yield(request, this.outgoing(ev.procedure, args, kwargs), { progress: true });
        this.flush();
      },
      input,
      d,
    );
    this.invocations.set(request, running);
    let first: unknown;
    try {
      first = registration.handler(ev.args, ev.kwargs, running);
    } catch (e) {
      first = Promise.reject(e);
    }
    if (isPromiseLike(first) || isAsyncIterable(first) || first instanceof WampError) {
      void this.runHandler(ev, running, first);
      return;
    }
    // A plain value is answered at once, without a turn through the microtask
    // queue (a YIELD per invocation; it showed in profiles of one call at a time).
    try {
      this.answer(request, ev.procedure, first, false);
    } finally {
      this.invocations.delete(request);
      running.input?.end();
    }
  }

  /**
   * Answer an invocation once the handler's result (`first`: a promise, an
   * async iterable or a WampError) settles; nothing it does can break the session.
   */
  private async runHandler(ev: InvocationEvent, running: RunningInvocation, first: unknown): Promise<void> {
    const request = ev.request;
    try {
      let final: unknown = await first;
      if (isAsyncIterable(final)) {
        const it = final[Symbol.asyncIterator]();
        let warned = false;
        for (;;) {
          const step = await it.next();
          if (step.done === true) {
            final = step.value;
            break;
          }
          if (running.interrupted || !this.isOpen) {
            // Interrupted (the caller cancelled) or the session ended: stop the generator.
            await it.return?.();
            throw running.interrupted ? running.interruptReason : new CanceledError('the session ended');
          }
          if (!ev.receiveProgress) {
            if (!warned) this.warn(`${ev.procedure}: progressive results dropped, the caller did not ask for them`);
            warned = true;
            continue;
          }
          if (!this.answer(request, ev.procedure, step.value, true)) {
            await it.return?.();
            return;
          }
        }
      }
      // A returned WampError is an answer of ERROR, the same as a thrown one.
      if (final instanceof WampError) throw final;
      this.answer(request, ev.procedure, final, false);
    } catch (e) {
      this.answerError(request, e, running.interrupted, ev.procedure);
    } finally {
      this.invocations.delete(request);
      running.input?.end();
    }
  }

  /** Send a YIELD; false when it could not be serialized (an ERROR went instead). */
  private answer(request: number, procedure: string, value: unknown, progress: boolean): boolean {
    try {
      const p = payloadOf(value);
      this.core.yield(request, this.outgoing(procedure, p.args, p.kwargs), progress ? PROGRESS : undefined);
    } catch (e) {
      // The application's result cannot be sent (it does not serialize): the caller gets a runtime error.
      this.warn(`${procedure}: the result of invocation ${request} cannot be sent: ${messageOf(e)}`);
      this.answerError(request, e, false, procedure);
      return false;
    }
    this.flush();
    return true;
  }

  /** Answer an invocation of `procedure` with ERROR (its arguments through the passthru codecs, like results). */
  private answerError(request: number, e: unknown, interrupted: boolean, procedure: string): void {
    let uri: string = ErrorUri.RUNTIME_ERROR;
    let args: Args = [messageOf(e)];
    let kwargs: KwArgs | undefined;
    if (e instanceof WampError && !(e instanceof LocalProtocolError)) {
      uri = e.uri;
      args = e.args;
      kwargs = e.kwargs;
    } else if (interrupted) {
      uri = ErrorUri.CANCELED;
    }
    try {
      this.core.yieldError(request, uri, this.outgoing(procedure, args, kwargs));
    } catch (inner) {
      // Not a valid URI, or args that do not serialize: fall back to the generic error.
      this.warn(`invocation ${request}: cannot send error ${uri}: ${messageOf(inner)}`);
      this.core.yieldError(request, ErrorUri.RUNTIME_ERROR, { args: [messageOf(e)] });
    }
    this.flush();
  }

  /** Arguments for `uri` as they go out: through the first passthru codec that takes them, else in the clear. */
  private outgoing(uri: string, args: Args | undefined, kwargs: KwArgs | undefined): Arguments {
    for (const c of this.codecs) {
      const p = c.encode(uri, args, kwargs);
      if (p !== undefined) return { passthru: p };
    }
    return { args, kwargs };
  }

  /** The arguments in a passthru payload received for `uri`; throws when no codec reads it. */
  private incoming(uri: string, payload: Payload, details: Dict): DecodedArguments {
    const attrs = passthruAttributes(details);
    if (attrs === undefined) throw new Error('a passthru payload without ppt_scheme');
    const codec = this.codecs.find((c) => c.scheme === attrs.scheme);
    if (codec === undefined) throw new Error(`no passthru codec for scheme ${attrs.scheme}`);
    return codec.decode(uri, { ...attrs, payload });
  }

  /** Run an application callback; a throw or rejection becomes a warning. */
  private callback(what: string, f: () => unknown): void {
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
  private serialized<T>(key: string, f: () => Promise<T>): Promise<T> {
    const previous = this.topicLocks.get(key);
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
    this.topicLocks.set(key, tail);
    void tail.then(() => {
      if (this.topicLocks.get(key) === tail) this.topicLocks.delete(key);
    });
    return run;
  }
}

/** What `leave()` resolves with: the router's GOODBYE reason when it replied, no internal fields. */
function endOf(info: CloseInfo): SessionEnd {
  if (info.routerReason === undefined) return { reason: info.reason, message: info.message, details: info.details };
  return { reason: info.routerReason, message: stringOf(info.details['message']), details: info.details };
}

function noCryptoProvider(): never {
  throw new LocalProtocolError(
    ErrorUri.INVALID_ARGUMENT,
    'no CryptoProvider: pass `crypto` in the join options (webCryptoProvider(), nobleCryptoProvider(), ...)',
  );
}

function payloadOf(value: unknown): { args?: Args; kwargs?: KwArgs } {
  if (value instanceof Result) return { args: value.args, kwargs: value.kwargs };
  return value === undefined ? {} : { args: [value] };
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** A trust level: a non-negative integer (advanced profile, "Trust Levels"). */
function levelOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

function positiveIntOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
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
