/**
 * The driver abstraction: how the fuzzer reaches a router. The model, the
 * commands and the malformed-input suite speak only to this interface, so the
 * same suite runs against the in-memory `@wamp/core` router (deterministic,
 * no I/O, thousands of runs) and against a live router over WebSocket or
 * RawSocket (real sockets, one connection per simulated session).
 *
 * A driver moves frames and nothing else: it never decodes, never answers
 * on the fuzzer's behalf (except RawSocket PINGs, a transport duty), and lets
 * the fuzzer send frames no correct client would.
 */

import type { Frame, Serializer } from '@wamp/core';
import type { HandshakeReply, RawFrame } from './rawsocket.js';

/** What the router did on one connection, delivered in order. */
export interface ConnectionSink {
  /** One whole message from the router, as it came off the transport. */
  frame(frame: Frame): void;
  /** The connection closed (either side); called once, last. */
  closed(info: { readonly code?: number; readonly reason?: string }): void;
  /** The router broke the transport's own rules (RawSocket framing, WebSocket subprotocol). */
  transportViolation(reason: string): void;
}

/** One connection of the fuzzer to the router. */
export interface DriverConnection {
  /** Send one serialized WAMP message (text for JSON, binary otherwise). */
  send(frame: Frame): void;
  /**
   * Send arbitrary bytes as one message of the transport, in the frame kind
   * the serializer uses (a WebSocket text frame for JSON even when the bytes
   * are not UTF-8; a RawSocket message frame otherwise).
   */
  sendBytes(bytes: Uint8Array): void;
  /** Close from the fuzzer's side (abruptly: no GOODBYE is sent). */
  close(): void;
}

/** A way to reach a router. */
export interface Driver {
  /** For reports: `memory`, `ws://127.0.0.1:8080/ws`, `rawsocket://127.0.0.1:8081`. */
  readonly name: string;
  readonly serializer: Serializer;
  /**
   * True when everything the router will ever send in answer to what was
   * sent so far has been delivered once {@link flush} returns (the in-memory
   * router). Then a missing reply is known to be missing without waiting.
   */
  readonly synchronous: boolean;
  /** Open a connection; its frames go to `sink`. Rejects when the router cannot be reached. */
  connect(sink: ConnectionSink): Promise<DriverConnection>;
  /** Let the router run: in memory, until it is idle; a live driver does nothing. */
  flush(): void;
  /** Close every connection and release everything. */
  dispose(): Promise<void>;
  /**
   * RawSocket drivers only: a TCP stream on which `hello` is written first and
   * everything after is up to the caller (for damaged handshakes and frames).
   */
  openStream?(hello: Uint8Array, events: RawStreamEvents): Promise<RawStream>;
}

/** Events of a raw RawSocket stream (see {@link Driver.openStream}). */
export interface RawStreamEvents {
  /** The RawSocket handshake reply arrived. */
  handshake(reply: HandshakeReply): void;
  /** A RawSocket frame arrived. */
  frame(f: RawFrame): void;
  /** The peer broke the RawSocket framing; the stream is closed. */
  violation(reason: string): void;
  /** The stream is closed. */
  closed(): void;
}

/** A raw byte stream to a router (RawSocket over TCP), for the framing cases. */
export interface RawStream {
  /** Write bytes as they are, framed or not. */
  write(bytes: Uint8Array): void;
  /** Close the stream. */
  close(): void;
}

/**
 * Makes a fresh driver; the suites call it once per run, so that runs share no
 * state. `seed` comes from the run's own random stream: an in-memory router
 * seeds its ID generator with it, so that a replayed run is the same run.
 */
export type DriverFactory = (ctx: { readonly seed: number }) => Promise<Driver> | Driver;
