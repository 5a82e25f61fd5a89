/**
 * WAMP IDs (basic profile, "Identifiers"): integers in [1, 2^53]. 2^53 is
 * not a JS "safe" integer but is exactly representable, and the spec includes it.
 */

/** The largest WAMP ID, 2^53. */
export const MAX_ID = 2 ** 53;

/** Is `v` a valid WAMP ID, in [1, 2^53]? */
export function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_ID;
}

/** Is `v` an ID or the 0 that some positions allow (e.g. UNREGISTERED for a revocation)? */
export function isIdOrZero(v: unknown): v is number {
  return v === 0 || isId(v);
}

/**
 * A source of random global-scope IDs, injected so that the core stays
 * deterministic: it must return integers uniformly distributed in [1, 2^53].
 */
export type RandomId = () => number;

/**
 * Session-scope IDs: sequential from 1, wrapping after 2^53 (the spec's
 * "session scope" rule). Pure; the owner keeps one per direction.
 */
export class SequentialIds {
  private last = 0;
  /** The next ID: 1, 2, 3, ... back to 1 after 2^53. */
  next(): number {
    this.last = this.last >= MAX_ID ? 1 : this.last + 1;
    return this.last;
  }
}

/**
 * A seeded, fast pseudo-random ID source (SplitMix-style over two 32-bit
 * halves), for tests and fuzzing where a failure must replay exactly. Not for
 * production session IDs: pass a CSPRNG-backed {@link RandomId} there.
 */
export function seededRandomId(seed: number): RandomId {
  let s = seed >>> 0 || 0x9e3779b9;
  const next32 = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return () => {
    // 21 high bits and 32 low bits: uniform in [0, 2^53), shifted to [1, 2^53].
    const hi = next32() & 0x1fffff;
    const lo = next32();
    return hi * 0x100000000 + lo + 1;
  };
}
