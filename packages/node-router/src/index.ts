// The public API of @wamp/node-router, named export by export.

export { WampRouter, createRouter, type AttachOptions, type CreateRouterOptions, type ListeningAddress } from './router.js';
export { RealmApi, type InternalIdentity } from './realm-api.js';
export {
  DEFAULT_CONFIG,
  jsonErrorOffset,
  loadConfigFile,
  validateNodeRouterConfig,
  type AdminConfig,
  type BackpressureConfig,
  type ListenerConfig,
  type NodeRouterConfig,
  type RawSocketListenerConfig,
  type TlsFiles,
  type WebSocketListenerConfig,
} from './config.js';
export { RouterHost, cryptoRandomId, type HostObserver, type HostedConnection, type RouterHostOptions } from './host.js';
export { CALL_DURATION_BUCKETS, RouterMetrics } from './metrics.js';
export { AdminServer, type AdminServerOptions, type ReadinessCheck } from './admin.js';
export { framePreview, peekMessageType } from './trace.js';
export { nodeRouterKey } from './router-key.js';
export { createLogger, isLogLevel, type LogLevel, type LogSink, type Logger, type LoggerOptions } from './log.js';
export {
  ClusterUnavailableError,
  NatsBus,
  defaultNodeName,
  validateClusterConfig,
  type ClusterConfig,
  type ClusterInput,
} from './cluster-nats.js';
