/**
 * The router's own store for cookie authentication (authmethod `cookie`,
 * static source): cookie value → the identity, per realm, that a session
 * proved by another method over a connection that carried the cookie. Plain
 * data, time passed in; bounded (the oldest cookie goes first when full).
 *
 * Only cookies the router set itself are bound (see `HttpUpgradeInfo.issuedCookie`)
 * or re-bound (known ones): a value a client picked is never bound, so that
 * a cookie planted in a victim's browser cannot be used to ride the victim's
 * later login (session fixation).
 */

import type { Dict } from '../types.js';

/** What a remembered cookie admits as. */
export interface CookieIdentity {
  readonly authid: string;
  readonly authrole: string;
  readonly authextra: Dict | undefined;
}

interface Entry {
  readonly realms: Map<string, CookieIdentity>;
  expires: number;
}

/** Default bound of {@link AuthCookieStore}: cookies remembered at once. */
export const DEFAULT_MAX_AUTH_COOKIES = 100_000;

/** Cookie → identity per realm, each cookie until its expiry. */
export class AuthCookieStore {
  readonly maxEntries: number;
  private readonly entries = new Map<string, Entry>();

  constructor(maxEntries = DEFAULT_MAX_AUTH_COOKIES) {
    this.maxEntries = maxEntries;
  }

  /** Number of cookies remembered (expired ones included until looked up or pushed out). */
  get size(): number {
    return this.entries.size;
  }

  private live(value: string, now: number): Entry | undefined {
    const e = this.entries.get(value);
    if (e !== undefined && e.expires <= now) {
      this.entries.delete(value);
      return undefined;
    }
    return e;
  }

  /** Whether `value` is a cookie this store holds (for any realm) and has not expired. */
  known(value: string, now: number): boolean {
    return this.live(value, now) !== undefined;
  }

  /** The identity `value` admits to `realm`, or undefined (unknown, or expired: then forgotten). */
  lookup(realm: string, value: string, now: number): CookieIdentity | undefined {
    return this.live(value, now)?.realms.get(realm);
  }

  /**
   * Bind `value` to `identity` in `realm` until `expires`. Returns true when
   * the oldest cookie had to go to make room.
   */
  remember(realm: string, value: string, identity: CookieIdentity, expires: number, now: number): boolean {
    const e = this.live(value, now);
    if (e !== undefined) {
      e.realms.set(realm, identity);
      e.expires = Math.max(e.expires, expires);
      return false;
    }
    let evicted = false;
    if (this.entries.size >= this.maxEntries) {
      for (const [k, x] of this.entries) if (x.expires <= now) this.entries.delete(k);
      if (this.entries.size >= this.maxEntries) {
        // A Map keeps insertion order: the first key is the oldest cookie.
        const oldest = this.entries.keys().next();
        if (oldest.done !== true) this.entries.delete(oldest.value);
        evicted = true;
      }
    }
    this.entries.set(value, { realms: new Map([[realm, identity]]), expires });
    return evicted;
  }

  /** Forget `value` (a logout), in every realm. */
  forget(value: string): void {
    this.entries.delete(value);
  }
}
