import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { jsonSerializer, type Serializer } from '@wamp/core';
import type { TransportFactory } from '@wamp/client';
import { RawSocketConnection, describePeer, plainBytes, type KeepaliveOptions } from './connection.js';
import { HandshakeErrorCode, MAX_MAX_LENGTH, RawSocketError, RawSocketProtocol, describeHandshakeError } from './framing.js';

/** Where to connect: TCP (optionally TLS) or a Unix socket. */
export type RawSocketEndpoint =
  | { readonly host: string; readonly port: number; readonly tls?: boolean | ConnectionOptions }
  | { readonly path: string };

/** Options of {@link connectRawSocket} and {@link rawSocketTransport}. */
export interface RawSocketClientOptions {
  /**
   * `rs://host:port` or `tcp://host:port` (TCP), `rss://host:port`,
   * `tcps://host:port` or `tls://host:port` (TLS), `unix:/path/to.sock` or `unix:///path/to.sock`.
   * Either this or `endpoint`.
   */
  readonly url?: string;
  readonly endpoint?: RawSocketEndpoint;
  /** TLS options (CA, client certificate, servername...) when the URL is `rss:`/`tcps:`/`tls:`. */
  readonly tlsOptions?: ConnectionOptions;
  /** Default: JSON. Ignored when `serializers` is given. */
  readonly serializer?: Serializer;
  /**
   * Serializers to ask for, preferred first. A RawSocket handshake names one
   * serializer, so they are tried one connection after the other: when the
   * router refuses the handshake with error 1 ("serializer unsupported"), the
   * next one is asked for on a new connection. Any other failure ends the
   * attempt at once. Default: `[serializer]`.
   */
  readonly serializers?: readonly Serializer[];
  /** Largest message accepted from the router; announced rounded down to a power of two (2^9..2^24). Default 2^24. */
  readonly maxMessageSize?: number;
  /** Connecting, TLS and the RawSocket handshake must finish within this time (ms), for each serializer tried. Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** How long close() waits for the router before cutting the socket (ms). Default 5 000. */
  readonly closeTimeoutMs?: number;
  /** Periodic PINGs; a missing PONG fails the connection. Off by default (PINGs from the router are always answered). */
  readonly keepalive?: KeepaliveOptions;
}

/**
 * Read a RawSocket URL. Accepts `rs:`/`tcp:` (TCP), `rss:`/`tcps:`/`tls:` (TLS) with a
 * host and an explicit port, and `unix:` with an absolute path.
 */
export function parseRawSocketUrl(url: string): RawSocketEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`not a URL: ${url}`);
  }
  if (u.protocol === 'unix:') {
    const path = decodeURIComponent(u.pathname);
    if (!path.startsWith('/') || u.host !== '') throw new TypeError(`a unix: URL needs an absolute path: ${url}`);
    return { path };
  }
  const secure = u.protocol === 'rss:' || u.protocol === 'tcps:' || u.protocol === 'tls:';
  if (!secure && u.protocol !== 'rs:' && u.protocol !== 'tcp:') {
    throw new TypeError(`not a RawSocket URL (rs:, rss:, tcp:, tcps:, tls:, unix:): ${url}`);
  }
  const port = Number(u.port);
  if (u.hostname === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`a RawSocket URL needs a host and a port: ${url}`);
  }
  // URL keeps the brackets of an IPv6 literal in hostname; sockets want it bare.
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { host, port, tls: secure };
}

/**
 * Connect, run the RawSocket handshake and resolve with the open transport.
 * With several `serializers`, a refusal with error 1 ("serializer
 * unsupported") moves on to the next one (see
 * {@link RawSocketClientOptions.serializers}). Rejects with a
 * {@link RawSocketError} (`handshake-refused` carries the router's error code
 * in `handshakeError`; when every serializer was refused, the message names
 * them all) or the socket's error.
 */
export async function connectRawSocket(options: RawSocketClientOptions): Promise<RawSocketConnection> {
  const endpoint = options.endpoint ?? (options.url !== undefined ? parseRawSocketUrl(options.url) : undefined);
  if (endpoint === undefined) throw new TypeError('connectRawSocket needs `url` or `endpoint`');
  const serializers = options.serializers ?? [options.serializer ?? jsonSerializer];
  if (serializers.length === 0) throw new TypeError('connectRawSocket: `serializers` is empty');
  const refused: string[] = [];
  let last: unknown;
  for (const serializer of serializers) {
    try {
      return await connectOnce(options, endpoint, serializer);
    } catch (e) {
      const unsupported = e instanceof RawSocketError && e.kind === 'handshake-refused' && e.handshakeError === HandshakeErrorCode.SERIALIZER_UNSUPPORTED;
      if (!unsupported) throw e;
      refused.push(serializer.name);
      last = e;
    }
  }
  if (refused.length === 1) throw last;
  throw new RawSocketError(
    'handshake-refused',
    `the router refused every serializer asked for (${refused.join(', ')}): ${describeHandshakeError(HandshakeErrorCode.SERIALIZER_UNSUPPORTED)}`,
    HandshakeErrorCode.SERIALIZER_UNSUPPORTED,
  );
}

/** One connection and handshake with one serializer. */
function connectOnce(options: RawSocketClientOptions, endpoint: RawSocketEndpoint, serializer: Serializer): Promise<RawSocketConnection> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;

  return new Promise((resolve, reject) => {
    let socket: Socket;
    let unixPath: string | undefined;
    let secure = false;
    if ('path' in endpoint) {
      unixPath = endpoint.path;
      socket = netConnect({ path: endpoint.path });
    } else if (endpoint.tls !== undefined && endpoint.tls !== false) {
      secure = true;
      const extra = typeof endpoint.tls === 'object' ? endpoint.tls : {};
      // SNI may not carry an IP address (RFC 6066 §3).
      const sni = isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {};
      socket = tlsConnect({ ...sni, ...options.tlsOptions, ...extra, host: endpoint.host, port: endpoint.port });
    } else {
      socket = netConnect({ host: endpoint.host, port: endpoint.port });
    }
    socket.setNoDelay?.(true);

    const protocol = new RawSocketProtocol({
      role: 'client',
      serializerId: serializer.rawSocketId,
      maxMessageSize: options.maxMessageSize ?? MAX_MAX_LENGTH,
    });
    let settled = false;
    const giveUp = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => giveUp(new RawSocketError('not-open', `RawSocket connection not established within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    const onClosed = (): void => giveUp(new RawSocketError('not-open', 'connection closed during the RawSocket handshake'));
    socket.on('error', giveUp);
    socket.on('close', onClosed);

    const writeHandshake = (): void => {
      for (const chunk of protocol.dataToSend()) socket.write(chunk);
    };
    socket.once(secure ? 'secureConnect' : 'connect', writeHandshake);

    const onData = (chunk: Buffer): void => {
      const events = protocol.receiveData(plainBytes(chunk));
      const first = events[0];
      if (first === undefined) return;
      if (first.type === 'error') {
        giveUp(first.error);
        return;
      }
      if (first.type !== 'open') return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      // Only ours: net and tls sockets keep internal listeners of their own.
      socket.off('error', giveUp);
      socket.off('close', onClosed);
      const conn = new RawSocketConnection({
        socket,
        protocol,
        serializer,
        peer: describePeer(socket, serializer, unixPath),
        oversize: 'throw',
        keepalive: options.keepalive,
        closeTimeoutMs: options.closeTimeoutMs ?? 5_000,
      });
      resolve(conn);
      const rest = events.slice(1);
      if (rest.length > 0) {
        // The caller sets onFrame after its await: hold the socket and hand
        // over what came with the handshake reply once it has had its turn.
        socket.pause();
        setImmediate(() => {
          conn.handleEvents(rest);
          socket.resume();
        });
      }
    };
    socket.on('data', onData);
  });
}

/**
 * A `TransportFactory` for `@wamp/client`: every call opens a new RawSocket
 * connection with the same options.
 */
export function rawSocketTransport(options: RawSocketClientOptions): TransportFactory {
  // Fail on a bad URL now rather than at each reconnect.
  if (options.url !== undefined && options.endpoint === undefined) parseRawSocketUrl(options.url);
  return () => connectRawSocket(options);
}
