import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Frame, Serializer, TlsClientInfo } from '@wamp/core';
import {
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MAX_QUEUED_FRAMES,
  type BackpressureOptions,
  type ConnectionStats,
  type DropInfo,
  type Transport,
  type TransportCloseInfo,
  tlsChannelBinding,
  tlsClientInfo,
} from '@wamp/client';
import { RawSocketError, type RawSocketEvent, type RawSocketProtocol } from './framing.js';

/** Options of periodic RawSocket PINGs that detect a dead peer. */
export interface KeepaliveOptions {
  /** Send a PING this often (ms). */
  readonly intervalMs: number;
  /** Fail the connection when its PONG has not come back within this time (ms). Default: `intervalMs`. */
  readonly timeoutMs?: number;
}

/** Who is on the other end. */
export interface RawSocketPeer {
  readonly transport: 'rawsocket';
  /** IP address and port; undefined over a Unix socket. */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  /** True over TLS. */
  readonly tls: boolean;
  /** The Unix socket path, when connected over one. */
  readonly unixPath: string | undefined;
  /** The serializer the handshake agreed on. */
  readonly serializer: Serializer['name'];
  /** Over TLS: the client's certificate and whether it verified (see the server's `tls.requestCert`). */
  readonly tlsClient?: TlsClientInfo;
}

/**
 * A bound on the octets held for incomplete messages, shared by every
 * connection of a server: a connection whose partial frame would push the
 * total past `maxBytes` is failed.
 */
export interface InboundBudget {
  readonly maxBytes: number;
  /** Octets held now, across the connections sharing the budget. */
  usedBytes: number;
}

export interface ConnectionConfig {
  readonly socket: Socket;
  readonly protocol: RawSocketProtocol;
  readonly serializer: Serializer;
  readonly peer: RawSocketPeer;
  /**
   * `'throw'` (client): sending a message over the peer's maximum throws a
   * {@link RawSocketError}. `'drop'` (server): it is dropped, counted and
   * reported to `onDrop` — a router forwarding one oversized EVENT must not fail.
   */
  readonly oversize: 'throw' | 'drop';
  readonly backpressure?: BackpressureOptions | undefined;
  readonly keepalive?: KeepaliveOptions | undefined;
  /** How long a graceful close() waits for the peer before destroying the socket (ms). */
  readonly closeTimeoutMs: number;
  /** A frame that has begun arriving must be complete within this time (ms), or the connection fails. Default: none. */
  readonly readTimeoutMs?: number | undefined;
  /** Shared bound on incomplete messages (see {@link InboundBudget}). */
  readonly inboundBudget?: InboundBudget | undefined;
}

/**
 * Connection lifecycle: `open` (frames flow), `closing` (close() was called
 * and the socket is ending; nothing more is delivered), `closed` (onClose has
 * been called, the one and only time).
 */
type ConnState =
  | { readonly tag: 'open' }
  | { readonly tag: 'closing'; readonly info: TransportCloseInfo }
  | { readonly tag: 'closed' };

const encoder = new TextEncoder();

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
 * A RawSocket connection after its handshake: the `Transport` of
 * `@wamp/client` (client side) and the connection object a router receives
 * (server side). Frames handed to `onFrame` are the serialized octets
 * (`Uint8Array`, also for JSON).
 */
export class RawSocketConnection implements Transport {
  readonly serializer: Serializer;
  readonly peer: RawSocketPeer;
  onFrame: ((frame: Frame) => void) | undefined = undefined;
  onClose: ((info: TransportCloseInfo) => void) | undefined = undefined;

  private state: ConnState = { tag: 'open' };
  private readonly socket: Socket;
  private readonly protocol: RawSocketProtocol;
  private readonly oversize: 'throw' | 'drop';
  private readonly bp: Required<Omit<BackpressureOptions, 'onDrop'>> & Pick<BackpressureOptions, 'onDrop'> | undefined;
  private readonly closeTimeoutMs: number;
  private pendingWrites = 0;
  private failure: TransportCloseInfo | undefined;
  private peerEnded = false;
  private keepaliveTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private pingSeq = 0;
  private awaitedPong: Uint8Array | undefined;
  private readonly readTimeoutMs: number | undefined;
  private readonly budget: InboundBudget | undefined;
  /** Octets of `budget` this connection holds. */
  private budgeted = 0;
  private readTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly counters = {
    framesSent: 0,
    bytesSent: 0,
    framesReceived: 0,
    bytesReceived: 0,
    framesDropped: 0,
    bytesDropped: 0,
  };

  /** @internal Built by the client factory and the server; not for applications. */
  constructor(config: ConnectionConfig) {
    this.socket = config.socket;
    this.protocol = config.protocol;
    this.serializer = config.serializer;
    this.peer = config.peer;
    this.oversize = config.oversize;
    this.closeTimeoutMs = config.closeTimeoutMs;
    this.readTimeoutMs = config.readTimeoutMs;
    this.budget = config.inboundBudget;
    const b = config.backpressure;
    this.bp =
      b === undefined
        ? undefined
        : {
            maxQueuedBytes: b.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
            maxQueuedFrames: b.maxQueuedFrames ?? DEFAULT_MAX_QUEUED_FRAMES,
            policy: b.policy ?? 'disconnect',
            onDrop: b.onDrop,
          };

    const s = this.socket;
    s.on('data', (chunk: Buffer) => {
      this.handleEvents(this.protocol.receiveData(plainBytes(chunk)));
      this.watchIncomplete();
    });
    s.on('end', () => {
      this.peerEnded = true;
    });
    s.on('error', (err: Error) => {
      this.failure ??= { wasClean: false, reason: err.message };
    });
    s.on('close', () => this.finish());
    if (config.keepalive !== undefined) this.startKeepalive(config.keepalive);
  }

  /** Largest message the peer accepts (its handshake's maximum length). */
  /** TLS channel binding data of this connection (`tls-exporter`), or undefined when it is not on TLS. */
  channelBinding(type: string): Uint8Array | undefined {
    return tlsChannelBinding(this.socket, type);
  }

  get maxOutgoingMessageSize(): number {
    return this.protocol.sendLimit ?? 0;
  }

  /** Largest message this side accepts. */
  get maxIncomingMessageSize(): number {
    return this.protocol.receiveLimit ?? 0;
  }

  /** Octets written but not yet taken by the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /** Frames written but not yet taken by the kernel. */
  get bufferedFrames(): number {
    return this.pendingWrites;
  }

  get stats(): ConnectionStats {
    return { ...this.counters };
  }

  /** True until close() is called or the connection is lost. */
  get isOpen(): boolean {
    return this.state.tag === 'open';
  }

  /**
   * Send one WAMP message. A no-op once closing. Over the peer's maximum it
   * throws (client) or is dropped (server); past the backpressure bound it is
   * dropped or the connection is destroyed, per policy.
   */
  send(frame: Frame): void {
    if (this.state.tag !== 'open') return;
    const payload = typeof frame === 'string' ? encoder.encode(frame) : frame;
    const limit = this.maxOutgoingMessageSize;
    if (payload.length > limit) {
      if (this.oversize === 'throw') {
        throw new RawSocketError(
          'message-too-large',
          `a message of ${payload.length} octets exceeds the router's maximum of ${limit}`,
        );
      }
      this.drop('oversize', payload.length + 4);
      return;
    }
    const frameBytes = payload.length + 4;
    if (this.bp !== undefined && this.pendingWrites > 0) {
      const queuedBytes = this.socket.writableLength;
      if (queuedBytes + frameBytes > this.bp.maxQueuedBytes || this.pendingWrites + 1 > this.bp.maxQueuedFrames) {
        if (this.bp.policy === 'drop') {
          this.drop('backpressure', frameBytes);
        } else {
          this.fail(
            `outbound queue bound exceeded (${queuedBytes} octets, ${this.pendingWrites} frames queued): the peer is not reading`,
          );
        }
        return;
      }
    }
    this.protocol.sendMessage(payload);
    this.counters.framesSent++;
    this.counters.bytesSent += frameBytes;
    this.flush();
  }

  /** Send a RawSocket PING (e.g. to measure a round trip); the PONG arrives as `onPong`. */
  ping(payload: Uint8Array = new Uint8Array(0)): void {
    if (this.state.tag !== 'open') return;
    this.protocol.sendPing(payload);
    this.flush();
  }

  /** Called with each PONG's payload. */
  onPong: ((payload: Uint8Array) => void) | undefined = undefined;

  private readonly keepalives = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  /**
   * One PING/PONG round trip (the `Transport.keepalive` a `Client` heartbeat
   * uses): resolves when the PONG echoing this PING arrives, rejects when the
   * connection closes first. The caller owns the timeout.
   */
  keepalive(): Promise<void> {
    if (this.state.tag !== 'open') return Promise.reject(new Error('connection closed'));
    const seq = ++this.pingSeq >>> 0;
    const payload = new Uint8Array(5);
    // A leading 0xFF keeps these apart from the 4-byte PINGs of startKeepalive.
    payload[0] = 0xff;
    new DataView(payload.buffer).setUint32(1, seq);
    return new Promise<void>((resolve, reject) => {
      this.keepalives.set(seq, { resolve, reject });
      this.ping(payload);
    });
  }

  /**
   * Close gracefully: pending frames are written, then the stream is ended.
   * RawSocket has no close code; `code` and `reason` are only reported back in
   * `onClose`. A peer that does not finish the close within the close timeout
   * is cut off.
   */
  close(code?: number, reason?: string): void {
    if (this.state.tag !== 'open') return;
    this.state = { tag: 'closing', info: { wasClean: true, code, reason } };
    this.stopKeepalive();
    this.socket.end();
    this.closeTimer = setTimeout(() => this.socket.destroy(), this.closeTimeoutMs);
    this.closeTimer.unref();
  }

  /** Cut the connection at once, without waiting for queued frames. */
  terminate(reason = 'terminated'): void {
    this.fail(reason);
  }

  /** @internal Deliver events that arrived with the handshake (and any later ones). */
  handleEvents(events: readonly RawSocketEvent[]): void {
    for (const ev of events) {
      if (this.state.tag !== 'open') return;
      switch (ev.type) {
        case 'message':
          this.counters.framesReceived++;
          this.counters.bytesReceived += ev.payload.length + 4;
          this.onFrame?.(ev.payload);
          break;
        case 'ping':
          // The PONG is already queued by the protocol.
          this.flush();
          break;
        case 'pong':
          this.onPongReceived(ev.payload);
          break;
        case 'error':
          this.flush();
          this.fail(ev.error.message);
          break;
        case 'open':
          break;
      }
    }
  }

  /**
   * After each read: keep the shared budget of incomplete messages up to
   * date, and run the read timeout while a frame is incomplete.
   */
  private watchIncomplete(): void {
    if (this.state.tag !== 'open') return;
    const p = this.protocol;
    const budget = this.budget;
    if (budget !== undefined) {
      const held = p.bufferedBytes;
      if (held !== this.budgeted) {
        budget.usedBytes += held - this.budgeted;
        const grew = held > this.budgeted;
        this.budgeted = held;
        if (grew && budget.usedBytes > budget.maxBytes) {
          this.fail(`incomplete messages across all connections exceed ${budget.maxBytes} octets`);
          return;
        }
      }
    }
    const timeout = this.readTimeoutMs;
    if (timeout === undefined) return;
    if (p.inFrame) {
      if (this.readTimer === undefined) {
        this.readTimer = setTimeout(() => this.fail(`a message was not completed within the read timeout of ${timeout} ms`), timeout);
        this.readTimer.unref();
      }
    } else if (this.readTimer !== undefined) {
      clearTimeout(this.readTimer);
      this.readTimer = undefined;
    }
  }

  /** Whether the socket is corked until the end of this turn (see {@link flush}). */
  private corked = false;
  /** Chunks written since the socket was last corked. */
  private corkedChunks = 0;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };
  private readonly written = (): void => {
    this.pendingWrites--;
  };

  private flush(): void {
    // Frames written in one turn of the event loop leave in few writevs (one
    // system call per CORK_FRAMES rather than one per WAMP message); uncorked
    // when the turn ends.
    if (!this.corked && this.socket.writable) {
      this.corked = true;
      this.corkedChunks = 0;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    for (const chunk of this.protocol.dataToSend()) {
      this.pendingWrites++;
      this.socket.write(chunk, this.written);
      if (this.corked && ++this.corkedChunks >= CORK_FRAMES) {
        // A long burst leaves in parts, so that the peer starts on the first
        // while the rest is produced (see CORK_FRAMES).
        this.corkedChunks = 0;
        this.socket.uncork();
        this.socket.cork();
      }
    }
  }

  private drop(reason: DropInfo['reason'], frameBytes: number): void {
    this.counters.framesDropped++;
    this.counters.bytesDropped += frameBytes;
    this.bp?.onDrop?.({
      reason,
      frameBytes,
      droppedFrames: this.counters.framesDropped,
      droppedBytes: this.counters.bytesDropped,
      queuedBytes: this.socket.writableLength,
      queuedFrames: this.pendingWrites,
    });
  }

  /** Lost or refused connection: destroy the socket now; onClose reports `wasClean: false`. */
  private fail(reason: string): void {
    if (this.state.tag === 'closed') return;
    this.failure ??= { wasClean: false, reason };
    if (this.state.tag === 'open') this.state = { tag: 'closing', info: this.failure };
    this.stopKeepalive();
    // Not end(): a peer that stopped reading would never let the queue drain.
    this.socket.destroy();
  }

  private finish(): void {
    if (this.state.tag === 'closed') return;
    const prior = this.state;
    this.state = { tag: 'closed' };
    this.stopKeepalive();
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    let info: TransportCloseInfo;
    if (prior.tag === 'closing' && prior.info.wasClean) info = prior.info;
    else if (this.failure !== undefined) info = this.failure;
    else if (this.peerEnded) info = { wasClean: true, reason: 'closed by the peer' };
    else info = { wasClean: false, reason: 'connection lost' };
    const cb = this.onClose;
    this.onFrame = undefined;
    this.onClose = undefined;
    this.onPong = undefined;
    for (const k of this.keepalives.values()) k.reject(new Error('connection closed'));
    this.keepalives.clear();
    cb?.(info);
  }

  private startKeepalive(k: KeepaliveOptions): void {
    const timeout = k.timeoutMs ?? k.intervalMs;
    this.keepaliveTimer = setInterval(() => {
      if (this.state.tag !== 'open' || this.awaitedPong !== undefined) return;
      const payload = new Uint8Array(4);
      new DataView(payload.buffer).setUint32(0, ++this.pingSeq >>> 0);
      this.awaitedPong = payload;
      this.ping(payload);
      this.pongTimer = setTimeout(() => this.fail(`no PONG within ${timeout} ms`), timeout);
      this.pongTimer.unref();
    }, k.intervalMs);
    this.keepaliveTimer.unref();
  }

  private stopKeepalive(): void {
    if (this.readTimer !== undefined) clearTimeout(this.readTimer);
    this.readTimer = undefined;
    if (this.budget !== undefined) this.budget.usedBytes -= this.budgeted;
    this.budgeted = 0;
    if (this.keepaliveTimer !== undefined) clearInterval(this.keepaliveTimer);
    if (this.pongTimer !== undefined) clearTimeout(this.pongTimer);
    this.keepaliveTimer = undefined;
    this.pongTimer = undefined;
  }

  private onPongReceived(payload: Uint8Array): void {
    if (payload.length === 5 && payload[0] === 0xff) {
      const seq = new DataView(payload.buffer, payload.byteOffset, 5).getUint32(1);
      const k = this.keepalives.get(seq);
      if (k !== undefined) {
        this.keepalives.delete(seq);
        k.resolve();
      }
    }
    const awaited = this.awaitedPong;
    if (awaited !== undefined && sameBytes(awaited, payload)) {
      this.awaitedPong = undefined;
      if (this.pongTimer !== undefined) clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
    }
    this.onPong?.(payload);
  }
}

/**
 * A plain Uint8Array view of a Buffer (no copy), so that frames handed out are
 * the same type on every transport and runtime.
 */
export function plainBytes(chunk: Buffer): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Peer description of a connected socket. */
export function describePeer(socket: Socket, serializer: Serializer, unixPath: string | undefined): RawSocketPeer {
  const tlsClient = tlsClientInfo(socket);
  return {
    transport: 'rawsocket',
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    localAddress: socket.localAddress,
    localPort: socket.localPort,
    tls: (socket as Partial<TLSSocket>).encrypted === true,
    unixPath,
    serializer: serializer.name,
    ...(tlsClient === undefined ? {} : { tlsClient }),
  };
}
