/**
 * `connect` for Node: `ws://`/`wss://` over the `ws` client, and RawSocket
 * over TCP, TLS or a Unix socket (`rawsocket+tcp://host:port`, `tcp://` or
 * `rs://`; `rawsocket+tls://host:port`, `tls://`, `rss://` or `tcps://`;
 * `rawsocket+unix:///path`).
 */

import type { ConnectionOptions } from 'node:tls';
import { Client, Session, type TransportFactory } from '@wamp/client';
import { ALL_SERIALIZERS, LocalProtocolError, jsonSerializer, serializerByName, type Serializer, type SerializerName } from '@wamp/core';
import { rawSocketTransport } from '@wamp/rawsocket';
import type { ConnectOptions, CreateClientOptions } from './connect.js';
import { clientTransport, connectorsFactory, subprotocolsFor } from './connect.js';
import { nodeWebSocketTransport, type NodeWebSocketClientOptions } from './node-client.js';

/**
 * One entry of `transports` in Node: a URL with options of its own, which
 * take the place of the top-level ones for this entry.
 */
export interface NodeTransportSpec {
  /** Any URL `connect` takes: `ws://`, `wss://`, `rawsocket+tcp://`, `rawsocket+tls://`, `rawsocket+unix:///path` and their spellings. */
  readonly url: string;
  /** As {@link NodeConnectOptions.serializers}, for this entry (RawSocket: asked for in turn). */
  readonly serializers?: readonly (Serializer | SerializerName)[];
  /** Offer the `.batched` WebSocket subprotocols, for this entry. */
  readonly batched?: boolean;
  /** Opening must finish within this time (ms), for this entry. */
  readonly connectTimeoutMs?: number;
  /** As {@link NodeConnectOptions.wsOptions}, for this entry. */
  readonly wsOptions?: NodeWebSocketClientOptions['wsOptions'];
  /** As {@link NodeConnectOptions.tlsOptions}, for this entry. */
  readonly tlsOptions?: ConnectionOptions;
}

/** Options of `connect` of `@wamp/ws/node`. */
export interface NodeConnectOptions extends Omit<ConnectOptions, 'WebSocket' | 'serializers' | 'transports'> {
  /**
   * An ordered list of connectors: URLs, or URLs with options of their own
   * ({@link NodeTransportSpec}), e.g. RawSocket with MessagePack, then
   * RawSocket with JSON, then WebSocket. Every connection attempt tries them
   * in turn and keeps the first transport that opens; each failure is
   * reported through `onWarning` before the next is tried, and when all fail
   * the attempt rejects with a `TransportsFailedError` (of `@wamp/client`)
   * listing each one with its error. `url`, when given too, is tried first.
   */
  readonly transports?: readonly (string | NodeTransportSpec)[];
  /**
   * Serializers to offer, preferred first, as objects or names (`'json'`,
   * `'msgpack'`, `'cbor'`). WebSocket offers them all (and the router picks);
   * RawSocket asks for them one connection after the other, moving to the
   * next when the router answers the handshake with error 1 ("serializer
   * unsupported"). Default all three (JSON first) for WebSocket, JSON for
   * RawSocket.
   */
  readonly serializers?: readonly (Serializer | SerializerName)[];
  /** More `ws` client options (headers, ca...), for WebSocket URLs. */
  readonly wsOptions?: NodeWebSocketClientOptions['wsOptions'];
  /** TLS options (ca, servername...) for `rawsocket+tls://` (and its spellings `tls://`, `rss://`, `tcps://`). */
  readonly tlsOptions?: ConnectionOptions;
}

/** Options of `createClient` of `@wamp/ws/node`. */
export interface NodeCreateClientOptions extends NodeConnectOptions, Omit<CreateClientOptions, 'WebSocket' | keyof ConnectOptions> {}

/** Names to serializers; an unknown name is the application's error. */
function resolveSerializers(given: readonly (Serializer | SerializerName)[]): Serializer[] {
  return given.map((s) => {
    if (typeof s !== 'string') return s;
    const found = serializerByName(s);
    if (found === undefined) throw new LocalProtocolError('wamp.error.invalid_argument', `unknown serializer "${String(s)}"`);
    return found;
  });
}

const RAWSOCKET_SCHEMES: Readonly<Record<string, string>> = {
  'rawsocket+tcp:': 'tcp:',
  'tcp:': 'tcp:',
  'rs:': 'tcp:',
  'rawsocket+tls:': 'tls:',
  'rawsocket+tcps:': 'tls:',
  'tls:': 'tls:',
  'rss:': 'tls:',
  'tcps:': 'tls:',
  'rawsocket+unix:': 'unix:',
  'unix:': 'unix:',
};

/** The transport factory a URL names, in Node. */
export function nodeTransportFor(opts: NodeConnectOptions & { readonly url: string }): TransportFactory {
  const colon = opts.url.indexOf(':');
  const scheme = opts.url.slice(0, colon + 1).toLowerCase();
  if (scheme === 'ws:' || scheme === 'wss:') {
    const serializers = resolveSerializers(opts.serializers ?? ALL_SERIALIZERS);
    return nodeWebSocketTransport({
      url: opts.url,
      serializers,
      subprotocols: subprotocolsFor(serializers, opts.batched),
      ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
      ...(opts.wsOptions === undefined ? {} : { wsOptions: opts.wsOptions }),
    });
  }
  const mapped = RAWSOCKET_SCHEMES[scheme];
  if (mapped === undefined) {
    throw new LocalProtocolError(
      'wamp.error.invalid_argument',
      `unsupported URL "${opts.url}": use ws://, wss://, rawsocket+tcp:// (tcp://, rs://), rawsocket+tls:// (tls://, rss://, tcps://) or rawsocket+unix:///path`,
    );
  }
  let rest = opts.url.slice(colon + 1);
  if (mapped === 'unix:') rest = rest.replace(/^\/\/(?=\/)/, '');
  const given = resolveSerializers(opts.serializers ?? []);
  return rawSocketTransport({
    url: mapped + rest,
    serializers: given.length > 0 ? given : [jsonSerializer],
    ...(opts.tlsOptions === undefined ? {} : { tlsOptions: opts.tlsOptions }),
    ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
  });
}

/** How a connector is named in warnings and in `TransportsFailedError`: its URL and the serializers it offers. */
function describeNode(opts: NodeConnectOptions & { readonly url: string }): string {
  const ws = /^wss?:/i.test(opts.url);
  const names = (opts.serializers ?? (ws ? ALL_SERIALIZERS : [jsonSerializer])).map((s) => (typeof s === 'string' ? s : s.name));
  return `${opts.url} (${names.join(', ')})`;
}

/** The transport factory of `connect`'s options in Node: `url`, or the connector list of `transports`. */
export function nodeConnectors(opts: NodeConnectOptions): TransportFactory {
  return connectorsFactory<NodeConnectOptions, NodeTransportSpec>(opts, nodeTransportFor, describeNode);
}

/** Join `realm` at `url` (or the first of `transports` that opens) once, without reconnection. */
export async function connect(opts: NodeConnectOptions): Promise<Session> {
  const transport = await nodeConnectors(opts)();
  return Session.join(transport, opts);
}

/**
 * A reconnecting `Client` for `url` (and `urls`, in turn: the nodes of a
 * cluster), or for the connector list `transports` (tried in turn on every
 * connection attempt); call `connect()` on it.
 */
export function createClient(opts: NodeCreateClientOptions): Client {
  return new Client({ ...opts, transport: clientTransport(opts, nodeConnectors, (url) => nodeTransportFor({ ...opts, url })) });
}
