import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, type RawData } from 'ws';
import {
  call,
  cborSerializer,
  decodeMessage,
  encodeMessage,
  jsonSerializer,
  msgpackSerializer,
  type Frame,
} from '@wamp/core';
import type { Transport, TransportCloseInfo } from '@wamp/client';
import {
  WebSocketTransportError,
  closeReason,
  connectWebSocket,
  webSocketBatching,
  webSocketTransport,
  type WebSocketConstructor,
  type WebSocketTransport,
} from '@wamp/ws';
import {
  coalesceWrites,
  connectNodeWebSocket,
  createWebSocketServer,
  nodeWebSocketTransport,
  type WampWebSocketServer,
  type WampWebSocketServerOptions,
  type WebSocketConnection,
} from '@wamp/ws/node';
import { echoServer as kitEchoServer, type Echo as KitEcho } from '../../core/test/kit/echo.js';
import { until, within } from './helpers.js';

const servers: WampWebSocketServer[] = [];
const httpServers: Server[] = [];
const transports: Transport[] = [];
const raws: WebSocket[] = [];

afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  for (const r of raws.splice(0)) r.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(
    httpServers.splice(0).map((h) => {
      h.closeAllConnections();
      return new Promise<void>((r) => h.close(() => r()));
    }),
  );
});

interface Echo extends KitEcho<WampWebSocketServer, WebSocketConnection, TransportCloseInfo> {
  readonly url: string;
  readonly upgradeErrors: string[];
}

/** A WAMP WebSocket endpoint that sends every frame back, listening on its own port. */
async function echoServer(opts: Partial<WampWebSocketServerOptions> = {}): Promise<Echo> {
  const upgradeErrors: string[] = [];
  const echo = await kitEchoServer((onConnection: (c: WebSocketConnection) => void) => {
    const server = createWebSocketServer({ onConnection, onUpgradeError: (e) => upgradeErrors.push(e.message), ...opts });
    servers.push(server);
    return server;
  });
  return { ...echo, url: `ws://127.0.0.1:${echo.port}/`, upgradeErrors };
}

async function client(...args: Parameters<typeof connectNodeWebSocket>): Promise<WebSocketTransport> {
  const t = await connectNodeWebSocket(...args);
  transports.push(t);
  return t;
}

/** A bare `ws` client, to look at frame types and misbehave. */
function raw(url: string, protocols: string[], options: ConstructorParameters<typeof WebSocket>[2] = {}): WebSocket {
  const ws = new WebSocket(url, protocols, options);
  ws.on('error', () => {});
  raws.push(ws);
  return ws;
}

const opened = (ws: WebSocket): Promise<void> => within(new Promise<void>((r) => ws.once('open', () => r())), 5_000, 'open');
const closedWith = (ws: WebSocket): Promise<{ code: number; reason: string }> =>
  within(
    new Promise((r) => ws.once('close', (code: number, reason: Buffer) => r({ code, reason: reason.toString() }))),
    5_000,
    'close',
  );
const nextMessage = (ws: WebSocket): Promise<{ data: RawData; isBinary: boolean }> =>
  within(new Promise((r) => ws.once('message', (data: RawData, isBinary: boolean) => r({ data, isBinary }))), 5_000, 'a message');

/** Send frames and collect as many echoes. */
function echoes(t: Transport, frames: readonly Frame[]): Promise<Frame[]> {
  const got: Frame[] = [];
  return within(
    new Promise<Frame[]>((resolve) => {
      t.onFrame = (f) => {
        got.push(f);
        if (got.length === frames.length) resolve(got);
      };
      for (const f of frames) t.send(f);
    }),
    5_000,
    'the echoes',
  );
}

const sample = call(3, 'com.example.add', { args: [1, 'x', new Uint8Array([0, 255, 7])], kwargs: { deep: { a: [null] } } });
const serializers = { json: jsonSerializer, msgpack: msgpackSerializer, cbor: cborSerializer };

describe('subprotocol negotiation', () => {
  it.each([
    'wamp.2.json',
    'wamp.2.msgpack',
    'wamp.2.cbor',
    'wamp.2.json.batched',
    'wamp.2.msgpack.batched',
    'wamp.2.cbor.batched',
  ])('negotiates %s and carries messages', async (subprotocol) => {
    const echo = await echoServer();
    const t = await client({ url: echo.url, subprotocols: [subprotocol] });
    const s = serializers[subprotocol.split('.')[2] as keyof typeof serializers];
    expect(t.subprotocol).toBe(subprotocol);
    expect(t.serializer).toBe(s);
    expect(t.batched).toBe(subprotocol.endsWith('.batched'));
    const msgs = [sample, call(4, 'com.example.x'), call(5, 'com.example.y', { args: ['z'] })];
    const back = await echoes(t, msgs.map((m) => encodeMessage(s, m)));
    expect(back.map((f) => decodeMessage(s, f))).toEqual(msgs);
    const conn = echo.conns[0]!;
    expect(conn.subprotocol).toBe(subprotocol);
    expect(conn.peer).toMatchObject({ transport: 'websocket', subprotocol, serializer: s.name, tls: false, url: '/' });
    expect(conn.stats).toMatchObject({ framesReceived: 3, framesSent: 3 });
  });

  it("follows the client's order among what the server accepts", async () => {
    const all = await echoServer();
    expect((await client({ url: all.url, subprotocols: ['wamp.2.cbor', 'wamp.2.json'] })).subprotocol).toBe('wamp.2.cbor');
    const jsonOnly = await echoServer({ subprotocols: ['wamp.2.json'] });
    expect((await client({ url: jsonOnly.url, subprotocols: ['wamp.2.cbor', 'wamp.2.json'] })).subprotocol).toBe(
      'wamp.2.json',
    );
  });

  it('refuses, with 400, a client that offers no supported WAMP subprotocol', async () => {
    const echo = await echoServer({ subprotocols: ['wamp.2.json'] });
    for (const protocols of [['wamp.2.ubjson', 'mqtt'], []]) {
      const ws = raw(echo.url, protocols);
      const status = await within(
        new Promise<number>((r) => ws.once('unexpected-response', (_req, res) => r(res.statusCode ?? 0))),
        5_000,
        'the refusal',
      );
      expect(status).toBe(400);
    }
    await expect(connectNodeWebSocket({ url: echo.url, subprotocols: ['wamp.2.cbor'] })).rejects.toBeInstanceOf(
      WebSocketTransportError,
    );
    expect(echo.conns).toHaveLength(0);
    expect(echo.upgradeErrors).toHaveLength(3);
    expect(echo.upgradeErrors[0]).toMatch(/offered: wamp.2.ubjson, mqtt; supported: wamp.2.json/);
  });

  it('refuses a .batched subprotocol without the batching framing in the browser entry, before connecting', async () => {
    const offer = { url: 'ws://127.0.0.1:1/', subprotocols: ['wamp.2.json.batched'], WebSocket: WebSocket as unknown as WebSocketConstructor };
    await expect(connectWebSocket(offer)).rejects.toThrow(/needs the .batched framing: pass `batching: webSocketBatching`/);
  });

  it('rejects subprotocol names it does not know before connecting', async () => {
    await expect(connectWebSocket({ url: 'ws://127.0.0.1:1/', subprotocols: ['wamp.2.xml'] })).rejects.toThrow(/unknown WAMP/);
    expect(() => createWebSocketServer({ onConnection: () => {}, subprotocols: ['mqtt'] })).toThrow(/unknown WAMP/);
  });
});

describe('the browser-side client', () => {
  it('works with any WHATWG WebSocket constructor (here ws)', async () => {
    const echo = await echoServer();
    const factory = webSocketTransport({
      url: echo.url,
      serializers: [msgpackSerializer, jsonSerializer],
      subprotocols: ['wamp.2.msgpack.batched', 'wamp.2.json'],
      batching: webSocketBatching,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    });
    const t = (await factory()) as WebSocketTransport;
    transports.push(t);
    expect(t.subprotocol).toBe('wamp.2.msgpack.batched');
    const back = await echoes(t, [encodeMessage(msgpackSerializer, sample)]);
    expect(back[0]).toBeInstanceOf(Uint8Array);
    expect(decodeMessage(msgpackSerializer, back[0]!)).toEqual(sample);
  });

  it('uses globalThis.WebSocket when there is one, and says what to do when not', async () => {
    const echo = await echoServer();
    const native = (globalThis as { WebSocket?: unknown }).WebSocket;
    if (native === undefined) {
      // The browser build in a runtime without WebSocket (Node itself resolves @wamp/ws to the build on ws).
      await expect(connectWebSocket({ url: echo.url })).rejects.toThrow(/no WebSocket implementation in this runtime: pass `WebSocket`/);
    } else {
      const t = await connectWebSocket({ url: echo.url, serializers: [cborSerializer] });
      transports.push(t);
      const back = await echoes(t, [encodeMessage(cborSerializer, sample)]);
      expect(decodeMessage(cborSerializer, back[0]!)).toEqual(sample);
    }
  });

  it('offers JSON alone by default, else the subprotocols of the serializers given, in their order', async () => {
    const Ctor = WebSocket as unknown as WebSocketConstructor;
    const msgpackOnly = await echoServer({ subprotocols: ['wamp.2.msgpack'] });
    await expect(connectWebSocket({ url: msgpackOnly.url, WebSocket: Ctor })).rejects.toBeInstanceOf(WebSocketTransportError);
    await until(() => msgpackOnly.upgradeErrors.length > 0, 'the refusal');
    expect(msgpackOnly.upgradeErrors[0]).toMatch(/offered: wamp\.2\.json; supported/);
    const echo = await echoServer();
    const json = await connectWebSocket({ url: echo.url, WebSocket: Ctor });
    transports.push(json);
    expect([json.subprotocol, json.serializer]).toEqual(['wamp.2.json', jsonSerializer]);
    const cbor = await connectWebSocket({ url: echo.url, WebSocket: Ctor, serializers: [cborSerializer, jsonSerializer] });
    transports.push(cbor);
    expect([cbor.subprotocol, cbor.serializer]).toEqual(['wamp.2.cbor', cborSerializer]);
  });

  it('refuses a subprotocol whose serializer was not given, and says how to add it', async () => {
    await expect(connectWebSocket({ url: 'ws://127.0.0.1:1/', subprotocols: ['wamp.2.cbor'] })).rejects.toThrow(
      /unknown WAMP subprotocol "wamp\.2\.cbor": the serializers given are json .*cborSerializer/,
    );
    // The Node client speaks all three without being told.
    const echo = await echoServer();
    const t = await client({ url: echo.url, subprotocols: ['wamp.2.cbor'] });
    expect(t.serializer).toBe(cborSerializer);
  });

  it('reports a refused connection as a WebSocketTransportError', async () => {
    const echo = await echoServer({ path: '/wamp' });
    await expect(
      connectWebSocket({ url: echo.url.replace(/\/$/, '/elsewhere'), WebSocket: WebSocket as unknown as WebSocketConstructor }),
    ).rejects.toBeInstanceOf(WebSocketTransportError);
  });

  it('cuts close reasons to 123 octets without splitting a character', () => {
    expect(closeReason('é'.repeat(100))).toBe('é'.repeat(61));
    expect(closeReason('ok')).toBe('ok');
  });
});

describe('frame types', () => {
  it('uses text messages for JSON and binary for MessagePack and CBOR', async () => {
    const echo = await echoServer();
    const j = raw(echo.url, ['wamp.2.json']);
    await opened(j);
    j.send('[1,"realm1",{}]');
    const tm = await nextMessage(j);
    expect(tm.isBinary).toBe(false);
    expect(tm.data.toString()).toBe('[1,"realm1",{}]');
    for (const p of ['wamp.2.msgpack', 'wamp.2.cbor']) {
      const b = raw(echo.url, [p]);
      await opened(b);
      b.send(Uint8Array.of(0x93, 1, 2, 3));
      const bm = await nextMessage(b);
      expect(bm.isBinary).toBe(true);
      expect([...(bm.data as Buffer)]).toEqual([0x93, 1, 2, 3]);
    }
    // The server sends JSON as text even when handed UTF-8 octets.
    await until(() => echo.conns.length === 3, 'three connections');
    echo.conns[0]!.send(new TextEncoder().encode('[2]'));
    const fromBytes = await nextMessage(j);
    expect(fromBytes.isBinary).toBe(false);
  });

  it('delivers a burst of frames, some shared by several connections, intact and in order', async () => {
    const echo = await echoServer();
    const clients = [0, 1, 2].map(() => raw(echo.url, ['wamp.2.json']));
    await Promise.all(clients.map(opened));
    await until(() => echo.conns.length === 3, 'three connections');
    const received = clients.map((c) => {
      const got: string[] = [];
      c.on('message', (data: RawData, isBinary: boolean) => got.push(`${isBinary ? 'binary' : 'text'}:${data.toString()}`));
      return got;
    });
    // One turn: 40 frames, each sent to every connection (as an EVENT to
    // every subscriber), a few of them for one connection alone in between.
    const expected: string[][] = [[], [], []];
    for (let i = 0; i < 40; i++) {
      const shared = JSON.stringify([36, 1, i + 1, {}, [i, 'é€😀'.repeat(i)]]);
      echo.conns.forEach((c, k) => {
        c.send(shared);
        expected[k]!.push(`text:${shared}`);
      });
      if (i % 7 === 0) {
        const own = JSON.stringify([36, 2, i + 1, {}, ['only 0']]);
        echo.conns[0]!.send(own);
        expected[0]!.push(`text:${own}`);
      }
    }
    await until(() => received.every((got, k) => got.length === expected[k]!.length), 'every frame');
    expect(received).toEqual(expected);
    const octets = expected[0]!.reduce((n, m) => n + Buffer.byteLength(m.slice('text:'.length)), 0);
    expect(echo.conns[0]!.stats).toMatchObject({ framesSent: expected[0]!.length, bytesSent: octets });
  });

  it('frames messages of every length form intact both ways, one at a time and in a burst', async () => {
    // Both ends frame small messages themselves (the Node client also masks
    // them) and leave large ones to ws: cover each header form (7-bit,
    // 16-bit, 64-bit length), both sides of each threshold, and multi-octet
    // characters, whose UTF-8 length differs from the string's.
    const sizes = [1, 2, 3, 4, 5, 125, 126, 127, 2047, 2048, 2049, 16384, 16385, 65535, 65536, 70000];
    const echo = await echoServer();
    const json = await client({ url: echo.url, subprotocols: ['wamp.2.json'] });
    const pack = await client({ url: echo.url, subprotocols: ['wamp.2.msgpack'] });
    const texts = sizes.flatMap((n) => ['a'.repeat(n), 'é'.repeat(Math.ceil(n / 2)), `😀${'b'.repeat(n)}`]);
    const blobs = sizes.map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff));
    const gotTexts: Frame[] = [];
    const gotBlobs: Frame[] = [];
    json.onFrame = (f) => gotTexts.push(f);
    pack.onFrame = (f) => gotBlobs.push(f);
    for (const t of texts) {
      json.send(t);
      await until(() => gotTexts.length > 0, 'the echo');
      expect(gotTexts.pop()).toBe(t);
    }
    for (const b of blobs) {
      pack.send(b);
      await until(() => gotBlobs.length > 0, 'the echo');
      expect([...(gotBlobs.pop() as Uint8Array)]).toEqual([...b]);
    }
    for (const t of texts) json.send(t);
    for (const b of blobs) pack.send(b);
    await until(() => gotTexts.length === texts.length && gotBlobs.length === blobs.length, 'every echo');
    expect(gotTexts).toEqual(texts);
    expect(gotBlobs.map((b) => [...(b as Uint8Array)])).toEqual(blobs.map((b) => [...b]));
  });

  it('answers a lone message with one write at once, and a burst read together in a few writes', async () => {
    const echo = await echoServer();
    const j = raw(echo.url, ['wamp.2.json']);
    await opened(j);
    await until(() => echo.conns.length === 1, 'the connection');
    // Count the writes the server makes on its socket (one per system call once uncorked).
    const socket = (echo.conns[0] as unknown as { socket: { _write: unknown; _writev: unknown } }).socket;
    let writes = 0;
    for (const m of ['_write', '_writev'] as const) {
      const orig = socket[m] as (...a: unknown[]) => unknown;
      socket[m] = function (this: unknown, ...a: unknown[]) {
        writes++;
        return orig.apply(this, a);
      };
    }
    const got: string[] = [];
    j.on('message', (data: RawData) => got.push(data.toString()));
    j.send('[1]');
    await until(() => got.length === 1, 'the echo');
    expect(writes).toBe(1);
    // 40 messages in one write: the echoes leave corked, in groups of 32.
    writes = 0;
    const burst = Array.from({ length: 40 }, (_, i) => `[${i}]`);
    const sock = (j as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    sock.cork();
    for (const m of burst) j.send(m);
    sock.uncork();
    await until(() => got.length === 41, 'every echo');
    expect(got.slice(1)).toEqual(burst);
    expect(writes).toBeLessThanOrEqual(4);
  });

  it('coalesceWrites: frames sent outside any read leave one write each, inside it in a few writes', async () => {
    const echo = await echoServer();
    const j = raw(echo.url, ['wamp.2.json']);
    await opened(j);
    await until(() => echo.conns.length === 1, 'the connection');
    const conn = echo.conns[0]!;
    const socket = (conn as unknown as { socket: { _write: unknown; _writev: unknown } }).socket;
    let writes = 0;
    for (const m of ['_write', '_writev'] as const) {
      const orig = socket[m] as (...a: unknown[]) => unknown;
      socket[m] = function (this: unknown, ...a: unknown[]) {
        writes++;
        return orig.apply(this, a);
      };
    }
    const got: string[] = [];
    j.on('message', (data: RawData) => got.push(data.toString()));
    // As a cluster node relays a bus message: 40 frames to one client, from no client's read.
    const frames = Array.from({ length: 40 }, (_, i) => `[${i}]`);
    for (const f of frames) conn.send(f);
    await until(() => got.length === 40, 'the first 40');
    expect(writes).toBeGreaterThanOrEqual(20);
    writes = 0;
    coalesceWrites(() => {
      for (const f of frames) conn.send(f);
    });
    await until(() => got.length === 80, 'the next 40');
    expect(got).toEqual([...frames, ...frames]);
    expect(writes).toBeLessThanOrEqual(4);
  });

  it('fails a connection that sends the wrong message type (1003)', async () => {
    const echo = await echoServer();
    const j = raw(echo.url, ['wamp.2.json']);
    await opened(j);
    j.send(Uint8Array.of(0x5b, 0x5d));
    expect((await closedWith(j)).code).toBe(1003);
    const c = raw(echo.url, ['wamp.2.cbor']);
    await opened(c);
    c.send('[]');
    expect((await closedWith(c)).code).toBe(1003);
    await until(() => echo.closes.length === 2, 'both onClose');
    expect(echo.closes.every((i) => !i.wasClean && i.code === 1003)).toBe(true);
  });

  it('joins frames sent in one turn into one batch and splits incoming batches', async () => {
    const echo = await echoServer();
    const j = raw(echo.url, ['wamp.2.json.batched']);
    await opened(j);
    j.send('[1]\u001e[2,"a"]\u001e');
    const m = await nextMessage(j);
    expect(m.isBinary).toBe(false);
    expect(m.data.toString()).toBe('[1]\u001e[2,"a"]\u001e');
    expect(echo.conns[0]!.stats.framesReceived).toBe(2);

    const b = raw(echo.url, ['wamp.2.msgpack.batched']);
    await opened(b);
    const batch = Uint8Array.of(0, 0, 0, 1, 0x90, 0, 0, 0, 2, 0x91, 0x01);
    b.send(batch);
    const bm = await nextMessage(b);
    expect(bm.isBinary).toBe(true);
    expect([...(bm.data as Buffer)]).toEqual([...batch]);
  });

  it('fails the transport on an empty or malformed batch (1002)', async () => {
    const echo = await echoServer();
    const j = raw(echo.url, ['wamp.2.json.batched']);
    await opened(j);
    j.send('');
    expect((await closedWith(j)).code).toBe(1002);
    const b = raw(echo.url, ['wamp.2.cbor.batched']);
    await opened(b);
    b.send(Uint8Array.of(0, 0, 0, 9, 1));
    expect((await closedWith(b)).code).toBe(1002);
  });
});

describe('limits and liveness', () => {
  it('enforces maxPayload from the configured message limit (1009)', async () => {
    const echo = await echoServer({ maxMessageSize: 1024 });
    const j = raw(echo.url, ['wamp.2.json']);
    await opened(j);
    j.send('x'.repeat(1024));
    expect((await nextMessage(j)).data.toString()).toHaveLength(1024);
    j.send('x'.repeat(1025));
    expect((await closedWith(j)).code).toBe(1009);
    await until(() => echo.closes.length === 1, 'onClose');
    expect(echo.closes[0]).toMatchObject({ wasClean: false, reason: expect.stringMatching(/payload/i) });
  });

  it('terminates a peer that stops answering pings, and keeps a live one', async () => {
    // A generous timeout: a loaded machine must not make the live client look dead.
    const echo = await echoServer({ heartbeat: { intervalMs: 50, timeoutMs: 400 } });
    const alive = await client({ url: echo.url });
    const dead = raw(echo.url, ['wamp.2.json'], { autoPong: false });
    await opened(dead);
    const t0 = Date.now();
    const closed = await closedWith(dead);
    expect(closed.code).toBe(1006);
    expect(Date.now() - t0).toBeLessThan(2_000);
    await until(() => echo.closes.length === 1, 'onClose');
    expect(echo.closes[0]).toEqual({ wasClean: false, code: 1006, reason: 'no pong within 400 ms' });
    expect(await echoes(alive, ['[1]'])).toEqual(['[1]']);
    expect(echo.server.connections.size).toBe(1);
  });

  it('closes every connection with 1001 when the server closes', async () => {
    const echo = await echoServer();
    const t = await client({ url: echo.url });
    const info = new Promise<TransportCloseInfo>((r) => (t.onClose = r));
    await echo.server.close();
    expect(await within(info, 5_000, 'onClose')).toMatchObject({ wasClean: true, code: 1001 });
  });

  it('reports a client close to the server as clean', async () => {
    const echo = await echoServer();
    const t = await client({ url: echo.url });
    const info = new Promise<TransportCloseInfo>((r) => (t.onClose = r));
    t.close(1000, 'done');
    expect(await within(info, 5_000, 'onClose')).toEqual({ wasClean: true, code: 1000, reason: 'done' });
    await until(() => echo.closes.length === 1, 'the server onClose');
    expect(echo.closes[0]).toEqual({ wasClean: true, code: 1000, reason: 'done' });
  });
});

describe('mounting on an HTTP server', () => {
  it('shares a server with ordinary routes and other WAMP paths', async () => {
    const http = createServer((req, res) => {
      if (req.url === '/health') {
        res.end('ok');
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    httpServers.push(http);
    const seen: string[] = [];
    const a = createWebSocketServer({
      path: '/ws',
      onConnection: (c) => {
        seen.push(`a:${c.subprotocol}:${c.peer.url}`);
        c.onFrame = (f) => c.send(f);
      },
    });
    const b = createWebSocketServer({
      path: '/cbor-only',
      subprotocols: ['wamp.2.cbor'],
      onConnection: (c) => {
        seen.push(`b:${c.subprotocol}`);
        c.onFrame = (f) => c.send(f);
      },
    });
    servers.push(a, b);
    const detachA = a.attach(http);
    b.attach(http);
    expect(() => createWebSocketServer({ path: '/ws', onConnection: () => {} }).attach(http)).toThrow(/already attached/);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const base = `127.0.0.1:${(http.address() as AddressInfo).port}`;

    const res = await fetch(`http://${base}/health`);
    expect(await res.text()).toBe('ok');
    const ta = await client({ url: `ws://${base}/ws?token=abc` });
    expect(await echoes(ta, ['[7]'])).toEqual(['[7]']);
    const tb = await client({ url: `ws://${base}/cbor-only`, subprotocols: ['wamp.2.json', 'wamp.2.cbor'] });
    expect(tb.subprotocol).toBe('wamp.2.cbor');
    expect(seen).toEqual(['a:wamp.2.json:/ws?token=abc', 'b:wamp.2.cbor']);

    const nowhere = raw(`ws://${base}/nowhere`, ['wamp.2.json']);
    const status = await within(
      new Promise<number>((r) => nowhere.once('unexpected-response', (_q, s) => r(s.statusCode ?? 0))),
      5_000,
      '404',
    );
    expect(status).toBe(404);

    detachA();
    await expect(connectNodeWebSocket({ url: `ws://${base}/ws` })).rejects.toBeInstanceOf(WebSocketTransportError);
    expect((await fetch(`http://${base}/health`)).status).toBe(200);
  });

  it('lets verifyUpgrade refuse a request with an HTTP status', async () => {
    const echo = await echoServer({
      verifyUpgrade: (req) => (req.headers.origin === 'https://good.example' ? undefined : { status: 403, message: 'origin' }),
    });
    const bad = raw(echo.url, ['wamp.2.json'], { origin: 'https://evil.example' });
    const status = await within(
      new Promise<number>((r) => bad.once('unexpected-response', (_q, s) => r(s.statusCode ?? 0))),
      5_000,
      '403',
    );
    expect(status).toBe(403);
    const good = raw(echo.url, ['wamp.2.json'], { origin: 'https://good.example' });
    await opened(good);
    expect(echo.conns[0]?.peer.headers.origin).toBe('https://good.example');
  });

  it('answers plain HTTP on its own port with 426', async () => {
    const echo = await echoServer();
    const res = await fetch(echo.url.replace('ws:', 'http:'));
    expect(res.status).toBe(426);
    await res.text();
  });
});

describe('backpressure', () => {
  const FRAME = 64 * 1024;
  const BOUND = 1024 * 1024;

  /** A msgpack client that stops reading, and `count` frames of 64 KiB sent to it a few per turn. */
  async function flood(policy: 'drop' | 'disconnect', count: number) {
    const drops: number[] = [];
    const echo = await echoServer({
      backpressure: { maxQueuedBytes: BOUND, maxQueuedFrames: 1000, policy, onDrop: (d) => drops.push(d.droppedFrames) },
    });
    const ws = raw(echo.url, ['wamp.2.msgpack']);
    await opened(ws);
    await until(() => echo.conns.length === 1, 'the connection');
    ws.pause();
    const s = echo.conns[0]!;
    let maxBuffered = 0;
    const payload = new Uint8Array(FRAME).fill(7);
    for (let i = 0; i < count && s.isOpen; i++) {
      s.send(payload);
      maxBuffered = Math.max(maxBuffered, s.bufferedAmount);
      if (i % 8 === 7) await new Promise((res) => setImmediate(res));
    }
    return { echo, ws, s, drops, maxBuffered };
  }

  it("'drop' keeps the server's queue under the bound and counts what it dropped", async () => {
    const total = 1000; // 64 MiB: far more than the kernel buffers of a loopback connection hold
    const { ws, s, drops, maxBuffered } = await flood('drop', total);
    expect(maxBuffered).toBeLessThanOrEqual(BOUND);
    expect(maxBuffered).toBeGreaterThan(BOUND / 2);
    const st = s.stats;
    expect(st.framesDropped).toBeGreaterThan(0);
    expect(st.framesSent + st.framesDropped).toBe(total);
    expect(drops.at(-1)).toBe(st.framesDropped);
    let received = 0;
    ws.on('message', (data: Buffer) => {
      if (data.length === FRAME) received++;
    });
    ws.resume();
    await until(() => received === st.framesSent, `${st.framesSent} frames`, 15_000);
    expect(s.isOpen).toBe(true);
  });

  it("'disconnect' terminates the connection instead of buffering", async () => {
    const { echo, ws, s, maxBuffered } = await flood('disconnect', 1000);
    expect(maxBuffered).toBeLessThanOrEqual(BOUND);
    expect(s.isOpen).toBe(false);
    await until(() => echo.closes.length === 1, 'onClose');
    expect(echo.closes[0]).toMatchObject({ wasClean: false, code: 1008, reason: expect.stringMatching(/outbound queue/) });
    ws.resume();
    await closedWith(ws);
  });
});

describe('Node client options', () => {
  it('limits what it accepts from the router (maxMessageSize)', async () => {
    const echo = await echoServer();
    const t = await client({ url: echo.url, maxMessageSize: 100 });
    const info = new Promise<TransportCloseInfo>((r) => (t.onClose = r));
    t.send(`"${'x'.repeat(200)}"`);
    expect(await within(info, 5_000, 'onClose')).toMatchObject({ wasClean: false, reason: expect.stringMatching(/payload/i) });
  });

  it('is a TransportFactory', async () => {
    const echo = await echoServer();
    const f = nodeWebSocketTransport({ url: echo.url, subprotocols: ['wamp.2.cbor.batched'] });
    const t = await f();
    transports.push(t);
    expect(t.serializer).toBe(cborSerializer);
  });
});
