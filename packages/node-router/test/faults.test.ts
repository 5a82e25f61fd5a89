// Faults on real sockets: peers that die mid-call, a router that restarts,
// peers that stop reading during a flood (backpressure, bounded memory),
// garbage and truncated input, handshakes that never finish, and messages
// over the size limit. After each, the router must keep serving others.

import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { Dict } from '@wamp/core';
import { Client, Session, WampError } from '@wamp/client';
import { connectRawSocket, encodeFrame, FrameType } from '@wamp/rawsocket';
import { createRouter, type WampRouter } from '@wamp/node-router';
import {
  COMBOS,
  Cleanup,
  RawTcpPeer,
  RawWsPeer,
  addressOf,
  captureLogs,
  deferred,
  joinSession,
  quietLogger,
  startRouter,
  transportFor,
  waitFor,
  within,
  type CapturedLogs,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const WS_JSON = COMBOS.find((c) => c.transport === 'websocket' && c.serializer === 'json' && !c.batched && !c.tls)!;
const RS_CBOR = COMBOS.find((c) => c.transport === 'rawsocket' && c.serializer === 'cbor' && !c.tls)!;

function start(config: Dict = {}, logs?: CapturedLogs): Promise<WampRouter> {
  return startRouter(cleanup, config, logs?.logger);
}

/** A fresh client on each transport joins and gets an answer: the router is still serving. */
async function expectServing(router: WampRouter): Promise<void> {
  const local = new Cleanup();
  try {
    for (const c of [WS_JSON, RS_CBOR]) {
      const { session } = await joinSession(local, transportFor(router, c), { realm: 'realm1' });
      const n = await within(session.call<number>('wamp.session.count'), 5_000, `a call over ${c.name}`);
      expect(n.value).toBeGreaterThanOrEqual(1);
    }
  } finally {
    await local.run();
  }
}

function sessionLeft(logs: CapturedLogs, session: number): boolean {
  return logs.records.some((r) => r['msg'] === 'session left' && r['session'] === session);
}

describe('a callee that dies mid-call', () => {
  it('over RawSocket: the caller gets an error within a second', async () => {
    const router = await start();
    const conn = await connectRawSocket({ url: addressOf(router, 'rawsocket').url });
    cleanup.add(() => conn.close());
    const callee = await Session.join(conn, { realm: 'realm1' });
    const invoked = deferred();
    await callee.register('com.app.hang', () => {
      invoked.resolve();
      return new Promise(() => undefined);
    });
    const { session: caller } = await joinSession(cleanup, transportFor(router, WS_JSON), { realm: 'realm1' });
    const call = caller.call('com.app.hang');
    call.catch(() => undefined);
    await within(invoked.promise, 5_000, 'the invocation');
    const t0 = Date.now();
    conn.terminate('test kills the callee');
    const err = await within(call.then(() => undefined, (e: unknown) => e), 1_000, 'the caller error');
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(WampError);
    expect((err as WampError).uri).toBe('wamp.error.canceled');
  });

  it('over WebSocket: the caller gets an error within a second', async () => {
    const router = await start();
    const callee = await RawWsPeer.open(cleanup, addressOf(router, 'websocket').url);
    await callee.join('realm1');
    callee.send([64, 1, {}, 'com.app.hang']);
    await callee.expect(65);
    const { session: caller } = await joinSession(cleanup, transportFor(router, RS_CBOR), { realm: 'realm1' });
    const call = caller.call('com.app.hang');
    call.catch(() => undefined);
    await callee.expect(68);
    const t0 = Date.now();
    callee.ws.terminate();
    const err = await within(call.then(() => undefined, (e: unknown) => e), 1_000, 'the caller error');
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect((err as WampError).uri).toBe('wamp.error.canceled');
  });
});

describe('a router restarted on the same port', () => {
  it('sees its Client reconnect, re-register and re-subscribe, over WebSocket and RawSocket', async () => {
    const first = createRouter(
      {
        realms: [{ name: 'realm1' }],
        listeners: [
          { type: 'websocket', host: '127.0.0.1', port: 0 },
          { type: 'rawsocket', host: '127.0.0.1', port: 0 },
        ],
        heartbeatMs: 0,
      },
      { logger: quietLogger() },
    );
    cleanup.add(() => first.close());
    await first.listen();
    const wsPort = addressOf(first, 'websocket').port!;
    const rsPort = addressOf(first, 'rawsocket').port!;

    const clients = [WS_JSON, RS_CBOR].map((c, i) => {
      const events: unknown[] = [];
      const client = new Client({
        transport: transportFor(first, c),
        realm: 'realm1',
        retry: { initialDelay: 30, maxDelay: 200, multiplier: 2, jitter: 0 },
        joinTimeout: 5_000,
      });
      cleanup.add(() => client.close());
      let opens = 0;
      client.on('open', () => opens++);
      return { client, events, name: c.name, procedure: `com.app.proc${i}`, topic: `com.app.topic${i}`, opens: () => opens };
    });
    for (const c of clients) {
      await c.client.register(c.procedure, (args) => `${c.name}:${String(args[0])}`);
      await c.client.subscribe(c.topic, (args) => void c.events.push(args[0]));
      await c.client.connect();
    }

    const probe = async (router: WampRouter, tag: string): Promise<void> => {
      const local = new Cleanup();
      try {
        const { session } = await joinSession(local, transportFor(router, WS_JSON), { realm: 'realm1' });
        for (const c of clients) {
          expect((await session.call(c.procedure, [tag])).value).toBe(`${c.name}:${tag}`);
          await session.publish(c.topic, [tag], {}, { acknowledge: true });
          await waitFor(() => c.events.includes(tag), `the ${tag} event at ${c.name}`);
          // And the Client's own calls go through the current session.
          expect((await c.client.call('wamp.session.count')).value).toBeGreaterThanOrEqual(2);
        }
      } finally {
        await local.run();
      }
    };
    await probe(first, 'before');

    await first.close();
    const second = await start({
      listeners: [
        { type: 'websocket', host: '127.0.0.1', port: wsPort },
        { type: 'rawsocket', host: '127.0.0.1', port: rsPort },
      ],
    });
    // The clients' current sessions must be sessions of the new router.
    const rejoined = async (): Promise<boolean> => {
      const ids = (await second.realm('realm1').call<number[]>('wamp.session.list')).value as number[];
      return clients.every((c) => c.client.state === 'open' && c.client.session !== undefined && ids.includes(c.client.session.id));
    };
    await waitFor(rejoined, 'the clients to rejoin the restarted router', 10_000);
    expect(clients.every((c) => c.opens() >= 2)).toBe(true);
    await probe(second, 'after');
  });
});

// ---------------------------------------------------------------------------
// Backpressure: a subscriber that stops reading during a flood.

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

/** Live memory of this process (router included): heap and off-heap buffers, after a full GC. */
function liveBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const EVENTS = 100_000;
const PAYLOAD = 'x'.repeat(1_000);

/** Publish `n` events from the router process, waiting for an acknowledgement every 1000. */
async function flood(
  router: WampRouter,
  topic: string,
  n: number,
  opts: { stop?: () => boolean; pace?: (sent: number) => Promise<void> } = {},
): Promise<number> {
  const api = router.realm('realm1');
  let sent = 0;
  while (sent < n && !(opts.stop?.() ?? false)) {
    for (let j = 0; j < 499; j++) void api.publish(topic, [sent + j, PAYLOAD]);
    await api.publish(topic, [sent + 499, PAYLOAD], {}, { acknowledge: true });
    sent += 500;
    // The in-process session delivers on microtasks: yield to the event loop
    // so that socket I/O interleaves with the flood, as with remote publishers.
    await new Promise((r) => setImmediate(r));
    await opts.pace?.(sent);
  }
  return sent;
}

const MiB = 1024 * 1024;

describe('backpressure: a subscriber that stops reading while 100k events are published', () => {
  it("policy 'drop' (WebSocket): memory stays bounded, frames are dropped, the slow peer survives and others are served", async () => {
    const logs = captureLogs('warn');
    const router = await start({ backpressure: { policy: 'drop', maxQueuedBytes: 2 * MiB, maxQueuedFrames: 5_000 } }, logs);
    const slow = await RawWsPeer.open(cleanup, addressOf(router, 'websocket').url);
    await slow.join('realm1');
    slow.send([32, 1, {}, 'com.flood']);
    await slow.expect(33);
    // A healthy subscriber on the other transport receives every event.
    const { session: healthy } = await joinSession(cleanup, transportFor(router, RS_CBOR), { realm: 'realm1' });
    let healthyCount = 0;
    await healthy.subscribe('com.flood', () => void healthyCount++);
    await router.realm('realm1').session();

    const before = liveBytes();
    slow.socket.pause();
    // Paced on the healthy subscriber, so that only the slow one ever reaches the bound.
    await flood(router, 'com.flood', EVENTS, { pace: (sent) => waitFor(() => healthyCount >= sent - 1_000, 'the healthy subscriber', 10_000) });
    await waitFor(() => healthyCount === EVENTS, 'the healthy subscriber to receive every event', 10_000);
    const growth = liveBytes() - before;
    // Unbounded, the router would hold about 100 MB for the slow peer.
    expect(growth).toBeLessThan(32 * MiB);

    const drops = logs.records.filter((r) => r['msg'] === 'outbound queue full, frames dropped');
    expect(drops.length).toBeGreaterThan(0);
    // Logged at the 1st, 2nd, 4th... drop: logarithmic in the flood.
    expect(drops.length).toBeLessThan(20);
    for (const d of drops) expect(d).toMatchObject({ transport: 'websocket', reason: 'backpressure' });
    expect(Math.max(...drops.map((d) => d['queuedBytes'] as number))).toBeLessThanOrEqual(2 * MiB);
    await expectServing(router);

    // The slow peer is still connected; once it reads again, new events reach it.
    slow.socket.resume();
    const received = (): number => slow.received.filter((m) => m[0] === 36).length;
    await router.realm('realm1').publish('com.flood', ['marker'], {}, { acknowledge: true });
    await waitFor(() => slow.received.some((m) => m[0] === 36 && (m[4] as unknown[])[0] === 'marker'), 'the marker at the slow peer', 10_000);
    expect(received()).toBeLessThan(EVENTS);
  }, 60_000);

  it("policy 'disconnect' (RawSocket): the peer that stopped reading is cut off, memory stays bounded, others are served", async () => {
    const logs = captureLogs('info');
    const router = await start({ backpressure: { policy: 'disconnect', maxQueuedBytes: 512 * 1024 } }, logs);
    const slow = await RawTcpPeer.connect(cleanup, addressOf(router, 'rawsocket').port!);
    const id = await slow.join('realm1');
    slow.send([32, 1, {}, 'com.flood']);
    await slow.expect(33);
    const { session: healthy } = await joinSession(cleanup, transportFor(router, WS_JSON), { realm: 'realm1' });
    let healthyCount = 0;
    await healthy.subscribe('com.flood', () => void healthyCount++);
    await router.realm('realm1').session();

    const before = liveBytes();
    slow.socket.pause();
    let sentWhenCut: number | undefined;
    await flood(router, 'com.flood', EVENTS, {
      pace: async (sent) => {
        if (sentWhenCut === undefined && sessionLeft(logs, id)) sentWhenCut = sent;
        await waitFor(() => healthyCount >= sent - 1_000, 'the healthy subscriber', 10_000);
      },
    });
    await waitFor(() => healthyCount === EVENTS, 'the healthy subscriber to receive every event', 10_000);
    expect(liveBytes() - before).toBeLessThan(32 * MiB);
    // Cut off once the kernel buffers and the 512 KiB queue were full: a few MB into a 100 MB flood.
    expect(sentWhenCut).toBeDefined();
    expect(sentWhenCut!).toBeLessThan(EVENTS / 2);
    expect(logs.records.find((r) => r['msg'] === 'session left' && r['session'] === id)).toMatchObject({ transport: 'rawsocket' });
    // The operator sees why: the policy, the session and the queue.
    expect(logs.records.find((r) => r['msg'] === 'backpressure: connection closed')).toMatchObject({
      level: 'warn',
      policy: 'disconnect',
      session: id,
      transport: 'rawsocket',
      reason: expect.stringMatching(/outbound queue bound exceeded \(\d+ octets, \d+ frames queued\)/) as unknown,
    });
    await expectServing(router);
  }, 60_000);

  it("policy 'disconnect' with maxQueuedFrames (WebSocket): the frame bound cuts the peer off too", async () => {
    const logs = captureLogs('info');
    const router = await start({ backpressure: { policy: 'disconnect', maxQueuedBytes: 64 * MiB, maxQueuedFrames: 50 } }, logs);
    const slow = await RawWsPeer.open(cleanup, addressOf(router, 'websocket').url);
    const id = await slow.join('realm1');
    slow.send([32, 1, {}, 'com.flood']);
    await slow.expect(33);
    slow.socket.pause();
    await flood(router, 'com.flood', 30_000, { stop: () => sessionLeft(logs, id) });
    await waitFor(() => sessionLeft(logs, id), 'the slow session to be cut off', 10_000);
    await expectServing(router);
  }, 60_000);
});

// ---------------------------------------------------------------------------
// Hostile input.

function rawConnect(port: number): Promise<Socket> {
  const s = netConnect({ host: '127.0.0.1', port });
  s.on('error', () => undefined);
  // Read (and discard) what the server says, so that its FIN is seen.
  s.resume();
  cleanup.add(() => s.destroy());
  return new Promise((resolve) => s.once('connect', () => resolve(s)));
}

function closedWithin(s: Socket, ms: number): Promise<void> {
  return within(new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r()))), ms, 'the server to close the socket');
}

describe('garbage and truncated input', () => {
  it('WebSocket: random bytes after the upgrade, a binary message on wamp.2.json, invalid JSON, a non-WAMP message, a truncated frame', async () => {
    const logs = captureLogs();
    const router = await start({}, logs);
    const url = addressOf(router, 'websocket').url;

    const a = await RawWsPeer.open(cleanup, url);
    await a.join('realm1');
    a.socket.write(randomBytes(4096));
    await within(a.closed, 5_000, 'close after random bytes');

    const b = await RawWsPeer.open(cleanup, url);
    b.ws.send(randomBytes(64));
    expect((await within(b.closed, 5_000, 'close after a binary message')).code).toBe(1003);

    const c = await RawWsPeer.open(cleanup, url);
    await c.join('realm1');
    c.ws.send('[48, 1, {}, "com.x", [1, 2');
    const abort = await c.expect(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    await within(c.closed, 5_000, 'close after invalid JSON');

    const d = await RawWsPeer.open(cleanup, url);
    d.ws.send(JSON.stringify({ not: 'wamp' }));
    await within(d.closed, 5_000, 'close after a non-WAMP message');

    // A masked text frame announcing 1000 octets, 10 of them sent, then FIN.
    const e = await RawWsPeer.open(cleanup, url);
    await e.join('realm1');
    const header = Buffer.from([0x81, 0x80 | 126, 1000 >> 8, 1000 & 0xff, 1, 2, 3, 4]);
    e.socket.end(Buffer.concat([header, Buffer.from('[48,1,{},"')]));
    await within(e.closed, 5_000, 'close after a truncated frame');

    await waitFor(() => router.connectionCount === 0, 'every broken connection to be gone');
    await expectServing(router);
  });

  it('RawSocket: a bad handshake, random bytes, a frame longer than what follows, a bad frame type', async () => {
    const router = await start();
    const port = addressOf(router, 'rawsocket').port!;

    const badMagic = await rawConnect(port);
    badMagic.write(Buffer.from([0x47, 0x45, 0x54, 0x20]));
    await closedWithin(badMagic, 5_000);

    // Serializer 9 does not exist: the router answers with an error code, then closes.
    const badSerializer = await rawConnect(port);
    const reply = new Promise<Buffer>((r) => badSerializer.once('data', (d: Buffer) => r(d)));
    badSerializer.write(Buffer.from([0x7f, 0xf9, 0x00, 0x00]));
    const answer = await within(reply, 5_000, 'the handshake error');
    expect(answer[0]).toBe(0x7f);
    expect(answer[1]! & 0x0f).toBe(0);
    expect(answer[1]! >> 4).toBeGreaterThan(0);
    await closedWithin(badSerializer, 6_000);

    const noise = await rawConnect(port);
    noise.write(randomBytes(4096));
    await closedWithin(noise, 5_000);

    const truncated = await RawTcpPeer.connect(cleanup, port);
    await truncated.join('realm1');
    const frame = encodeFrame(FrameType.MESSAGE, new TextEncoder().encode('[48,1,{},"com.x",["aaaaaaaaaaaaaaaaaaaaaaa"]]'));
    frame[3] = frame[3]! + 100;
    truncated.socket.end(frame);
    await within(truncated.closed, 5_000, 'the truncated peer to be closed');

    const badType = await RawTcpPeer.connect(cleanup, port);
    await badType.join('realm1');
    badType.socket.write(Buffer.from([0x07, 0x00, 0x00, 0x00]));
    await within(badType.closed, 5_000, 'close after an unknown frame type');

    await waitFor(() => router.connectionCount === 0, 'every broken connection to be gone');
    await expectServing(router);
  });
});

describe('handshakes that never finish are closed by the server timeouts', () => {
  const config = { handshakeTimeoutMs: 300, timeouts: { hello: 300 } };

  it('WebSocket: a silent TCP connection, a partial upgrade request, an upgraded peer that never says HELLO', async () => {
    const router = await start(config);
    const port = addressOf(router, 'websocket').port!;
    const t0 = Date.now();
    const silent = await rawConnect(port);
    const partial = await rawConnect(port);
    partial.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    const mute = await RawWsPeer.open(cleanup, addressOf(router, 'websocket').url);
    await closedWithin(silent, 3_000);
    await closedWithin(partial, 3_000);
    await within(mute.closed, 3_000, 'the mute peer');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await expectServing(router);
  });

  it('RawSocket: a silent TCP connection, half a handshake, a handshaken peer that never says HELLO', async () => {
    const router = await start(config);
    const port = addressOf(router, 'rawsocket').port!;
    const silent = await rawConnect(port);
    const half = await rawConnect(port);
    half.write(Buffer.from([0x7f, 0xf1]));
    const mute = await RawTcpPeer.connect(cleanup, port);
    mute.sendHandshake();
    await Promise.all([closedWithin(silent, 3_000), closedWithin(half, 3_000), within(mute.closed, 3_000, 'the mute peer')]);
    expect(mute.handshake?.[0]).toBe(0x7f);
    await expectServing(router);
  });

  it('TLS: a TCP connection that never starts the TLS handshake (wss and RawSocket over TLS)', async () => {
    const { TLS_CERT_FILE, TLS_KEY_FILE } = await import('./helpers.js');
    const tls = { cert: TLS_CERT_FILE, key: TLS_KEY_FILE };
    const router = await start({
      ...config,
      listeners: [
        { type: 'websocket', host: '127.0.0.1', port: 0, tls },
        { type: 'rawsocket', host: '127.0.0.1', port: 0, tls },
        { type: 'websocket', host: '127.0.0.1', port: 0 },
        { type: 'rawsocket', host: '127.0.0.1', port: 0 },
      ],
    });
    const wss = await rawConnect(addressOf(router, 'websocket', true).port!);
    const rss = await rawConnect(addressOf(router, 'rawsocket', true).port!);
    await Promise.all([closedWithin(wss, 3_000), closedWithin(rss, 3_000)]);
    await expectServing(router);
  });
});

describe('a message over limits.maxMessageSize closes only its own session', () => {
  const config = { limits: { maxMessageSize: 4096 } };

  it('WebSocket: the oversize sender is closed, another session goes on', async () => {
    const router = await start(config);
    const { session: bystander } = await joinSession(cleanup, transportFor(router, WS_JSON), { realm: 'realm1' });
    await bystander.register('com.app.len', (args) => String(args[0]).length);
    const { session: big } = await joinSession(cleanup, transportFor(router, WS_JSON), { realm: 'realm1' });
    expect((await big.call('com.app.len', ['small'])).value).toBe(5);
    const call = big.call('com.app.len', ['y'.repeat(10_000)]);
    await expect(call).rejects.toBeInstanceOf(WampError);
    const info = await within(big.closed, 5_000, 'the oversize session to end');
    expect(info.wasJoined).toBe(true);
    expect(bystander.isOpen).toBe(true);
    expect((await bystander.call('com.app.len', ['still'])).value).toBe(5);
  });

  it('RawSocket: a frame over the announced maximum closes that connection, another session goes on', async () => {
    const logs = captureLogs();
    const router = await start(config, logs);
    const { session: bystander } = await joinSession(cleanup, transportFor(router, RS_CBOR), { realm: 'realm1' });
    const big = await RawTcpPeer.connect(cleanup, addressOf(router, 'rawsocket').port!);
    const id = await big.join('realm1');
    // The router announced 2^(9 + exponent) octets in its handshake reply.
    expect(2 ** (9 + (big.handshake![1]! >> 4))).toBe(4096);
    big.send([48, 1, {}, 'wamp.session.count', ['z'.repeat(8_000)]]);
    await within(big.closed, 5_000, 'the oversize connection to close');
    await waitFor(() => sessionLeft(logs, id), 'the oversize session to leave');
    expect(bystander.isOpen).toBe(true);
    expect((await bystander.call<number>('wamp.session.count')).value).toBe(1);
  });

  it('a message within the transport limit but over the WAMP string limit is refused with ABORT', async () => {
    const router = await start({ limits: { maxStringLength: 100 } });
    const peer = await RawWsPeer.open(cleanup, addressOf(router, 'websocket').url);
    await peer.join('realm1');
    peer.send([48, 1, {}, 'wamp.session.count', ['s'.repeat(1_000)]]);
    const abort = await peer.expect(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    await within(peer.closed, 5_000, 'the close after ABORT');
    await expectServing(router);
  });
});
