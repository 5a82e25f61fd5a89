// The public API of @wamp/core, named export by export (no `export *`), so
// that everything users can import is visible in one place.

export type { Args, Dict, Frame, KwArgs, Payload } from './types.js';
export { ErrorUri, LocalProtocolError, ProtocolViolation, WampError } from './errors.js';
export { MAX_ID, SequentialIds, isId, isIdOrZero, seededRandomId, type RandomId } from './ids.js';
export { isReservedUri, isValidPattern, isValidUri, type MatchPolicy, type UriRule } from './uri.js';
export { base64Decode, base64Encode, hexDecode, hexEncode } from './base64.js';
export { DEFAULT_LIMITS, resolveLimits, sanitize, type Limits } from './limits.js';
export {
  ERROR_REQUEST_TYPES,
  MessageType,
  abort,
  authenticate,
  call,
  cancel,
  challenge,
  error,
  event,
  eventReceived,
  goodbye,
  hello,
  interrupt,
  invocation,
  messageTypeName,
  publish,
  published,
  register,
  registered,
  result,
  subscribe,
  subscribed,
  unregister,
  unregistered,
  unsubscribe,
  unsubscribed,
  welcome,
  yield_,
  type Abort,
  type Authenticate,
  type Call,
  type Cancel,
  type Challenge,
  type ErrorMsg,
  type ErrorRequestType,
  type Event,
  type EventReceived,
  type Goodbye,
  type Hello,
  type Interrupt,
  type Invocation,
  type Message,
  type MessageTypeCode,
  type MessageTypeName,
  type PayloadInit,
  type Payloaded,
  type Publish,
  type Published,
  type Register,
  type Registered,
  type Result,
  type Subscribe,
  type Subscribed,
  type Unregister,
  type Unregistered,
  type Unsubscribe,
  type Unsubscribed,
  type Welcome,
  type Yield,
} from './messages.js';
export { fromWire, toWire, type WireOptions } from './wire.js';
export { decodeMessage, encodeMessage, type DecodeOptions } from './codec.js';
export type { Serializer, SerializerName } from './serializers/serializer.js';
export { jsonSerializer } from './serializers/json.js';
export type { CryptoProvider } from './auth/crypto.js';

// --- serializers (msgpack, cbor, batched framing) ---

// --- authentication (client and router side computations) ---

// --- client session state machine ---

// --- router state machine ---
