import { randomFillSync } from 'node:crypto';
import type { Socket } from 'node:net';
import { ALL_SERIALIZERS } from '@wamp/core';
import { WebSocket, type ClientOptions } from 'ws';
import {
  connectWebSocket,
  webSocketBatching,
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

/**
 * Messages up to this size are framed and masked here and written to the
 * socket directly; larger ones go through ws, which masks with native code.
 */
const DIRECT_LIMIT = 2048;

/** Random octets for the masking keys, refilled from the CSPRNG 2,048 keys at a time (as ws does). */
const maskPool = Buffer.allocUnsafe(8192);
let maskAt = maskPool.length;

/**
 * A client-to-server WebSocket frame (RFC 6455 §5.2-5.3): FIN, opcode 1
 * (text) for a string and 2 (binary) for bytes, as ws sends them, and the
 * payload masked with a fresh random key. Undefined when the message is
 * larger than {@link DIRECT_LIMIT}.
 */
function maskedFrame(data: string | Uint8Array): Buffer | undefined {
  const text = typeof data === 'string';
  if (data.length > DIRECT_LIMIT) return undefined;
  const size = text ? Buffer.byteLength(data, 'utf8') : data.length;
  if (size > DIRECT_LIMIT) return undefined;
  const head = size < 126 ? 6 : 8;
  const buf = Buffer.allocUnsafe(head + size);
  buf[0] = text ? 0x81 : 0x82;
  if (size < 126) {
    buf[1] = 0x80 | size;
  } else {
    buf[1] = 0x80 | 126;
    buf.writeUInt16BE(size, 2);
  }
  if (maskAt === maskPool.length) {
    randomFillSync(maskPool);
    maskAt = 0;
  }
  const m0 = maskPool[maskAt]!;
  const m1 = maskPool[maskAt + 1]!;
  const m2 = maskPool[maskAt + 2]!;
  const m3 = maskPool[maskAt + 3]!;
  maskAt += 4;
  buf[head - 4] = m0;
  buf[head - 3] = m1;
  buf[head - 2] = m2;
  buf[head - 1] = m3;
  if (text) buf.write(data, head, size, 'utf8');
  else buf.set(data, head);
  let i = head;
  const end = head + size;
  for (; i + 3 < end; i += 4) {
    buf[i] = buf[i]! ^ m0;
    buf[i + 1] = buf[i + 1]! ^ m1;
    buf[i + 2] = buf[i + 2]! ^ m2;
    buf[i + 3] = buf[i + 3]! ^ m3;
  }
  if (i < end) buf[i] = buf[i]! ^ m0;
  if (i + 1 < end) buf[i + 1] = buf[i + 1]! ^ m1;
  if (i + 2 < end) buf[i + 2] = buf[i + 2]! ^ m2;
  return buf;
}

/** The fields of ws's `Receiver` (ws 8) that tell whether it is between frames. */
interface WsReceiver {
  write(chunk: Buffer): boolean;
  _state: number;
  _bufferedBytes: number;
  _fragmented: number;
  _opcode: number;
  _errored: boolean;
  _maxPayload: number;
  _skipUTF8Validation: boolean;
  _allowSynchronousEvents: boolean;
}

/** ws's `Receiver` state between frames (`GET_INFO`). */
const RECEIVER_IDLE = 0;

/** The part of the client WebSocket class below that {@link installDirectReceive} uses. */
interface DirectReceiveSocket extends WebSocket {
  soleMessageHandler(): ((ev: { readonly data: unknown }) => void) | undefined;
}

/**
 * Parse the simple frames of each socket read here and hand them straight
 * to `onmessage`, rather than through ws's `Receiver` (a `Writable` stream:
 * a buffer list, a view per header and payload, a `'message'` event on two
 * emitters and a deferred write callback, per frame or per read). That
 * per-read and per-frame work was most of the client's receive cost when
 * many sessions each get a few small messages per read (PubSub to 100
 * subscribers).
 *
 * Only whole, unfragmented, unmasked text or binary frames of a read are
 * taken, and only while ws's receiver is between frames and `onmessage` is
 * the only `message` listener. The first frame that is anything else (a
 * control frame, a fragment, one cut by the read, over `maxPayload`, text
 * whose decoding shows a U+FFFD, which may be invalid UTF-8) and all that
 * follows it in that read go to ws's receiver, which handles and checks it
 * (closing with 1002, 1007 or 1009 as it always did). The messages are the
 * same as ws gives: text as a string, binary as a copy in an `ArrayBuffer`.
 */
function installDirectReceive(socket: DirectReceiveSocket): void {
  const receiver = (socket as unknown as { _receiver?: WsReceiver })._receiver;
  if (
    receiver === undefined ||
    typeof receiver._state !== 'number' ||
    typeof receiver._bufferedBytes !== 'number' ||
    typeof receiver._fragmented !== 'number' ||
    typeof receiver._maxPayload !== 'number' ||
    receiver._allowSynchronousEvents !== true ||
    socket.extensions !== ''
  ) {
    // Not the ws 8 receiver this was written for, compression, or one event per
    // turn (wsOptions.allowSynchronousEvents: false): ws does it all.
    return;
  }
  const write = receiver.write.bind(receiver);
  const maxPayload = receiver._maxPayload;
  receiver.write = (chunk: Buffer): boolean => {
    let at = 0;
    const end = chunk.length;
    while (
      end - at >= 2 &&
      receiver._state === RECEIVER_IDLE &&
      receiver._bufferedBytes === 0 &&
      receiver._fragmented === 0 &&
      receiver._opcode !== 0x08 &&
      !receiver._errored
    ) {
      const b0 = chunk[at]!;
      const b1 = chunk[at + 1]!;
      // FIN set, RSV clear, opcode text (1) or binary (2); MASK clear (RFC 6455 §5.1: a server never masks).
      if ((b0 & 0xf0) !== 0x80 || b1 > 0x7f) break;
      const opcode = b0 & 0x0f;
      if (opcode !== 1 && opcode !== 2) break;
      let size = b1;
      let p = at + 2;
      if (size === 126) {
        if (end - p < 2) break;
        size = (chunk[p]! << 8) | chunk[p + 1]!;
        p += 2;
      } else if (size === 127) {
        break; // 64 KiB and over: rare, and ws checks the 64-bit length.
      }
      if (end - p < size || (maxPayload > 0 && size > maxPayload)) break;
      const handler = socket.soleMessageHandler();
      if (handler === undefined) break;
      let data: string | ArrayBuffer;
      if (opcode === 1) {
        const text = (chunk as Buffer & { utf8Slice(start: number, end: number): string }).utf8Slice(p, p + size);
        // Decoding turns every invalid sequence into U+FFFD; ws tells an invalid one from a real U+FFFD.
        if (!receiver._skipUTF8Validation && text.indexOf('\uFFFD') !== -1) break;
        data = text;
      } else {
        if (socket.binaryType !== 'arraybuffer') break;
        data = (chunk.buffer as ArrayBuffer).slice(chunk.byteOffset + p, chunk.byteOffset + p + size);
      }
      at = p + size;
      handler.call(socket, { type: 'message', target: socket, data });
    }
    if (at === end) return true;
    return write(at === 0 ? chunk : chunk.subarray(at));
  };
}

/** The `ws` client as a browser-style constructor, with fixed options (also the default `WebSocket` of `@wamp/ws` in Node). */
export function wsConstructor(options: NodeWebSocketClientOptions): WebSocketConstructor {
  const extra: ClientOptions = {
    maxPayload: options.maxMessageSize ?? 16 * 1024 * 1024,
    perMessageDeflate: false,
    ...options.wsOptions,
  };
  class NodeWebSocket extends WebSocket implements DirectReceiveSocket {
    private readonly pongWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
    /** Whether the socket is corked until the microtasks of this turn have run (see {@link writeTurn}). */
    private corked = false;

    constructor(url: string, protocols: string[]) {
      super(url, protocols, extra);
      // ws builds its receiver just before 'open'.
      this.once('open', () => installDirectReceive(this));
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

    /** The `onmessage` handler (see the accessor defined below the class). */
    private messageHandler: ((ev: { readonly data: unknown }) => void) | null = null;
    private messageListener: ((data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void) | undefined;

    /**
     * `onmessage`, without ws's WHATWG event shim: that builds a
     * `MessageEvent` (and its options object) for every message, which
     * showed in profiles of many small messages. The handler gets a plain
     * `{ type, target, data }` with the same `data` (a string for text, per
     * `binaryType` for binary).
     */
    setMessageHandler(handler: unknown): void {
      if (this.messageListener !== undefined) this.off('message', this.messageListener);
      this.messageListener = undefined;
      this.messageHandler = typeof handler === 'function' ? (handler as (ev: { readonly data: unknown }) => void) : null;
      const h = this.messageHandler;
      if (h === null) return;
      this.messageListener = (data, isBinary) => h.call(this, { type: 'message', target: this, data: isBinary ? data : data.toString() });
      this.on('message', this.messageListener);
    }

    /**
     * @internal The `onmessage` handler when it is the only `message`
     * listener (what {@link installDirectReceive} may deliver to directly),
     * else undefined.
     */
    soleMessageHandler(): ((ev: { readonly data: unknown }) => void) | undefined {
      const h = this.messageHandler;
      return h !== null && this.listenerCount('message') === 1 ? h : undefined;
    }

    getMessageHandler(): ((ev: { readonly data: unknown }) => void) | null {
      return this.messageHandler;
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
      const socket = (this as unknown as { _socket?: Socket | null })._socket;
      if (
        options === undefined &&
        cb === undefined &&
        (typeof data === 'string' || data instanceof Uint8Array) &&
        this.readyState === WebSocket.OPEN &&
        // With a compression extension ws may still hold an earlier message: keep its order.
        this.extensions === '' &&
        socket != null &&
        socket.writable
      ) {
        const frame = maskedFrame(data);
        if (frame !== undefined) {
          this.writeTurn(socket, frame);
          return;
        }
      }
      if (socket != null && socket.writable) this.corkTurn(socket);
      (super.send as (data: unknown, options?: unknown, cb?: unknown) => void).call(this, data, options, cb);
    }

    /**
     * Write a frame straight to the socket (ws would build the same frame
     * with more work per message), corked until this turn's callbacks and
     * promise continuations have run, so that what they send leaves in one
     * write.
     */
    private writeTurn(socket: Socket, frame: Buffer): void {
      this.corkTurn(socket);
      socket.write(frame);
    }

    /** Cork the socket until the microtasks of this turn have run. */
    private corkTurn(socket: Socket): void {
      if (this.corked) return;
      this.corked = true;
      socket.cork();
      queueMicrotask(this.endTurn);
    }

    private readonly endTurn = (): void => {
      this.corked = false;
      (this as unknown as { _socket?: Socket | null })._socket?.uncork();
    };
  }
  Object.defineProperty(NodeWebSocket.prototype, 'onmessage', {
    configurable: true,
    enumerable: true,
    get(this: NodeWebSocket) {
      return this.getMessageHandler();
    },
    set(this: NodeWebSocket, handler: unknown) {
      this.setMessageHandler(handler);
    },
  });
  // ws implements the other WHATWG attributes (onopen, onclose, onerror,
  // binaryType 'arraybuffer', protocol, bufferedAmount) that the transport uses.
  return NodeWebSocket as unknown as WebSocketConstructor;
}

/** Connect with the `ws` client: the Node counterpart of `connectWebSocket`. */
export function connectNodeWebSocket(options: NodeWebSocketClientOptions): Promise<WebSocketTransport> {
  return connectWebSocket({ ...nodeDefaults(options), WebSocket: wsConstructor(options) });
}

/** A `TransportFactory` over the `ws` client, for Node (any version). */
export function nodeWebSocketTransport(options: NodeWebSocketClientOptions): TransportFactory {
  const WebSocketCtor = wsConstructor(options);
  const opts = nodeDefaults(options);
  return () => connectWebSocket({ ...opts, WebSocket: WebSocketCtor });
}

/** In Node every serializer and the `.batched` framing are there unless the options say otherwise. */
function nodeDefaults(options: NodeWebSocketClientOptions): NodeWebSocketClientOptions {
  return { ...options, serializers: options.serializers ?? ALL_SERIALIZERS, batching: options.batching ?? webSocketBatching };
}
