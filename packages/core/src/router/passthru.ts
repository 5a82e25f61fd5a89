/**
 * Payload Passthru Mode on the router side (advanced profile, "Payload
 * Passthru Mode"): a PUBLISH, CALL, YIELD or ERROR whose Options carry
 * `ppt_scheme` holds one opaque payload instead of Arguments. The router
 * never looks into it: it forwards the payload untouched and copies the
 * `ppt_*` attributes into the Details of the EVENT, INVOCATION, RESULT or
 * ERROR it sends on.
 *
 * The checks the spec asks for:
 * - a peer that uses the mode without announcing `payload_passthru_mode` for
 *   that role commits a protocol violation (its session is aborted);
 * - a CALL for a callee that did not announce the mode fails with
 *   `wamp.error.feature_not_supported`, as does a passthru YIELD for a
 *   caller that did not (the caller gets the error, the YIELD is dropped);
 * - an EVENT in the mode goes only to subscribers that announced it (the
 *   others could not read it; the spec leaves them to cope, we spare them).
 *
 * The legacy E2EE attributes (`enc_algo`, `enc_serializer`, `enc_key`) are
 * treated as passthru attributes too.
 */

import type { Dict } from '../types.js';

/** The attributes copied from Options to Details. */
export const PASSTHRU_KEYS: readonly string[] = Object.freeze([
  'ppt_scheme',
  'ppt_serializer',
  'ppt_cipher',
  'ppt_keyid',
  'enc_algo',
  'enc_serializer',
  'enc_key',
]);

/**
 * The passthru attributes of a request's Options, or undefined when the
 * request does not use the mode (no `ppt_scheme`/`enc_algo`).
 */
export function passthruOf(options: Dict): Dict | undefined {
  if (options['ppt_scheme'] === undefined && options['enc_algo'] === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of PASSTHRU_KEYS) {
    const v = options[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** `details` with the passthru attributes added (or `details` itself when there are none). */
export function withPassthru(details: Dict, ppt: Dict | undefined): Dict {
  return ppt === undefined ? details : { ...details, ...ppt };
}
