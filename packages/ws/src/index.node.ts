// The public API of @wamp/ws in Node: what the `node` condition of the
// package's exports resolves `@wamp/ws` to. The same names and types as
// index.ts (one declaration file serves both), on the `ws` client unless a
// `WebSocket` is given, so that `import { connect } from '@wamp/ws'` works in
// every Node ≥ 20, with or without a global WebSocket. Browsers and bundlers
// for them take index.ts, which never reaches `ws` or `node:*`.

import { Client, Session, type TransportFactory } from '@wamp/client';
import {
  connectWebSocket as connectWithGiven,
  webSocketBatching,
  type WebSocketClientOptions,
  type WebSocketTransport,
} from './client.js';
import {
  browserConnectors as connectorsForGiven,
  browserTransportFor as transportForGiven,
  clientTransport,
  type ConnectOptions,
  type CreateClientOptions,
  type TransportSpec,
} from './connect.js';
import { wsConstructor } from './node-client.js';

export {
  WebSocketTransport,
  WebSocketTransportError,
  closeReason,
  webSocketBatching,
  type WebSocketBatching,
  type WebSocketClientOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './client.js';
export { resolveSubprotocol, wampSubprotocols, type Subprotocol } from './subprotocols.js';
export { subprotocolsFor, type ConnectOptions, type CreateClientOptions, type TransportSpec } from './connect.js';

/** `ws` with its defaults (16 MiB messages, no compression), as the WHATWG-style constructor. */
const NodeWebSocket = wsConstructor({ url: '' });

/** As `connectWebSocket` of the browser entry, on the `ws` client unless `options.WebSocket` is given, with the `.batched` framing. */
export function connectWebSocket(options: WebSocketClientOptions): Promise<WebSocketTransport> {
  return connectWithGiven({ ...options, WebSocket: options.WebSocket ?? NodeWebSocket, batching: options.batching ?? webSocketBatching });
}

/** As `webSocketTransport` of the browser entry, on the `ws` client unless `options.WebSocket` is given. */
export function webSocketTransport(options: WebSocketClientOptions): TransportFactory {
  return () => connectWebSocket(options);
}

/** As `browserTransportFor` of the browser entry, on the `ws` client unless `opts.WebSocket` is given. */
export function browserTransportFor(opts: ConnectOptions & { readonly url: string }): TransportFactory {
  return transportForGiven({ ...opts, WebSocket: opts.WebSocket ?? NodeWebSocket });
}

/** As `browserConnectors` of the browser entry, on the `ws` client where an entry gives no `WebSocket`. */
export function browserConnectors(opts: ConnectOptions): TransportFactory {
  const WebSocket = opts.WebSocket ?? NodeWebSocket;
  const transports = opts.transports?.map((t): TransportSpec => (typeof t === 'string' ? { url: t, WebSocket } : { ...t, WebSocket: t.WebSocket ?? WebSocket }));
  return connectorsForGiven({ ...opts, WebSocket, ...(transports === undefined ? {} : { transports }) });
}

/** Join `realm` at `url` (or the first of `transports` that opens) once, without reconnection, as in a browser: `ws://` or `wss://`, JSON unless `serializers` say otherwise. */
export async function connect(opts: ConnectOptions): Promise<Session> {
  const transport = await browserConnectors(opts)();
  return Session.join(transport, opts);
}

/** A `Client` (reconnection, re-registration, re-subscription) for `url` (and `urls`, in turn), or the connector list `transports`; call `connect()` on it. */
export function createClient(opts: CreateClientOptions): Client {
  return new Client({ ...opts, transport: clientTransport(opts, browserConnectors, (url) => browserTransportFor({ ...opts, url })) });
}
