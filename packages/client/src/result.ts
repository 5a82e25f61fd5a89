import type { Args, Dict, KwArgs } from '@wamp/core';

const EMPTY_ARGS: Args = Object.freeze([]);
const EMPTY_DICT: Dict = Object.freeze({});

/**
 * The outcome of a call (or one progressive part of it): positional and
 * keyword results plus RESULT.Details. `value` is `args[0]`, the usual single
 * return value.
 *
 * A handler registered with `register()` may also return a `Result` to send
 * several positional values or keyword values; anything else it returns is
 * sent as the single positional value.
 */
export class Result<T = unknown> {
  readonly args: Args;
  readonly kwargs: KwArgs;
  readonly details: Dict;
  /** True for a progressive result; the last result of a call has `progress: false`. */
  readonly progress: boolean;

  constructor(args: Args = EMPTY_ARGS, kwargs: KwArgs = EMPTY_DICT, details: Dict = EMPTY_DICT, progress = false) {
    this.args = args;
    this.kwargs = kwargs;
    this.details = details;
    this.progress = progress;
  }

  /** The first positional result, typed as the caller expects it (`call<number>(...)`). */
  get value(): T {
    return this.args[0] as T;
  }
}
