/**
 * A live router over RawSocket (TCP). The framing is done here, byte by byte
 * (`../rawsocket.ts`), so that the malformed-input suite can also write
 * handshakes and frames the specification forbids ({@link RawSocketDriver.openStream}).
 */

import { connect as netConnect, type Socket } from 'node:net';
import type { Frame, Serializer } from '@wamp/core';
import type { ConnectionSink, Driver, DriverConnection, RawStream, RawStreamEvents } from '../driver.js';
import { RawFrameType, RawSocketReader, frame, handshake } from '../rawsocket.js';

/** Options of the RawSocket driver. */
export interface RawSocketDriverOptions {
  readonly host: string;
  readonly port: number;
  readonly serializer: Serializer;
  /** Maximum message length this side announces, as the exponent: 2^(9 + n). Default 15 (16 MiB). */
  readonly maxLengthExponent?: number;
  readonly connectTimeoutMs?: number;
}

const encoder = new TextEncoder();

export class RawSocketDriver implements Driver {
  readonly synchronous = false;
  readonly name: string;
  readonly serializer: Serializer;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly opts: RawSocketDriverOptions) {
    this.name = `rawsocket://${opts.host}:${opts.port}`;
    this.serializer = opts.serializer;
  }

  /**
   * A TCP connection on which `hello` (normally a handshake) is written first,
   * and whose bytes are read as a router's RawSocket stream.
   */
  openStream(hello: Uint8Array, events: RawStreamEvents): Promise<RawStream> {
    // The reply is checked against what this handshake asked for (the router "MUST echo" it).
    const requestedSerializer = hello.length >= 2 ? hello[1]! & 0xf : this.serializer.rawSocketId;
    const maxLength = 2 ** ((hello.length >= 2 ? hello[1]! >>> 4 : (this.opts.maxLengthExponent ?? 15)) + 9);
    return new Promise((resolve, reject) => {
      const sock = netConnect({ host: this.opts.host, port: this.opts.port });
      this.sockets.add(sock);
      const reader = new RawSocketReader(requestedSerializer, maxLength);
      let connected = false;
      let broken = false;
      const timer = setTimeout(() => {
        if (!connected) {
          sock.destroy();
          reject(new Error(`no TCP connection to ${this.name} within ${this.opts.connectTimeoutMs ?? 3000} ms`));
        }
      }, this.opts.connectTimeoutMs ?? 3000);
      sock.setNoDelay(true);
      sock.on('connect', () => {
        connected = true;
        clearTimeout(timer);
        sock.write(hello);
        resolve({
          write: (bytes) => {
            if (!sock.destroyed) sock.write(bytes);
          },
          close: () => sock.destroy(),
        });
      });
      sock.on('data', (chunk: Buffer) => {
        if (broken) return;
        const out = reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if (out.handshake !== undefined) events.handshake(out.handshake);
        for (const f of out.frames) {
          // PING is a transport duty: "A Peer MUST reply to each PING by sending exactly one PONG".
          if (f.type === RawFrameType.PING && !sock.destroyed) sock.write(frame(RawFrameType.PONG, f.payload));
          events.frame(f);
        }
        if (out.violation !== undefined) {
          broken = true;
          events.violation(out.violation);
        }
      });
      sock.on('close', () => {
        this.sockets.delete(sock);
        clearTimeout(timer);
        if (!connected) reject(new Error(`TCP connection to ${this.name} failed`));
        else events.closed();
      });
      sock.on('error', (e) => {
        if (!connected) {
          clearTimeout(timer);
          reject(e);
        }
      });
    });
  }

  async connect(sink: ConnectionSink): Promise<DriverConnection> {
    const ser = this.serializer;
    let ready!: (ok: boolean, why?: string) => void;
    const accepted = new Promise<void>((resolve, reject) => {
      ready = (ok, why) => (ok ? resolve() : reject(new Error(why)));
    });
    let open = false;
    const stream = await this.openStream(handshake(ser.rawSocketId, this.opts.maxLengthExponent ?? 15), {
      handshake: (reply) => {
        if (reply.kind === 'accepted') ready(true);
        else if (reply.kind === 'refused') ready(false, `the router refused the RawSocket handshake with error ${reply.errorCode}`);
        else ready(false, `malformed RawSocket handshake reply: ${reply.reason}`);
      },
      frame: (f) => {
        if (f.type !== RawFrameType.MESSAGE) return;
        sink.frame(ser.binary ? f.payload : new TextDecoder().decode(f.payload));
      },
      violation: (reason) => sink.transportViolation(reason),
      closed: () => {
        if (!open) ready(false, 'the router closed the connection during the RawSocket handshake');
        else sink.closed({});
      },
    });
    const timer = setTimeout(() => ready(false, 'no RawSocket handshake reply'), this.opts.connectTimeoutMs ?? 3000);
    try {
      await accepted;
    } catch (e) {
      stream.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    open = true;
    const payload = (f: Frame) => (typeof f === 'string' ? encoder.encode(f) : f);
    return {
      send: (f) => stream.write(frame(RawFrameType.MESSAGE, payload(f))),
      sendBytes: (bytes) => stream.write(frame(RawFrameType.MESSAGE, bytes)),
      close: () => stream.close(),
    };
  }

  flush(): void {}

  async dispose(): Promise<void> {
    await Promise.all(
      [...this.sockets].map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.destroyed) return resolve();
            s.once('close', () => resolve());
            s.destroy();
          }),
      ),
    );
    this.sockets.clear();
  }
}
