// The public API of @wamp/ws for every runtime (browsers included): the client
// on the WHATWG WebSocket. The `ws`-based client and the server are in
// `@wamp/ws/node`, so that bundles for browsers never reach `ws` or `node:*`.

export {
  WebSocketTransport,
  WebSocketTransportError,
  closeReason,
  connectWebSocket,
  webSocketBatching,
  webSocketTransport,
  type WebSocketBatching,
  type WebSocketClientOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './client.js';
export { resolveSubprotocol, wampSubprotocols, type Subprotocol } from './subprotocols.js';
export {
  browserConnectors,
  browserTransportFor,
  connect,
  createClient,
  subprotocolsFor,
  type ConnectOptions,
  type CreateClientOptions,
  type TransportSpec,
} from './connect.js';
