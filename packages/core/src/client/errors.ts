/**
 * Errors a {@link ClientSession} raises on its own, beside the router's ERROR
 * messages (which become plain {@link WampError}s with the router's URI,
 * args and kwargs). Each one names its URI, so applications can test
 * `err.uri` whatever the class.
 */

import { ErrorUri, WampError } from '../errors.js';
import type { Dict } from '../types.js';

/** Who ended a session: the router (GOODBYE, ABORT), this client, or the transport going away. */
export type CloseInitiator = 'router' | 'client' | 'transport';

/**
 * Reason of a session that ended because its transport closed. Not a
 * specification URI; the same string Autobahn uses, so logs read alike.
 */
export const TRANSPORT_LOST = 'wamp.close.transport_lost';

/**
 * A request could not complete because its session ended (GOODBYE, ABORT,
 * protocol violation, lost transport). `uri` is the close reason;
 * `initiator` says which side ended the session.
 */
export class SessionClosedError extends WampError {
  readonly details: Dict;
  readonly initiator: CloseInitiator;

  constructor(reason: string, initiator: CloseInitiator, details: Dict = {}, message?: string) {
    super(reason, message === undefined ? [] : [message], {}, `session closed (${reason})${message === undefined ? '' : `: ${message}`}`);
    this.name = 'SessionClosedError';
    this.details = details;
    this.initiator = initiator;
  }
}

/**
 * The application cancelled a call (`skip` or `killnowait`, or any mode
 * when the dealer cannot cancel); raised locally, without waiting for the
 * router's answer. URI `wamp.error.canceled`, like the router's own.
 */
export class CanceledError extends WampError {
  constructor(message: string) {
    super(ErrorUri.CANCELED, [message], {}, `${ErrorUri.CANCELED}: ${message}`);
    this.name = 'CanceledError';
  }
}

/**
 * A local deadline passed: a call's `timeout`, or the join deadline.
 * URI `wamp.error.timeout`, like the dealer's own call timeout.
 */
export class RequestTimeoutError extends WampError {
  constructor(message: string) {
    super(ErrorUri.TIMEOUT, [message], {}, `${ErrorUri.TIMEOUT}: ${message}`);
    this.name = 'RequestTimeoutError';
  }
}
