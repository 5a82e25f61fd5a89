/**
 * The callee's side of the Promise API, as a feature of its own: a session
 * gets it with its first `register()` (so a bundle that never registers does
 * not carry it). It keeps the handler of each registration, runs it for each
 * INVOCATION the core reports, and answers with YIELD (progressive results
 * from an async generator, then the final one) or ERROR. Nothing a handler
 * does can break the session: a throw, a rejection or a result that does not
 * serialize becomes an ERROR for the caller.
 */

import {
  CanceledError,
  ErrorUri,
  LocalProtocolError,
  WampError,
  clientCallee,
  type Args,
  type Dict,
  type InterruptEvent,
  type InvocationEvent,
  type KwArgs,
  type RegisterOptions,
  type RegistrationRevokedEvent,
} from '@wamp/core';
import type { DecodedArguments } from './passthru.js';
import {
  Registration,
  type CalleeHost,
  type CalleeRequest,
  type CalleeSide,
  type InvocationDetails,
  type InvocationHandler,
  type SessionApi,
} from './session-api.js';
import { AsyncQueue } from './queue.js';
import { Result } from './result.js';

const PROGRESS = Object.freeze({ progress: true });

/**
 * The `details` a handler gets, and the runner's record of the invocation it
 * serves. The AbortController behind `signal` is made when a handler first
 * reads it: most never do, and one per invocation was a large share of a
 * callee's time. An interrupt that comes first is remembered, so a signal
 * read afterwards is already aborted, with the same reason.
 */
class RunningInvocation implements InvocationDetails {
  readonly request: number;
  readonly registration: number;
  readonly procedure: string;
  readonly caller: number | undefined;
  readonly callerAuthid: string | undefined;
  readonly callerAuthrole: string | undefined;
  readonly receiveProgress: boolean;
  readonly timeout: number | undefined;
  readonly trustlevel: number | undefined;
  readonly details: Dict;
  /** What the signal is aborted with; set by the first interrupt (INTERRUPT, its timeout, or the session's end). */
  interruptReason: unknown = undefined;
  private controller: AbortController | undefined = undefined;

  constructor(
    ev: InvocationEvent,
    readonly progress: (args?: Args, kwargs?: KwArgs) => void,
    readonly input: AsyncQueue<Result> | undefined,
  ) {
    this.request = ev.request;
    this.registration = ev.registration;
    this.procedure = ev.procedure;
    this.caller = ev.caller;
    this.callerAuthid = ev.callerAuthid;
    this.callerAuthrole = ev.callerAuthrole;
    this.receiveProgress = ev.receiveProgress;
    this.timeout = ev.timeout;
    this.trustlevel = ev.trustlevel;
    this.details = ev.details;
  }

  get interrupted(): boolean {
    return this.interruptReason !== undefined;
  }

  get signal(): AbortSignal {
    let c = this.controller;
    if (c === undefined) {
      c = this.controller = new AbortController();
      if (this.interrupted) c.abort(this.interruptReason);
    }
    return c.signal;
  }

  interrupt(reason: Error): void {
    if (!this.interrupted) this.interruptReason = reason;
    this.controller?.abort(reason);
    this.input?.fail(reason);
  }
}

/** The callee side of one session: its registrations' handlers, and the handlers that run. */
export class HandlerRunner implements CalleeSide {
  /** The handler of each registration of the session, by registration ID. */
  private readonly registrations = new Map<number, Registration>();
  /** The invocations whose handler still runs, by INVOCATION request ID. */
  private readonly running = new Map<number, RunningInvocation>();

  constructor(
    private readonly session: SessionApi,
    private readonly host: CalleeHost,
  ) {}

  /** Send REGISTER; resolves with the handle once the router answers REGISTERED. */
  register(procedure: string, handler: InvocationHandler, options: RegisterOptions): Promise<Registration> {
    return this.host.request<Registration>(() => this.host.core.register(procedure, options), { kind: 'register', procedure, handler, options });
  }

  /** Send UNREGISTER; resolves when the router confirms (at once if the registration already ended). */
  unregister(registration: Registration): Promise<void> {
    if (!registration.active || this.registrations.get(registration.id) !== registration || !this.host.isOpen) return Promise.resolve();
    return this.host.request<void>(() => this.host.core.unregister(registration.id), { kind: 'unregister', registration });
  }

  /** REGISTERED: the handle for the waiting `register()`. */
  registered(id: number, w: CalleeRequest & { kind: 'register' }): Registration {
    const registration = new Registration(this.session, id, w.procedure, w.handler, w.options);
    this.registrations.set(id, registration);
    return registration;
  }

  /** UNREGISTERED: the registration is gone. */
  unregistered(id: number, w: CalleeRequest | undefined): void {
    this.registrations.delete(id);
    if (w?.kind === 'unregister') w.registration.end();
  }

  /** The router revoked a registration ("Registration Revocation"). */
  revoked(ev: RegistrationRevokedEvent): void {
    const registration = this.registrations.get(ev.registration);
    this.registrations.delete(ev.registration);
    if (registration === undefined) return;
    registration.end();
    this.host.callback('onRevoked', () => registration.onRevoked?.(ev.reason));
  }

  /** The session ended: every registration with it. */
  end(): void {
    for (const r of this.registrations.values()) r.end();
    this.registrations.clear();
  }

  /** INVOCATION, a first one or a chunk of a progressive call invocation (payloads through the passthru codecs). */
  invocation(ev: InvocationEvent): void {
    const host = this.host;
    if (ev.continuation && ev.payload !== undefined) {
      try {
        ev = { ...ev, ...host.incoming(ev.procedure, ev.payload, ev.details) };
      } catch (e) {
        host.warn(`a chunk of invocation ${ev.request} dropped: ${messageOf(e)}`);
        return;
      }
    }
    if (ev.continuation) return this.chunk(ev);
    const registration = this.registrations.get(ev.registration);
    if (registration === undefined) {
      host.core.yieldError(ev.request, ErrorUri.NO_SUCH_REGISTRATION);
      return;
    }
    if (ev.payload !== undefined) {
      let decoded: DecodedArguments;
      try {
        decoded = host.incoming(ev.procedure, ev.payload, ev.details);
      } catch (e) {
        host.core.yieldError(ev.request, ErrorUri.INVALID_ARGUMENT, { args: [`the payload cannot be decoded: ${messageOf(e)}`] });
        host.flush();
        return;
      }
      ev = { ...ev, args: decoded.args, kwargs: decoded.kwargs };
    }
    this.start(registration, ev);
  }

  /** A new invocation (its payload already decoded): run the handler of `registration`. */
  private start(registration: Registration, ev: InvocationEvent): void {
    const host = this.host;
    const request = ev.request;
    const running = new RunningInvocation(
      ev,
      (args, kwargs) => {
        host.core.yield(request, host.outgoing(ev.procedure, args, kwargs), PROGRESS);
        host.flush();
      },
      ev.progress ? new AsyncQueue<Result>() : undefined,
    );
    this.running.set(request, running);
    let first: unknown;
    try {
      first = registration.handler(ev.args, ev.kwargs, running);
    } catch (e) {
      first = Promise.reject(e);
    }
    if (isPromiseLike(first) || isAsyncIterable(first) || first instanceof WampError) {
      void this.run(ev, running, first);
      return;
    }
    // A plain value is answered at once, without a turn through the microtask
    // queue (a YIELD per invocation; it showed in profiles of one call at a time).
    try {
      this.answer(request, ev.procedure, first, false);
    } finally {
      this.running.delete(request);
      running.input?.end();
    }
  }

  /** One more chunk of a progressive call invocation, for the handler's `input`. */
  private chunk(ev: InvocationEvent): void {
    const running = this.running.get(ev.request);
    if (running?.input === undefined) return;
    running.input.push(new Result(ev.args, ev.kwargs, ev.details, ev.progress));
    if (!ev.progress) running.input.end();
  }

  /** INTERRUPT, the invocation's timeout, or the session's end: the handler's signal fires. */
  interrupt(ev: InterruptEvent): void {
    const running = this.running.get(ev.request);
    if (running === undefined) return;
    const reason =
      ev.reason === ErrorUri.TIMEOUT && ev.mode === 'kill'
        ? new CanceledError(`invocation ${ev.request} timed out after ${running.timeout ?? '?'} ms`)
        : new CanceledError(`invocation ${ev.request} interrupted (${ev.mode}${ev.reason === undefined ? '' : `, ${ev.reason}`})`);
    running.interrupt(reason);
  }

  /**
   * Answer an invocation once the handler's result (`first`: a promise, an
   * async iterable or a WampError) settles.
   */
  private async run(ev: InvocationEvent, running: RunningInvocation, first: unknown): Promise<void> {
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
          if (running.interrupted || !this.host.isOpen) {
            // Interrupted (the caller cancelled) or the session ended: stop the generator.
            await it.return?.();
            throw running.interrupted ? running.interruptReason : new CanceledError('the session ended');
          }
          if (!ev.receiveProgress) {
            if (!warned) this.host.warn(`${ev.procedure}: progressive results dropped, the caller did not ask for them`);
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
      this.running.delete(request);
      running.input?.end();
    }
  }

  /** Send a YIELD; false when it could not be serialized (an ERROR went instead). */
  private answer(request: number, procedure: string, value: unknown, progress: boolean): boolean {
    const host = this.host;
    try {
      const p = payloadOf(value);
      host.core.yield(request, host.outgoing(procedure, p.args, p.kwargs), progress ? PROGRESS : undefined);
    } catch (e) {
      // The application's result cannot be sent (it does not serialize): the caller gets a runtime error.
      host.warn(`${procedure}: the result of invocation ${request} cannot be sent: ${messageOf(e)}`);
      this.answerError(request, e, false, procedure);
      return false;
    }
    host.flush();
    return true;
  }

  /** Answer an invocation of `procedure` with ERROR (its arguments through the passthru codecs, like results). */
  private answerError(request: number, e: unknown, interrupted: boolean, procedure: string): void {
    const host = this.host;
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
      host.core.yieldError(request, uri, host.outgoing(procedure, args, kwargs));
    } catch (inner) {
      // Not a valid URI, or args that do not serialize: fall back to the generic error.
      host.warn(`invocation ${request}: cannot send error ${uri}: ${messageOf(inner)}`);
      host.core.yieldError(request, ErrorUri.RUNTIME_ERROR, { args: [messageOf(e)] });
    }
    host.flush();
  }
}

function payloadOf(value: unknown): { args?: Args; kwargs?: KwArgs } {
  if (value instanceof Result) return { args: value.args, kwargs: value.kwargs };
  return value === undefined ? {} : { args: [value] };
}

/** A thenable: what a handler returns when it answers later. @internal */
export function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Register a procedure on `session`; see {@link InvocationHandler} for what
 * the handler may do. `Session.register` is the same as a method; this
 * function is how a {@link LeanSession} registers (the callee side is then
 * in the bundle, and made for the session on first use).
 */
export function register<A extends Args = Args, K extends KwArgs = KwArgs>(
  session: SessionApi,
  procedure: string,
  handler: InvocationHandler<A, K>,
  options: RegisterOptions = {},
): Promise<Registration> {
  try {
    const callee = (session.callee ??= new HandlerRunner(session, session.calleeHost(clientCallee)));
    return callee.register(procedure, handler as InvocationHandler, options);
  } catch (e) {
    return Promise.reject(e);
  }
}
