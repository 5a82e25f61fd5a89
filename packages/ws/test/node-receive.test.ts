// The Node client's direct receive path (node-client.ts, installDirectReceive):
// whole, simple frames of a socket read go straight to the transport, anything
// else to ws's receiver. These tests speak WebSocket by hand from a bare TCP
// server, so that frames land in one read together, cut across reads, mixed
// with control frames and fragments, or malformed, as a router may send them.

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Frame } from '@wamp/core';
import type { TransportCloseInfo } from '@wamp/client';
import { connectNodeWebSocket, type NodeWebSocketClientOptions } from '@wamp/ws/node';
import type { WebSocketTransport } from '@wamp/ws';
import { until, within } from './helpers.js';

const servers: Server[] = [];
const transports: WebSocketTransport[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  // Upgraded sockets are no longer the HTTP server's to close.
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise<void>((r) => s.close(() => r()));
    }),
  );
});

/** One server-to-client frame (RFC 6455 §5.2): unmasked unless `mask` is given. */
function frame(opcode: number, payload: Uint8Array | string, opts: { fin?: boolean; rsv?: number; mask?: boolean } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const n = data.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.alloc(head + (opts.mask ? 4 : 0) + n);
  out[0] = (opts.fin === false ? 0 : 0x80) | ((opts.rsv ?? 0) << 4) | opcode;
  const maskBit = opts.mask ? 0x80 : 0;
  if (n < 126) out[1] = maskBit | n;
  else if (n < 65536) {
    out[1] = maskBit | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = maskBit | 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  // A zero mask leaves the payload as it is.
  data.copy(out, head + (opts.mask ? 4 : 0));
  return out;
}

const text = (s: string, opts?: Parameters<typeof frame>[2]): Buffer => frame(1, s, opts);
const binary = (b: Uint8Array, opts?: Parameters<typeof frame>[2]): Buffer => frame(2, b, opts);

/** A WebSocket server written by hand: completes the opening handshake with `subprotocol`, then hands over the socket. */
async function handServer(subprotocol = 'wamp.2.json'): Promise<{ url: string; socket: Promise<Socket>; received: () => [number, Buffer][] }> {
  const got: Buffer[] = [];
  let resolve!: (s: Socket) => void;
  const socket = new Promise<Socket>((r) => (resolve = r));
  const server = createServer();
  server.on('upgrade', (req: IncomingMessage, s: Socket) => {
    const accept = createHash('sha1')
      .update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    s.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${subprotocol}\r\n\r\n`,
    );
    s.on('error', () => {});
    sockets.push(s);
    // Answer the client's close frame by closing the TCP connection, as a server does after its own close frame.
    s.on('data', (d: Buffer) => {
      got.push(d);
      if (clientFrames(Buffer.concat(got)).some(([op]) => op === 0x08)) s.end();
    });
    resolve(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, socket, received: () => clientFrames(Buffer.concat(got)) };
}

/** A client transport on a hand server, collecting every frame and the close. */
async function pair(subprotocol = 'wamp.2.json', options: Partial<NodeWebSocketClientOptions> = {}) {
  const server = await handServer(subprotocol);
  const t = await connectNodeWebSocket({ url: server.url, subprotocols: [subprotocol], ...options });
  transports.push(t);
  const frames: Frame[] = [];
  let closed: TransportCloseInfo | undefined;
  t.onFrame = (f) => frames.push(f);
  t.onClose = (info) => (closed = info);
  const socket = await within(server.socket, 5_000, 'the upgrade');
  /** The status code of the client's close frame, once it sent one. */
  const closeCode = (): number | undefined => server.received().find(([op]) => op === 0x08)?.[1].readUInt16BE(0);
  return { t, socket, frames, closed: () => closed, closeCode };
}

/** The bytes the client sent, unmasked, as frames: [opcode, payload]. */
function clientFrames(bytes: Buffer): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  let at = 0;
  while (bytes.length - at >= 2) {
    let n = bytes[at + 1]! & 0x7f;
    let p = at + 2;
    if (n === 126) {
      n = bytes.readUInt16BE(p);
      p += 2;
    } else if (n === 127) {
      n = Number(bytes.readBigUInt64BE(p));
      p += 8;
    }
    const mask = bytes.subarray(p, p + 4);
    p += 4;
    if (bytes.length < p + n) break;
    const payload = Buffer.from(bytes.subarray(p, p + n));
    for (let i = 0; i < n; i++) payload[i]! ^= mask[i % 4]!;
    out.push([bytes[at]! & 0x0f, payload]);
    at = p + n;
  }
  return out;
}

describe('the Node client receives what a router writes in one read', () => {
  it('delivers many text messages of one write, in order', async () => {
    const { socket, frames } = await pair();
    const msgs = Array.from({ length: 200 }, (_, i) => `[36,1,${i + 1},{},["${'x'.repeat(i % 300)}"]]`);
    socket.write(Buffer.concat(msgs.map((m) => text(m))));
    await until(() => frames.length === msgs.length, 'all messages');
    expect(frames).toEqual(msgs);
  });

  it('gives the same messages however the bytes are cut across reads', async () => {
    const msgs = ['[36,1,1,{},[1]]', `[36,1,2,{},["${'é'.repeat(100)}"]]`, `[36,1,3,{},["${'y'.repeat(70_000)}"]]`, '[36,1,4,{},[]]'];
    const bytes = Buffer.concat([text(msgs[0]!), frame(9, 'ping'), text(msgs[1]!), text(msgs[2]!), text(msgs[3]!)]);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 8 }), async (cuts) => {
        const { socket, frames, t } = await pair();
        const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
        for (let i = 0; i + 1 < points.length; i++) {
          socket.write(bytes.subarray(points[i], points[i + 1]));
          // Let the piece be read on its own (the loopback may still join pieces: that case is covered too).
          await new Promise((r) => setTimeout(r, 1));
        }
        await until(() => frames.length === msgs.length, 'all messages');
        expect(frames).toEqual(msgs);
        t.close();
      }),
      { numRuns: 15 },
    );
  });

  it('answers a ping between messages of one read, and keeps their order', async () => {
    const { socket, frames } = await pair();
    const sent: Buffer[] = [];
    socket.on('data', (d: Buffer) => sent.push(d));
    socket.write(Buffer.concat([text('[36,1,1,{},[]]'), frame(9, 'are you there'), text('[36,1,2,{},[]]')]));
    await until(() => frames.length === 2, 'both messages');
    expect(frames).toEqual(['[36,1,1,{},[]]', '[36,1,2,{},[]]']);
    await until(() => clientFrames(Buffer.concat(sent)).some(([op]) => op === 0x0a), 'the pong');
    const pong = clientFrames(Buffer.concat(sent)).find(([op]) => op === 0x0a)!;
    expect(pong[1].toString()).toBe('are you there');
  });

  it('joins a fragmented message and the whole ones around it, in order', async () => {
    const { socket, frames } = await pair();
    socket.write(
      Buffer.concat([
        text('[36,1,1,{},[]]'),
        text('[36,1,2,', { fin: false }),
        frame(9, ''), // a control frame may come between fragments (RFC 6455 §5.4)
        frame(0, '{},["ab', { fin: false }),
        frame(0, 'c"]]'),
        text('[36,1,3,{},[]]'),
      ]),
    );
    await until(() => frames.length === 3, 'three messages');
    expect(frames).toEqual(['[36,1,1,{},[]]', '[36,1,2,{},["abc"]]', '[36,1,3,{},[]]']);
  });

  it('delivers text that holds a real U+FFFD', async () => {
    const { socket, frames } = await pair();
    socket.write(Buffer.concat([text('["\uFFFD"]'), text('[1]')]));
    await until(() => frames.length === 2, 'both messages');
    expect(frames).toEqual(['["\uFFFD"]', '[1]']);
  });

  it('delivers binary messages as copies of their bytes', async () => {
    const { socket, frames } = await pair('wamp.2.cbor');
    const a = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const b = Uint8Array.from([0x83, 1, 2, 3]);
    socket.write(Buffer.concat([binary(a), binary(b), binary(new Uint8Array(0))]));
    await until(() => frames.length === 3, 'three messages');
    expect(frames.map((f) => Array.from(f as Uint8Array))).toEqual([Array.from(a), Array.from(b), []]);
    // Each its own buffer, not a view into the socket's read (which would keep the whole read alive).
    expect((frames[0] as Uint8Array).buffer.byteLength).toBe(300);
    expect((frames[1] as Uint8Array).buffer.byteLength).toBe(4);
  });
});

describe('the Node client still refuses what ws refuses', () => {
  it('closes with 1007 on invalid UTF-8, after the messages before it', async () => {
    const { socket, frames, closed, closeCode } = await pair();
    socket.write(Buffer.concat([text('[1]'), frame(1, Uint8Array.from([0x5b, 0x22, 0xc3, 0x28, 0x22, 0x5d])), text('[2]')]));
    await until(() => closed() !== undefined, 'the close');
    expect(frames).toEqual(['[1]']);
    expect(closeCode()).toBe(1007);
    expect(closed()).toMatchObject({ wasClean: false, reason: 'Invalid WebSocket frame: invalid UTF-8 sequence' });
  });

  it('closes with 1007 on an encoded surrogate, which decodes to U+FFFD', async () => {
    const { socket, frames, closed, closeCode } = await pair();
    socket.write(Buffer.concat([text('[1]'), frame(1, Uint8Array.from([0x5b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x5d]))]));
    await until(() => closed() !== undefined, 'the close');
    expect(frames).toEqual(['[1]']);
    expect(closeCode()).toBe(1007);
    expect(closed()).toMatchObject({ wasClean: false, reason: 'Invalid WebSocket frame: invalid UTF-8 sequence' });
  });

  it('closes with 1009 on a message over maxMessageSize', async () => {
    const { socket, frames, closed, closeCode } = await pair('wamp.2.json', { maxMessageSize: 1000 });
    socket.write(Buffer.concat([text(`["${'a'.repeat(990)}"]`), text(`["${'a'.repeat(1000)}"]`)]));
    await until(() => closed() !== undefined, 'the close');
    expect(frames).toHaveLength(1);
    expect(closeCode()).toBe(1009);
    expect(closed()).toMatchObject({ wasClean: false, reason: 'Max payload size exceeded' });
  });

  it('closes with 1002 on a masked frame, RSV bits or an unknown opcode', async () => {
    const cases: [Buffer, string][] = [
      [text('[2]', { mask: true }), 'MASK must be clear'],
      [text('[2]', { rsv: 2 }), 'RSV2 and RSV3 must be clear'],
      [text('[2]', { rsv: 4 }), 'RSV1 must be clear'],
      [frame(3, '[2]'), 'invalid opcode 3'],
      [frame(0, '[2]'), 'invalid opcode 0'],
    ];
    for (const [bad, reason] of cases) {
      const { socket, frames, closed, closeCode } = await pair();
      // A long message after the bad frame: its bytes must not be taken for the bad frame's payload.
      socket.write(Buffer.concat([text('[1]'), bad, text(`["${'z'.repeat(300)}"]`)]));
      await until(() => closed() !== undefined, 'the close');
      expect(frames).toEqual(['[1]']);
      expect(closeCode()).toBe(1002);
      expect(closed()).toMatchObject({ wasClean: false, reason: expect.stringContaining(reason) });
    }
  });

  it('delivers nothing after a close frame in the same read', async () => {
    const { socket, frames, closed } = await pair();
    const code = Buffer.alloc(2);
    code.writeUInt16BE(1000);
    socket.write(Buffer.concat([text('[1]'), frame(8, code), text('[2]')]));
    socket.end();
    await until(() => closed() !== undefined, 'the close');
    expect(frames).toEqual(['[1]']);
    expect(closed()).toMatchObject({ code: 1000 });
  });
});

describe('the Node client with more than one message listener', () => {
  it('gives every listener every message', async () => {
    const server = await handServer();
    const t = await connectNodeWebSocket({ url: server.url, subprotocols: ['wamp.2.json'] });
    transports.push(t);
    const frames: Frame[] = [];
    t.onFrame = (f) => frames.push(f);
    const socket = await server.socket;
    // The transport's WebSocket: an application may listen to it as well (ws's EventEmitter API).
    const ws = (t as unknown as { ws: { on(e: 'message', l: (d: Buffer) => void): void } }).ws;
    const seen: string[] = [];
    ws.on('message', (d) => seen.push(d.toString()));
    socket.write(Buffer.concat([text('[1]'), text('[2]')]));
    await until(() => frames.length === 2 && seen.length === 2, 'both messages twice');
    expect(frames).toEqual(['[1]', '[2]']);
    expect(seen).toEqual(['[1]', '[2]']);
  });
});

describe('the Node client with allowSynchronousEvents: false', () => {
  it('leaves the messages to ws, which hands over one per turn', async () => {
    const { socket, t } = await pair('wamp.2.json', { wsOptions: { allowSynchronousEvents: false } });
    const frames: Frame[] = [];
    // Whether an immediate queued at the first message ran before the next message came.
    let later = false;
    const seen: boolean[] = [];
    t.onFrame = (f) => {
      if (frames.length === 0) setImmediate(() => (later = true));
      else seen.push(later);
      frames.push(f);
    };
    socket.write(Buffer.concat([text('[1]'), text('[2]')]));
    await until(() => frames.length === 2, 'both messages');
    expect(frames).toEqual(['[1]', '[2]']);
    expect(seen).toEqual([true]);
  });

  it('(by default) hands over all the messages of a read in the same turn', async () => {
    const { socket, t } = await pair();
    const frames: Frame[] = [];
    let later = false;
    const seen: boolean[] = [];
    t.onFrame = (f) => {
      if (frames.length === 0) setImmediate(() => (later = true));
      else seen.push(later);
      frames.push(f);
    };
    socket.write(Buffer.concat([text('[1]'), text('[2]')]));
    await until(() => frames.length === 2, 'both messages');
    expect(seen).toEqual([false]);
  });
});
