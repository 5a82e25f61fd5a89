/**
 * Sharded registrations and subscriptions (advanced profile, "Sharded
 * Registration" and "Sharded Subscriptions"; both sketches in the spec, so
 * the semantics here are this router's, documented in its README).
 *
 * A callee registers, or a subscriber subscribes, with a **node key**
 * (`REGISTER.Options.nkey` / `SUBSCRIBE.Options.nkey`, a string): the shard
 * it serves. A CALL or PUBLISH with a **resource key** (`Options.rkey`, a
 * string) reaches only the shard that owns that key:
 *
 * - ownership is rendezvous hashing (highest random weight): each distinct
 *   node key present scores `score(nkey, rkey)` and the highest wins (ties,
 *   which need a 53-bit collision, go to the smaller node key). So every
 *   router computes the same owner from the same node keys, whatever the
 *   order they registered in, and when a shard comes or goes only the
 *   resource keys it gains or loses move.
 * - a CALL with `rkey` goes to a callee of the owning shard (the
 *   registration's `invoke` policy picks among the shard's callees); callees
 *   without a node key serve only calls without `rkey`, or every call when no
 *   callee of the registration has a node key.
 * - a PUBLISH with `rkey` reaches, per matching subscription, the
 *   subscribers of the owning shard, plus every subscriber without a node key
 *   (those are not sharded and see everything).
 * - without `rkey`, sharding plays no part.
 */

/** FNV-1a over UTF-16 code units, from a given offset basis (32 bits). */
function fnv1a(s: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A 32-bit avalanche finalizer, so that close inputs give unrelated scores. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The weight of node key `nkey` for resource key `rkey`: a deterministic
 * integer in [0, 2^53). Two independent 32-bit hashes make up the 53 bits.
 */
export function shardScore(nkey: string, rkey: string): number {
  const s = `${nkey}\u0000${rkey}`;
  const hi = mix(fnv1a(s, 0x811c9dc5)) & 0x1fffff;
  const lo = mix(fnv1a(s, 0x050c5d1f));
  return hi * 0x100000000 + lo;
}

/** The node key owning `rkey` among `nkeys` (duplicates allowed), or undefined when there is none. */
export function shardOwner(nkeys: Iterable<string>, rkey: string): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const n of nkeys) {
    if (n === best) continue;
    const sc = shardScore(n, rkey);
    if (sc > bestScore || (sc === bestScore && best !== undefined && n < best)) {
      best = n;
      bestScore = sc;
    }
  }
  return best;
}

/** A shard key from Options (`nkey`/`rkey`): a non-empty string, else undefined. */
export function shardKey(options: Readonly<Record<string, unknown>>, name: 'nkey' | 'rkey'): string | undefined {
  const v = options[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
