// Hardening on real sockets (tracker issues 13 and 18): what the router
// refuses, bounds and logs, over WebSocket and RawSocket.

import { spawn } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Dict } from '@wamp/core';
import { Result, WampError, type Session } from '@wamp/client';
import { encodeFrame, encodeHandshake, FrameType } from '@wamp/rawsocket';
import { validateNodeRouterConfig, type WampRouter } from '@wamp/node-router';
import {
  CLI,
  COMBOS,
  Cleanup,
  RawTcpPeer,
  RawWsPeer,
  addressOf,
  captureLogs,
  joinSession,
  startRouter,
  transportFor,
  waitFor,
  within,
  type CapturedLogs,
  type Wire,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const WS_JSON = COMBOS.find((c) => c.transport === 'websocket' && c.serializer === 'json' && !c.batched && !c.tls)!;
const WS_MSGPACK = COMBOS.find((c) => c.transport === 'websocket' && c.serializer === 'msgpack' && !c.batched && !c.tls)!;
const RS_MSGPACK = COMBOS.find((c) => c.transport === 'rawsocket' && c.serializer === 'msgpack' && !c.tls)!;

function start(config: Dict = {}, logs?: CapturedLogs): Promise<WampRouter> {
  return startRouter(cleanup, config, logs?.logger);
}

type RawPeer = RawWsPeer | RawTcpPeer;

/** A hand-written JSON peer on either transport (RawSocket: handshake sent). */
async function rawPeer(router: WampRouter, transport: 'websocket' | 'rawsocket'): Promise<RawPeer> {
  if (transport === 'websocket') return RawWsPeer.open(cleanup, addressOf(router, 'websocket').url);
  const p = await RawTcpPeer.connect(cleanup, addressOf(router, 'rawsocket').port!);
  p.sendHandshake();
  return p;
}

const ROLES = { subscriber: {}, publisher: {}, caller: {}, callee: {} };
const warnings = (logs: CapturedLogs, msg: string): Record<string, unknown>[] => logs.records.filter((r) => r['level'] === 'warn' && r['msg'] === msg);

describe.each(['websocket', 'rawsocket'] as const)('%s', (transport) => {
  it('HELLO with "authmethods": [] (Autobahn|C++) is welcomed as anonymous', async () => {
    const router = await start();
    const peer = await rawPeer(router, transport);
    peer.send([1, 'realm1', { roles: ROLES, authmethods: [], authid: '' }]);
    const welcome = await peer.expect(2);
    expect((welcome[2] as Dict)['authmethod']).toBe('anonymous');
  });

  it('a failed handshake is logged at warn with realm, authid, method, peer address and reason', async () => {
    const logs = captureLogs();
    const router = await start(
      { realms: [{ name: 'realm1', auth: { ticket: { type: 'static', principals: { joe: { ticket: 'right', authrole: 'user' } } } } }] },
      logs,
    );
    const peer = await rawPeer(router, transport);
    peer.send([1, 'realm1', { roles: ROLES, authmethods: ['ticket'], authid: 'joe' }]);
    await peer.expect(4);
    peer.send([5, 'wrong', {}]);
    const abort = await peer.expect(3);
    expect(abort[2]).toBe('wamp.error.authentication_failed');
    await waitFor(() => warnings(logs, 'session refused').length > 0, 'the refusal to be logged');
    expect(warnings(logs, 'session refused')[0]).toMatchObject({
      realm: 'realm1',
      authid: 'joe',
      authmethod: 'ticket',
      peer: expect.stringMatching(/^tcp4:127\.0\.0\.1:\d+$/) as unknown,
      reason: 'wamp.error.authentication_failed',
      message: 'invalid ticket',
    });
    // No method in common: refused and logged too.
    const other = await rawPeer(router, transport);
    other.send([1, 'realm1', { roles: ROLES, authmethods: ['wampcra'], authid: 'joe' }]);
    expect((await other.expect(3))[2]).toBe('wamp.error.no_matching_auth_method');
    await waitFor(() => warnings(logs, 'session refused').length > 1, 'the second refusal to be logged');
  });

  it('a connection that sends no HELLO is closed with a precise reason, not wamp.close.normal', async () => {
    const router = await start({ timeouts: { hello: 300 } });
    const peer = await rawPeer(router, transport);
    if (peer instanceof RawWsPeer) {
      const closed = await within(peer.closed, 5_000, 'the close');
      expect(closed.reason).toBe('wamp.error.timeout: no HELLO within 300 ms');
    } else {
      await within(peer.closed, 5_000, 'the close');
    }
  });

  it('connections over maxConnectionsPerAddress are closed at once and logged', async () => {
    const logs = captureLogs();
    const router = await start({ maxConnectionsPerAddress: 3 }, logs);
    const open: RawPeer[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await rawPeer(router, transport);
      await (p instanceof RawWsPeer ? p.join('realm1') : (p.send([1, 'realm1', { roles: ROLES }]), p.expect(2)));
      open.push(p);
    }
    // The 4th: the socket is destroyed as soon as it is accepted.
    const s = netConnect({ host: '127.0.0.1', port: addressOf(router, transport).port! });
    cleanup.add(() => s.destroy());
    s.on('error', () => undefined);
    await within(new Promise((r) => s.once('close', r)), 5_000, 'the 4th connection to be closed');
    await waitFor(() => warnings(logs, 'connection refused').length > 0, 'the refusal to be logged');
    expect(warnings(logs, 'connection refused')[0]).toMatchObject({ transport, reason: expect.stringContaining('maxConnectionsPerAddress (3)') as unknown });
    // When one leaves, a new one gets in.
    open[0]!.send([6, {}, 'wamp.close.normal']);
    await within(open[0]!.closed, 5_000, 'the first to close');
    // The server side of the closed socket is counted out when it closes, a moment later.
    for (let attempt = 0; ; attempt++) {
      const again = await rawPeer(router, transport).catch(() => undefined);
      if (again !== undefined) {
        again.send([1, 'realm1', { roles: ROLES }]);
        if ((await again.expect(2, 1_000).catch(() => undefined)) !== undefined) break;
      }
      if (attempt >= 10) throw new Error('a new connection was not admitted after one closed');
    }
  });

  it('a JSON request ID beyond 2^53 (rounded by JSON.parse) is refused with protocol_violation', async () => {
    const router = await start();
    const peer = await rawPeer(router, transport);
    peer.send([1, 'realm1', { roles: ROLES }]);
    await peer.expect(2);
    const text = '[48, 9007199254740993, {}, "wamp.session.count"]';
    if (peer instanceof RawWsPeer) peer.ws.send(text);
    else peer.socket.write(encodeFrame(FrameType.MESSAGE, new TextEncoder().encode(text)));
    const abort = await peer.expect(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    expect((abort[1] as Dict)['message']).toMatch(/9007199254740993 cannot be carried exactly by JSON/);
  });

  it('a caller with many unanswered calls does not starve other callers', async () => {
    const router = await start({ realms: [{ name: 'realm1', limits: { maxPendingInvocationsPerCallerAtCallee: 50 } }] });
    const combo = transport === 'websocket' ? WS_JSON : RS_MSGPACK;
    const { session: callee } = await joinSession(cleanup, transportFor(router, combo), { realm: 'realm1' });
    await callee.register('com.busy', (args) => (args[0] === 'greedy' ? new Promise(() => undefined) : 'ok'));
    const { session: greedy } = await joinSession(cleanup, transportFor(router, combo), { realm: 'realm1' });
    const calls = Array.from({ length: 80 }, () => greedy.call('com.busy', ['greedy']).catch((e: unknown) => e));
    const refused = (await Promise.race([Promise.all(calls.slice(50)), new Promise((r) => setTimeout(r, 5_000))])) as unknown[];
    expect(refused.every((e) => e instanceof WampError && e.uri === 'wamp.error.limit_exceeded')).toBe(true);
    const { session: other } = await joinSession(cleanup, transportFor(router, combo), { realm: 'realm1' });
    expect((await within(other.call('com.busy', ['me']), 5_000, 'the other caller')).value).toBe('ok');
  });
});

describe('RawSocket liveness and bounds', () => {
  it('heartbeatMs covers RawSocket: a joined peer that stops answering PINGs is closed', async () => {
    const logs = captureLogs();
    const router = await start({ heartbeatMs: 200 }, logs);
    const peer = await RawTcpPeer.connect(cleanup, addressOf(router, 'rawsocket').port!);
    // RawTcpPeer never answers PING.
    await peer.join('realm1');
    const t0 = Date.now();
    await within(peer.closed, 5_000, 'the stalled peer to be closed');
    const ms = Date.now() - t0;
    console.log(`[figure] stalled RawSocket peer closed after ${ms} ms (heartbeatMs 200)`);
    expect(ms).toBeLessThan(3_000);
    await waitFor(() => warnings(logs, 'connection closed by a limit').length > 0, 'the close to be logged');
    expect(warnings(logs, 'connection closed by a limit')[0]!['reason']).toMatch(/no PONG within 200 ms/);
  });

  it('a message that never completes is cut after readTimeoutMs', async () => {
    const logs = captureLogs();
    const router = await start({ readTimeoutMs: 300 }, logs);
    const peer = await RawTcpPeer.connect(cleanup, addressOf(router, 'rawsocket').port!);
    await peer.join('realm1');
    // A prefix announcing 1,000 octets, and 10 of them.
    const frame = encodeFrame(FrameType.MESSAGE, new Uint8Array(1000));
    const t0 = Date.now();
    peer.socket.write(frame.subarray(0, 14));
    await within(peer.closed, 5_000, 'the incomplete message to be cut');
    const ms = Date.now() - t0;
    console.log(`[figure] incomplete RawSocket message cut after ${ms} ms (readTimeoutMs 300)`);
    expect(ms).toBeGreaterThanOrEqual(250);
    await waitFor(() => warnings(logs, 'connection closed by a limit').length > 0, 'the close to be logged');
    expect(warnings(logs, 'connection closed by a limit')[0]!['reason']).toMatch(/not completed within the read timeout of 300 ms/);
  });

  it('100 stalled partial frames announcing 16 MiB each hold little memory; the shared budget bounds the total', async () => {
    const router = await start({ maxConnectionsPerAddress: 1000 });
    const port = addressOf(router, 'rawsocket').port!;
    const sockets: Socket[] = [];
    const before = process.memoryUsage();
    for (let i = 0; i < 100; i++) {
      const s = netConnect({ host: '127.0.0.1', port });
      cleanup.add(() => s.destroy());
      s.on('error', () => undefined);
      await new Promise((r) => s.once('connect', r));
      s.write(encodeHandshake(1, 15));
      // Length 2^24 - 1 (the largest a prefix spells without the X bit), then 1 KiB of it.
      const prefix = new Uint8Array([FrameType.MESSAGE, 0xff, 0xff, 0xff]);
      s.write(prefix);
      s.write(new Uint8Array(1024));
      sockets.push(s);
    }
    await waitFor(() => router.connectionCount === 100, 'the 100 connections');
    await new Promise((r) => setTimeout(r, 200));
    const after = process.memoryUsage();
    const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);
    console.log(
      `[figure] 100 stalled 16 MiB frames: RSS +${mib(after.rss - before.rss)} MiB, arrayBuffers +${mib(after.arrayBuffers - before.arrayBuffers)} MiB`,
    );
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
  });

  it('maxIncompleteBytes: the connection whose partial message passes the shared budget is closed', async () => {
    const logs = captureLogs();
    const router = await start({ maxIncompleteBytes: 1024 * 1024, maxConnectionsPerAddress: 1000 }, logs);
    const port = addressOf(router, 'rawsocket').port!;
    const peers: RawTcpPeer[] = [];
    for (let i = 0; i < 40; i++) {
      const p = await RawTcpPeer.connect(cleanup, port);
      p.sendHandshake();
      // 100 KiB of a 1 MiB message: the router holds a growing buffer for it.
      p.socket.write(new Uint8Array([FrameType.MESSAGE, 0x10, 0x00, 0x00]));
      p.socket.write(new Uint8Array(100 * 1024));
      peers.push(p);
    }
    await waitFor(() => warnings(logs, 'connection closed by a limit').length > 0, 'a connection closed by the budget');
    expect(warnings(logs, 'connection closed by a limit')[0]!['reason']).toMatch(/incomplete messages across all connections exceed 1048576 octets/);
    // The others still work: a fresh client joins.
    const fresh = await RawTcpPeer.connect(cleanup, port);
    await fresh.join('realm1');
  });
});

describe('outbound queue defaults follow the message size', () => {
  it.each([WS_MSGPACK, RS_MSGPACK])('$name: five publishers send 15 MiB events at once, a reading subscriber gets all five', async (combo) => {
    const router = await start();
    expect(router.config.backpressure.maxQueuedBytes).toBeGreaterThanOrEqual(5 * 16 * 1024 * 1024);
    const { session: sub } = await joinSession(cleanup, transportFor(router, combo), { realm: 'realm1' });
    let got = 0;
    await sub.subscribe('com.big', (args) => {
      if ((args[0] as Uint8Array).length === 15 * 1024 * 1024) got++;
    });
    const pubs: Session[] = [];
    for (let i = 0; i < 5; i++) pubs.push((await joinSession(cleanup, transportFor(router, combo), { realm: 'realm1' })).session);
    const payload = new Uint8Array(15 * 1024 * 1024).fill(7);
    await Promise.all(pubs.map((p) => p.publish('com.big', [payload], {}, { acknowledge: true })));
    await waitFor(() => got === 5, 'all five events', 30_000);
    expect(sub.isOpen).toBe(true);
  }, 60_000);
});

describe('WebSocket close reasons', () => {
  it('1009 names the limit', async () => {
    const router = await start({ limits: { maxMessageSize: 4096 } });
    const peer = await RawWsPeer.open(cleanup, addressOf(router, 'websocket').url);
    await peer.join('realm1');
    peer.send([16, 1, {}, 'com.x', ['y'.repeat(10_000)]] as Wire);
    const closed = await within(peer.closed, 5_000, 'the close');
    expect(closed).toEqual({ code: 1009, reason: 'message exceeds the maximum of 4096 octets' });
  });

  it('1002 says what was wrong with the frame', async () => {
    const router = await start();
    const peer = await RawWsPeer.open(cleanup, addressOf(router, 'websocket').url);
    await peer.join('realm1');
    // A masked text frame with RSV1 set (no extension was negotiated).
    peer.socket.write(Buffer.from([0xc1, 0x80, 0, 0, 0, 0]));
    const closed = await within(peer.closed, 5_000, 'the close');
    expect(closed.code).toBe(1002);
    expect(closed.reason).toMatch(/RSV1 must be clear/);
  });
});

describe('ordinary data with prototype-like keys', () => {
  const combos = [WS_JSON, COMBOS.find((c) => c.transport === 'websocket' && c.serializer === 'cbor' && !c.batched && !c.tls)!, RS_MSGPACK];
  it.each(combos)('$name: kwargs {"constructor": "Foo"}, __proto__ and prototype keys are delivered as data and pollute nothing', async (combo) => {
    const router = await start();
    const { session: sub } = await joinSession(cleanup, transportFor(router, combo), { realm: 'realm1' });
    const { session: pub } = await joinSession(cleanup, transportFor(router, combo), { realm: 'realm1' });
    const got: { args: unknown[]; kwargs: Record<string, unknown> }[] = [];
    await sub.subscribe('com.data', (args, kwargs) => {
      got.push({ args, kwargs: kwargs as Record<string, unknown> });
    });
    await sub.register('com.echo', (args, kwargs) => new Result(args, kwargs));
    // JSON.parse makes "__proto__" an own key, as a peer in another language would send it.
    const kwargs = JSON.parse('{"constructor": "Foo", "prototype": {"polluted": true}, "__proto__": {"polluted": true}, "n": [{"__proto__": {"polluted": 1}}]}') as Record<string, unknown>;
    await pub.publish('com.data', [JSON.parse('{"__proto__": {"polluted": true}}')], kwargs, { acknowledge: true });
    await waitFor(() => got.length === 1, 'the EVENT');
    const k = got[0]!.kwargs;
    expect(Object.keys(k).sort()).toEqual(['__proto__', 'constructor', 'n', 'prototype']);
    expect(k['constructor']).toBe('Foo');
    expect(Object.getOwnPropertyDescriptor(k, '__proto__')?.value).toEqual({ polluted: true });
    expect(Object.keys(got[0]!.args[0] as object)).toEqual(['__proto__']);
    const r = await pub.call('com.echo', [1], kwargs);
    expect(Object.keys(r.kwargs).sort()).toEqual(['__proto__', 'constructor', 'n', 'prototype']);
    // Router and clients run in this process: nothing reached Object.prototype.
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    expect(sub.isOpen && pub.isOpen).toBe(true);
  });
});

describe('operator visibility: the open-file limit', () => {
  it('a router whose maxConnections cannot fit under `ulimit -n` says so at start (EMFILE on accept is silent in libuv)', async () => {
    const child = spawn('sh', ['-c', `ulimit -n 256 && exec "${process.execPath}" "${CLI}" --rawsocket 127.0.0.1:0 --admin off --realm realm1 --log-format json`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.add(() => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    await waitFor(() => stderr.includes('open-file limit below maxConnections'), 'the warning', 10_000);
    const line = stderr.split('\n').find((l) => l.includes('open-file limit'))!;
    expect(JSON.parse(line)).toMatchObject({ level: 'warn', openFileLimit: 256, maxConnections: 10_000 });
  });
});

describe('configuration of the bounds', () => {
  it('is checked, naming the field, and the queue default follows maxMessageSize', () => {
    const bad: [Dict, RegExp][] = [
      [{ authThrottle: { maxFailuresPerAuthid: 0 } }, /authThrottle\.maxFailuresPerAuthid/],
      [{ authThrottle: { enabled: 'yes' } }, /authThrottle\.enabled/],
      [{ readTimeoutMs: -1 }, /readTimeoutMs/],
      [{ maxConnections: 0 }, /maxConnections/],
      [{ maxConnectionsPerAddress: 'x' }, /maxConnectionsPerAddress/],
      [{ maxIncompleteBytes: 10 }, /maxIncompleteBytes/],
      [{ timeouts: { call: -5 } }, /timeouts\.call/],
      [{ listeners: [{ type: 'rawsocket', port: 0, heartbeat: 'no' }] }, /listeners\[0\]\.heartbeat/],
      [{ realms: [{ name: 'realm1', limits: { maxPendingInvocationsPerCallerAtCallee: 0 } }] }, /maxPendingInvocationsPerCallerAtCallee/],
    ];
    for (const [config, path] of bad) expect(() => validateNodeRouterConfig(config)).toThrow(path);
    const MiB = 1024 * 1024;
    expect(validateNodeRouterConfig({}).backpressure.maxQueuedBytes).toBe(128 * MiB);
    expect(validateNodeRouterConfig({ limits: { maxMessageSize: MiB } }).backpressure.maxQueuedBytes).toBe(8 * MiB);
    expect(validateNodeRouterConfig({ limits: { maxMessageSize: 4 * MiB } }).backpressure.maxQueuedBytes).toBe(32 * MiB);
    const c = validateNodeRouterConfig({ timeouts: { call: 0 }, authThrottle: { enabled: false }, readTimeoutMs: 0 });
    expect(c.router.timeouts?.call).toBe(0);
    expect(c.router.authThrottle?.enabled).toBe(false);
    expect(c.readTimeoutMs).toBe(0);
  });
});
