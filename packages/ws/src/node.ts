// The public API of @wamp/ws/node: the `ws` client and the WAMP WebSocket
// server, for Node only.

export {
  connectNodeWebSocket,
  nodeWebSocketTransport,
  type NodeWebSocketClientOptions,
} from './node-client.js';
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  WampWebSocketServer,
  createWebSocketServer,
  type IssuedCookie,
  type UpgradeRefusal,
  type WampWebSocketServerOptions,
} from './server.js';
export { WebSocketConnection, coalesceWrites, type HeartbeatOptions, type WebSocketPeer } from './connection.js';
// The backpressure options and counters, shared by every server connection.
export {
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MAX_QUEUED_FRAMES,
  type BackpressureOptions,
  type BackpressurePolicy,
  type ConnectionStats,
  type DropInfo,
} from '@wamp/client';

export {
  connect,
  createClient,
  nodeConnectors,
  nodeTransportFor,
  type NodeConnectOptions,
  type NodeCreateClientOptions,
  type NodeTransportSpec,
} from './node-connect.js';
