/**
 * `connect({ url, realm })`: the one-call way to a joined session. The URL
 * picks the transport; in this browser-safe module only `ws://` and `wss://`
 * exist (on the runtime's WebSocket). `@wamp/ws/node` adds RawSocket URLs
 * and the `ws` client.
 */

import {
  Client,
  Session,
  firstOpening,
  type ClientOptions,
  type Connector,
  type JoinOptions,
  type RetryOptions,
  type TransportFactory,
} from '@wamp/client';
import { LocalProtocolError, jsonSerializer, type Serializer } from '@wamp/core';
import { webSocketBatching, webSocketTransport, type WebSocketConstructor } from './client.js';

/**
 * One entry of `transports`: a URL with options of its own, which take the
 * place of the top-level ones for this entry.
 */
export interface TransportSpec {
  /** `ws://` or `wss://` (in `@wamp/ws/node` also the RawSocket URLs). */
  readonly url: string;
  /** As {@link ConnectOptions.serializers}, for this entry. */
  readonly serializers?: readonly Serializer[];
  /** As {@link ConnectOptions.batched}, for this entry. */
  readonly batched?: boolean;
  /** As {@link ConnectOptions.WebSocket}, for this entry. */
  readonly WebSocket?: WebSocketConstructor;
  /** As {@link ConnectOptions.connectTimeoutMs}, for this entry. */
  readonly connectTimeoutMs?: number;
}

/** Options of `connect`: where, which realm, which serializers. */
export interface ConnectOptions extends JoinOptions {
  /** `ws://host:port/path` or `wss://...` (and, from `@wamp/ws/node`, `rawsocket+tcp://`, `tcp://`, `rawsocket+tls://`, `rawsocket+unix:///path`). Either this or `transports` (or both: `url` is then tried first). */
  readonly url?: string;
  /**
   * An ordered list of connectors: URLs, or URLs with options of their own
   * ({@link TransportSpec}). Every connection attempt tries them in turn
   * and keeps the first transport that opens; each failure is reported
   * through `onWarning` before the next is tried, and when all fail the
   * attempt rejects with a `TransportsFailedError` (of `@wamp/client`) that
   * lists each one with its error.
   */
  readonly transports?: readonly (string | TransportSpec)[];
  /**
   * Serializers to offer, preferred first (`jsonSerializer`, `msgpackSerializer`,
   * `cborSerializer` of `@wamp/core`): WebSocket offers them all (and the
   * router picks). Default JSON only, so that a bundle carries a binary
   * codec only when the application imports it. (`@wamp/ws/node` also takes
   * names and offers all three by default.)
   */
  readonly serializers?: readonly Serializer[];
  /** Offer the `.batched` WebSocket subprotocols instead of the plain ones. */
  readonly batched?: boolean;
  /** WebSocket implementation; default: in Node the `ws` client, elsewhere `globalThis.WebSocket`. */
  readonly WebSocket?: WebSocketConstructor;
  /** Opening must finish within this time (ms). Default 10 000. */
  readonly connectTimeoutMs?: number;
}

/** Options of `createClient`: those of `connect`, and reconnection. */
export interface CreateClientOptions extends ConnectOptions {
  /**
   * More URLs of the same router — the nodes of a cluster, say. Each
   * connection attempt takes the next URL in turn (`url` first), so that a
   * reconnect after a node is lost goes to another node; the `Client` then
   * re-registers and re-subscribes there as after any reconnect.
   */
  readonly urls?: readonly string[];
  /** Reconnection policy; `false` never reconnects. Default: exponential backoff with jitter. */
  readonly retry?: RetryOptions | false;
  readonly heartbeat?: ClientOptions['heartbeat'];
}

/** The WebSocket subprotocols of `serializers`, in order (their `.batched` variants when `batched`). */
export function subprotocolsFor(serializers: readonly Serializer[], batched = false): string[] {
  return serializers.map((s) => (batched ? `${s.subprotocol}.batched` : s.subprotocol));
}

/** The transport factory a URL names, in a browser. */
export function browserTransportFor(opts: ConnectOptions & { readonly url: string }): TransportFactory {
  const scheme = opts.url.slice(0, opts.url.indexOf(':') + 1).toLowerCase();
  if (scheme !== 'ws:' && scheme !== 'wss:') {
    throw new LocalProtocolError(
      'wamp.error.invalid_argument',
      `unsupported URL "${opts.url}": this runtime offers ws:// and wss://; RawSocket needs Node (import connect from '@wamp/ws/node')`,
    );
  }
  const serializers = opts.serializers ?? [jsonSerializer];
  return webSocketTransport({
    url: opts.url,
    serializers,
    subprotocols: subprotocolsFor(serializers, opts.batched),
    ...(opts.batched === true ? { batching: webSocketBatching } : {}),
    ...(opts.WebSocket === undefined ? {} : { WebSocket: opts.WebSocket }),
    ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
  });
}

/** The URLs and specs of `url` and `transports`, in the order they are tried; at least one. */
export function connectorEntries<S extends { readonly url: string }>(opts: {
  readonly url?: string | undefined;
  readonly transports?: readonly (string | S)[] | undefined;
}): (string | S)[] {
  const entries = [...(opts.url === undefined ? [] : [opts.url]), ...(opts.transports ?? [])];
  if (entries.length === 0) throw new LocalProtocolError('wamp.error.invalid_argument', 'connect needs `url` or `transports`');
  return entries;
}

/**
 * The transport factory of `url`/`transports`: with `transports`, a
 * connector list ({@link firstOpening}) named by URL and serializers, whose
 * failed entries are reported through `onWarning`; with `url` alone, that
 * URL's factory.
 */
export function connectorsFactory<O extends { readonly url?: string | undefined; readonly onWarning?: ((message: string) => void) | undefined }, S extends { readonly url: string }>(
  opts: O & { readonly transports?: readonly (string | S)[] | undefined },
  forEntry: (entry: O & { readonly url: string }) => TransportFactory,
  describe: (entry: O & { readonly url: string }) => string,
): TransportFactory {
  const entries = connectorEntries<S>(opts);
  if (opts.transports === undefined) return forEntry({ ...opts, url: entries[0] as string });
  const connectors: Connector[] = entries.map((e) => {
    const entry = { ...opts, ...(typeof e === 'string' ? { url: e } : e) } as O & { readonly url: string };
    return { name: describe(entry), open: forEntry(entry) };
  });
  return firstOpening(connectors, (a) => opts.onWarning?.(`connector ${a.connector} failed: ${a.error instanceof Error ? a.error.message : String(a.error)}`));
}

function describeBrowser(opts: ConnectOptions & { readonly url: string }): string {
  return `${opts.url} (${(opts.serializers ?? [jsonSerializer]).map((s) => s.name).join(', ')})`;
}

/** The transport factory of `connect`'s options in a browser: `url`, or the connector list of `transports`. */
export function browserConnectors(opts: ConnectOptions): TransportFactory {
  return connectorsFactory<ConnectOptions, TransportSpec>(opts, browserTransportFor, describeBrowser);
}

/** Join `realm` at `url` (or the first of `transports` that opens) once, without reconnection: `await (await connect(o)).call(...)`. */
export async function connect(opts: ConnectOptions): Promise<Session> {
  const transport = await browserConnectors(opts)();
  return Session.join(transport, opts);
}

/**
 * The transport factory of a `Client` given `url` and, optionally, more
 * `urls`: each call opens the next URL in turn (the factories are made once).
 */
export function rotatingTransport(opts: { readonly url?: string | undefined; readonly urls?: readonly string[] | undefined }, forUrl: (url: string) => TransportFactory): TransportFactory {
  if (opts.url === undefined) throw new LocalProtocolError('wamp.error.invalid_argument', 'createClient needs `url` or `transports`');
  const first = opts.url;
  const all = [first, ...(opts.urls ?? []).filter((u) => u !== first)];
  const factories = all.map(forUrl);
  if (factories.length === 1) return factories[0]!;
  let next = 0;
  return () => {
    const f = factories[next % factories.length]!;
    next++;
    return f();
  };
}

/**
 * The transport factory of `createClient`: the connector list of
 * `transports` (tried in turn on every connection attempt), or `url` and
 * `urls` in rotation. `urls` and `transports` do not mix.
 */
export function clientTransport<O extends { readonly url?: string | undefined; readonly urls?: readonly string[] | undefined; readonly transports?: readonly unknown[] | undefined }>(
  opts: O,
  connectors: (o: O) => TransportFactory,
  forUrl: (url: string) => TransportFactory,
): TransportFactory {
  if (opts.transports === undefined) return rotatingTransport(opts, forUrl);
  if (opts.urls !== undefined) {
    throw new LocalProtocolError('wamp.error.invalid_argument', '`urls` and `transports` do not mix: list every connector in `transports`');
  }
  return connectors(opts);
}

/**
 * A `Client` (reconnection, re-registration, re-subscription) for `url` (and
 * `urls`), or for the connector list `transports`; call `connect()` on it.
 */
export function createClient(opts: CreateClientOptions): Client {
  return new Client({ ...opts, transport: clientTransport(opts, browserConnectors, (url) => browserTransportFor({ ...opts, url })) });
}
