/**
 * The node router's configuration: the core router's (realms, roles,
 * authenticators, limits — checked by `validateRouterConfig` of @wamp/core)
 * plus listeners, backpressure and logging. Every fault names its field.
 */

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RouterConfigError, validateRouterConfig, type RouterConfig, type SerializerName } from '@wamp/core';
import { isLogLevel, type LogLevel } from './log.js';

/** TLS files of a listener. */
export interface TlsFiles {
  /** PEM certificate chain (file path, relative to the config file). */
  readonly cert: string;
  /** PEM private key (file path). */
  readonly key: string;
  /** Optional PEM CA bundle for client certificates (file path). */
  readonly ca?: string;
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

/** The validated configuration of the Node router ({@link validateNodeRouterConfig}). */
export interface NodeRouterConfig {
  /** The core router's configuration (realms, agent, limits, timeouts, uriRule, requestIds). */
  readonly router: RouterConfig;
  readonly listeners: readonly ListenerConfig[];
  readonly backpressure: BackpressureConfig;
  /** Ping WebSocket peers every `heartbeatMs` and drop dead ones; 0 disables. */
  readonly heartbeatMs: number;
  /**
   * A new connection must finish its transport handshake (TLS, the HTTP
   * upgrade of WebSocket, the RawSocket handshake) within this time, or it is
   * closed. The WAMP opening handshake has its own limits in `timeouts`.
   */
  readonly handshakeTimeoutMs: number;
  readonly log: { readonly level: LogLevel; readonly format?: 'json' | 'pretty' };
}

const ALL_SERIALIZERS: readonly SerializerName[] = ['json', 'msgpack', 'cbor'];

/** The embedded default: realm1 open to anonymous, WebSocket on 8080/ws, RawSocket on 8081. */
export const DEFAULT_CONFIG = {
  realms: [{ name: 'realm1' }],
  listeners: [
    { type: 'websocket', host: '127.0.0.1', port: 8080, path: '/ws' },
    { type: 'rawsocket', host: '127.0.0.1', port: 8081 },
  ],
} as const;

const DEFAULT_BACKPRESSURE: BackpressureConfig = {
  maxQueuedBytes: 8 * 1024 * 1024,
  maxQueuedFrames: 10_000,
  policy: 'disconnect',
};

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(path: string, v: unknown, keys: readonly string[]): Obj {
  if (!isObj(v)) throw new RouterConfigError(path, 'must be an object');
  for (const k of Object.keys(v)) {
    if (!keys.includes(k)) throw new RouterConfigError(`${path}.${k}`, `unknown field (expected one of ${keys.join(', ')})`);
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
      throw new RouterConfigError(`${path}[${i}]`, `must be one of ${ALL_SERIALIZERS.join(', ')}`);
    }
    return s as SerializerName;
  });
}

function tls(path: string, v: unknown, base: string): TlsFiles | undefined {
  if (v === undefined) return undefined;
  const o = obj(path, v, ['cert', 'key', 'ca']);
  const file = (k: string): string => resolve(base, str(`${path}.${k}`, o[k]));
  return o['ca'] === undefined ? { cert: file('cert'), key: file('key') } : { cert: file('cert'), key: file('key'), ca: file('ca') };
}

function listener(path: string, v: unknown, base: string): ListenerConfig {
  if (!isObj(v)) throw new RouterConfigError(path, 'must be an object');
  const type = v['type'];
  if (type === 'websocket') {
    const o = obj(path, v, ['type', 'host', 'port', 'path', 'serializers', 'tls']);
    const p = o['path'] === undefined ? '/ws' : str(`${path}.path`, o['path']);
    if (!p.startsWith('/')) throw new RouterConfigError(`${path}.path`, 'must start with /');
    const t = tls(`${path}.tls`, o['tls'], base);
    return {
      type,
      host: o['host'] === undefined ? '127.0.0.1' : str(`${path}.host`, o['host']),
      port: int(`${path}.port`, o['port'], 0, 65535),
      path: p,
      serializers: serializers(`${path}.serializers`, o['serializers']),
      ...(t ? { tls: t } : {}),
    };
  }
  if (type === 'rawsocket') {
    const o = obj(path, v, ['type', 'host', 'port', 'path', 'serializers', 'tls']);
    const t = tls(`${path}.tls`, o['tls'], base);
    const common = { type, serializers: serializers(`${path}.serializers`, o['serializers']), ...(t ? { tls: t } : {}) } as const;
    if (o['path'] !== undefined) {
      if (o['port'] !== undefined) throw new RouterConfigError(path, 'give either path (Unix socket) or port, not both');
      return { ...common, path: resolve(base, str(`${path}.path`, o['path'])) };
    }
    return {
      ...common,
      host: o['host'] === undefined ? '127.0.0.1' : str(`${path}.host`, o['host']),
      port: int(`${path}.port`, o['port'], 0, 65535),
    };
  }
  throw new RouterConfigError(`${path}.type`, 'must be "websocket" or "rawsocket"');
}

/**
 * Check a configuration object (parsed from JSON, or written in code). File
 * paths inside it are resolved against `baseDir` (the config file's folder).
 */
export function validateNodeRouterConfig(v: unknown, baseDir = process.cwd()): NodeRouterConfig {
  const o = obj('config', v, [
    'realms',
    'agent',
    'limits',
    'timeouts',
    'uriRule',
    'requestIds',
    'listeners',
    'backpressure',
    'heartbeatMs',
    'handshakeTimeoutMs',
    'log',
  ]);
  const routerPart: Obj = {};
  for (const k of ['realms', 'agent', 'limits', 'timeouts', 'uriRule', 'requestIds']) {
    if (o[k] !== undefined) routerPart[k] = o[k];
  }
  routerPart['realms'] ??= DEFAULT_CONFIG.realms;
  const router = validateRouterConfig(routerPart);
  const rawListeners = o['listeners'] === undefined ? DEFAULT_CONFIG.listeners : o['listeners'];
  if (!Array.isArray(rawListeners)) throw new RouterConfigError('listeners', 'must be a list');
  const listeners = rawListeners.map((l, i) => listener(`listeners[${i}]`, l, baseDir));
  let backpressure = DEFAULT_BACKPRESSURE;
  if (o['backpressure'] !== undefined) {
    const b = obj('backpressure', o['backpressure'], ['maxQueuedBytes', 'maxQueuedFrames', 'policy']);
    const policy = b['policy'] ?? DEFAULT_BACKPRESSURE.policy;
    if (policy !== 'disconnect' && policy !== 'drop') throw new RouterConfigError('backpressure.policy', 'must be "disconnect" or "drop"');
    backpressure = {
      maxQueuedBytes: b['maxQueuedBytes'] === undefined ? DEFAULT_BACKPRESSURE.maxQueuedBytes : int('backpressure.maxQueuedBytes', b['maxQueuedBytes'], 1024, 2 ** 40),
      maxQueuedFrames: b['maxQueuedFrames'] === undefined ? DEFAULT_BACKPRESSURE.maxQueuedFrames : int('backpressure.maxQueuedFrames', b['maxQueuedFrames'], 1, 2 ** 31),
      policy,
    };
  }
  const heartbeatMs = o['heartbeatMs'] === undefined ? 30_000 : int('heartbeatMs', o['heartbeatMs'], 0, 3_600_000);
  const handshakeTimeoutMs =
    o['handshakeTimeoutMs'] === undefined ? 10_000 : int('handshakeTimeoutMs', o['handshakeTimeoutMs'], 1, 3_600_000);
  let log: NodeRouterConfig['log'] = { level: 'info' };
  if (o['log'] !== undefined) {
    const l = obj('log', o['log'], ['level', 'format']);
    const level = l['level'] ?? 'info';
    if (!isLogLevel(level)) throw new RouterConfigError('log.level', 'must be one of debug, info, warn, error, silent');
    const format = l['format'];
    if (format !== undefined && format !== 'json' && format !== 'pretty') throw new RouterConfigError('log.format', 'must be "json" or "pretty"');
    log = format === undefined ? { level } : { level, format };
  }
  return { router, listeners, backpressure, heartbeatMs, handshakeTimeoutMs, log };
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
    throw new RouterConfigError(path, `not valid JSON: ${(e as Error).message}`);
  }
  try {
    return validateNodeRouterConfig(parsed, dirname(path));
  } catch (e) {
    if (!(e instanceof RouterConfigError)) throw e;
    // Keep `path` the field; the message says which file it is in.
    throw new RouterConfigError(e.path, `${e.message.slice(e.path.length + 2)} (in ${path})`);
  }
}
