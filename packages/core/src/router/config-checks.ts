/**
 * The small checks every configuration validator here is built from: the
 * core router's (`validateRouterConfig`) and the ones that extend it (the
 * node router's listeners, backpressure, logging). Each check takes the
 * field's path and value and throws a {@link RouterConfigError} naming the
 * path; `check` records a fault and goes on, so that `collectFaults` reports
 * every bad field of a document at once, in document order.
 */

import type { Dict } from '../types.js';

/**
 * A configuration fault; `path` names the field
 * (`realms[0].auth.ticket.principals.joe.authrole`). Validation checks every
 * field before it throws: when it found several faults, the error thrown is
 * the first, and `errors` lists all of them (the message has one line each).
 */
export class RouterConfigError extends Error {
  readonly path: string;
  /** What is wrong with the field, without the path. */
  readonly problem: string;
  /** Every fault found (this one alone for a single fault), in document order. */
  readonly errors: readonly RouterConfigError[];
  constructor(path: string, problem: string, others: readonly RouterConfigError[] = []) {
    super(others.length === 0 ? `${path}: ${problem}` : [`${path}: ${problem}`, ...others.map((e) => e.message)].join('\n'));
    this.name = 'RouterConfigError';
    this.path = path;
    this.problem = problem;
    this.errors = others.length === 0 ? [this] : [new RouterConfigError(path, problem), ...others];
  }

  /** One error standing for `faults` (at least one): the first, carrying all of them. */
  static of(faults: readonly RouterConfigError[]): RouterConfigError {
    const flat = faults.flatMap((e) => e.errors);
    const first = flat[0];
    if (first === undefined) throw new RangeError('RouterConfigError.of: no faults');
    return flat.length === 1 ? first : new RouterConfigError(first.path, first.problem, flat.slice(1));
  }
}

/**
 * The faults found so far by the validation running now. Validation is
 * synchronous, so one module-level list serves; `collectFaults` saves and
 * restores it.
 */
let found: RouterConfigError[] | undefined;

/** Record a fault and go on when collecting; throw it otherwise. */
export function fault(e: RouterConfigError): void {
  if (found === undefined) throw e;
  found.push(...e.errors);
}

/** Run one check; a fault is recorded and `fallback` returned, so that the other fields are checked too. */
export function check<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof RouterConfigError)) throw e;
    fault(e);
    return fallback;
  }
}

/** Run a whole validation, collecting its faults; throws them together at the end. */
export function collectFaults<T>(run: () => T): T {
  const outer = found;
  const mine: RouterConfigError[] = [];
  found = mine;
  let out: T;
  try {
    out = run();
  } catch (e) {
    if (!(e instanceof RouterConfigError)) throw e;
    mine.push(...e.errors);
    throw RouterConfigError.of(mine);
  } finally {
    found = outer;
  }
  if (mine.length > 0) throw RouterConfigError.of(mine);
  return out;
}

/** A configuration object as read: its fields not checked yet. */
export type Obj = Readonly<Record<string, unknown>>;

/** A plain object (`{}` or a null prototype): what JSON gives and a config written in code is. */
export function isPlainObject(v: unknown): v is Readonly<Record<string, unknown>> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A plain object whose keys are all `allowed`; each unknown key is a fault of its own. */
export function object(path: string, v: unknown, allowed: readonly string[]): Readonly<Record<string, unknown>> {
  if (!isPlainObject(v)) throw new RouterConfigError(path, 'must be an object');
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) fault(new RouterConfigError(`${path}.${k}`, `unknown field (expected one of ${allowed.join(', ')})`));
  }
  return v;
}

/** A non-empty string. */
export function nonEmptyString(path: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new RouterConfigError(path, 'must be a non-empty string');
  return v;
}

/** Absent, or a non-empty string. */
export function optString(path: string, v: unknown): string | undefined {
  return v === undefined ? undefined : nonEmptyString(path, v);
}

/** Absent, or true or false. */
export function optBool(path: string, v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new RouterConfigError(path, 'must be true or false');
  return v;
}

/** A safe integer ≥ 1. */
export function positiveInt(path: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new RouterConfigError(path, 'must be a positive integer');
  return v;
}

/** Absent, or a safe integer ≥ 1. */
export function optPositiveInt(path: string, v: unknown): number | undefined {
  return v === undefined ? undefined : positiveInt(path, v);
}

/** An integer in [min, max]. */
export function intIn(path: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RouterConfigError(path, `must be an integer in [${min}, ${max}]`);
  }
  return v;
}

/** One of the strings `values`. */
export function oneOf<T extends string>(path: string, v: unknown, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new RouterConfigError(path, `must be one of ${values.join(', ')}`);
  }
  return v as T;
}

/** Absent, or a plain object (not looked into). */
export function optDict(path: string, v: unknown): Dict | undefined {
  if (v === undefined) return undefined;
  if (!isPlainObject(v)) throw new RouterConfigError(path, 'must be an object');
  return v;
}

/** A function (a hook given in code). */
export function fn<T>(path: string, v: unknown): T {
  if (typeof v !== 'function') throw new RouterConfigError(path, 'must be a function');
  return v as T;
}

/** An array. */
export function list(path: string, v: unknown): readonly unknown[] {
  if (!Array.isArray(v)) throw new RouterConfigError(path, 'must be a list');
  return v;
}

/** Each item checked on its own; the items that passed, in order. */
export function checkedList<T>(path: string, v: unknown, item: (v: unknown, i: number) => T): T[] {
  const out: T[] = [];
  check(() => list(path, v), []).forEach((x, i) => {
    const r = check<T | undefined>(() => item(x, i), undefined);
    if (r !== undefined) out.push(r);
  });
  return out;
}

/** The members of {@link configChecks}; each is the function of the same name above. */
export interface ConfigChecks {
  /** Run a whole validation, collecting its faults; throws them together at the end. */
  readonly collectFaults: typeof collectFaults;
  /** Run one check; a fault is recorded and `fallback` returned, so that the other fields are checked too. */
  readonly check: typeof check;
  /** Record a fault and go on when collecting; throw it otherwise. */
  readonly fault: typeof fault;
  /** A plain object (`{}` or a null prototype). */
  readonly isPlainObject: typeof isPlainObject;
  /** A plain object whose keys are all `allowed`; each unknown key is a fault of its own. */
  readonly object: typeof object;
  /** A non-empty string. */
  readonly nonEmptyString: typeof nonEmptyString;
  /** Absent, or a non-empty string. */
  readonly optString: typeof optString;
  /** Absent, or true or false. */
  readonly optBool: typeof optBool;
  /** A safe integer ≥ 1. */
  readonly positiveInt: typeof positiveInt;
  /** Absent, or a safe integer ≥ 1. */
  readonly optPositiveInt: typeof optPositiveInt;
  /** An integer in [min, max]. */
  readonly intIn: typeof intIn;
  /** One of the strings `values`. */
  readonly oneOf: typeof oneOf;
  /** Absent, or a plain object (not looked into). */
  readonly optDict: typeof optDict;
  /** A function (a hook given in code). */
  readonly fn: typeof fn;
  /** An array. */
  readonly list: typeof list;
  /** Each item checked on its own; the items that passed, in order. */
  readonly checkedList: typeof checkedList;
}

/**
 * The checks `validateRouterConfig` is built from, for validators of
 * configurations that extend the router's (as `@wamp/node-router`'s does):
 * run the whole validation in `collectFaults`, wrap each field's check in
 * `check(() => ..., fallback)` so that the others are checked too, and
 * report a fault that does not stop the field with `fault`.
 */
export const configChecks: ConfigChecks = Object.freeze({
  collectFaults,
  check,
  fault,
  isPlainObject,
  object,
  nonEmptyString,
  optString,
  optBool,
  positiveInt,
  optPositiveInt,
  intIn,
  oneOf,
  optDict,
  fn,
  list,
  checkedList,
});
