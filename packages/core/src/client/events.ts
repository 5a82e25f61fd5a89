/**
 * What a {@link ClientSession} tells the application, drained with
 * `pollEvent()`. One tagged union, `type` being the tag.
 */

import type { WampError } from '../errors.js';
import type { Message } from '../wire/messages.js';
import type { Args, Dict, KwArgs, Payload } from '../types.js';
import type { CloseInitiator } from './errors.js';

/** The kinds of request a client makes, as they key the pending-request table. */
export type RequestKind = 'call' | 'register' | 'unregister' | 'subscribe' | 'unsubscribe' | 'publish';

/** How a session ended. */
export interface CloseInfo {
  /** The close or abort reason URI (GOODBYE/ABORT Reason, `wamp.error.protocol_violation`, `wamp.close.transport_lost`, ...). */
  readonly reason: string;
  /** Details.message of the GOODBYE/ABORT, or the local explanation. */
  readonly message: string | undefined;
  /** GOODBYE/ABORT Details as received or sent. */
  readonly details: Dict;
  readonly initiator: CloseInitiator;
  /** True when the session had been established (WELCOME received). */
  readonly wasJoined: boolean;
  /**
   * After the client's GOODBYE: the reason of the router's GOODBYE reply
   * (usually `wamp.close.goodbye_and_out`); absent when it did not reply.
   */
  readonly routerReason?: string;
}

/** The features the router announced in WELCOME.Details.roles, by role; undefined for a role it lacks. */
export interface RouterRoles {
  readonly dealer: Dict | undefined;
  readonly broker: Dict | undefined;
}

/** The application payload as delivered: `args`/`kwargs` default to empty; `payload` for Payload Passthru Mode. */
export interface Delivered {
  readonly args: Args;
  readonly kwargs: KwArgs;
  readonly payload?: Payload | undefined;
}

/** WELCOME: the session is joined. */
export interface JoinedEvent {
  readonly type: 'joined';
  readonly session: number;
  readonly realm: string;
  /** WELCOME.Details as received (authid, authrole, authmethod, authextra, agent, roles...). */
  readonly details: Dict;
  readonly roles: RouterRoles;
}
/** CHALLENGE: the router asks for authentication; answer with `authenticate()`. */
export interface ChallengeEvent {
  readonly type: 'challenge';
  readonly authMethod: string;
  readonly extra: Dict;
}
export interface ClosedEvent extends CloseInfo {
  readonly type: 'closed';
}
export interface ResultEvent extends Delivered {
  readonly type: 'result';
  readonly request: number;
  readonly details: Dict;
}
export interface ProgressResultEvent extends Delivered {
  readonly type: 'progress';
  readonly request: number;
  readonly details: Dict;
}
/** A request failed: the router's ERROR, or a local cancel, timeout or session end. */
export interface RequestErrorEvent {
  readonly type: 'error';
  readonly request: number;
  readonly kind: RequestKind;
  readonly error: WampError;
  /** ERROR.Details, or `{}` for a locally raised error. */
  readonly details: Dict;
  /** The opaque payload of an ERROR in Payload Passthru Mode (`error` then has no args). */
  readonly payload?: Payload | undefined;
}
export interface InvocationEvent extends Delivered {
  readonly type: 'invocation';
  readonly request: number;
  readonly registration: number;
  /** The procedure called: Details.procedure for a pattern registration, else the registered URI. */
  readonly procedure: string;
  readonly details: Dict;
  /** The caller asked for progressive results (Details.receive_progress). */
  readonly receiveProgress: boolean;
  /** More input chunks follow (Details.progress, "Progressive Call Invocations"). */
  readonly progress: boolean;
  /** This INVOCATION continues a progressive call invocation already delivered. */
  readonly continuation: boolean;
  /** Details.caller: the caller's session ID, when disclosed ("Caller Identification"). */
  readonly caller: number | undefined;
  /** Details.caller_authid, when disclosed. */
  readonly callerAuthid: string | undefined;
  /** Details.caller_authrole, when disclosed. */
  readonly callerAuthrole: string | undefined;
  /** Details.timeout: the call's timeout in milliseconds, when the dealer hands it to the callee ("Call Timeouts"). */
  readonly timeout: number | undefined;
  /** Details.trustlevel, a non-negative integer ("Call Trust Levels"). */
  readonly trustlevel: number | undefined;
}
/**
 * The dealer cancelled an invocation (INTERRUPT), or the session ended
 * while it ran. With `kill` the session still expects the application's
 * YIELD or ERROR; with `killnowait` any later answer is dropped.
 */
export interface InterruptEvent {
  readonly type: 'interrupt';
  readonly request: number;
  readonly mode: 'kill' | 'killnowait';
  readonly reason: string | undefined;
}
export interface PublicationEvent extends Delivered {
  readonly type: 'event';
  readonly subscription: number;
  readonly publication: number;
  /** The topic published to: Details.topic for a pattern subscription, else the subscribed URI. */
  readonly topic: string;
  readonly details: Dict;
  /** Details.publisher: the publisher's session ID, when disclosed ("Publisher Identification"). */
  readonly publisher: number | undefined;
  /** Details.publisher_authid, when disclosed. */
  readonly publisherAuthid: string | undefined;
  /** Details.publisher_authrole, when disclosed. */
  readonly publisherAuthrole: string | undefined;
  /** Details.retained: the broker delivered a retained event on subscribe ("Event Retention"). */
  readonly retained: boolean;
  /** Details.trustlevel, a non-negative integer ("Publication Trust Levels"). */
  readonly trustlevel: number | undefined;
}
/** REGISTERED: a REGISTER succeeded. */
export interface RegisteredEvent {
  readonly type: 'registered';
  readonly request: number;
  readonly registration: number;
  readonly procedure: string;
}
/** UNREGISTERED: an UNREGISTER succeeded. */
export interface UnregisteredEvent {
  readonly type: 'unregistered';
  readonly request: number;
  readonly registration: number;
}
/** UNREGISTERED with request 0 ("Registration Revocation"). */
export interface RegistrationRevokedEvent {
  readonly type: 'registrationRevoked';
  readonly registration: number;
  readonly reason: string | undefined;
}
/** SUBSCRIBED: a SUBSCRIBE succeeded. */
export interface SubscribedEvent {
  readonly type: 'subscribed';
  readonly request: number;
  readonly subscription: number;
  readonly topic: string;
}
/** UNSUBSCRIBED: an UNSUBSCRIBE succeeded. */
export interface UnsubscribedEvent {
  readonly type: 'unsubscribed';
  readonly request: number;
  readonly subscription: number;
}
/** UNSUBSCRIBED with request 0 ("Subscription Revocation"). */
export interface SubscriptionRevokedEvent {
  readonly type: 'subscriptionRevoked';
  readonly subscription: number;
  readonly reason: string | undefined;
}
/** PUBLISHED: an acknowledged PUBLISH succeeded. */
export interface PublishedEvent {
  readonly type: 'published';
  readonly request: number;
  readonly publication: number;
}
/** Something went wrong that does not stop the session: a late answer dropped, an unknown option ignored. */
export interface WarningEvent {
  readonly type: 'warning';
  readonly message: string;
}
/** Every message in and out, when the session was created with `trace: true`. */
export interface TraceEvent {
  readonly type: 'trace';
  readonly direction: 'in' | 'out';
  readonly message: Message;
  /** The message in readable form, e.g. `CALL [48,1,{},"com.app.add",[2,3]]`. */
  readonly text: string;
}

/** What `ClientSession.pollEvent()` returns: a tagged union on `type`. */
export type ClientEvent =
  | JoinedEvent
  | ChallengeEvent
  | ClosedEvent
  | ResultEvent
  | ProgressResultEvent
  | RequestErrorEvent
  | InvocationEvent
  | InterruptEvent
  | PublicationEvent
  | RegisteredEvent
  | UnregisteredEvent
  | RegistrationRevokedEvent
  | SubscribedEvent
  | UnsubscribedEvent
  | SubscriptionRevokedEvent
  | PublishedEvent
  | WarningEvent
  | TraceEvent;
