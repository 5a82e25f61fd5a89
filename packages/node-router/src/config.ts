/**
 * The node router's configuration: the core router's (realms, roles,
 * authenticators, limits — checked by `validateRouterConfig` of @wamp/core)
 * plus listeners, backpressure and logging. Every fault names its field.
 */

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RouterConfigError, validateRouterConfig, type RouterConfig, type SerializerName } from '@wamp/core';
import { validateClusterConfig, type ClusterConfig } from './cluster-nats.js';
import { isLogLevel, type LogLevel } from './log.js';

/** TLS files of a listener. */
export interface TlsFiles {
  /** PEM certificate chain (file path, relative to the config file). */
  readonly cert: string;
  /** PEM private key (file path). */
  readonly key: string;
  /** Optional PEM CA bundle (file path): the chain sent with `cert`, and the CAs client certificates must chain to. */
  readonly ca?: string;
  /**
   * Mutual TLS: ask every client for a certificate (Node's `requestCert`).
   * The certificate, whether it verified against `ca`, and its chain reach
   * the `tls` authentication method and dynamic authenticators. Default false.
   */
  readonly requestCert?: boolean;
  /**
   * With `requestCert`: refuse, during the TLS handshake, clients whose
   * certificate is missing or does not verify. Default false, so that such
   * clients can still authenticate by another method (the `tls` method never
   * accepts a certificate that did not verify).
   */
  readonly rejectUnauthorized?: boolean;
}

/** A WebSocket listener. */
export interface WebSocketListenerConfig {
  readonly type: 'websocket';
  readonly host: string;
  readonly port: number;
  /** Request path, e.g. `/ws`. Default `/ws`. */
  readonly path: string;
  readonly serializers: readonly SerializerName[];
  readonly tls?: TlsFiles;
  /** Trust level of sessions on this listener (advanced profile "Trust Levels"; the lower of it and the role's counts). */
  readonly trustlevel?: number;
}

/** A RawSocket listener on TCP or a Unix socket. */
export interface RawSocketListenerConfig {
  readonly type: 'rawsocket';
  /** TCP host and port, or a Unix socket `path`. */
  readonly host?: string;
  readonly port?: number;
  readonly path?: string;
  readonly serializers: readonly SerializerName[];
  readonly tls?: TlsFiles;
  /** Trust level of sessions on this listener (advanced profile "Trust Levels"; the lower of it and the role's counts). */
  readonly trustlevel?: number;
  /**
   * RawSocket PINGs every `heartbeatMs` on this listener (default true).
   * false for clients that do not understand RawSocket PING frames, such as
   * Autobahn|C++ 17.x, which reads a PING's prefix as a message length.
   */
  readonly heartbeat?: boolean;
}

/** A listener of the router. */
export type ListenerConfig = WebSocketListenerConfig | RawSocketListenerConfig;

/** Bounds of each connection's outbound queue, and what happens past them. */
export interface BackpressureConfig {
  readonly maxQueuedBytes: number;
  readonly maxQueuedFrames: number;
  /** `disconnect` (default) closes a peer that stopped reading; `drop` discards its excess frames. */
  readonly policy: 'disconnect' | 'drop';
}

/** The operations endpoint: `/metrics`, `/health`, `/ready` over plain HTTP. */
export interface AdminConfig {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

/** The validated configuration of the Node router ({@link validateNodeRouterConfig}). */
export interface NodeRouterConfig {
  /** The core router's configuration (realms, agent, limits, timeouts, uriRule, requestIds). */
  readonly router: RouterConfig;
  readonly listeners: readonly ListenerConfig[];
  readonly backpressure: BackpressureConfig;
  /** Ping WebSocket and RawSocket peers every `heartbeatMs` and drop those that do not answer within it; 0 disables. */
  readonly heartbeatMs: number;
  /**
   * A new connection must finish its transport handshake (TLS, the HTTP
   * upgrade of WebSocket, the RawSocket handshake) within this time, or it is
   * closed. The WAMP opening handshake has its own limits in `timeouts`.
   */
  readonly handshakeTimeoutMs: number;
  /**
   * RawSocket: a message that has begun arriving must be complete within this
   * time (ms), or the connection is closed. 0 disables. (WebSocket: `ws`
   * buffers a message itself, bounded by maxMessageSize.)
   */
  readonly readTimeoutMs: number;
  /** Connections open at once, all listeners together; beyond, new ones are closed at once. */
  readonly maxConnections: number;
  /** Connections open at once from one peer IP address. */
  readonly maxConnectionsPerAddress: number;
  /** RawSocket: octets held for incomplete messages across all connections; the connection that passes it is closed. */
  readonly maxIncompleteBytes: number;
  readonly log: { readonly level: LogLevel; readonly format?: 'json' | 'pretty' };
  /** Run as a node of a cluster that meets through NATS (see the README, "Scale-out"). */
  readonly cluster?: ClusterConfig;
  /** The operations endpoint; off when absent. */
  readonly admin?: AdminConfig;
  /**
   * The router's Ed25519 seed (32 bytes) for cryptosign router
   * authentication; from `routerKey.seed` (64 hex digits) or
   * `routerKey.seedFile` (a file holding them, relative to the config file).
   */
  readonly routerKey?: Uint8Array;
}

const ALL_SERIALIZERS: readonly SerializerName[] = ['json', 'msgpack', 'cbor'];

/**
 * The embedded default, what `wamp-router` runs without `--config`: realm1
 * open to anonymous, WebSocket on 8080/ws, RawSocket on 8081, the operations
 * endpoint on 8090. A config file or object starts from its realms and
 * listeners when it gives none, but not from its `admin`: that stays off
 * unless configured.
 */
export const DEFAULT_CONFIG = {
  realms: [{ name: 'realm1' }],
  listeners: [
    { type: 'websocket', host: '127.0.0.1', port: 8080, path: '/ws' },
    { type: 'rawsocket', host: '127.0.0.1', port: 8081 },
  ],
  admin: { host: '127.0.0.1', port: 8090 },
} as const;

const DEFAULT_BACKPRESSURE: BackpressureConfig = {
  maxQueuedBytes: 8 * 1024 * 1024,
  maxQueuedFrames: 10_000,
  policy: 'disconnect',
};

/** The default outbound queue bound for a largest message of `maxMessageSize`: 8 of them, at least 8 MiB. */
export function queueBytesFor(maxMessageSize: number): number {
  return Math.max(DEFAULT_BACKPRESSURE.maxQueuedBytes, 8 * maxMessageSize);
}

/** Default connection caps and RawSocket read bounds (see the README's "Limits and defaults"). */
export const DEFAULT_CONNECTION_LIMITS = {
  readTimeoutMs: 30_000,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 256,
  maxIncompleteBytes: 256 * 1024 * 1024,
} as const;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Faults found by the validation running now (see `check`); it is synchronous, so one list serves. */
let found: RouterConfigError[] | undefined;

/** Record a fault and go on when collecting; throw it otherwise. */
function fault(e: RouterConfigError): void {
  if (found === undefined) throw e;
  found.push(...e.errors);
}

/** Run one check; a fault is recorded and `fallback` returned, so that every field gets checked. */
function check<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof RouterConfigError)) throw e;
    fault(e);
    return fallback;
  }
}

function obj(path: string, v: unknown, keys: readonly string[]): Obj {
  if (!isObj(v)) throw new RouterConfigError(path, 'must be an object');
  for (const k of Object.keys(v)) {
    if (!keys.includes(k)) fault(new RouterConfigError(`${path}.${k}`, `unknown field (expected one of ${keys.join(', ')})`));
  }
  return v;
}

function str(path: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new RouterConfigError(path, 'must be a non-empty string');
  return v;
}

function int(path: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RouterConfigError(path, `must be an integer in [${min}, ${max}]`);
  }
  return v;
}

function serializers(path: string, v: unknown): SerializerName[] {
  if (v === undefined) return [...ALL_SERIALIZERS];
  if (!Array.isArray(v) || v.length === 0) throw new RouterConfigError(path, 'must be a non-empty list');
  return v.map((s, i) => {
    if (!ALL_SERIALIZERS.includes(s as SerializerName)) {
      fault(new RouterConfigError(`${path}[${i}]`, `must be one of ${ALL_SERIALIZERS.join(', ')}`));
    }
    return s as SerializerName;
  });
}

function tls(path: string, v: unknown, base: string): TlsFiles | undefined {
  if (v === undefined) return undefined;
  const o = obj(path, v, ['cert', 'key', 'ca', 'requestCert', 'rejectUnauthorized']);
  const file = (k: string): string => resolve(base, check(() => str(`${path}.${k}`, o[k]), ''));
  const flag = (k: 'requestCert' | 'rejectUnauthorized'): { [x: string]: boolean } => {
    const x = o[k];
    if (x === undefined) return {};
    if (typeof x !== 'boolean') fault(new RouterConfigError(`${path}.${k}`, 'must be true or false'));
    return { [k]: x === true };
  };
  if (o['rejectUnauthorized'] === true && o['requestCert'] !== true) fault(new RouterConfigError(`${path}.rejectUnauthorized`, 'needs requestCert'));
  return {
    cert: file('cert'),
    key: file('key'),
    ...(o['ca'] === undefined ? {} : { ca: file('ca') }),
    ...flag('requestCert'),
    ...flag('rejectUnauthorized'),
  };
}

function trustlevelOf(path: string, o: Obj): { trustlevel?: number } {
  return o['trustlevel'] === undefined ? {} : { trustlevel: int(`${path}.trustlevel`, o['trustlevel'], 0, Number.MAX_SAFE_INTEGER) };
}

function listener(path: string, v: unknown, base: string): ListenerConfig {
  if (!isObj(v)) throw new RouterConfigError(path, 'must be an object');
  const type = v['type'];
  if (type === 'websocket') {
    const o = obj(path, v, ['type', 'host', 'port', 'path', 'serializers', 'tls', 'trustlevel']);
    const p = o['path'] === undefined ? '/ws' : check(() => str(`${path}.path`, o['path']), '/ws');
    if (!p.startsWith('/')) fault(new RouterConfigError(`${path}.path`, 'must start with /'));
    const t = check(() => tls(`${path}.tls`, o['tls'], base), undefined);
    return {
      type,
      host: o['host'] === undefined ? '127.0.0.1' : check(() => str(`${path}.host`, o['host']), ''),
      port: check(() => int(`${path}.port`, o['port'], 0, 65535), 0),
      path: p,
      serializers: check(() => serializers(`${path}.serializers`, o['serializers']), []),
      ...(t ? { tls: t } : {}),
      ...check(() => trustlevelOf(path, o), {}),
    };
  }
  if (type === 'rawsocket') {
    const o = obj(path, v, ['type', 'host', 'port', 'path', 'serializers', 'tls', 'trustlevel', 'heartbeat']);
    const t = check(() => tls(`${path}.tls`, o['tls'], base), undefined);
    const hb = o['heartbeat'];
    if (hb !== undefined && typeof hb !== 'boolean') fault(new RouterConfigError(`${path}.heartbeat`, 'must be true or false'));
    const common = {
      type,
      serializers: check(() => serializers(`${path}.serializers`, o['serializers']), []),
      ...(t ? { tls: t } : {}),
      ...check(() => trustlevelOf(path, o), {}),
      ...(hb === false ? { heartbeat: false } : {}),
    } as const;
    if (o['path'] !== undefined) {
      if (o['port'] !== undefined) fault(new RouterConfigError(path, 'give either path (Unix socket) or port, not both'));
      return { ...common, path: resolve(base, check(() => str(`${path}.path`, o['path']), '')) };
    }
    return {
      ...common,
      host: o['host'] === undefined ? '127.0.0.1' : check(() => str(`${path}.host`, o['host']), ''),
      port: check(() => int(`${path}.port`, o['port'], 0, 65535), 0),
    };
  }
  throw new RouterConfigError(`${path}.type`, 'must be "websocket" or "rawsocket"');
}

function routerKeySeed(v: unknown, base: string): Uint8Array {
  const o = obj('routerKey', v, ['seed', 'seedFile']);
  if ((o['seed'] === undefined) === (o['seedFile'] === undefined)) throw new RouterConfigError('routerKey', 'give either seed or seedFile');
  let hex: string;
  if (o['seed'] !== undefined) {
    hex = str('routerKey.seed', o['seed']);
  } else {
    const file = resolve(base, str('routerKey.seedFile', o['seedFile']));
    try {
      hex = readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new RouterConfigError('routerKey.seedFile', `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new RouterConfigError('routerKey', 'the seed must be 64 hex digits (32 bytes)');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/**
 * Check a configuration object (parsed from JSON, or written in code). File
 * paths inside it are resolved against `baseDir` (the config file's folder).
 * Every field is checked before it throws: the {@link RouterConfigError}
 * names the first bad field, and its `errors` (and message lines) all of them.
 */
export function validateNodeRouterConfig(v: unknown, baseDir = process.cwd()): NodeRouterConfig {
  const outer = found;
  const mine: RouterConfigError[] = [];
  found = mine;
  let out: NodeRouterConfig;
  try {
    out = validateFields(v, baseDir);
  } catch (e) {
    if (!(e instanceof RouterConfigError)) throw e;
    mine.push(...e.errors);
    throw RouterConfigError.of(mine);
  } finally {
    found = outer;
  }
  if (mine.length > 0) throw RouterConfigError.of(mine);
  return out;
}

function validateFields(v: unknown, baseDir: string): NodeRouterConfig {
  const o = obj('config', v, [
    'realms',
    'agent',
    'limits',
    'timeouts',
    'uriRule',
    'requestIds',
    'authThrottle',
    'listeners',
    'backpressure',
    'heartbeatMs',
    'handshakeTimeoutMs',
    'readTimeoutMs',
    'maxConnections',
    'maxConnectionsPerAddress',
    'maxIncompleteBytes',
    'log',
    'cluster',
    'admin',
    '$schema',
    'routerKey',
  ]);
  const routerPart: Obj = {};
  for (const k of ['realms', 'agent', 'limits', 'timeouts', 'uriRule', 'requestIds', 'authThrottle']) {
    if (o[k] !== undefined) routerPart[k] = o[k];
  }
  routerPart['realms'] ??= DEFAULT_CONFIG.realms;
  // The core's faults come first: they are the fields that come first in a config file.
  const router = check(() => validateRouterConfig(routerPart), undefined as unknown as RouterConfig);
  const rawListeners = o['listeners'] === undefined ? DEFAULT_CONFIG.listeners : o['listeners'];
  const listeners: ListenerConfig[] = [];
  if (!Array.isArray(rawListeners)) fault(new RouterConfigError('listeners', 'must be a list'));
  else {
    rawListeners.forEach((l, i) => {
      const r = check<ListenerConfig | undefined>(() => listener(`listeners[${i}]`, l, baseDir), undefined);
      if (r !== undefined) listeners.push(r);
    });
  }
  // The outbound queue holds eight messages of the largest size (a subscriber
  // that keeps reading is not cut off when a few big EVENTs leave in one burst).
  const maxMessageSize = router?.limits?.maxMessageSize ?? 16 * 1024 * 1024;
  const defaultQueuedBytes = queueBytesFor(maxMessageSize);
  let backpressure: BackpressureConfig = { ...DEFAULT_BACKPRESSURE, maxQueuedBytes: defaultQueuedBytes };
  if (o['backpressure'] !== undefined) {
    const b = check(() => obj('backpressure', o['backpressure'], ['maxQueuedBytes', 'maxQueuedFrames', 'policy']), {});
    const policy = b['policy'] ?? DEFAULT_BACKPRESSURE.policy;
    if (policy !== 'disconnect' && policy !== 'drop') fault(new RouterConfigError('backpressure.policy', 'must be "disconnect" or "drop"'));
    const opt = (k: string, min: number, max: number, dflt: number): number =>
      b[k] === undefined ? dflt : check(() => int(`backpressure.${k}`, b[k], min, max), dflt);
    backpressure = {
      maxQueuedBytes: opt('maxQueuedBytes', 1024, 2 ** 40, defaultQueuedBytes),
      maxQueuedFrames: opt('maxQueuedFrames', 1, 2 ** 31, DEFAULT_BACKPRESSURE.maxQueuedFrames),
      policy: policy as BackpressureConfig['policy'],
    };
  }
  const heartbeatMs = o['heartbeatMs'] === undefined ? 30_000 : check(() => int('heartbeatMs', o['heartbeatMs'], 0, 3_600_000), 0);
  const handshakeTimeoutMs =
    o['handshakeTimeoutMs'] === undefined ? 10_000 : check(() => int('handshakeTimeoutMs', o['handshakeTimeoutMs'], 1, 3_600_000), 1);
  const d = DEFAULT_CONNECTION_LIMITS;
  const readTimeoutMs = o['readTimeoutMs'] === undefined ? d.readTimeoutMs : check(() => int('readTimeoutMs', o['readTimeoutMs'], 0, 3_600_000), d.readTimeoutMs);
  const maxConnections =
    o['maxConnections'] === undefined ? d.maxConnections : check(() => int('maxConnections', o['maxConnections'], 1, 10_000_000), d.maxConnections);
  const maxConnectionsPerAddress =
    o['maxConnectionsPerAddress'] === undefined
      ? d.maxConnectionsPerAddress
      : check(() => int('maxConnectionsPerAddress', o['maxConnectionsPerAddress'], 1, 10_000_000), d.maxConnectionsPerAddress);
  const maxIncompleteBytes =
    o['maxIncompleteBytes'] === undefined ? d.maxIncompleteBytes : check(() => int('maxIncompleteBytes', o['maxIncompleteBytes'], 1024, 2 ** 40), d.maxIncompleteBytes);
  let log: NodeRouterConfig['log'] = { level: 'info' };
  if (o['log'] !== undefined) {
    const l = check(() => obj('log', o['log'], ['level', 'format']), {});
    const level = l['level'] ?? 'info';
    if (!isLogLevel(level)) fault(new RouterConfigError('log.level', 'must be one of debug, info, warn, error, silent'));
    const format = l['format'];
    if (format !== undefined && format !== 'json' && format !== 'pretty') fault(new RouterConfigError('log.format', 'must be "json" or "pretty"'));
    log = { level: isLogLevel(level) ? level : 'info', ...(format === 'json' || format === 'pretty' ? { format } : {}) };
  }
  const admin = o['admin'] === undefined ? undefined : check(() => adminConfig('admin', o['admin']), undefined);
  if (admin !== undefined && admin.port !== 0) {
    const i = listeners.findIndex((l) => l.port === admin.port && (l.host === admin.host || l.host === '0.0.0.0' || l.host === '::' || admin.host === '0.0.0.0' || admin.host === '::'));
    if (i >= 0) fault(new RouterConfigError('admin.port', `is also the port of listeners[${i}]`));
  }
  const cluster = o['cluster'] === undefined ? undefined : check(() => validateClusterConfig('cluster', o['cluster'], baseDir), undefined);
  const routerKey = o['routerKey'] === undefined ? undefined : check(() => routerKeySeed(o['routerKey'], baseDir), undefined);
  return {
    router,
    listeners,
    backpressure,
    heartbeatMs,
    handshakeTimeoutMs,
    readTimeoutMs,
    maxConnections,
    maxConnectionsPerAddress,
    maxIncompleteBytes,
    log,
    ...(admin ? { admin } : {}),
    ...(cluster !== undefined ? { cluster } : {}),
    ...(routerKey ? { routerKey } : {}),
  };
}

function adminConfig(path: string, v: unknown): AdminConfig {
  const o = obj(path, v, ['host', 'port']);
  return {
    host: o['host'] === undefined ? '127.0.0.1' : check(() => str(`${path}.host`, o['host']), ''),
    port: check(() => int(`${path}.port`, o['port'], 0, 65535), 0),
  };
}

/** Thrown by {@link jsonErrorOffset}'s scanner at the first character that breaks the JSON grammar. */
class JsonStop extends Error {
  constructor(readonly at: number) {
    super('JSON syntax');
  }
}

/**
 * Where JSON `text` stops being valid (an offset; `text.length` when it ends
 * too early). `JSON.parse` of Node 20 names no position for some faults, so
 * the config loader finds it itself, to report a line and a column.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const stop = (): never => {
    throw new JsonStop(i);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const string = (): void => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) stop();
      if (c === 0x5c) {
        i++;
        const e = text[i] ?? '';
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) stop();
          i += 4;
        } else if (e === '' || !'"\\/bfnrt'.includes(e)) stop();
      }
      i++;
    }
    stop();
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') stop();
          string();
          ws();
          if (text[i] !== ':') stop();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) {
          i++;
          return;
        } else stop();
      }
    }
    if (c === '"') return string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (m === null) stop();
    else i += m[0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) stop();
  } catch (e) {
    if (e instanceof JsonStop) return e.at;
    throw e;
  }
  return i;
}

/** 1-based line and column of `offset` in `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Read and check a JSON config file. Errors name the file and the field. */
export function loadConfigFile(file: string): NodeRouterConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RouterConfigError(path, `cannot read: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const { line, column } = lineColumn(text, jsonErrorOffset(text));
    // V8's message, without its position and its quote of the text (which may span lines).
    const why = (e as Error).message.replace(/ in JSON at position \d+.*$/s, '').replace(/, (?:\.\.\.)?".*$/s, '');
    throw new RouterConfigError(path, `not valid JSON at line ${line}, column ${column}: ${why}`);
  }
  try {
    return validateNodeRouterConfig(parsed, dirname(path));
  } catch (e) {
    if (!(e instanceof RouterConfigError)) throw e;
    // Keep `path` the field; the message says which file it is in.
    throw RouterConfigError.of(e.errors.map((f) => new RouterConfigError(f.path, `${f.problem} (in ${path})`)));
  }
}
