/**
 * Connector lists (`connect({ transports })`, `createClient({ transports })`)
 * and the RawSocket serializer fallback, against the real router: a RawSocket
 * listener that speaks only JSON, a WebSocket listener, and a port where
 * nothing listens.
 */

import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProtocolError } from '@wamp/core';
import { TransportsFailedError, type ConnectAttempt } from '@wamp/client';
import { RawSocketError } from '@wamp/rawsocket';
import { WebSocket } from 'ws';
import { connect as browserConnect, type WebSocketConstructor } from '@wamp/ws';
import { connect, createClient } from '@wamp/ws/node';
import type { WampRouter } from '@wamp/node-router';
import { Cleanup, addressOf, startRouter } from './helpers.js';

const cleanup = new Cleanup();
let router: WampRouter;
let rsJsonOnly: string;
let ws: string;
let nobody: string;

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  router = await startRouter(cleanup, {
    listeners: [
      { type: 'websocket', host: '127.0.0.1', port: 0 },
      { type: 'rawsocket', host: '127.0.0.1', port: 0, serializers: ['json'] },
    ],
  });
  ws = addressOf(router, 'websocket').url;
  rsJsonOnly = addressOf(router, 'rawsocket').url.replace(/^rs:/, 'rawsocket+tcp:');
  nobody = `rawsocket+tcp://127.0.0.1:${await closedPort()}`;
  await router.realm('realm1').register('com.app.add', ([a, b]) => Number(a) + Number(b));
});
afterAll(() => cleanup.run());

describe('connect({ transports })', () => {
  it('falls back within a RawSocket entry when the router answers error 1 (serializer unsupported)', async () => {
    const session = await connect({ realm: 'realm1', transports: [{ url: rsJsonOnly, serializers: ['msgpack', 'cbor', 'json'] }] });
    expect(session.serializer).toBe('json');
    expect((await session.call('com.app.add', [2, 3])).value).toBe(5);
    await session.leave();
  });

  it('tries each connector in turn, reports each failure as a warning and keeps the first that opens', async () => {
    const warnings: string[] = [];
    const session = await connect({
      realm: 'realm1',
      onWarning: (m) => warnings.push(m),
      transports: [nobody, { url: rsJsonOnly, serializers: ['msgpack'] }, { url: rsJsonOnly, serializers: ['json'] }, ws],
    });
    expect(session.serializer).toBe('json');
    expect((await session.call('com.app.add', [1, 1])).value).toBe(2);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(new RegExp(`^connector ${escape(nobody)} \\(json\\) failed: .*ECONNREFUSED`));
    expect(warnings[1]).toMatch(new RegExp(`^connector ${escape(rsJsonOnly)} \\(msgpack\\) failed: .*serializer unsupported`));
    await session.leave();
  });

  it('skips to WebSocket when no RawSocket serializer is accepted', async () => {
    const session = await connect({ realm: 'realm1', transports: [{ url: rsJsonOnly, serializers: ['msgpack', 'cbor'] }, { url: ws, serializers: ['cbor'] }] });
    expect(session.serializer).toBe('cbor');
    await session.leave();
  });

  it('rejects with a TransportsFailedError listing every attempt when all fail', async () => {
    const err = await connect({
      realm: 'realm1',
      transports: [nobody, { url: rsJsonOnly, serializers: ['msgpack', 'cbor'] }, ws.replace(/\/[^/]*$/, '/nothing-here')],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportsFailedError);
    const attempts = (err as TransportsFailedError).attempts;
    expect(attempts.map((a: ConnectAttempt) => a.connector)).toEqual([
      `${nobody} (json)`,
      `${rsJsonOnly} (msgpack, cbor)`,
      `${ws.replace(/\/[^/]*$/, '/nothing-here')} (json, msgpack, cbor)`,
    ]);
    expect(attempts[1]!.error).toBeInstanceOf(RawSocketError);
    expect(attempts[1]!.error).toMatchObject({ kind: 'handshake-refused', handshakeError: 1 });
    expect((err as Error).message).toMatch(/^no transport could be opened \(3 tried\) — /);
    expect((err as Error).message).toContain('the router refused every serializer asked for (msgpack, cbor)');
    expect((err as TransportsFailedError).uri).toBe('wamp.close.transport_lost');
  });

  it('in the browser entry too (ws:// connectors)', async () => {
    const dead = ws.replace(/:\d+\//, `:${nobody.split(':').pop()!}/`);
    // The tests resolve @wamp/ws to its browser build; Node 20 has no global WebSocket.
    const session = await browserConnect({ realm: 'realm1', transports: [dead, ws], WebSocket: WebSocket as unknown as WebSocketConstructor });
    expect(session.serializer).toBe('json');
    await session.leave();
  });

  it('needs url or transports', async () => {
    await expect(connect({ realm: 'realm1' })).rejects.toThrow(LocalProtocolError);
  });
});

describe('createClient({ transports })', () => {
  it('opens through the list and again after the session is lost', async () => {
    const client = createClient({
      realm: 'realm1',
      transports: [nobody, { url: rsJsonOnly, serializers: ['msgpack', 'json'] }],
      retry: { initialDelay: 10, maxDelay: 10 },
    });
    cleanup.add(() => client.close());
    const first = await client.connect();
    expect(first.serializer).toBe('json');
    const reopened = new Promise((resolve) => client.on('open', ({ session }) => resolve(session)));
    first.disconnect();
    const second = (await reopened) as typeof first;
    expect(second).not.toBe(first);
    expect(second.serializer).toBe('json');
    expect((await client.call('com.app.add', [20, 22])).value).toBe(42);
    await client.close();
  });

  it('fails each attempt with a TransportsFailedError, reported by the closed event', async () => {
    const client = createClient({ realm: 'realm1', transports: [nobody, { url: rsJsonOnly, serializers: ['cbor'] }], retry: false });
    const closed: unknown[] = [];
    client.on('closed', (e) => closed.push(e.error));
    await expect(client.connect()).rejects.toBeInstanceOf(TransportsFailedError);
    expect(closed).toHaveLength(1);
    expect((closed[0] as TransportsFailedError).attempts).toHaveLength(2);
  });

  it('does not mix urls and transports', () => {
    expect(() => createClient({ realm: 'realm1', urls: [ws], transports: [ws] })).toThrow(/do not mix/);
  });
});
