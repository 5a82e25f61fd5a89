/**
 * The I/O driver around the sans-IO `Router` of @wamp/core: it feeds frames
 * and transport closes in, drains the output to the connections, runs the
 * asynchronous authentication work, and keeps one timer armed at the router's
 * next deadline. Everything protocol-related stays in the core.
 */

import { randomFillSync } from 'node:crypto';
import {
  messageTypeName,
  type ClusterEnvelope,
  type ClusterOutput,
  type CryptoProvider,
  type Frame,
  type RandomId,
  type Router,
  type RouterEvent,
  type RouterSession,
  type SessionInfo,
  type StoreResult,
} from '@wamp/core';
import type { Transport, TransportCloseInfo } from '@wamp/client';
import type { Logger } from './log.js';
import { framePreview, frameSize, peekMessageType } from './trace.js';

/** Close reasons of the transports' liveness and memory bounds (heartbeat, read timeout, incomplete-message budget). */
const LIMIT_CLOSE = /^(no PONG within|no pong within|a message was not completed|incomplete messages across)/;

/** A server-side connection as both transports hand them over. */
export interface HostedConnection extends Transport {
  /** Closes at once without a closing handshake. */
  terminate?(reason?: string): void;
}

/** A CSPRNG-backed RandomId: uniform in [1, 2^53], drawn from a pooled buffer. */
export function cryptoRandomId(): RandomId {
  const pool = new Uint32Array(2048);
  let i = pool.length;
  return () => {
    if (i >= pool.length) {
      randomFillSync(pool);
      i = 0;
    }
    const hi = pool[i++]! & 0x1fffff;
    const lo = pool[i++]!;
    return hi * 0x100000000 + lo + 1;
  };
}

/**
 * Sees what passes through the host, for metrics. Called synchronously; must
 * not call back into the host or the router.
 */
export interface HostObserver {
  /** A frame arrived from `session`'s transport (before the router handles it). */
  frameIn(session: RouterSession, frame: Frame): void;
  /** A frame is about to be handed to `session`'s transport. */
  frameOut(session: RouterSession, frame: Frame): void;
  /** The frame of the last `frameOut` was handed over (sent, or refused by the transport). */
  frameDone(): void;
  /** Every router event, before the host acts on it. */
  event(e: RouterEvent): void;
  /** `session`'s transport closed, for whatever reason. */
  transportClosed(session: RouterSession, info: TransportCloseInfo): void;
}

/** Options of {@link RouterHost}. */
export interface RouterHostOptions {
  readonly router: Router;
  readonly crypto: CryptoProvider;
  readonly log: Logger;
  /** Metrics; none by default. */
  readonly observer?: HostObserver;
  /** Epoch milliseconds; injected for tests. */
  readonly now?: () => number;
}

/**
 * Owns the connection ↔ session mapping. Every input is followed by one
 * `drain()`, which is the only place output leaves the router.
 */
export class RouterHost {
  readonly router: Router;
  private readonly crypto: CryptoProvider;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly observer: HostObserver | undefined;
  /** The debug trace of every message is on (log level `debug`). */
  private readonly trace: boolean;
  private readonly traceIds = new WeakMap<RouterSession, number>();
  private readonly connections = new Map<RouterSession, HostedConnection>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt: number | undefined;
  private draining = false;
  private closed = false;
  /** Cluster: where the router's envelopes and store requests go (the NATS bus). */
  clusterSink: ((o: ClusterOutput) => void) | undefined;

  constructor(opts: RouterHostOptions) {
    this.router = opts.router;
    this.crypto = opts.crypto;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.observer = opts.observer;
    this.trace = opts.log.level === 'debug';
  }

  /** Number of transports currently attached. */
  get size(): number {
    return this.connections.size;
  }

  /** Attach a connected transport: from now on its frames go to a new router session. */
  attach(conn: HostedConnection, info: SessionInfo): RouterSession {
    const session = this.router.openSession(info, this.now());
    this.connections.set(session, conn);
    conn.onFrame = (frame: Frame) => {
      this.observer?.frameIn(session, frame);
      if (this.trace) this.traceFrame('message in', session, frame);
      try {
        session.handleMessage(frame, this.now());
      } catch (e) {
        // The core answers every peer fault itself; an exception here is a bug
        // in the router. Contain it to this connection so the process and the
        // other sessions carry on, and say so loudly.
        this.log.error('internal error handling a message; connection dropped', {
          session: session.id,
          error: e instanceof Error ? (e.stack ?? e.message) : String(e),
        });
        this.connections.delete(session);
        conn.close(1011, 'internal error');
        try {
          session.handleTransportClosed(this.now());
        } catch {
          // Already reported above.
        }
      }
      this.drain();
    };
    conn.onClose = (closeInfo: TransportCloseInfo) => {
      this.observer?.transportClosed(session, closeInfo);
      // The transports close a peer that stopped reading (policy `disconnect`); the reason carries the queue.
      const why = closeInfo?.wasClean === false ? closeInfo.reason : undefined;
      if (why?.startsWith('outbound queue bound exceeded') === true) {
        this.log.warn('backpressure: connection closed', { policy: 'disconnect', session: session.id, peer: info.peer, transport: info.transport, reason: why });
      } else if (why !== undefined && LIMIT_CLOSE.test(why)) {
        this.log.warn('connection closed by a limit', { session: session.id, peer: info.peer, transport: info.transport, reason: why });
      }
      this.connections.delete(session);
      session.handleTransportClosed(this.now());
      this.drain();
    };
    this.drain();
    return session;
  }

  /** Cluster: an envelope from another node. */
  handleCluster(envelope: ClusterEnvelope): void {
    if (this.closed) return;
    this.router.handleCluster(envelope, this.now());
    this.drain();
  }

  /** Cluster: the answer of the store to a request. */
  handleStoreResult(id: number, result: StoreResult): void {
    if (this.closed) return;
    this.router.handleStoreResult(id, result, this.now());
    this.drain();
  }

  /** Cluster: the bus connection went down or came back. */
  handleBusState(up: boolean): void {
    if (this.closed) return;
    this.router.handleBusState(up, this.now());
    this.drain();
  }

  /** Send GOODBYE `wamp.close.system_shutdown` to everyone, flush, and stop the timer. */
  shutdown(message = 'router shutting down'): void {
    this.router.shutdown(this.now(), undefined, message);
    this.drain();
  }

  /** Close every transport that is still attached (after `shutdown` gave them time to leave). */
  closeAll(): void {
    this.closed = true;
    for (const conn of [...this.connections.values()]) conn.close(1001, 'router closed');
    this.connections.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Move every pending output of the router to the transports, then re-arm the timer. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      const router = this.router;
      for (;;) {
        let progressed = false;
        let s: RouterSession | undefined;
        while ((s = router.pollReady()) !== undefined) {
          progressed = true;
          const conn = this.connections.get(s);
          let f: Frame | undefined;
          if (conn === undefined) {
            // The transport is gone; discard what was queued for it.
            while (s.pollTransmit() !== undefined);
            s.pollClose();
            continue;
          }
          const observer = this.observer;
          if (observer === undefined && !this.trace) {
            while ((f = s.pollTransmit()) !== undefined) conn.send(f);
          } else {
            while ((f = s.pollTransmit()) !== undefined) {
              if (this.trace) this.traceFrame('message out', s, f);
              observer?.frameOut(s, f);
              conn.send(f);
              observer?.frameDone();
            }
          }
          const close = s.pollClose();
          if (close !== undefined) {
            this.connections.delete(s);
            // The WebSocket close reason says why (a HELLO timeout is not a normal close); RawSocket has none.
            conn.close(1000, close.message === undefined ? close.reason : `${close.reason}: ${close.message}`);
          }
        }
        let e: RouterEvent | undefined;
        while ((e = router.pollEvent()) !== undefined) {
          progressed = true;
          this.onEvent(e);
        }
        let o: ClusterOutput | undefined;
        while ((o = router.pollCluster()) !== undefined) {
          progressed = true;
          this.clusterSink?.(o);
        }
        if (!progressed) break;
      }
    } finally {
      this.draining = false;
    }
    this.arm();
  }

  /** Debug level: one line per message, with its type, session, size and the start of its content. */
  private traceFrame(msg: string, session: RouterSession, frame: Frame): void {
    const t = peekMessageType(frame, session.info.serializer.name);
    // A closed session has no ID any more; its last frames (GOODBYE, ABORT) still name it.
    let id = session.id;
    if (id !== undefined) this.traceIds.set(session, id);
    else id = this.traceIds.get(session);
    this.log.debug(msg, {
      session: id,
      peer: session.info.peer,
      type: t === undefined ? 'unknown' : (messageTypeName(t) ?? t),
      bytes: frameSize(frame),
      payload: framePreview(frame, session.info.serializer),
    });
  }

  private onEvent(e: RouterEvent): void {
    this.observer?.event(e);
    switch (e.type) {
      case 'session_joined':
        this.log.info('session joined', {
          session: e.sessionId,
          peer: e.session.info.peer,
          realm: e.realm,
          authid: e.authid,
          authrole: e.authrole,
          authmethod: e.authmethod,
          transport: e.transport,
          serializer: e.serializer,
        });
        return;
      case 'session_left':
        this.log.info('session left', {
          session: e.sessionId,
          peer: e.session.info.peer,
          realm: e.realm,
          authid: e.authid,
          authrole: e.authrole,
          transport: e.transport,
          serializer: e.serializer,
          reason: e.reason,
        });
        return;
      case 'session_refused':
        this.log.warn('session refused', {
          realm: e.realm,
          authid: e.authid,
          authmethod: e.authmethod,
          peer: e.peer,
          reason: e.reason,
          message: e.message,
        });
        return;
      case 'authenticate':
        void this.router.runAuth(e, this.crypto).then((verdict) => {
          if (this.closed) return;
          this.router.completeAuthentication(e.session, verdict, this.now());
          this.drain();
        });
        return;
      case 'warning':
        this.log.warn(e.message, { code: e.code, session: e.sessionId });
        return;
    }
  }

  /**
   * Keep one timer armed no later than the router's earliest deadline. A
   * timer that is already armed at or before that deadline is left alone,
   * even when the deadline went away or moved later: it fires early, finds
   * nothing due and re-arms. With calls one at a time the earliest deadline
   * appears with each CALL (the call timeout) and goes with its YIELD;
   * re-arming on every change cost a clearTimeout and a setTimeout per call.
   */
  private arm(): void {
    if (this.closed) return;
    const at = this.router.pollTimeout();
    if (at === undefined) return;
    if (this.timerAt !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    const delay = Math.max(0, at - this.now());
    this.timer = setTimeout(this.fire, delay);
    this.timer.unref?.();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerAt = undefined;
    if (this.closed) return;
    this.router.handleTimeout(this.now());
    this.drain();
  };
}
