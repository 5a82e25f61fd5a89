// Route sets: a group of procedures, topic handlers and subscription hooks
// with shared middleware, defined once and mounted on a session — the
// internal session of an embedded router (`RealmApi.mount` in
// @wamp/node-router), or a client session in a separate process acting as a
// callee. Nothing here depends on the router: how a caller is known comes in
// through `MountOptions.identify`.

import {
  WampError,
  type Args,
  type Dict,
  type HttpUpgradeInfo,
  type KwArgs,
  type MatchPolicy,
  type PublishOptions,
  type RegisterOptions,
  type SubscribeOptions,
  type TlsCertificate,
  type TlsClientInfo,
} from '@wamp/core';
import {
  SchemaError,
  checkInput,
  type HandlerArgs,
  type HandlerKwArgs,
  type Procedure,
  type Schema,
  type Topic,
  type TypedReturn,
} from './typed.js';
import type { EventDetails, InvocationDetails, Registration, Session, Subscription } from './session.js';

// ---------------------------------------------------------------------------
// What handlers learn about the other side

/**
 * How a session reached the router. Inside an embedded router this is what
 * the router's transport saw; through a remote callee session, what the
 * router discloses (`wamp.session.get`, with `MountOptions.lookup: 'meta'`).
 */
export interface TransportInfo {
  /** `websocket`, `rawsocket`, `internal`, ... */
  readonly type: string;
  /** The remote address, e.g. `tcp4:127.0.0.1:49032`. */
  readonly peer: string | undefined;
  /** WebSocket: the path and query of the upgrade request (embedded router only). */
  readonly url: string | undefined;
  /** WebSocket: the headers of the upgrade request, names in lower case (embedded router only). */
  readonly headers: HttpUpgradeInfo['headers'] | undefined;
  /** WebSocket: the cookies of the upgrade request, by name (embedded router only). */
  readonly cookies: Readonly<Record<string, string>> | undefined;
  /** TLS: what the TLS layer knows of the client, verified or not (embedded router only). */
  readonly tls: TlsClientInfo | undefined;
  /** TLS: the client's certificate, only when it verified against the listener's CA (`tls.authorized`). */
  readonly clientCertificate: TlsCertificate | undefined;
  /** The meta API's `transport` dictionary. */
  readonly details: Dict;
}

/** A session as a route handler sees it: the caller, the publisher, or the subscriber of a hook. */
export interface SessionContext {
  /** The WAMP session ID; undefined when the router did not disclose it. */
  readonly session: number | undefined;
  readonly authid: string | undefined;
  readonly authrole: string | undefined;
  readonly authmethod: string | undefined;
  /** The `authextra` of the session's WELCOME (embedded router only). */
  readonly authextra: Dict | undefined;
  readonly transport: TransportInfo | undefined;
}

/** What a route handler or middleware knows about one call. */
export interface CallContext {
  readonly kind: 'call';
  /** The URI the route was defined with (for a pattern route, the pattern). */
  readonly route: string;
  /** The procedure called (for a pattern route, the actual URI). */
  readonly procedure: string;
  /** The arguments as received; the handler of a typed route gets them checked. */
  readonly args: Args;
  readonly kwargs: KwArgs;
  readonly caller: SessionContext;
  /** The invocation as the session delivered it (`signal`, `progress`, `receiveProgress`, ...). */
  readonly details: InvocationDetails;
  /** Per-call values for middleware to hand to later middleware and the handler. */
  readonly state: Map<string, unknown>;
}

/** What a topic handler or middleware knows about one event. */
export interface EventContext {
  readonly kind: 'event';
  readonly route: string;
  /** The topic published to. */
  readonly topic: string;
  readonly args: Args;
  readonly kwargs: KwArgs;
  /** The publisher, as far as the broker disclosed it (the publisher's `disclose_me` or the realm's policy). */
  readonly publisher: SessionContext;
  readonly details: EventDetails;
  readonly state: Map<string, unknown>;
}

/** The context middleware sees: a call or an event. */
export type RouteContext = CallContext | EventContext;

/**
 * Middleware wraps every handler of its route set (`RouteSet.use`) or of one
 * route (`RouteOptions.use`): it runs before the handler, may look at or add
 * to the context, calls `next()` to go on and gets the handler's return value
 * (for a progressive procedure, its async iterable), which it returns or
 * replaces. Throwing a `WampError` refuses the call (the caller gets that
 * ERROR); for an event, the event is dropped and reported through the
 * session's `onWarning`.
 */
export type Middleware = (ctx: RouteContext, next: () => Promise<unknown>) => unknown;

/**
 * A procedure route's handler: the same contract as `Session.register`
 * (return a value, a `Result`, a `WampError`, or be an async generator whose
 * yields are progressive results), with the call's context third.
 */
export type RouteHandler = (args: Args, kwargs: KwArgs, ctx: CallContext) => unknown;

/** A typed procedure route's handler: the checked (and transformed) arguments in, the result out. */
export type TypedRouteHandler<A, K, R> = (
  args: HandlerArgs<A>,
  kwargs: HandlerKwArgs<K>,
  ctx: CallContext,
) => TypedReturn<R> | Promise<TypedReturn<R>> | AsyncIterable<unknown, TypedReturn<R>>;

/** A topic route's handler. */
export type TopicHandler = (args: Args, kwargs: KwArgs, ctx: EventContext) => void | Promise<void>;

/** A typed topic route's handler: events that do not fit the schemas never reach it. */
export type TypedTopicHandler<A, K> = (args: HandlerArgs<A>, kwargs: HandlerKwArgs<K>, ctx: EventContext) => void | Promise<void>;

/** A subscriber as a subscription hook sees it, with a way to send it events alone. */
export interface Subscriber extends SessionContext {
  /**
   * Publish an event that only this session receives (`eligible: [session]`).
   * `topic` defaults to the topic of the hook.
   */
  send(args?: Args, kwargs?: KwArgs, topic?: string): Promise<void>;
}

/**
 * A subscription hook: a session subscribed to (or unsubscribed from, or left
 * while subscribed to) a topic that matches the hook's pattern.
 */
export type SubscriptionHook = (subscriber: Subscriber, topic: string) => void | Promise<void>;

/** Options of one route: its own middleware (inside the set's), and the register or subscribe options. */
export interface RouteOptions {
  /** Middleware of this route alone, run after the route set's. */
  readonly use?: readonly Middleware[];
}

/** Options of a subscription hook. */
export interface HookOptions {
  /** How the hook's pattern matches a subscribed topic URI; `exact` when absent. */
  readonly match?: MatchPolicy;
}

/** Options of a {@link RouteSet}. */
export interface RouteSetOptions {
  /** Prepended to every URI given as a string (not to typed descriptions, which carry their full URI). */
  readonly prefix?: string;
}

interface ProcedureRoute {
  readonly uri: string;
  readonly description: Procedure | undefined;
  readonly handler: (args: Args, kwargs: KwArgs, ctx: CallContext) => unknown;
  readonly use: readonly Middleware[];
  readonly options: RegisterOptions;
}

interface TopicRoute {
  readonly uri: string;
  readonly description: Topic | undefined;
  readonly handler: (args: Args, kwargs: KwArgs, ctx: EventContext) => unknown;
  readonly use: readonly Middleware[];
  readonly options: SubscribeOptions;
}

interface HookRoute {
  readonly event: 'subscribe' | 'unsubscribe';
  readonly pattern: string;
  readonly match: MatchPolicy;
  readonly hook: SubscriptionHook;
}

/**
 * A group of procedures, topic handlers and subscription hooks with shared
 * middleware, defined without a session. Mount it on an embedded router's
 * realm (`router.realm(name).mount(routes)` in @wamp/node-router), where
 * handlers see the caller's identity and transport without `disclose_me`, or
 * from another process on a client session with {@link mountRoutes}.
 *
 * ```ts
 * const routes = new RouteSet({ prefix: 'com.shop.' })
 *   .use(requireRole('customer'))
 *   .procedure('cart.add', ([item], _kw, ctx) => cart(ctx.caller.authid).add(item))
 *   .procedure(priceOf, ([sku]) => prices.get(sku))        // typed (Standard Schema)
 *   .topic('orders', (args) => audit(args))
 *   .onSubscribe('com.shop.stock.', (s, topic) => s.send([stockOf(topic)]), { match: 'prefix' });
 * ```
 */
export class RouteSet {
  readonly prefix: string;
  private readonly middleware: Middleware[] = [];
  /** @internal */
  readonly procedures: ProcedureRoute[] = [];
  /** @internal */
  readonly topics: TopicRoute[] = [];
  /** @internal */
  readonly hooks: HookRoute[] = [];

  constructor(options: RouteSetOptions = {}) {
    this.prefix = options.prefix ?? '';
  }

  /** Add middleware around every handler of the set, outermost first (in the order of `use` calls). */
  use(...middleware: Middleware[]): this {
    for (const m of middleware) {
      if (typeof m !== 'function') throw new TypeError('middleware must be a function');
      this.middleware.push(m);
    }
    return this;
  }

  /** The set's middleware, in order. */
  get stack(): readonly Middleware[] {
    return this.middleware;
  }

  /**
   * Add a procedure. Given a typed description ({@link procedure} of
   * `typed.ts`), its arguments are checked (after the middleware) and a call
   * that does not fit is answered with `wamp.error.invalid_argument`, the
   * handler not run.
   */
  procedure<A extends Schema | undefined, K extends Schema | undefined, R extends Schema | undefined>(
    description: Procedure<A, K, R>,
    handler: TypedRouteHandler<A, K, R>,
    options?: RouteOptions & RegisterOptions,
  ): this;
  procedure(uri: string, handler: RouteHandler, options?: RouteOptions & RegisterOptions): this;
  procedure(uri: string | Procedure, handler: (args: never, kwargs: never, ctx: CallContext) => unknown, options: RouteOptions & RegisterOptions = {}): this {
    const { use = [], ...register } = options;
    const description = typeof uri === 'string' ? undefined : uri;
    this.procedures.push({
      uri: typeof uri === 'string' ? this.prefix + uri : uri.uri,
      description,
      handler: handler as (args: Args, kwargs: KwArgs, ctx: CallContext) => unknown,
      use,
      options: register,
    });
    return this;
  }

  /**
   * Add a topic handler. Given a typed description ({@link topic} of
   * `typed.ts`), an event that does not fit is reported through the
   * session's `onWarning` and not handed to the handler.
   */
  topic<A extends Schema | undefined, K extends Schema | undefined>(
    description: Topic<A, K>,
    handler: TypedTopicHandler<A, K>,
    options?: RouteOptions & SubscribeOptions,
  ): this;
  topic(uri: string, handler: TopicHandler, options?: RouteOptions & SubscribeOptions): this;
  topic(uri: string | Topic, handler: (args: never, kwargs: never, ctx: EventContext) => unknown, options: RouteOptions & SubscribeOptions = {}): this {
    const { use = [], ...subscribe } = options;
    this.topics.push({
      uri: typeof uri === 'string' ? this.prefix + uri : uri.uri,
      description: typeof uri === 'string' ? undefined : uri,
      handler: handler as (args: Args, kwargs: KwArgs, ctx: EventContext) => unknown,
      use,
      options: subscribe,
    });
    return this;
  }

  /**
   * Call `hook` whenever a session subscribes to a topic matching `pattern`
   * (`exact`, `prefix` or `wildcard`, as WAMP pattern subscriptions match).
   * It learns of subscriptions made after the set was mounted. The mount
   * watches the router's subscription meta events, so a remote mount needs
   * permission to subscribe to `wamp.subscription.*`.
   */
  onSubscribe(pattern: string, hook: SubscriptionHook, options: HookOptions = {}): this {
    this.hooks.push({ event: 'subscribe', pattern: this.prefix + pattern, match: options.match ?? 'exact', hook });
    return this;
  }

  /** As {@link onSubscribe}, when a session unsubscribes — or leaves the realm while subscribed. */
  onUnsubscribe(pattern: string, hook: SubscriptionHook, options: HookOptions = {}): this {
    this.hooks.push({ event: 'unsubscribe', pattern: this.prefix + pattern, match: options.match ?? 'exact', hook });
    return this;
  }
}

// ---------------------------------------------------------------------------
// Mounting

/** Who a session is, for the context of handlers and hooks. */
export type Identify = (session: number, disclosed: { readonly authid: string | undefined; readonly authrole: string | undefined }) => SessionContext | Promise<SessionContext>;

/** Options of {@link mountRoutes}. */
export interface MountOptions {
  /**
   * How a caller, publisher or subscriber is identified from its session ID.
   * The embedded router passes its own lookup; by default, `lookup` decides.
   */
  readonly identify?: Identify;
  /**
   * Without `identify`: `disclosed` (the default) uses what the router
   * disclosed in the INVOCATION or EVENT (ID, authid, authrole); `meta` also
   * asks the router's `wamp.session.get` for authmethod and transport (one
   * call per invocation; needs permission to call it).
   */
  readonly lookup?: 'disclosed' | 'meta';
}

/** A route set mounted on a session. */
export interface MountedRoutes {
  readonly registrations: readonly Registration[];
  readonly subscriptions: readonly Subscription[];
  /** Publish an event only `session` receives (PUBLISH.Options.eligible `[session]`). */
  sendTo(session: number, topic: string, args?: Args, kwargs?: KwArgs, options?: PublishOptions): Promise<void>;
  /** Unregister and unsubscribe everything the mount made. */
  unmount(): Promise<void>;
}

/**
 * Mount `routes` on `session`: register its procedures (with
 * `discloseCaller`, so that the caller need not set `disclose_me`), subscribe
 * its topics, and watch subscriptions for its hooks. Rejects, undoing what it
 * did, when one registration or subscription fails.
 */
export async function mountRoutes(session: Session, routes: RouteSet, options: MountOptions = {}): Promise<MountedRoutes> {
  const identify = options.identify ?? (options.lookup === 'meta' ? metaIdentify(session) : disclosedIdentify);
  const registrations: Registration[] = [];
  const subscriptions: Subscription[] = [];
  const sendTo = async (to: number, topic: string, args?: Args, kwargs?: KwArgs, publish: PublishOptions = {}): Promise<void> => {
    await session.publish(topic, args, kwargs, { ...publish, eligible: [to] });
  };
  const undo = async (): Promise<void> => {
    await Promise.allSettled([...registrations.map((r) => r.unregister()), ...subscriptions.map((s) => s.unsubscribe())]);
  };
  try {
    for (const r of routes.procedures) {
      registrations.push(await session.register(r.uri, callHandler(routes.stack, r, identify), { discloseCaller: true, ...r.options }));
    }
    for (const t of routes.topics) subscriptions.push(await session.subscribe(t.uri, eventHandler(session, routes.stack, t, identify), t.options));
    if (routes.hooks.length > 0) subscriptions.push(...(await watchSubscriptions(session, routes.hooks, identify, sendTo)));
  } catch (e) {
    await undo();
    throw e;
  }
  return { registrations, subscriptions, sendTo, unmount: undo };
}

function callHandler(stack: readonly Middleware[], r: ProcedureRoute, identify: Identify) {
  const chain = [...stack, ...r.use];
  return async (args: Args, kwargs: KwArgs, details: InvocationDetails): Promise<unknown> => {
    const caller = details.caller === undefined ? anonymousContext(details.callerAuthid, details.callerAuthrole) : await identify(details.caller, { authid: details.callerAuthid, authrole: details.callerAuthrole });
    const ctx: CallContext = { kind: 'call', route: r.uri, procedure: details.procedure, args, kwargs, caller, details, state: new Map() };
    return run(chain, ctx, async () => {
      if (r.description === undefined) return r.handler(args, kwargs, ctx);
      const checked = await checkInput(r.description, args, kwargs);
      if ('issues' in checked) throw new SchemaError('input', checked.issues);
      return r.handler(checked.args, checked.kwargs, ctx);
    });
  };
}

function eventHandler(session: Session, stack: readonly Middleware[], t: TopicRoute, identify: Identify) {
  const chain = [...stack, ...t.use];
  return async (args: Args, kwargs: KwArgs, details: EventDetails): Promise<void> => {
    const publisher =
      details.publisher === undefined
        ? anonymousContext(details.publisherAuthid, details.publisherAuthrole)
        : await identify(details.publisher, { authid: details.publisherAuthid, authrole: details.publisherAuthrole });
    const ctx: EventContext = { kind: 'event', route: t.uri, topic: details.topic, args, kwargs, publisher, details, state: new Map() };
    try {
      await run(chain, ctx, async () => {
        if (t.description === undefined) return t.handler(args, kwargs, ctx);
        const checked = await checkInput(t.description, args, kwargs);
        if ('issues' in checked) throw new SchemaError('input', checked.issues);
        return t.handler(checked.args, checked.kwargs, ctx);
      });
    } catch (e) {
      const why = e instanceof WampError ? `${e.uri}${e.args.length > 0 ? ` ${JSON.stringify(e.args)}` : ''}` : e instanceof Error ? e.message : String(e);
      session.warn(`event ${details.publication} on ${details.topic} dropped by route ${t.uri}: ${why}`);
    }
  };
}

/** Run `chain` around `last`, each middleware's `next` leading to the one after it. */
function run(chain: readonly Middleware[], ctx: RouteContext, last: () => Promise<unknown>): Promise<unknown> {
  const step = async (i: number): Promise<unknown> => {
    if (i === chain.length) return last();
    let called = false;
    return chain[i]!(ctx, () => {
      if (called) return Promise.reject(new Error('next() called twice by one middleware'));
      called = true;
      return step(i + 1);
    });
  };
  return step(0);
}

function anonymousContext(authid: string | undefined, authrole: string | undefined): SessionContext {
  return { session: undefined, authid, authrole, authmethod: undefined, authextra: undefined, transport: undefined };
}

const disclosedIdentify: Identify = (session, d) => ({
  session,
  authid: d.authid,
  authrole: d.authrole,
  authmethod: undefined,
  authextra: undefined,
  transport: undefined,
});

/** Ask the router's session meta API; fall back to what was disclosed when it refuses. */
function metaIdentify(s: Session): Identify {
  return async (session, d) => {
    try {
      const r = await s.call('wamp.session.get', [session]);
      const v = r.value;
      if (typeof v !== 'object' || v === null) return disclosedIdentify(session, d);
      const info = v as Dict;
      const transport = info['transport'];
      return {
        session,
        authid: str(info['authid']) ?? d.authid,
        authrole: str(info['authrole']) ?? d.authrole,
        authmethod: str(info['authmethod']),
        authextra: undefined,
        transport: typeof transport === 'object' && transport !== null ? transportInfo(transport as Dict) : undefined,
      };
    } catch {
      return disclosedIdentify(session, d);
    }
  };
}

/**
 * A {@link TransportInfo} from the meta API's `transport` dictionary and,
 * inside the router, the connection's HTTP upgrade and TLS facts (`SessionInfo.http`
 * and `.tls` of @wamp/core).
 */
export function transportInfo(details: Dict, connection: { readonly http?: HttpUpgradeInfo | undefined; readonly tls?: TlsClientInfo | undefined } = {}): TransportInfo {
  const tls = connection.tls;
  return {
    type: str(details['type']) ?? 'unknown',
    peer: str(details['peer']),
    url: connection.http?.url,
    headers: connection.http?.headers,
    cookies: connection.http?.cookies,
    tls,
    clientCertificate: tls?.authorized === true ? tls.certificate : undefined,
    details,
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function isDict(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}


// ---------------------------------------------------------------------------
// Subscription hooks, from the router's subscription meta events

/** Whether `uri` is matched by a hook's pattern under `match` (WAMP pattern-based subscription rules). */
export function matchesPattern(pattern: string, match: MatchPolicy, uri: string): boolean {
  if (match === 'exact') return uri === pattern;
  if (match === 'prefix') return uri.startsWith(pattern);
  const p = pattern.split('.');
  const u = uri.split('.');
  return p.length === u.length && p.every((c, i) => c === '' || c === u[i]);
}

async function watchSubscriptions(
  session: Session,
  hooks: readonly HookRoute[],
  identify: Identify,
  sendTo: (to: number, topic: string, args?: Args, kwargs?: KwArgs) => Promise<void>,
): Promise<Subscription[]> {
  // subscription ID → its URI, learnt from on_create or asked of wamp.subscription.get.
  const uris = new Map<number, string>();
  // Meta events are handled one after another, so that a hook never sees an
  // unsubscribe before the subscribe it follows.
  let queue: Promise<void> = Promise.resolve();
  const serially = (task: () => Promise<void>): void => {
    queue = queue.then(task).catch((e: unknown) => session.warn(`subscription hook failed: ${e instanceof Error ? e.message : String(e)}`));
  };
  const uriOf = async (id: number): Promise<string | undefined> => {
    const known = uris.get(id);
    if (known !== undefined) return known;
    try {
      const r = await session.call('wamp.subscription.get', [id]);
      const u = isDict(r.value) ? str((r.value as Dict)['uri']) : undefined;
      if (u !== undefined) uris.set(id, u);
      return u;
    } catch {
      return undefined;
    }
  };
  // Subscribers seen by a subscribe hook, with how many of their subscriptions
  // matched: a session that leaves is unknown to the router by the time its
  // unsubscribe events arrive, so the unsubscribe hook gets what was known.
  const seen = new Map<number, { who: SessionContext; count: number }>();
  const fire = async (event: 'subscribe' | 'unsubscribe', subscriber: number, id: number): Promise<void> => {
    if (subscriber === session.id) return;
    const topic = await uriOf(id);
    if (topic === undefined) return;
    const matching = hooks.filter((h) => h.event === event && matchesPattern(h.pattern, h.match, topic));
    const anyHook = hooks.some((h) => matchesPattern(h.pattern, h.match, topic));
    if (!anyHook) return;
    let who: SessionContext;
    const prior = seen.get(subscriber);
    if (event === 'subscribe') {
      who = await identify(subscriber, { authid: undefined, authrole: undefined });
      if (prior === undefined) seen.set(subscriber, { who, count: 1 });
      else prior.count++;
    } else {
      const now = await identify(subscriber, { authid: undefined, authrole: undefined });
      who = now.authid === undefined && prior !== undefined ? prior.who : now;
      if (prior !== undefined && --prior.count <= 0) seen.delete(subscriber);
    }
    if (matching.length === 0) return;
    const s: Subscriber = { ...who, send: (args, kwargs, t = topic) => sendTo(subscriber, t, args, kwargs) };
    for (const h of matching) await h.hook(s, topic);
  };
  const subs: Subscription[] = [];
  subs.push(
    await session.subscribe('wamp.subscription.on_create', (args) => {
      const d = args[1];
      if (isDict(d) && typeof (d as Dict)['id'] === 'number' && typeof (d as Dict)['uri'] === 'string') {
        uris.set((d as Dict)['id'] as number, (d as Dict)['uri'] as string);
      }
    }),
  );
  subs.push(
    await session.subscribe('wamp.subscription.on_subscribe', (args) => {
      const [who, id] = args;
      if (typeof who === 'number' && typeof id === 'number') serially(() => fire('subscribe', who, id));
    }),
  );
  subs.push(
    await session.subscribe('wamp.subscription.on_unsubscribe', (args) => {
      const [who, id] = args;
      if (typeof who === 'number' && typeof id === 'number') serially(() => fire('unsubscribe', who, id));
    }),
  );
  subs.push(
    await session.subscribe('wamp.subscription.on_delete', (args) => {
      const id = args[1];
      // After the unsubscribe hooks that still need the URI.
      if (typeof id === 'number') serially(async () => void uris.delete(id));
    }),
  );
  return subs;
}
