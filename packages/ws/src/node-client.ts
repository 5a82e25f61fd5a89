import { ALL_SERIALIZERS } from '@wamp/core';
import { WebSocket, type ClientOptions } from 'ws';
import {
  connectWebSocket,
  type WebSocketClientOptions,
  type WebSocketConstructor,
  type WebSocketTransport,
} from './client.js';
import { tlsChannelBinding, type TransportFactory } from '@wamp/client';

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

/** The `ws` client as a browser-style constructor, with fixed options (also the default `WebSocket` of `@wamp/ws` in Node). */
export function wsConstructor(options: NodeWebSocketClientOptions): WebSocketConstructor {
  const extra: ClientOptions = {
    maxPayload: options.maxMessageSize ?? 16 * 1024 * 1024,
    perMessageDeflate: false,
    ...options.wsOptions,
  };
  class NodeWebSocket extends WebSocket {
    private readonly pongWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
    private corked = false;

    constructor(url: string, protocols: string[]) {
      super(url, protocols, extra);
      // A peer may answer only the latest of several pings (RFC 6455 §5.5.3),
      // so any pong settles every keepalive in flight.
      this.on('pong', () => {
        for (const w of this.pongWaiters.splice(0)) w.resolve();
      });
      this.on('close', () => {
        for (const w of this.pongWaiters.splice(0)) w.reject(new Error('WebSocket closed'));
      });
    }

    /** `tls-exporter` channel binding (RFC 9266) of a `wss:` connection. */
    channelBinding(type: string): Uint8Array | undefined {
      return tlsChannelBinding((this as unknown as { _socket?: unknown })._socket, type);
    }

    /** The transport's `keepalive` (see `WebSocketLike.keepalive`). */
    keepalive(): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        if (this.readyState !== WebSocket.OPEN) return reject(new Error('WebSocket closed'));
        this.pongWaiters.push({ resolve, reject });
        this.ping();
      });
    }

    override send(data: Parameters<WebSocket['send']>[0], options?: unknown, cb?: unknown): void {
      this.corkUntilMicrotasksEnd();
      (super.send as (data: unknown, options?: unknown, cb?: unknown) => void).call(this, data, options, cb);
    }

    /**
     * Frames sent while this turn's callbacks and promise continuations run
     * leave in one write to the socket.
     */
    private corkUntilMicrotasksEnd(): void {
      if (this.corked) return;
      const socket = (this as unknown as { _socket?: { cork?: () => void; uncork?: () => void; writable?: boolean } })._socket;
      if (socket?.cork === undefined || socket.uncork === undefined || socket.writable !== true) return;
      this.corked = true;
      socket.cork();
      queueMicrotask(() => {
        this.corked = false;
        socket.uncork!();
      });
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
