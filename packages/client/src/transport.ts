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
  readonly serializer: Serializer;
  send(frame: Frame): void;
  close(code?: number, reason?: string): void;
  onFrame: ((frame: Frame) => void) | undefined;
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
