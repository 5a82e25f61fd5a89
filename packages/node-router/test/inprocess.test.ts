// The router as a library: procedures and topics that live in the router
// process (`router.realm(name)`), and WAMP mounted on an application's own
// HTTP server beside its ordinary routes.

import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Dict } from '@wamp/core';
import { Result, WampError, type EventDetails } from '@wamp/client';
import { nodeWebSocketTransport } from '@wamp/ws/node';
import { createRouter, type WampRouter } from '@wamp/node-router';
import { COMBOS, Cleanup, captureLogs, deferred, joinSession, quietLogger, startRouter, transportFor, waitFor, within } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const WS = COMBOS.find((c) => c.transport === 'websocket' && c.serializer === 'msgpack' && !c.batched && !c.tls)!;
const RS = COMBOS.find((c) => c.transport === 'rawsocket' && c.serializer === 'json' && !c.tls)!;

function start(config: Dict = {}, logger = quietLogger()): Promise<WampRouter> {
  return startRouter(cleanup, config, logger);
}

describe('in-process procedures and topics: router.realm(name)', () => {
  it('serves a procedure registered in the router process to a remote caller', async () => {
    const router = await start();
    await router.realm('realm1').register('com.local.add', (args, kwargs) => new Result([(args[0] as number) + (args[1] as number)], { by: kwargs['who'] }));
    const { session } = await joinSession(cleanup, transportFor(router, WS), { realm: 'realm1' });
    const r = await session.call('com.local.add', [2, 3], { who: 'remote' });
    expect(r.args).toEqual([5]);
    expect(r.kwargs).toEqual({ by: 'remote' });

    await router.realm('realm1').register('com.local.fail', () => {
      throw new WampError('com.local.error.nope', ['no'], { code: 7 });
    });
    await expect(session.call('com.local.fail')).rejects.toMatchObject({ uri: 'com.local.error.nope', args: ['no'], kwargs: { code: 7 } });
  });

  it('streams progressive results from an async-generator handler', async () => {
    const router = await start();
    await router.realm('realm1').register('com.local.countdown', async function* (args) {
      for (let i = args[0] as number; i > 0; i--) yield i;
      return 'liftoff';
    });
    const { session } = await joinSession(cleanup, transportFor(router, RS), { realm: 'realm1' });
    const seen: { value: unknown; progress: boolean }[] = [];
    for await (const part of session.callProgressive('com.local.countdown', [3])) seen.push({ value: part.value, progress: part.progress });
    expect(seen).toEqual([
      { value: 3, progress: true },
      { value: 2, progress: true },
      { value: 1, progress: true },
      { value: 'liftoff', progress: false },
    ]);
  });

  it('publishes from the router process to remote subscribers, with acknowledge and disclosure', async () => {
    const router = await start();
    const { session } = await joinSession(cleanup, transportFor(router, WS), { realm: 'realm1' });
    const got = deferred<{ args: readonly unknown[]; kwargs: Dict; details: EventDetails }>();
    await session.subscribe('com.local.tick', (args, kwargs, details) => got.resolve({ args, kwargs, details }));
    const publication = await router.realm('realm1').publish('com.local.tick', [1, 'a'], { at: 'now' }, { acknowledge: true, discloseMe: true });
    expect(typeof publication).toBe('number');
    const ev = await within(got.promise, 5_000, 'the event');
    expect(ev.args).toEqual([1, 'a']);
    expect(ev.kwargs).toEqual({ at: 'now' });
    expect(ev.details.publication).toBe(publication);
    expect(ev.details.publisherAuthid).toBe('router');
    expect(ev.details.publisherAuthrole).toBe('router');

    // And the other way: the router process subscribes to what a remote client publishes.
    const inbound = deferred<readonly unknown[]>();
    await router.realm('realm1').subscribe('com.remote.hello', (args) => inbound.resolve(args));
    await session.publish('com.remote.hello', ['hi'], {}, { acknowledge: true });
    expect(await within(inbound.promise, 5_000, 'the inbound event')).toEqual(['hi']);
  });

  it('shows the internal session in wamp.session.list and wamp.session.get, and discloses it like any other caller', async () => {
    const router = await start();
    const internal = await router.realm('realm1').session();
    const { session } = await joinSession(cleanup, transportFor(router, RS), { realm: 'realm1' });
    const list = (await session.call<number[]>('wamp.session.list')).value as number[];
    expect(list).toContain(internal.id);
    expect(list).toContain(session.id);
    const details = (await session.call<Dict>('wamp.session.get', [internal.id])).value as Dict;
    expect(details).toMatchObject({ session: internal.id, authid: 'router', authrole: 'router' });
    expect((details['transport'] as Dict)['type']).toBe('internal');

    await session.register('com.remote.whoami', (_a, _k, d) => [d.caller, d.callerAuthid, d.callerAuthrole], { discloseCaller: true });
    const r = await router.realm('realm1').call('com.remote.whoami');
    expect(r.args).toEqual([[internal.id, 'router', 'router']]);
  });

  it('works in a realm with roles, where the internal session is trusted', async () => {
    const router = await start({
      realms: [
        {
          name: 'locked',
          roles: [{ name: 'guest', permissions: [{ uri: 'com.local', match: 'prefix', allow: { call: true, subscribe: true } }] }],
          auth: { anonymous: { type: 'static', authrole: 'guest' } },
        },
      ],
    });
    await router.realm('locked').register('com.local.ping', () => 'pong');
    const { session } = await joinSession(cleanup, transportFor(router, WS), { realm: 'locked' });
    expect((await session.call('com.local.ping')).value).toBe('pong');
    const ev = deferred<readonly unknown[]>();
    await session.subscribe('com.local.news', (args) => ev.resolve(args));
    await router.realm('locked').publish('com.local.news', ['n'], {}, { acknowledge: true });
    expect(await within(ev.promise, 5_000, 'the event')).toEqual(['n']);
    // The guest may not register: authorization still applies to remote sessions.
    await expect(session.register('com.local.mine', () => 1)).rejects.toMatchObject({ uri: 'wamp.error.not_authorized' });
  });

  it('logs one JSON line per join and leave, remote and internal sessions alike, to the logger given to createRouter', async () => {
    const logs = captureLogs();
    const router = await start({}, logs.logger);
    const internal = await router.realm('realm1').session();
    const batched = COMBOS.find((c) => c.transport === 'websocket' && c.serializer === 'cbor' && c.batched)!;
    const { session } = await joinSession(cleanup, transportFor(router, batched), { realm: 'realm1' });
    const id = session.id;
    await session.leave();
    await waitFor(() => logs.records.some((r) => r['msg'] === 'session left' && r['session'] === id), 'the leave line');
    const lines = (sid: number, msg: string) => logs.records.filter((r) => r['msg'] === msg && r['session'] === sid);
    expect(lines(id, 'session joined')).toHaveLength(1);
    expect(lines(id, 'session left')).toHaveLength(1);
    for (const l of [...lines(id, 'session joined'), ...lines(id, 'session left')]) {
      expect(l).toMatchObject({ realm: 'realm1', authid: session.authid, authrole: 'anonymous', transport: 'websocket', serializer: 'cbor' });
    }
    expect(lines(id, 'session left')[0]!['reason']).toBe('wamp.close.close_realm');
    expect(lines(internal.id, 'session joined')[0]).toMatchObject({ realm: 'realm1', authid: 'router', authrole: 'router', transport: 'internal', serializer: 'json' });
  });
});

function httpText(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('router.attach(httpServer, {path})', () => {
  it('serves WAMP on the path while the server keeps answering its own routes', async () => {
    const server: Server = createServer((req, res) => {
      if (req.url === '/health') res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      else res.writeHead(404).end('not here');
    });
    cleanup.add(() => new Promise<void>((r) => server.close(() => r())));
    cleanup.add(() => server.closeAllConnections());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;

    const router = createRouter({ realms: [{ name: 'realm1' }], listeners: [], heartbeatMs: 0 }, { logger: quietLogger() });
    cleanup.add(() => router.close());
    const detach = router.attach(server, { path: '/wamp' });
    expect(router.addresses).toEqual([]);

    await router.realm('realm1').register('com.app.hello', (args) => `hello ${String(args[0])}`);
    const factory = nodeWebSocketTransport({ url: `ws://127.0.0.1:${port}/wamp`, subprotocols: ['wamp.2.cbor'] });
    const { session } = await joinSession(cleanup, factory, { realm: 'realm1' });
    expect((await session.call('com.app.hello', ['http'])).value).toBe('hello http');

    expect(await httpText(port, '/health')).toEqual({ status: 200, body: 'ok' });
    expect((await httpText(port, '/other')).status).toBe(404);
    // A WebSocket upgrade on another path is not WAMP's.
    const elsewhere = nodeWebSocketTransport({ url: `ws://127.0.0.1:${port}/elsewhere`, subprotocols: ['wamp.2.json'] });
    await expect(elsewhere()).rejects.toThrow();

    // Detached, new upgrades are refused and the HTTP routes still answer.
    detach();
    await expect(factory()).rejects.toThrow();
    expect(await httpText(port, '/health')).toEqual({ status: 200, body: 'ok' });
  });

  it('closes attached WebSocket sessions with the router, leaving the HTTP server running', async () => {
    const server: Server = createServer((_req, res) => res.writeHead(200).end('still here'));
    cleanup.add(() => new Promise<void>((r) => server.close(() => r())));
    cleanup.add(() => server.closeAllConnections());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const router = createRouter({ realms: [{ name: 'realm1' }], listeners: [], heartbeatMs: 0 }, { logger: quietLogger() });
    cleanup.add(() => router.close());
    router.attach(server, { path: '/ws' });
    const { session } = await joinSession(cleanup, nodeWebSocketTransport({ url: `ws://127.0.0.1:${port}/ws` }), { realm: 'realm1' });
    await within(router.close(), 10_000, 'router.close()');
    const info = await within(session.closed, 5_000, 'the session end');
    expect(info.reason).toBe('wamp.close.system_shutdown');
    expect(await httpText(port, '/')).toEqual({ status: 200, body: 'still here' });
  });
});
