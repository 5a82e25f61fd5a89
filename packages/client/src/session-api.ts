/**
 * What the Promise API shares between `LeanSession`, `Session`, `Client` and
 * the features that are modules of their own (the callee side, progressive
 * calls, event history): the handles of registrations and subscriptions (one
 * class each, serving a `Session` — one session's registration — and a
 * `Client` — a registration kept across reconnects, whose `current` is the
 * one in the session of the moment), what handlers get, the call options,
 * and what those features use of a session (`SessionApi`). It imports no
 * other module of the package but types, so that the features never import
 * the session module.
 */

import type {
  Args,
  Arguments,
  CancelMode,
  ClientCallee,
  Dict,
  LeanClientSession,
  InterruptEvent,
  InvocationEvent,
  KwArgs,
  Payload,
  RegisterOptions,
  RegistrationRevokedEvent,
  SubscribeOptions,
} from '@wamp/core';
import type { DecodedArguments } from './passthru.js';
import type { Result } from './result.js';

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

/** What a REGISTER or UNREGISTER is about, as the session keeps it until the answer. */
export type CalleeRequest =
  | { readonly kind: 'register'; readonly procedure: string; readonly handler: InvocationHandler; readonly options: RegisterOptions }
  | { readonly kind: 'unregister'; readonly registration: Registration };

/** What the callee side needs from the session it serves. */
export interface CalleeHost {
  /** The callee role of the session's core (`clientCallee()` of @wamp/core, installed by the first `register()`). */
  readonly core: ClientCallee;
  /** The session is established (answers can go out). */
  readonly isOpen: boolean;
  /** Arguments as they go out (through the passthru codecs). */
  outgoing(uri: string, args: Args | undefined, kwargs: KwArgs | undefined): Arguments;
  /** The arguments of a passthru payload received for `uri`; throws when no codec reads it. */
  incoming(uri: string, payload: Payload, details: Dict): DecodedArguments;
  /** Send what the core queued and handle its events. */
  flush(): void;
  warn(message: string): void;
  /** Run an application callback; a throw or rejection becomes a warning. */
  callback(what: string, f: () => unknown): void;
  /** Send a request through `send` (which returns its request ID); the promise settles with the router's answer. */
  request<T>(send: () => number, what: CalleeRequest): Promise<T>;
}

/** The callee side of a session, as the session drives it (see `handler-runner.ts`). */
export interface CalleeSide {
  register(procedure: string, handler: InvocationHandler, options: RegisterOptions): Promise<Registration>;
  unregister(registration: Registration): Promise<void>;
  registered(id: number, w: CalleeRequest & { kind: 'register' }): Registration;
  unregistered(id: number, w: CalleeRequest | undefined): void;
  revoked(ev: RegistrationRevokedEvent): void;
  invocation(ev: InvocationEvent): void;
  interrupt(ev: InterruptEvent): void;
  end(): void;
}

/**
 * What the feature functions ({@link register}, {@link callProgressive},
 * {@link progressiveCall}, {@link subscribeWithHistory}) use of a session:
 * a `LeanSession` (or a `Session`) is one.
 */
export interface SessionApi {
  /** Call a procedure; see `LeanSession.call`. */
  call<R = unknown>(procedure: string, args?: Args, kwargs?: KwArgs, options?: CallOptions): Promise<Result<R>>;
  /** Subscribe a handler; see `LeanSession.subscribe`. */
  subscribe<A extends Args = Args, K extends KwArgs = KwArgs>(topic: string, handler: EventHandler<A, K>, options?: SubscribeOptions): Promise<Subscription>;
  /** Unregister; see `LeanSession.unregister`. */
  unregister(registration: Registration): Promise<void>;
  /** @internal */
  warn(message: string): void;
  /** @internal */
  callback(what: string, f: () => unknown): void;
  /** @internal */
  incoming(uri: string, payload: Payload, details: Dict): DecodedArguments;
  /** @internal */
  startCall<R>(procedure: string, args: Args | undefined, kwargs: KwArgs | undefined, options: CallOptions, progressiveInput: boolean): { request: number; result: Promise<Result<R>> };
  /** @internal */
  continueCall(request: number, procedure: string, args: Args | undefined, kwargs: KwArgs | undefined, more: boolean): boolean;
  /** @internal */
  callee: CalleeSide | undefined;
  /**
   * @internal What the callee side uses of this session; `install` (the
   * `clientCallee` of @wamp/core) gives the core's callee role. It is passed
   * in by `register()` so that a session that registers nothing does not
   * carry it.
   */
  calleeHost(install: (core: LeanClientSession) => ClientCallee): CalleeHost;
}

/** Whoever ends a {@link Registration}: the `Session` it lives in, or the `Client` that restores it. */
export interface RegistrationOwner {
  /** End `registration`; `Registration.unregister()` calls it. */
  unregister(registration: Registration): Promise<void>;
}

/** Whoever ends a {@link Subscription}: the `Session` it lives in, or the `Client` that restores it. */
export interface SubscriptionOwner {
  /** End `subscription`; `Subscription.unsubscribe()` calls it. */
  unsubscribe(subscription: Subscription): Promise<void>;
}

/**
 * A procedure registered by a `Session` (for one session), or by a `Client`
 * (for this and every later session).
 */
export class Registration {
  /** Called when the router revokes the registration ("Registration Revocation"). */
  onRevoked: ((reason: string | undefined) => void) | undefined;
  /** For a `Client`'s registration: the registration in the current session, if connected. Undefined for a `Session`'s. */
  current: Registration | undefined;
  private live = true;

  /** @internal `id` is 0 for a `Client`'s registration, which reads it from `current`. */
  constructor(
    private readonly owner: RegistrationOwner,
    private readonly ownId: number,
    readonly procedure: string,
    readonly handler: InvocationHandler,
    readonly options: RegisterOptions,
  ) {}

  /** The registration ID the router assigned (for a `Client`'s: in the current session; 0 while not connected). */
  get id(): number {
    return this.current === undefined ? this.ownId : this.current.id;
  }

  /** False once unregistered, revoked, or (for a `Session`'s) the session ended. */
  get active(): boolean {
    return this.live;
  }

  /** Unregister this handler (for a `Client`'s: now and for later sessions). */
  unregister(): Promise<void> {
    return this.owner.unregister(this);
  }

  /** @internal */
  end(): void {
    this.live = false;
  }
}

/**
 * One local handler on a router subscription (several may share one
 * subscription ID), held by a `Session` (for one session) or a `Client` (for
 * this and every later session).
 */
export class Subscription {
  /** Called when the broker revokes the subscription ("Subscription Revocation"). */
  onRevoked: ((reason: string | undefined) => void) | undefined;
  /** For a `Client`'s subscription: the subscription in the current session, if connected. Undefined for a `Session`'s. */
  current: Subscription | undefined;
  private live = true;

  /** @internal `id` is 0 for a `Client`'s subscription, which reads it from `current`. */
  constructor(
    private readonly owner: SubscriptionOwner,
    private readonly ownId: number,
    readonly topic: string,
    readonly handler: EventHandler,
    readonly options: SubscribeOptions,
  ) {}

  /** The subscription ID the broker assigned (for a `Client`'s: in the current session; 0 while not connected). */
  get id(): number {
    return this.current === undefined ? this.ownId : this.current.id;
  }

  /** False once unsubscribed, revoked, or (for a `Session`'s) the session ended. */
  get active(): boolean {
    return this.live;
  }

  /** Unsubscribe this handler (the router subscription ends with its last handler; for a `Client`'s: now and for later sessions). */
  unsubscribe(): Promise<void> {
    return this.owner.unsubscribe(this);
  }

  /** @internal */
  end(): void {
    this.live = false;
  }
}
