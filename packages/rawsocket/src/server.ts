import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { Serializer } from '@wamp/core';
import { DEFAULT_MAX_QUEUED_BYTES, type BackpressureOptions } from '@wamp/client';
import { RawSocketConnection, describePeer, plainBytes, type InboundBudget, type KeepaliveOptions } from './connection.js';
import { HandshakeErrorCode, MAX_MAX_LENGTH, RawSocketError, RawSocketProtocol } from './framing.js';
import { defaultSerializers } from './serializers.js';

/** Where a connection that never became a WAMP transport came from. */
export interface RejectedPeer {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
}

/** Options of {@link createRawSocketServer}. */
export interface RawSocketServerOptions {
  /**
   * Receives each connection once its handshake succeeded. Set `onFrame` and
   * `onClose` before returning: frames that came with the handshake are
   * delivered right after.
   */
  readonly onConnection: (connection: RawSocketConnection) => void;
  /** Serializers offered; a client asking for another is refused (error 1). Default: JSON, MessagePack, CBOR. */
  readonly serializers?: readonly Serializer[];
  /** Largest message accepted from a client; announced rounded down to a power of two (2^9..2^24). Default 2^24. */
  readonly maxMessageSize?: number;
  /** Refuse (error 2) clients that accept messages shorter than this. Default: none refused. */
  readonly minClientMaxLength?: number;
  /** Refuse (error 4) handshakes while this many connections are open. Default: no limit. */
  readonly maxConnections?: number;
  /** A connection must complete its handshake (TLS included) within this time (ms). Default 5 000. */
  readonly handshakeTimeoutMs?: number;
  /** How long a graceful close waits for the client before cutting the socket (ms). Default 5 000. */
  readonly closeTimeoutMs?: number;
  /** PING each client periodically and drop those that do not answer. Default: off. */
  readonly keepalive?: KeepaliveOptions;
  /** A message that has begun arriving must be complete within this time (ms), or the connection is failed. Default 30 000; 0: none. */
  readonly readTimeoutMs?: number;
  /**
   * Bound on the octets held for incomplete messages across all connections
   * of this server (or of every server given the same budget object). A
   * connection whose partial message would pass it is failed. Default 256 MiB.
   */
  readonly maxIncompleteBytes?: number | InboundBudget;
  /**
   * Last word on an accepted socket, before the handshake (connection caps
   * per address, say): return false to destroy it at once.
   */
  readonly admitSocket?: (socket: Socket) => boolean;
  /**
   * Bound of each connection's outbound queue. Default: 10 000 frames and
   * 8 × the largest message (at least 8 MiB), policy `'disconnect'`: a
   * reading peer gets several maximum-size messages queued without being cut off.
   */
  readonly backpressure?: BackpressureOptions;
  /** Serve TLS: key, cert, ca, requestCert... */
  readonly tls?: TlsOptions;
  /** A connection failed before it was handed over (bad magic, refused handshake, timeout, socket error). */
  readonly onHandshakeError?: (error: Error, peer: RejectedPeer) => void;
  /** The listening socket reported an error after listen() (e.g. EMFILE on accept). */
  readonly onServerError?: (error: Error) => void;
}

/** Default of {@link RawSocketServerOptions.maxIncompleteBytes}. */
export const DEFAULT_MAX_INCOMPLETE_BYTES = 256 * 1024 * 1024;

/** Where {@link RawSocketServer.listen} listens: TCP (port 0 picks a free one) or a Unix socket path. */
export type ListenAddress = { readonly port: number; readonly host?: string } | { readonly path: string };

/**
 * A RawSocket listener. Either `listen()` on a port or Unix path, or hand it
 * sockets accepted elsewhere with `handleSocket()` (a port shared with HTTP,
 * sniffing the `0x7F` first octet, for instance).
 */
export class RawSocketServer {
  private readonly options: RawSocketServerOptions;
  private readonly serializers: readonly Serializer[];
  private readonly handshaking = new Set<Socket>();
  private readonly open = new Set<RawSocketConnection>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private unixPath: string | undefined;
  private closing = false;
  private readonly budget: InboundBudget;

  constructor(options: RawSocketServerOptions) {
    this.options = options;
    const b = options.maxIncompleteBytes;
    this.budget = typeof b === 'object' ? b : { maxBytes: b ?? DEFAULT_MAX_INCOMPLETE_BYTES, usedBytes: 0 };
    this.serializers = options.serializers ?? defaultSerializers();
    if (this.serializers.length === 0) throw new TypeError('a RawSocket server needs at least one serializer');
  }

  /** Connections handed to `onConnection` and not yet closed. */
  get connections(): ReadonlySet<RawSocketConnection> {
    return this.open;
  }

  /** Start listening; resolves once bound. */
  listen(at: ListenAddress): Promise<void> {
    if (this.server !== undefined) return Promise.reject(new Error('already listening'));
    const tls = this.options.tls;
    const server: Server =
      tls === undefined
        ? createNetServer((s) => this.handleSocket(s))
        : createTlsServer({ handshakeTimeout: this.handshakeTimeoutMs, ...tls }, (s) => this.handleSocket(s));
    if (tls !== undefined) {
      // Sockets that fail TLS never reach handleSocket. With a listener on
      // this event Node leaves the socket open (a handshake timeout included):
      // destroy it, or a peer that never speaks holds it, and close(), forever.
      server.on('tlsClientError', (err: Error, s: Socket) => {
        const peer: RejectedPeer = { remoteAddress: s.remoteAddress, remotePort: s.remotePort };
        s.destroy();
        this.options.onHandshakeError?.(err, peer);
      });
    }
    this.server = server;
    this.unixPath = 'path' in at ? at.path : undefined;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const done = (): void => {
        server.off('error', reject);
        server.on('error', (err: Error) => this.options.onServerError?.(err));
        resolve();
      };
      if ('path' in at) server.listen(at.path, done);
      else server.listen(at.port, at.host, done);
    });
  }

  /** The bound address (see `net.Server.address()`), or null before listen(). */
  address(): AddressInfo | string | null {
    return this.server?.address() ?? null;
  }

  private get handshakeTimeoutMs(): number {
    return this.options.handshakeTimeoutMs ?? 5_000;
  }

  /**
   * Run the RawSocket handshake on an accepted socket and hand the connection
   * to `onConnection` when it succeeds. Bytes already read from the socket
   * must have been pushed back (`socket.unshift`).
   */
  handleSocket(socket: Socket): void {
    if (this.closing || this.options.admitSocket?.(socket) === false) {
      socket.destroy();
      return;
    }
    const opts = this.options;
    const peer: RejectedPeer = { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort };
    this.sockets.add(socket);
    this.handshaking.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.handshaking.delete(socket);
    });
    socket.setNoDelay?.(true);

    const protocol = new RawSocketProtocol({
      role: 'server',
      serializerIds: this.serializers.map((s) => s.rawSocketId),
      maxMessageSize: opts.maxMessageSize ?? MAX_MAX_LENGTH,
      minClientMaxLength: opts.minClientMaxLength,
      admit: () =>
        opts.maxConnections !== undefined && this.open.size >= opts.maxConnections
          ? HandshakeErrorCode.MAX_CONNECTIONS
          : undefined,
    });

    let done = false;
    const reject = (err: Error, graceful: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      this.handshaking.delete(socket);
      opts.onHandshakeError?.(err, peer);
      if (graceful) {
        // Let the error reply reach the client, but not wait for it forever.
        socket.end();
        setTimeout(() => socket.destroy(), opts.closeTimeoutMs ?? 5_000).unref();
      } else {
        socket.destroy();
      }
    };
    const timer = setTimeout(
      () => reject(new RawSocketError('not-open', `handshake not completed within ${this.handshakeTimeoutMs} ms`), false),
      this.handshakeTimeoutMs,
    );
    timer.unref();
    const onError = (err: Error): void => reject(err, false);
    const onEnd = (): void => reject(new RawSocketError('not-open', 'closed by the client during the handshake'), false);
    socket.on('error', onError);
    socket.on('end', onEnd);

    const onData = (chunk: Buffer): void => {
      const events = protocol.receiveData(plainBytes(chunk));
      const first = events[0];
      if (first === undefined) return;
      for (const c of protocol.dataToSend()) socket.write(c);
      if (first.type === 'error') {
        reject(first.error, first.error.kind === 'handshake-refused');
        return;
      }
      if (first.type !== 'open') return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      // Only ours: net and tls sockets keep internal listeners of their own.
      socket.off('error', onError);
      socket.off('end', onEnd);
      this.handshaking.delete(socket);
      const serializer = this.serializers.find((s) => s.rawSocketId === first.serializerId);
      if (serializer === undefined) throw new Error('unreachable: the handshake only accepts configured serializers');
      const conn = new RawSocketConnection({
        socket,
        protocol,
        serializer,
        peer: describePeer(socket, serializer, this.unixPath),
        oversize: 'drop',
        backpressure: {
          maxQueuedBytes: Math.max(DEFAULT_MAX_QUEUED_BYTES, 8 * (opts.maxMessageSize ?? MAX_MAX_LENGTH)),
          ...opts.backpressure,
        },
        keepalive: opts.keepalive,
        closeTimeoutMs: opts.closeTimeoutMs ?? 5_000,
        readTimeoutMs: opts.readTimeoutMs === 0 ? undefined : (opts.readTimeoutMs ?? 30_000),
        inboundBudget: this.budget,
      });
      this.open.add(conn);
      socket.on('close', () => this.open.delete(conn));
      opts.onConnection(conn);
      conn.handleEvents(events.slice(1));
    };
    socket.on('data', onData);
  }

  /**
   * Stop accepting, cut connections still in their handshake, close the open
   * ones gracefully (each within the close timeout), and resolve once every
   * socket is gone.
   */
  async close(): Promise<void> {
    this.closing = true;
    const server = this.server;
    const stopped =
      server === undefined ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.handshaking) s.destroy();
    for (const c of this.open) c.close(1001, 'server shutting down');
    const gone = [...this.sockets].map(
      (s) => new Promise<void>((resolve) => (s.destroyed && s.closed ? resolve() : s.once('close', () => resolve()))),
    );
    await Promise.all([stopped, ...gone]);
  }
}

/** Create a {@link RawSocketServer}; call `listen()` or `handleSocket()` next. */
export function createRawSocketServer(options: RawSocketServerOptions): RawSocketServer {
  return new RawSocketServer(options);
}
