/**
 * The I/O driver around the sans-IO `Router` of @wamp/core: it feeds frames
 * and transport closes in, drains the output to the connections, runs the
 * asynchronous authentication work, and keeps one timer armed at the router's
 * next deadline. Everything protocol-related stays in the core.
 */

import { randomFillSync } from 'node:crypto';
import type { CryptoProvider, Frame, RandomId, Router, RouterEvent, RouterSession, SessionInfo } from '@wamp/core';
import type { Transport } from '@wamp/client';
import type { Logger } from './log.js';

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

/** Options of {@link RouterHost}. */
export interface RouterHostOptions {
  readonly router: Router;
  readonly crypto: CryptoProvider;
  readonly log: Logger;
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
  private readonly connections = new Map<RouterSession, HostedConnection>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt: number | undefined;
  private draining = false;
  private closed = false;

  constructor(opts: RouterHostOptions) {
    this.router = opts.router;
    this.crypto = opts.crypto;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
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
    conn.onClose = () => {
      this.connections.delete(session);
      session.handleTransportClosed(this.now());
      this.drain();
    };
    this.drain();
    return session;
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
          while ((f = s.pollTransmit()) !== undefined) conn.send(f);
          const close = s.pollClose();
          if (close !== undefined) {
            this.connections.delete(s);
            conn.close(1000, close.reason);
          }
        }
        let e: RouterEvent | undefined;
        while ((e = router.pollEvent()) !== undefined) {
          progressed = true;
          this.onEvent(e);
        }
        if (!progressed) break;
      }
    } finally {
      this.draining = false;
    }
    this.arm();
  }

  private onEvent(e: RouterEvent): void {
    switch (e.type) {
      case 'session_joined':
        this.log.info('session joined', {
          session: e.sessionId,
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
          realm: e.realm,
          authid: e.authid,
          authrole: e.authrole,
          transport: e.transport,
          serializer: e.serializer,
          reason: e.reason,
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

  private arm(): void {
    if (this.closed) return;
    const at = this.router.pollTimeout();
    if (at === this.timerAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    const delay = Math.max(0, at - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      this.router.handleTimeout(this.now());
      this.drain();
    }, delay);
    this.timer.unref?.();
  }
}
