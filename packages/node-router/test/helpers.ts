// Shared pieces of the @wamp/node-router end-to-end tests: real sockets on
// 127.0.0.1 (port 0), clients of @wamp/client over every transport, a log
// sink, temporary config files, and raw WebSocket / RawSocket peers that
// speak WAMP by hand for the fault tests.

import { spawn, type ChildProcess } from 'node:child_process';
import { vi } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cborSerializer, jsonSerializer, msgpackSerializer, type Dict, type Serializer } from '@wamp/core';
import { Session, type JoinOptions, type Transport, type TransportFactory } from '@wamp/client';
import { FrameType, encodeFrame, encodeHandshake, rawSocketTransport } from '@wamp/rawsocket';
import { nodeWebSocketTransport } from '@wamp/ws/node';
import { WebSocket } from 'ws';
import { createLogger, createRouter, type ListeningAddress, type Logger, type WampRouter } from '@wamp/node-router';
import { deferred, until as waitFor, within } from '../../core/test/kit/wait.js';

// ---------------------------------------------------------------------------
// TLS material of @wamp/rawsocket's tests (self-signed for 127.0.0.1/localhost).

export const TLS_CERT_FILE = fileURLToPath(new URL('../../rawsocket/test/fixtures/test-cert.pem', import.meta.url));
export const TLS_KEY_FILE = fileURLToPath(new URL('../../rawsocket/test/fixtures/test-key.pem', import.meta.url));
export const TLS_CA = readFileSync(TLS_CERT_FILE);

/** The CLI as installed: the bin launcher, which runs the built dist/cli.js. */
export const CLI = fileURLToPath(new URL('../bin/wamp-router.js', import.meta.url));

// ---------------------------------------------------------------------------
// Clean-up: everything a test opens is registered here and closed afterwards.

export class Cleanup {
  private readonly tasks: (() => unknown)[] = [];

  add(task: () => unknown): void {
    this.tasks.push(task);
  }

  /** Run the tasks, newest first; one failing does not stop the others. */
  async run(): Promise<void> {
    const tasks = this.tasks.splice(0).reverse();
    for (const t of tasks) {
      try {
        await t();
      } catch {
        // Closing something already closed is not this test's concern.
      }
    }
  }
}

/** A temporary directory, removed by `cleanup`. */
export function tempDir(cleanup: Cleanup, prefix = 'wamp-router-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeJson(file: string, value: unknown): string {
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

// ---------------------------------------------------------------------------
// Logs

export interface CapturedLogs {
  readonly logger: Logger;
  /** Every line, parsed (the logger writes one JSON object per line). */
  readonly records: Record<string, unknown>[];
  readonly raw: string[];
}

export function captureLogs(level: 'debug' | 'info' | 'warn' = 'info'): CapturedLogs {
  const records: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logger = createLogger({
    level,
    format: 'json',
    sink: {
      write: (line) => {
        raw.push(line);
        records.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  return { logger, records, raw };
}

/** A logger that drops everything (tests that do not look at logs). */
export const quietLogger = (): Logger => createLogger({ level: 'silent', format: 'json', sink: { write: () => undefined } });

// ---------------------------------------------------------------------------
// Routers

/**
 * A router on free ports (WebSocket and RawSocket on 127.0.0.1, realm1, no
 * heartbeat), listening, closed by `cleanup`; `config` overrides any field.
 */
export async function startRouter(cleanup: Cleanup, config: Dict = {}, logger: Logger = quietLogger()): Promise<WampRouter> {
  const router = createRouter(
    {
      realms: [{ name: 'realm1' }],
      listeners: [
        { type: 'websocket', host: '127.0.0.1', port: 0 },
        { type: 'rawsocket', host: '127.0.0.1', port: 0 },
      ],
      heartbeatMs: 0,
      ...config,
    },
    { logger },
  );
  cleanup.add(() => router.close());
  await router.listen();
  return router;
}

/** The newest modification time of the `.ts` files below `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Tests that run a compiled command (dist/) need every package it uses built
 * and current: throws, saying what to run, when one is missing or older than
 * its sources (`pnpm test` builds first, in its global setup).
 */
export function assertBuilt(packages: readonly string[]): void {
  for (const pkg of packages) {
    const root = fileURLToPath(new URL(`../../${pkg}/`, import.meta.url));
    let built = 0;
    try {
      built = statSync(join(root, 'dist', '.tsbuildinfo')).mtimeMs;
    } catch {
      throw new Error(`packages/${pkg}/dist is missing: run \`pnpm build\` before these tests`);
    }
    if (newestSource(join(root, 'src')) > built) throw new Error(`packages/${pkg}/dist is older than its src: run \`pnpm build\` before these tests`);
  }
}

// ---------------------------------------------------------------------------
// Transports

export type SerializerName = 'json' | 'msgpack' | 'cbor';

export const SERIALIZERS: Record<SerializerName, Serializer> = {
  json: jsonSerializer,
  msgpack: msgpackSerializer,
  cbor: cborSerializer,
};

/** One way of reaching the router: a transport, a serializer, framing and TLS. */
export interface Combo {
  readonly name: string;
  readonly transport: 'websocket' | 'rawsocket';
  readonly serializer: SerializerName;
  readonly batched: boolean;
  readonly tls: boolean;
}

const combo = (transport: Combo['transport'], serializer: SerializerName, batched = false, tls = false): Combo => ({
  name: `${transport === 'websocket' ? (tls ? 'wss' : 'ws') : tls ? 'rawsocket+tls' : 'rawsocket'} ${serializer}${batched ? '.batched' : ''}`,
  transport,
  serializer,
  batched,
  tls,
});

/** Every transport × serializer the issue asks for, TLS for one of each transport. */
export const COMBOS: readonly Combo[] = [
  combo('websocket', 'json'),
  combo('websocket', 'msgpack'),
  combo('websocket', 'cbor'),
  combo('websocket', 'json', true),
  combo('websocket', 'msgpack', true),
  combo('websocket', 'cbor', true),
  combo('rawsocket', 'json'),
  combo('rawsocket', 'msgpack'),
  combo('rawsocket', 'cbor'),
  combo('websocket', 'cbor', false, true),
  combo('rawsocket', 'msgpack', false, true),
];

/** The address of the router's listener of this type (and TLS or not). */
export function addressOf(router: WampRouter, type: 'websocket' | 'rawsocket', tls = false): ListeningAddress {
  const scheme = type === 'websocket' ? (tls ? 'wss:' : 'ws:') : tls ? 'rss:' : 'rs:';
  const a = router.addresses.find((x) => x.type === type && x.url.startsWith(scheme));
  if (a === undefined) throw new Error(`the router has no ${scheme} listener (it has ${router.addresses.map((x) => x.url).join(', ')})`);
  return a;
}

export function transportFor(router: WampRouter, c: Combo): TransportFactory {
  const url = addressOf(router, c.transport, c.tls).url;
  if (c.transport === 'websocket') {
    return nodeWebSocketTransport({
      url,
      subprotocols: [`wamp.2.${c.serializer}${c.batched ? '.batched' : ''}`],
      connectTimeoutMs: 5_000,
      ...(c.tls ? { wsOptions: { ca: TLS_CA } } : {}),
    });
  }
  return rawSocketTransport({
    url,
    serializer: SERIALIZERS[c.serializer],
    connectTimeoutMs: 5_000,
    ...(c.tls ? { tlsOptions: { ca: TLS_CA } } : {}),
  });
}

/** Open a transport and join; the session leaves (or its transport closes) at clean-up. */
export async function joinSession(
  cleanup: Cleanup,
  factory: TransportFactory,
  options: JoinOptions,
): Promise<{ session: Session; transport: Transport }> {
  const transport = await factory();
  cleanup.add(() => transport.close());
  const session = await Session.join(transport, { joinTimeout: 5_000, goodbyeTimeout: 1_000, ...options });
  cleanup.add(async () => {
    if (session.isOpen) await session.leave();
  });
  return { session, transport };
}

// ---------------------------------------------------------------------------
// Waiting

export { deferred, waitFor, within };

// ---------------------------------------------------------------------------
// Raw peers that speak WAMP by hand (JSON), for the fault tests.

export type Wire = unknown[];

/** What the raw peers share: the messages received, in order, and waiting for one of a type. */
abstract class RawPeer {
  readonly received: Wire[] = [];
  private waiters: { pred: (m: Wire) => boolean; resolve: (m: Wire) => void }[] = [];

  abstract send(msg: Wire): void;

  /** Record a message from the router and wake whoever waits for one like it. */
  protected deliver(msg: Wire): void {
    this.received.push(msg);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(msg)) return true;
      w.resolve(msg);
      return false;
    });
  }

  /** The next (or an already received) message whose type code is `type`. */
  expect(type: number, timeoutMs = 5_000): Promise<Wire> {
    const seen = this.received.find((m) => m[0] === type);
    if (seen !== undefined) return Promise.resolve(seen);
    return within(
      new Promise<Wire>((resolve) => this.waiters.push({ pred: (m) => m[0] === type, resolve })),
      timeoutMs,
      `WAMP message type ${type}`,
    );
  }

  /** HELLO → WELCOME into `realm`; the session ID. */
  async join(realm: string): Promise<number> {
    this.send([1, realm, { roles: { subscriber: {}, publisher: {}, caller: {}, callee: {} } }]);
    const w = await this.expect(2);
    return w[1] as number;
  }
}

/** A `ws` client on `wamp.2.json` with WAMP written by hand. */
export class RawWsPeer extends RawPeer {
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.deliver(JSON.parse(data.toString('utf8')) as Wire);
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
  }

  static open(cleanup: Cleanup, url: string, protocol = 'wamp.2.json'): Promise<RawWsPeer> {
    const ws = new WebSocket(url, [protocol], { perMessageDeflate: false });
    cleanup.add(() => ws.terminate());
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawWsPeer(ws)));
      ws.once('error', reject);
    });
  }

  send(msg: Wire): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** The underlying TCP socket of the `ws` client (to stop reading from it). */
  get socket(): Socket {
    return (this.ws as unknown as { _socket: Socket })._socket;
  }
}

/** A RawSocket client over plain TCP, handshake and framing written by hand. */
export class RawTcpPeer extends RawPeer {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  private buf = Buffer.alloc(0);
  handshake: Buffer | undefined;

  private constructor(socket: Socket) {
    super();
    this.socket = socket;
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  static connect(cleanup: Cleanup, port: number): Promise<RawTcpPeer> {
    const socket = netConnect({ host: '127.0.0.1', port });
    cleanup.add(() => socket.destroy());
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new RawTcpPeer(socket)));
      socket.once('error', reject);
    });
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.handshake === undefined) {
      if (this.buf.length < 4) return;
      this.handshake = this.buf.subarray(0, 4);
      this.buf = this.buf.subarray(4);
    }
    while (this.buf.length >= 4) {
      const len = this.buf.readUIntBE(1, 3);
      if (this.buf.length < 4 + len) return;
      const type = this.buf[0]! & 0x07;
      const payload = this.buf.subarray(4, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      if (type !== FrameType.MESSAGE) continue;
      this.deliver(JSON.parse(payload.toString('utf8')) as Wire);
    }
  }

  /** Send the client handshake: JSON, accepting messages up to 2^(9+exp) octets. */
  sendHandshake(exp = 15): void {
    this.socket.write(encodeHandshake(1, exp));
  }

  send(msg: Wire): void {
    this.socket.write(encodeFrame(FrameType.MESSAGE, new TextEncoder().encode(JSON.stringify(msg))));
  }

  /** Handshake, then HELLO → WELCOME into `realm`; the session ID. */
  override join(realm: string): Promise<number> {
    this.sendHandshake();
    return super.join(realm);
  }
}

// ---------------------------------------------------------------------------
// The `wamp-router` command as a real process

/** A `wamp-router` process; killed at clean-up if the test left it running. */
export class RouterProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(cleanup: Cleanup, args: readonly string[], env?: NodeJS.ProcessEnv): RouterProcess {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(env !== undefined ? { env: { ...process.env, ...env } } : {}) });
    const p = new RouterProcess(child);
    cleanup.add(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await p.exited;
      }
    });
    return p;
  }

  /** The URLs of the `listening on` lines, once `count` have been printed. */
  async listening(count: number): Promise<string[]> {
    const urls = (): string[] => [...this.stdout.matchAll(/^wamp-router: listening on (\S+) \(realms: ([^)]*)\)$/gm)].map((m) => m[1]!);
    await waitFor(() => urls().length >= count || this.child.exitCode !== null, `${count} "listening on" lines`, 10_000);
    if (urls().length < count) throw new Error(`the router exited early:\n${this.stdout}\n${this.stderr}`);
    return urls();
  }

  /** Parsed JSON log lines of stderr (stderr is not a TTY, so the format is JSON). */
  logs(): Dict[] {
    return this.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Dict);
  }
}

/**
 * Run the ```ts block after `<!-- marker -->` of a README (a path relative to
 * this folder) as a module, and return what it printed with console.log.
 */
export async function runReadmeBlock(cleanup: Cleanup, readme: string, marker: string): Promise<string[]> {
  const text = readFileSync(new URL(readme, import.meta.url), 'utf8');
  const code = new RegExp(`<!-- ${marker} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(text)?.[1];
  if (code === undefined) throw new Error(`${readme} has no block marked ${marker}`);
  const file = fileURLToPath(new URL(`./.readme-${marker}-${process.pid}.ts`, import.meta.url));
  writeFileSync(file, code);
  cleanup.add(() => rmSync(file, { force: true }));
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    printed.push(a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' '));
  });
  cleanup.add(() => log.mockRestore());
  await import(/* @vite-ignore */ file);
  return printed;
}
