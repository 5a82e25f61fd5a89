/**
 * Progressive calls as functions of their own (advanced profile "Progressive
 * Call Results" and "Progressive Call Invocations"): a bundle carries them
 * only when it imports them. `Session.callProgressive` and
 * `Session.progressiveCall` are the same as methods.
 */

import { continueCall, type Args, type KwArgs } from '@wamp/core';
import { AsyncQueue } from './queue.js';
import type { Result } from './result.js';
import type { CallOptions, ProgressiveCall, SessionApi } from './session-api.js';

/**
 * Call a procedure and iterate over its progressive results; the last item
 * is the final result (`progress: false`). Leaving the loop early cancels
 * the call.
 */
export function callProgressive<R = unknown>(
  session: SessionApi,
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
  session
    .call<R>(procedure, args, kwargs, {
      ...options,
      signal: controller.signal,
      onProgress: (r) => queue.push(r as Result<R>),
    })
    .then(
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
export function progressiveCall<R = unknown>(
  session: SessionApi,
  procedure: string,
  args?: Args,
  kwargs?: KwArgs,
  options: CallOptions = {},
): ProgressiveCall<R> {
  const { request, result } = session.startCall<R>(procedure, args, kwargs, options, true);
  // The next chunk; false when the call ended (or the session did).
  const chunk = (a: Args | undefined, k: KwArgs | undefined, more: boolean): boolean =>
    session.isOpen && session.drive((core) => continueCall(core, request, session.outgoing(procedure, a, k), { progress: more }));
  return {
    request,
    result,
    send: (a, k) => chunk(a, k, true),
    end: (a, k) => {
      chunk(a, k, false);
      return result;
    },
  };
}
