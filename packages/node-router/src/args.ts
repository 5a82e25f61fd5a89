/**
 * Command-line parsing of `wamp-router`, kept apart from the entry point so
 * that tests can call it.
 */

import { parseArgs } from 'node:util';
import { RouterConfigError } from '@wamp/core';
import { loadConfigFile, validateNodeRouterConfig, type ListenerConfig, type NodeRouterConfig } from './config.js';
import { isLogLevel } from './log.js';

export const HELP = `Usage: wamp-router [options]

Starts a WAMP router (RPC and PubSub over WebSocket and RawSocket).
Without options: realm "realm1" open to anonymous clients,
WebSocket ws://127.0.0.1:8080/ws and RawSocket 127.0.0.1:8081.

Options:
  --config FILE            JSON configuration (realms, roles, authentication,
                           listeners with TLS, limits); see the package README
  --ws HOST:PORT[/PATH]    WebSocket listener (repeatable; default path /ws)
  --rawsocket HOST:PORT    RawSocket TCP listener (repeatable)
  --rawsocket unix:PATH    RawSocket Unix socket listener
  --realm NAME             serve an open realm NAME (repeatable)
  --log-level LEVEL        debug | info | warn | error | silent (default info)
  --log-format FORMAT      json | pretty (default: pretty on a TTY, else json)
  --version                print the version
  -h, --help               show this help
`;

/** Parse `HOST:PORT[/PATH]`, `[v6]:PORT`, or `:PORT`. */
export function parseHostPort(flag: string, v: string): { host: string; port: number; path?: string } {
  const m = /^(\[[^\]]+\]|[^:/]*):(\d{1,5})(\/.*)?$/.exec(v);
  if (m === null) throw new RouterConfigError(flag, `expected HOST:PORT, got "${v}"`);
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(m[2]);
  if (port > 65535) throw new RouterConfigError(flag, `port out of range in "${v}"`);
  return m[3] === undefined ? { host, port } : { host, port, path: m[3] };
}

/** Turn argv into a validated configuration, or the help text. */
export function configFromArgs(argv: readonly string[]): NodeRouterConfig | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string' },
      ws: { type: 'string', multiple: true },
      rawsocket: { type: 'string', multiple: true },
      realm: { type: 'string', multiple: true },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const base: NodeRouterConfig = values.config !== undefined ? loadConfigFile(values.config) : validateNodeRouterConfig({});
  const listeners: ListenerConfig[] = [];
  for (const w of values.ws ?? []) {
    const hp = parseHostPort('--ws', w);
    listeners.push({ type: 'websocket', host: hp.host, port: hp.port, path: hp.path ?? '/ws', serializers: ['json', 'msgpack', 'cbor'] });
  }
  for (const r of values.rawsocket ?? []) {
    if (r.startsWith('unix:')) {
      const path = r.slice('unix:'.length);
      if (path.length === 0) throw new RouterConfigError('--rawsocket', 'unix: needs a path');
      listeners.push({ type: 'rawsocket', path, serializers: ['json', 'msgpack', 'cbor'] });
    } else {
      const hp = parseHostPort('--rawsocket', r);
      listeners.push({ type: 'rawsocket', host: hp.host, port: hp.port, serializers: ['json', 'msgpack', 'cbor'] });
    }
  }
  let router = base.router;
  if (values.realm !== undefined && values.realm.length > 0) {
    // Flags add open realms; without a config file they replace the default realm1.
    const keep = values.config !== undefined ? router.realms : [];
    const names = new Set(keep.map((r) => r.name));
    const added = values.realm.filter((n) => !names.has(n)).map((name) => ({ name }));
    router = validateNodeRouterConfig({ realms: [...keep, ...added] }).router;
    router = { ...base.router, realms: router.realms };
  }
  let log = base.log;
  const level = values['log-level'];
  if (level !== undefined) {
    if (!isLogLevel(level)) throw new RouterConfigError('--log-level', 'must be one of debug, info, warn, error, silent');
    log = { ...log, level };
  }
  const format = values['log-format'];
  if (format !== undefined) {
    if (format !== 'json' && format !== 'pretty') throw new RouterConfigError('--log-format', 'must be json or pretty');
    log = { ...log, format };
  }
  return {
    ...base,
    router,
    // Listener flags replace the listeners of the config file or the defaults.
    listeners: listeners.length > 0 ? listeners : base.listeners,
    log,
  };
}
