/**
 * Every WAMP message as a frozen, tagged union with named fields.
 *
 * Messages are decoded once at the edge ({@link fromWire} in `shape.ts`, the
 * last step of `decodeMessage` in `index.ts`); after that nothing reads
 * `msg[2]`. Optional Arguments/ArgumentsKw are `undefined`
 * when absent, and the encoder omits an empty tail, as the spec asks.
 */

import type { Args, Dict, KwArgs, Payload } from '../types.js';

/** Message type codes (basic and advanced profile; EVENT_RECEIVED is provisional). */
export const MessageType = {
  HELLO: 1,
  WELCOME: 2,
  ABORT: 3,
  CHALLENGE: 4,
  AUTHENTICATE: 5,
  GOODBYE: 6,
  ERROR: 8,
  PUBLISH: 16,
  PUBLISHED: 17,
  SUBSCRIBE: 32,
  SUBSCRIBED: 33,
  UNSUBSCRIBE: 34,
  UNSUBSCRIBED: 35,
  EVENT: 36,
  CALL: 48,
  CANCEL: 49,
  RESULT: 50,
  REGISTER: 64,
  REGISTERED: 65,
  UNREGISTER: 66,
  UNREGISTERED: 67,
  INVOCATION: 68,
  INTERRUPT: 69,
  YIELD: 70,
  EVENT_RECEIVED: 337,
} as const;

/** The name of a message type: `HELLO`, `CALL`, ... */
export type MessageTypeName = keyof typeof MessageType;
/** The numeric code of a message type on the wire: 1 for HELLO, 48 for CALL, ... */
export type MessageTypeCode = (typeof MessageType)[MessageTypeName];

const NAMES = new Map<number, MessageTypeName>(
  (Object.keys(MessageType) as MessageTypeName[]).map((k) => [MessageType[k], k]),
);

/** The name of a message type code (`48` → `"CALL"`), or undefined for an unknown code. */
export function messageTypeName(code: number): MessageTypeName | undefined {
  return NAMES.get(code);
}

/**
 * The application payload carried by PUBLISH, EVENT, CALL, RESULT, INVOCATION,
 * YIELD and ERROR: either Arguments/ArgumentsKw, or (Payload Passthru Mode,
 * signalled by `enc_algo`/`ppt_scheme` in Options/Details) one opaque payload.
 */
export interface Payloaded {
  readonly args?: Args | undefined;
  readonly kwargs?: KwArgs | undefined;
  readonly payload?: Payload | undefined;
}

/** HELLO (1): a client asks to join a realm. */
export interface Hello {
  readonly type: typeof MessageType.HELLO;
  readonly realm: string;
  readonly details: Dict;
}
/** WELCOME (2): the router admits a session. */
export interface Welcome {
  readonly type: typeof MessageType.WELCOME;
  readonly session: number;
  readonly details: Dict;
}
/** ABORT (3): refusal or teardown of a session not (yet) joined. */
export interface Abort {
  readonly type: typeof MessageType.ABORT;
  readonly details: Dict;
  readonly reason: string;
}
/** CHALLENGE (4): the router asks the client to authenticate. */
export interface Challenge {
  readonly type: typeof MessageType.CHALLENGE;
  readonly authMethod: string;
  readonly extra: Dict;
}
/** AUTHENTICATE (5): the client answers a CHALLENGE. */
export interface Authenticate {
  readonly type: typeof MessageType.AUTHENTICATE;
  readonly signature: string;
  readonly extra: Dict;
}
/** GOODBYE (6): closing of a joined session, sent and answered. */
export interface Goodbye {
  readonly type: typeof MessageType.GOODBYE;
  readonly details: Dict;
  readonly reason: string;
}
export interface ErrorMsg extends Payloaded {
  readonly type: typeof MessageType.ERROR;
  readonly requestType: ErrorRequestType;
  readonly request: number;
  readonly details: Dict;
  readonly error: string;
}
export interface Publish extends Payloaded {
  readonly type: typeof MessageType.PUBLISH;
  readonly request: number;
  readonly options: Dict;
  readonly topic: string;
}
/** PUBLISHED (17): acknowledgement of a PUBLISH. */
export interface Published {
  readonly type: typeof MessageType.PUBLISHED;
  readonly request: number;
  readonly publication: number;
}
/** SUBSCRIBE (32): subscribe to a topic. */
export interface Subscribe {
  readonly type: typeof MessageType.SUBSCRIBE;
  readonly request: number;
  readonly options: Dict;
  readonly topic: string;
}
/** SUBSCRIBED (33): confirmation of a SUBSCRIBE. */
export interface Subscribed {
  readonly type: typeof MessageType.SUBSCRIBED;
  readonly request: number;
  readonly subscription: number;
}
/** UNSUBSCRIBE (34): end of a subscription. */
export interface Unsubscribe {
  readonly type: typeof MessageType.UNSUBSCRIBE;
  readonly request: number;
  readonly subscription: number;
}
/** `request` is 0 and `details.subscription` set when the router revokes a subscription. */
export interface Unsubscribed {
  readonly type: typeof MessageType.UNSUBSCRIBED;
  readonly request: number;
  readonly details?: Dict | undefined;
}
export interface Event extends Payloaded {
  readonly type: typeof MessageType.EVENT;
  readonly subscription: number;
  readonly publication: number;
  readonly details: Dict;
}
export interface Call extends Payloaded {
  readonly type: typeof MessageType.CALL;
  readonly request: number;
  readonly options: Dict;
  readonly procedure: string;
}
/** CANCEL (49): cancellation of a pending CALL. */
export interface Cancel {
  readonly type: typeof MessageType.CANCEL;
  readonly request: number;
  readonly options: Dict;
}
export interface Result extends Payloaded {
  readonly type: typeof MessageType.RESULT;
  readonly request: number;
  readonly details: Dict;
}
/** REGISTER (64): register a procedure. */
export interface Register {
  readonly type: typeof MessageType.REGISTER;
  readonly request: number;
  readonly options: Dict;
  readonly procedure: string;
}
/** REGISTERED (65): confirmation of a REGISTER. */
export interface Registered {
  readonly type: typeof MessageType.REGISTERED;
  readonly request: number;
  readonly registration: number;
}
/** UNREGISTER (66): end of a registration. */
export interface Unregister {
  readonly type: typeof MessageType.UNREGISTER;
  readonly request: number;
  readonly registration: number;
}
/** `request` is 0 and `details.registration` set when the router revokes a registration. */
export interface Unregistered {
  readonly type: typeof MessageType.UNREGISTERED;
  readonly request: number;
  readonly details?: Dict | undefined;
}
export interface Invocation extends Payloaded {
  readonly type: typeof MessageType.INVOCATION;
  readonly request: number;
  readonly registration: number;
  readonly details: Dict;
}
/** INTERRUPT (69): the dealer cancels an INVOCATION. */
export interface Interrupt {
  readonly type: typeof MessageType.INTERRUPT;
  readonly request: number;
  readonly options: Dict;
}
export interface Yield extends Payloaded {
  readonly type: typeof MessageType.YIELD;
  readonly request: number;
  readonly options: Dict;
}
/** Provisional (advanced profile, acknowledged event delivery). */
export interface EventReceived extends Payloaded {
  readonly type: typeof MessageType.EVENT_RECEIVED;
  readonly publication: number;
  readonly details?: Dict | undefined;
}

/** Every WAMP message, decoded: a tagged union on `type`. */
export type Message =
  | Hello
  | Welcome
  | Abort
  | Challenge
  | Authenticate
  | Goodbye
  | ErrorMsg
  | Publish
  | Published
  | Subscribe
  | Subscribed
  | Unsubscribe
  | Unsubscribed
  | Event
  | Call
  | Cancel
  | Result
  | Register
  | Registered
  | Unregister
  | Unregistered
  | Invocation
  | Interrupt
  | Yield
  | EventReceived;

/** The request types an ERROR may answer (basic + advanced profile). */
export const ERROR_REQUEST_TYPES = [
  MessageType.PUBLISH,
  MessageType.SUBSCRIBE,
  MessageType.UNSUBSCRIBE,
  MessageType.CALL,
  MessageType.CANCEL,
  MessageType.REGISTER,
  MessageType.UNREGISTER,
  MessageType.INVOCATION,
] as const;
/** The request types an ERROR may answer (SUBSCRIBE, CALL, INVOCATION, ...). */
export type ErrorRequestType = (typeof ERROR_REQUEST_TYPES)[number];

const EMPTY: Dict = Object.freeze({});

/** Optional payload fields as one argument of the constructors. */
export interface PayloadInit {
  readonly args?: Args | undefined;
  readonly kwargs?: KwArgs | undefined;
  readonly payload?: Payload | undefined;
}

function withPayload<T extends object>(base: T, p: PayloadInit | undefined): T & Payloaded {
  if (p === undefined) return Object.freeze(base);
  const out: T & { args?: Args; kwargs?: KwArgs; payload?: Payload } = base;
  if (p.payload !== undefined) out.payload = p.payload;
  else {
    if (p.args !== undefined) out.args = p.args;
    if (p.kwargs !== undefined) out.kwargs = p.kwargs;
  }
  return Object.freeze(out);
}

// Constructors. Each returns a frozen message; field validation happens at the
// edges (fromWire for input, the session state machines for application input).

/** HELLO: ask to join `realm`. */
export const hello = (realm: string, details: Dict): Hello =>
  Object.freeze({ type: MessageType.HELLO, realm, details });
/** WELCOME: the router admits the session. */
export const welcome = (session: number, details: Dict): Welcome =>
  Object.freeze({ type: MessageType.WELCOME, session, details });
/** ABORT: the session is refused or torn down before it was joined. */
export const abort = (reason: string, details: Dict = EMPTY): Abort =>
  Object.freeze({ type: MessageType.ABORT, details, reason });
/** CHALLENGE: the router asks for authentication with `authMethod`. */
export const challenge = (authMethod: string, extra: Dict = EMPTY): Challenge =>
  Object.freeze({ type: MessageType.CHALLENGE, authMethod, extra });
/** AUTHENTICATE: the answer to a CHALLENGE. */
export const authenticate = (signature: string, extra: Dict = EMPTY): Authenticate =>
  Object.freeze({ type: MessageType.AUTHENTICATE, signature, extra });
/** GOODBYE: the session closes (sent by either side, then answered). */
export const goodbye = (reason: string, details: Dict = EMPTY): Goodbye =>
  Object.freeze({ type: MessageType.GOODBYE, details, reason });
/** ERROR: a request of type `requestType` failed with `uri`. */
export const error = (
  requestType: ErrorRequestType,
  request: number,
  error: string,
  p?: PayloadInit,
  details: Dict = EMPTY,
): ErrorMsg => withPayload({ type: MessageType.ERROR, requestType, request, details, error }, p);
/** PUBLISH: publish to `topic`. */
export const publish = (request: number, topic: string, p?: PayloadInit, options: Dict = EMPTY): Publish =>
  withPayload({ type: MessageType.PUBLISH, request, options, topic }, p);
/** PUBLISHED: the broker acknowledges a PUBLISH. */
export const published = (request: number, publication: number): Published =>
  Object.freeze({ type: MessageType.PUBLISHED, request, publication });
/** SUBSCRIBE: subscribe to `topic`. */
export const subscribe = (request: number, topic: string, options: Dict = EMPTY): Subscribe =>
  Object.freeze({ type: MessageType.SUBSCRIBE, request, options, topic });
/** SUBSCRIBED: the broker confirms a SUBSCRIBE. */
export const subscribed = (request: number, subscription: number): Subscribed =>
  Object.freeze({ type: MessageType.SUBSCRIBED, request, subscription });
/** UNSUBSCRIBE: end a subscription. */
export const unsubscribe = (request: number, subscription: number): Unsubscribe =>
  Object.freeze({ type: MessageType.UNSUBSCRIBE, request, subscription });
/** UNSUBSCRIBED: the broker confirms an UNSUBSCRIBE (request 0: a revocation). */
export const unsubscribed = (request: number, details?: Dict): Unsubscribed =>
  Object.freeze(
    details === undefined
      ? { type: MessageType.UNSUBSCRIBED, request }
      : { type: MessageType.UNSUBSCRIBED, request, details },
  );
/** EVENT: a publication delivered to a subscriber. */
export const event = (subscription: number, publication: number, p?: PayloadInit, details: Dict = EMPTY): Event =>
  withPayload({ type: MessageType.EVENT, subscription, publication, details }, p);
/** CALL: call `procedure`. */
export const call = (request: number, procedure: string, p?: PayloadInit, options: Dict = EMPTY): Call =>
  withPayload({ type: MessageType.CALL, request, options, procedure }, p);
/** CANCEL: cancel a pending CALL ("Call Canceling"). */
export const cancel = (request: number, options: Dict = EMPTY): Cancel =>
  Object.freeze({ type: MessageType.CANCEL, request, options });
/** RESULT: the outcome of a CALL (progressive when `details.progress`). */
export const result = (request: number, p?: PayloadInit, details: Dict = EMPTY): Result =>
  withPayload({ type: MessageType.RESULT, request, details }, p);
/** REGISTER: register `procedure`. */
export const register = (request: number, procedure: string, options: Dict = EMPTY): Register =>
  Object.freeze({ type: MessageType.REGISTER, request, options, procedure });
/** REGISTERED: the dealer confirms a REGISTER. */
export const registered = (request: number, registration: number): Registered =>
  Object.freeze({ type: MessageType.REGISTERED, request, registration });
/** UNREGISTER: end a registration. */
export const unregister = (request: number, registration: number): Unregister =>
  Object.freeze({ type: MessageType.UNREGISTER, request, registration });
/** UNREGISTERED: the dealer confirms an UNREGISTER (request 0: a revocation). */
export const unregistered = (request: number, details?: Dict): Unregistered =>
  Object.freeze(
    details === undefined
      ? { type: MessageType.UNREGISTERED, request }
      : { type: MessageType.UNREGISTERED, request, details },
  );
/** INVOCATION: the dealer asks a callee to run a registered procedure. */
export const invocation = (
  request: number,
  registration: number,
  p?: PayloadInit,
  details: Dict = EMPTY,
): Invocation => withPayload({ type: MessageType.INVOCATION, request, registration, details }, p);
/** INTERRUPT: the dealer cancels an INVOCATION. */
export const interrupt = (request: number, options: Dict = EMPTY): Interrupt =>
  Object.freeze({ type: MessageType.INTERRUPT, request, options });
/** YIELD: the callee answers an INVOCATION (`yield` is a reserved word). */
export const yield_ = (request: number, p?: PayloadInit, options: Dict = EMPTY): Yield =>
  withPayload({ type: MessageType.YIELD, request, options }, p);
/** EVENT_RECEIVED: a subscriber acknowledges an EVENT (advanced profile, "Event Reception Acknowledgement"). */
export const eventReceived = (publication: number, p?: PayloadInit, details?: Dict): EventReceived =>
  withPayload(
    details === undefined
      ? { type: MessageType.EVENT_RECEIVED, publication }
      : { type: MessageType.EVENT_RECEIVED, publication, details },
    p,
  );
