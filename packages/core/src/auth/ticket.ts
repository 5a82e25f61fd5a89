/**
 * Ticket-based authentication (advanced profile, "Ticket-based
 * Authentication"): the client sends a ticket in AUTHENTICATE.Signature and
 * the router checks it. The check must not reveal, by how long it takes, how
 * many leading characters of a guess were right.
 */

import { timingSafeEqualString } from './util.js';

/** Router side: is `given` (AUTHENTICATE.Signature) the `expected` ticket? Constant time in the contents. */
export function ticketVerify(expected: string, given: string): boolean {
  if (typeof given !== 'string') return false;
  return timingSafeEqualString(expected, given);
}
