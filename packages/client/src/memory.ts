import { jsonSerializer, type Frame, type Serializer } from '@wamp/core';
import type { Transport, TransportCloseInfo } from './transport.js';

/** Options of {@link memoryTransportPair}. */
export interface MemoryTransportOptions {
  /**
   * What `channelBinding()` returns on both ends, for testing channel-bound
   * authentication without TLS.
   */
  readonly channelBinding?: Readonly<Record<string, Uint8Array>>;
}

/**
 * One end of an in-memory connection made by {@link memoryTransportPair}.
 * Frames, pings and the close are delivered asynchronously (one microtask
 * later) and in order, like a real connection and never re-entrantly.
 */
export class MemoryTransport implements Transport {
  readonly serializer: Serializer;
  onFrame: ((frame: Frame) => void) | undefined;
  onClose: ((info: TransportCloseInfo) => void) | undefined;
  /**
   * While true, what this end sends is lost and it does not answer pings: a
   * network partition, for heartbeat and timeout tests.
   */
  blackhole = false;
  private peer: MemoryTransport | undefined;
  private closed = false;
  private closeDelivered = false;
  private readonly bindings: Readonly<Record<string, Uint8Array>>;
  private readonly pings = new Set<{ resolve: () => void; reject: (e: Error) => void }>();

  /** Use {@link memoryTransportPair}. */
  constructor(serializer: Serializer, options: MemoryTransportOptions = {}) {
    this.serializer = serializer;
    this.bindings = options.channelBinding ?? {};
  }

  /** Connect two ends; called once by {@link memoryTransportPair}. */
  static connect(a: MemoryTransport, b: MemoryTransport): void {
    a.peer = b;
    b.peer = a;
  }

  /** True once `close()` was called on either end. */
  get isClosed(): boolean {
    return this.closed;
  }

  send(frame: Frame): void {
    const peer = this.peer;
    if (this.closed || peer === undefined || this.blackhole) return;
    // The receiver gets its own copy, as it would from a socket.
    const copy = typeof frame === 'string' ? frame : frame.slice();
    queueMicrotask(() => {
      if (!peer.closeDelivered) peer.onFrame?.(copy);
    });
  }

  close(code = 1000, reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    const info: TransportCloseInfo = { wasClean: true, code, reason };
    const peer = this.peer;
    if (peer !== undefined) peer.closed = true;
    // After the frames already in flight, both ends learn of the close, once.
    queueMicrotask(() => {
      this.deliverClose(info);
      peer?.deliverClose(info);
    });
  }

  /**
   * Simulate a lost connection: both ends close with `wasClean: false`, and
   * frames in flight are lost.
   */
  drop(): void {
    if (this.closed) return;
    this.closed = true;
    const peer = this.peer;
    if (peer !== undefined) peer.closed = true;
    const info: TransportCloseInfo = { wasClean: false, code: 1006 };
    this.deliverClose(info);
    queueMicrotask(() => peer?.deliverClose(info));
  }

  keepalive(): Promise<void> {
    const peer = this.peer;
    if (this.closed || peer === undefined) return Promise.reject(new Error('transport closed'));
    return new Promise((resolve, reject) => {
      const pending = { resolve, reject };
      this.pings.add(pending);
      // Across a partition the pong never comes; the ping fails when the transport closes.
      if (this.blackhole || peer.blackhole) return;
      queueMicrotask(() => {
        if (this.pings.delete(pending)) resolve();
      });
    });
  }

  channelBinding(type: string): Uint8Array | undefined {
    return this.bindings[type];
  }

  private deliverClose(info: TransportCloseInfo): void {
    if (this.closeDelivered) return;
    this.closeDelivered = true;
    for (const p of this.pings) p.reject(new Error('transport closed'));
    this.pings.clear();
    const onClose = this.onClose;
    this.onFrame = undefined;
    this.onClose = undefined;
    onClose?.(info);
  }
}

/**
 * Two connected in-memory transports: what one sends, the other receives.
 * For in-process sessions (a client beside a router in one process) and tests.
 */
export function memoryTransportPair(
  serializer: Serializer = jsonSerializer,
  options: MemoryTransportOptions = {},
): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport(serializer, options);
  const b = new MemoryTransport(serializer, options);
  MemoryTransport.connect(a, b);
  return [a, b];
}
