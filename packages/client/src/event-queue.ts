// A subscription read as a queue: `for await (const event of session.events(topic))`.
// Events are buffered between their arrival and the loop's next turn; the buffer is
// bounded, and what happens when it is full is the overflow policy. The queue
// unsubscribes when the loop ends early (break, return, throw) and ends once the
// session ends or the broker revokes the subscription, after the events already
// buffered.
//
// This module knows the session only by the shape it uses (subscribe, on, warn),
// so that `Session` can offer `events()` without an import cycle.

import { ErrorUri, LocalProtocolError, type Args, type KwArgs, type SubscribeOptions } from '@wamp/core';

/** How many events an {@link EventQueue} holds by default before its overflow policy applies. */
export const DEFAULT_EVENT_QUEUE_SIZE = 1000;

/**
 * What an {@link EventQueue} does with an event that arrives while it is full:
 * - `'drop-oldest'` (default): the oldest buffered event gives way, so the loop
 *   sees the latest events (right for state updates, prices, positions);
 * - `'drop-newest'`: the arriving event is dropped, so the loop sees a gapless
 *   prefix (right when early events matter more than late ones).
 *
 * Either way the first drop of a burst is reported through the session's
 * `onWarning` hook, and the number dropped when the queue has room again;
 * `queue.dropped` counts them all.
 */
export type EventQueueOverflow = 'drop-oldest' | 'drop-newest';

/** Options of `Session.events`: those of `subscribe`, and the buffer's bound and overflow policy. */
export interface EventQueueOptions extends SubscribeOptions {
  /** Events held while the loop is busy; a positive integer. Default {@link DEFAULT_EVENT_QUEUE_SIZE} (1000). */
  readonly maxBuffered?: number;
  /** What to drop when the buffer is full. Default `'drop-oldest'`. */
  readonly overflow?: EventQueueOverflow;
}

/** One event read from a queue: its arguments and what the session knows about its publication. */
export interface QueuedEvent<A = Args, K = KwArgs, D = unknown> {
  readonly args: A;
  readonly kwargs: K;
  readonly details: D;
}

/** The part of a subscription a queue uses. */
export interface QueueSubscription {
  /** End the subscription (the queue calls it when the loop is left). */
  unsubscribe(): Promise<void>;
  /** Set by the queue: the broker revoked the subscription, so the queue ends. */
  onRevoked: ((reason: string | undefined) => void) | undefined;
}

/** The part of a session a queue uses (`Session` has it). */
export interface QueueSession<D> {
  /** Subscribe `handler` to `topic` (the queue's `push`). */
  subscribe(topic: string, handler: (args: Args, kwargs: KwArgs, details: D) => void, options?: SubscribeOptions): Promise<QueueSubscription>;
  /** Listen for the session's end; returns the function that stops listening. */
  on(event: 'closed' | 'failed', listener: () => void): () => void;
  /** Report a problem through the session's `onWarning` hook. */
  warn(message: string): void;
}

/**
 * Turns a raw event into what the loop receives, when it is about to receive
 * it (in order, one at a time); `undefined` drops the event (the function
 * reports why). Typed topics check their schemas here.
 */
export type EventAcceptor<D, T> = (event: QueuedEvent<Args, KwArgs, D>) => T | undefined | Promise<T | undefined>;

/**
 * A subscription as an async iterator of events, with a bounded buffer (see
 * {@link EventQueueOptions}). Made by `Session.events` (or `eventsTyped` for
 * a typed topic); it subscribes at once, so that nothing published after
 * `ready` resolves is missed.
 *
 * - `for await (const e of queue)` reads events in order of arrival;
 * - leaving the loop early (`break`, `return`, a throw) unsubscribes;
 * - the loop ends, after the buffered events, when the session ends or the
 *   broker revokes the subscription;
 * - if the subscription is refused, `ready` rejects and so does the loop.
 */
export class EventQueue<T> implements AsyncIterableIterator<T, undefined> {
  /** Resolves once the router confirmed the subscription; rejects (and the loop throws) if it refused. */
  readonly ready: Promise<void>;
  /** The topic (or pattern) subscribed to. */
  readonly topic: string;
  readonly #buffer: QueuedEvent<Args, KwArgs, unknown>[] = [];
  readonly #max: number;
  readonly #overflow: EventQueueOverflow;
  readonly #session: QueueSession<unknown>;
  readonly #accept: EventAcceptor<unknown, T> | undefined;
  #subscription: QueueSubscription | undefined;
  #unsubscribing: Promise<void> | undefined;
  #stopListening: (() => void)[] = [];
  #ended = false;
  #failure: { readonly error: unknown } | undefined;
  #wake: (() => void) | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #droppedTotal = 0;
  #droppedInBurst = 0;

  /** @internal Use `Session.events` or `eventsTyped`. */
  constructor(session: QueueSession<unknown>, topic: string, options: EventQueueOptions, accept?: EventAcceptor<unknown, T>) {
    const { maxBuffered, overflow, ...subscribeOptions } = options;
    const max = maxBuffered ?? DEFAULT_EVENT_QUEUE_SIZE;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `events(): maxBuffered must be a positive integer, not ${String(maxBuffered)}`);
    }
    if (overflow !== undefined && overflow !== 'drop-oldest' && overflow !== 'drop-newest') {
      throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `events(): overflow must be 'drop-oldest' or 'drop-newest', not ${String(overflow)}`);
    }
    this.#session = session;
    this.topic = topic;
    this.#max = max;
    this.#overflow = overflow ?? 'drop-oldest';
    this.#accept = accept;
    this.#stopListening = [session.on('closed', () => this.#end()), session.on('failed', () => this.#end())];
    this.ready = session.subscribe(topic, (args, kwargs, details) => this.#push({ args, kwargs, details }), subscribeOptions).then(
      (sub) => {
        if (this.#ended) {
          // The loop was left (or the session ended) before the router answered.
          this.#unsubscribing = sub.unsubscribe().catch(() => undefined);
          return;
        }
        this.#subscription = sub;
        sub.onRevoked = () => this.#end();
      },
      (error: unknown) => {
        this.#end(error);
        throw error;
      },
    );
    // The loop reports the refusal too; `ready` need not be awaited.
    this.ready.catch(() => undefined);
  }

  /** Events dropped by the overflow policy so far. */
  get dropped(): number {
    return this.#droppedTotal;
  }

  /** Events buffered and not yet read. */
  get size(): number {
    return this.#buffer.length;
  }

  /** The next event, or `done` once the queue has ended and its buffer is empty. Calls are served in order. */
  next(): Promise<IteratorResult<T, undefined>> {
    const r = this.#tail.then(() => this.#pull());
    this.#tail = r.then(
      () => undefined,
      () => undefined,
    );
    return r;
  }

  /** Leave the queue: unsubscribe and drop what is buffered (what `break` in a `for await` calls). */
  async return(): Promise<IteratorResult<T, undefined>> {
    await this.close();
    return { value: undefined, done: true };
  }

  /**
   * Unsubscribe and end the queue; buffered events are dropped. Resolves once
   * the router confirmed the unsubscription (also when called before it
   * confirmed the subscription). Safe to call more than once.
   */
  async close(): Promise<void> {
    this.#buffer.length = 0;
    this.#end();
    await this.ready.catch(() => undefined);
    await this.#unsubscribing;
    const sub = this.#subscription;
    this.#subscription = undefined;
    if (sub !== undefined) {
      sub.onRevoked = undefined;
      await sub.unsubscribe().catch(() => undefined);
    }
  }

  /** The queue is its own iterator (one loop reads it). */
  [Symbol.asyncIterator](): this {
    return this;
  }

  async #pull(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      const raw = this.#buffer.shift();
      if (raw !== undefined) {
        if (this.#buffer.length === 0) this.#recovered();
        if (this.#accept === undefined) return { value: raw as T, done: false };
        const value = await this.#accept(raw);
        if (value !== undefined) return { value, done: false };
        continue;
      }
      if (this.#ended) {
        if (this.#failure !== undefined) throw this.#failure.error;
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #push(event: QueuedEvent<Args, KwArgs, unknown>): void {
    if (this.#ended) return;
    if (this.#buffer.length >= this.#max) {
      this.#droppedTotal++;
      this.#droppedInBurst++;
      if (this.#droppedInBurst === 1) {
        this.#session.warn(
          `events on ${this.topic}: the queue is full (${this.#max} events, maxBuffered); the loop is behind, dropping the ${this.#overflow === 'drop-oldest' ? 'oldest' : 'newest'} events`,
        );
      }
      if (this.#overflow === 'drop-newest') return;
      this.#buffer.shift();
    }
    this.#buffer.push(event);
    this.#notify();
  }

  /** The loop caught up: say how many events the burst cost. */
  #recovered(): void {
    if (this.#droppedInBurst === 0) return;
    this.#session.warn(`events on ${this.topic}: ${this.#droppedInBurst} events dropped while the queue was full`);
    this.#droppedInBurst = 0;
  }

  #end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error !== undefined) this.#failure = { error };
    for (const stop of this.#stopListening) stop();
    this.#stopListening = [];
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/**
 * `Session.events` as a function, for a `LeanSession` (which leaves the
 * queue out of bundles that do not use it): subscribe to `topic` and read its
 * events with `for await`.
 */
export function eventQueue<D>(session: QueueSession<D>, topic: string, options: EventQueueOptions = {}): EventQueue<QueuedEvent<Args, KwArgs, D>> {
  return new EventQueue(session as QueueSession<unknown>, topic, options) as EventQueue<QueuedEvent<Args, KwArgs, D>>;
}
