// Typed procedures and topics: a URI described once with Standard Schema
// validators (zod, valibot, arktype, ... all implement the interface), checked
// at run time where the data arrives, with the TypeScript types inferred from
// the same schemas.

import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ErrorUri, WampError, type Args, type KwArgs, type PublishOptions, type RegisterOptions, type SubscribeOptions } from '@wamp/core';
import { Result } from './result.js';
import type { CallOptions, EventDetails, InvocationDetails, Registration, Session, Subscription } from './session.js';

/** A Standard Schema validator (the `~standard` interface that zod, valibot, arktype and others implement). */
export type Schema = StandardSchemaV1;

/** What a schema accepts (before its transforms), or `D` when there is no schema. */
export type SchemaInput<S, D> = S extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S> : D;
/** What a schema produces (after its transforms), or `D` when there is no schema. */
export type SchemaOutput<S, D> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : D;

/**
 * A procedure described once: its URI and schemas for its positional
 * arguments (`args`, a schema of an array or tuple), its keyword arguments
 * (`kwargs`, a schema of an object) and its result (`result`, the single
 * positional result, `Result.value`). Made by {@link procedure}.
 */
export interface Procedure<
  A extends Schema | undefined = Schema | undefined,
  K extends Schema | undefined = Schema | undefined,
  R extends Schema | undefined = Schema | undefined,
> {
  readonly kind: 'procedure';
  readonly uri: string;
  readonly args: A;
  readonly kwargs: K;
  readonly result: R;
  /**
   * The keyword argument names that positional arguments bind to, in order
   * (see {@link procedure}); empty when positional arguments are not bound.
   */
  readonly positional: readonly string[];
}

/** A topic described once: its URI and schemas for the positional and keyword arguments of its events. Made by {@link topic}. */
export interface Topic<A extends Schema | undefined = Schema | undefined, K extends Schema | undefined = Schema | undefined> {
  readonly kind: 'topic';
  readonly uri: string;
  readonly args: A;
  readonly kwargs: K;
  /** The keyword argument names that positional arguments bind to, in order (as for {@link procedure}). */
  readonly positional: readonly string[];
}

/** The description {@link procedure} takes. */
export interface ProcedureSpec<A extends Schema | undefined, K extends Schema | undefined, R extends Schema | undefined> {
  readonly uri: string;
  readonly args?: A;
  readonly kwargs?: K;
  readonly result?: R;
  /**
   * The order in which positional arguments bind to keyword names. By
   * default the keys of the `kwargs` object schema in declaration order,
   * read from valibot's `entries` or zod's `shape`; give it for other
   * schema libraries.
   */
  readonly positional?: readonly string[];
}

/** The description {@link topic} takes. */
export interface TopicSpec<A extends Schema | undefined, K extends Schema | undefined> {
  readonly uri: string;
  readonly args?: A;
  readonly kwargs?: K;
  /** As {@link ProcedureSpec.positional}. */
  readonly positional?: readonly string[];
}

/**
 * Describe a procedure. Binding by name: when the procedure has a `kwargs`
 * schema and no `args` schema, a caller may pass the keyword arguments
 * positionally — positional argument `i` binds to the `i`-th key of the
 * `kwargs` schema in declaration order (or of `positional`), so
 * `call(p, [1, 2])` and `call(p, [], { a: 1, b: 2 })` reach the handler the
 * same way. Both may be mixed; a name given both ways, or more positional
 * arguments than names, is an invalid argument.
 */
export function procedure<
  A extends Schema | undefined = undefined,
  K extends Schema | undefined = undefined,
  R extends Schema | undefined = undefined,
>(spec: ProcedureSpec<A, K, R>): Procedure<A, K, R> {
  return Object.freeze({
    kind: 'procedure' as const,
    uri: spec.uri,
    args: spec.args as A,
    kwargs: spec.kwargs as K,
    result: spec.result as R,
    positional: bindingOrder(spec.args, spec.kwargs, spec.positional),
  });
}

/** Describe a topic; positional arguments bind to names as for {@link procedure}. */
export function topic<A extends Schema | undefined = undefined, K extends Schema | undefined = undefined>(
  spec: TopicSpec<A, K>,
): Topic<A, K> {
  return Object.freeze({
    kind: 'topic' as const,
    uri: spec.uri,
    args: spec.args as A,
    kwargs: spec.kwargs as K,
    positional: bindingOrder(spec.args, spec.kwargs, spec.positional),
  });
}

/** One problem a schema found: where (`args.0`, `kwargs.when`) and what. */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Data that does not fit its schema. Its `args` list each issue as
 * `"path: message"` and `kwargs.issues` holds them as {@link SchemaIssue}s.
 * A typed callee answers invalid input with this error
 * (`wamp.error.invalid_argument`); `callTyped` with `checkResult` rejects
 * with it (`where: 'result'`) when the result does not fit.
 */
export class SchemaError extends WampError {
  readonly issues: readonly SchemaIssue[];
  readonly where: 'input' | 'result';

  constructor(where: 'input' | 'result', issues: readonly SchemaIssue[], uri: string = ErrorUri.INVALID_ARGUMENT) {
    super(
      uri,
      issues.map((i) => `${i.path}: ${i.message}`),
      { issues: issues.map((i) => ({ path: i.path, message: i.message })) },
      `${where === 'result' ? 'the result' : 'the arguments'} do not fit the schema: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
    this.name = 'SchemaError';
    this.issues = issues;
    this.where = where;
  }
}

/** The positional arguments a handler receives: the `args` schema's output, or `[]` when there is none. */
export type HandlerArgs<A> = SchemaOutput<A, readonly []>;
/** The keyword arguments a handler receives: the `kwargs` schema's output, or whatever came when there is none. */
export type HandlerKwArgs<K> = SchemaOutput<K, KwArgs>;

/** What a typed procedure implementation may answer (see the README's return shapes). */
export type TypedReturn<R> = SchemaInput<R, unknown> | Result | WampError | undefined;

/** A typed procedure implementation: the checked (and transformed) arguments in, the result out. */
export type TypedInvocationHandler<A, K, R> = (
  args: HandlerArgs<A>,
  kwargs: HandlerKwArgs<K>,
  details: InvocationDetails,
) => TypedReturn<R> | Promise<TypedReturn<R>> | AsyncIterable<unknown, TypedReturn<R>>;

/** A typed event handler: the checked (and transformed) arguments in. */
export type TypedEventHandler<A, K> = (args: HandlerArgs<A>, kwargs: HandlerKwArgs<K>, details: EventDetails) => void | Promise<void>;

/**
 * Register a typed procedure. Each invocation's arguments are checked against
 * the schemas first (positional arguments bound to names, see
 * {@link procedure}); arguments that do not fit are answered with ERROR
 * `wamp.error.invalid_argument` listing each issue, and the handler does not
 * run. The handler sees the schemas' output (transforms applied).
 */
export function registerTyped<A extends Schema | undefined, K extends Schema | undefined, R extends Schema | undefined>(
  session: Session,
  proc: Procedure<A, K, R>,
  handler: TypedInvocationHandler<A, K, R>,
  options?: RegisterOptions,
): Promise<Registration> {
  return session.register(
    proc.uri,
    async (args, kwargs, details) => {
      const checked = await checkInput(proc, args, kwargs);
      if ('issues' in checked) throw new SchemaError('input', checked.issues);
      return handler(checked.args as HandlerArgs<A>, checked.kwargs as HandlerKwArgs<K>, details);
    },
    options,
  );
}

/** Options of {@link callTyped}: those of `Session.call`, plus `checkResult`. */
export interface TypedCallOptions extends CallOptions {
  /**
   * Check the result's value against the procedure's `result` schema and
   * resolve with the schema's output; a result that does not fit rejects
   * with a {@link SchemaError} (`where: 'result'`). Default false.
   */
  readonly checkResult?: boolean;
}

/** The positional arguments a caller passes: the `args` schema's input, or any list for a procedure called by name. */
type CallerArgs<A> = SchemaInput<A, readonly unknown[]>;
/** The keyword arguments a caller passes: the `kwargs` schema's input, or any dictionary. */
type CallerKwArgs<K> = SchemaInput<K, KwArgs>;

/**
 * Call a typed procedure. The argument types come from the schemas; the
 * callee checks them. The result's `value` is typed by the `result` schema:
 * its input type as the callee sent it, or with `checkResult: true` its
 * output type after the caller checked it.
 */
export function callTyped<A extends Schema | undefined, K extends Schema | undefined, R extends Schema | undefined>(
  session: Session,
  proc: Procedure<A, K, R>,
  args: CallerArgs<A>,
  kwargs: CallerKwArgs<K> | undefined,
  options: TypedCallOptions & { readonly checkResult: true },
): Promise<Result<SchemaOutput<R, unknown>>>;
export function callTyped<A extends Schema | undefined, K extends Schema | undefined, R extends Schema | undefined>(
  session: Session,
  proc: Procedure<A, K, R>,
  args: CallerArgs<A>,
  kwargs?: CallerKwArgs<K>,
  options?: TypedCallOptions,
): Promise<Result<SchemaInput<R, unknown>>>;
export async function callTyped(
  session: Session,
  proc: Procedure,
  args: readonly unknown[],
  kwargs?: KwArgs,
  options: TypedCallOptions = {},
): Promise<Result> {
  const { checkResult, ...callOptions } = options;
  const r = await session.call(proc.uri, args as Args, kwargs, callOptions);
  if (checkResult !== true || proc.result === undefined) return r;
  const out = await validate(proc.result, r.value);
  if (out.issues !== undefined) throw new SchemaError('result', issuesOf('result', out.issues));
  return new Result([out.value, ...r.args.slice(1)], r.kwargs, r.details, r.progress);
}

/**
 * Publish to a typed topic. The arguments are checked against the schemas
 * before they go out; arguments that do not fit reject with a
 * {@link SchemaError} and nothing is published.
 */
export async function publishTyped<A extends Schema | undefined, K extends Schema | undefined>(
  session: Session,
  t: Topic<A, K>,
  args: CallerArgs<A>,
  kwargs?: CallerKwArgs<K>,
  options?: PublishOptions,
): Promise<number | undefined> {
  const checked = await checkInput(t, args as Args, (kwargs ?? {}) as KwArgs);
  if ('issues' in checked) throw new SchemaError('input', checked.issues);
  return session.publish(t.uri, args as Args, kwargs as KwArgs | undefined, options);
}

/**
 * Subscribe to a typed topic. An event whose arguments do not fit the
 * schemas is reported through the session's `onWarning` hook (naming the
 * topic, the publication and each issue) and not handed to the handler.
 */
export function subscribeTyped<A extends Schema | undefined, K extends Schema | undefined>(
  session: Session,
  t: Topic<A, K>,
  handler: TypedEventHandler<A, K>,
  options?: SubscribeOptions,
): Promise<Subscription> {
  return session.subscribe(
    t.uri,
    async (args, kwargs, details) => {
      const checked = await checkInput(t, args, kwargs);
      if ('issues' in checked) {
        warnOn(session, `event ${details.publication} on ${details.topic} dropped: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
        return;
      }
      await handler(checked.args as HandlerArgs<A>, checked.kwargs as HandlerKwArgs<K>, details);
    },
    options,
  );
}

// ---------------------------------------------------------------------------
// Checking

type Described = Procedure | Topic;
type Checked = { readonly args: Args; readonly kwargs: KwArgs } | { readonly issues: readonly SchemaIssue[] };

/** @internal Bind positional arguments to names where the description says so, then run the schemas (also used by route sets). */
export async function checkInput(d: Described, args: Args, kwargs: KwArgs): Promise<Checked> {
  let a: Args = args;
  let k: KwArgs = kwargs;
  if (d.positional.length > 0 && args.length > 0) {
    if (args.length > d.positional.length) {
      return { issues: [{ path: 'args', message: `at most ${d.positional.length} positional arguments (${d.positional.join(', ')}), got ${args.length}` }] };
    }
    const bound: Record<string, unknown> = { ...kwargs };
    for (let i = 0; i < args.length; i++) {
      const name = d.positional[i]!;
      if (Object.prototype.hasOwnProperty.call(kwargs, name)) {
        return { issues: [{ path: `kwargs.${name}`, message: `given both as positional argument ${i} and by name` }] };
      }
      bound[name] = args[i];
    }
    a = [];
    k = bound;
  }
  const issues: SchemaIssue[] = [];
  if (d.args !== undefined) {
    const r = await validate(d.args, a);
    if (r.issues !== undefined) issues.push(...issuesOf('args', r.issues));
    else a = r.value as Args;
  } else if (a.length > 0 && d.kwargs !== undefined && d.positional.length === 0) {
    issues.push({ path: 'args', message: 'positional arguments are not accepted: pass keyword arguments' });
  }
  if (d.kwargs !== undefined) {
    const r = await validate(d.kwargs, k);
    if (r.issues !== undefined) issues.push(...issuesOf('kwargs', r.issues));
    else k = r.value as KwArgs;
  }
  return issues.length > 0 ? { issues } : { args: a, kwargs: k };
}

async function validate(schema: Schema, value: unknown): Promise<StandardSchemaV1.Result<unknown>> {
  try {
    return await schema['~standard'].validate(value);
  } catch (e) {
    return { issues: [{ message: `the schema threw: ${e instanceof Error ? e.message : String(e)}` }] };
  }
}

function issuesOf(root: string, issues: readonly StandardSchemaV1.Issue[]): SchemaIssue[] {
  return issues.map((i) => {
    const segments = (i.path ?? []).map((s) => (typeof s === 'object' && s !== null ? s.key : s));
    return { path: [root, ...segments.map((s) => String(s))].join('.'), message: i.message };
  });
}

/** The names positional arguments bind to: given, or the keys of an object schema (valibot `entries`, zod `shape`). */
function bindingOrder(args: Schema | undefined, kwargs: Schema | undefined, given: readonly string[] | undefined): readonly string[] {
  if (given !== undefined) return Object.freeze([...given]);
  if (args !== undefined || kwargs === undefined) return Object.freeze([]);
  const s = kwargs as unknown as { entries?: unknown; shape?: unknown };
  const keys = isRecord(s.entries) ? Object.keys(s.entries) : isRecord(s.shape) ? Object.keys(s.shape) : [];
  return Object.freeze(keys);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Emit a warning through the session's `onWarning` hook, as the session's own warnings go. */
function warnOn(session: Session, message: string): void {
  session.warn(message);
}
