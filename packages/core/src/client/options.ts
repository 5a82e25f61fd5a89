/**
 * The application-facing options of each request, and their mapping to the
 * wire's Options dictionaries (advanced profile feature sections quoted per
 * field). Values are checked here, before anything is sent: a bad value is
 * the application's fault and throws {@link LocalProtocolError}; an unknown
 * key is ignored and reported as a warning.
 */

import { ErrorUri, LocalProtocolError } from '../errors.js';
import { isId } from '../ids.js';
import type { Dict } from '../types.js';
import type { MatchPolicy } from '../uri.js';

/** CANCEL.Options.mode (advanced profile, "Call Canceling"). */
export type CancelMode = 'skip' | 'kill' | 'killnowait';

/** REGISTER.Options.invoke (advanced profile, "Shared Registration"). */
export type InvokePolicy = 'single' | 'roundrobin' | 'random' | 'first' | 'last';

/**
 * CALL.Options, by their names in this API: what `ClientSession.call` puts on
 * the wire. (The Promise API's `CallOptions` of `@wamp/client` adds local
 * ones: an AbortSignal, a progress callback, a cancel mode.)
 */
export interface CallRequestOptions {
  /**
   * Milliseconds; 0 or absent means none ("Call Timeouts"). Sent as
   * CALL.Options.timeout when the dealer announces `call_timeout`, and always
   * enforced locally: the call fails with `wamp.error.timeout` when the
   * deadline passes. With progressive results the deadline restarts at every
   * progressive RESULT, as the spec's "Timeouts" paragraph asks.
   */
  readonly timeout?: number;
  /** CALL.Options.receive_progress ("Progressive Call Results"). */
  readonly receiveProgress?: boolean;
  /**
   * CALL.Options.progress: this CALL is the first chunk of a progressive call
   * invocation; send further chunks with `continueCall()` ("Progressive Call
   * Invocations"). Needs the dealer's `progressive_call_invocations`.
   */
  readonly progress?: boolean;
  /** CALL.Options.disclose_me ("Caller Identification"). */
  readonly discloseMe?: boolean;
  /** CALL.Options.rkey ("Sharded Registration"): the call goes to the callee shard owning this resource key. */
  readonly rkey?: string;
}

/** REGISTER.Options, by their names in this API. */
export interface RegisterOptions {
  /** REGISTER.Options.match ("Pattern-based Registration"); `exact` when absent. */
  readonly match?: MatchPolicy;
  /** REGISTER.Options.invoke ("Shared Registration"); `single` when absent. */
  readonly invoke?: InvokePolicy;
  /** REGISTER.Options.disclose_caller ("Caller Identification"). */
  readonly discloseCaller?: boolean;
  /** REGISTER.Options.force_reregister: take the procedure over from another session. */
  readonly forceReregister?: boolean;
  /** REGISTER.Options.nkey ("Sharded Registration"): the shard this callee serves. */
  readonly nkey?: string;
}

/** SUBSCRIBE.Options, by their names in this API. */
export interface SubscribeOptions {
  /** SUBSCRIBE.Options.match ("Pattern-based Subscription"); `exact` when absent. */
  readonly match?: MatchPolicy;
  /** SUBSCRIBE.Options.get_retained ("Event Retention"). */
  readonly getRetained?: boolean;
  /** SUBSCRIBE.Options.nkey ("Sharded Subscriptions"): the shard this subscriber serves. */
  readonly nkey?: string;
}

/** PUBLISH.Options, by their names in this API. */
export interface PublishOptions {
  /** PUBLISH.Options.acknowledge: the broker answers PUBLISHED or ERROR. */
  readonly acknowledge?: boolean;
  /** PUBLISH.Options.exclude_me ("Publisher Exclusion"); `false` is sent too, to receive one's own event. */
  readonly excludeMe?: boolean;
  /** Session IDs that must not receive the event ("Subscriber Black- and Whitelisting"). */
  readonly exclude?: readonly number[];
  readonly excludeAuthid?: readonly string[];
  readonly excludeAuthrole?: readonly string[];
  /** Only these session IDs may receive the event. */
  readonly eligible?: readonly number[];
  readonly eligibleAuthid?: readonly string[];
  readonly eligibleAuthrole?: readonly string[];
  /** PUBLISH.Options.disclose_me ("Publisher Identification"). */
  readonly discloseMe?: boolean;
  /** PUBLISH.Options.retain ("Event Retention"). */
  readonly retain?: boolean;
  /** PUBLISH.Options.rkey ("Sharded Subscriptions"): sharded subscribers see the event only in the shard owning this resource key. */
  readonly rkey?: string;
}

/** YIELD.Options, by their names in this API. */
export interface YieldOptions {
  /** YIELD.Options.progress: a progressive result; the invocation stays open. */
  readonly progress?: boolean;
}

/** @deprecated Renamed {@link CallRequestOptions}, so as not to share its name with `@wamp/client`'s `CallOptions`. */
export type CallOptions = CallRequestOptions;

/** Options of a further chunk of a progressive call invocation. */
export interface ContinueCallOptions {
  /** CALL.Options.progress: more chunks follow. `false` (or absent) ends the call's input. */
  readonly progress?: boolean;
}

type Check = (v: unknown) => boolean;
type Field = readonly [wireKey: string, check: Check, what: string];

const isBool: Check = (v) => typeof v === 'boolean';
const isTimeout: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1;
const ids: Check = (v) => Array.isArray(v) && v.every(isId);
const strings: Check = (v) => Array.isArray(v) && v.every((s) => typeof s === 'string');
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v);

const BOOL = (key: string): Field => [key, isBool, 'a boolean'];
const KEY = (key: string): Field => [key, (v) => typeof v === 'string' && v.length > 0, 'a non-empty string'];
const MATCH: Field = ['match', oneOf('exact', 'prefix', 'wildcard'), 'one of exact, prefix, wildcard'];

const CALL_FIELDS: Readonly<Record<keyof CallRequestOptions, Field>> = {
  timeout: ['timeout', isTimeout, 'a non-negative integer number of milliseconds'],
  receiveProgress: BOOL('receive_progress'),
  progress: BOOL('progress'),
  discloseMe: BOOL('disclose_me'),
  rkey: KEY('rkey'),
};
const REGISTER_FIELDS: Readonly<Record<keyof RegisterOptions, Field>> = {
  match: MATCH,
  invoke: ['invoke', oneOf('single', 'roundrobin', 'random', 'first', 'last'), 'one of single, roundrobin, random, first, last'],
  discloseCaller: BOOL('disclose_caller'),
  forceReregister: BOOL('force_reregister'),
  nkey: KEY('nkey'),
};
const SUBSCRIBE_FIELDS: Readonly<Record<keyof SubscribeOptions, Field>> = {
  match: MATCH,
  getRetained: BOOL('get_retained'),
  nkey: KEY('nkey'),
};
const PUBLISH_FIELDS: Readonly<Record<keyof PublishOptions, Field>> = {
  acknowledge: BOOL('acknowledge'),
  excludeMe: BOOL('exclude_me'),
  exclude: ['exclude', ids, 'a list of session IDs'],
  excludeAuthid: ['exclude_authid', strings, 'a list of strings'],
  excludeAuthrole: ['exclude_authrole', strings, 'a list of strings'],
  eligible: ['eligible', ids, 'a list of session IDs'],
  eligibleAuthid: ['eligible_authid', strings, 'a list of strings'],
  eligibleAuthrole: ['eligible_authrole', strings, 'a list of strings'],
  discloseMe: BOOL('disclose_me'),
  retain: BOOL('retain'),
  rkey: KEY('rkey'),
};
const YIELD_FIELDS: Readonly<Record<keyof YieldOptions, Field>> = { progress: BOOL('progress') };

/** The wire dictionary for typed options, plus the keys that were not understood. */
export interface WireOptions {
  readonly dict: Dict;
  readonly unknown: readonly string[];
}

const NO_KEYS: readonly string[] = Object.freeze([]);

function toWire(what: string, fields: Readonly<Record<string, Field>>, options: object | undefined): WireOptions {
  const dict: Record<string, unknown> = {};
  if (options === undefined) return { dict, unknown: NO_KEYS };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `${what} must be an object`);
  }
  let unknown: string[] | undefined;
  // Own enumerable keys, as Object.entries gives them, without its arrays (this runs for every request).
  for (const key in options) {
    if (!Object.prototype.hasOwnProperty.call(options, key)) continue;
    const value: unknown = (options as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const field = Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : undefined;
    if (field === undefined) {
      (unknown ??= []).push(key);
      continue;
    }
    const [wireKey, check, expected] = field;
    if (!check(value)) throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, `${what}.${key} must be ${expected}`);
    dict[wireKey] = value;
  }
  return { dict, unknown: unknown ?? NO_KEYS };
}

export const callOptionsToWire = (o: CallRequestOptions | undefined): WireOptions => toWire('CallRequestOptions', CALL_FIELDS, o);
export const registerOptionsToWire = (o: RegisterOptions | undefined): WireOptions =>
  toWire('RegisterOptions', REGISTER_FIELDS, o);
export const subscribeOptionsToWire = (o: SubscribeOptions | undefined): WireOptions =>
  toWire('SubscribeOptions', SUBSCRIBE_FIELDS, o);
export const publishOptionsToWire = (o: PublishOptions | undefined): WireOptions =>
  toWire('PublishOptions', PUBLISH_FIELDS, o);
export const yieldOptionsToWire = (o: YieldOptions | undefined): WireOptions => toWire('YieldOptions', YIELD_FIELDS, o);
