/**
 * `LeanClient`: a WAMP session that survives its transport. It opens
 * transports from a factory, joins, and when the session is lost it waits
 * (exponential backoff with jitter, capped), reconnects, joins again and
 * re-subscribes (and, once `registerOnClient()` was used, re-registers)
 * everything that was active, with the same options. Its sessions are
 * `LeanSession`s. `Client` (client-register.ts) is the same over `Session`,
 * with `register` and `callProgressive` as methods.
 */

import {
  ErrorUri,
  LocalProtocolError,
  SessionClosedError,
  TRANSPORT_LOST,
  type Args,
  type CloseInfo,
  type KwArgs,
  type PublishOptions,
  type SubscribeOptions,
} from '@wamp/core';
import { Registration, Subscription } from './session-api.js';
import type { Result } from './result.js';
import { LeanSession, type CallOptions, type EventHandler, type JoinOptions, type Session } from './session.js';
import { systemClock, systemTimers, type Clock, type Timers } from './timers.js';
import type { Transport, TransportFactory } from './transport.js';

/** How the {@link Client} retries: exponential backoff with jitter. */
export interface RetryOptions {
  /** Delay before the first retry, in ms. Default 1000. */
  readonly initialDelay?: number;
  /** Cap on the delay, in ms. Default 30000. */
  readonly maxDelay?: number;
  /** Growth factor per failed attempt. Default 2. */
  readonly multiplier?: number;
  /** Fraction (0..1) by which each delay is shortened at random, so clients do not retry in lockstep. Default 0.5. */
  readonly jitter?: number;
  /** Failed attempts in a row before giving up. Default: never give up. */
  readonly maxRetries?: number;
}

/** Transport-level keepalive of the {@link Client}. */
export interface HeartbeatOptions {
  /** Ping the transport this often, in ms. */
  readonly interval: number;
  /** Drop the connection (and reconnect) when a ping is not answered within this many ms. */
  readonly timeout: number;
}

/** Options of {@link LeanClient} and {@link Client}. */
export interface ClientOptions extends JoinOptions {
  /** Opens a transport; called again for every reconnect. */
  readonly transport: TransportFactory;
  /** Reconnection policy; `false` to never reconnect. */
  readonly retry?: RetryOptions | false;
  /** Transport-level keepalive, where the transport can ping (`Transport.keepalive`). */
  readonly heartbeat?: HeartbeatOptions;
  /** Random source in [0, 1) for the jitter; injectable so tests replay exactly. Default Math.random. */
  readonly random?: () => number;
  readonly timers?: Timers;
  readonly clock?: Clock;
}

/** Where a {@link Client} is: not started, opening, joined, waiting to retry, or closed for good. */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'retrying' | 'closed';

/** What the `Client` reports, by event name (`S`: the session class, `Session` for `Client`). */
export interface ClientEvents<S extends LeanSession = Session> {
  /** A connection attempt starts (1 for the first after a success). */
  connecting: { readonly attempt: number };
  /** A session is joined and everything was re-registered and re-subscribed. */
  open: { readonly session: S };
  /** A session or a connection attempt ended. */
  closed: { readonly reason: string; readonly message: string | undefined; readonly error: unknown; readonly willRetry: boolean };
  /** The next attempt will start after `delay` ms. */
  retrying: { readonly attempt: number; readonly delay: number };
}

/** @deprecated `Registration` serves `Client` too; this is the same class. */
export const ClientRegistration = Registration;
/** @deprecated `Registration` serves `Client` too; this is the same class. */
export type ClientRegistration = Registration;
/** @deprecated `Subscription` serves `Client` too; this is the same class. */
export const ClientSubscription = Subscription;
/** @deprecated `Subscription` serves `Client` too; this is the same class. */
export type ClientSubscription = Subscription;

/**
 * A router that closes a session (shutdown, `wamp.session.kill`) may revoke
 * its registrations and subscriptions just before the GOODBYE, giving the
 * close reason (`wamp.close.system_shutdown`, `wamp.close.killed`...). That
 * ends the session, not the application's interest: such a revocation keeps
 * the handle, to be restored on the next session like after any lost one.
 * @internal
 */
export function endsWithSession(reason: string | undefined): boolean {
  return reason !== undefined && reason.startsWith('wamp.close.');
}

type Listener<S extends LeanSession, E extends keyof ClientEvents<S>> = (event: ClientEvents<S>[E]) => void;

/** How a client opens its sessions: `LeanSession` or `Session` (their static `join`). */
export interface SessionClass<S extends LeanSession> {
  /** Open a session on `transport` (HELLO, authentication, WELCOME), as `LeanSession.join` does. */
  join(transport: Transport, options: JoinOptions): Promise<S>;
}

/**
 * @internal The registrations a client restores on every session: made by
 * the first `registerOnClient()` (client-register.ts), so that a client that
 * registers nothing carries none of the callee side.
 */
export interface ClientCalleeHook<S extends LeanSession> {
  /** Register everything again on a new session; failures are warnings. */
  restore(session: S): Promise<unknown>;
  /** The session ended: no registration is current any more. */
  detach(): void;
  unregister(handle: Registration): Promise<void>;
}

/**
 * A session that reconnects: opens transports from a factory, joins, retries
 * with backoff, and restores its subscriptions (and registrations, see
 * `registerOnClient`) on every new session. Its sessions are `LeanSession`s
 * (`S`); {@link Client} is the same over `Session`, with `register` and
 * `callProgressive` as methods.
 */
export class LeanClient<S extends LeanSession = LeanSession> {
  readonly #options: ClientOptions;
  readonly #sessions: SessionClass<S>;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #subscriptions = new Set<Subscription>();
  /** @internal The callee side, made by the first `registerOnClient()`. */
  callee: ClientCalleeHook<S> | undefined = undefined;
  readonly #listeners: { [E in keyof ClientEvents<S>]: Set<Listener<S, E>> } = {
    connecting: new Set(),
    open: new Set(),
    closed: new Set(),
    retrying: new Set(),
  };
  #status: ConnectionState = 'idle';
  #current: S | undefined;
  #transport: Transport | undefined;
  #failures = 0;
  #retryTimer: unknown;
  #heartbeatTimer: unknown;
  #stopping = false;
  #firstOpen: { promise: Promise<S>; resolve: (s: S) => void; reject: (e: unknown) => void } | undefined;
  #openedOnce = false;
  #resolveEnded!: () => void;
  readonly #ended = new Promise<void>((resolve) => {
    this.#resolveEnded = resolve;
  });

  /** `sessions`: the class whose `join` opens each session; `LeanSession` by default. */
  constructor(options: ClientOptions, sessions?: SessionClass<S>) {
    this.#options = options;
    this.#sessions = sessions ?? (LeanSession as unknown as SessionClass<S>);
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random ?? Math.random;
  }

  get state(): ConnectionState {
    return this.#status;
  }

  /** The open session, if any. */
  get session(): S | undefined {
    return this.#current?.isOpen === true ? this.#current : undefined;
  }

  /** Listen to an event; returns the function that stops listening. */
  on<E extends keyof ClientEvents<S>>(event: E, listener: Listener<S, E>): () => void {
    const set = this.#listeners[event] as Set<Listener<S, E>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Start connecting; resolves with the first open session. Transport
   * failures are retried per the retry policy; a router ABORT while joining
   * (the realm or the credentials are refused) rejects with the router's
   * reason, as does giving up or `close()`.
   */
  connect(): Promise<S> {
    if (this.#status === 'closed') return Promise.reject(new LocalProtocolError(ErrorUri.PROTOCOL_VIOLATION, 'the client is closed'));
    if (this.#firstOpen !== undefined) return this.#firstOpen.promise;
    let resolve!: (s: S) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<S>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#firstOpen = { promise, resolve, reject };
    if (this.#status === 'idle') void this.#attempt();
    return promise;
  }

  /** Stop reconnecting, leave the session if one is open, and resolve when the client is closed. */
  async close(reason?: string, message?: string): Promise<void> {
    if (this.#status === 'closed') return;
    this.#stopping = true;
    this.#stopHeartbeat();
    if (this.#status === 'idle' || this.#status === 'retrying') {
      if (this.#retryTimer !== undefined) this.#timers.clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      const error = new SessionClosedError(ErrorUri.CLOSE_NORMAL, 'client', {}, 'client closed');
      this.#emit('closed', { reason: ErrorUri.CLOSE_NORMAL, message: 'client closed', error, willRetry: false });
      this.#finish(error);
    } else if (this.#current?.isOpen === true) {
      await this.#current.leave(reason, message);
    } else {
      // Connecting: the attempt sees `stopping` or its transport closing, and ends the client.
      this.#transport?.close(1000, 'client closed');
    }
    await this.#ended;
  }

  // -------------------------------------------------------------------------
  // The application API, on whichever session is current

  /** Call `procedure` on the current session; rejects when not connected. */
  call<R = unknown>(procedure: string, args?: Args, kwargs?: KwArgs, options?: CallOptions): Promise<Result<R>> {
    const s = this.session;
    return s === undefined ? Promise.reject(notConnected()) : s.call<R>(procedure, args, kwargs, options);
  }

  /** Publish to `topic` on the current session; resolves to the publication ID when acknowledged. */
  publish(topic: string, args?: Args, kwargs?: KwArgs, options?: PublishOptions): Promise<number | undefined> {
    const s = this.session;
    return s === undefined ? Promise.reject(notConnected()) : s.publish(topic, args, kwargs, options);
  }

  /** Unregister `handle` and forget it, so that it is not restored on reconnect. */
  unregister(handle: Registration): Promise<void> {
    return this.callee === undefined ? Promise.resolve() : this.callee.unregister(handle);
  }

  /**
   * Subscribe for this and every future session. When connected, resolves
   * once the router accepted it (and rejects, keeping nothing, if it
   * refused); when not, it is subscribed on the next connect.
   */
  async subscribe<A extends Args = Args, K extends KwArgs = KwArgs>(
    topic: string,
    handler: EventHandler<A, K>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const handle = new Subscription(this, 0, topic, handler as EventHandler, options);
    const s = this.session;
    if (s !== undefined) await this.#subscribeOn(s, handle);
    this.#subscriptions.add(handle);
    return handle;
  }

  /** Unsubscribe `handle` and forget it, so that it is not restored on reconnect. */
  async unsubscribe(handle: Subscription): Promise<void> {
    if (!this.#subscriptions.delete(handle)) return;
    handle.end();
    const current = handle.current;
    handle.current = undefined;
    await current?.unsubscribe();
  }

  // -------------------------------------------------------------------------
  // Connection life cycle

  async #attempt(): Promise<void> {
    this.#retryTimer = undefined;
    this.#setState('connecting');
    this.#emit('connecting', { attempt: this.#failures + 1 });
    let transport: Transport;
    try {
      transport = await this.#options.transport();
    } catch (e) {
      return this.#lost(e, TRANSPORT_LOST, true);
    }
    if (this.#stopping) {
      transport.close(1000, 'client closed');
      return this.#lost(new SessionClosedError(ErrorUri.CLOSE_NORMAL, 'client', {}, 'client closed'), ErrorUri.CLOSE_NORMAL, false);
    }
    this.#transport = transport;
    let session: S;
    try {
      session = await this.#sessions.join(transport, { ...this.#options, timers: this.#timers, clock: this.#options.clock ?? systemClock });
    } catch (e) {
      this.#transport = undefined;
      // The router refused us (ABORT), or the options are wrong: retrying cannot help.
      const refused = (e instanceof SessionClosedError && e.initiator === 'router') || e instanceof LocalProtocolError;
      return this.#lost(e, e instanceof SessionClosedError ? e.uri : ErrorUri.AUTHENTICATION_FAILED, !refused);
    }
    this.#current = session;
    this.#failures = 0;
    void session.closed.then((info) => this.#onSessionClosed(session, info));
    await this.#restore(session);
    if (!session.isOpen) return;
    if (this.#stopping) {
      await session.leave();
      return;
    }
    this.#setState('open');
    this.#startHeartbeat(transport);
    this.#emit('open', { session });
    const first = this.#firstOpen;
    if (first !== undefined) first.resolve(session);
  }

  /** Re-register and re-subscribe what was active, with the same options; a failure is a warning. */
  async #restore(session: S): Promise<void> {
    await Promise.all([
      this.callee?.restore(session),
      ...[...this.#subscriptions].map((h) =>
        this.#subscribeOn(session, h).catch((e: unknown) => this.#warn(`re-subscribing ${h.topic} failed: ${messageOf(e)}`)),
      ),
    ]);
  }

  async #subscribeOn(session: S, handle: Subscription): Promise<void> {
    const subscription = await session.subscribe(handle.topic, handle.handler, handle.options);
    handle.current = subscription;
    subscription.onRevoked = (reason) => {
      if (endsWithSession(reason)) return;
      handle.end();
      this.#subscriptions.delete(handle);
      handle.onRevoked?.(reason);
    };
  }

  #onSessionClosed(session: S, info: CloseInfo): void {
    if (this.#current !== session) return;
    this.#current = undefined;
    this.#transport = undefined;
    this.#stopHeartbeat();
    this.callee?.detach();
    for (const h of this.#subscriptions) h.current = undefined;
    const error = new SessionClosedError(info.reason, info.initiator, info.details, info.message);
    this.#lost(error, info.reason, !this.#stopping, info.message);
  }

  /** A session or an attempt ended: retry after the backoff delay, or stop. */
  #lost(error: unknown, reason: string, retryable: boolean, message = messageOf(error)): void {
    const retry = this.#options.retry === false ? undefined : this.#options.retry ?? {};
    this.#failures++;
    const canRetry =
      retryable && !this.#stopping && retry !== undefined && this.#failures <= (retry.maxRetries ?? Number.POSITIVE_INFINITY);
    this.#emit('closed', { reason, message, error, willRetry: canRetry });
    if (!canRetry || retry === undefined) return this.#finish(error);
    const base = Math.min(retry.maxDelay ?? 30_000, (retry.initialDelay ?? 1000) * (retry.multiplier ?? 2) ** (this.#failures - 1));
    const jitter = Math.min(1, Math.max(0, retry.jitter ?? 0.5));
    const delay = Math.round(base * (1 - jitter * this.#random()));
    this.#setState('retrying');
    this.#emit('retrying', { attempt: this.#failures + 1, delay });
    this.#retryTimer = this.#timers.setTimeout(() => void this.#attempt(), delay);
  }

  /** The client is done: no session, no retry. */
  #finish(error: unknown): void {
    this.#status = 'closed';
    // connect() rejects only if no session ever opened; a later end is told by the `closed` event.
    if (!this.#openedOnce) this.#firstOpen?.reject(error);
    this.#resolveEnded();
  }

  #setState(state: ConnectionState): void {
    if (state === 'open') this.#openedOnce = true;
    this.#status = state;
  }

  #startHeartbeat(transport: Transport): void {
    const hb = this.#options.heartbeat;
    if (hb === undefined) return;
    const ping = transport.keepalive?.bind(transport);
    if (ping === undefined) {
      this.#warn('heartbeat: this transport cannot ping; no heartbeat');
      return;
    }
    const beat = (): void => {
      let answered = false;
      const deadline = this.#timers.setTimeout(() => {
        if (answered || this.#transport !== transport) return;
        this.#warn(`heartbeat: no answer to a ping within ${hb.timeout} ms; dropping the connection`);
        transport.close(4000, 'heartbeat timeout');
      }, hb.timeout);
      ping().then(
        () => {
          answered = true;
          this.#timers.clearTimeout(deadline);
          if (this.#transport === transport) this.#heartbeatTimer = this.#timers.setTimeout(beat, hb.interval);
        },
        () => {
          answered = true;
          this.#timers.clearTimeout(deadline);
        },
      );
    };
    this.#heartbeatTimer = this.#timers.setTimeout(beat, hb.interval);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeatTimer !== undefined) this.#timers.clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }

  /** @internal The timers and the warning hook, for the callee side (client-register.ts). */
  calleeContext(): { readonly timers: Timers; readonly warn: (message: string) => void } {
    return { timers: this.#timers, warn: (message) => this.#warn(message) };
  }

  #emit<E extends keyof ClientEvents<S>>(event: E, payload: ClientEvents<S>[E]): void {
    for (const listener of [...(this.#listeners[event] as Set<Listener<S, E>>)]) {
      try {
        listener(payload);
      } catch (e) {
        this.#warn(`${event} listener threw: ${messageOf(e)}`);
      }
    }
  }

  #warn(message: string): void {
    try {
      this.#options.onWarning?.(message);
    } catch {
      // A hook that throws cannot be reported through the hooks themselves.
    }
  }
}

/** What a command rejects with while the client has no open session. */
export function notConnected(): SessionClosedError {
  return new SessionClosedError(TRANSPORT_LOST, 'transport', {}, 'the client is not connected');
}

/** @internal */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
