/**
 * The in-memory `@wamp/core` router as a fuzzing target: no sockets, a
 * virtual clock, IDs from a seeded generator. Everything the router sends in
 * answer to an input is delivered by `flush()`, so the harness knows at once
 * whether a reply is missing, and a run replays exactly from its seed.
 */

import { Router, jsonSerializer, seededRandomId, type Frame, type RouterConfig, type RouterSession, type Serializer } from '@wamp/core';
import type { ConnectionSink, Driver, DriverConnection } from '../driver.js';

/** Options of the in-memory driver (the `@wamp/core` router in the same process). */
export interface MemoryDriverOptions {
  /** The realm the suite joins; used for the default configuration. */
  readonly realm: string;
  /** Router configuration. Default: one open realm named `realm`. */
  readonly config?: RouterConfig;
  readonly serializer?: Serializer;
  /** Seeds the router's ID generator. */
  readonly seed: number;
}

interface Conn {
  readonly sink: ConnectionSink;
  closed: boolean;
}

export class MemoryDriver implements Driver {
  readonly synchronous = true;
  readonly name = 'memory';
  readonly serializer: Serializer;
  readonly router: Router;
  private now = 1;
  private readonly conns = new Map<RouterSession, Conn>();

  constructor(opts: MemoryDriverOptions) {
    this.serializer = opts.serializer ?? jsonSerializer;
    this.router = new Router(opts.config ?? { realms: [{ name: opts.realm }] }, { randomId: seededRandomId(opts.seed) });
  }

  connect(sink: ConnectionSink): Promise<DriverConnection> {
    const session = this.router.openSession({ transport: 'websocket', serializer: this.serializer, peer: 'memory' }, this.tick());
    const conn: Conn = { sink, closed: false };
    this.conns.set(session, conn);
    const deliver = (frame: Frame) => {
      if (!conn.closed) session.handleMessage(frame, this.tick());
    };
    return Promise.resolve({
      send: deliver,
      sendBytes: (bytes: Uint8Array) => {
        if (conn.closed) return;
        if (this.serializer.binary) return deliver(bytes);
        // A WebSocket text frame must be UTF-8: the transport fails such a
        // connection (close code 1007) before the router sees it.
        let text: string;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          conn.closed = true;
          session.handleTransportClosed(this.tick());
          sink.closed({ code: 1007, reason: 'invalid UTF-8' });
          return;
        }
        deliver(text);
      },
      close: () => {
        if (conn.closed) return;
        conn.closed = true;
        session.handleTransportClosed(this.tick());
      },
    });
  }

  /** Run the router's outputs to the connections until it is idle (its documented drain order). */
  flush(): void {
    for (;;) {
      let progressed = false;
      let s: RouterSession | undefined;
      while ((s = this.router.pollReady()) !== undefined) {
        const conn = this.conns.get(s);
        let f: Frame | undefined;
        while ((f = s.pollTransmit()) !== undefined) {
          progressed = true;
          if (conn !== undefined && !conn.closed) conn.sink.frame(f);
        }
        const close = s.pollClose();
        if (close !== undefined && conn !== undefined && !conn.closed) {
          conn.closed = true;
          progressed = true;
          conn.sink.closed({ reason: close.reason });
        }
      }
      while (this.router.pollEvent() !== undefined) progressed = true;
      const t = this.router.pollTimeout();
      if (t !== undefined && t <= this.now) {
        this.router.handleTimeout(this.now);
        progressed = true;
      }
      if (!progressed) return;
    }
  }

  async dispose(): Promise<void> {
    this.router.shutdown(this.tick());
    this.flush();
    this.conns.clear();
  }

  private tick(): number {
    return ++this.now;
  }
}
