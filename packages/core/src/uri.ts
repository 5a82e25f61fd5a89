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

/** Is `c` (a UTF-16 code unit) matched by the regular expression class `\s`? */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * Is `uri` a valid URI under `rule`; `allowEmpty` permits empty components
 * (wildcard patterns). Equivalent to the regular expressions of the spec:
 *
 * - loose:  `^([^\s\.#]+\.)*([^\s\.#]+)$`, with empty: `^(([^\s\.#]+\.)|\.)*([^\s\.#]+)?$`
 * - strict: `^([0-9a-z_]+\.)*([0-9a-z_]+)$`,   with empty: `^(([0-9a-z_]+\.)|\.)*([0-9a-z_]+)?$`
 *
 * written as one pass over the code units, since it runs on every received
 * topic, procedure and error URI.
 */
export function isValidUri(uri: unknown, rule: UriRule = 'loose', allowEmpty = false): uri is string {
  if (typeof uri !== 'string') return false;
  const n = uri.length;
  if (n === 0) return false;
  const strict = rule === 'strict';
  let component = 0;
  for (let i = 0; i < n; i++) {
    const c = uri.charCodeAt(i);
    if (c === 0x2e /* . */) {
      if (component === 0 && !allowEmpty) return false;
      component = 0;
      continue;
    }
    if (strict) {
      if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f)) return false;
    } else if (c === 0x23 /* # */ || isSpace(c)) {
      return false;
    }
    component++;
  }
  return component > 0 || allowEmpty;
}

/** How a registration or subscription matches URIs: exactly, by prefix, or by wildcard (empty components). */
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
