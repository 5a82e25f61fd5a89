/**
 * Login brute-force throttling: failed authentications are counted per
 * authid (within a realm, from one peer address) and per peer address; after `maxFailures` within
 * `windowMs` the key is locked out for `lockoutMs`, doubling with each
 * further lockout up to `maxLockoutMs`. A HELLO for a locked authid, or from
 * a locked address, is refused at once (ABORT `wamp.error.authentication_failed`)
 * without the credential being looked at. A successful login clears the
 * authid's record. Time comes in as `now`; nothing here has a clock.
 */

/** How failed authentications are throttled (`RouterConfig.authThrottle`). */
export interface AuthThrottleConfig {
  /** Default true. */
  readonly enabled: boolean;
  /** Failures of one authid (in one realm, from one address) within the window that lock it out there. Default 5. */
  readonly maxFailuresPerAuthid: number;
  /**
   * Failures from one peer address (any authid) within the window that lock
   * the address out. Default 20: higher than per authid, so that one user
   * mistyping does not lock out the others behind the same address.
   */
  readonly maxFailuresPerAddress: number;
  /** Default 60 000 ms. */
  readonly windowMs: number;
  /** First lockout; each further one doubles. Default 1 000 ms. */
  readonly lockoutMs: number;
  /** Longest lockout. Default 300 000 ms (5 min). */
  readonly maxLockoutMs: number;
  /** Keys remembered (authids + addresses); the oldest are forgotten beyond. Default 100 000. */
  readonly maxTracked: number;
}

/** The defaults of {@link AuthThrottleConfig}: on, 5 per authid and address / 20 per address in 60 s, 1 s doubling to 5 min. */
export const DEFAULT_AUTH_THROTTLE: AuthThrottleConfig = Object.freeze({
  enabled: true,
  maxFailuresPerAuthid: 5,
  maxFailuresPerAddress: 20,
  windowMs: 60_000,
  lockoutMs: 1_000,
  maxLockoutMs: 300_000,
  maxTracked: 100_000,
});

interface Record_ {
  failures: number;
  windowStart: number;
  lockedUntil: number;
  /** Lockouts so far: the next lasts lockoutMs * 2^lockouts. */
  lockouts: number;
}

/** The address part of `SessionInfo.peer` (`tcp4:10.0.0.7:49032` → `tcp4:10.0.0.7`). */
export function peerAddress(peer: string | undefined): string | undefined {
  if (peer === undefined) return undefined;
  const m = /^(.*):\d+$/.exec(peer);
  return m === null ? peer : m[1];
}

/** @internal Per-router state of {@link AuthThrottleConfig}. */
export class AuthThrottle {
  private readonly records = new Map<string, Record_>();

  constructor(readonly config: AuthThrottleConfig) {}

  /** Milliseconds until `authid` (in `realm`) or `address` may try again; 0 when neither is locked. */
  retryAfter(realm: string, authid: string | undefined, address: string | undefined, now: number): number {
    if (!this.config.enabled) return 0;
    let wait = 0;
    if (authid !== undefined) wait = Math.max(wait, this.lockedFor(authidKey(realm, authid, address), now));
    if (address !== undefined) wait = Math.max(wait, this.lockedFor(addressKey(address), now));
    return wait;
  }

  /** A failed authentication. Returns true when it locked the authid or the address out. */
  failed(realm: string, authid: string | undefined, address: string | undefined, now: number): boolean {
    if (!this.config.enabled) return false;
    let locked = false;
    if (authid !== undefined) locked = this.count(authidKey(realm, authid, address), this.config.maxFailuresPerAuthid, now) || locked;
    if (address !== undefined) locked = this.count(addressKey(address), this.config.maxFailuresPerAddress, now) || locked;
    return locked;
  }

  /** A successful authentication clears the authid's record for that address (the address keeps its count). */
  succeeded(realm: string, authid: string, address: string | undefined): void {
    this.records.delete(authidKey(realm, authid, address));
  }

  /** Keys tracked (for tests and metrics). */
  get size(): number {
    return this.records.size;
  }

  private lockedFor(key: string, now: number): number {
    const r = this.records.get(key);
    return r === undefined || r.lockedUntil <= now ? 0 : r.lockedUntil - now;
  }

  private count(key: string, max: number, now: number): boolean {
    const c = this.config;
    let r = this.records.get(key);
    if (r === undefined) {
      r = { failures: 0, windowStart: now, lockedUntil: 0, lockouts: 0 };
    } else {
      // Re-inserted so that the Map's order is least-recently-failed first.
      this.records.delete(key);
      if (now - r.windowStart > c.windowMs) {
        r.failures = 0;
        r.windowStart = now;
        // A key quiet for longer than the longest lockout starts over.
        if (now - r.lockedUntil > c.maxLockoutMs) r.lockouts = 0;
      }
    }
    this.records.set(key, r);
    if (this.records.size > c.maxTracked) {
      const oldest = this.records.keys().next().value;
      if (oldest !== undefined) this.records.delete(oldest);
    }
    r.failures++;
    if (r.failures < max) return false;
    const lockout = Math.min(c.lockoutMs * 2 ** Math.min(r.lockouts, 30), c.maxLockoutMs);
    r.lockedUntil = now + lockout;
    r.lockouts++;
    r.failures = 0;
    r.windowStart = now;
    return true;
  }
}

/**
 * An authid is counted per address: a wrong password typed at one place does
 * not lock the user out everywhere (nor lets an attacker lock anyone out from
 * afar); the per-address count bounds guessing across authids.
 */
function authidKey(realm: string, authid: string, address: string | undefined): string {
  return `a\u0000${realm}\u0000${address ?? ''}\u0000${authid}`;
}

function addressKey(address: string): string {
  return `p\u0000${address}`;
}
