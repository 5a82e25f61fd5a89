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
 * A burst of frames to one connection in one turn of the event loop is
 * written in groups of at most this many: the socket is uncorked and corked
 * again after each group. One write for the whole turn costs the fewest
 * system calls, but then the peer cannot start on the first frame before the
 * last is produced, and with many calls in flight the two ends took turns
 * instead of working at the same time. Groups of 32 keep most of the saving
 * and let both ends run in parallel.
 */
const CORK_FRAMES = 32;

/**
 * Binary payloads up to this size are copied behind their frame header and
 * written as one buffer; larger ones are written as header and payload (one
 * `writev`), without the copy.
 */
const COPY_LIMIT = 16 * 1024;

/**
 * The WebSocket frame (header and payload) of the last payload sent, on any
 * connection. A publication hands the same EVENT (the same string or
 * `Uint8Array`) to every subscriber: it is framed once here, and every socket
 * writes the same `Buffer`. A string cannot change, so a small one's frame is
 * kept until the next payload comes (a lone answer then schedules nothing);
 * bytes can be changed by their owner, and a large string's frame is not worth
 * holding on to, so those are forgotten when the turn of the event loop ends.
 */
let lastPayload: Frame | undefined;
let lastOpcode = 0;
let lastFrame: Buffer | undefined;

/**
 * True while a message is handled that is not the last one of what was read
 * from its socket: more messages follow in this turn, so the answers are
 * corked until it ends (see {@link WebSocketConnection.write}).
 */
let inboundMore = false;

/**
 * Handle messages that arrived together from somewhere other than a client
 * socket (a cluster bus message carrying many envelopes, say) as if more
 * inbound messages waited behind each: every WebSocket connection that
 * `handle` writes to is corked until the turn of the event loop ends, so what
 * goes to one client leaves in a few writes instead of one system call per
 * frame. A lone message should not go through here: written at once, its
 * answer leaves sooner.
 */
export function coalesceWrites<T>(handle: () => T): T {
  const before = inboundMore;
  inboundMore = true;
  try {
    return handle();
  } finally {
    inboundMore = before;
  }
}

/** The connections that corked in this turn of the event loop (see {@link endTurn}). */
let touched: WebSocketConnection[] = [];
let spare: WebSocketConnection[] = [];
let turnEnding = false;

/**
 * The end of a turn, run once per turn from `process.nextTick`: uncork what
 * was corked and forget the cached frame. One tick per turn, however many
 * connections wrote.
 */
function endTurn(): void {
  turnEnding = false;
  if (typeof lastPayload !== 'string' || lastFrame!.length > KEEP_FRAME) {
    lastPayload = undefined;
    lastFrame = undefined;
  }
  const list = touched;
  if (list.length === 0) return;
  // A write from inside this loop belongs to the next turn's list.
  touched = spare;
  spare = list;
  for (let i = 0; i < list.length; i++) list[i]!.endTurn();
  // (Setting an array's length is a call into the runtime: only when there is something to forget.)
  list.length = 0;
}

/** The largest frame of a string payload kept past its turn (see {@link lastPayload}). */
const KEEP_FRAME = 16 * 1024;

/** WebSocket opcodes (RFC 6455 §5.2). */
const TEXT = 1;
const BINARY = 2;

/**
 * An unmasked (server-to-client) WebSocket frame, FIN set, header and
 * payload in one buffer: RFC 6455 §5.2. JSON is a text message (opcode 1)
 * also when handed over as UTF-8 octets; the other serializers binary (2).
 */
function frameOf(payload: string | Uint8Array, opcode: number): Buffer {
  if (payload === lastPayload && opcode === lastOpcode) return lastFrame!;
  const text = typeof payload === 'string';
  const size = text ? Buffer.byteLength(payload, 'utf8') : payload.length;
  const head = size < 126 ? 2 : size < 65536 ? 4 : 10;
  const buf = Buffer.allocUnsafe(head + size);
  writeHeader(buf, 0x80 | opcode, size, head);
  if (text) buf.write(payload, head, size, 'utf8');
  else buf.set(payload, head);
  lastPayload = payload;
  lastOpcode = opcode;
  lastFrame = buf;
  if (!text || buf.length > KEEP_FRAME) endTurnSoon();
  return buf;
}

function endTurnSoon(): void {
  if (turnEnding) return;
  turnEnding = true;
  process.nextTick(endTurn);
}

/** The frame header alone, for a large binary payload written after it. */
function headerOf(size: number, opcode: number): Buffer {
  const head = size < 126 ? 2 : size < 65536 ? 4 : 10;
  const buf = Buffer.allocUnsafe(head);
  writeHeader(buf, 0x80 | opcode, size, head);
  return buf;
}

function writeHeader(buf: Buffer, first: number, size: number, head: number): void {
  buf[0] = first;
  if (head === 2) {
    buf[1] = size;
  } else if (head === 4) {
    buf[1] = 126;
    buf.writeUInt16BE(size, 2);
  } else {
    buf[1] = 127;
    buf.writeUInt32BE(Math.floor(size / 0x100000000), 2);
    buf.writeUInt32BE(size >>> 0, 6);
  }
}

/** The size of the header of a frame made by {@link frameOf}. */
function headerSize(frame: Buffer): number {
  const len = frame[1]! & 0x7f;
  return len < 126 ? 2 : len === 126 ? 4 : 10;
}

/** `ws` readyState of an open connection. */
const WS_OPEN = 1;


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
  /** The socket under `ws`, written to directly (see {@link write}). */
  private readonly socket: Socket | undefined;
  /** ws's frame parser, whose `_bufferedBytes` tell whether more was read than this message (see {@link receive}). */
  private readonly receiver: { readonly _bufferedBytes?: number } | undefined;
  /** The WebSocket opcode of every message: text for JSON, binary for the others. */
  private readonly opcode: number;
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
    this.socket = (config.ws as unknown as { _socket?: Socket })._socket;
    this.receiver = (config.ws as unknown as { _receiver?: { _bufferedBytes?: number } })._receiver;
    this.opcode = this.serializer.binary ? BINARY : TEXT;

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
    if (this.batched) {
      const size = typeof frame === 'string' ? Buffer.byteLength(frame, 'utf8') : frame.length;
      if (!this.admit(size)) return;
      if (this.batch.length === 0) queueMicrotask(() => this.flushBatch());
      this.batch.push(frame);
      this.batchBytes += size;
      return;
    }
    // JSON text goes out as UTF-8 (a text message), framed once per payload (see frameOf).
    if (typeof frame === 'string' || frame.length <= COPY_LIMIT) {
      const framed = frameOf(frame, this.opcode);
      if (!this.admit(framed.length - headerSize(framed))) return;
      this.write(framed, undefined, 1);
    } else if (this.admit(frame.length)) {
      this.write(headerOf(frame.length, this.opcode), frame, 1);
    }
  }

  /**
   * The backpressure bound: true when a frame of `size` octets may be queued.
   * Otherwise the frame is dropped or the connection failed, per policy.
   */
  private admit(size: number): boolean {
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
        return false;
      }
    }
    this.counters.framesSent++;
    this.counters.bytesSent += size;
    return true;
  }

  /** Whether the socket is corked until the end of this turn (see {@link write}). */
  private corked = false;
  /** Frames written since the socket was last corked. */
  private corkedFrames = 0;

  /**
   * Write one WebSocket frame (`head`, and `tail` when the payload is not
   * copied behind it) carrying `frames` WAMP messages, straight to the
   * socket: ws's own sender would build the same frame with more work per
   * message. Close and ping frames still go through ws, on the same socket,
   * in order.
   *
   * The answer to a lone message is written at once: on loopback one system
   * call per frame is the floor, and holding it to the end of the turn only
   * delays it. While more messages read in the same chunk wait to be handled
   * (a burst of calls, several publications), the socket is corked, so that
   * their answers leave in a few writevs; it is uncorked when the turn ends,
   * and every CORK_FRAMES frames before that.
   */
  private write(head: Buffer, tail: Uint8Array | undefined, frames: number): void {
    const socket = this.socket;
    // Once ws has sent (or received) a close frame, or the socket is gone,
    // nothing more may be written: ws itself would drop the frame too.
    if (this.ws.readyState !== WS_OPEN || socket === undefined || !socket.writable) return;
    if (!this.corked && inboundMore) {
      this.corked = true;
      this.corkedFrames = 0;
      socket.cork();
      touched.push(this);
      endTurnSoon();
    }
    this.pendingFrames += frames;
    const done = frames === 1 ? this.sentOne : () => (this.pendingFrames -= frames);
    if (tail === undefined) {
      socket.write(head, done);
    } else {
      // Header and payload in one writev.
      if (!this.corked) socket.cork();
      socket.write(head);
      socket.write(tail, done);
      if (!this.corked) socket.uncork();
    }
    if (this.corked && ++this.corkedFrames >= CORK_FRAMES) {
      this.corkedFrames = 0;
      socket.uncork();
      socket.cork();
    }
  }

  /** @internal The turn of the event loop ended (see {@link endTurn}). */
  endTurn(): void {
    if (this.corked) {
      this.corked = false;
      this.socket?.uncork();
    }
  }

  private readonly sentOne = (): void => {
    this.pendingFrames--;
  };

  private flushBatch(): void {
    const frames = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (this.state.tag !== 'open' || frames.length === 0) return;
    const text = !this.serializer.binary;
    const batch = encodeBatch(this.serializer, text ? frames.map(asText) : frames);
    if (typeof batch === 'string' || batch.length <= COPY_LIMIT) this.write(frameOf(batch, this.opcode), undefined, frames.length);
    else this.write(headerOf(batch.length, this.opcode), batch, frames.length);
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
    // More of what was read from the socket waits behind this message (see write()).
    const more = (this.receiver?._bufferedBytes ?? 0) > 0;
    if (!this.batched) {
      this.counters.framesReceived++;
      this.counters.bytesReceived += buf.length;
      inboundMore = more;
      try {
        this.onFrame?.(frame);
      } finally {
        inboundMore = false;
      }
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
    for (let i = 0; i < frames.length; i++) {
      if (this.state.tag !== 'open') return;
      const f = frames[i]!;
      this.counters.framesReceived++;
      this.counters.bytesReceived += f.length;
      inboundMore = more || i < frames.length - 1;
      try {
        this.onFrame?.(f);
      } finally {
        inboundMore = false;
      }
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
