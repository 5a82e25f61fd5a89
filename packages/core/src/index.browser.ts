/**
 * The browser build of `@wamp/core` (the `browser` condition of the
 * package's exports): every export of the package except the
 * authentication computations, which a browser page imports from
 * `@wamp/core/auth` (so that a bundle can load them lazily). The main entry,
 * `index.ts`, is this list and `auth.ts` together.
 *
 * @module
 */
// Named export by export (no `export *`), so that everything users can
// import is visible in this file and in auth.ts.

export type { Args, Dict, Frame, KwArgs, Payload } from './types.js';
export { ErrorUri, InvalidUriViolation, LocalProtocolError, ProtocolViolation, WampError } from './errors.js';
export { MAX_ID, SequentialIds, isId, isIdOrZero, seededRandomId, type RandomId } from './ids.js';
export { isReservedUri, isValidPattern, isValidUri, type MatchPolicy, type UriRule } from './uri.js';
export {
  excludesPublisher,
  isProgress,
  wantsAcknowledge,
  wantsProgress,
  type CallLike,
  type InvocationLike,
  type PublishLike,
  type ResultLike,
  type YieldLike,
} from './message-helpers.js';
export { base64Decode, base64Encode, hexDecode, hexEncode } from './base64.js';
export { DEFAULT_LIMITS, resolveLimits, sanitize, type Limits } from './wire/limits.js';
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
} from './wire/messages.js';
export { fromWire, toWire, type WireOptions } from './wire/shape.js';
export { decodeMessage, encodeMessage, type DecodeOptions } from './wire/index.js';
export type { Serializer, SerializerName } from './wire/serializers/serializer.js';
export { jsonSerializer } from './wire/serializers/json.js';
export type { CryptoProvider } from './auth/crypto.js';

// --- serializers (msgpack, cbor, batched framing) ---
export { msgpackSerializer } from './wire/serializers/msgpack.js';
export { cborSerializer } from './wire/serializers/cbor.js';
export {
  ALL_SERIALIZERS,
  parseSubprotocol,
  serializerByName,
  serializerByRawSocketId,
  serializerBySubprotocol,
  type SubprotocolInfo,
} from './wire/serializers/lookup.js';
export { batchedSubprotocol, decodeBatch, encodeBatch } from './wire/serializers/batched.js';

// --- client session state machine ---
export {
  CLIENT_ROLES,
  LeanClientSession,
  type Arguments,
  type Passthru,
  type ClientRole,
  type ClientSessionOptions,
  type ClientState,
  type JoinParams,
  type LeaveOptions,
  type WelcomeInfo,
} from './client/session.js';
export { ClientSession, clientCallee, type ClientCallee } from './client/callee.js';
export { continueCall } from './client/progressive.js';
export {
  CLIENT_TRANSITIONS,
  clientNextState,
  clientStateDiagram,
  type ClientInput,
  type ClientStateTag,
  type ClientTransitionTable,
} from './client/transitions.js';
export { stateDiagram, type StateDiagramOptions, type TransitionTable } from './transitions-diagram.js';
export {
  CanceledError,
  RequestTimeoutError,
  SessionClosedError,
  TRANSPORT_LOST,
  type CloseInitiator,
} from './client/errors.js';
export type {
  ChallengeEvent,
  ClientEvent,
  CloseInfo,
  ClosedEvent,
  Delivered,
  InterruptEvent,
  InvocationEvent,
  JoinedEvent,
  ProgressResultEvent,
  PublicationEvent,
  PublishedEvent,
  RegisteredEvent,
  RegistrationRevokedEvent,
  RequestErrorEvent,
  RequestKind,
  ResultEvent,
  RouterRoles,
  SubscribedEvent,
  SubscriptionRevokedEvent,
  TraceEvent,
  UnregisteredEvent,
  UnsubscribedEvent,
  WarningEvent,
} from './client/events.js';
export type {
  CallOptions,
  CallRequestOptions,
  CancelMode,
  ContinueCallOptions,
  InvokePolicy,
  PublishOptions,
  RegisterOptions,
  SubscribeOptions,
  YieldOptions,
} from './client/options.js';
export { formatMessage } from './client/format.js';

// --- router state machine ---
export {
  Router,
  type AuthenticateEvent,
  type CallOutcome,
  type MessageInterceptor,
  type RealmSnapshot,
  type Refusal,
  type RouterEvent,
  type SessionDescription,
  type RouterOptions,
  type RouterProbe,
  type RouterWarningCode,
  type RouterWarningEvent,
  type SessionJoinedEvent,
  type SessionLeftEvent,
  type SessionRefusedEvent,
} from './router/router.js';
export {
  RouterSession,
  type RouterCloseInitiator,
  type RouterSessionState,
  type SessionClose,
  type SessionInfo,
  type TransportKind,
} from './router/session.js';
export {
  ROUTER_TRANSITIONS,
  routerNextState,
  routerStateDiagram,
  type RouterInput,
  type RouterStateTag,
  type RouterTransitionTable,
} from './router/transitions.js';
export { configChecks, type ConfigChecks, type Obj as ConfigObject } from './router/config-checks.js';
export {
  AUTH_METHODS,
  DEFAULT_AUTH_COOKIE,
  DEFAULT_AUTH_COOKIE_MAX_AGE_MS,
  TRANSPORT_AUTH_METHODS,
  TRANSPORT_STEP_AUTHMETHOD,
  DEFAULT_AGENT,
  DEFAULT_ROUTER_LIMITS,
  DEFAULT_ROUTER_TIMEOUTS,
  RouterConfigError,
  validateRouterConfig,
  type AddressPrincipal,
  type AnonymousAuthConfig,
  type AuthMethod,
  type AuthMethodsConfig,
  type AuthorizationAction,
  type AuthorizationDecision,
  type AuthorizationRequest,
  type CookieAuthConfig,
  type CryptosignPrincipal,
  type IdentityProvider,
  type IdentityResult,
  type TlsAuthConfig,
  type TlsPrincipal,
  type TransportAuthResult,
  type TransportAuthenticator,
  type TransportStepConfig,
  type WampcraRequirement,
  type WampcraRequirementProvider,
  type WampcraSplitConfig,
  type DisclosePolicy,
  type DynamicAuthResult,
  type DynamicAuthenticator,
  type DynamicAuthorizer,
  type HistoryTopicConfig,
  type PermissionConfig,
  type PrincipalSource,
  type RealmConfig,
  type RequestIdPolicy,
  type RoleConfig,
  type RouterConfig,
  type RouterLimits,
  type RouterTimeouts,
  type ScramPrincipal,
  type SessionLimits,
  type TicketPrincipal,
  type WampcraPrincipal,
} from './router/config.js';
export { INTERNAL_AUTHMETHOD, ROUTER_ROLES, type AuthRequest, type AuthVerdict, type Handshake, type PendingAuth } from './router/handshake.js';
export { META_PROCEDURES } from './router/meta.js';
export { RouterUri } from './router/uris.js';
export { routerAuthExtra, type RouterKey } from './router/router-auth.js';
export { AuthCookieStore, DEFAULT_MAX_AUTH_COOKIES, type CookieIdentity } from './router/auth-cookies.js';
export {
  DEFAULT_GET_EVENTS_LIMIT,
  DEFAULT_HISTORY_LIMIT,
  EventHistory,
  MAX_HISTORY_TOPICS,
  MemoryHistoryStore,
  type HistoryPolicy,
  type HistoryStore,
  type StoredEvent,
} from './router/history.js';
export { shardOwner, shardScore } from './router/shards.js';
export { isTrustLevel } from './router/trust.js';
export { DEFAULT_AUTH_THROTTLE, type AuthThrottleConfig } from './router/throttle.js';
export { isoTimestamp } from './router/timestamp.js';
export {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_NODE_TIMEOUT_MS,
  claimKey,
  clusterId,
  type CalleeOrder,
  type ClaimValue,
  type ClusterEnvelope,
  type ClusterMessage,
  type ClusterOptions,
  type ClusterOutput,
  type RealmState,
  type PublicationRecord,
  type RegistrationRecord,
  type RetainedRecord,
  type SessionRecord,
  type StoreRequest,
  type StoreResult,
  type SubscriptionRecord,
  type TestamentRecord,
} from './router/cluster-protocol.js';
export type { PassthruRoles, PeerFeatures, PeerIdentity, Testament, TestamentScope } from './router/peer-info.js';
export {
  MAX_COOKIE_HEADER,
  authTransportDetails,
  parseCookies,
  type DistinguishedName,
  type HttpUpgradeInfo,
  type TlsCertificate,
  type TlsClientInfo,
} from './router/peer-info.js';
