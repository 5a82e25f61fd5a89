/**
 * The callee side of a reconnecting client, and `Client`: registrations that
 * a {@link LeanClient} restores on every new session. It is a module of its
 * own so that a page whose client registers nothing carries none of it (nor
 * the handler runner, nor the core's callee role): `registerOnClient()`
 * installs it on first use; `Client` is the client over `Session` with
 * `register` and `callProgressive` as methods.
 */

import { ErrorUri, WampError, type Args, type KwArgs, type RegisterOptions } from '@wamp/core';
import { LeanClient, endsWithSession, messageOf, notConnected, type ClientCalleeHook, type ClientOptions } from './client.js';
import { register } from './handler-runner.js';
import type { Result } from './result.js';
import { Registration } from './session-api.js';
import { Session, type CallOptions, type InvocationHandler, type LeanSession } from './session.js';

/**
 * Register a procedure on `client` for this and every future session. When
 * connected, resolves once the router accepted it (and rejects, keeping
 * nothing, if it refused); when not, it is registered on the next connect.
 * `Client.register` is the same as a method; this function is how a
 * {@link LeanClient} registers.
 */
export function registerOnClient<A extends Args = Args, K extends KwArgs = KwArgs, S extends LeanSession = LeanSession>(
  client: LeanClient<S>,
  procedure: string,
  handler: InvocationHandler<A, K>,
  options: RegisterOptions = {},
): Promise<Registration> {
  const callee = (client.callee ??= new ClientRegistrations<S>(client)) as ClientRegistrations<S>;
  return callee.register(procedure, handler as InvocationHandler, options);
}

class ClientRegistrations<S extends LeanSession> implements ClientCalleeHook<S> {
  readonly #client: LeanClient<S>;
  readonly #registrations = new Set<Registration>();

  constructor(client: LeanClient<S>) {
    this.#client = client;
  }

  async register(procedure: string, handler: InvocationHandler, options: RegisterOptions): Promise<Registration> {
    const handle = new Registration(this.#client, 0, procedure, handler, options);
    const s = this.#client.session;
    if (s !== undefined) await this.#registerOn(s, handle);
    this.#registrations.add(handle);
    return handle;
  }

  async unregister(handle: Registration): Promise<void> {
    if (!this.#registrations.delete(handle)) return;
    handle.end();
    const current = handle.current;
    handle.current = undefined;
    await current?.unregister();
  }

  restore(session: S): Promise<unknown> {
    return Promise.all([...this.#registrations].map((h) => this.#restoreRegistration(session, h, 0)));
  }

  detach(): void {
    for (const h of this.#registrations) h.current = undefined;
  }

  /**
   * Re-register `h`. After a failover to another node of a cluster, the
   * registration can still be held for a few seconds by the session that was
   * lost with its node (the cluster notices a dead node within seconds): a
   * `procedure_already_exists` is tried again after 0.5, 1, 2 and 4 s, while
   * this session lasts; any other failure, or the last, is a warning.
   */
  async #restoreRegistration(session: S, h: Registration, attempt: number): Promise<void> {
    try {
      await this.#registerOn(session, h);
    } catch (e) {
      const { timers, warn } = this.#client.calleeContext();
      // The client's open session is this one (`session` is the current session while it is open).
      const current = (): boolean => this.#client.session === session;
      const held = e instanceof WampError && e.uri === ErrorUri.PROCEDURE_ALREADY_EXISTS;
      if (held && attempt < 4 && current() && this.#registrations.has(h)) {
        timers.setTimeout(() => {
          if (current()) void this.#restoreRegistration(session, h, attempt + 1);
        }, 500 * 2 ** attempt);
        return;
      }
      warn(`re-registering ${h.procedure} failed: ${messageOf(e)}`);
    }
  }

  async #registerOn(session: S, handle: Registration): Promise<void> {
    const registration = await register(session, handle.procedure, handle.handler, handle.options);
    handle.current = registration;
    registration.onRevoked = (reason) => {
      if (endsWithSession(reason)) return;
      // Revoked by the router: no longer active, so not registered again after a reconnect.
      handle.end();
      this.#registrations.delete(handle);
      handle.onRevoked?.(reason);
    };
  }
}

/**
 * A session that reconnects ({@link LeanClient}) over `Session`, with
 * `register` and `callProgressive` as methods: opens transports from a
 * factory, joins, retries with backoff, and restores its registrations and
 * subscriptions on every new session.
 */
export class Client extends LeanClient<Session> {
  constructor(options: ClientOptions) {
    super(options, Session);
  }

  /**
   * Register a procedure for this and every future session. When connected,
   * resolves once the router accepted it (and rejects, keeping nothing, if it
   * refused); when not, it is registered on the next connect.
   */
  register<A extends Args = Args, K extends KwArgs = KwArgs>(
    procedure: string,
    handler: InvocationHandler<A, K>,
    options: RegisterOptions = {},
  ): Promise<Registration> {
    return registerOnClient(this, procedure, handler, options);
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
    const error = notConnected();
    return {
      next: () => Promise.reject(error),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
