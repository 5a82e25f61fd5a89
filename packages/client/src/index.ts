// The public API of @wamp/client, named export by export (no `export *`).

export {
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MAX_QUEUED_FRAMES,
  type BackpressureOptions,
  type BackpressurePolicy,
  type ConnectionStats,
  type DropInfo,
  type Transport,
  type TransportCloseInfo,
  type TransportFactory,
} from './transport.js';
export {
  TransportsFailedError,
  firstOpening,
  type ConnectAttempt,
  type Connector,
  type ConnectorFailureListener,
} from './connectors.js';
export { webCryptoProvider, type WebCryptoProviderOptions } from './crypto/web.js';
export { nobleCryptoProvider, type NobleCryptoProviderOptions } from './crypto/noble.js';
export { MemoryTransport, memoryTransportPair, type MemoryTransportOptions } from './memory.js';
export { Result } from './result.js';
export { passthruAttributes, type DecodedArguments, type PassthruCodec } from './passthru.js';
export { systemClock, systemTimers, type Clock, type Timers } from './timers.js';
export {
  anonymous,
  cookie,
  cryptosign,
  scram,
  scramLegacy,
  ticket,
  tlsCertificate,
  wampcra,
  type AuthAttempt,
  type AuthContext,
  type AuthMethod,
  type AuthResponse,
  type CryptosignOptions,
  type ScramLegacyOptions,
  type ScramOptions,
  type Secret,
} from './auth.js';
export {
  AGENT,
  LeanSession,
  Registration,
  Session,
  Subscription,
  type CallOptions,
  type EventDetails,
  type EventHandler,
  type InvocationDetails,
  type InvocationHandler,
  type JoinOptions,
  type ProgressiveCall,
  type SessionEnd,
  type SessionEvents,
  type SessionListener,
  type SessionHooks,
  type SessionState,
} from './session.js';
export type { AuthOptions } from './join-auth.js';
export { callProgressive, progressiveCall } from './progressive.js';
export { register } from './handler-runner.js';
export { subscribeWithHistory } from './history.js';
export type { RegistrationOwner, SessionApi, SubscriptionOwner } from './session-api.js';
export {
  ClientRegistration,
  ClientSubscription,
  LeanClient,
  type ClientEvents,
  type ClientOptions,
  type ConnectionState,
  type HeartbeatOptions,
  type RetryOptions,
  type SessionClass,
} from './client.js';
export { Client, registerOnClient } from './client-register.js';
// The errors and option types an application meets through this package.
export {
  CanceledError,
  LocalProtocolError,
  ProtocolViolation,
  RequestTimeoutError,
  SessionClosedError,
  WampError,
  type CancelMode,
  type CloseInfo,
  type InvokePolicy,
  type PublishOptions,
  type RegisterOptions,
  type SubscribeOptions,
  type TraceEvent,
} from '@wamp/core';
export {
  DEFAULT_EVENT_QUEUE_SIZE,
  EventQueue,
  eventQueue,
  type EventAcceptor,
  type EventQueueOptions,
  type EventQueueOverflow,
  type QueueSession,
  type QueueSubscription,
  type QueuedEvent,
} from './event-queue.js';
export { eventsTyped, type TypedQueuedEvent } from './typed-events.js';
export { TLS_CHANNEL_BINDINGS, tlsChannelBinding } from './tls-binding.js';
export { tlsClientInfo } from './tls-peer.js';
export {
  SchemaError,
  type HandlerArgs,
  type HandlerKwArgs,
  callTyped,
  procedure,
  publishTyped,
  registerTyped,
  subscribeTyped,
  topic,
  type Procedure,
  type ProcedureSpec,
  type Schema,
  type SchemaInput,
  type SchemaIssue,
  type SchemaOutput,
  type Topic,
  type TopicSpec,
  type TypedCallOptions,
  type TypedEventHandler,
  type TypedInvocationHandler,
  type TypedReturn,
} from './typed.js';
export {
  RouteSet,
  matchesPattern,
  mountRoutes,
  transportInfo,
  type CallContext,
  type EventContext,
  type HookOptions,
  type Identify,
  type Middleware,
  type MountOptions,
  type MountedRoutes,
  type RouteContext,
  type RouteHandler,
  type RouteOptions,
  type RouteSetOptions,
  type SessionContext,
  type Subscriber,
  type SubscriptionHook,
  type TopicHandler,
  type TransportInfo,
  type TypedRouteHandler,
  type TypedTopicHandler,
} from './routes.js';
