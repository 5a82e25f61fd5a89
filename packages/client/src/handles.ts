/**
 * The handles an application holds for what it registered or subscribed: one
 * class each, serving both a {@link Session} (one session's registration) and
 * a `Client` (a registration kept across reconnects, whose `current` is the
 * one in the session of the moment).
 */

import type { RegisterOptions, SubscribeOptions } from '@wamp/core';
import type { EventHandler, InvocationHandler } from './session.js';

/** Whoever ends a {@link Registration}: the `Session` it lives in, or the `Client` that restores it. */
export interface RegistrationOwner {
  unregister(registration: Registration): Promise<void>;
}

/** Whoever ends a {@link Subscription}: the `Session` it lives in, or the `Client` that restores it. */
export interface SubscriptionOwner {
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
