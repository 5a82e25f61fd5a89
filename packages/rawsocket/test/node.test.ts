import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALL_SERIALIZERS,
  call,
  cborSerializer,
  decodeMessage,
  encodeMessage,
  jsonSerializer,
  msgpackSerializer,
  type Frame,
} from '@wamp/core';
import type { TransportCloseInfo } from '@wamp/client';
import {
  FrameType,
  RawSocketError,
  RawSocketProtocol,
  connectRawSocket,
  createRawSocketServer,
  encodeFrame,
  encodeHandshake,
  parseRawSocketUrl,
  rawSocketTransport,
  type RawSocketConnection,
  type RawSocketServer,
  type RawSocketServerOptions,
} from '@wamp/rawsocket';
import { echoServer as kitEchoServer, type Echo as KitEcho } from '../../core/test/kit/echo.js';
import { rawClient, until, within, type RawClient } from './helpers.js';

const servers: RawSocketServer[] = [];
const clients: RawSocketConnection[] = [];
const raws: RawClient[] = [];
const tmpDirs: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  for (const r of raws.splice(0)) r.socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Echo extends KitEcho<RawSocketServer, RawSocketConnection, TransportCloseInfo> {
  readonly rejected: Error[];
}

/** A server that sends every frame back. */
async function echoServer(opts: Partial<RawSocketServerOptions> = {}): Promise<Echo> {
  const rejected: Error[] = [];
  const echo = await kitEchoServer((onConnection: (c: RawSocketConnection) => void) => {
    const server = createRawSocketServer({ onConnection, onHandshakeError: (e) => rejected.push(e), ...opts });
    servers.push(server);
    return server;
  });
  return { ...echo, rejected };
}

async function client(...args: Parameters<typeof connectRawSocket>): Promise<RawSocketConnection> {
  const c = await connectRawSocket(...args);
  clients.push(c);
  return c;
}

async function raw(port: number): Promise<RawClient> {
  const r = await rawClient(port);
  raws.push(r);
  return r;
}

/** Send `frame` and wait for the echo. */
function roundTrip(c: RawSocketConnection, frame: Frame): Promise<Frame> {
  return within(
    new Promise<Frame>((resolve) => {
      c.onFrame = resolve;
      c.send(frame);
    }),
    5_000,
    'the echo',
  );
}

const sample = call(7, 'com.example.echo', { args: [1, 'two', new Uint8Array([0, 1, 254, 255])], kwargs: { k: [true, null] } });

describe('RawSocket over TCP', () => {
  it.each([jsonSerializer, msgpackSerializer, cborSerializer])('completes the handshake and carries %s', async (serializer) => {
    const echo = await echoServer();
    const c = await client({ url: `rs://127.0.0.1:${echo.port}`, serializer });
    expect(c.serializer).toBe(serializer);
    expect(c.maxOutgoingMessageSize).toBe(2 ** 24);
    const back = await roundTrip(c, encodeMessage(serializer, sample));
    expect(back).toBeInstanceOf(Uint8Array);
    expect(decodeMessage(serializer, back)).toEqual(sample);
    expect(echo.conns).toHaveLength(1);
    const s = echo.conns[0]!;
    expect(s.serializer.name).toBe(serializer.name);
    expect(s.peer).toMatchObject({ transport: 'rawsocket', remoteAddress: '127.0.0.1', tls: false, serializer: serializer.name });
    expect(s.stats).toMatchObject({ framesReceived: 1, framesSent: 1 });
  });

  it('delivers a burst of frames sent in one turn, longer than one write, intact and in order', async () => {
    const echo = await echoServer();
    const c = await client({ url: `rs://127.0.0.1:${echo.port}`, serializer: jsonSerializer });
    const frames = Array.from({ length: 100 }, (_, i) => JSON.stringify([50, i + 1, {}, ['é😀'.repeat(i)]]));
    const got: string[] = [];
    const all = within(
      new Promise<void>((resolve) => {
        c.onFrame = (f) => {
          got.push(new TextDecoder().decode(f as Uint8Array));
          if (got.length === frames.length) resolve();
        };
      }),
      5_000,
      'every echo',
    );
    for (const f of frames) c.send(f);
    await all;
    expect(got).toEqual(frames);
    expect(echo.conns[0]!.stats).toMatchObject({ framesReceived: 100, framesSent: 100 });
  });

  it('is a TransportFactory that opens a new connection on every call', async () => {
    const echo = await echoServer();
    const factory = rawSocketTransport({ url: `tcp://127.0.0.1:${echo.port}`, serializer: cborSerializer });
    const a = await factory();
    const b = await factory();
    clients.push(a as RawSocketConnection, b as RawSocketConnection);
    await until(() => echo.server.connections.size === 2, 'two connections');
    expect(() => rawSocketTransport({ url: 'ws://127.0.0.1:1' })).toThrow(/RawSocket URL/);
  });

  it('refuses an unsupported serializer with error 1', async () => {
    const echo = await echoServer({ serializers: [jsonSerializer] });
    const err = await connectRawSocket({ url: `rs://127.0.0.1:${echo.port}`, serializer: msgpackSerializer }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RawSocketError);
    expect(err).toMatchObject({ kind: 'handshake-refused', handshakeError: 1 });
    expect(echo.rejected[0]).toMatchObject({ handshakeError: 1 });
  });

  it('falls back to the next serializer when the router answers error 1', async () => {
    const echo = await echoServer({ serializers: [jsonSerializer] });
    const conn = await connectRawSocket({ url: `rs://127.0.0.1:${echo.port}`, serializers: [msgpackSerializer, cborSerializer, jsonSerializer] });
    clients.push(conn);
    expect(conn.serializer).toBe(jsonSerializer);
    // Two refused handshakes, then the one that opened.
    await until(() => echo.rejected.length === 2, 'two refusals');
    expect(echo.rejected.map((e) => (e as RawSocketError).handshakeError)).toEqual([1, 1]);
    await until(() => echo.server.connections.size === 1, 'the open connection');
  });

  it('names every refused serializer when none is accepted', async () => {
    const echo = await echoServer({ serializers: [jsonSerializer] });
    const err = await connectRawSocket({ url: `rs://127.0.0.1:${echo.port}`, serializers: [msgpackSerializer, cborSerializer] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RawSocketError);
    expect(err).toMatchObject({ kind: 'handshake-refused', handshakeError: 1 });
    expect((err as Error).message).toBe('the router refused every serializer asked for (msgpack, cbor): serializer unsupported');
  });

  it('does not fall back on a refusal other than error 1', async () => {
    const echo = await echoServer({ minClientMaxLength: 2 ** 20 });
    const err = await connectRawSocket({ url: `rs://127.0.0.1:${echo.port}`, maxMessageSize: 4096, serializers: [jsonSerializer, msgpackSerializer] }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ kind: 'handshake-refused', handshakeError: 2 });
    expect(echo.rejected).toHaveLength(1);
  });

  it('refuses a too small client maximum with error 2', async () => {
    const echo = await echoServer({ minClientMaxLength: 2 ** 20 });
    const err = await connectRawSocket({ url: `rs://127.0.0.1:${echo.port}`, maxMessageSize: 4096 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'handshake-refused', handshakeError: 2 });
  });

  it('refuses reserved bits in the request with error 3 and closes', async () => {
    const echo = await echoServer();
    const r = await raw(echo.port);
    r.socket.write(Uint8Array.of(0x7f, 0xf1, 0x00, 0x01));
    await within(r.closed, 5_000, 'the close');
    expect(r.received()).toEqual(Uint8Array.of(0x7f, 0x30, 0, 0));
  });

  it('refuses connections beyond maxConnections with error 4', async () => {
    const echo = await echoServer({ maxConnections: 1 });
    const first = await client({ url: `rs://127.0.0.1:${echo.port}` });
    const err = await connectRawSocket({ url: `rs://127.0.0.1:${echo.port}` }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'handshake-refused', handshakeError: 4 });
    // The slot frees when the first leaves.
    first.close();
    await until(() => echo.server.connections.size === 0, 'the first to leave');
    await client({ url: `rs://127.0.0.1:${echo.port}` });
  });

  it('fails a connection that sends a frame over the announced maximum', async () => {
    const echo = await echoServer({ maxMessageSize: 1024 });
    const r = await raw(echo.port);
    r.socket.write(encodeHandshake(1, 15));
    await until(() => r.received().length === 4, 'the reply');
    expect(r.received()).toEqual(Uint8Array.of(0x7f, 0x11, 0, 0));
    r.socket.write(encodeFrame(FrameType.MESSAGE, new TextEncoder().encode('[1]')));
    await until(() => r.received().length === 4 + 7, 'the echo');
    r.socket.write(Uint8Array.of(0, 0, 0x04, 0x01));
    await within(r.closed, 5_000, 'the close');
    await until(() => echo.closes.length === 1, 'onClose');
    expect(echo.closes[0]).toMatchObject({ wasClean: false, reason: expect.stringMatching(/1025 octets exceeds/) });
  });

  it('throws, sending nothing, when a client message exceeds the router maximum', async () => {
    const echo = await echoServer({ maxMessageSize: 1024 });
    const c = await client({ url: `rs://127.0.0.1:${echo.port}` });
    expect(c.maxOutgoingMessageSize).toBe(1024);
    expect(() => c.send('x'.repeat(1025))).toThrow(RawSocketError);
    expect(await roundTrip(c, 'y'.repeat(1024))).toHaveLength(1024);
  });

  it('drops (and counts) a server message over the client maximum', async () => {
    const drops: string[] = [];
    const echo = await echoServer({ backpressure: { onDrop: (d) => drops.push(d.reason) } });
    const c = await client({ url: `rs://127.0.0.1:${echo.port}`, maxMessageSize: 512 });
    await until(() => echo.conns.length === 1, 'the connection');
    const s = echo.conns[0]!;
    expect(s.maxOutgoingMessageSize).toBe(512);
    s.send(new Uint8Array(513));
    expect(drops).toEqual(['oversize']);
    expect(s.stats).toMatchObject({ framesDropped: 1, bytesDropped: 517, framesSent: 0 });
    expect(c.isOpen).toBe(true);
  });

  it.each([
    ['reserved bits', 0x40],
    ['a reserved frame type', 0x05],
  ])('fails a connection that uses %s in a frame', async (_name, b0) => {
    const echo = await echoServer();
    const r = await raw(echo.port);
    r.socket.write(encodeHandshake(1, 15));
    await until(() => r.received().length === 4, 'the reply');
    r.socket.write(Uint8Array.of(b0, 0, 0, 1, 0x20));
    await within(r.closed, 5_000, 'the close');
    await until(() => echo.closes.length === 1, 'onClose');
    expect(echo.closes[0]?.wasClean).toBe(false);
  });

  it('answers PINGs on both sides and reports PONGs', async () => {
    const echo = await echoServer();
    const r = await raw(echo.port);
    r.socket.write(encodeHandshake(2, 15));
    r.socket.write(encodeFrame(FrameType.PING, Uint8Array.of(1, 2, 3)));
    await until(() => r.received().length === 4 + 7, 'the PONG');
    expect(r.received().subarray(4)).toEqual(Uint8Array.of(2, 0, 0, 3, 1, 2, 3));

    const c = await client({ url: `rs://127.0.0.1:${echo.port}` });
    await until(() => echo.conns.length === 2, 'the second connection');
    const s = echo.conns[1]!;
    const pongs: number[][] = [];
    s.onPong = (p) => pongs.push([...p]);
    s.ping(Uint8Array.of(9, 8));
    await until(() => pongs.length === 1, 'the client PONG');
    expect(pongs).toEqual([[9, 8]]);
    expect(c.isOpen).toBe(true);
  });

  it('reassembles a stream delivered one octet at a time', async () => {
    const echo = await echoServer();
    const r = await raw(echo.port);
    const frames = ['[1,"a"]', '[2,"bb"]', '[3,"ccc"]'].map((t) => new TextEncoder().encode(t));
    const stream = Buffer.concat([encodeHandshake(1, 15), ...frames.map((f) => encodeFrame(FrameType.MESSAGE, f))]);
    for (const b of stream) {
      r.socket.write(Uint8Array.of(b));
      await new Promise((res) => setImmediate(res));
    }
    const expected = Buffer.concat([Uint8Array.of(0x7f, 0xf1, 0, 0), ...frames.map((f) => encodeFrame(FrameType.MESSAGE, f))]);
    await until(() => r.received().length === expected.length, 'the echoes');
    expect(Buffer.from(r.received())).toEqual(expected);
  });

  it('closes a connection whose handshake never finishes', async () => {
    const echo = await echoServer({ handshakeTimeoutMs: 100 });
    const r = await raw(echo.port);
    r.socket.write(Uint8Array.of(0x7f, 0xf1));
    const t0 = Date.now();
    await within(r.closed, 5_000, 'the close');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(80);
    expect(echo.rejected[0]?.message).toMatch(/handshake not completed within 100 ms/);
    expect(echo.conns).toHaveLength(0);
  });

  it('closes only the connection that sends garbage, and keeps accepting', async () => {
    const echo = await echoServer();
    const good = await client({ url: `rs://127.0.0.1:${echo.port}` });
    const bad = await raw(echo.port);
    bad.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await within(bad.closed, 5_000, 'the close');
    expect(bad.received()).toHaveLength(0);
    expect(echo.rejected[0]).toMatchObject({ kind: 'bad-magic' });
    expect(await roundTrip(good, '[1]')).toEqual(new TextEncoder().encode('[1]'));
    expect(echo.conns[0]!.isOpen).toBe(true);
    const late = await client({ url: `rs://127.0.0.1:${echo.port}`, serializer: cborSerializer });
    expect(decodeMessage(cborSerializer, await roundTrip(late, encodeMessage(cborSerializer, sample)))).toEqual(sample);
  });

  it('reports a clean close to both sides', async () => {
    const echo = await echoServer();
    const c = await client({ url: `rs://127.0.0.1:${echo.port}` });
    await until(() => echo.conns.length === 1, 'the connection');
    const infos: TransportCloseInfo[] = [];
    c.onClose = (i) => infos.push(i);
    c.close(1000, 'bye');
    c.send('[1]');
    await until(() => infos.length === 1 && echo.closes.length === 1, 'both onClose');
    expect(infos[0]).toEqual({ wasClean: true, code: 1000, reason: 'bye' });
    expect(echo.closes[0]).toEqual({ wasClean: true, reason: 'closed by the peer' });
  });

  it('closes open connections when the server closes', async () => {
    const echo = await echoServer();
    const c = await client({ url: `rs://127.0.0.1:${echo.port}` });
    const infos: TransportCloseInfo[] = [];
    c.onClose = (i) => infos.push(i);
    await until(() => echo.conns.length === 1, 'the connection');
    await echo.server.close();
    await until(() => infos.length === 1, 'onClose');
    expect(infos[0]?.wasClean).toBe(true);
    expect(echo.closes[0]).toMatchObject({ wasClean: true, code: 1001 });
  });
});

describe('keepalive', () => {
  it('fails a client connection whose router stops answering PINGs', async () => {
    // A bare server that completes the handshake and then never reads.
    const { createServer } = await import('node:net');
    const silent = createServer((s) => {
      s.once('data', () => {
        s.write(Uint8Array.of(0x7f, 0xf1, 0, 0));
        s.pause();
      });
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const c = await client({ url: `rs://127.0.0.1:${port}`, keepalive: { intervalMs: 40, timeoutMs: 60 } });
      const info = await within(new Promise<TransportCloseInfo>((r) => (c.onClose = r)), 5_000, 'onClose');
      expect(info).toMatchObject({ wasClean: false, reason: 'no PONG within 60 ms' });
    } finally {
      silent.close();
      await new Promise<void>((r) => {
        silent.getConnections(() => r());
      });
    }
  });

  it('keeps a responsive client and drops a silent one', async () => {
    // A generous timeout: a loaded machine must not make the live client look dead.
    const echo = await echoServer({ keepalive: { intervalMs: 40, timeoutMs: 400 } });
    const alive = await client({ url: `rs://127.0.0.1:${echo.port}` });
    const dead = await raw(echo.port);
    dead.socket.write(encodeHandshake(1, 15));
    await until(() => echo.conns.length === 2, 'both connections');
    dead.socket.pause();
    await until(() => echo.closes.length === 1, 'the silent client to be dropped');
    expect(echo.closes).toEqual([{ wasClean: false, reason: 'no PONG within 400 ms' }]);
    // A paused socket sees the end only once it reads again.
    dead.socket.resume();
    await within(dead.closed, 5_000, 'the silent client to see the close');
    expect(alive.isOpen).toBe(true);
    expect(await roundTrip(alive, '[2]')).toHaveLength(3);
  });
});

describe('other streams', () => {
  it('runs over a Unix socket path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wamp-rs-'));
    tmpDirs.push(dir);
    const path = join(dir, 'router.sock');
    const conns: RawSocketConnection[] = [];
    const server = createRawSocketServer({
      onConnection: (c) => {
        conns.push(c);
        c.onFrame = (f) => c.send(f);
      },
    });
    servers.push(server);
    await server.listen({ path });
    expect(parseRawSocketUrl(`unix:${path}`)).toEqual({ path });
    const c = await client({ url: `unix://${path}`, serializer: msgpackSerializer });
    expect(decodeMessage(msgpackSerializer, await roundTrip(c, encodeMessage(msgpackSerializer, sample)))).toEqual(sample);
    expect(conns[0]?.peer).toMatchObject({ unixPath: path, remoteAddress: undefined });
  });

  it('runs over TLS', async () => {
    const fixtures = new URL('./fixtures/', import.meta.url);
    const key = readFileSync(new URL('test-key.pem', fixtures));
    const cert = readFileSync(new URL('test-cert.pem', fixtures));
    const echo = await echoServer({ tls: { key, cert } });
    const c = await client({ url: `rss://127.0.0.1:${echo.port}`, tlsOptions: { ca: cert }, serializer: cborSerializer });
    expect(decodeMessage(cborSerializer, await roundTrip(c, encodeMessage(cborSerializer, sample)))).toEqual(sample);
    expect(c.peer.tls).toBe(true);
    expect(echo.conns[0]?.peer.tls).toBe(true);
    // A client that does not trust the certificate never gets a transport.
    await expect(connectRawSocket({ url: `rss://127.0.0.1:${echo.port}` })).rejects.toThrow(/self[- ]signed/i);
  });

  it('takes sockets accepted elsewhere, e.g. a port shared with HTTP by sniffing 0x7F', async () => {
    const { createServer: createHttpServer } = await import('node:http');
    const { createServer: createNetServer } = await import('node:net');
    const rs = createRawSocketServer({ onConnection: (c) => (c.onFrame = (f) => c.send(f)) });
    servers.push(rs);
    const http = createHttpServer((_req, res) => res.end('plain http'));
    const front = createNetServer((socket) => {
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.unshift(first);
        // "No valid HTTP request can have 0x7F as its first octet."
        if (first[0] === 0x7f) rs.handleSocket(socket);
        else http.emit('connection', socket);
        process.nextTick(() => socket.resume());
      });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    try {
      const port = (front.address() as AddressInfo).port;
      const c = await client({ url: `rs://127.0.0.1:${port}`, serializer: msgpackSerializer });
      expect(decodeMessage(msgpackSerializer, await roundTrip(c, encodeMessage(msgpackSerializer, sample)))).toEqual(sample);
      const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
      expect(await res.text()).toBe('plain http');
    } finally {
      front.close();
      http.close();
    }
  });

  it('parses the RawSocket URL forms', () => {
    expect(parseRawSocketUrl('rs://example.com:8080')).toEqual({ host: 'example.com', port: 8080, tls: false });
    expect(parseRawSocketUrl('rss://[::1]:443')).toEqual({ host: '::1', port: 443, tls: true });
    expect(parseRawSocketUrl('tls://h:1')).toEqual({ host: 'h', port: 1, tls: true });
    expect(parseRawSocketUrl('tcps://h:2')).toEqual({ host: 'h', port: 2, tls: true });
    expect(parseRawSocketUrl('unix:///var/run/wamp.sock')).toEqual({ path: '/var/run/wamp.sock' });
    expect(() => parseRawSocketUrl('rs://host')).toThrow(/port/);
    expect(() => parseRawSocketUrl('unix:relative.sock')).toThrow(/absolute/);
    expect(() => parseRawSocketUrl('http://h:1')).toThrow(/not a RawSocket URL/);
  });
});

describe('backpressure', () => {
  const FRAME = 64 * 1024;
  const BOUND = 1024 * 1024;

  /**
   * Connect a client that completes the handshake and then stops reading,
   * and send `count` frames of 64 KiB from the server, a few per turn of the
   * event loop, sampling the server's queue after each.
   */
  async function flood(policy: 'drop' | 'disconnect', count: number) {
    const drops: number[] = [];
    const echo = await echoServer({
      backpressure: { maxQueuedBytes: BOUND, maxQueuedFrames: 1000, policy, onDrop: (d) => drops.push(d.droppedFrames) },
    });
    const r = await raw(echo.port);
    const proto = new RawSocketProtocol({ role: 'client', serializerId: 2 });
    for (const c of proto.dataToSend()) r.socket.write(c);
    await until(() => echo.conns.length === 1 && r.received().length >= 4, 'the handshake');
    r.socket.pause();
    const s = echo.conns[0]!;
    let maxBuffered = 0;
    const payload = new Uint8Array(FRAME).fill(7);
    for (let i = 0; i < count && s.isOpen; i++) {
      s.send(payload);
      maxBuffered = Math.max(maxBuffered, s.bufferedAmount);
      if (i % 8 === 7) await new Promise((res) => setImmediate(res));
    }
    return { echo, r, s, proto, drops, maxBuffered };
  }

  it("'drop' keeps the server's queue under the bound and counts what it dropped", async () => {
    const total = 1000; // 64 MiB: far more than the kernel buffers of a loopback connection hold
    const { r, s, proto, drops, maxBuffered } = await flood('drop', total);
    expect(maxBuffered).toBeLessThanOrEqual(BOUND);
    expect(maxBuffered).toBeGreaterThan(BOUND / 2);
    const st = s.stats;
    expect(st.framesDropped).toBeGreaterThan(0);
    expect(st.framesSent + st.framesDropped).toBe(total);
    expect(drops.at(-1)).toBe(st.framesDropped);
    expect(s.isOpen).toBe(true);

    // Once the client reads again it gets every frame that was not dropped, whole.
    let messages = 0;
    r.socket.removeAllListeners('data');
    proto.receiveData(Uint8Array.of(0x7f, 0xf2, 0, 0));
    r.socket.on('data', (chunk: Buffer) => {
      for (const e of proto.receiveData(chunk)) {
        expect(e.type === 'message' && e.payload.length).toBe(FRAME);
        messages++;
      }
    });
    r.socket.resume();
    await until(() => messages === st.framesSent, `${st.framesSent} frames`, 15_000);
  });

  it("'disconnect' cuts the connection instead of buffering", async () => {
    const { echo, r, s, maxBuffered } = await flood('disconnect', 1000);
    expect(maxBuffered).toBeLessThanOrEqual(BOUND);
    expect(s.isOpen).toBe(false);
    await until(() => echo.closes.length === 1, 'onClose');
    r.socket.resume();
    await within(r.closed, 5_000, 'the client to see the close');
    expect(echo.closes[0]).toMatchObject({ wasClean: false, reason: expect.stringMatching(/outbound queue bound exceeded/) });
  });
});

describe('serializer defaults', () => {
  it('offers JSON, MessagePack and CBOR by default', async () => {
    const echo = await echoServer();
    for (const s of ALL_SERIALIZERS) {
      const c = await client({ url: `rs://127.0.0.1:${echo.port}`, serializer: s });
      expect(c.serializer.rawSocketId).toBe(s.rawSocketId);
    }
  });
});
