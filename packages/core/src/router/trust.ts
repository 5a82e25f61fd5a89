/**
 * Trust levels (advanced profile, "Publication Trust Levels" and "Call Trust
 * Levels"): the router assigns each session a level — a non-negative
 * integer, 0 the lowest — and discloses the publisher's level in
 * `EVENT.Details.trustlevel` and the caller's in
 * `INVOCATION.Details.trustlevel`.
 *
 * Where the level comes from: the session's role (`RoleConfig.trustlevel`)
 * and the transport it came in on (`SessionInfo.trustlevel`, set per
 * listener by the adapter). When both are configured the lower one counts —
 * a session is trusted no more than its weakest credential. When neither
 * is, the session has no level and nothing is disclosed.
 */

import type { Dict } from '../types.js';
import type { RoleConfig } from './config.js';
import type { Peer } from './peer.js';

/** True for a valid trust level: a safe, non-negative integer. */
export function isTrustLevel(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The trust levels of one realm's roles. */
export class TrustLevels {
  private readonly byRole = new Map<string, number>();

  constructor(roles: readonly RoleConfig[] | undefined) {
    for (const r of roles ?? []) if (r.trustlevel !== undefined) this.byRole.set(r.name, r.trustlevel);
  }

  /** The level of `peer`, or undefined when neither its role nor its transport has one. */
  of(peer: Peer): number | undefined {
    const role = this.byRole.get(peer.authrole);
    const transport = peer.session.trustlevel;
    if (role === undefined) return transport;
    if (transport === undefined) return role;
    return Math.min(role, transport);
  }

  /** `details` with `trustlevel` of `peer` added, or `details` itself when it has none. */
  disclose(details: Dict, peer: Peer): Dict {
    const level = this.of(peer);
    return level === undefined ? details : { ...details, trustlevel: level };
  }
}
