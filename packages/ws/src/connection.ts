import type { Socket } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { decodeBatch, encodeBatch, type Frame, type Serializer, type TlsClientInfo } from '@wamp/core';
import {
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MAX_QUEUED_FRAMES,
  type BackpressureOptions,
  type BackpressurePolicy,
  type ConnectionStats,
  type DropInfo,
  type Transport,
  type TransportCloseInfo,
  tlsChannelBinding,
} from '@wamp/client';
import type { WebSocket } from 'ws';
import { closeReason } from './client.js';
import type { Subprotocol } from './subprotocols.js';


/**
 * The frames of one turn of the event loop are written in groups of at most
 * this many: the socket is uncorked and corked again after each group. One
 * write for the whole turn costs the fewest system calls, but then the peer
 * cannot start on the first frame before the last is produced, and with many
 * calls in flight the two ends took turns instead of working at the same time.
 * Groups of 32 keep most of the saving and let both ends run in parallel.
 */
const CORK_FRAMES = 32;

/**
 * The UTF-8 octets of the last text frame sent, on any connection, until the
 * turn of the event loop ends. A publication hands the same EVENT text to
 * every subscriber: it is encoded once here, and each socket write takes the
 * same bytes instead of encoding the text again.
 */
let lastText: string | undefined;
let lastOctets: Buffer | undefined;
const forgetOctets = (): void => {
  lastText = undefined;
  lastOctets = undefined;
};

function octetsOf(text: string): Buffer {
  if (text === lastText) return lastOctets!;
  if (lastText === undefined) process.nextTick(forgetOctets);
  lastText = text;
  lastOctets = Buffer.from(text, 'utf8');
  return lastOctets;
}

/** `ws` send options, shared by every connection. */
const TEXT_MESSAGE = Object.freeze({ binary: false });
const BINARY_MESSAGE = Object.freeze({ binary: true });

/** WebSocket ping/pong heartbeat. */
export interface HeartbeatOptions {
  /** Send a WebSocket ping this often (ms). */
  readonly intervalMs: number;
  /** Terminate the connection when its pong has not come back within this time (ms). Default: `intervalMs`. */
  readonly timeoutMs?: number;
}


/** Who is on the other end. */
export interface WebSocketPeer {
  readonly transport: 'websocket';
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  /** True over TLS (an https server). */
  readonly tls: boolean;
  /** The request target of the upgrade, path and query (e.g. `/ws?x=1`). */
  readonly url: string;
  /** Headers of the upgrade request (cookies, `x-forwarded-for`, origin...). */
  readonly headers: IncomingHttpHeaders;
  /** The upgrade request's `Cookie` header, parsed (`parseCookies` of @wamp/core). */
  readonly cookies: Readonly<Record<string, string>>;
  /** The name of the cookie the server set on the upgrade's response (`issueCookie`), when it set one. */
  readonly issuedCookie?: string;
  /** Over TLS: the client's certificate and whether it verified (see the server's `requestCert`). */
  readonly tlsClient?: TlsClientInfo;
  /** The negotiated subprotocol. */
  readonly subprotocol: string;
  readonly serializer: Serializer['name'];
  readonly batched: boolean;
}

/** @internal */
export interface ConnectionConfig {
  readonly ws: WebSocket;
  readonly proto: Subprotocol;
  readonly peer: WebSocketPeer;
  readonly backpressure: BackpressureOptions;
  readonly heartbeat: HeartbeatOptions | undefined;
}

type ConnState =
  | { readonly tag: 'open' }
  | { readonly tag: 'closing'; readonly info: TransportCloseInfo }
  | { readonly tag: 'closed' };

/**
 * A WAMP WebSocket connection, server side: the transport a router drives.
 * JSON frames go out as text and come in as strings; the binary serializers
 * use binary messages and `Uint8Array`. With a `.batched` subprotocol, frames
 * sent in one turn of the event loop leave as one WebSocket message and
 * incoming batches are split, so the router sees single WAMP messages.
 */
export class WebSocketConnection implements Transport {
  readonly serializer: Serializer;
  readonly subprotocol: string;
  readonly batched: boolean;
  readonly peer: WebSocketPeer;
  onFrame: ((frame: Frame) => void) | undefined = undefined;
  onClose: ((info: TransportCloseInfo) => void) | undefined = undefined;

  private readonly ws: WebSocket;
  private state: ConnState = { tag: 'open' };
  private failure: TransportCloseInfo | undefined;
  private readonly maxQueuedBytes: number;
  private readonly maxQueuedFrames: number;
  private readonly policy: BackpressurePolicy;
  private readonly onDrop: ((info: DropInfo) => void) | undefined;
  /** WAMP messages handed to ws whose write has not completed. */
  private pendingFrames = 0;
  private batch: Frame[] = [];
  private batchBytes = 0;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly counters = {
    framesSent: 0,
    bytesSent: 0,
    framesReceived: 0,
    bytesReceived: 0,
    framesDropped: 0,
    bytesDropped: 0,
  };

  /** @internal Built by the server. */
  constructor(config: ConnectionConfig) {
    this.ws = config.ws;
    this.serializer = config.proto.serializer;
    this.subprotocol = config.proto.name;
    this.batched = config.proto.batched;
    this.peer = config.peer;
    const bp = config.backpressure;
    this.maxQueuedBytes = bp.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.maxQueuedFrames = bp.maxQueuedFrames ?? DEFAULT_MAX_QUEUED_FRAMES;
    this.policy = bp.policy ?? 'disconnect';
    this.onDrop = bp.onDrop;
    this.sendOptions = this.serializer.binary ? BINARY_MESSAGE : TEXT_MESSAGE;

    const ws = this.ws;
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => this.receive(data, isBinary));
    ws.on('error', (err: Error) => {
      // ws fails the connection itself (e.g. 1009 for a message over maxPayload).
      this.failure ??= { wasClean: false, reason: err.message };
    });
    ws.on('close', (code: number, reason: Buffer) => this.finish(code, reason.toString()));
    if (config.heartbeat !== undefined) this.startHeartbeat(config.heartbeat);
  }

  /** Octets queued (batch being gathered, ws and socket buffers) but not yet taken by the kernel. */
  /** TLS channel binding data of this connection (`tls-exporter`), or undefined when it is not on TLS. */
  channelBinding(type: string): Uint8Array | undefined {
    return tlsChannelBinding((this.ws as unknown as { _socket?: unknown })._socket, type);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount + this.batchBytes;
  }

  /** WAMP messages queued but not yet written. */
  get bufferedFrames(): number {
    return this.pendingFrames + this.batch.length;
  }

  get stats(): ConnectionStats {
    return { ...this.counters };
  }

  /** True until close() is called or the connection is lost. */
  get isOpen(): boolean {
    return this.state.tag === 'open';
  }

  /**
   * Send one WAMP message. A no-op once closing. Past the backpressure bound
   * the frame is dropped or the connection terminated, per policy.
   */
  send(frame: Frame): void {
    if (this.state.tag !== 'open') return;
    if (this.serializer.binary && typeof frame === 'string') {
      throw new TypeError(`${this.serializer.name} frames must be bytes, not text`);
    }
    // JSON text goes out as its UTF-8 octets (see octetsOf); a batch is built from the texts.
    const data = typeof frame === 'string' && !this.batched ? octetsOf(frame) : frame;
    const size = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
    const queuedFrames = this.bufferedFrames;
    if (queuedFrames > 0) {
      const queuedBytes = this.bufferedAmount;
      if (queuedBytes + size > this.maxQueuedBytes || queuedFrames + 1 > this.maxQueuedFrames) {
        if (this.policy === 'drop') {
          this.counters.framesDropped++;
          this.counters.bytesDropped += size;
          this.onDrop?.({
            reason: 'backpressure',
            frameBytes: size,
            droppedFrames: this.counters.framesDropped,
            droppedBytes: this.counters.bytesDropped,
            queuedBytes,
            queuedFrames,
          });
        } else {
          this.fail(
            1008,
            `outbound queue bound exceeded (${queuedBytes} octets, ${queuedFrames} frames queued): the peer is not reading`,
          );
        }
        return;
      }
    }
    this.counters.framesSent++;
    this.counters.bytesSent += size;
    if (this.batched) {
      if (this.batch.length === 0) queueMicrotask(() => this.flushBatch());
      this.batch.push(frame);
      this.batchBytes += size;
      return;
    }
    this.write(data, 1);
  }

  /** Whether the socket is corked until the end of this turn (see {@link write}). */
  private corked = false;
  /** Frames written since the socket was last corked. */
  private corkedFrames = 0;
  private readonly uncork = (): void => {
    this.corked = false;
    (this.ws as unknown as { _socket?: Socket })._socket?.uncork();
  };

  private write(data: Frame, frames: number): void {
    // The frames sent in one turn of the event loop (the answers to a burst
    // of messages, the EVENTs of a publication) leave in a few writevs, not
    // one system call per WAMP message, which on loopback is most of a
    // router's cost. The socket is uncorked when the turn ends, and every
    // CORK_FRAMES frames before that.
    const socket = (this.ws as unknown as { _socket?: Socket })._socket;
    if (!this.corked && socket !== undefined && socket.writable) {
      this.corked = true;
      this.corkedFrames = 0;
      socket.cork();
      process.nextTick(this.uncork);
    }
    this.pendingFrames += frames;
    this.ws.send(data, this.sendOptions, frames === 1 ? this.sentOne : () => (this.pendingFrames -= frames));
    if (this.corked && ++this.corkedFrames >= CORK_FRAMES && socket !== undefined) {
      this.corkedFrames = 0;
      socket.uncork();
      socket.cork();
    }
  }

  /** JSON is always a text message, even when handed over as UTF-8 octets. */
  private readonly sendOptions: { readonly binary: boolean };
  private readonly sentOne = (): void => {
    this.pendingFrames--;
  };

  private flushBatch(): void {
    const frames = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (this.state.tag !== 'open' || frames.length === 0) return;
    const text = !this.serializer.binary;
    this.write(encodeBatch(this.serializer, text ? frames.map(asText) : frames), frames.length);
  }

  /** Close with a WebSocket close handshake (ws cuts the socket if the peer does not answer in time). */
  close(code = 1000, reason?: string): void {
    if (this.state.tag !== 'open') return;
    this.flushBatch();
    const c = validCloseCode(code);
    const r = closeReason(reason);
    this.state = { tag: 'closing', info: { wasClean: true, code: c, reason: r } };
    this.stopHeartbeat();
    this.ws.close(c, r);
  }

  /** Cut the connection at once, without a close handshake or waiting for queued frames. */
  terminate(reason = 'terminated'): void {
    this.fail(1006, reason);
  }

  /**
   * A dead peer, or one that stopped reading: a close frame could wait behind
   * the stuck queue forever, so cut the socket now and report `code`.
   */
  private fail(code: number, reason: string): void {
    if (this.state.tag === 'closed') return;
    this.failure ??= { wasClean: false, code, reason };
    this.state = { tag: 'closing', info: this.failure };
    this.stopHeartbeat();
    this.ws.terminate();
  }

  private receive(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.state.tag !== 'open') return;
    // RFC: with wamp.2.json all messages MUST be text; with msgpack/cbor, binary.
    if (isBinary !== this.serializer.binary) {
      this.protocolError(1003, `${isBinary ? 'binary' : 'text'} message on ${this.subprotocol}`);
      return;
    }
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const frame: Frame = isBinary ? new Uint8Array(buf.buffer, buf.byteOffset, buf.length) : buf.toString('utf8');
    if (!this.batched) {
      this.counters.framesReceived++;
      this.counters.bytesReceived += buf.length;
      this.onFrame?.(frame);
      return;
    }
    let frames: Frame[];
    try {
      frames = decodeBatch(this.serializer, frame);
    } catch (e) {
      // "Sending a batch of length 0 ... is illegal and a Peer MUST fail the transport."
      this.protocolError(1002, e instanceof Error ? e.message : String(e));
      return;
    }
    for (const f of frames) {
      if (this.state.tag !== 'open') return;
      this.counters.framesReceived++;
      this.counters.bytesReceived += f.length;
      this.onFrame?.(f);
    }
  }

  /** The peer broke the WebSocket binding: close with `code` and the reason (the peer is still reading). */
  private protocolError(code: number, reason: string): void {
    if (this.state.tag !== 'open') return;
    this.failure = { wasClean: false, code, reason };
    this.state = { tag: 'closing', info: this.failure };
    this.stopHeartbeat();
    this.ws.close(code, closeReason(reason));
  }

  private finish(code: number, reason: string): void {
    if (this.state.tag === 'closed') return;
    const prior = this.state;
    this.state = { tag: 'closed' };
    this.stopHeartbeat();
    this.batch = [];
    this.batchBytes = 0;
    const info: TransportCloseInfo =
      (prior.tag === 'closing' ? prior.info : undefined) ??
      this.failure ??
      // Closed by the peer; 1006 means the connection went away without a close frame.
      { wasClean: code !== 1006, code, reason };
    const cb = this.onClose;
    this.onFrame = undefined;
    this.onClose = undefined;
    cb?.(info);
  }

  private startHeartbeat(h: HeartbeatOptions): void {
    const timeout = h.timeoutMs ?? h.intervalMs;
    let awaiting = false;
    this.ws.on('pong', () => {
      awaiting = false;
      if (this.pongTimer !== undefined) clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
    });
    this.heartbeatTimer = setInterval(() => {
      if (this.state.tag !== 'open' || awaiting) return;
      awaiting = true;
      this.ws.ping();
      this.pongTimer = setTimeout(() => this.fail(1006, `no pong within ${timeout} ms`), timeout);
      this.pongTimer.unref();
    }, h.intervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    if (this.pongTimer !== undefined) clearTimeout(this.pongTimer);
    this.heartbeatTimer = undefined;
    this.pongTimer = undefined;
  }
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

function asText(f: Frame): string {
  return typeof f === 'string' ? f : textDecoder.decode(f);
}

/** ws throws on codes a close frame may not carry (RFC 6455 §7.4); use 1000 for those. */
function validCloseCode(code: number): number {
  const ok = (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
  return ok ? code : 1000;
}
