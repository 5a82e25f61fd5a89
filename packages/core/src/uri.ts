/**
 * URI rules (basic profile, "URIs"; advanced profile, "Pattern-based
 * Subscriptions/Registrations").
 *
 * - loose: components are non-empty and contain no whitespace, '.' or '#'.
 * - strict: components are non-empty and only [0-9a-z_].
 * - "with empty components": a component may be empty, as wildcard patterns
 *   need (`com..update`).
 */

export type UriRule = 'strict' | 'loose';

const LOOSE = /^([^\s.#]+\.)*([^\s.#]+)$/;
const LOOSE_EMPTY = /^(([^\s.#]+\.)|\.)*([^\s.#]+)?$/;
const STRICT = /^([0-9a-z_]+\.)*([0-9a-z_]+)$/;
const STRICT_EMPTY = /^(([0-9a-z_]+\.)|\.)*([0-9a-z_]+)?$/;

/** Is `uri` a valid URI under `rule`; `allowEmpty` permits empty components (wildcard patterns). */
export function isValidUri(uri: unknown, rule: UriRule = 'loose', allowEmpty = false): uri is string {
  if (typeof uri !== 'string' || uri.length === 0) return false;
  if (rule === 'strict') return (allowEmpty ? STRICT_EMPTY : STRICT).test(uri);
  return (allowEmpty ? LOOSE_EMPTY : LOOSE).test(uri);
}

export type MatchPolicy = 'exact' | 'prefix' | 'wildcard';

/**
 * Is `uri` a valid pattern for `match`? Exact and prefix patterns follow the
 * normal rule; wildcard patterns may have empty components.
 */
export function isValidPattern(uri: unknown, match: MatchPolicy, rule: UriRule = 'loose'): uri is string {
  return isValidUri(uri, rule, match === 'wildcard');
}

/** Does `uri` fall in the reserved `wamp.` space that only the router may use? */
export function isReservedUri(uri: string): boolean {
  return uri.startsWith('wamp.');
}
