import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { LocalProtocolError, cborSerializer, jsonSerializer, msgpackSerializer, type Serializer, type SerializerName } from '@wamp/core';
import { browserTransportFor, connect as browserConnect, type WebSocketConstructor, type WebSocketTransport } from '@wamp/ws';
import { connect, createClient, nodeTransportFor } from '@wamp/ws/node';
import { createRouter, type WampRouter } from '@wamp/node-router';
import { createLogger } from '@wamp/node-router';
import type { Timers } from '@wamp/client';
import { until } from './helpers.js';

// connect() picks the transport from the URL; each case joins a real router
// over a real socket and makes a routed call through it.
describe('connect({ url })', () => {
  let router: WampRouter;
  let ws: string;
  let tcp: string;
  const sock = join(mkdtempSync(join(tmpdir(), 'wamp-connect-')), 'r.sock');

  beforeAll(async () => {
    router = createRouter(
      {
        listeners: [
          { type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' },
          { type: 'rawsocket', host: '127.0.0.1', port: 0 },
          { type: 'rawsocket', path: sock },
        ],
      },
      { logger: createLogger({ level: 'silent' }) },
    );
    const addrs = await router.listen();
    ws = addrs[0]!.url;
    tcp = `127.0.0.1:${addrs[1]!.port!}`;
    await router.realm('realm1').register('com.app.add', ([a, b]) => (a as number) + (b as number));
  });
  afterAll(() => router.close());

  // In Node, serializers are named or given as objects.
  const urls = (): [string, (Serializer | SerializerName)[]][] => [
    [ws, ['json']],
    [ws, ['msgpack']],
    [ws, [cborSerializer]],
    [`rawsocket+tcp://${tcp}`, ['json']],
    [`tcp://${tcp}`, [msgpackSerializer]],
    [`rawsocket+unix://${sock}`, ['cbor']],
  ];

  it.each([0, 1, 2, 3, 4, 5])('case %i: joins and calls', async (i) => {
    const [url, serializers] = urls()[i]!;
    const session = await connect({ url, realm: 'realm1', serializers });
    const r = await session.call('com.app.add', [2, 3]);
    expect(r.args[0]).toBe(5);
    await session.leave();
  });

  it('offers what it is given: in a browser JSON by default, in Node all three', async () => {
    const Ctor = WebSocket as unknown as WebSocketConstructor;
    const negotiated = async (t: Promise<unknown>): Promise<[string, Serializer]> => {
      const transport = (await t) as WebSocketTransport;
      transport.close();
      return [transport.subprotocol, transport.serializer];
    };
    expect(await negotiated(browserTransportFor({ url: ws, realm: 'realm1', WebSocket: Ctor })())).toEqual(['wamp.2.json', jsonSerializer]);
    expect(
      await negotiated(browserTransportFor({ url: ws, realm: 'realm1', WebSocket: Ctor, serializers: [msgpackSerializer], batched: true })()),
    ).toEqual(['wamp.2.msgpack.batched', msgpackSerializer]);
    // The router follows the client's order; Node offers JSON, MessagePack and CBOR unless told.
    expect(await negotiated(nodeTransportFor({ url: ws, realm: 'realm1' })())).toEqual(['wamp.2.json', jsonSerializer]);
    expect(await negotiated(nodeTransportFor({ url: ws, realm: 'realm1', serializers: [cborSerializer, 'json'] })())).toEqual([
      'wamp.2.cbor',
      cborSerializer,
    ]);
    const session = await browserConnect({ url: ws, realm: 'realm1', WebSocket: Ctor, serializers: [cborSerializer] });
    expect((await session.call('com.app.add', [2, 3])).value).toBe(5);
    await session.leave();
    expect(() => nodeTransportFor({ url: ws, realm: 'realm1', serializers: ['xml' as SerializerName] })).toThrow(LocalProtocolError);
  });

  it('createClient reconnects through the same URL', async () => {
    const client = createClient({ url: ws, realm: 'realm1', retry: false });
    const session = await client.connect();
    expect((await session.call('com.app.add', [20, 22])).value).toBe(42);
    await client.close();
  });

  it('keeps alive over WebSocket (ws) and RawSocket: a ping round trip resolves, a closed transport rejects', async () => {
    for (const url of [ws, `tcp://${tcp}`]) {
      const transport = await nodeTransportFor({ url, realm: 'realm1' })();
      expect(transport.keepalive).toBeTypeOf('function');
      await transport.keepalive!();
      const closed = new Promise((r) => (transport.onClose = r));
      transport.close();
      await closed;
      await expect(transport.keepalive!()).rejects.toThrow(/closed/);
    }
  });

  it('runs a Client heartbeat without dropping a healthy connection', async () => {
    const warnings: string[] = [];
    // Count the beats armed (one after each answered ping) instead of sleeping a fixed time.
    let beats = 0;
    const timers: Timers = {
      setTimeout: (callback, ms) => {
        if (ms === 20) beats++;
        return setTimeout(callback, ms);
      },
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    const client = createClient({
      url: `tcp://${tcp}`,
      realm: 'realm1',
      retry: false,
      heartbeat: { interval: 20, timeout: 250 },
      timers,
      onWarning: (m) => warnings.push(m),
    });
    const session = await client.connect();
    await until(() => beats > 10, 'ten answered heartbeat pings');
    expect(warnings).toEqual([]);
    expect(client.state).toBe('open');
    expect((await session.call('com.app.add', [1, 1])).value).toBe(2);
    await client.close();
  });

  it('refuses URLs it cannot serve with a typed error', async () => {
    await expect(connect({ url: 'http://127.0.0.1:1/', realm: 'realm1' })).rejects.toThrow(LocalProtocolError);
    // The browser entry has no RawSocket.
    await expect(browserConnect({ url: `tcp://${tcp}`, realm: 'realm1' })).rejects.toThrow(/RawSocket needs Node/);
  });
});
