/**
 * The callee's side of the Promise API: runs a procedure's handler for each
 * INVOCATION the core reports, and answers it with YIELD (progressive results
 * from an async generator, then the final one) or ERROR. Nothing a handler
 * does can break the session: a throw, a rejection or a result that does not
 * serialize becomes an ERROR for the caller.
 */

import {
  CanceledError,
  ErrorUri,
  LocalProtocolError,
  WampError,
  type Args,
  type Arguments,
  type ClientSession,
  type Dict,
  type InterruptEvent,
  type InvocationEvent,
  type KwArgs,
} from '@wamp/core';
import type { Registration } from './handles.js';
import { AsyncQueue } from './queue.js';
import { Result } from './result.js';
import type { InvocationDetails } from './session.js';

/** What the runner needs from the `Session` it serves. */
export interface CalleeHost {
  readonly core: ClientSession;
  /** The session is established (answers can go out). */
  readonly isOpen: boolean;
  /** Arguments as they go out (through the passthru codecs). */
  outgoing(uri: string, args: Args | undefined, kwargs: KwArgs | undefined): Arguments;
  /** Send what the core queued and handle its events. */
  flush(): void;
  warn(message: string): void;
}

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

/** Runs handlers and answers their invocations; one per `Session`. */
export class HandlerRunner {
  /** The invocations whose handler still runs, by INVOCATION request ID. */
  private readonly running = new Map<number, RunningInvocation>();

  constructor(private readonly host: CalleeHost) {}

  /** A new invocation (its payload already decoded): run the handler of `registration`. */
  start(registration: Registration, ev: InvocationEvent): void {
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
    void this.run(registration, ev, running);
  }

  /** One more chunk of a progressive call invocation, for the handler's `input`. */
  chunk(ev: InvocationEvent): void {
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

  /** Run a handler to its end and answer the invocation. */
  private async run(registration: Registration, ev: InvocationEvent, running: RunningInvocation): Promise<void> {
    const request = ev.request;
    try {
      let final: unknown = await registration.handler(ev.args, ev.kwargs, running);
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

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
