import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanceledError, SessionClosedError } from '@wamp/core';
import type { SessionEvents } from '@wamp/client';
import { connect } from '@wamp/ws/node';
import { createLogger, createRouter, type WampRouter } from '@wamp/node-router';

// TLS material of @wamp/rawsocket's tests (self-signed for 127.0.0.1/localhost).
const CERT_FILE = fileURLToPath(new URL('../../rawsocket/test/fixtures/test-cert.pem', import.meta.url));
const KEY_FILE = fileURLToPath(new URL('../../rawsocket/test/fixtures/test-key.pem', import.meta.url));
const CA = readFileSync(CERT_FILE);

// The session lifecycle over real sockets: a real router, real transports.
describe('Session lifecycle over real sockets', () => {
  let router: WampRouter;
  let ws: string;
  let tlsHostPort: string;

  beforeAll(async () => {
    router = createRouter(
      {
        listeners: [
          { type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' },
          { type: 'rawsocket', host: '127.0.0.1', port: 0, tls: { cert: CERT_FILE, key: KEY_FILE } },
        ],
      },
      { logger: createLogger({ level: 'silent' }) },
    );
    const addrs = await router.listen();
    ws = addrs[0]!.url;
    tlsHostPort = `127.0.0.1:${addrs[1]!.port!}`;
    const realm = router.realm('realm1');
    await realm.register('com.app.add', ([a, b]) => (a as number) + (b as number));
    // Never answers: the call stays pending until cancelled or the session ends.
    await realm.register('com.app.hang', () => new Promise(() => undefined));
  });
  afterAll(() => router.close());

  it.each(['tcps', 'rss', 'rawsocket+tls'])('%s:// joins over RawSocket with TLS', async (scheme) => {
    const session = await connect({ url: `${scheme}://${tlsHostPort}`, realm: 'realm1', tlsOptions: { ca: CA }, serializers: ['cbor'] });
    expect((await session.call('com.app.add', [2, 3])).value).toBe(5);
    expect(session.serializer).toBe('cbor');
    await session.leave();
  });

  it('disconnect() on the session connect() returns fails every pending request with SessionClosedError', async () => {
    const session = await connect({ url: ws, realm: 'realm1' });
    const seen: string[] = [];
    let failed: SessionEvents['failed'] | undefined;
    session.on('failed', (e) => {
      seen.push('failed');
      failed = e;
    });
    session.on('closed', () => seen.push('closed'));
    const call = session.call('com.app.hang');
    // Sent, not answered yet: all four are pending when the transport goes.
    const register = session.register('com.app.mine', () => 1);
    const subscribe = session.subscribe('com.app.topic', () => undefined);
    const publish = session.publish('com.app.topic', [1], {}, { acknowledge: true });
    session.disconnect();
    for (const p of [call, register, subscribe, publish]) {
      const e: unknown = await p.then(
        () => 'resolved',
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(SessionClosedError);
      expect((e as SessionClosedError).uri).toBe('wamp.close.transport_lost');
    }
    expect(session.state).toBe('failed');
    expect(session.isOpen).toBe(false);
    expect(seen).toEqual(['failed']);
    expect(failed).toMatchObject({ reason: 'wamp.close.transport_lost', initiator: 'transport' });
    expect(failed?.error).toBeInstanceOf(SessionClosedError);
    expect(await session.closed).toMatchObject({ reason: 'wamp.close.transport_lost', wasJoined: true });
    // Idempotent, and later requests fail locally.
    session.disconnect();
    await expect(session.call('com.app.add', [1, 2])).rejects.toThrow();
    // The router saw the session go: a new one works.
    const again = await connect({ url: ws, realm: 'realm1' });
    expect((await again.call('com.app.add', [1, 2])).value).toBe(3);
    await again.leave();
  });

  it('reports its state: open, closing on leave(), closed on the GOODBYE reply; leave() gives the GOODBYE and nothing else', async () => {
    const session = await connect({ url: ws, realm: 'realm1', serializers: ['msgpack'] });
    expect(session.state).toBe('open');
    const seen: unknown[] = [];
    session.on('closing', (e) => seen.push(['closing', e]));
    session.on('closed', (e) => seen.push(['closed', e.reason, e.initiator]));
    session.on('failed', () => seen.push('failed'));
    const left = session.leave('wamp.close.normal', 'done');
    expect(session.state).toBe('closing');
    const end = await left;
    // The router's reply, and only these keys: nothing internal (type, initiator, wasJoined) leaks.
    expect(end).toStrictEqual({ reason: 'wamp.close.goodbye_and_out', message: undefined, details: {} });
    expect(session.state).toBe('closed');
    expect(seen).toEqual([
      ['closing', { reason: 'wamp.close.normal', message: 'done' }],
      ['closed', 'wamp.close.normal', 'client'],
    ]);
    // A second leave() gives the same answer.
    expect(await session.leave()).toEqual(end);
  });

  it('tells who it is: id, authid, authrole, authmethod, serializer, router roles and features', async () => {
    const session = await connect({ url: ws, realm: 'realm1', serializers: ['json'] });
    expect(Number.isSafeInteger(session.id) && session.id > 0).toBe(true);
    expect(session.authid).toBeTypeOf('string');
    expect(session.authrole).toBe('anonymous');
    expect(session.authmethod).toBe('anonymous');
    expect(session.serializer).toBe('json');
    expect(session.routerRoles.dealer).toBeDefined();
    expect(session.routerRoles.broker).toBeDefined();
    expect(session.routerHasFeature('dealer', 'call_canceling')).toBe(true);
    expect(session.routerHasFeature('broker', 'no_such_feature')).toBe(false);
    await session.leave();
  });

  it('killnowait (the default cancel mode) drops the dealer’s ERROR without a warning', async () => {
    const warnings: string[] = [];
    const errorsIn: string[] = [];
    const session = await connect({
      url: ws,
      realm: 'realm1',
      onWarning: (m) => warnings.push(m),
      onTrace: (t) => {
        if (t.direction === 'in' && t.message.type === 8) errorsIn.push(t.text);
      },
    });
    const controller = new AbortController();
    const call = session.call('com.app.hang', [], {}, { signal: controller.signal });
    // The call reached the dealer once a later call round-trips (one connection, in order).
    await session.call('com.app.add', [0, 0]);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(CanceledError);
    // The dealer's ERROR for the cancelled call arrives before this RESULT.
    expect((await session.call('com.app.add', [1, 1])).value).toBe(2);
    // The router did send it (so the test would see a warning if there were one).
    expect(errorsIn).toHaveLength(1);
    expect(errorsIn[0]).toContain('wamp.error.canceled');
    expect(warnings).toEqual([]);
    await session.leave();
  });
});
