/**
 * The meta API procedures (advanced profile, "Session Meta API",
 * "Registration Meta API", "Subscription Meta API", "Session Testament"),
 * answered by the router itself in every realm. Calls have been authorized
 * (action `call` on the procedure URI) before they get here.
 *
 * Besides the spec's procedures, as in Crossbar.io (its arguments, its
 * checks): `wamp.registration.remove_callee` and
 * `wamp.subscription.remove_subscriber` revoke a registration/subscription
 * of another session, and `wamp.subscription.get_events` reads the event
 * history (see history.ts).
 */

import { ErrorUri } from '../errors.js';
import { isId } from '../ids.js';
import { MessageType, error, result, type Call } from '../wire/messages.js';
import type { Args, Dict } from '../types.js';
import { isValidUri, type MatchPolicy } from '../uri.js';
import { isPublishableTopic, type Broker } from './broker.js';
import type { Dealer } from './dealer.js';
import type { Peer, RealmState, TestamentScope } from './peer.js';
import { RouterUri } from './uris.js';
import { DEFAULT_GET_EVENTS_LIMIT, eventRecord, type EventHistory } from './history.js';

/** Most events one `wamp.subscription.get_events` returns, whatever `limit` asks. */
const MAX_GET_EVENTS = 1_000;

/**
 * A realm as the meta API sees it: its state with its broker and dealer.
 * `Realm` (realm.ts, a layer above) is the one implementation; it installs
 * {@link handleMetaCall} as its `metaCall`.
 */
export interface MetaRealm extends RealmState {
  readonly broker: Broker;
  readonly dealer: Dealer;
  readonly history: EventHistory | undefined;
}

const MATCHES: readonly MatchPolicy[] = ['exact', 'prefix', 'wildcard'];

/** A meta procedure's outcome: positional results, or an error URI with a message. */
type Outcome = { readonly ok: Args } | { readonly error: string; readonly message?: string };

const ok = (...args: unknown[]): Outcome => ({ ok: args });
const fail = (uri: string, message?: string): Outcome => (message === undefined ? { error: uri } : { error: uri, message });
const invalid = (message: string): Outcome => fail(ErrorUri.INVALID_ARGUMENT, message);

type MetaProcedure = (realm: MetaRealm, caller: Peer, args: Args, kwargs: Dict, now: number) => Outcome;

function roleFilter(args: Args): ReadonlySet<string> | undefined | false {
  const f = args[0];
  if (f === undefined || f === null) return undefined;
  if (!Array.isArray(f) || !f.every((x) => typeof x === 'string')) return false;
  return new Set(f as string[]);
}

/**
 * The optional `reason` and `message` of the kill procedures: keyword
 * arguments, or positional ones after the procedure's own (as Crossbar.io
 * takes them: `kill(session, reason, message)`, `kill_all(reason, message)`).
 */
function closeReason(realm: MetaRealm, kwargs: Dict, args: Args = [], at = 0): { reason: string; message: string | undefined } | Outcome {
  const reason = kwargs['reason'] ?? args[at] ?? ErrorUri.CLOSE_KILLED;
  if (!isValidUri(reason, realm.router.uriRule)) return fail(ErrorUri.INVALID_URI, 'reason must be a valid URI');
  const message = kwargs['message'] ?? args[at + 1] ?? undefined;
  if (message !== undefined && message !== null && typeof message !== 'string') return invalid('message must be a string');
  if (message === null) return { reason, message: undefined };
  return { reason, message };
}

/** The optional reason of remove_callee/remove_subscriber: `reason` keyword or third positional argument; false when not a string. */
function revocationReason(args: Args, kwargs: Dict): string | undefined | false {
  const reason = kwargs['reason'] ?? args[2] ?? undefined;
  if (reason === undefined || reason === null) return undefined;
  return typeof reason === 'string' ? reason : false;
}

/**
 * Crossbar.io protects the router's own URIs (`wamp.`, `crossbar.`) from
 * the meta API: only a trusted session may remove their callees/subscribers.
 * (Meta events are subscriptions on `wamp.` topics.)
 */
function isProtected(uri: string, caller: Peer): boolean {
  return !caller.role.trusted && (uri.startsWith('wamp.') || uri.startsWith('crossbar.'));
}

function isOutcome(v: object): v is Outcome {
  return 'ok' in v || 'error' in v;
}

function scopeOf(kwargs: Dict): TestamentScope | undefined {
  const s = kwargs['scope'] ?? 'destroyed';
  return s === 'destroyed' || s === 'detached' ? s : undefined;
}

function lookupOptions(args: Args): MatchPolicy | undefined {
  const o = args[1];
  if (o === undefined || o === null) return 'exact';
  if (typeof o !== 'object' || Array.isArray(o)) return undefined;
  const m = (o as Dict)['match'] ?? 'exact';
  return MATCHES.includes(m as MatchPolicy) ? (m as MatchPolicy) : undefined;
}

const PROCEDURES: Readonly<Record<string, MetaProcedure>> = {
  // --- sessions
  'wamp.session.count': (realm, _c, args) => {
    const f = roleFilter(args);
    if (f === false) return invalid('filter_authroles must be a list of strings');
    if (f === undefined) return ok(realm.peers.size);
    let n = 0;
    for (const p of realm.peers.values()) if (f.has(p.authrole)) n++;
    return ok(n);
  },
  'wamp.session.list': (realm, _c, args) => {
    const f = roleFilter(args);
    if (f === false) return invalid('filter_authroles must be a list of strings');
    const ids: number[] = [];
    for (const p of realm.peers.values()) if (f === undefined || f.has(p.authrole)) ids.push(p.id);
    return ok(ids);
  },
  'wamp.session.get': (realm, _c, args) => {
    const p = isId(args[0]) ? realm.peers.get(args[0]) : undefined;
    return p === undefined ? fail(ErrorUri.NO_SUCH_SESSION) : ok(p.details());
  },
  'wamp.session.kill': (realm, caller, args, kwargs, now) => {
    const r = closeReason(realm, kwargs, args, 1);
    if (isOutcome(r)) return r;
    // The caller's own session counts as "no such (other) session".
    const p = isId(args[0]) && args[0] !== caller.id ? realm.peers.get(args[0]) : undefined;
    if (p === undefined) return fail(ErrorUri.NO_SUCH_SESSION);
    p.session.kill(r.reason, r.message, now, true);
    return ok();
  },
  'wamp.session.kill_by_authid': (realm, caller, args, kwargs, now) => {
    if (typeof args[0] !== 'string') return invalid('authid must be a string');
    const r = closeReason(realm, kwargs, args, 1);
    if (isOutcome(r)) return r;
    const victims = [...realm.peers.values()].filter((p) => p !== caller && p.authid === args[0]);
    for (const p of victims) p.session.kill(r.reason, r.message, now, true);
    return ok(victims.map((p) => p.id));
  },
  'wamp.session.kill_by_authrole': (realm, caller, args, kwargs, now) => {
    if (typeof args[0] !== 'string') return invalid('authrole must be a string');
    const r = closeReason(realm, kwargs, args, 1);
    if (isOutcome(r)) return r;
    const victims = [...realm.peers.values()].filter((p) => p !== caller && p.authrole === args[0]);
    for (const p of victims) p.session.kill(r.reason, r.message, now, true);
    return ok(victims.length);
  },
  'wamp.session.kill_all': (realm, caller, args, kwargs, now) => {
    const r = closeReason(realm, kwargs, args, 0);
    if (isOutcome(r)) return r;
    const victims = [...realm.peers.values()].filter((p) => p !== caller);
    // Spec: killing all sessions generates no session meta events and no testaments.
    for (const p of victims) p.session.kill(r.reason, r.message, now, false);
    return ok(victims.length);
  },
  'wamp.session.add_testament': (realm, caller, args, kwargs) => {
    const [topic, targs, tkwargs] = args;
    if (!isPublishableTopic(topic, realm.router.uriRule)) return fail(ErrorUri.INVALID_URI, 'topic must be a valid, non-reserved URI');
    if (targs !== undefined && targs !== null && !Array.isArray(targs)) return invalid('args must be a list');
    if (tkwargs !== undefined && tkwargs !== null && (typeof tkwargs !== 'object' || Array.isArray(tkwargs))) {
      return invalid('kwargs must be a dictionary');
    }
    const options = kwargs['publish_options'] ?? {};
    if (typeof options !== 'object' || options === null || Array.isArray(options)) return invalid('publish_options must be a dictionary');
    const scope = scopeOf(kwargs);
    if (scope === undefined) return invalid('scope must be "destroyed" or "detached"');
    const d = caller.authorize('publish', topic, options as Dict);
    if (!d.allow) return fail(d.failed === true ? ErrorUri.AUTHORIZATION_FAILED : ErrorUri.NOT_AUTHORIZED);
    const discloseMe = (options as Dict)['disclose_me'] === true;
    if (discloseMe && d.disclose === 'deny') return fail(RouterUri.OPTION_DISALLOWED_DISCLOSE_ME);
    const t = caller.testaments;
    if (t.detached.length + t.destroyed.length >= realm.limits.maxTestamentsPerSession) {
      return fail(RouterUri.LIMIT_EXCEEDED, 'too many testaments');
    }
    t[scope].push({
      topic,
      args: (targs as Args | null) ?? [],
      kwargs: (tkwargs as Dict | null) ?? {},
      options: options as Dict,
      disclose: discloseMe || d.disclose === 'force',
    });
    realm.router.cluster?.testamentsChanged(caller);
    return ok();
  },
  'wamp.session.flush_testaments': (realm, caller, _args, kwargs) => {
    const scope = scopeOf(kwargs);
    if (scope === undefined) return invalid('scope must be "destroyed" or "detached"');
    caller.testaments[scope].length = 0;
    realm.router.cluster?.testamentsChanged(caller);
    return ok();
  },

  // --- registrations
  'wamp.registration.list': (realm) =>
    ok({
      exact: realm.dealer.list('exact').map((r) => r.id),
      prefix: realm.dealer.list('prefix').map((r) => r.id),
      wildcard: realm.dealer.list('wildcard').map((r) => r.id),
    }),
  'wamp.registration.lookup': (realm, _c, args) => {
    const match = lookupOptions(args);
    if (typeof args[0] !== 'string' || match === undefined) return invalid('expected a procedure URI and optional options');
    return ok(realm.dealer.lookup(args[0], match)?.id ?? null);
  },
  'wamp.registration.match': (realm, _c, args) => {
    if (typeof args[0] !== 'string') return invalid('expected a procedure URI');
    return ok(realm.dealer.best(args[0])?.id ?? null);
  },
  'wamp.registration.get': (realm, _c, args) => {
    const r = isId(args[0]) ? realm.dealer.byId.get(args[0]) : undefined;
    return r === undefined ? fail(ErrorUri.NO_SUCH_REGISTRATION) : ok(r.details());
  },
  'wamp.registration.list_callees': (realm, _c, args) => {
    const r = isId(args[0]) ? realm.dealer.byId.get(args[0]) : undefined;
    return r === undefined ? fail(ErrorUri.NO_SUCH_REGISTRATION) : ok(r.callees.map((c) => c.peer.id));
  },
  'wamp.registration.count_callees': (realm, _c, args) => {
    const r = isId(args[0]) ? realm.dealer.byId.get(args[0]) : undefined;
    return r === undefined ? fail(ErrorUri.NO_SUCH_REGISTRATION) : ok(r.callees.length);
  },
  'wamp.registration.remove_callee': (realm, caller, args, kwargs) => {
    const reason = revocationReason(args, kwargs);
    if (reason === false) return invalid('reason must be a string');
    // Crossbar.io's order of checks: the session, the registration, protection, membership.
    const session = isId(args[1]) ? realm.peers.get(args[1]) : undefined;
    if (session === undefined) return fail(ErrorUri.NO_SUCH_SESSION, `no session ${String(args[1])} in this realm`);
    const r = isId(args[0]) ? realm.dealer.byId.get(args[0]) : undefined;
    if (r === undefined) return fail(ErrorUri.NO_SUCH_REGISTRATION, `no registration ${String(args[0])}`);
    if (isProtected(r.uri, caller)) return fail(ErrorUri.NOT_AUTHORIZED, `registration ${r.id} is on a protected URI`);
    if (!r.hasCallee(session)) return fail(ErrorUri.NO_SUCH_REGISTRATION, `session ${session.id} is not a callee of registration ${r.id}`);
    realm.dealer.revoke(session, r, reason);
    return ok();
  },

  // --- subscriptions
  'wamp.subscription.list': (realm) =>
    ok({
      exact: realm.broker.list('exact').map((s) => s.id),
      prefix: realm.broker.list('prefix').map((s) => s.id),
      wildcard: realm.broker.list('wildcard').map((s) => s.id),
    }),
  'wamp.subscription.lookup': (realm, _c, args) => {
    const match = lookupOptions(args);
    if (typeof args[0] !== 'string' || match === undefined) return invalid('expected a topic URI and optional options');
    return ok(realm.broker.lookup(args[0], match)?.id ?? null);
  },
  'wamp.subscription.match': (realm, _c, args) => {
    if (typeof args[0] !== 'string') return invalid('expected a topic URI');
    const ids = realm.broker.matching(args[0]).map((s) => s.id);
    return ok(ids.length === 0 ? null : ids);
  },
  'wamp.subscription.get': (realm, _c, args) => {
    const s = isId(args[0]) ? realm.broker.byId.get(args[0]) : undefined;
    return s === undefined ? fail(ErrorUri.NO_SUCH_SUBSCRIPTION) : ok(s.details());
  },
  'wamp.subscription.list_subscribers': (realm, _c, args) => {
    const s = isId(args[0]) ? realm.broker.byId.get(args[0]) : undefined;
    return s === undefined ? fail(ErrorUri.NO_SUCH_SUBSCRIPTION) : ok([...s.subscribers].map((p) => p.id));
  },
  'wamp.subscription.count_subscribers': (realm, _c, args) => {
    const s = isId(args[0]) ? realm.broker.byId.get(args[0]) : undefined;
    return s === undefined ? fail(ErrorUri.NO_SUCH_SUBSCRIPTION) : ok(s.subscribers.size);
  },
  'wamp.subscription.remove_subscriber': (realm, caller, args, kwargs) => {
    const reason = revocationReason(args, kwargs);
    if (reason === false) return invalid('reason must be a string');
    const session = isId(args[1]) ? realm.peers.get(args[1]) : undefined;
    if (session === undefined) return fail(ErrorUri.NO_SUCH_SESSION, `no session ${String(args[1])} in this realm`);
    const s = isId(args[0]) ? realm.broker.byId.get(args[0]) : undefined;
    if (s === undefined) return fail(ErrorUri.NO_SUCH_SUBSCRIPTION, `no subscription ${String(args[0])}`);
    if (isProtected(s.uri, caller)) return fail(ErrorUri.NOT_AUTHORIZED, `subscription ${s.id} is on a protected URI`);
    if (!s.subscribers.has(session)) {
      return fail(ErrorUri.NO_SUCH_SUBSCRIPTION, `session ${session.id} is not a subscriber of subscription ${s.id}`);
    }
    realm.broker.revoke(session, s, reason);
    return ok();
  },
  'wamp.subscription.get_events': (realm, caller, args, kwargs, now) => {
    const history = realm.history;
    if (history === undefined) return fail(RouterUri.HISTORY_UNAVAILABLE, 'event history is not enabled in this realm');
    const s = isId(args[0]) ? realm.broker.byId.get(args[0]) : undefined;
    if (s === undefined) return fail(ErrorUri.NO_SUCH_SUBSCRIPTION, `no subscription ${String(args[0])}`);
    if (isProtected(s.uri, caller)) return fail(ErrorUri.NOT_AUTHORIZED, `subscription ${s.id} is on a protected URI`);
    const limit = kwargs['limit'] ?? args[1] ?? DEFAULT_GET_EVENTS_LIMIT;
    if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) return invalid('limit must be a positive integer');
    // History reveals what the topic carried: only to a caller that may subscribe to it.
    const d = caller.authorize('subscribe', s.uri, { match: s.match });
    if (!d.allow) return fail(d.failed === true ? ErrorUri.AUTHORIZATION_FAILED : ErrorUri.NOT_AUTHORIZED);
    const events = history.query(s.uri, s.match, caller, Math.min(limit, MAX_GET_EVENTS), now);
    if (events === undefined) return fail(RouterUri.HISTORY_UNAVAILABLE, `no event history is kept for ${s.uri}`);
    return ok(events.map((e) => eventRecord(e, s.id)));
  },
};

/** The meta procedures this router implements (for documentation and tests). */
export const META_PROCEDURES: readonly string[] = Object.freeze(Object.keys(PROCEDURES));

/**
 * Answer a CALL to a `wamp.` procedure. Returns false when no such meta
 * procedure exists (the dealer then answers `wamp.error.no_such_procedure`).
 */
export function handleMetaCall(realm: MetaRealm, caller: Peer, msg: Call, now: number): boolean {
  const proc = Object.prototype.hasOwnProperty.call(PROCEDURES, msg.procedure) ? PROCEDURES[msg.procedure] : undefined;
  if (proc === undefined) return false;
  const out = proc(realm, caller, msg.args ?? [], msg.kwargs ?? {}, now);
  if ('ok' in out) caller.send(result(msg.request, { args: out.ok }));
  else caller.send(error(MessageType.CALL, msg.request, out.error, out.message === undefined ? undefined : { args: [out.message] }));
  return true;
}
