/**
 * Error classes. Every error carries the WAMP URI that names it on the wire.
 *
 * Two families, kept apart on purpose (see STYLE.md, "local faults throw,
 * remote faults close"):
 * - {@link LocalProtocolError}: the application misused the API (publishing
 *   before join, a malformed URI, ...). Thrown synchronously, nothing is sent.
 * - {@link ProtocolViolation}: the peer sent something the protocol forbids.
 *   Never thrown out of a `handleMessage()`; the session answers with ABORT
 *   `wamp.error.protocol_violation` and closes.
 */

import type { Dict } from './types.js';

/** Well-known error and close URIs of the specification (basic and advanced profiles). */
export const ErrorUri = {
  // Interaction
  INVALID_URI: 'wamp.error.invalid_uri',
  NO_SUCH_PROCEDURE: 'wamp.error.no_such_procedure',
  PROCEDURE_ALREADY_EXISTS: 'wamp.error.procedure_already_exists',
  NO_SUCH_REGISTRATION: 'wamp.error.no_such_registration',
  NO_SUCH_SUBSCRIPTION: 'wamp.error.no_such_subscription',
  INVALID_ARGUMENT: 'wamp.error.invalid_argument',
  CANCELED: 'wamp.error.canceled',
  TIMEOUT: 'wamp.error.timeout',
  PAYLOAD_SIZE_EXCEEDED: 'wamp.error.payload_size_exceeded',
  NO_AVAILABLE_CALLEE: 'wamp.error.no_available_callee',
  FEATURE_NOT_SUPPORTED: 'wamp.error.feature_not_supported',
  RUNTIME_ERROR: 'wamp.error.runtime_error',
  // Session close
  SYSTEM_SHUTDOWN: 'wamp.close.system_shutdown',
  CLOSE_REALM: 'wamp.close.close_realm',
  GOODBYE_AND_OUT: 'wamp.close.goodbye_and_out',
  CLOSE_NORMAL: 'wamp.close.normal',
  CLOSE_KILLED: 'wamp.close.killed',
  PROTOCOL_VIOLATION: 'wamp.error.protocol_violation',
  // Authorization / authentication
  NOT_AUTHORIZED: 'wamp.error.not_authorized',
  AUTHORIZATION_FAILED: 'wamp.error.authorization_failed',
  AUTHENTICATION_FAILED: 'wamp.error.authentication_failed',
  NO_AUTH_METHOD: 'wamp.error.no_auth_method',
  NO_MATCHING_AUTH_METHOD: 'wamp.error.no_matching_auth_method',
  NO_SUCH_REALM: 'wamp.error.no_such_realm',
  NO_SUCH_ROLE: 'wamp.error.no_such_role',
  NO_SUCH_PRINCIPAL: 'wamp.error.no_such_principal',
  NO_SUCH_SESSION: 'wamp.error.no_such_session',
} as const;

/** Base class of every error this project raises for a WAMP reason. */
export class WampError extends Error {
  readonly uri: string;
  readonly args: readonly unknown[];
  readonly kwargs: Dict;

  constructor(uri: string, args: readonly unknown[] = [], kwargs: Dict = {}, message?: string) {
    super(message ?? describe(uri, args, kwargs));
    this.name = 'WampError';
    this.uri = uri;
    this.args = args;
    this.kwargs = kwargs;
  }
}

function describe(uri: string, args: readonly unknown[], kwargs: Dict): string {
  const first = args[0];
  if (typeof first === 'string' && first.length > 0) return `${uri}: ${first}`;
  const msg = kwargs['message'];
  if (typeof msg === 'string' && msg.length > 0) return `${uri}: ${msg}`;
  return uri;
}

/** The peer broke the protocol. `reason` is human-readable and names the message and field. */
export class ProtocolViolation extends WampError {
  readonly reason: string;
  constructor(reason: string) {
    super(ErrorUri.PROTOCOL_VIOLATION, [reason], {}, `${ErrorUri.PROTOCOL_VIOLATION}: ${reason}`);
    this.name = 'ProtocolViolation';
    this.reason = reason;
  }
}

/**
 * A well-formed message whose URI attribute (realm, topic, procedure) breaks
 * the URI rule. Still a {@link ProtocolViolation} for a strict decoder, but
 * the basic profile ("Incorrect URIs") has the receiver answer a request
 * with ERROR `wamp.error.invalid_uri` rather than end the session, so the
 * message type and request ID travel with it.
 */
export class InvalidUriViolation extends ProtocolViolation {
  /** The message type code (e.g. 48 for CALL). */
  readonly messageType: number;
  /** The request ID, for messages that carry one. */
  readonly request: number | undefined;
  /** The offending URI. */
  readonly badUri: string;
  constructor(reason: string, messageType: number, request: number | undefined, badUri: string) {
    super(reason);
    this.name = 'InvalidUriViolation';
    this.messageType = messageType;
    this.request = request;
    this.badUri = badUri;
  }
}

/** The application misused the API; nothing was sent. */
export class LocalProtocolError extends WampError {
  constructor(uri: string, message: string) {
    super(uri, [message], {}, `${uri}: ${message}`);
    this.name = 'LocalProtocolError';
  }
}
