import type { Frame, Serializer } from '@wamp/core';

/** Why and how a transport closed. */
export interface TransportCloseInfo {
  /** True when the close was asked for by either side, false when the connection was lost. */
  readonly wasClean: boolean;
  readonly code?: number | undefined;
  readonly reason?: string | undefined;
}

/**
 * A connected, message-oriented transport carrying one WAMP session:
 * WebSocket, RawSocket, or anything a user writes (the core needs nothing
 * else). Contract:
 * - frames are whole WAMP messages, already negotiated to `serializer`;
 * - `onFrame` is called once per inbound message, in order, never re-entrantly;
 * - `onClose` is called exactly once, after which nothing else is called;
 * - `send` after close is a no-op.
 */
export interface Transport {
  /** The serializer negotiated for this connection; frames are in its format. */
  readonly serializer: Serializer;
  /** Send one whole WAMP message; a no-op after close. */
  send(frame: Frame): void;
  /** Close the connection (WebSocket close code and reason where they apply); `onClose` follows once. */
  close(code?: number, reason?: string): void;
  /** Called once per inbound message, in order, never re-entrantly. */
  onFrame: ((frame: Frame) => void) | undefined;
  /** Called exactly once when the connection ends, whoever ended it. */
  onClose: ((info: TransportCloseInfo) => void) | undefined;
  /** Bytes queued but not yet written, where the transport can tell. */
  readonly bufferedAmount?: number;
  /**
   * Optional: ping the peer at the transport level (WebSocket ping, RawSocket
   * PING) and resolve when its pong arrives; reject if the transport closes
   * first. The `Client` heartbeat uses it where it exists.
   */
  keepalive?(): Promise<void>;
  /**
   * Optional: the channel binding data of a TLS connection for `type`
   * (`tls-unique`, `tls-exporter`, `tls-server-end-point`), for the
   * authentication methods that bind to the channel (cryptosign, wamp-scram).
   * Undefined when the transport cannot provide it.
   */
  channelBinding?(type: string): Uint8Array | undefined;
}

/** Opens a new transport; the `Client` calls it again for every reconnect. */
export type TransportFactory = () => Promise<Transport>;

// ---------------------------------------------------------------------------
// Server-side connections: the bound on what a router queues for a peer. Both
// `@wamp/ws` and `@wamp/rawsocket` take these options and report these figures.

/** What happens when a peer stops reading and its outbound queue reaches the bound. */
export type BackpressurePolicy = 'drop' | 'disconnect';

/** A frame was not sent: it would have passed the outbound bound, or (RawSocket) the peer's announced maximum. */
export interface DropInfo {
  readonly reason: 'backpressure' | 'oversize';
  /** Size of the dropped frame, in octets (RawSocket: prefix included). */
  readonly frameBytes: number;
  /** Totals for this connection, this drop included. */
  readonly droppedFrames: number;
  readonly droppedBytes: number;
  /** The outbound queue when the frame was refused. */
  readonly queuedBytes: number;
  readonly queuedFrames: number;
}

/**
 * Bound on one connection's outbound queue (octets not yet taken by the
 * kernel, and WAMP messages not yet written), so that a peer that stops
 * reading cannot make the router's memory grow. A frame is always accepted
 * into an empty queue, so the bound is at least one frame.
 */
export interface BackpressureOptions {
  /** Default 8 MiB. */
  readonly maxQueuedBytes?: number;
  /** Default 10 000. */
  readonly maxQueuedFrames?: number;
  /**
   * `'disconnect'` (default): cut the connection when a frame would pass the
   * bound — RPC results are never lost silently. `'drop'`: drop the frame and
   * count it.
   */
  readonly policy?: BackpressurePolicy;
  /** Called for each dropped frame (throttle log lines on `droppedFrames`). */
  readonly onDrop?: (info: DropInfo) => void;
}

/** Default bound of a connection's outbound queue, in octets (8 MiB). */
export const DEFAULT_MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** Default bound of a connection's outbound queue, in WAMP messages. */
export const DEFAULT_MAX_QUEUED_FRAMES = 10_000;

/** Counters of one connection. */
export interface ConnectionStats {
  readonly framesSent: number;
  readonly bytesSent: number;
  readonly framesReceived: number;
  readonly bytesReceived: number;
  readonly framesDropped: number;
  readonly bytesDropped: number;
}
