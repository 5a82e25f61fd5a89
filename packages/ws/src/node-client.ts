import type { TransportFactory } from '@wamp/client';
import { ALL_SERIALIZERS } from '@wamp/core';
import { WebSocket, type ClientOptions } from 'ws';
import {
  connectWebSocket,
  type WebSocketClientOptions,
  type WebSocketConstructor,
  type WebSocketTransport,
} from './client.js';

/**
 * As {@link WebSocketClientOptions}, except that `serializers` defaults to all
 * three of `@wamp/core` (JSON, MessagePack, CBOR): in Node the codecs cost
 * nothing to carry, so any subprotocol name works without importing one.
 */
export interface NodeWebSocketClientOptions extends Omit<WebSocketClientOptions, 'WebSocket'> {
  /**
   * Largest WebSocket message accepted from the router, in octets (ws
   * `maxPayload`, default 16 MiB rather than ws's 100 MiB).
   */
  readonly maxMessageSize?: number;
  /** More `ws` client options: `headers`, `ca`, `cert`, `key`, `rejectUnauthorized`, `agent`... */
  readonly wsOptions?: ClientOptions;
}

/** The `ws` client as a browser-style constructor, with fixed options. */
function wsConstructor(options: NodeWebSocketClientOptions): WebSocketConstructor {
  const extra: ClientOptions = {
    maxPayload: options.maxMessageSize ?? 16 * 1024 * 1024,
    perMessageDeflate: false,
    ...options.wsOptions,
  };
  class NodeWebSocket extends WebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols, extra);
    }
  }
  // ws implements the WHATWG attributes (onopen, onmessage with `data`,
  // binaryType 'arraybuffer', protocol, bufferedAmount) that the transport uses.
  return NodeWebSocket as unknown as WebSocketConstructor;
}

/** Connect with the `ws` client: the Node counterpart of `connectWebSocket`. */
export function connectNodeWebSocket(options: NodeWebSocketClientOptions): Promise<WebSocketTransport> {
  return connectWebSocket({ ...options, serializers: options.serializers ?? ALL_SERIALIZERS, WebSocket: wsConstructor(options) });
}

/** A `TransportFactory` over the `ws` client, for Node (any version). */
export function nodeWebSocketTransport(options: NodeWebSocketClientOptions): TransportFactory {
  const WebSocketCtor = wsConstructor(options);
  return () => connectWebSocket({ ...options, serializers: options.serializers ?? ALL_SERIALIZERS, WebSocket: WebSocketCtor });
}
