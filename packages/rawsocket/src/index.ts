// The public API of @wamp/rawsocket, named export by export.

// Sans-IO framing (no Node imports): usable on any byte stream.
export {
  FrameType,
  HandshakeErrorCode,
  MAX_MAX_LENGTH,
  MIN_MAX_LENGTH,
  RAWSOCKET_MAGIC,
  RawSocketError,
  RawSocketProtocol,
  RawSocketSerializerId,
  describeHandshakeError,
  encodeFrame,
  encodeHandshake,
  encodeHandshakeError,
  exponentLength,
  lengthExponent,
  type HandshakeRequest,
  type RawSocketClientConfig,
  type RawSocketConfig,
  type RawSocketErrorKind,
  type RawSocketEvent,
  type RawSocketServerConfig,
} from './framing.js';

// Node adapters (node:net, node:tls).
export { RawSocketConnection, type InboundBudget, type KeepaliveOptions, type RawSocketPeer } from './connection.js';
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
  connectRawSocket,
  parseRawSocketUrl,
  rawSocketTransport,
  type RawSocketClientOptions,
  type RawSocketEndpoint,
} from './client.js';
export {
  DEFAULT_MAX_INCOMPLETE_BYTES,
  RawSocketServer,
  createRawSocketServer,
  type ListenAddress,
  type RawSocketServerOptions,
  type RejectedPeer,
} from './server.js';
export { defaultSerializers } from './serializers.js';
