/**
 * Router configuration: the types, the defaults, and {@link validateRouterConfig}
 * which turns a plain object (parsed from a JSON/YAML file, or written in
 * code) into a checked, frozen {@link RouterConfig}. Every fault names the
 * field: `realms[0].roles[1].permissions[2].match: must be one of exact,
 * prefix, wildcard`.
 */

import { parseScramCredential, type ScramCredential } from '../auth/scram.js';
import { WampError } from '../errors.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import type { Dict } from '../types.js';
import { isValidPattern, isValidUri, type MatchPolicy, type UriRule } from '../uri.js';
import type { SessionInfo } from './peer-info.js';
import type { AuthThrottleConfig } from './throttle.js';

// ---------------------------------------------------------------------------
// Types

/** How the router treats session-scope request IDs from clients (basic profile, "Protocol Errors"). */
export type RequestIdPolicy =
  /** Each new request must carry the previous ID + 1 (the spec's rule; CALL continuations excepted). */
  | 'strict'
  /** Any ID is accepted for a new request (for clients that draw request IDs at random). */
  | 'lenient';

/** Whether the router discloses a caller's / publisher's identity. */
export type DisclosePolicy =
  /** Disclose when asked (`disclose_me`, or a callee's `disclose_caller`). The default. */
  | 'allow'
  /** Always disclose. */
  | 'force'
  /** Never disclose; a `disclose_me` request fails with `wamp.error.option_disallowed.disclose_me`. */
  | 'deny';

/** What a permission allows: the four requests a session makes on a URI. */
export type AuthorizationAction = 'call' | 'register' | 'publish' | 'subscribe';

/** A permission of a role: which actions on which URI (or pattern). */
export interface PermissionConfig {
  /** URI or URI pattern the permission covers. */
  readonly uri: string;
  /** Default `exact`. The most specific matching permission wins (exact > longest prefix > wildcard). */
  readonly match?: MatchPolicy;
  /** Allowed actions; anything not listed is denied. */
  readonly allow?: Readonly<Partial<Record<AuthorizationAction, boolean>>>;
  readonly disclose?: { readonly caller?: DisclosePolicy; readonly publisher?: DisclosePolicy };
}

/** What a dynamic authorizer is asked. */
export interface AuthorizationRequest {
  readonly realm: string;
  readonly session: number;
  readonly authid: string;
  readonly authrole: string;
  readonly action: AuthorizationAction;
  readonly uri: string;
  /** The request's Options (SUBSCRIBE/REGISTER: `match` tells a pattern from a URI). */
  readonly options: Dict;
}

/** A dynamic authorizer's answer. */
export interface AuthorizationDecision {
  readonly allow: boolean;
  /** Disclosure policy for this call/publication; default `allow`. */
  readonly disclose?: DisclosePolicy;
}

/**
 * A synchronous, pure decision function for one role. Throwing denies the
 * action with `wamp.error.authorization_failed` and emits a warning event.
 */
export type DynamicAuthorizer = (request: AuthorizationRequest) => boolean | AuthorizationDecision;

/** A role of a realm and what its sessions may do. */
export interface RoleConfig {
  readonly name: string;
  /** Static permissions. A role has permissions, an authorizer, or both (the authorizer then decides where no permission matches). */
  readonly permissions?: readonly PermissionConfig[];
  readonly authorizer?: DynamicAuthorizer;
  /**
   * Fully trusted: authorization is skipped, and sessions of this role may
   * serve a realm's dynamic authenticator procedure.
   */
  readonly trusted?: boolean;
  /**
   * Trust level of the role's sessions (a non-negative integer), disclosed as
   * `trustlevel` in EVENT.Details of their publications and
   * INVOCATION.Details of their calls (advanced profile, "Trust Levels").
   */
  readonly trustlevel?: number;
}

/**
 * The answer of a dynamic authenticator (function or WAMP procedure), as the
 * procedure returns it on the wire: a role name, or a dictionary.
 */
export type DynamicAuthResult =
  | string
  | {
      readonly role: string;
      readonly authid?: string;
      /** Default `dynamic`. */
      readonly authprovider?: string;
      /** Sent to the client as WELCOME.Details.authextra. */
      readonly extra?: Dict;
      /** wampcra: the shared secret, and the PBKDF2 parameters if it is a salted password. */
      readonly secret?: string;
      readonly salt?: string;
      readonly iterations?: number;
      readonly keylen?: number;
      /** cryptosign: the public key (hex) the client must prove; default the one in HELLO. */
      readonly pubkey?: string;
      /** wamp-scram: the stored credential. */
      readonly kdf?: string;
      readonly memory?: number;
      readonly stored_key?: string;
      readonly server_key?: string;
    };

/**
 * A dynamic authenticator run by the adapter (see `Router.runAuth`): called
 * with the realm, the authid the client asked for (if any) and the HELLO
 * details (plus `session`, `transport`, and `ticket` for ticket auth). It
 * returns or resolves to the principal, or throws/rejects to deny (a
 * `WampError` gives the ABORT its URI).
 */
export type DynamicAuthenticator = (
  realm: string,
  authid: string | undefined,
  details: Dict,
  /** What the transport knows of the client: upgrade headers and cookies (`http`), TLS client certificate (`tls`), address (`peer`). */
  transport: SessionInfo,
) => DynamicAuthResult | Promise<DynamicAuthResult>;

/**
 * The answer of a transport method's (`cookie`, `tls`) authenticator: a
 * principal (the session is welcomed without a challenge), or `null` to pass
 * the session on to the next method the client offered.
 */
export type TransportAuthResult = DynamicAuthResult | null;

/** The dynamic authenticator of a transport method (`cookie`, `tls`): as {@link DynamicAuthenticator}, and `null` passes on. */
export type TransportAuthenticator = (
  realm: string,
  authid: string | undefined,
  details: Dict,
  transport: SessionInfo,
) => TransportAuthResult | Promise<TransportAuthResult>;

/**
 * Cookie authentication (authmethod `cookie`, a transport method): a
 * WebSocket client is admitted by a cookie of its upgrade request.
 * - `static`: the router's own cookie store. WebSocket listeners set the
 *   cookie `name` (default `cbtid`) on upgrades that lack it; once a session
 *   on that connection authenticated by another method, a later connection
 *   sending the cookie and offering `cookie` gets the same identity, until
 *   `maxAgeMs` (default 24 h) passes or the store evicts it.
 * - `dynamic` / `procedure`: an authenticator reads the cookies
 *   (`transport.http.cookies`; for a procedure, `details.transport.cookies`)
 *   and answers a principal, or `null` to pass on (e.g. a session cookie an
 *   HTTP route of the application set).
 */
export type CookieAuthConfig =
  | { readonly type: 'static'; readonly name?: string; readonly maxAgeMs?: number }
  | { readonly type: 'dynamic'; readonly authenticator: TransportAuthenticator }
  | { readonly type: 'procedure'; readonly procedure: string; readonly realm?: string };

/** A user of TLS client certificate authentication, keyed by authid (the certificate's subject CN by default). */
export interface TlsPrincipal {
  readonly authrole: string;
  /** SHA-256 fingerprints (hex, `:` optional) the certificate must have; default any certificate the listener's CA verified. */
  readonly fingerprints?: readonly string[];
  readonly authextra?: Dict;
}

/**
 * TLS client certificate authentication (authmethod `tls`, a transport
 * method): the listener asks for a certificate (`requestCert`) and verifies
 * it against its CA; this decides who it is.
 * - `static`: the authid is HELLO.Details.authid when given, else the
 *   certificate's subject CN; `principals[authid]` gives the role (and may pin
 *   fingerprints); without an entry, `authrole` (when set) admits any verified
 *   certificate. A certificate that did not verify is never accepted here.
 * - `dynamic` / `procedure`: an authenticator reads `transport.tls` (for a
 *   procedure, `details.transport.client_cert`) and answers a principal, or
 *   `null` to pass on.
 */
export type TlsAuthConfig =
  | { readonly type: 'static'; readonly principals?: Readonly<Record<string, TlsPrincipal>>; readonly authrole?: string }
  | { readonly type: 'dynamic'; readonly authenticator: TransportAuthenticator }
  | { readonly type: 'procedure'; readonly procedure: string; readonly realm?: string };

/** WAMP-CRA's secret for one authid, from a {@link WampcraRequirementProvider}. */
export interface WampcraRequirement {
  readonly secret: string;
  /** Salted password (PBKDF2): `secret` is the password, the key is derived with these. */
  readonly salt?: string;
  readonly iterations?: number;
  readonly keylen?: number;
}

/**
 * The first half of WAMP-CRA split in two: the secret for an authid (or
 * `null` for an unknown one: the client gets a mock challenge and fails as
 * with a wrong password). No role yet.
 */
export type WampcraRequirementProvider = (
  realm: string,
  authid: string,
  details: Dict,
  transport: SessionInfo,
) => WampcraRequirement | null | Promise<WampcraRequirement | null>;

/** Who an authenticated authid is: its role (and authid, authextra); as {@link DynamicAuthResult} without the secrets. */
export interface IdentityResult {
  readonly role: string;
  readonly authid?: string;
  readonly authprovider?: string;
  readonly extra?: Dict;
}

/** The second half of split WAMP-CRA: called only after the signature verified. */
export type IdentityProvider = (
  realm: string,
  authid: string,
  details: Dict,
  transport: SessionInfo,
) => IdentityResult | string | Promise<IdentityResult | string>;

/**
 * WAMP-CRA with the two questions apart (as serverwamp has it): `requirement`
 * gives the secret, `identity` the role, and runs only once the client proved
 * it knows the secret.
 */
export interface WampcraSplitConfig {
  readonly type: 'split';
  readonly requirement: WampcraRequirementProvider;
  readonly identity: IdentityProvider;
}

/** The principal source of an authentication method. */
export type PrincipalSource<P> =
  | { readonly type: 'static'; readonly principals: Readonly<Record<string, P>> }
  | { readonly type: 'dynamic'; readonly authenticator: DynamicAuthenticator }
  /**
   * The Crossbar way: a WAMP procedure registered in `realm` (default: the
   * realm being joined) by a session of a trusted role is called with
   * `[realm, authid, details]` and returns a {@link DynamicAuthResult}.
   */
  | { readonly type: 'procedure'; readonly procedure: string; readonly realm?: string };

/** A user of ticket authentication. */
export interface TicketPrincipal {
  readonly ticket: string;
  readonly authrole: string;
  readonly authextra?: Dict;
}
/** A user of WAMP-CRA. */
export interface WampcraPrincipal {
  readonly secret: string;
  readonly authrole: string;
  /** Salted passwords (PBKDF2): `secret` is the password, the key is derived with these. */
  readonly salt?: string;
  readonly iterations?: number;
  readonly keylen?: number;
  readonly authextra?: Dict;
}
/** A user of WAMP-Cryptosign. */
export interface CryptosignPrincipal {
  /** Ed25519 public keys (64 hex characters) that authenticate as this authid. */
  readonly authorizedKeys: readonly string[];
  readonly authrole: string;
  readonly authextra?: Dict;
}
/**
 * A WAMP-SCRAM user: the stored credential exactly as `scramDeriveCredential`
 * produces it (`kdf`, `salt`, `iterations`, `memory`, `stored_key`,
 * `server_key`; JSON-safe), plus the role.
 */
export interface ScramPrincipal extends ScramCredential {
  readonly authrole: string;
  readonly authextra?: Dict;
}

/** Anonymous authentication: a fixed role, or a dynamic authenticator that picks one. */
export type AnonymousAuthConfig =
  | { readonly type: 'static'; readonly authrole: string; readonly authid?: string }
  | Exclude<PrincipalSource<never>, { type: 'static' }>;

/** Authentication methods a realm accepts, by the spec's `authmethod` names. */
export interface AuthMethodsConfig {
  readonly anonymous?: AnonymousAuthConfig;
  readonly ticket?: PrincipalSource<TicketPrincipal>;
  readonly wampcra?: PrincipalSource<WampcraPrincipal> | WampcraSplitConfig;
  readonly cryptosign?: PrincipalSource<CryptosignPrincipal>;
  readonly 'wamp-scram'?: PrincipalSource<ScramPrincipal>;
  /** Transport method: a cookie of the WebSocket upgrade. A miss passes on to the next method the client offered. */
  readonly cookie?: CookieAuthConfig;
  /** Transport method: the TLS client certificate. A miss passes on to the next method the client offered. */
  readonly tls?: TlsAuthConfig;
}

/** An authentication method, by its `authmethod` name. */
export type AuthMethod = keyof AuthMethodsConfig;
/** Every authentication method the router implements. */
export const AUTH_METHODS: readonly AuthMethod[] = ['anonymous', 'ticket', 'wampcra', 'cryptosign', 'wamp-scram', 'cookie', 'tls'];
/**
 * The transport methods: they never send a CHALLENGE; they admit the session
 * from what the transport knows, or pass it on to the next method offered.
 */
export const TRANSPORT_AUTH_METHODS: readonly AuthMethod[] = ['cookie', 'tls'];
/** Default of the `cookie` method's cookie name (Crossbar's). */
export const DEFAULT_AUTH_COOKIE = 'cbtid';
/** Default lifetime of a cookie in the router's own store: 24 h. */
export const DEFAULT_AUTH_COOKIE_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Per-session and per-realm caps. */
export interface SessionLimits {
  readonly maxSessionsPerRealm: number;
  readonly maxRegistrationsPerSession: number;
  readonly maxSubscriptionsPerSession: number;
  /** Invocations a callee may have in flight; beyond, calls fail with `wamp.error.no_available_callee`. */
  readonly maxPendingInvocationsPerCallee: number;
  /** Calls a caller may have in flight; beyond, calls fail with `wamp.error.limit_exceeded`. */
  readonly maxPendingCallsPerCaller: number;
  /**
   * A caller's share of one callee's capacity: the invocations one caller may
   * have in flight at one callee. Beyond, that callee is skipped for this
   * caller (another callee of a shared registration is tried), else the call
   * fails with `wamp.error.limit_exceeded`; other callers still get through.
   */
  readonly maxPendingInvocationsPerCallerAtCallee: number;
  readonly maxTestamentsPerSession: number;
}

/** Decoding limits (message size etc., see {@link Limits}) and session limits. */
export interface RouterLimits extends Limits, SessionLimits {}

/** The router's limits when the configuration sets none. */
export const DEFAULT_ROUTER_LIMITS: RouterLimits = Object.freeze({
  ...DEFAULT_LIMITS,
  maxSessionsPerRealm: 100_000,
  maxRegistrationsPerSession: 1_000,
  maxSubscriptionsPerSession: 10_000,
  maxPendingInvocationsPerCallee: 10_000,
  maxPendingCallsPerCaller: 10_000,
  maxPendingInvocationsPerCallerAtCallee: 1_000,
  maxTestamentsPerSession: 64,
});

/** How long the router waits for each step of a session's opening and closing, in ms. */
export interface RouterTimeouts {
  /** From transport open to HELLO. */
  readonly hello: number;
  /** From HELLO to WELCOME (challenge round trip and verification included). */
  readonly auth: number;
  /** How long a session killed with GOODBYE has to answer before the transport is closed. */
  readonly goodbye: number;
  /** How long late CALL continuations of a finished progressive call are silently discarded. */
  readonly progressiveGrace: number;
  /**
   * When the callee runs a call's timeout itself (it announced `call_timeout`
   * and got `INVOCATION.Details.timeout`), the dealer's own timer fires this
   * much later, so the callee's answer (ERROR `wamp.error.canceled`) comes
   * first; the dealer's timer then only catches a callee that never answers.
   */
  readonly calleeTimeoutGrace: number;
  /**
   * Dealer-initiated call timeout for calls that set no `timeout` of their
   * own (as Bondy does): the caller gets ERROR `wamp.error.timeout`, the
   * callee INTERRUPT. 0 turns it off.
   */
  readonly call: number;
}

/** The router's timeouts when the configuration sets none. */
export const DEFAULT_ROUTER_TIMEOUTS: RouterTimeouts = Object.freeze({
  hello: 10_000,
  auth: 30_000,
  goodbye: 5_000,
  progressiveGrace: 60_000,
  calleeTimeoutGrace: 2_000,
  call: 30_000,
});

/** One entry of a realm's event history: the topics it covers and how much of each is kept. */
export interface HistoryTopicConfig {
  /** Topic URI or pattern. The most specific entry matching a topic applies (exact > longest prefix > wildcard). */
  readonly uri: string;
  /** Default `exact`. */
  readonly match?: MatchPolicy;
  /** Events kept per topic; default 100. */
  readonly limit?: number;
  /** Events older than this (milliseconds) are dropped; default: no age limit. */
  readonly maxAgeMs?: number;
}

/** A realm: its name, roles, authentication methods and limits. */
export interface RealmConfig {
  readonly name: string;
  /**
   * Event history (advanced profile): the topics whose publications the
   * broker keeps in memory for `wamp.subscription.get_events`.
   */
  readonly history?: readonly HistoryTopicConfig[];
  /**
   * Roles and their permissions. Omitted: an open realm where every role may
   * do everything (development setups). Given: a session whose authrole is
   * not listed is refused with `wamp.error.no_such_role`.
   */
  readonly roles?: readonly RoleConfig[];
  /** Default: `{ anonymous: { type: 'static', authrole: 'anonymous' } }`. */
  readonly auth?: AuthMethodsConfig;
  readonly limits?: Partial<SessionLimits>;
}

/** The core router's configuration; check it with {@link validateRouterConfig}. */
export interface RouterConfig {
  readonly realms: readonly RealmConfig[];
  /** WELCOME.Details.agent. */
  readonly agent?: string;
  readonly limits?: Partial<RouterLimits>;
  readonly timeouts?: Partial<RouterTimeouts>;
  /**
   * URI rule for incoming messages; default `strict` (basic profile, "Strict
   * URIs": components of lower-case letters, digits and `_`). `loose` accepts
   * every URI the spec allows (no empty component, no `.`, `#` or whitespace
   * in one). A request with a URI that breaks the rule gets ERROR
   * `wamp.error.invalid_uri`.
   */
  readonly uriRule?: UriRule;
  /** Default `strict`. */
  readonly requestIds?: RequestIdPolicy;
  /** Login brute-force throttling; on by default (see {@link AuthThrottleConfig}). */
  readonly authThrottle?: Partial<AuthThrottleConfig>;
}

/** WELCOME.Details.agent when the configuration names none. */
export const DEFAULT_AGENT = 'wamp-ts-router/0.1';

// ---------------------------------------------------------------------------
// Validation

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
function fault(e: RouterConfigError): void {
  if (found === undefined) throw e;
  found.push(...e.errors);
}

/** Run one check; a fault is recorded and `fallback` returned, so that the other fields are checked too. */
function check<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof RouterConfigError)) throw e;
    fault(e);
    return fallback;
  }
}

/** Run a whole validation, collecting its faults; throws them together at the end. */
function collectFaults<T>(run: () => T): T {
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

type Obj = Readonly<Record<string, unknown>>;

function isPlainObject(v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function object(path: string, v: unknown, allowed: readonly string[]): Obj {
  if (!isPlainObject(v)) throw new RouterConfigError(path, 'must be an object');
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) fault(new RouterConfigError(`${path}.${k}`, `unknown field (expected one of ${allowed.join(', ')})`));
  }
  return v;
}

function nonEmptyString(path: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new RouterConfigError(path, 'must be a non-empty string');
  return v;
}

function optString(path: string, v: unknown): string | undefined {
  return v === undefined ? undefined : nonEmptyString(path, v);
}

function optBool(path: string, v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new RouterConfigError(path, 'must be true or false');
  return v;
}

function positiveInt(path: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new RouterConfigError(path, 'must be a positive integer');
  return v;
}

function optPositiveInt(path: string, v: unknown): number | undefined {
  return v === undefined ? undefined : positiveInt(path, v);
}

function oneOf<T extends string>(path: string, v: unknown, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new RouterConfigError(path, `must be one of ${values.join(', ')}`);
  }
  return v as T;
}

function optDict(path: string, v: unknown): Dict | undefined {
  if (v === undefined) return undefined;
  if (!isPlainObject(v)) throw new RouterConfigError(path, 'must be an object');
  return v;
}

function fn<T>(path: string, v: unknown): T {
  if (typeof v !== 'function') throw new RouterConfigError(path, 'must be a function');
  return v as T;
}

function list(path: string, v: unknown): readonly unknown[] {
  if (!Array.isArray(v)) throw new RouterConfigError(path, 'must be a list');
  return v;
}

/** Each item checked on its own; the items that passed, in order. */
function checkedList<T>(path: string, v: unknown, item: (v: unknown, i: number) => T): T[] {
  const out: T[] = [];
  check(() => list(path, v), []).forEach((x, i) => {
    const r = check<T | undefined>(() => item(x, i), undefined);
    if (r !== undefined) out.push(r);
  });
  return out;
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

function uri(path: string, v: unknown, rule: UriRule): string {
  if (!isValidUri(v, rule)) throw new RouterConfigError(path, `must be a valid URI (${rule} rule)`);
  return v;
}

const MATCHES: readonly MatchPolicy[] = ['exact', 'prefix', 'wildcard'];
const DISCLOSE: readonly DisclosePolicy[] = ['allow', 'force', 'deny'];
const ACTIONS: readonly AuthorizationAction[] = ['call', 'register', 'publish', 'subscribe'];

function permission(path: string, v: unknown, rule: UriRule): PermissionConfig {
  const o = object(path, v, ['uri', 'match', 'allow', 'disclose']);
  const match = o['match'] === undefined ? 'exact' : check(() => oneOf(`${path}.match`, o['match'], MATCHES), 'exact');
  const u = o['uri'];
  // The empty prefix is the catch-all permission; a prefix may end in a dot
  // (`com.a.`: the subtree below com.a, as Crossbar writes it).
  const pattern = match === 'prefix' && typeof u === 'string' && u.length > 1 && u.endsWith('.') ? u.slice(0, -1) : u;
  if (!(match === 'prefix' && u === '') && !isValidPattern(pattern, match, rule)) {
    fault(new RouterConfigError(`${path}.uri`, `must be a valid ${match} URI pattern`));
  }
  const allow: Partial<Record<AuthorizationAction, boolean>> = {};
  if (o['allow'] !== undefined) {
    const a = check(() => object(`${path}.allow`, o['allow'], ACTIONS), {});
    for (const k of ACTIONS) {
      const b = check(() => optBool(`${path}.allow.${k}`, a[k]), undefined);
      if (b !== undefined) allow[k] = b;
    }
  }
  let disclose: { caller?: DisclosePolicy; publisher?: DisclosePolicy } | undefined;
  if (o['disclose'] !== undefined) {
    const d = check(() => object(`${path}.disclose`, o['disclose'], ['caller', 'publisher']), {});
    disclose = {};
    if (d['caller'] !== undefined) disclose.caller = check(() => oneOf(`${path}.disclose.caller`, d['caller'], DISCLOSE), 'allow');
    if (d['publisher'] !== undefined) disclose.publisher = check(() => oneOf(`${path}.disclose.publisher`, d['publisher'], DISCLOSE), 'allow');
  }
  return Object.freeze({ uri: u as string, match, allow: Object.freeze(allow), ...(disclose ? { disclose: Object.freeze(disclose) } : {}) });
}

function role(path: string, v: unknown, rule: UriRule): RoleConfig {
  const o = object(path, v, ['name', 'permissions', 'authorizer', 'trusted', 'trustlevel']);
  const name = check(() => nonEmptyString(`${path}.name`, o['name']), '');
  const permissions =
    o['permissions'] === undefined
      ? undefined
      : Object.freeze(
          checkedList(`${path}.permissions`, o['permissions'], (p, i) => permission(`${path}.permissions[${i}]`, p, rule)),
        );
  const authorizer =
    o['authorizer'] === undefined ? undefined : check(() => fn<DynamicAuthorizer>(`${path}.authorizer`, o['authorizer']), undefined);
  const trusted = check(() => optBool(`${path}.trusted`, o['trusted']), undefined);
  const trustlevel = check(() => {
    const x = o['trustlevel'];
    if (x !== undefined && !(typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
      throw new RouterConfigError(`${path}.trustlevel`, 'must be a non-negative integer');
    }
    return x as number | undefined;
  }, undefined);
  return Object.freeze({
    name,
    ...(permissions ? { permissions } : {}),
    ...(authorizer ? { authorizer } : {}),
    ...(trusted !== undefined ? { trusted } : {}),
    ...(trustlevel !== undefined ? { trustlevel } : {}),
  });
}

function source<P>(
  path: string,
  v: unknown,
  rule: UriRule,
  principal: (path: string, v: unknown) => P,
): PrincipalSource<P> {
  if (!isPlainObject(v)) throw new RouterConfigError(path, 'must be an object');
  const type = oneOf(`${path}.type`, v['type'], ['static', 'dynamic', 'procedure'] as const);
  switch (type) {
    case 'static': {
      const o = object(path, v, ['type', 'principals']);
      if (!isPlainObject(o['principals'])) throw new RouterConfigError(`${path}.principals`, 'must be an object keyed by authid');
      const out: Record<string, P> = Object.create(null) as Record<string, P>;
      for (const [authid, p] of Object.entries(o['principals'])) {
        const r = check<P | undefined>(() => principal(`${path}.principals.${authid}`, p), undefined);
        if (r !== undefined) out[authid] = r;
      }
      return Object.freeze({ type, principals: Object.freeze(out) });
    }
    case 'dynamic': {
      const o = object(path, v, ['type', 'authenticator']);
      return Object.freeze({ type, authenticator: fn<DynamicAuthenticator>(`${path}.authenticator`, o['authenticator']) });
    }
    case 'procedure': {
      const o = object(path, v, ['type', 'procedure', 'realm']);
      const procedure = check(() => uri(`${path}.procedure`, o['procedure'], rule), '');
      const realm = check(() => optString(`${path}.realm`, o['realm']), undefined);
      return Object.freeze(realm === undefined ? { type, procedure } : { type, procedure, realm });
    }
  }
}

function ticketPrincipal(path: string, v: unknown): TicketPrincipal {
  const o = object(path, v, ['ticket', 'authrole', 'authextra']);
  const authextra = check(() => optDict(`${path}.authextra`, o['authextra']), undefined);
  return Object.freeze({
    ticket: check(() => nonEmptyString(`${path}.ticket`, o['ticket']), ''),
    authrole: check(() => nonEmptyString(`${path}.authrole`, o['authrole']), ''),
    ...(authextra ? { authextra } : {}),
  });
}

function wampcraPrincipal(path: string, v: unknown): WampcraPrincipal {
  const o = object(path, v, ['secret', 'authrole', 'salt', 'iterations', 'keylen', 'authextra']);
  const salt = check(() => optString(`${path}.salt`, o['salt']), undefined);
  const iterations = check(() => optPositiveInt(`${path}.iterations`, o['iterations']), undefined);
  const keylen = check(() => optPositiveInt(`${path}.keylen`, o['keylen']), undefined);
  if (o['salt'] === undefined && (o['iterations'] !== undefined || o['keylen'] !== undefined)) {
    fault(new RouterConfigError(`${path}.salt`, 'is required when iterations or keylen is given'));
  }
  const authextra = check(() => optDict(`${path}.authextra`, o['authextra']), undefined);
  return Object.freeze({
    secret: check(() => nonEmptyString(`${path}.secret`, o['secret']), ''),
    authrole: check(() => nonEmptyString(`${path}.authrole`, o['authrole']), ''),
    ...(salt !== undefined ? { salt, iterations: iterations ?? 1000, keylen: keylen ?? 32 } : {}),
    ...(authextra ? { authextra } : {}),
  });
}

function cryptosignPrincipal(path: string, v: unknown): CryptosignPrincipal {
  const o = object(path, v, ['authorizedKeys', 'authrole', 'authextra']);
  const keys = checkedList(`${path}.authorizedKeys`, o['authorizedKeys'], (k, i) => {
    if (typeof k !== 'string' || !HEX_KEY.test(k)) {
      throw new RouterConfigError(`${path}.authorizedKeys[${i}]`, 'must be an Ed25519 public key as 64 hex characters');
    }
    return k.toLowerCase();
  });
  if (Array.isArray(o['authorizedKeys']) && o['authorizedKeys'].length === 0) {
    fault(new RouterConfigError(`${path}.authorizedKeys`, 'must list at least one key'));
  }
  const authextra = check(() => optDict(`${path}.authextra`, o['authextra']), undefined);
  return Object.freeze({
    authorizedKeys: Object.freeze(keys),
    authrole: check(() => nonEmptyString(`${path}.authrole`, o['authrole']), ''),
    ...(authextra ? { authextra } : {}),
  });
}

function scramPrincipal(path: string, v: unknown): ScramPrincipal {
  const o = object(path, v, ['authrole', 'kdf', 'iterations', 'memory', 'salt', 'stored_key', 'server_key', 'authextra']);
  let credential: ScramCredential;
  try {
    credential = parseScramCredential(o);
  } catch (e) {
    throw new RouterConfigError(path, e instanceof WampError ? e.message.replace(/^[^:]*: /, '') : String(e));
  }
  const authextra = check(() => optDict(`${path}.authextra`, o['authextra']), undefined);
  return Object.freeze({
    ...credential,
    authrole: check(() => nonEmptyString(`${path}.authrole`, o['authrole']), ''),
    ...(authextra ? { authextra } : {}),
  });
}

function wampcraSplit(path: string, v: Obj): WampcraSplitConfig {
  const o = object(path, v, ['type', 'requirement', 'identity']);
  return Object.freeze({
    type: 'split' as const,
    requirement: check(() => fn<WampcraRequirementProvider>(`${path}.requirement`, o['requirement']), (() => null) as WampcraRequirementProvider),
    identity: check(() => fn<IdentityProvider>(`${path}.identity`, o['identity']), (() => '') as IdentityProvider),
  });
}

function cookieAuth(path: string, v: unknown, rule: UriRule): CookieAuthConfig {
  if (isPlainObject(v) && v['type'] === 'static') {
    const o = object(path, v, ['type', 'name', 'maxAgeMs']);
    const name = check(() => optString(`${path}.name`, o['name']), undefined);
    if (name !== undefined && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) fault(new RouterConfigError(`${path}.name`, 'must be a cookie name (RFC 6265 token)'));
    const maxAgeMs = check(() => optPositiveInt(`${path}.maxAgeMs`, o['maxAgeMs']), undefined);
    return Object.freeze({ type: 'static' as const, ...(name !== undefined ? { name } : {}), ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) });
  }
  return source<never>(path, v, rule, (p) => {
    throw new RouterConfigError(p, 'cookie has no principals: the static source is the router\'s cookie store');
  }) as CookieAuthConfig;
}

function tlsPrincipal(path: string, v: unknown): TlsPrincipal {
  const o = object(path, v, ['authrole', 'fingerprints', 'authextra']);
  const authextra = check(() => optDict(`${path}.authextra`, o['authextra']), undefined);
  const fingerprints =
    o['fingerprints'] === undefined
      ? undefined
      : checkedList(`${path}.fingerprints`, o['fingerprints'], (f, i) => {
          const hex = typeof f === 'string' ? f.replace(/:/g, '') : '';
          if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new RouterConfigError(`${path}.fingerprints[${i}]`, 'must be a SHA-256 fingerprint (64 hex digits, colons allowed)');
          return hex.toUpperCase();
        });
  return Object.freeze({
    authrole: check(() => nonEmptyString(`${path}.authrole`, o['authrole']), ''),
    ...(fingerprints ? { fingerprints: Object.freeze(fingerprints) } : {}),
    ...(authextra ? { authextra } : {}),
  });
}

function tlsAuth(path: string, v: unknown, rule: UriRule): TlsAuthConfig {
  if (isPlainObject(v) && v['type'] === 'static') {
    const o = object(path, v, ['type', 'principals', 'authrole']);
    const authrole = o['authrole'] === undefined ? undefined : check(() => nonEmptyString(`${path}.authrole`, o['authrole']), undefined);
    let principals: Record<string, TlsPrincipal> | undefined;
    if (o['principals'] !== undefined) {
      if (!isPlainObject(o['principals'])) throw new RouterConfigError(`${path}.principals`, 'must be an object keyed by authid');
      principals = Object.create(null) as Record<string, TlsPrincipal>;
      for (const [authid, p] of Object.entries(o['principals'])) {
        const r = check<TlsPrincipal | undefined>(() => tlsPrincipal(`${path}.principals.${authid}`, p), undefined);
        if (r !== undefined) principals[authid] = r;
      }
    }
    if (principals === undefined && authrole === undefined) throw new RouterConfigError(path, 'needs principals or an authrole');
    return Object.freeze({
      type: 'static' as const,
      ...(principals ? { principals: Object.freeze(principals) } : {}),
      ...(authrole !== undefined ? { authrole } : {}),
    });
  }
  return source<never>(path, v, rule, () => undefined as never) as TlsAuthConfig;
}

function anonymous(path: string, v: unknown, rule: UriRule): AnonymousAuthConfig {
  if (isPlainObject(v) && v['type'] === 'static') {
    const o = object(path, v, ['type', 'authrole', 'authid']);
    const authid = check(() => optString(`${path}.authid`, o['authid']), undefined);
    return Object.freeze({
      type: 'static' as const,
      authrole: check(() => nonEmptyString(`${path}.authrole`, o['authrole']), ''),
      ...(authid !== undefined ? { authid } : {}),
    });
  }
  return source<never>(path, v, rule, (p) => {
    throw new RouterConfigError(p, 'anonymous has no principals');
  }) as AnonymousAuthConfig;
}

function auth(path: string, v: unknown, rule: UriRule): AuthMethodsConfig {
  const o = object(path, v, AUTH_METHODS);
  const out: { -readonly [K in AuthMethod]?: AuthMethodsConfig[K] } = {};
  const method = <K extends AuthMethod>(k: K, f: (p: string, v: unknown) => AuthMethodsConfig[K]): void => {
    if (o[k] === undefined) return;
    const r = check<AuthMethodsConfig[K] | undefined>(() => f(`${path}.${k}`, o[k]), undefined);
    if (r !== undefined) out[k] = r;
  };
  method('anonymous', (p, x) => anonymous(p, x, rule));
  method('ticket', (p, x) => source(p, x, rule, ticketPrincipal));
  method('wampcra', (p, x) => (isPlainObject(x) && x['type'] === 'split' ? wampcraSplit(p, x) : source(p, x, rule, wampcraPrincipal)));
  method('cryptosign', (p, x) => source(p, x, rule, cryptosignPrincipal));
  method('wamp-scram', (p, x) => source(p, x, rule, scramPrincipal));
  method('cookie', (p, x) => cookieAuth(p, x, rule));
  method('tls', (p, x) => tlsAuth(p, x, rule));
  if (AUTH_METHODS.every((k) => o[k] === undefined)) throw new RouterConfigError(path, 'must enable at least one authentication method');
  return Object.freeze(out);
}

const SESSION_LIMIT_KEYS: readonly (keyof SessionLimits)[] = [
  'maxSessionsPerRealm',
  'maxRegistrationsPerSession',
  'maxSubscriptionsPerSession',
  'maxPendingInvocationsPerCallee',
  'maxPendingCallsPerCaller',
  'maxPendingInvocationsPerCallerAtCallee',
  'maxTestamentsPerSession',
];
const ROUTER_LIMIT_KEYS: readonly (keyof RouterLimits)[] = [
  'maxMessageSize',
  'maxStringLength',
  'maxContainerLength',
  'maxDepth',
  ...SESSION_LIMIT_KEYS,
];

function limits<K extends string>(path: string, v: unknown, keys: readonly K[]): Partial<Record<K, number>> {
  const o = object(path, v, keys);
  const out: Partial<Record<K, number>> = {};
  for (const k of keys) {
    const n = check(() => optPositiveInt(`${path}.${k}`, o[k]), undefined);
    if (n !== undefined) out[k] = n;
  }
  return Object.freeze(out);
}

function historyTopic(path: string, v: unknown, rule: UriRule): HistoryTopicConfig {
  const o = object(path, v, ['uri', 'match', 'limit', 'maxAgeMs']);
  const match = o['match'] === undefined ? 'exact' : oneOf(`${path}.match`, o['match'], MATCHES);
  if (!(match === 'prefix' && o['uri'] === '') && !isValidPattern(o['uri'], match, rule)) {
    throw new RouterConfigError(`${path}.uri`, `must be a valid ${match} URI pattern`);
  }
  const limit = optPositiveInt(`${path}.limit`, o['limit']);
  if (limit !== undefined && limit > 1_000_000) throw new RouterConfigError(`${path}.limit`, 'must be at most 1000000');
  const maxAgeMs = optPositiveInt(`${path}.maxAgeMs`, o['maxAgeMs']);
  return Object.freeze({
    uri: o['uri'] as string,
    match,
    ...(limit !== undefined ? { limit } : {}),
    ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
  });
}

function realm(path: string, v: unknown, rule: UriRule): RealmConfig {
  const o = object(path, v, ['name', 'roles', 'auth', 'limits', 'history']);
  const name = check(() => uri(`${path}.name`, o['name'], rule), '');
  let roles: RoleConfig[] | undefined;
  if (o['roles'] !== undefined) {
    roles = checkedList(`${path}.roles`, o['roles'], (r, i) => role(`${path}.roles[${i}]`, r, rule));
    const seen = new Set<string>();
    roles.forEach((r, i) => {
      if (seen.has(r.name)) fault(new RouterConfigError(`${path}.roles[${i}].name`, `duplicate role "${r.name}"`));
      seen.add(r.name);
    });
  }
  const a = o['auth'] === undefined ? undefined : check(() => auth(`${path}.auth`, o['auth'], rule), undefined);
  const l =
    o['limits'] === undefined ? undefined : check(() => limits(`${path}.limits`, o['limits'], SESSION_LIMIT_KEYS), undefined);
  const history =
    o['history'] === undefined
      ? undefined
      : Object.freeze(checkedList(`${path}.history`, o['history'], (h, i) => historyTopic(`${path}.history[${i}]`, h, rule)));
  return Object.freeze({
    name,
    ...(history ? { history } : {}),
    ...(roles ? { roles: Object.freeze(roles) } : {}),
    ...(a ? { auth: a } : {}),
    ...(l ? { limits: l } : {}),
  });
}

/**
 * Check a router configuration (a plain object, e.g. parsed from JSON, or
 * typed code that may add functions for dynamic authenticators and
 * authorizers) and return it frozen with defaults filled in where a field is
 * structural. Every field is checked: throws {@link RouterConfigError}
 * naming the first bad field, with `errors` listing every one.
 */
export function validateRouterConfig(v: unknown): RouterConfig {
  return collectFaults(() => validateRouterConfigFields(v));
}

function validateRouterConfigFields(v: unknown): RouterConfig {
  const o = object('config', v, ['realms', 'agent', 'limits', 'timeouts', 'uriRule', 'requestIds', 'authThrottle']);
  const uriRule = o['uriRule'] === undefined ? 'strict' : check(() => oneOf('uriRule', o['uriRule'], ['loose', 'strict'] as const), 'strict');
  const realms = checkedList('realms', o['realms'], (r, i) => realm(`realms[${i}]`, r, uriRule));
  const names = new Set<string>();
  realms.forEach((r, i) => {
    if (names.has(r.name) && r.name !== '') fault(new RouterConfigError(`realms[${i}].name`, `duplicate realm "${r.name}"`));
    names.add(r.name);
  });
  // A procedure authenticator must live in a configured realm.
  realms.forEach((r, i) => {
    for (const m of AUTH_METHODS) {
      const s = r.auth?.[m];
      if (s !== undefined && s.type === 'procedure' && s.realm !== undefined && !names.has(s.realm)) {
        fault(new RouterConfigError(`realms[${i}].auth.${m}.realm`, `no realm "${s.realm}" is configured`));
      }
    }
  });
  const agent = check(() => optString('agent', o['agent']), undefined);
  const l = o['limits'] === undefined ? undefined : check(() => limits('limits', o['limits'], ROUTER_LIMIT_KEYS), undefined);
  const t =
    o['timeouts'] === undefined
      ? undefined
      : check((): Partial<RouterTimeouts> => {
          // `call` may be 0 (no dealer-initiated timeout); the others must be positive.
          const raw = object('timeouts', o['timeouts'], ['hello', 'auth', 'goodbye', 'progressiveGrace', 'calleeTimeoutGrace', 'call']);
          const { call, ...rest } = raw;
          const out: { -readonly [K in keyof RouterTimeouts]?: number } = {
            ...limits('timeouts', rest, ['hello', 'auth', 'goodbye', 'progressiveGrace', 'calleeTimeoutGrace'] as const),
          };
          if (call !== undefined) {
            if (typeof call !== 'number' || !Number.isSafeInteger(call) || call < 0) {
              throw new RouterConfigError('timeouts.call', 'must be a non-negative integer (0: off)');
            }
            out.call = call;
          }
          return Object.freeze(out);
        }, undefined);
  const authThrottle = o['authThrottle'] === undefined ? undefined : check(() => throttle('authThrottle', o['authThrottle']), undefined);
  const requestIds =
    o['requestIds'] === undefined ? undefined : check(() => oneOf('requestIds', o['requestIds'], ['strict', 'lenient'] as const), undefined);
  return Object.freeze({
    realms: Object.freeze(realms),
    uriRule,
    ...(agent !== undefined ? { agent } : {}),
    ...(l ? { limits: l } : {}),
    ...(t ? { timeouts: t } : {}),
    ...(requestIds ? { requestIds } : {}),
    ...(authThrottle ? { authThrottle } : {}),
  });
}

const THROTTLE_INT_KEYS = ['maxFailuresPerAuthid', 'maxFailuresPerAddress', 'windowMs', 'lockoutMs', 'maxLockoutMs', 'maxTracked'] as const;

function throttle(path: string, v: unknown): Partial<AuthThrottleConfig> {
  const o = object(path, v, ['enabled', ...THROTTLE_INT_KEYS]);
  const out: { -readonly [K in keyof AuthThrottleConfig]?: AuthThrottleConfig[K] } = {};
  const enabled = optBool(`${path}.enabled`, o['enabled']);
  if (enabled !== undefined) out.enabled = enabled;
  for (const k of THROTTLE_INT_KEYS) {
    const n = optPositiveInt(`${path}.${k}`, o[k]);
    if (n !== undefined) out[k] = n;
  }
  if (out.lockoutMs !== undefined && out.maxLockoutMs !== undefined && out.maxLockoutMs < out.lockoutMs) {
    throw new RouterConfigError(`${path}.maxLockoutMs`, 'must not be less than lockoutMs');
  }
  return Object.freeze(out);
}
