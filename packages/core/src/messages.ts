/**
 * Every WAMP message as a frozen, tagged union with named fields.
 *
 * Messages are decoded once at the edge ({@link fromWire} in `wire.ts`); after
 * that nothing reads `msg[2]`. Optional Arguments/ArgumentsKw are `undefined`
 * when absent, and the encoder omits an empty tail, as the spec asks.
 */

import type { Args, Dict, KwArgs, Payload } from './types.js';

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

export type MessageTypeName = keyof typeof MessageType;
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

export interface Hello {
  readonly type: typeof MessageType.HELLO;
  readonly realm: string;
  readonly details: Dict;
}
export interface Welcome {
  readonly type: typeof MessageType.WELCOME;
  readonly session: number;
  readonly details: Dict;
}
export interface Abort {
  readonly type: typeof MessageType.ABORT;
  readonly details: Dict;
  readonly reason: string;
}
export interface Challenge {
  readonly type: typeof MessageType.CHALLENGE;
  readonly authMethod: string;
  readonly extra: Dict;
}
export interface Authenticate {
  readonly type: typeof MessageType.AUTHENTICATE;
  readonly signature: string;
  readonly extra: Dict;
}
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
export interface Published {
  readonly type: typeof MessageType.PUBLISHED;
  readonly request: number;
  readonly publication: number;
}
export interface Subscribe {
  readonly type: typeof MessageType.SUBSCRIBE;
  readonly request: number;
  readonly options: Dict;
  readonly topic: string;
}
export interface Subscribed {
  readonly type: typeof MessageType.SUBSCRIBED;
  readonly request: number;
  readonly subscription: number;
}
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
export interface Register {
  readonly type: typeof MessageType.REGISTER;
  readonly request: number;
  readonly options: Dict;
  readonly procedure: string;
}
export interface Registered {
  readonly type: typeof MessageType.REGISTERED;
  readonly request: number;
  readonly registration: number;
}
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

export const hello = (realm: string, details: Dict): Hello =>
  Object.freeze({ type: MessageType.HELLO, realm, details });
export const welcome = (session: number, details: Dict): Welcome =>
  Object.freeze({ type: MessageType.WELCOME, session, details });
export const abort = (reason: string, details: Dict = EMPTY): Abort =>
  Object.freeze({ type: MessageType.ABORT, details, reason });
export const challenge = (authMethod: string, extra: Dict = EMPTY): Challenge =>
  Object.freeze({ type: MessageType.CHALLENGE, authMethod, extra });
export const authenticate = (signature: string, extra: Dict = EMPTY): Authenticate =>
  Object.freeze({ type: MessageType.AUTHENTICATE, signature, extra });
export const goodbye = (reason: string, details: Dict = EMPTY): Goodbye =>
  Object.freeze({ type: MessageType.GOODBYE, details, reason });
export const error = (
  requestType: ErrorRequestType,
  request: number,
  error: string,
  p?: PayloadInit,
  details: Dict = EMPTY,
): ErrorMsg => withPayload({ type: MessageType.ERROR, requestType, request, details, error }, p);
export const publish = (request: number, topic: string, p?: PayloadInit, options: Dict = EMPTY): Publish =>
  withPayload({ type: MessageType.PUBLISH, request, options, topic }, p);
export const published = (request: number, publication: number): Published =>
  Object.freeze({ type: MessageType.PUBLISHED, request, publication });
export const subscribe = (request: number, topic: string, options: Dict = EMPTY): Subscribe =>
  Object.freeze({ type: MessageType.SUBSCRIBE, request, options, topic });
export const subscribed = (request: number, subscription: number): Subscribed =>
  Object.freeze({ type: MessageType.SUBSCRIBED, request, subscription });
export const unsubscribe = (request: number, subscription: number): Unsubscribe =>
  Object.freeze({ type: MessageType.UNSUBSCRIBE, request, subscription });
export const unsubscribed = (request: number, details?: Dict): Unsubscribed =>
  Object.freeze(
    details === undefined
      ? { type: MessageType.UNSUBSCRIBED, request }
      : { type: MessageType.UNSUBSCRIBED, request, details },
  );
export const event = (subscription: number, publication: number, p?: PayloadInit, details: Dict = EMPTY): Event =>
  withPayload({ type: MessageType.EVENT, subscription, publication, details }, p);
export const call = (request: number, procedure: string, p?: PayloadInit, options: Dict = EMPTY): Call =>
  withPayload({ type: MessageType.CALL, request, options, procedure }, p);
export const cancel = (request: number, options: Dict = EMPTY): Cancel =>
  Object.freeze({ type: MessageType.CANCEL, request, options });
export const result = (request: number, p?: PayloadInit, details: Dict = EMPTY): Result =>
  withPayload({ type: MessageType.RESULT, request, details }, p);
export const register = (request: number, procedure: string, options: Dict = EMPTY): Register =>
  Object.freeze({ type: MessageType.REGISTER, request, options, procedure });
export const registered = (request: number, registration: number): Registered =>
  Object.freeze({ type: MessageType.REGISTERED, request, registration });
export const unregister = (request: number, registration: number): Unregister =>
  Object.freeze({ type: MessageType.UNREGISTER, request, registration });
export const unregistered = (request: number, details?: Dict): Unregistered =>
  Object.freeze(
    details === undefined
      ? { type: MessageType.UNREGISTERED, request }
      : { type: MessageType.UNREGISTERED, request, details },
  );
export const invocation = (
  request: number,
  registration: number,
  p?: PayloadInit,
  details: Dict = EMPTY,
): Invocation => withPayload({ type: MessageType.INVOCATION, request, registration, details }, p);
export const interrupt = (request: number, options: Dict = EMPTY): Interrupt =>
  Object.freeze({ type: MessageType.INTERRUPT, request, options });
export const yield_ = (request: number, p?: PayloadInit, options: Dict = EMPTY): Yield =>
  withPayload({ type: MessageType.YIELD, request, options }, p);
export const eventReceived = (publication: number, p?: PayloadInit, details?: Dict): EventReceived =>
  withPayload(
    details === undefined
      ? { type: MessageType.EVENT_RECEIVED, publication }
      : { type: MessageType.EVENT_RECEIVED, publication, details },
    p,
  );
