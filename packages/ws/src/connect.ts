/**
 * `connect({ url, realm })`: the one-call way to a joined session. The URL
 * picks the transport; in this browser-safe module only `ws://` and `wss://`
 * exist (on the runtime's WebSocket). `@wamp/ws/node` adds RawSocket URLs
 * and the `ws` client.
 */

import {
  Client,
  Session,
  type ClientOptions,
  type JoinOptions,
  type RetryOptions,
  type TransportFactory,
} from '@wamp/client';
import { LocalProtocolError, jsonSerializer, type Serializer } from '@wamp/core';
import { webSocketTransport, type WebSocketConstructor } from './client.js';

/** Options of `connect`: where, which realm, which serializers. */
export interface ConnectOptions extends JoinOptions {
  /** `ws://host:port/path` or `wss://...` (and, from `@wamp/ws/node`, `rawsocket+tcp://`, `tcp://`, `rawsocket+tls://`, `rawsocket+unix:///path`). */
  readonly url: string;
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
export function browserTransportFor(opts: ConnectOptions): TransportFactory {
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
    ...(opts.WebSocket === undefined ? {} : { WebSocket: opts.WebSocket }),
    ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
  });
}

/** Join `realm` at `url` once (no reconnection): `await (await connect(o)).call(...)`. */
export async function connect(opts: ConnectOptions): Promise<Session> {
  const transport = await browserTransportFor(opts)();
  return Session.join(transport, opts);
}

/**
 * The transport factory of a `Client` given `url` and, optionally, more
 * `urls`: each call opens the next URL in turn (the factories are made once).
 */
export function rotatingTransport(opts: { readonly url: string; readonly urls?: readonly string[] | undefined }, forUrl: (url: string) => TransportFactory): TransportFactory {
  const all = [opts.url, ...(opts.urls ?? []).filter((u) => u !== opts.url)];
  const factories = all.map(forUrl);
  if (factories.length === 1) return factories[0]!;
  let next = 0;
  return () => {
    const f = factories[next % factories.length]!;
    next++;
    return f();
  };
}

/** A `Client` (reconnection, re-registration, re-subscription) for `url` (and `urls`); call `connect()` on it. */
export function createClient(opts: CreateClientOptions): Client {
  return new Client({ ...opts, transport: rotatingTransport(opts, (url) => browserTransportFor({ ...opts, url })) });
}
