/**
 * URI pattern indexes for the broker (every matching subscription), the
 * dealer (the single best registration) and the authorizer (the most specific
 * permission).
 *
 * Advanced profile, "Pattern-based Registrations", "Calls matching multiple
 * registrations": exact beats prefix, the longest prefix beats a shorter one,
 * and among wildcard patterns the one with the longest concrete portion before
 * each wildcard wins (`a1.b2..d4` over `a1...d4`). Wildcards stand for whole
 * components.
 *
 * Prefix matching is on the string: "Prefix Matching" says `com.myapp.myobject1`
 * matches `com.myapp.myobject1-mysubobject1`, and Crossbar, Nexus and Wiola
 * match so. (One example of the precedence table, `a1.b2.c33.d4.e5` against the
 * prefix `a1.b2.c3`, assumes whole components instead; the two passages
 * cannot both hold, and the explicit Prefix Matching rule is followed.)
 */

import type { MatchPolicy } from '../uri.js';

interface WildcardEntry<T> {
  readonly uri: string;
  readonly parts: readonly string[];
  /** '1' per concrete component, '0' per wildcard: the larger string is the more specific pattern. */
  readonly rank: string;
  readonly value: T;
}

/** Does the concrete `uri` (split into `parts`) match a wildcard pattern? */
function wildcardMatches(pattern: readonly string[], parts: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.length !== 0 && p !== parts[i]) return false;
  }
  return true;
}

/** Does a concrete URI match `pattern` under `match`? (For single checks; indexes do it in bulk.) */
export function uriMatches(pattern: string, match: MatchPolicy, uri: string): boolean {
  switch (match) {
    case 'exact':
      return pattern === uri;
    case 'prefix':
      return uri.startsWith(pattern);
    case 'wildcard': {
      const pp = pattern.split('.');
      const up = uri.split('.');
      return pp.length === up.length && wildcardMatches(pp, up);
    }
  }
}

/**
 * A map from (URI, match policy) to a value, with the two lookups the router
 * needs: {@link best} and {@link matchAll}. Lookups cost one map probe for
 * exact entries, one probe per distinct prefix length, and one component
 * comparison per wildcard pattern with as many components as the URI.
 */
export class PatternIndex<T> {
  private readonly exact = new Map<string, T>();
  private readonly prefix = new Map<string, T>();
  /** Distinct prefix lengths, longest first, with how many prefixes have each. */
  private prefixLengths: number[] = [];
  private readonly prefixLengthUse = new Map<number, number>();
  /** Wildcard patterns grouped by component count (a wildcard never spans components). */
  private readonly wildcard = new Map<number, WildcardEntry<T>[]>();
  private wildcardSize = 0;

  get size(): number {
    return this.exact.size + this.prefix.size + this.wildcardSize;
  }

  get(uri: string, match: MatchPolicy): T | undefined {
    switch (match) {
      case 'exact':
        return this.exact.get(uri);
      case 'prefix':
        return this.prefix.get(uri);
      case 'wildcard': {
        const group = this.wildcard.get(componentCount(uri));
        if (group === undefined) return undefined;
        for (const e of group) if (e.uri === uri) return e.value;
        return undefined;
      }
    }
  }

  /** Add an entry; the caller has checked with {@link get} that none exists for (uri, match). */
  set(uri: string, match: MatchPolicy, value: T): void {
    switch (match) {
      case 'exact':
        this.exact.set(uri, value);
        return;
      case 'prefix': {
        this.prefix.set(uri, value);
        const n = this.prefixLengthUse.get(uri.length) ?? 0;
        this.prefixLengthUse.set(uri.length, n + 1);
        if (n === 0) this.prefixLengths = [...this.prefixLengthUse.keys()].sort((a, b) => b - a);
        return;
      }
      case 'wildcard': {
        const parts = uri.split('.');
        let rank = '';
        for (const p of parts) rank += p.length === 0 ? '0' : '1';
        let group = this.wildcard.get(parts.length);
        if (group === undefined) {
          group = [];
          this.wildcard.set(parts.length, group);
        }
        group.push({ uri, parts, rank, value });
        this.wildcardSize++;
        return;
      }
    }
  }

  delete(uri: string, match: MatchPolicy): boolean {
    switch (match) {
      case 'exact':
        return this.exact.delete(uri);
      case 'prefix': {
        if (!this.prefix.delete(uri)) return false;
        const n = this.prefixLengthUse.get(uri.length)!;
        if (n === 1) {
          this.prefixLengthUse.delete(uri.length);
          this.prefixLengths = this.prefixLengths.filter((l) => l !== uri.length);
        } else {
          this.prefixLengthUse.set(uri.length, n - 1);
        }
        return true;
      }
      case 'wildcard': {
        const count = componentCount(uri);
        const group = this.wildcard.get(count);
        if (group === undefined) return false;
        const i = group.findIndex((e) => e.uri === uri);
        if (i < 0) return false;
        group.splice(i, 1);
        if (group.length === 0) this.wildcard.delete(count);
        this.wildcardSize--;
        return true;
      }
    }
  }

  /** The single best entry for a concrete URI: exact, else the longest prefix, else the most specific wildcard. */
  best(uri: string): T | undefined {
    const e = this.exact.get(uri);
    if (e !== undefined) return e;
    for (const len of this.prefixLengths) {
      if (len > uri.length) continue;
      const p = this.prefix.get(len === uri.length ? uri : uri.slice(0, len));
      if (p !== undefined) return p;
    }
    if (this.wildcardSize === 0) return undefined;
    const parts = uri.split('.');
    const group = this.wildcard.get(parts.length);
    if (group === undefined) return undefined;
    let best: WildcardEntry<T> | undefined;
    for (const w of group) {
      if (wildcardMatches(w.parts, parts) && (best === undefined || w.rank > best.rank)) best = w;
    }
    return best?.value;
  }

  /** Append every entry matching a concrete URI to `out` (exact, then prefixes, then wildcards). */
  matchAll(uri: string, out: T[]): void {
    const e = this.exact.get(uri);
    if (e !== undefined) out.push(e);
    for (const len of this.prefixLengths) {
      if (len > uri.length) continue;
      const p = this.prefix.get(len === uri.length ? uri : uri.slice(0, len));
      if (p !== undefined) out.push(p);
    }
    if (this.wildcardSize === 0) return;
    const parts = uri.split('.');
    const group = this.wildcard.get(parts.length);
    if (group === undefined) return;
    for (const w of group) if (wildcardMatches(w.parts, parts)) out.push(w.value);
  }

  /** Is there at least one entry matching `uri`? */
  hasMatch(uri: string): boolean {
    if (this.exact.has(uri)) return true;
    for (const len of this.prefixLengths) {
      if (len <= uri.length && this.prefix.has(len === uri.length ? uri : uri.slice(0, len))) return true;
    }
    if (this.wildcardSize === 0) return false;
    const parts = uri.split('.');
    const group = this.wildcard.get(parts.length);
    return group !== undefined && group.some((w) => wildcardMatches(w.parts, parts));
  }

  /** Every value, by policy (for the meta API's `list`). */
  values(match: MatchPolicy): T[] {
    switch (match) {
      case 'exact':
        return [...this.exact.values()];
      case 'prefix':
        return [...this.prefix.values()];
      case 'wildcard': {
        const out: T[] = [];
        for (const group of this.wildcard.values()) for (const w of group) out.push(w.value);
        return out;
      }
    }
  }
}

function componentCount(uri: string): number {
  let n = 1;
  for (let i = 0; i < uri.length; i++) if (uri.charCodeAt(i) === 46 /* . */) n++;
  return n;
}
