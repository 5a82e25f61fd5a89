/**
 * Command-line parsing of `wamp-router`, kept apart from the entry point so
 * that tests can call it.
 */

import { parseArgs } from 'node:util';
import { RouterConfigError } from '@wamp/core';
import { validateClusterConfig } from './cluster-nats.js';
import { DEFAULT_CONFIG, loadConfigFile, validateNodeRouterConfig, type ListenerConfig, type NodeRouterConfig } from './config.js';
import { isLogLevel } from './log.js';

export const HELP = `Usage: wamp-router [options]

Starts a WAMP router (RPC and PubSub over WebSocket and RawSocket).
Without options: realm "realm1" open to anonymous clients,
WebSocket ws://127.0.0.1:8080/ws and RawSocket 127.0.0.1:8081, and the
operations endpoint (/metrics, /health, /ready) on http://127.0.0.1:8090.

Options:
  --config FILE            JSON configuration (realms, roles, authentication,
                           listeners with TLS, limits); see the package README
  --ws HOST:PORT[/PATH]    WebSocket listener (repeatable; default path /ws)
  --rawsocket HOST:PORT    RawSocket TCP listener (repeatable)
  --rawsocket unix:PATH    RawSocket Unix socket listener
  --realm NAME             serve an open realm NAME (repeatable)
  --admin HOST:PORT        operations endpoint: /metrics /health /ready
                           (default 127.0.0.1:8090 without --config; "off")
  --log-level LEVEL        debug | info | warn | error | silent (default info)
  --log-format FORMAT      json | pretty (default: pretty on a TTY, else json)
  --cluster URL            join a cluster through NATS at URL, e.g.
                           nats://10.0.0.5:4222 (repeatable; needs JetStream)
  --node NAME              this node's name in the cluster (default: host-pid)
  --workers N              run N router processes sharing the listeners, each a
                           cluster node (needs --cluster or a cluster section)
  --version                print the version
  -h, --help               show this help
`;

/** What the command line asks for: the configuration, and how many worker processes. */
export interface CliOptions {
  readonly config: NodeRouterConfig;
  /** 1 unless `--workers N`. */
  readonly workers: number;
}

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
  const o = cliFromArgs(argv);
  return o === 'help' ? o : o.config;
}

/** Turn argv into a validated configuration and the worker count, or the help text. */
export function cliFromArgs(argv: readonly string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string' },
      ws: { type: 'string', multiple: true },
      rawsocket: { type: 'string', multiple: true },
      realm: { type: 'string', multiple: true },
      admin: { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      cluster: { type: 'string', multiple: true },
      node: { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  // Without a config file: the embedded default, operations endpoint included.
  const base: NodeRouterConfig = values.config !== undefined ? loadConfigFile(values.config) : validateNodeRouterConfig(DEFAULT_CONFIG);
  let admin = base.admin;
  if (values.admin !== undefined) {
    if (values.admin === 'off') admin = undefined;
    else {
      const hp = parseHostPort('--admin', values.admin);
      if (hp.path !== undefined) throw new RouterConfigError('--admin', `expected HOST:PORT or off, got "${values.admin}"`);
      admin = { host: hp.host, port: hp.port };
    }
  }
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
  let cluster = base.cluster;
  if (values.cluster !== undefined || values.node !== undefined) {
    const servers = values.cluster ?? cluster?.servers;
    if (servers === undefined) throw new RouterConfigError('--node', 'needs --cluster (or a cluster section in the config file)');
    const node = values.node ?? (values.config !== undefined ? cluster?.node : undefined);
    cluster = validateClusterConfig('--cluster', { ...stripDefaults(cluster), servers, ...(node !== undefined ? { node } : {}) }, process.cwd());
  }
  let workers = 1;
  if (values.workers !== undefined) {
    workers = Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 1024) throw new RouterConfigError('--workers', 'must be an integer in [1, 1024]');
    if (workers > 1 && cluster === undefined) {
      throw new RouterConfigError('--workers', 'needs --cluster: worker processes meet through NATS to serve as one router');
    }
  }
  const { admin: _baseAdmin, ...rest } = base;
  return {
    config: {
      ...rest,
      ...(admin !== undefined ? { admin } : {}),
      router,
      // Listener flags replace the listeners of the config file or the defaults.
      listeners: listeners.length > 0 ? listeners : base.listeners,
      log,
      ...(cluster !== undefined ? { cluster } : {}),
    },
    workers,
  };
}

/** A validated cluster section as input for validation again (defaults re-derived). */
function stripDefaults(c: NodeRouterConfig['cluster']): Record<string, unknown> {
  if (c === undefined) return {};
  const { servers: _s, node: _n, ...rest } = c;
  return rest;
}
