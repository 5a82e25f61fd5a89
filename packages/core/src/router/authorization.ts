/**
 * Authorization by role (advanced profile, "Authorization"): each role has a
 * list of permissions, each a URI pattern with allow flags per action and a
 * disclosure policy; the most specific matching permission decides (exact >
 * longest prefix > most concrete wildcard), and no match denies. A role may
 * also carry a dynamic authorizer, consulted where no permission matches.
 *
 * SUBSCRIBE and REGISTER are checked against the topic/procedure string they
 * carry, so a prefix or wildcard subscription needs a permission covering the
 * pattern itself.
 */

import type { Dict } from '../types.js';
import type { AuthorizationAction, AuthorizationRequest, DisclosePolicy, PermissionConfig, RoleConfig } from './config.js';
import { PatternIndex } from './matching.js';

/** The outcome of one check. `failed` means the dynamic authorizer threw. */
export interface Decision {
  readonly allow: boolean;
  readonly disclose: DisclosePolicy;
  readonly failed?: boolean;
}

export const ALLOW: Decision = Object.freeze({ allow: true, disclose: 'allow' });
export const DENY: Decision = Object.freeze({ allow: false, disclose: 'allow' });
const FAILED: Decision = Object.freeze({ allow: false, disclose: 'allow', failed: true });

/** One permission with a precomputed decision per action. */
interface Resolved {
  readonly call: Decision;
  readonly register: Decision;
  readonly publish: Decision;
  readonly subscribe: Decision;
}

function resolve(p: PermissionConfig): Resolved {
  const allowed = (a: AuthorizationAction): boolean => p.allow?.[a] === true;
  const disclosing = (a: AuthorizationAction, disclose: DisclosePolicy | undefined): Decision => {
    if (!allowed(a)) return DENY;
    return disclose === undefined || disclose === 'allow' ? ALLOW : Object.freeze({ allow: true, disclose });
  };
  return Object.freeze({
    call: disclosing('call', p.disclose?.caller),
    register: allowed('register') ? ALLOW : DENY,
    publish: disclosing('publish', p.disclose?.publisher),
    subscribe: allowed('subscribe') ? ALLOW : DENY,
  });
}

/** Bound on the per-role decision cache (URIs seen); cleared when full. */
const CACHE_LIMIT = 10_000;

/** A role as the router uses it. */
export class Role {
  readonly name: string;
  readonly trusted: boolean;
  private readonly index = new PatternIndex<Resolved>();
  private readonly hasPermissions: boolean;
  private readonly authorizer: RoleConfig['authorizer'];
  /** Decisions by URI for static permissions (the hot path: every CALL and PUBLISH is checked). */
  private readonly cache = new Map<string, Resolved | null>();

  /** Open roles (realms without `roles`) allow everything but are not trusted. */
  private readonly open: boolean;

  constructor(config: RoleConfig, open = false) {
    this.name = config.name;
    this.open = open;
    this.trusted = config.trusted === true;
    this.authorizer = config.authorizer;
    this.hasPermissions = config.permissions !== undefined && config.permissions.length > 0;
    for (const p of config.permissions ?? []) {
      const match = p.match ?? 'exact';
      // Later duplicates of the same pattern override earlier ones, as in a config file read top-down.
      if (this.index.get(p.uri, match) !== undefined) this.index.delete(p.uri, match);
      this.index.set(p.uri, match, resolve(p));
    }
  }

  /** Decide `action` on `uri` for a session of this role. */
  check(action: AuthorizationAction, uri: string, realm: string, session: number, authid: string, options: Dict): Decision {
    if (this.trusted || this.open) return ALLOW;
    if (this.hasPermissions) {
      let r = this.cache.get(uri);
      if (r === undefined) {
        r = this.index.best(uri) ?? null;
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(uri, r);
      }
      if (r !== null) return r[action];
    }
    if (this.authorizer === undefined) return DENY;
    const request: AuthorizationRequest = { realm, session, authid, authrole: this.name, action, uri, options };
    try {
      const d = this.authorizer(request);
      if (typeof d === 'boolean') return d ? ALLOW : DENY;
      if (typeof d !== 'object' || d === null || typeof d.allow !== 'boolean') return FAILED;
      if (!d.allow) return DENY;
      const disclose = d.disclose ?? 'allow';
      if (disclose !== 'allow' && disclose !== 'force' && disclose !== 'deny') return FAILED;
      return disclose === 'allow' ? ALLOW : { allow: true, disclose };
    } catch {
      return FAILED;
    }
  }
}

/** An open realm's role for `authrole` (no `roles` configured): everything allowed. */
export function openRole(authrole: string): Role {
  return new Role({ name: authrole }, true);
}
