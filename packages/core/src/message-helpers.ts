// Questions a sans-IO user asks of a decoded message, answered with the
// defaults of the specification, so that nobody reads `options['...']` and
// forgets that `exclude_me` is true when absent. Pure functions: a message in,
// a boolean out. The parameters name only what is read (the message type codes
// and the Options/Details dictionary), so that `Publish`, `Call`, `Result`...
// of the message model fit them and nothing else does.

import type { Dict } from './types.js';

/** A PUBLISH (16), as far as the helpers read it (`Publish` of the message model fits). */
export interface PublishLike {
  readonly type: 16;
  readonly options: Dict;
}
/** A CALL (48), as far as the helpers read it (`Call` fits). */
export interface CallLike {
  readonly type: 48;
  readonly options: Dict;
}
/** A RESULT (50), as far as the helpers read it (`Result` fits). */
export interface ResultLike {
  readonly type: 50;
  readonly details: Dict;
}
/** An INVOCATION (68), as far as the helpers read it (`Invocation` fits). */
export interface InvocationLike {
  readonly type: 68;
  readonly details: Dict;
}
/** A YIELD (70), as far as the helpers read it (`Yield` fits). */
export interface YieldLike {
  readonly type: 70;
  readonly options: Dict;
}

/**
 * Whether the publisher asked for PUBLISHED (basic profile, "Publish":
 * `PUBLISH.Options.acknowledge`, default false). A broker answers an
 * acknowledged PUBLISH with PUBLISHED or ERROR, and an unacknowledged one
 * with nothing at all, not even an ERROR.
 */
export function wantsAcknowledge(msg: PublishLike): boolean {
  return msg.options['acknowledge'] === true;
}

/**
 * Whether the publisher is left out of the receivers of its own publication
 * (advanced profile, "Publisher Exclusion": `PUBLISH.Options.exclude_me`,
 * default **true** — only an explicit `false` lets a publisher that is also
 * subscribed receive its own event).
 */
export function excludesPublisher(msg: PublishLike): boolean {
  return msg.options['exclude_me'] !== false;
}

/**
 * Whether the caller accepts progressive results (advanced profile,
 * "Progressive Call Results"): `CALL.Options.receive_progress`, or on the
 * callee's side the `INVOCATION.Details.receive_progress` the dealer
 * forwards (it does so only when the callee announced the feature). Default
 * false: a callee must then send one final YIELD.
 */
export function wantsProgress(msg: CallLike | InvocationLike): boolean {
  const where = msg.type === 48 ? msg.options : msg.details;
  return where['receive_progress'] === true;
}

/**
 * Whether a message is a progressive part rather than the final one:
 * RESULT and YIELD carry a progressive result ("Progressive Call Results":
 * `RESULT.Details.progress`, `YIELD.Options.progress`); CALL and INVOCATION
 * carry a chunk of progressive input with more to come ("Progressive Call
 * Invocations": `CALL.Options.progress`, `INVOCATION.Details.progress`).
 * Default false: the message is the last of its request.
 */
export function isProgress(msg: ResultLike | YieldLike | CallLike | InvocationLike): boolean {
  const where = msg.type === 48 || msg.type === 70 ? msg.options : msg.details;
  return where['progress'] === true;
}
