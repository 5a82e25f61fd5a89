/**
 * `createRouter(config)`: the runnable router as a library. It builds the
 * sans-IO core router, its I/O host, the configured WebSocket and RawSocket
 * listeners, and a per-realm API for procedures and topics that live inside
 * the process.
 */

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { DEFAULT_AUTH_COOKIE, DEFAULT_AUTH_COOKIE_MAX_AGE_MS, Router, serializerByName, type HistoryStore, type HttpUpgradeInfo, type MessageInterceptor, type Serializer, type SessionInfo } from '@wamp/core';
import { nodeCryptoProvider } from '@wamp/client/node-crypto';
import { createRawSocketServer, type DropInfo as RsDropInfo, type RawSocketConnection, type RawSocketServer } from '@wamp/rawsocket';
import { createWebSocketServer, type DropInfo as WsDropInfo, type IssuedCookie, type WampWebSocketServer, type WebSocketConnection } from '@wamp/ws/node';
import {
  validateNodeRouterConfig,
  type ListenerConfig,
  type NodeRouterConfig,
  type RawSocketListenerConfig,
  type TlsFiles,
  type WebSocketListenerConfig,
} from './config.js';
import { AdminServer, type ReadinessCheck } from './admin.js';
import { NatsBus } from './cluster-nats.js';
import { RouterHost, cryptoRandomId } from './host.js';
import { nodeRouterKey } from './router-key.js';
import { ConnectionLimiter } from './limiter.js';
import { createLogger, type Logger } from './log.js';
import { RouterMetrics } from './metrics.js';
import { RealmApi } from './realm-api.js';

/** Options of {@link createRouter}. */
export interface CreateRouterOptions {
  /** Use this logger instead of one built from `config.log`. */
  readonly logger?: Logger;
  /**
   * Log one `listening` line per listener (default true). The `wamp-router`
   * command prints them on stdout instead, so that each appears once.
   */
  readonly logListening?: boolean;
  /**
   * Count metrics even without the operations endpoint (read them from
   * `router.metrics.registry`). Default: only when `config.admin` is set.
   */
  readonly metrics?: boolean;
  /** Where each realm's event history is kept (default in memory); see `HistoryStore` of @wamp/core. */
  readonly historyStore?: (realm: string) => HistoryStore;
  /**
   * A per-message policy hook of the core router: it sees every message a
   * client sends, with its session (`session.info` has the transport, `session.identity`
   * who it is), and may refuse it. See `MessageInterceptor` of @wamp/core.
   */
  readonly interceptor?: MessageInterceptor;
}

/** Where a listener ended up listening (port 0 resolves to the real port). */
export interface ListeningAddress {
  /** `admin` is the operations endpoint (`adminAddress`). */
  readonly type: 'websocket' | 'rawsocket' | 'admin';
  /** e.g. `ws://127.0.0.1:8080/ws`, `rs://127.0.0.1:8081`, `unix:/tmp/wamp.sock`. */
  readonly url: string;
  readonly host?: string;
  readonly port?: number;
  readonly path?: string;
}

/** Options of `WampRouter.attach`. */
export interface AttachOptions {
  /** Request path to serve WAMP on; default `/ws`. */
  readonly path?: string;
  readonly serializers?: readonly Serializer[];
}

interface ActiveListener {
  readonly address: ListeningAddress;
  close(): Promise<void>;
}

function serializersOf(names: readonly string[]): Serializer[] {
  return names.map((n) => {
    const s = serializerByName(n);
    if (s === undefined) throw new Error(`unknown serializer ${n}`);
    return s;
  });
}

function readTls(t: TlsFiles): { cert: Buffer; key: Buffer; ca?: Buffer; requestCert: boolean; rejectUnauthorized: boolean } {
  // Mutual TLS: without rejectUnauthorized, a client whose certificate is missing or does not verify still
  // connects (and may authenticate otherwise); SessionInfo.tls says which.
  const requestCert = t.requestCert === true;
  const out: { cert: Buffer; key: Buffer; ca?: Buffer; requestCert: boolean; rejectUnauthorized: boolean } = {
    cert: readFileSync(t.cert),
    key: readFileSync(t.key),
    requestCert,
    rejectUnauthorized: requestCert && t.rejectUnauthorized === true,
  };
  if (t.ca !== undefined) out.ca = readFileSync(t.ca);
  return out;
}

/** Node's upgrade headers without the undefined entries its type allows. */
function plainHeaders(h: IncomingHttpHeaders): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v;
  return out;
}

function peerString(addr: string | undefined, port: number | undefined, tls: boolean): string | undefined {
  if (addr === undefined) return undefined;
  const fam = addr.includes(':') ? 'tcp6' : 'tcp4';
  return `${tls ? 'tls:' : ''}${fam}:${addr}:${port ?? 0}`;
}

/**
 * A WAMP router with its listeners. `listen()` opens the configured
 * listeners, `close()` sends GOODBYE `wamp.close.system_shutdown` to every
 * session, closes the listeners and waits for them.
 */
export class WampRouter {
  readonly config: NodeRouterConfig;
  /** The sans-IO core router (inspect realms with `core.inspect(name)`). */
  readonly core: Router;
  readonly log: Logger;
  /** The router's Ed25519 public key (hex) for cryptosign router authentication, when `routerKey` is configured: what clients pin. */
  readonly routerPublicKey: string | undefined;
  private readonly host: RouterHost;
  private readonly listeners: ActiveListener[] = [];
  private readonly realms = new Map<string, RealmApi>();
  private readonly detachers: (() => void)[] = [];
  private readonly wsServers: WampWebSocketServer[] = [];
  private closing: Promise<void> | undefined;
  private bus: NatsBus | undefined;
  /** The Prometheus metrics; undefined when neither `config.admin` nor `options.metrics` asked for them. */
  readonly metrics: RouterMetrics | undefined;
  private admin: AdminServer | undefined;
  private adminAddr: ListeningAddress | undefined;
  private listening = false;
  private readonly readiness = new Map<string, ReadinessCheck>();
  private readonly logListening: boolean;
  private readonly limiter: ConnectionLimiter;
  /** RawSocket: incomplete messages across every RawSocket listener. */
  private readonly inboundBudget: { readonly maxBytes: number; usedBytes: number };

  constructor(config: NodeRouterConfig, options: CreateRouterOptions = {}) {
    this.config = config;
    this.log = options.logger ?? createLogger(config.log);
    this.logListening = options.logListening ?? true;
    const crypto = nodeCryptoProvider();
    const metrics =
      config.admin !== undefined || options.metrics === true
        ? new RouterMetrics(
            config.router.realms.map((r) => r.name),
            () => this.host.size,
          )
        : undefined;
    const routerKey = config.routerKey === undefined ? undefined : nodeRouterKey(config.routerKey);
    this.routerPublicKey = routerKey === undefined ? undefined : Buffer.from(routerKey.publicKey).toString('hex');
    const c = config.cluster;
    const core = new Router(config.router, {
      randomId: cryptoRandomId(),
      crypto,
      ...(routerKey ? { routerKey } : {}),
      ...(options.historyStore ? { historyStore: options.historyStore } : {}),
      ...(options.interceptor ? { interceptor: options.interceptor } : {}),
      ...(metrics ? { probe: metrics.probe } : {}),
      ...(c !== undefined
        ? {
            cluster: {
              node: c.node,
              ...(c.heartbeatMs !== undefined ? { heartbeatMs: c.heartbeatMs } : {}),
              ...(c.nodeTimeoutMs !== undefined ? { nodeTimeoutMs: c.nodeTimeoutMs } : {}),
            },
          }
        : {}),
    });
    this.core = core;
    this.metrics = metrics;
    this.host = new RouterHost({ router: this.core, crypto, log: this.log, ...(metrics ? { observer: metrics } : {}) });
    this.readiness.set('listeners', () =>
      this.closing !== undefined ? 'shutting down' : this.listening ? true : 'the WAMP listeners are not open',
    );
    if (c !== undefined) this.readiness.set('cluster', () => (this.clusterReady ? true : 'not connected to NATS'));
    this.limiter = new ConnectionLimiter(config.maxConnections, config.maxConnectionsPerAddress, this.log);
    this.inboundBudget = { maxBytes: config.maxIncompleteBytes, usedBytes: 0 };
  }

  /** Where the operations endpoint listens (`http://127.0.0.1:8090`), once `listen()` opened it. */
  get adminAddress(): ListeningAddress | undefined {
    return this.adminAddr;
  }

  /**
   * Add (or with `undefined`, remove) a readiness check of `/ready`, e.g.
   * `router.setReadinessCheck('cluster', () => joined || 'not joined yet')`.
   * `/ready` answers 200 only when every check returns true. The router's own
   * check, `listeners`, passes once `listen()` opened every WAMP listener.
   */
  setReadinessCheck(name: string, check: ReadinessCheck | undefined): void {
    if (check === undefined) this.readiness.delete(name);
    else this.readiness.set(name, check);
  }

  /**
   * Cluster: whether this node is connected to NATS (and so serves the
   * cluster's realms as one router). Always true without a cluster.
   */
  get clusterReady(): boolean {
    return this.config.cluster === undefined || (this.core.cluster?.connected ?? false);
  }

  /** Cluster: the other nodes this node believes alive (empty without a cluster). */
  get clusterNodes(): readonly string[] {
    return this.core.cluster?.liveNodes ?? [];
  }

  /** Addresses of the open listeners. */
  get addresses(): readonly ListeningAddress[] {
    return this.listeners.map((l) => l.address);
  }

  /** Number of connected transports. */
  get connectionCount(): number {
    return this.host.size;
  }

  /** Open every configured listener. Rejects (and closes what opened) when one cannot listen. */
  async listen(): Promise<readonly ListeningAddress[]> {
    const c = this.config.cluster;
    if (c !== undefined && this.bus === undefined) {
      // Join the cluster before taking clients: a node that cannot reach NATS says so and does not serve.
      const bus = await NatsBus.connect(c, this.log);
      this.bus = bus;
      this.host.clusterSink = (o) => bus.send(o);
      bus.start(this.host);
      this.log.info('cluster: joined through NATS', { node: c.node, cluster: c.name, servers: c.servers });
    }
    try {
      const a = this.config.admin;
      if (a !== undefined && this.metrics !== undefined) {
        // First, so that an orchestrator sees "alive, not ready" while the WAMP listeners open.
        const admin = new AdminServer({
          registry: this.metrics.registry,
          checks: () => this.readiness,
          onError: (err) => this.log.error('operations endpoint error', { error: err.message }),
        });
        this.admin = admin;
        const addr = await admin.listen(a.host, a.port);
        this.adminAddr = { type: 'admin', url: `http://${fmtHost(addr.address)}:${addr.port}`, host: addr.address, port: addr.port };
      }
      for (const l of this.config.listeners) this.listeners.push(await this.openListener(l));
    } catch (e) {
      await Promise.allSettled([...this.listeners.splice(0).map((l) => l.close()), this.admin?.close()]);
      this.admin = undefined;
      this.adminAddr = undefined;
      throw e;
    }
    this.listening = true;
    if (this.logListening) {
      const realms = this.core.realmNames.join(', ');
      for (const l of this.listeners) this.log.info('listening', { type: l.address.type, url: l.address.url, realms });
      if (this.adminAddr !== undefined) this.log.info('operations endpoint listening', { url: this.adminAddr.url, paths: '/metrics /health /ready' });
    }
    this.checkFileLimit();
    return this.addresses;
  }

  /**
   * Serve WAMP-over-WebSocket on an existing HTTP(S) server, beside the
   * application's own routes. Returns a function that detaches it.
   */
  attach(server: HttpServer | HttpsServer, options: AttachOptions = {}): () => void {
    const ws = this.makeWebSocketServer(options.path ?? '/ws', options.serializers ?? serializersOf(['json', 'msgpack', 'cbor']), false);
    const detach = ws.attach(server);
    this.detachers.push(detach);
    return detach;
  }

  /**
   * The in-process API of a realm: register procedures and publish events
   * from the router process itself, through an internal session that the meta
   * API and disclosure see like any other.
   */
  realm(name: string): RealmApi {
    let r = this.realms.get(name);
    if (r === undefined) {
      r = new RealmApi(name, this.host);
      this.realms.set(name, r);
    }
    return r;
  }

  /** Graceful shutdown: GOODBYE to every session, then close listeners and connections. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    for (const r of this.realms.values()) r.dispose();
    this.host.shutdown();
    // Give the GOODBYEs a moment to reach the peers before the sockets close.
    await new Promise((res) => setTimeout(res, 50));
    this.host.closeAll();
    if (this.bus !== undefined) await this.bus.close();
    for (const d of this.detachers.splice(0)) d();
    await Promise.allSettled([...this.listeners.splice(0).map((l) => l.close()), ...this.wsServers.splice(0).map((s) => s.close())]);
    this.listening = false;
    await this.admin?.close();
  }

  /**
   * Accept failing with EMFILE never reaches Node: libuv closes the pending
   * connection itself (its reserve-descriptor trick) and reports nothing. So
   * say at start when `maxConnections` cannot be reached under the process's
   * open-file limit (Linux: /proc/self/limits), which is when that would happen.
   */
  private checkFileLimit(): void {
    let text: string;
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return;
    }
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
    if (m === null || m[1] === 'unlimited') return;
    const limit = Number(m[1]);
    // Descriptors the process needs besides client sockets: listeners, stdio, files, DNS...
    const reserve = 64;
    if (this.config.maxConnections + reserve > limit) {
      this.log.warn('open-file limit below maxConnections: connections beyond it are dropped at accept (EMFILE), unlogged', {
        openFileLimit: limit,
        maxConnections: this.config.maxConnections,
      });
    }
  }

  /**
   * A peer that stopped reading can have every frame dropped: log its 1st,
   * 2nd, 4th, 8th... drop, so that the log grows with the logarithm of the
   * flood rather than with the flood.
   */
  private logDrop(transport: 'websocket' | 'rawsocket', info: WsDropInfo | RsDropInfo): void {
    this.metrics?.dropped(transport, info.reason);
    const n = info.droppedFrames;
    if ((n & (n - 1)) === 0) this.log.warn('outbound queue full, frames dropped', { transport, ...info });
  }

  private makeWebSocketServer(path: string, serializers: readonly Serializer[], tls: boolean, trustlevel?: number): WampWebSocketServer {
    const cfg = this.config;
    const issueCookie = this.authCookie;
    const server = createWebSocketServer({
      ...(issueCookie === undefined ? {} : { issueCookie }),
      path,
      serializers,
      subprotocols: serializers.flatMap((s) => [s.subprotocol, `${s.subprotocol}.batched`]),
      maxMessageSize: cfg.router.limits?.maxMessageSize ?? 16 * 1024 * 1024,
      heartbeat: cfg.heartbeatMs > 0 ? { intervalMs: cfg.heartbeatMs } : false,
      backpressure: {
        ...cfg.backpressure,
        onDrop: (info) => this.logDrop('websocket', info),
      },
      onConnection: (conn: WebSocketConnection) => this.accept(conn, 'websocket', conn.peer.remoteAddress, conn.peer.remotePort, tls || conn.peer.tls, conn.serializer, trustlevel),
      onUpgradeError: (err) => this.log.debug('websocket upgrade refused', { error: err.message }),
      onServerError: (err) => this.log.error('websocket server error', { error: err.message }),
    });
    this.wsServers.push(server);
    return server;
  }

  private accept(
    conn: WebSocketConnection | RawSocketConnection,
    transport: 'websocket' | 'rawsocket',
    addr: string | undefined,
    port: number | undefined,
    tls: boolean,
    serializer: Serializer,
    trustlevel?: number,
  ): void {
    if (this.closing !== undefined) {
      // Shutting down: a client reconnecting during the GOODBYE grace period
      // must not be welcomed into a router about to vanish.
      conn.close(1001, 'router shutting down');
      return;
    }
    const peer = peerString(addr, port, tls);
    // TLS channel binding (cryptosign, WAMP-SCRAM): the `tls-exporter` data of this connection.
    const channelId = tls ? conn.channelBinding('tls-exporter') : undefined;
    const p = conn.peer;
    // The upgrade request (cookie authentication) and the client certificate (mutual TLS), for authenticators and handlers.
    const http: HttpUpgradeInfo | undefined =
      p.transport === 'websocket'
        ? { url: p.url, headers: plainHeaders(p.headers), cookies: p.cookies, ...(p.issuedCookie === undefined ? {} : { issuedCookie: p.issuedCookie }) }
        : undefined;
    const info: SessionInfo = {
      transport,
      serializer,
      ...(peer === undefined ? {} : { peer }),
      ...(trustlevel === undefined ? {} : { trustlevel }),
      ...(channelId === undefined ? {} : { channelId, channelBinding: 'tls-exporter' as const }),
      ...(http === undefined ? {} : { http }),
      ...(p.tlsClient === undefined ? {} : { tls: p.tlsClient }),
    };
    this.host.attach(conn, info);
  }

  /**
   * Cookie authentication with the router's own store (a realm's `auth.cookie`
   * of type `static`): the cookie every WebSocket endpoint sets on upgrades
   * that lack it. One name for all realms: the first realm's counts.
   */
  private get authCookie(): IssuedCookie | undefined {
    const found = this.config.router.realms.map((r) => r.auth?.cookie).filter((c) => c?.type === 'static');
    const c = found[0];
    if (c?.type !== 'static') return undefined;
    const maxAgeMs = Math.max(...found.map((x) => (x?.type === 'static' ? (x.maxAgeMs ?? DEFAULT_AUTH_COOKIE_MAX_AGE_MS) : 0)));
    return {
      name: c.name ?? DEFAULT_AUTH_COOKIE,
      maxAgeSeconds: Math.ceil(maxAgeMs / 1000),
      generate: () => randomBytes(24).toString('base64url'),
      // A cookie the store no longer knows (expired, evicted, or never ours) is replaced.
      keep: (value) => this.core.authCookies.known(value, Date.now()),
    };
  }

  private async openListener(l: ListenerConfig): Promise<ActiveListener> {
    return l.type === 'websocket' ? this.openWebSocket(l) : this.openRawSocket(l);
  }

  private async openWebSocket(l: WebSocketListenerConfig): Promise<ActiveListener> {
    const ws = this.makeWebSocketServer(l.path, serializersOf(l.serializers), l.tls !== undefined, l.trustlevel);
    // Our own HTTP(S) server rather than ws.listen(): a connection that never
    // finishes its TLS handshake or its upgrade request must be reaped within
    // handshakeTimeoutMs, and Node checks headersTimeout only every
    // connectionsCheckingInterval (30 s by default).
    const timeout = this.config.handshakeTimeoutMs;
    const httpOptions = {
      headersTimeout: timeout,
      requestTimeout: timeout,
      connectionsCheckingInterval: Math.min(1_000, Math.max(10, Math.floor(timeout / 4))),
    };
    const upgradeRequired = (_req: IncomingMessage, res: ServerResponse): void => {
      res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
      res.end('WAMP over WebSocket: connect with a WebSocket client\n');
    };
    const server: HttpServer | HttpsServer =
      l.tls === undefined
        ? createHttpServer(httpOptions, upgradeRequired)
        : createHttpsServer({ ...httpOptions, ...readTls(l.tls), handshakeTimeout: timeout }, upgradeRequired);
    const detach = ws.attach(server);
    // Connection caps, before TLS and the HTTP upgrade.
    server.on('connection', (socket: Socket) => {
      if (!this.limiter.admit(socket, 'websocket')) socket.destroy();
    });
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(l.port, l.host, () => {
        server.off('error', rej);
        server.on('error', (err: Error) => this.log.error('websocket server error', { error: err.message }));
        res();
      });
    });
    if (l.tls !== undefined) {
      server.on('tlsClientError', (err: Error) => this.log.debug('tls handshake failed', { transport: 'websocket', error: err.message }));
    }
    const a = server.address() as AddressInfo;
    const scheme = l.tls === undefined ? 'ws' : 'wss';
    return {
      address: { type: 'websocket', url: `${scheme}://${fmtHost(a.address)}:${a.port}${l.path}`, host: a.address, port: a.port, path: l.path },
      close: async () => {
        detach();
        await ws.close();
        server.closeAllConnections();
        await new Promise<void>((res) => server.close(() => res()));
      },
    };
  }

  private async openRawSocket(l: RawSocketListenerConfig): Promise<ActiveListener> {
    const tls = l.tls === undefined ? undefined : readTls(l.tls);
    const cfg = this.config;
    const server: RawSocketServer = createRawSocketServer({
      serializers: serializersOf(l.serializers),
      maxMessageSize: Math.min(cfg.router.limits?.maxMessageSize ?? 16 * 1024 * 1024, 2 ** 24),
      backpressure: {
        ...cfg.backpressure,
        onDrop: (info) => this.logDrop('rawsocket', info),
      },
      handshakeTimeoutMs: cfg.handshakeTimeoutMs,
      // RawSocket PING/PONG, as `heartbeat` does for WebSocket: a peer that stops answering is closed.
      ...(cfg.heartbeatMs > 0 && l.heartbeat !== false ? { keepalive: { intervalMs: cfg.heartbeatMs } } : {}),
      readTimeoutMs: cfg.readTimeoutMs,
      maxIncompleteBytes: this.inboundBudget,
      admitSocket: (socket) => this.limiter.admit(socket, 'rawsocket'),
      ...(tls ? { tls } : {}),
      onConnection: (conn) => this.accept(conn, 'rawsocket', conn.peer.remoteAddress, conn.peer.remotePort, tls !== undefined, conn.serializer, l.trustlevel),
      onHandshakeError: (err, peer) => this.log.debug('rawsocket handshake failed', { error: err.message, peer: peer.remoteAddress }),
      onServerError: (err) => this.log.error('rawsocket server error', { error: err.message }),
    });
    if (l.path !== undefined) {
      await server.listen({ path: l.path });
      return { address: { type: 'rawsocket', url: `unix:${l.path}`, path: l.path }, close: () => server.close() };
    }
    await server.listen({ port: l.port ?? 8081, host: l.host ?? '127.0.0.1' });
    const a = server.address() as AddressInfo;
    const scheme = tls ? 'rss' : 'rs';
    return {
      address: { type: 'rawsocket', url: `${scheme}://${fmtHost(a.address)}:${a.port}`, host: a.address, port: a.port },
      close: () => server.close(),
    };
  }
}

function fmtHost(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}

/**
 * Build a router from a configuration object (the same shape as the JSON
 * config file; omitted parts take the embedded defaults). Throws
 * `RouterConfigError` naming the field when the configuration is invalid.
 */
export function createRouter(config: unknown = {}, options: CreateRouterOptions = {}): WampRouter {
  return new WampRouter(validateNodeRouterConfig(config), options);
}
