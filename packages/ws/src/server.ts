import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ALL_SERIALIZERS, parseCookies, type Serializer } from '@wamp/core';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';
import { DEFAULT_MAX_QUEUED_BYTES, tlsClientInfo, type BackpressureOptions } from '@wamp/client';
import { closeReason } from './client.js';
import { WebSocketConnection, type HeartbeatOptions, type WebSocketPeer } from './connection.js';
import { resolveSubprotocol, wampSubprotocols, type Subprotocol } from './subprotocols.js';

/** An upgrade refused before the WebSocket handshake. */
export interface UpgradeRefusal {
  readonly status: number;
  readonly message?: string;
}

/** A cookie the server sets on upgrades that come without it (for cookie authentication). */
export interface IssuedCookie {
  /** Cookie name, e.g. `cbtid`. */
  readonly name: string;
  /** `Max-Age` in seconds; default none (a session cookie). */
  readonly maxAgeSeconds?: number;
  /** A fresh unguessable value (at least 128 random bits, cookie-safe characters). */
  generate(): string;
  /** Whether the value the client sent is still good; default yes. A refused one is replaced by a fresh value. */
  keep?(value: string): boolean;
}

/** Options of {@link createWebSocketServer}. */
export interface WampWebSocketServerOptions {
  /**
   * Receives each connection once the WebSocket is open. Set `onFrame` and
   * `onClose` before returning.
   */
  readonly onConnection: (connection: WebSocketConnection) => void;
  /**
   * Request path served (exact match on the path, query ignored), e.g. `/ws`.
   * Default: every path.
   */
  readonly path?: string;
  /**
   * Subprotocols accepted. The client's order decides among them. Default:
   * `wamp.2.json`, `wamp.2.msgpack`, `wamp.2.cbor` and their `.batched` variants.
   */
  readonly subprotocols?: readonly string[];
  /** Serializers the subprotocol names resolve to. Default: those of `@wamp/core`. */
  readonly serializers?: readonly Serializer[];
  /**
   * Largest WebSocket message accepted, in octets (ws `maxPayload`; a batch
   * counts as one message). Larger ones fail the connection with 1009.
   * Default 16 MiB.
   */
  readonly maxMessageSize?: number;
  /** Ping every client and terminate those that do not answer. Default 30 s; `false` for none. */
  readonly heartbeat?: HeartbeatOptions | false;
  /**
   * Bound of each connection's outbound queue. Default: 10 000 frames and
   * 8 × `maxMessageSize` (at least 8 MiB), policy `'disconnect'`: a reading
   * peer gets several maximum-size messages queued without being cut off.
   */
  readonly backpressure?: BackpressureOptions;
  /**
   * Last word on an upgrade request (origin, cookies...), before the WebSocket
   * handshake: return a refusal to answer it with an HTTP status.
   */
  readonly verifyUpgrade?: (request: IncomingMessage) => UpgradeRefusal | undefined;
  /**
   * Set this cookie (`HttpOnly; SameSite=Lax; Path=/`, and `Secure` over
   * TLS) on the 101 response of an upgrade that did not send it. The
   * connection's `peer.cookies` then holds the new value, as if the client
   * had sent it, so a session on it can bind the cookie to its identity.
   */
  readonly issueCookie?: IssuedCookie;
  /** How long a close handshake may take before ws cuts the socket (ms). Default 5 000. */
  readonly closeTimeoutMs?: number;
  /** An upgrade refused or a WebSocket that failed before being handed over (for logs). */
  readonly onUpgradeError?: (error: Error, request: IncomingMessage) => void;
  /** The server started by listen() reported an error after listening (e.g. EMFILE on accept). */
  readonly onServerError?: (error: Error) => void;
}

/** The default message limit, matching `DEFAULT_LIMITS.maxMessageSize` of `@wamp/core`. */
export const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

type AnyServer = HttpServer | HttpsServer;

/**
 * The WAMP endpoints attached to one HTTP server, keyed by path (`*` for
 * "every path"), behind a single `upgrade` listener.
 */
interface Mounts {
  readonly byPath: Map<string, WampWebSocketServer>;
  readonly listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

const mounted = new WeakMap<AnyServer, Mounts>();
const ANY_PATH = '*';

function requestPath(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Answer an upgrade request with a plain HTTP error and close the socket. */
function refuseUpgrade(socket: Duplex, status: number, message: string, extraHeaders: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = Buffer.from(message, 'utf8');
  const head = [
    `HTTP/1.1 ${status} ${statusText(status)}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${body.length}`,
    ...Object.entries(extraHeaders).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  socket.once('finish', () => socket.destroy());
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

function statusText(status: number): string {
  const texts: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 426: 'Upgrade Required', 503: 'Service Unavailable' };
  return texts[status] ?? 'Error';
}

/** Split a `Sec-WebSocket-Protocol` header into its tokens, in order. */
function offeredProtocols(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/**
 * A WAMP-over-WebSocket endpoint on `ws`. Mount it on an existing HTTP(S)
 * server with {@link attach} (several endpoints and other upgrade handlers can
 * share the server), let it {@link listen} on its own port, or feed it
 * upgrade requests yourself with {@link handleUpgrade}.
 */
export class WampWebSocketServer {
  private readonly options: WampWebSocketServerOptions;
  private readonly wss: WebSocketServer;
  private readonly accepted: readonly Subprotocol[];
  private readonly open = new Set<WebSocketConnection>();
  /** Upgraded sockets not yet handed over, and those handed over: all to wait for at close(). */
  private readonly sockets = new Set<Duplex>();
  private readonly attachedTo = new Set<AnyServer>();
  private ownServer: HttpServer | undefined;
  private closing = false;
  /** Cookies set on upgrades in progress (see `issueCookie`). */
  private readonly issued = new WeakMap<IncomingMessage, string>();

  constructor(options: WampWebSocketServerOptions) {
    this.options = options;
    const serializers = options.serializers ?? ALL_SERIALIZERS;
    const names = options.subprotocols ?? wampSubprotocols(serializers);
    const accepted: Subprotocol[] = [];
    for (const n of names) {
      const p = resolveSubprotocol(n, serializers);
      if (p === undefined) throw new TypeError(`unknown WAMP subprotocol ${JSON.stringify(n)}`);
      accepted.push(p);
    }
    if (accepted.length === 0) throw new TypeError('a WAMP WebSocket server needs at least one subprotocol');
    this.accepted = accepted;
    const wsOptions: ServerOptions & { closeTimeout?: number } = {
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      closeTimeout: options.closeTimeoutMs ?? 5_000,
      // handleUpgrade() has already refused requests without a match.
      handleProtocols: (offered) => this.pick(offered)?.name ?? false,
    };
    this.wss = new WebSocketServer(wsOptions);
    const cookie = options.issueCookie;
    if (cookie !== undefined) {
      this.wss.on('headers', (headers: string[], req: IncomingMessage) => {
        const value = this.issued.get(req);
        if (value === undefined) return;
        const secure = (req.socket as Partial<TLSSocket>).encrypted === true ? '; Secure' : '';
        const age = cookie.maxAgeSeconds === undefined ? '' : `; Max-Age=${Math.floor(cookie.maxAgeSeconds)}`;
        headers.push(`Set-Cookie: ${cookie.name}=${value}${age}; Path=/; HttpOnly; SameSite=Lax${secure}`);
      });
    }
  }

  /** The path this endpoint serves, or undefined for every path. */
  get path(): string | undefined {
    return this.options.path;
  }

  /** Connections handed to `onConnection` and not yet closed. */
  get connections(): ReadonlySet<WebSocketConnection> {
    return this.open;
  }

  /** The subprotocols accepted, as configured. */
  get subprotocols(): readonly string[] {
    return this.accepted.map((p) => p.name);
  }

  /**
   * Serve upgrade requests for this endpoint's path on `server`. Ordinary
   * HTTP requests are left to the server's own handlers. An upgrade for a
   * path no WAMP endpoint serves is answered 404 only when no other `upgrade`
   * listener is on the server. Returns a function that detaches.
   */
  attach(server: AnyServer): () => void {
    let mounts = mounted.get(server);
    if (mounts === undefined) {
      const byPath = new Map<string, WampWebSocketServer>();
      const listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
        const target = byPath.get(requestPath(req)) ?? byPath.get(ANY_PATH);
        if (target !== undefined) {
          target.handleUpgrade(req, socket, head);
        } else if (server.listenerCount('upgrade') === 1) {
          refuseUpgrade(socket, 404, 'no WebSocket endpoint at this path');
        }
      };
      mounts = { byPath, listener };
      mounted.set(server, mounts);
      server.on('upgrade', listener);
    }
    const key = this.options.path ?? ANY_PATH;
    if (mounts.byPath.has(key)) throw new Error(`a WAMP endpoint is already attached at ${key}`);
    mounts.byPath.set(key, this);
    this.attachedTo.add(server);
    const m = mounts;
    return () => {
      if (m.byPath.get(key) !== this) return;
      m.byPath.delete(key);
      this.attachedTo.delete(server);
      if (m.byPath.size === 0) {
        server.off('upgrade', m.listener);
        mounted.delete(server);
      }
    };
  }

  /**
   * Listen on a port of its own (a new HTTP server that answers plain HTTP
   * requests with 426 Upgrade Required). Port 0 picks a free port.
   */
  async listen(at: { readonly port: number; readonly host?: string }): Promise<void> {
    if (this.ownServer !== undefined) throw new Error('already listening');
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
      res.end('WAMP over WebSocket: connect with a WebSocket client\n');
    });
    this.ownServer = server;
    this.attach(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        server.off('error', reject);
        server.on('error', (err: Error) => this.options.onServerError?.(err));
        resolve();
      });
    });
  }

  /** The address of the server started by {@link listen}, or null. */
  address(): AddressInfo | string | null {
    return this.ownServer?.address() ?? null;
  }

  /**
   * Handle one upgrade request (from an `upgrade` event): check the path,
   * `verifyUpgrade` and the offered subprotocols, then complete the WebSocket
   * handshake. Returns false, touching nothing, when the path is not this
   * endpoint's. A request offering no accepted WAMP subprotocol is answered
   * 400 and closed: the WAMP protocol "MUST BE negotiated during the
   * WebSocket opening handshake".
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = this.options.path;
    if (path !== undefined && requestPath(req) !== path) return false;
    const report = (message: string): void => this.options.onUpgradeError?.(new Error(message), req);
    if (this.closing) {
      refuseUpgrade(socket, 503, 'shutting down');
      return true;
    }
    const refusal = this.options.verifyUpgrade?.(req);
    if (refusal !== undefined) {
      report(`upgrade refused by verifyUpgrade: ${refusal.status}`);
      refuseUpgrade(socket, refusal.status, refusal.message ?? statusText(refusal.status));
      return true;
    }
    const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
    const chosen = this.pick(offered);
    if (chosen === undefined) {
      const message = `no supported WAMP subprotocol offered (offered: ${offered.join(', ') || 'none'}; supported: ${this.subprotocols.join(', ')})`;
      report(message);
      refuseUpgrade(socket, 400, message);
      return true;
    }
    const cookie = this.options.issueCookie;
    if (cookie !== undefined) {
      const sent = parseCookies(req.headers.cookie);
      const has = Object.prototype.hasOwnProperty.call(sent, cookie.name);
      if (!has || cookie.keep?.(sent[cookie.name]!) === false) this.issued.set(req, cookie.generate());
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, socket, chosen));
    return true;
  }

  /** The request's cookies, with the one this server just set (`issueCookie`). */
  private cookiesOf(req: IncomingMessage): Record<string, string> {
    const cookies = parseCookies(req.headers.cookie);
    const value = this.issued.get(req);
    if (value !== undefined && this.options.issueCookie !== undefined) cookies[this.options.issueCookie.name] = value;
    return cookies;
  }

  /** The client's most preferred subprotocol among those accepted. */
  private pick(offered: Iterable<string>): Subprotocol | undefined {
    for (const o of offered) {
      const p = this.accepted.find((a) => a.name === o);
      if (p !== undefined) return p;
    }
    return undefined;
  }

  private accept(ws: WebSocket, req: IncomingMessage, socket: Duplex, proto: Subprotocol): void {
    if (this.closing) {
      ws.terminate();
      return;
    }
    const s = socket as Socket;
    const tlsClient = tlsClientInfo(socket);
    const peer: WebSocketPeer = {
      transport: 'websocket',
      remoteAddress: s.remoteAddress,
      remotePort: s.remotePort,
      localAddress: s.localAddress,
      localPort: s.localPort,
      tls: (socket as Partial<TLSSocket>).encrypted === true,
      url: req.url ?? '/',
      headers: req.headers,
      cookies: this.cookiesOf(req),
      ...(this.issued.has(req) && this.options.issueCookie !== undefined ? { issuedCookie: this.options.issueCookie.name } : {}),
      ...(tlsClient === undefined ? {} : { tlsClient }),
      subprotocol: proto.name,
      serializer: proto.serializer.name,
      batched: proto.batched,
    };
    const heartbeat = this.options.heartbeat === false ? undefined : (this.options.heartbeat ?? { intervalMs: 30_000 });
    preciseCloseReasons(ws, this.options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE);
    const backpressure: BackpressureOptions = {
      maxQueuedBytes: Math.max(DEFAULT_MAX_QUEUED_BYTES, 8 * (this.options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE)),
      ...this.options.backpressure,
    };
    const conn = new WebSocketConnection({ ws, proto, peer, backpressure, heartbeat });
    this.open.add(conn);
    ws.once('close', () => this.open.delete(conn));
    this.options.onConnection(conn);
  }

  /**
   * Refuse new upgrades, close open connections (1001, going away; cut after
   * the close timeout), detach from every server, close the server of
   * {@link listen}, and resolve once every WebSocket is gone.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const c of this.open) c.close(1001, 'server shutting down');
    const gone = [...this.sockets].map(
      (s) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve()))),
    );
    for (const server of [...this.attachedTo]) {
      const m = mounted.get(server);
      const key = this.options.path ?? ANY_PATH;
      if (m !== undefined && m.byPath.get(key) === this) {
        m.byPath.delete(key);
        if (m.byPath.size === 0) {
          server.off('upgrade', m.listener);
          mounted.delete(server);
        }
      }
    }
    this.attachedTo.clear();
    const own = this.ownServer;
    const stopped = own === undefined ? Promise.resolve() : new Promise<void>((resolve) => own.close(() => resolve()));
    await Promise.all([stopped, ...gone]);
    this.wss.close();
  }
}

/**
 * ws fails a connection on a frame it cannot accept (over `maxPayload`: 1009;
 * a broken frame: 1002) by sending a close frame without a reason, and only
 * then emits the error that says what was wrong. The close of this instance
 * is deferred to the end of the turn so that the error's message (or, for
 * 1009, the limit) becomes the close reason the peer sees.
 */
function preciseCloseReasons(ws: WebSocket, maxPayload: number): void {
  const close = ws.close.bind(ws);
  let lastError: Error | undefined;
  ws.on('error', (err: Error) => {
    lastError = err;
  });
  ws.close = (code?: number, reason?: string | Buffer): void => {
    if ((code !== 1009 && code !== 1002) || (reason !== undefined && reason.length > 0)) {
      close(code, reason);
      return;
    }
    queueMicrotask(() => {
      const what = code === 1009 ? `message exceeds the maximum of ${maxPayload} octets` : (lastError?.message ?? 'WebSocket protocol error');
      try {
        close(code, closeReason(what));
      } catch {
        close(code);
      }
    });
  };
}

/** Create a {@link WampWebSocketServer}; then `attach()` it, `listen()`, or feed `handleUpgrade()`. */
export function createWebSocketServer(options: WampWebSocketServerOptions): WampWebSocketServer {
  return new WampWebSocketServer(options);
}
