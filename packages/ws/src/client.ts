/**
 * WAMP-over-WebSocket client on the WHATWG `WebSocket` API: the browser's, or
 * any constructor with the same shape (`ws` in Node, see `@wamp/ws/node`).
 * Nothing here imports Node or `ws`.
 */

import { decodeBatch, encodeBatch, jsonSerializer, type Frame, type Serializer } from '@wamp/core';
import type { Transport, TransportCloseInfo, TransportFactory } from '@wamp/client';
import { resolveSubprotocol, type Subprotocol } from './subprotocols.js';

/** The part of the WHATWG WebSocket this transport uses. */
export interface WebSocketLike {
  readonly readyState: number;
  /** The subprotocol the server selected ('' for none). */
  readonly protocol: string;
  readonly bufferedAmount: number;
  binaryType: string;
  /** Send a text (string) or binary message. */
  send(data: string | ArrayBufferView): void;
  /** Start the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Called once the connection is open and the subprotocol chosen. */
  onopen: ((ev: unknown) => void) | null;
  /** Called per message: `data` is a string (text) or an ArrayBuffer (binary). */
  onmessage: ((ev: { readonly data: unknown }) => void) | null;
  /** Called once when the connection is closed. */
  onclose: ((ev: { readonly code: number; readonly reason: string; readonly wasClean: boolean }) => void) | null;
  /** Called when the connection fails; `onclose` follows. */
  onerror: ((ev: unknown) => void) | null;
  /**
   * One ping/pong round trip, where the implementation can ping (the `ws`
   * client of `@wamp/ws/node`; the browser API has none). Rejects once the
   * socket is closing or closed.
   */
  keepalive?(): Promise<void>;
  /** TLS channel binding data of the connection (`@wamp/ws/node`: `tls-exporter`); browsers have none. */
  channelBinding?(type: string): Uint8Array | undefined;
}

/** `new WebSocket(url, protocols)`, as in browsers. */
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

/**
 * The serializers when none are given: JSON only. MessagePack and CBOR are
 * opt-in (`serializers: [msgpackSerializer, jsonSerializer]`), so that a
 * browser bundle carries a binary codec only when the application imports it.
 */
const DEFAULT_SERIALIZERS: readonly Serializer[] = [jsonSerializer];

/**
 * The framing of the `.batched` subprotocols (advanced profile "Message
 * Batching"), which {@link WebSocketClientOptions.batching} takes. It is an
 * option of its own so that a browser bundle that offers only the plain
 * subprotocols does not carry it; the Node entries pass it by default.
 */
export interface WebSocketBatching {
  /** Frames sent in one turn of the event loop, as one WebSocket message. */
  readonly encode: (serializer: Serializer, frames: readonly Frame[]) => Frame;
  /** One WebSocket message, split into its frames; throws on a malformed batch. */
  readonly decode: (serializer: Serializer, frame: Frame) => Frame[];
}

/** The `.batched` framing, for {@link WebSocketClientOptions.batching}. */
export const webSocketBatching: WebSocketBatching = { encode: encodeBatch, decode: decodeBatch };

/** Options of {@link connectWebSocket} and {@link webSocketTransport}. */
export interface WebSocketClientOptions {
  /** `ws://` or `wss://` URL of the router. */
  readonly url: string;
  /**
   * The serializers this client speaks (`jsonSerializer`, `msgpackSerializer`,
   * `cborSerializer` of `@wamp/core`), most preferred first. Default JSON only.
   */
  readonly serializers?: readonly Serializer[];
  /**
   * Subprotocols offered, most preferred first: the serializers' own
   * (`wamp.2.json`, ...) or their `.batched` variants. Default: the plain
   * subprotocol of each serializer, in the order of `serializers`. A
   * `.batched` name needs `batching` (in a browser; the Node entries have it).
   */
  readonly subprotocols?: readonly string[];
  /**
   * The framing of the `.batched` subprotocols: `webSocketBatching` of
   * `@wamp/ws`. Default: none in the browser entry (offering a `.batched`
   * name without it is refused), `webSocketBatching` in Node.
   */
  readonly batching?: WebSocketBatching;
  /**
   * The WebSocket implementation. Default: in Node, the `ws` client (the
   * `node` condition of the package's exports); elsewhere `globalThis.WebSocket`.
   */
  readonly WebSocket?: WebSocketConstructor;
  /** Opening (TCP, TLS, HTTP upgrade) must finish within this time (ms). Default 10 000. */
  readonly connectTimeoutMs?: number;
}

/** Why a WebSocket transport could not open, or had to fail. */
export class WebSocketTransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebSocketTransportError';
  }
}

const OPEN = 1;
const textDecoder = new TextDecoder('utf-8', { fatal: true });
const textEncoder = new TextEncoder();

/** Largest close reason a WebSocket close frame carries, in UTF-8 octets (RFC 6455 §5.5). */
const MAX_REASON_BYTES = 123;

/** Cut a close reason to what a close frame can carry, without splitting a character. */
export function closeReason(reason: string | undefined): string {
  if (reason === undefined) return '';
  if (textEncoder.encode(reason).length <= MAX_REASON_BYTES) return reason;
  let out = '';
  let n = 0;
  for (const ch of reason) {
    const len = textEncoder.encode(ch).length;
    if (n + len > MAX_REASON_BYTES) break;
    out += ch;
    n += len;
  }
  return out;
}

/**
 * A WebSocket carrying one WAMP session, client side. JSON travels in text
 * frames (`onFrame` gets strings), the binary serializers in binary frames
 * (`onFrame` gets `Uint8Array`). With a `.batched` subprotocol, frames sent in
 * the same turn of the event loop leave as one WebSocket message and incoming
 * batches are split.
 */
export class WebSocketTransport implements Transport {
  readonly serializer: Serializer;
  /** The negotiated subprotocol, e.g. `wamp.2.cbor.batched`. */
  readonly subprotocol: string;
  readonly batched: boolean;
  onFrame: ((frame: Frame) => void) | undefined = undefined;
  onClose: ((info: TransportCloseInfo) => void) | undefined = undefined;

  /**
   * One WebSocket ping/pong round trip, for a `Client` heartbeat. Present only
   * where the WebSocket implementation can ping (`@wamp/ws/node`); the
   * browser API has no ping.
   */
  readonly keepalive?: () => Promise<void>;

  private readonly ws: WebSocketLike;
  /** The `.batched` framing, when the subprotocol is batched. */
  private readonly batching: WebSocketBatching | undefined;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private failure: TransportCloseInfo | undefined;
  private errorReason: string | undefined;
  private batch: Frame[] = [];
  private batchBytes = 0;

  /** @internal Built by {@link connectWebSocket}. */
  constructor(ws: WebSocketLike, proto: Subprotocol, batching?: WebSocketBatching) {
    this.ws = ws;
    this.serializer = proto.serializer;
    this.subprotocol = proto.name;
    this.batched = proto.batched;
    this.batching = proto.batched ? batching : undefined;
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onerror = (ev) => {
      // Browsers give no detail; ws does (e.g. "Max payload size exceeded").
      const m = (ev as { message?: unknown } | null)?.message;
      this.errorReason ??= typeof m === 'string' && m !== '' ? m : 'WebSocket error';
    };
    ws.onclose = (ev) => this.finish(ev);
    if (typeof ws.keepalive === 'function') this.keepalive = () => ws.keepalive!();
    if (typeof ws.channelBinding === 'function') this.channelBinding = (type) => ws.channelBinding!(type);
  }

  /** TLS channel binding data, where the WebSocket implementation can give it (`@wamp/ws/node`: `tls-exporter`). */
  readonly channelBinding?: (type: string) => Uint8Array | undefined;

  get bufferedAmount(): number {
    return this.ws.bufferedAmount + this.batchBytes;
  }

  send(frame: Frame): void {
    if (this.state !== 'open') return;
    const f = checkFrame(this.serializer, frame);
    if (this.batching !== undefined) {
      if (this.batch.length === 0) queueMicrotask(() => this.flushBatch());
      this.batch.push(f);
      this.batchBytes += f.length;
      return;
    }
    this.ws.send(f);
  }

  private flushBatch(): void {
    const frames = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (this.state !== 'open' || frames.length === 0 || this.batching === undefined) return;
    this.ws.send(this.batching.encode(this.serializer, frames));
  }

  /**
   * Close with a WebSocket close handshake. Browsers accept only 1000 and
   * 3000–4999; any other code is sent as 1000.
   */
  close(code?: number, reason?: string): void {
    if (this.state !== 'open') return;
    this.flushBatch();
    this.state = 'closing';
    const c = code === 1000 || (code !== undefined && code >= 3000 && code <= 4999) ? code : 1000;
    this.ws.close(c, closeReason(reason));
  }

  private fail(code: number, reason: string): void {
    if (this.state !== 'open') return;
    this.failure = { wasClean: false, code, reason };
    this.state = 'closing';
    try {
      this.ws.close(code, closeReason(reason));
    } catch {
      // Browsers may send only 1000 and 3000-4999; the reason still says why.
      this.ws.close(1000, closeReason(reason));
    }
  }

  private receive(data: unknown): void {
    if (this.state !== 'open') return;
    let frame: Frame;
    if (typeof data === 'string') {
      if (this.serializer.binary) return this.fail(1003, `text message on ${this.subprotocol}`);
      frame = data;
    } else {
      if (!this.serializer.binary) return this.fail(1003, `binary message on ${this.subprotocol}`);
      if (data instanceof ArrayBuffer) frame = new Uint8Array(data);
      else if (ArrayBuffer.isView(data)) frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      else return this.fail(1003, 'unexpected message data type');
    }
    const batching = this.batching;
    if (batching === undefined) {
      this.onFrame?.(frame);
      return;
    }
    let frames: Frame[];
    try {
      frames = batching.decode(this.serializer, frame);
    } catch (e) {
      return this.fail(1002, e instanceof Error ? e.message : String(e));
    }
    for (const f of frames) {
      if (this.state !== 'open') return;
      this.onFrame?.(f);
    }
  }

  private finish(ev: { readonly code: number; readonly reason: string; readonly wasClean: boolean }): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.batch = [];
    this.batchBytes = 0;
    const info =
      this.failure ??
      (this.errorReason !== undefined
        ? { wasClean: false, code: ev.code, reason: this.errorReason }
        : { wasClean: ev.wasClean, code: ev.code, reason: ev.reason });
    const cb = this.onClose;
    this.onFrame = undefined;
    this.onClose = undefined;
    cb?.(info);
  }
}

/** JSON goes out as text, the others as bytes; a frame of the wrong kind is a local fault. */
function checkFrame(serializer: Serializer, frame: Frame): Frame {
  if (!serializer.binary) return typeof frame === 'string' ? frame : textDecoder.decode(frame);
  if (typeof frame === 'string') throw new TypeError(`${serializer.name} frames must be bytes, not text`);
  return frame;
}

/**
 * Open a WebSocket, offer the configured subprotocols, and resolve with the
 * transport once the server has picked one. Rejects with a
 * {@link WebSocketTransportError} when the connection fails, the server picks
 * no (or an unknown) subprotocol, or the timeout passes.
 */
export function connectWebSocket(options: WebSocketClientOptions): Promise<WebSocketTransport> {
  const serializers = options.serializers ?? DEFAULT_SERIALIZERS;
  const offered = options.subprotocols === undefined ? serializers.map((s) => s.subprotocol) : [...options.subprotocols];
  for (const p of offered) {
    if (resolveSubprotocol(p, serializers) === undefined) {
      return Promise.reject(
        new TypeError(
          `unknown WAMP subprotocol ${JSON.stringify(p)}: the serializers given are ${serializers.map((s) => s.name).join(', ')}` +
            ' (pass msgpackSerializer or cborSerializer of @wamp/core in `serializers` to offer those)',
        ),
      );
    }
    if (options.batching === undefined && p.endsWith('.batched')) {
      return Promise.reject(new TypeError(`${p} needs the .batched framing: pass \`batching: webSocketBatching\` (of @wamp/ws)`));
    }
  }
  if (offered.length === 0) return Promise.reject(new TypeError('offer at least one subprotocol'));
  const Ctor =
    options.WebSocket ?? (globalThis as { WebSocket?: unknown }).WebSocket as WebSocketConstructor | undefined;
  if (Ctor === undefined) {
    return Promise.reject(
      // Node never gets here: it resolves `@wamp/ws` to index.node, which passes the ws client.
      new WebSocketTransportError('no WebSocket implementation in this runtime: pass `WebSocket`'),
    );
  }
  const timeoutMs = options.connectTimeoutMs ?? 10_000;

  return new Promise((resolve, reject) => {
    let ws: WebSocketLike;
    try {
      ws = new Ctor(options.url, offered);
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    ws.binaryType = 'arraybuffer';
    let settled = false;
    const giveUp = (message: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.onopen = ws.onclose = ws.onerror = ws.onmessage = null;
      try {
        ws.close();
      } catch {
        // Closing a socket that never opened may throw in some implementations.
      }
      reject(new WebSocketTransportError(message));
    };
    const timer = setTimeout(() => giveUp(`WebSocket not open within ${timeoutMs} ms`), timeoutMs);
    ws.onerror = () => giveUp(`WebSocket connection to ${options.url} failed`);
    ws.onclose = (ev) => giveUp(`WebSocket closed before opening (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`);
    ws.onopen = () => {
      const picked = ws.protocol;
      const proto = offered.includes(picked) ? resolveSubprotocol(picked, serializers) : undefined;
      if (proto === undefined || ws.readyState !== OPEN) {
        // "The WAMP protocol MUST BE negotiated during the WebSocket opening handshake."
        giveUp(picked === '' ? 'the server selected no WAMP subprotocol' : `the server selected ${picked}, which was not offered`);
        return;
      }
      settled = true;
      clearTimeout(timer);
      ws.onopen = null;
      resolve(new WebSocketTransport(ws, proto, options.batching));
    };
  });
}

/**
 * A `TransportFactory` for `@wamp/client`: every call opens a new WebSocket
 * with the same options.
 */
export function webSocketTransport(options: WebSocketClientOptions): TransportFactory {
  return () => connectWebSocket(options);
}
