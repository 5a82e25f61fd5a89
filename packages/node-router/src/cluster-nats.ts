/**
 * The cluster's carrier: NATS. Everything a cluster decides is decided in the
 * sans-IO core (`@wamp/core`, `cluster-protocol.ts`); this adapter only maps
 * it onto NATS, so it stays thin:
 *
 * - envelopes → core NATS subjects: `<prefix>.all` for what every node hears,
 *   `<prefix>.node.<name>` for one node; MessagePack bodies, read by the
 *   core's own codec (binary payloads, ±2^53 and any dictionary key cross
 *   unchanged). One connection per node, so NATS
 *   keeps each node's messages in order. The envelopes of one event-loop turn
 *   travel together: consecutive envelopes for the same subject become one
 *   NATS message (a MessagePack array), so a node under load publishes once
 *   per turn and destination rather than once per WAMP message, and the
 *   order between subjects is kept;
 * - registration claims → a JetStream KV bucket (`create` fails when the key
 *   exists: the compare-and-set that makes a `single` registration unique),
 *   compare-and-delete by revision;
 * - connection state → `Router.handleBusState` (disconnect, reconnect).
 *
 * It lives in `@wamp/node-router` rather than a package of its own: the
 * router process is its only user, and the NATS client is plain JavaScript.
 */

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import {
  DEFAULT_LIMITS,
  RouterConfigError,
  configChecks,
  msgpackSerializer,
  type ClaimValue,
  type ClusterEnvelope,
  type ClusterOutput,
  type Limits,
  type StoreRequest,
  type StoreResult,
} from '@wamp/core';
import { coalesceWrites } from '@wamp/ws/node';
import type { Logger } from './log.js';

const { intIn, object, optString } = configChecks;

/** The `cluster` section of the router configuration. */
export interface ClusterConfig {
  /** NATS server URLs, e.g. `nats://10.0.0.5:4222`. */
  readonly servers: readonly string[];
  /** This node's name, unique in the cluster (letters, digits, `-`, `_`). Default: host name and process ID. */
  readonly node: string;
  /** Several clusters can share one NATS: the subject prefix and KV bucket are named after this. Default `wamp`. */
  readonly name: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** A NATS credentials file (JWT + NKey seed). */
  readonly credsFile?: string;
  /** TLS to NATS: CA to trust, and a client certificate where the server asks for one. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  /** How often a node says it is alive (ms, default 500). */
  readonly heartbeatMs?: number;
  /** A node silent this long is dead (ms, default 2500). */
  readonly nodeTimeoutMs?: number;
  /** How long to try to reach NATS at start before giving up (ms, default 5000). */
  readonly connectTimeoutMs: number;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The default node name: unique per process on a host. */
export function defaultNodeName(): string {
  return `${hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40)}-${process.pid}`;
}

/** Check the `cluster` section (file paths resolve against `baseDir`). */
export function validateClusterConfig(path: string, v: unknown, baseDir: string): ClusterConfig {
  const o = object(path, v, ['servers', 'node', 'name', 'user', 'pass', 'token', 'credsFile', 'tls', 'heartbeatMs', 'nodeTimeoutMs', 'connectTimeoutMs']);
  const servers = o['servers'];
  if (!Array.isArray(servers) || servers.length === 0 || !servers.every((s) => typeof s === 'string' && /^(nats|tls|wss?):\/\/./.test(s))) {
    throw new RouterConfigError(`${path}.servers`, 'must be a non-empty list of nats:// (or tls://) URLs');
  }
  const name = (k: string, dflt: string): string => {
    const x = o[k] ?? dflt;
    if (typeof x !== 'string' || !NAME.test(x)) throw new RouterConfigError(`${path}.${k}`, 'must be 1-64 letters, digits, - or _');
    return x;
  };
  const text = (k: string): string | undefined => optString(`${path}.${k}`, o[k]);
  const ms = (k: string, min: number, dflt?: number): number | undefined => {
    const x = o[k] ?? dflt;
    return x === undefined ? undefined : intIn(`${path}.${k}`, x, min, 600_000);
  };
  let tls: ClusterConfig['tls'];
  if (o['tls'] !== undefined) {
    const to = object(`${path}.tls`, o['tls'], ['ca', 'cert', 'key']);
    const file = (k: string): string | undefined => {
      const x = to[k];
      if (x === undefined) return undefined;
      if (typeof x !== 'string' || x === '') throw new RouterConfigError(`${path}.tls.${k}`, 'must be a file path');
      return resolve(baseDir, x);
    };
    tls = { ...(file('ca') ? { ca: file('ca') } : {}), ...(file('cert') ? { cert: file('cert') } : {}), ...(file('key') ? { key: file('key') } : {}) };
  }
  const creds = text('credsFile');
  const heartbeatMs = ms('heartbeatMs', 50);
  const nodeTimeoutMs = ms('nodeTimeoutMs', 100);
  const user = text('user');
  const pass = text('pass');
  const token = text('token');
  return {
    servers: servers as string[],
    node: name('node', defaultNodeName()),
    name: name('name', 'wamp'),
    connectTimeoutMs: ms('connectTimeoutMs', 100, 5000)!,
    ...(user !== undefined ? { user } : {}),
    ...(pass !== undefined ? { pass } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(creds !== undefined ? { credsFile: resolve(baseDir, creds) } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(heartbeatMs !== undefined ? { heartbeatMs } : {}),
    ...(nodeTimeoutMs !== undefined ? { nodeTimeoutMs } : {}),
  };
}

/** What the bus needs of the router host (implemented by `RouterHost`). */
export interface ClusterInput {
  /** An envelope from another node. */
  handleCluster(envelope: ClusterEnvelope): void;
  /** The store's answer to a request. */
  handleStoreResult(id: number, result: StoreResult): void;
  /** The connection to NATS went down or came back. */
  handleBusState(up: boolean): void;
}

/** Raised when NATS cannot be reached at start (the CLI exits non-zero with its message). */
export class ClusterUnavailableError extends Error {}

/**
 * One node's connection to the cluster. `NatsBus.connect` reaches NATS (or
 * throws {@link ClusterUnavailableError}); `start(input)` begins delivering.
 */
export class NatsBus {
  private subs: Subscription[] = [];
  /** Envelopes of this turn, as runs of consecutive envelopes for one subject (flushed in order). */
  private runs: { subject: string; envs: ClusterEnvelope[] }[] = [];
  private flushQueued = false;
  /** WAMP payloads nest inside envelopes: the depth limit of a message, plus the envelope's own levels. */
  private readonly limits: Limits = { ...DEFAULT_LIMITS, maxDepth: DEFAULT_LIMITS.maxDepth + 16 };
  private input: ClusterInput | undefined;
  private up = true;
  private closed = false;
  private readonly prefix: string;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    readonly config: ClusterConfig,
    private readonly log: Logger,
  ) {
    this.prefix = `wamp.${config.name}`;
  }

  /** Connect to NATS and open (or create) the cluster's KV bucket. */
  static async connect(config: ClusterConfig, log: Logger): Promise<NatsBus> {
    const opts: ConnectionOptions = {
      servers: [...config.servers],
      name: `wamp-router ${config.node}`,
      timeout: config.connectTimeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 2000,
      maxPingOut: 2,
    };
    if (config.user !== undefined) opts.user = config.user;
    if (config.pass !== undefined) opts.pass = config.pass;
    if (config.token !== undefined) opts.token = config.token;
    if (config.credsFile !== undefined) opts.authenticator = credsAuthenticator(readFileSync(config.credsFile));
    if (config.tls !== undefined) {
      opts.tls = {
        ...(config.tls.ca !== undefined ? { caFile: config.tls.ca } : {}),
        ...(config.tls.cert !== undefined ? { certFile: config.tls.cert } : {}),
        ...(config.tls.key !== undefined ? { keyFile: config.tls.key } : {}),
      };
    }
    let nc: NatsConnection;
    try {
      nc = await connect(opts);
    } catch (e) {
      throw new ClusterUnavailableError(`cannot reach NATS at ${config.servers.join(', ')}: ${e instanceof Error ? e.message : String(e)}`);
    }
    let kv: KV;
    try {
      kv = await new Kvm(nc).create(`wamp_${config.name}`, { history: 1 });
    } catch (e) {
      await nc.close().catch(() => undefined);
      throw new ClusterUnavailableError(
        `NATS at ${config.servers.join(', ')} has no usable JetStream (start nats-server with -js): ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    return new NatsBus(nc, kv, config, log);
  }

  /** Begin delivering envelopes and connection changes to `input` (the router is told the bus is up). */
  start(input: ClusterInput): void {
    this.input = input;
    const onMsg = (err: Error | null, msg: { data: Uint8Array }): void => {
      if (err !== null || this.closed) return;
      let envs: ClusterEnvelope[];
      try {
        // The core's MessagePack codec: exact ±2^53, and any key (even "__proto__") read as data.
        envs = msgpackSerializer.decode(msg.data, this.limits) as ClusterEnvelope[];
        if (!Array.isArray(envs)) throw new Error('not a list of envelopes');
      } catch (e) {
        this.log.warn('cluster: undecodable message on the bus', { error: (e as Error).message });
        return;
      }
      // A bus message carries what a node produced in one turn: often many
      // envelopes (a burst of events), each fanned out to local clients.
      // Their frames to one client are coalesced into few writes.
      if (envs.length === 1) input.handleCluster(envs[0]!);
      else coalesceWrites(() => {
        for (const env of envs) input.handleCluster(env);
      });
    };
    this.subs.push(this.nc.subscribe(`${this.prefix}.all`, { callback: onMsg }));
    this.subs.push(this.nc.subscribe(`${this.prefix}.node.${this.config.node}`, { callback: onMsg }));
    void this.watchStatus();
    // The subscriptions must be in place on the server before the others hear of us.
    void this.nc.flush().then(
      () => input.handleBusState(true),
      () => undefined,
    );
  }

  /** Carry one output of the router. */
  send(o: ClusterOutput): void {
    if (o.kind === 'send') {
      const env = o.envelope;
      const subject = env.to === undefined ? `${this.prefix}.all` : `${this.prefix}.node.${env.to}`;
      const last = this.runs[this.runs.length - 1];
      if (last !== undefined && last.subject === subject) last.envs.push(env);
      else this.runs.push({ subject, envs: [env] });
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(() => this.flush());
      }
      return;
    }
    void this.store(o.request).then((r) => {
      if (!this.closed) this.input?.handleStoreResult(o.request.id, r);
    });
  }

  private flush(): void {
    this.flushQueued = false;
    const runs = this.runs;
    this.runs = [];
    for (const r of runs) this.publish(r.subject, r.envs);
  }

  /** Publish envelopes as one NATS message, split in halves while it exceeds the server's max_payload. */
  private publish(subject: string, envs: ClusterEnvelope[]): void {
    // The core's MessagePack codec both ways: it leaves out dictionary
    // entries holding undefined (an absent field must not arrive as null), and
    // reads any key, "__proto__" included, as data with integers exact.
    const data = msgpackSerializer.encode(envs) as Uint8Array;
    const max = this.nc.info?.max_payload ?? 1024 * 1024;
    if (data.length > max) {
      if (envs.length > 1) {
        const half = envs.length >> 1;
        this.publish(subject, envs.slice(0, half));
        this.publish(subject, envs.slice(half));
        return;
      }
      const m = envs[0]!.m;
      this.log.error('cluster: a message is larger than NATS allows (max_payload); it does not reach the other nodes', {
        kind: m.t,
        bytes: data.length,
        maxPayload: max,
        hint: 'raise max_payload in the nats-server configuration to at least the router\'s maxMessageSize',
      });
      return;
    }
    try {
      this.nc.publish(subject, data);
    } catch (e) {
      // Closed or draining: the membership protocol notices the silence.
      this.log.debug('cluster: publish failed', { error: (e as Error).message });
    }
  }

  /** Leave the bus: unsubscribe and close the connection (others notice within their node timeout). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const s of this.subs) s.unsubscribe();
    // Drain what is buffered, but not forever: with NATS gone, drain would wait for a reconnect.
    const drained = this.nc.drain().then(
      () => true,
      () => false,
    );
    const inTime = await Promise.race([drained, new Promise<boolean>((r) => setTimeout(() => r(false), 1_000).unref())]);
    if (!inTime && !this.nc.isClosed()) await this.nc.close().catch(() => undefined);
  }

  private async store(rq: StoreRequest): Promise<StoreResult> {
    try {
      if (rq.op === 'create') {
        try {
          await this.kv.create(rq.key, JSON.stringify(rq.value));
          return { ok: true };
        } catch (e) {
          const entry = await this.kv.get(rq.key);
          if (entry === null || entry.operation !== 'PUT') throw e;
          return { ok: false, existing: JSON.parse(entry.string()) as ClaimValue };
        }
      }
      const entry = await this.kv.get(rq.key);
      if (entry === null || entry.operation !== 'PUT') return { ok: false };
      const value = JSON.parse(entry.string()) as ClaimValue;
      if (value.node !== rq.owner || (rq.inc !== undefined && value.inc !== rq.inc)) return { ok: false };
      await this.kv.delete(rq.key, { previousSeq: entry.revision });
      return { ok: true };
    } catch (e) {
      this.log.warn('cluster: the KV store cannot be reached', { op: rq.op, key: rq.key, error: (e as Error).message });
      return { ok: false, unavailable: true };
    }
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (this.closed) return;
      if (s.type === 'disconnect') {
        if (this.up) this.log.warn('cluster: lost the connection to NATS; reconnecting', { node: this.config.node });
        this.up = false;
        this.input?.handleBusState(false);
      } else if (s.type === 'reconnect') {
        this.log.info('cluster: reconnected to NATS', { node: this.config.node });
        this.up = true;
        this.input?.handleBusState(true);
      }
    }
  }
}
