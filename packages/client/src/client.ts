/**
 * `Client`: a WAMP session that survives its transport. It opens transports
 * from a factory, joins, and when the session is lost it waits (exponential
 * backoff with jitter, capped), reconnects, joins again and re-registers and
 * re-subscribes everything that was active, with the same options.
 */

import {
  ErrorUri,
  LocalProtocolError,
  SessionClosedError,
  TRANSPORT_LOST,
  WampError,
  type Args,
  type CloseInfo,
  type KwArgs,
  type PublishOptions,
  type RegisterOptions,
  type SubscribeOptions,
} from '@wamp/core';
import { Registration, Subscription } from './session-api.js';
import type { Result } from './result.js';
import { Session, type CallOptions, type EventHandler, type InvocationHandler, type JoinOptions } from './session.js';
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

/** What the `Client` reports, by event name. */
export interface ClientEvents {
  /** A connection attempt starts (1 for the first after a success). */
  connecting: { readonly attempt: number };
  /** A session is joined and everything was re-registered and re-subscribed. */
  open: { readonly session: Session };
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
 */
function endsWithSession(reason: string | undefined): boolean {
  return reason !== undefined && reason.startsWith('wamp.close.');
}

type Listener<E extends keyof ClientEvents> = (event: ClientEvents[E]) => void;

/**
 * A session that reconnects: opens transports from a factory, joins, retries with backoff, and restores its
 * registrations and subscriptions on every new session.
 */
export class Client {
  readonly #options: ClientOptions;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #registrations = new Set<Registration>();
  readonly #subscriptions = new Set<Subscription>();
  readonly #listeners: { [E in keyof ClientEvents]: Set<Listener<E>> } = {
    connecting: new Set(),
    open: new Set(),
    closed: new Set(),
    retrying: new Set(),
  };
  #status: ConnectionState = 'idle';
  #current: Session | undefined;
  #transport: Transport | undefined;
  #failures = 0;
  #retryTimer: unknown;
  #heartbeatTimer: unknown;
  #stopping = false;
  #firstOpen: { promise: Promise<Session>; resolve: (s: Session) => void; reject: (e: unknown) => void } | undefined;
  #openedOnce = false;
  #resolveEnded!: () => void;
  readonly #ended = new Promise<void>((resolve) => {
    this.#resolveEnded = resolve;
  });

  constructor(options: ClientOptions) {
    this.#options = options;
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random ?? Math.random;
  }

  get state(): ConnectionState {
    return this.#status;
  }

  /** The open session, if any. */
  get session(): Session | undefined {
    return this.#current?.isOpen === true ? this.#current : undefined;
  }

  /** Listen to an event; returns the function that stops listening. */
  on<E extends keyof ClientEvents>(event: E, listener: Listener<E>): () => void {
    const set = this.#listeners[event] as Set<Listener<E>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Start connecting; resolves with the first open session. Transport
   * failures are retried per the retry policy; a router ABORT while joining
   * (the realm or the credentials are refused) rejects with the router's
   * reason, as does giving up or `close()`.
   */
  connect(): Promise<Session> {
    if (this.#status === 'closed') return Promise.reject(new LocalProtocolError(ErrorUri.PROTOCOL_VIOLATION, 'the client is closed'));
    if (this.#firstOpen !== undefined) return this.#firstOpen.promise;
    let resolve!: (s: Session) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<Session>((res, rej) => {
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
    return s === undefined ? Promise.reject(this.#notConnected()) : s.call<R>(procedure, args, kwargs, options);
  }

  /** Call `procedure` and iterate over its progressive results, the last one included. */
  callProgressive<R = unknown>(
    procedure: string,
    args?: Args,
    kwargs?: KwArgs,
    options?: Omit<CallOptions, 'onProgress'>,
  ): AsyncIterableIterator<Result<R>> {
    const s = this.session;
    if (s !== undefined) return s.callProgressive<R>(procedure, args, kwargs, options);
    const error = this.#notConnected();
    return {
      next: () => Promise.reject(error),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Publish to `topic` on the current session; resolves to the publication ID when acknowledged. */
  publish(topic: string, args?: Args, kwargs?: KwArgs, options?: PublishOptions): Promise<number | undefined> {
    const s = this.session;
    return s === undefined ? Promise.reject(this.#notConnected()) : s.publish(topic, args, kwargs, options);
  }

  /**
   * Register a procedure for this and every future session. When connected,
   * resolves once the router accepted it (and rejects, keeping nothing, if it
   * refused); when not, it is registered on the next connect.
   */
  async register<A extends Args = Args, K extends KwArgs = KwArgs>(
    procedure: string,
    handler: InvocationHandler<A, K>,
    options: RegisterOptions = {},
  ): Promise<Registration> {
    const handle = new Registration(this, 0, procedure, handler as InvocationHandler, options);
    const s = this.session;
    if (s !== undefined) await this.#registerOn(s, handle);
    this.#registrations.add(handle);
    return handle;
  }

  /** Unregister `handle` and forget it, so that it is not restored on reconnect. */
  async unregister(handle: Registration): Promise<void> {
    if (!this.#registrations.delete(handle)) return;
    handle.end();
    const current = handle.current;
    handle.current = undefined;
    await current?.unregister();
  }

  /** Subscribe for this and every future session; like {@link Client.register}. */
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
    let session: Session;
    try {
      session = await Session.join(transport, { ...this.#options, timers: this.#timers, clock: this.#options.clock ?? systemClock });
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
  async #restore(session: Session): Promise<void> {
    await Promise.all([
      ...[...this.#registrations].map((h) => this.#restoreRegistration(session, h, 0)),
      ...[...this.#subscriptions].map((h) =>
        this.#subscribeOn(session, h).catch((e: unknown) => this.#warn(`re-subscribing ${h.topic} failed: ${messageOf(e)}`)),
      ),
    ]);
  }

  /**
   * Re-register `h`. After a failover to another node of a cluster, the
   * registration can still be held for a few seconds by the session that was
   * lost with its node (the cluster notices a dead node within seconds): a
   * `procedure_already_exists` is tried again after 0.5, 1, 2 and 4 s, while
   * this session lasts; any other failure, or the last, is a warning.
   */
  async #restoreRegistration(session: Session, h: Registration, attempt: number): Promise<void> {
    try {
      await this.#registerOn(session, h);
    } catch (e) {
      const held = e instanceof WampError && e.uri === ErrorUri.PROCEDURE_ALREADY_EXISTS;
      if (held && attempt < 4 && this.#current === session && session.isOpen && this.#registrations.has(h)) {
        this.#timers.setTimeout(() => {
          if (this.#current === session && session.isOpen) void this.#restoreRegistration(session, h, attempt + 1);
        }, 500 * 2 ** attempt);
        return;
      }
      this.#warn(`re-registering ${h.procedure} failed: ${messageOf(e)}`);
    }
  }

  async #registerOn(session: Session, handle: Registration): Promise<void> {
    const registration = await session.register(handle.procedure, handle.handler, handle.options);
    handle.current = registration;
    registration.onRevoked = (reason) => {
      if (endsWithSession(reason)) return;
      // Revoked by the router: no longer active, so not registered again after a reconnect.
      handle.end();
      this.#registrations.delete(handle);
      handle.onRevoked?.(reason);
    };
  }

  async #subscribeOn(session: Session, handle: Subscription): Promise<void> {
    const subscription = await session.subscribe(handle.topic, handle.handler, handle.options);
    handle.current = subscription;
    subscription.onRevoked = (reason) => {
      if (endsWithSession(reason)) return;
      handle.end();
      this.#subscriptions.delete(handle);
      handle.onRevoked?.(reason);
    };
  }

  #onSessionClosed(session: Session, info: CloseInfo): void {
    if (this.#current !== session) return;
    this.#current = undefined;
    this.#transport = undefined;
    this.#stopHeartbeat();
    for (const h of this.#registrations) h.current = undefined;
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

  #notConnected(): SessionClosedError {
    return new SessionClosedError(TRANSPORT_LOST, 'transport', {}, 'the client is not connected');
  }

  #emit<E extends keyof ClientEvents>(event: E, payload: ClientEvents[E]): void {
    for (const listener of [...(this.#listeners[event] as Set<Listener<E>>)]) {
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

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
