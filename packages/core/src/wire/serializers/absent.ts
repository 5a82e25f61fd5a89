import { DEFAULT_LIMITS } from '../limits.js';

/**
 * A peer's `undefined`, read as "absent" (robustness: tolerate on receive).
 *
 * The data model has no undefined, but JavaScript peers write one where they
 * mean "no value": wampy 8 sends `SUBSCRIBE.Options` as
 * `{match: undefined, get_retained: undefined}` when neither is set, which
 * msgpackr writes as fixext 1 of type 0 and cbor-x as the CBOR simple value
 * 23; Autobahn|JS's cryptosign helper puts undefined keys into
 * `HELLO.Details.authextra`. JSON drops such keys, so the peer means them as
 * absent: a dictionary entry holding undefined is removed, and a list element
 * becomes null (as our own encoders write undefined).
 *
 * Works in place on what a binary decoder returned, only when the decoder saw
 * an undefined; nesting beyond `maxDepth` is refused as `sanitize` would.
 */
export function dropUndefined(value: unknown, maxDepth: number = DEFAULT_LIMITS.maxDepth, depth = 1): void {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
  if (depth > maxDepth) throw new Error('nesting exceeds the depth limit');
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v === undefined) value[i] = null;
      else dropUndefined(v, maxDepth, depth + 1);
    }
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (v === undefined) delete obj[key];
    else dropUndefined(v, maxDepth, depth + 1);
  }
}
