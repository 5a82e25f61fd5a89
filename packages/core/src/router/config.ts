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
) => DynamicAuthResult | Promise<DynamicAuthResult>;

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
  readonly wampcra?: PrincipalSource<WampcraPrincipal>;
  readonly cryptosign?: PrincipalSource<CryptosignPrincipal>;
  readonly 'wamp-scram'?: PrincipalSource<ScramPrincipal>;
}

/** An authentication method, by its `authmethod` name. */
export type AuthMethod = keyof AuthMethodsConfig;
/** Every authentication method the router implements. */
export const AUTH_METHODS: readonly AuthMethod[] = ['anonymous', 'ticket', 'wampcra', 'cryptosign', 'wamp-scram'];

/** Per-session and per-realm caps. */
export interface SessionLimits {
  readonly maxSessionsPerRealm: number;
  readonly maxRegistrationsPerSession: number;
  readonly maxSubscriptionsPerSession: number;
  /** Invocations a callee may have in flight; beyond, calls fail with `wamp.error.no_available_callee`. */
  readonly maxPendingInvocationsPerCallee: number;
  /** Calls a caller may have in flight; beyond, calls fail with `wamp.error.limit_exceeded`. */
  readonly maxPendingCallsPerCaller: number;
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
}

/** The router's timeouts when the configuration sets none. */
export const DEFAULT_ROUTER_TIMEOUTS: RouterTimeouts = Object.freeze({
  hello: 10_000,
  auth: 30_000,
  goodbye: 5_000,
  progressiveGrace: 60_000,
});

/** A realm: its name, roles, authentication methods and limits. */
export interface RealmConfig {
  readonly name: string;
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
}

/** WELCOME.Details.agent when the configuration names none. */
export const DEFAULT_AGENT = 'wamp-ts-router/0.1';

// ---------------------------------------------------------------------------
// Validation

/** A configuration fault; `path` names the field (`realms[0].auth.ticket.principals.joe.authrole`). */
export class RouterConfigError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'RouterConfigError';
    this.path = path;
  }
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
    if (!allowed.includes(k)) throw new RouterConfigError(`${path}.${k}`, `unknown field (expected one of ${allowed.join(', ')})`);
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
  const match = o['match'] === undefined ? 'exact' : oneOf(`${path}.match`, o['match'], MATCHES);
  const u = o['uri'];
  // The empty prefix is the catch-all permission.
  if (!(match === 'prefix' && u === '') && !isValidPattern(u, match, rule)) {
    throw new RouterConfigError(`${path}.uri`, `must be a valid ${match} URI pattern`);
  }
  const allow: Partial<Record<AuthorizationAction, boolean>> = {};
  if (o['allow'] !== undefined) {
    const a = object(`${path}.allow`, o['allow'], ACTIONS);
    for (const k of ACTIONS) {
      const b = optBool(`${path}.allow.${k}`, a[k]);
      if (b !== undefined) allow[k] = b;
    }
  }
  let disclose: { caller?: DisclosePolicy; publisher?: DisclosePolicy } | undefined;
  if (o['disclose'] !== undefined) {
    const d = object(`${path}.disclose`, o['disclose'], ['caller', 'publisher']);
    disclose = {};
    if (d['caller'] !== undefined) disclose.caller = oneOf(`${path}.disclose.caller`, d['caller'], DISCLOSE);
    if (d['publisher'] !== undefined) disclose.publisher = oneOf(`${path}.disclose.publisher`, d['publisher'], DISCLOSE);
  }
  return Object.freeze({ uri: u as string, match, allow: Object.freeze(allow), ...(disclose ? { disclose: Object.freeze(disclose) } : {}) });
}

function role(path: string, v: unknown, rule: UriRule): RoleConfig {
  const o = object(path, v, ['name', 'permissions', 'authorizer', 'trusted']);
  const name = nonEmptyString(`${path}.name`, o['name']);
  const permissions =
    o['permissions'] === undefined
      ? undefined
      : Object.freeze(list(`${path}.permissions`, o['permissions']).map((p, i) => permission(`${path}.permissions[${i}]`, p, rule)));
  const authorizer = o['authorizer'] === undefined ? undefined : fn<DynamicAuthorizer>(`${path}.authorizer`, o['authorizer']);
  const trusted = optBool(`${path}.trusted`, o['trusted']);
  return Object.freeze({
    name,
    ...(permissions ? { permissions } : {}),
    ...(authorizer ? { authorizer } : {}),
    ...(trusted !== undefined ? { trusted } : {}),
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
      for (const [authid, p] of Object.entries(o['principals'])) out[authid] = principal(`${path}.principals.${authid}`, p);
      return Object.freeze({ type, principals: Object.freeze(out) });
    }
    case 'dynamic': {
      const o = object(path, v, ['type', 'authenticator']);
      return Object.freeze({ type, authenticator: fn<DynamicAuthenticator>(`${path}.authenticator`, o['authenticator']) });
    }
    case 'procedure': {
      const o = object(path, v, ['type', 'procedure', 'realm']);
      const procedure = uri(`${path}.procedure`, o['procedure'], rule);
      const realm = optString(`${path}.realm`, o['realm']);
      return Object.freeze(realm === undefined ? { type, procedure } : { type, procedure, realm });
    }
  }
}

function ticketPrincipal(path: string, v: unknown): TicketPrincipal {
  const o = object(path, v, ['ticket', 'authrole', 'authextra']);
  const authextra = optDict(`${path}.authextra`, o['authextra']);
  return Object.freeze({
    ticket: nonEmptyString(`${path}.ticket`, o['ticket']),
    authrole: nonEmptyString(`${path}.authrole`, o['authrole']),
    ...(authextra ? { authextra } : {}),
  });
}

function wampcraPrincipal(path: string, v: unknown): WampcraPrincipal {
  const o = object(path, v, ['secret', 'authrole', 'salt', 'iterations', 'keylen', 'authextra']);
  const salt = optString(`${path}.salt`, o['salt']);
  const iterations = optPositiveInt(`${path}.iterations`, o['iterations']);
  const keylen = optPositiveInt(`${path}.keylen`, o['keylen']);
  if (salt === undefined && (iterations !== undefined || keylen !== undefined)) {
    throw new RouterConfigError(`${path}.salt`, 'is required when iterations or keylen is given');
  }
  const authextra = optDict(`${path}.authextra`, o['authextra']);
  return Object.freeze({
    secret: nonEmptyString(`${path}.secret`, o['secret']),
    authrole: nonEmptyString(`${path}.authrole`, o['authrole']),
    ...(salt !== undefined ? { salt, iterations: iterations ?? 1000, keylen: keylen ?? 32 } : {}),
    ...(authextra ? { authextra } : {}),
  });
}

function cryptosignPrincipal(path: string, v: unknown): CryptosignPrincipal {
  const o = object(path, v, ['authorizedKeys', 'authrole', 'authextra']);
  const keys = list(`${path}.authorizedKeys`, o['authorizedKeys']).map((k, i) => {
    if (typeof k !== 'string' || !HEX_KEY.test(k)) {
      throw new RouterConfigError(`${path}.authorizedKeys[${i}]`, 'must be an Ed25519 public key as 64 hex characters');
    }
    return k.toLowerCase();
  });
  if (keys.length === 0) throw new RouterConfigError(`${path}.authorizedKeys`, 'must list at least one key');
  const authextra = optDict(`${path}.authextra`, o['authextra']);
  return Object.freeze({
    authorizedKeys: Object.freeze(keys),
    authrole: nonEmptyString(`${path}.authrole`, o['authrole']),
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
  const authextra = optDict(`${path}.authextra`, o['authextra']);
  return Object.freeze({
    ...credential,
    authrole: nonEmptyString(`${path}.authrole`, o['authrole']),
    ...(authextra ? { authextra } : {}),
  });
}

function anonymous(path: string, v: unknown, rule: UriRule): AnonymousAuthConfig {
  if (isPlainObject(v) && v['type'] === 'static') {
    const o = object(path, v, ['type', 'authrole', 'authid']);
    const authid = optString(`${path}.authid`, o['authid']);
    return Object.freeze({
      type: 'static' as const,
      authrole: nonEmptyString(`${path}.authrole`, o['authrole']),
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
  if (o['anonymous'] !== undefined) out.anonymous = anonymous(`${path}.anonymous`, o['anonymous'], rule);
  if (o['ticket'] !== undefined) out.ticket = source(`${path}.ticket`, o['ticket'], rule, ticketPrincipal);
  if (o['wampcra'] !== undefined) out.wampcra = source(`${path}.wampcra`, o['wampcra'], rule, wampcraPrincipal);
  if (o['cryptosign'] !== undefined) out.cryptosign = source(`${path}.cryptosign`, o['cryptosign'], rule, cryptosignPrincipal);
  if (o['wamp-scram'] !== undefined) out['wamp-scram'] = source(`${path}.wamp-scram`, o['wamp-scram'], rule, scramPrincipal);
  if (Object.keys(out).length === 0) throw new RouterConfigError(path, 'must enable at least one authentication method');
  return Object.freeze(out);
}

const SESSION_LIMIT_KEYS: readonly (keyof SessionLimits)[] = [
  'maxSessionsPerRealm',
  'maxRegistrationsPerSession',
  'maxSubscriptionsPerSession',
  'maxPendingInvocationsPerCallee',
  'maxPendingCallsPerCaller',
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
    const n = optPositiveInt(`${path}.${k}`, o[k]);
    if (n !== undefined) out[k] = n;
  }
  return Object.freeze(out);
}

function realm(path: string, v: unknown, rule: UriRule): RealmConfig {
  const o = object(path, v, ['name', 'roles', 'auth', 'limits']);
  const name = uri(`${path}.name`, o['name'], rule);
  let roles: RoleConfig[] | undefined;
  if (o['roles'] !== undefined) {
    roles = list(`${path}.roles`, o['roles']).map((r, i) => role(`${path}.roles[${i}]`, r, rule));
    const seen = new Set<string>();
    roles.forEach((r, i) => {
      if (seen.has(r.name)) throw new RouterConfigError(`${path}.roles[${i}].name`, `duplicate role "${r.name}"`);
      seen.add(r.name);
    });
  }
  const a = o['auth'] === undefined ? undefined : auth(`${path}.auth`, o['auth'], rule);
  const l = o['limits'] === undefined ? undefined : limits(`${path}.limits`, o['limits'], SESSION_LIMIT_KEYS);
  return Object.freeze({
    name,
    ...(roles ? { roles: Object.freeze(roles) } : {}),
    ...(a ? { auth: a } : {}),
    ...(l ? { limits: l } : {}),
  });
}

/**
 * Check a router configuration (a plain object, e.g. parsed from JSON, or
 * typed code that may add functions for dynamic authenticators and
 * authorizers) and return it frozen with defaults filled in where a field is
 * structural. Throws {@link RouterConfigError} naming the first bad field.
 */
export function validateRouterConfig(v: unknown): RouterConfig {
  const o = object('config', v, ['realms', 'agent', 'limits', 'timeouts', 'uriRule', 'requestIds']);
  const uriRule = o['uriRule'] === undefined ? 'strict' : oneOf('uriRule', o['uriRule'], ['loose', 'strict'] as const);
  const realms = list('realms', o['realms']).map((r, i) => realm(`realms[${i}]`, r, uriRule));
  const names = new Set<string>();
  realms.forEach((r, i) => {
    if (names.has(r.name)) throw new RouterConfigError(`realms[${i}].name`, `duplicate realm "${r.name}"`);
    names.add(r.name);
  });
  // A procedure authenticator must live in a configured realm.
  realms.forEach((r, i) => {
    for (const m of AUTH_METHODS) {
      const s = r.auth?.[m];
      if (s !== undefined && s.type === 'procedure' && s.realm !== undefined && !names.has(s.realm)) {
        throw new RouterConfigError(`realms[${i}].auth.${m}.realm`, `no realm "${s.realm}" is configured`);
      }
    }
  });
  const agent = optString('agent', o['agent']);
  const l = o['limits'] === undefined ? undefined : limits('limits', o['limits'], ROUTER_LIMIT_KEYS);
  const t =
    o['timeouts'] === undefined ? undefined : limits('timeouts', o['timeouts'], ['hello', 'auth', 'goodbye', 'progressiveGrace'] as const);
  const requestIds = o['requestIds'] === undefined ? undefined : oneOf('requestIds', o['requestIds'], ['strict', 'lenient'] as const);
  return Object.freeze({
    realms: Object.freeze(realms),
    uriRule,
    ...(agent !== undefined ? { agent } : {}),
    ...(l ? { limits: l } : {}),
    ...(t ? { timeouts: t } : {}),
    ...(requestIds ? { requestIds } : {}),
  });
}
