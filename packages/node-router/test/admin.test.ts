// The operations endpoint: /metrics scraped over HTTP while real sessions
// run, /health and /ready. Every router here binds port 0 (never 8090).

import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Dict } from '@wamp/core';
import { WampError, ticket } from '@wamp/client';
import { DEFAULT_CONFIG, createRouter, validateNodeRouterConfig, type WampRouter } from '@wamp/node-router';
import { configFromArgs } from '../src/args.js';
import { COMBOS, Cleanup, RawWsPeer, addressOf, deferred, joinSession, quietLogger, transportFor, waitFor } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const WS = COMBOS.find((c) => c.transport === 'websocket' && c.serializer === 'msgpack' && !c.batched && !c.tls)!;
const RS = COMBOS.find((c) => c.transport === 'rawsocket' && c.serializer === 'cbor' && !c.tls)!;

async function start(config: Dict = {}): Promise<WampRouter> {
  const router = createRouter(
    {
      realms: [
        { name: 'realm1' },
        { name: 'secure', auth: { ticket: { type: 'static', principals: { joe: { ticket: 'right', authrole: 'user' } } } } },
      ],
      listeners: [
        { type: 'websocket', host: '127.0.0.1', port: 0 },
        { type: 'rawsocket', host: '127.0.0.1', port: 0 },
      ],
      admin: { host: '127.0.0.1', port: 0 },
      heartbeatMs: 0,
      ...config,
    },
    { logger: quietLogger() },
  );
  cleanup.add(() => router.close());
  await router.listen();
  return router;
}

async function get(router: WampRouter, path: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${router.adminAddress!.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** The value of one sample of the Prometheus text (0 when the series is absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v) && Object.keys(have).length === Object.keys(labels).length) return Number(m[3]);
  }
  return 0;
}

async function scrape(router: WampRouter): Promise<string> {
  const r = await get(router, '/metrics');
  expect(r.status).toBe(200);
  expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
  return r.text;
}

describe('operations endpoint: /metrics', () => {
  it('counts sessions by realm/transport/serializer, messages by type, calls and their duration, events', async () => {
    const router = await start();
    expect(router.adminAddress!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(router.adminAddress!.port).not.toBe(8090);
    const m0 = await scrape(router);
    expect(sample(m0, 'wamp_sessions', { realm: 'realm1', transport: 'websocket', serializer: 'msgpack' })).toBe(0);
    expect(sample(m0, 'wamp_messages_received_total', { type: 'CALL' })).toBe(0);
    // Process metrics of prom-client, on the router's own registry.
    expect(m0).toContain('process_cpu_user_seconds_total');
    expect(m0).toContain('nodejs_eventloop_lag_seconds');

    const { session: callee } = await joinSession(cleanup, transportFor(router, WS), { realm: 'realm1' });
    const { session: caller } = await joinSession(cleanup, transportFor(router, RS), { realm: 'realm1' });
    await callee.register('com.m.add', (args) => (args[0] as number) + (args[1] as number));
    const invoked = deferred();
    await callee.register('com.m.slow', async () => {
      invoked.resolve();
      await new Promise((r) => setTimeout(r, 120));
      return 'late';
    });
    await callee.register('com.m.fail', () => {
      throw new WampError('com.m.error.nope');
    });
    const m1 = await scrape(router);
    expect(sample(m1, 'wamp_sessions', { realm: 'realm1', transport: 'websocket', serializer: 'msgpack' })).toBe(1);
    expect(sample(m1, 'wamp_sessions', { realm: 'realm1', transport: 'rawsocket', serializer: 'cbor' })).toBe(1);
    expect(sample(m1, 'wamp_connections')).toBe(2);
    expect(sample(m1, 'wamp_messages_received_total', { type: 'HELLO' })).toBe(2);
    expect(sample(m1, 'wamp_messages_sent_total', { type: 'WELCOME' })).toBe(2);
    expect(sample(m1, 'wamp_messages_received_total', { type: 'REGISTER' })).toBe(3);

    for (let i = 0; i < 5; i++) expect((await caller.call('com.m.add', [i, 1])).value).toBe(i + 1);
    const slow = caller.call('com.m.slow');
    await invoked.promise;
    const inFlight = await scrape(router);
    expect(sample(inFlight, 'wamp_calls_in_flight')).toBe(1);
    expect((await slow).value).toBe('late');
    await expect(caller.call('com.m.fail')).rejects.toMatchObject({ uri: 'com.m.error.nope' });

    const m2 = await scrape(router);
    expect(sample(m2, 'wamp_messages_received_total', { type: 'CALL' })).toBe(7);
    expect(sample(m2, 'wamp_messages_sent_total', { type: 'INVOCATION' })).toBe(7);
    expect(sample(m2, 'wamp_messages_received_total', { type: 'YIELD' })).toBe(6);
    expect(sample(m2, 'wamp_messages_sent_total', { type: 'RESULT' })).toBe(6);
    expect(sample(m2, 'wamp_calls_in_flight')).toBe(0);
    expect(sample(m2, 'wamp_call_duration_seconds_count', { outcome: 'result' })).toBe(6);
    expect(sample(m2, 'wamp_call_duration_seconds_count', { outcome: 'error' })).toBe(1);
    // The slow call took at least 120 ms: it is above the 0.1 s bucket, the others below it (generous: a loaded machine).
    expect(sample(m2, 'wamp_call_duration_seconds_bucket', { outcome: 'result', le: '0.1' })).toBeLessThanOrEqual(5);
    expect(sample(m2, 'wamp_call_duration_seconds_bucket', { outcome: 'result', le: '+Inf' })).toBe(6);
    expect(sample(m2, 'wamp_call_duration_seconds_sum', { outcome: 'result' })).toBeGreaterThanOrEqual(0.12);

    let got = 0;
    await callee.subscribe('com.m.news', () => void got++);
    await caller.subscribe('com.m.news', () => void got++);
    await caller.publish('com.m.news', ['hi'], {}, { acknowledge: true, excludeMe: false });
    await waitFor(() => got === 2, 'both events');
    const m3 = await scrape(router);
    expect(sample(m3, 'wamp_events_delivered_total')).toBe(2);
    expect(sample(m3, 'wamp_messages_received_total', { type: 'PUBLISH' })).toBe(1);

    await caller.leave();
    const m4 = await scrape(router);
    expect(sample(m4, 'wamp_sessions', { realm: 'realm1', transport: 'rawsocket', serializer: 'cbor' })).toBe(0);
    expect(sample(m4, 'wamp_messages_received_total', { type: 'GOODBYE' })).toBe(1);
  });

  it('counts authentication failures and protocol violations', async () => {
    const router = await start();
    await expect(joinSession(cleanup, transportFor(router, WS), { realm: 'secure', authid: 'joe', auth: ticket('wrong') })).rejects.toMatchObject({
      uri: 'wamp.error.authentication_failed',
    });
    const raw = await RawWsPeer.open(cleanup, addressOf(router, 'websocket').url);
    await raw.join('realm1');
    raw.send([999, 'nonsense']);
    await raw.expect(3);
    const m = await scrape(router);
    expect(sample(m, 'wamp_auth_failures_total', { realm: 'secure', reason: 'wamp.error.authentication_failed' })).toBe(1);
    expect(sample(m, 'wamp_protocol_violations_total')).toBe(1);
    expect(sample(m, 'wamp_messages_received_total', { type: 'UNKNOWN' })).toBe(1);
  });

  it('counts the peers cut off for not reading (backpressure disconnect) and the events dropped (policy drop)', async () => {
    const payload = 'x'.repeat(16 * 1024);
    for (const policy of ['disconnect', 'drop'] as const) {
      const router = await start({ backpressure: { policy, maxQueuedBytes: 64 * 1024, maxQueuedFrames: 20 } });
      const slow = await RawWsPeer.open(cleanup, addressOf(router, 'websocket').url);
      await slow.join('realm1');
      slow.send([32, 1, {}, 'com.flood']);
      await slow.expect(33);
      slow.socket.pause();
      const api = router.realm('realm1');
      const done = (m: string): boolean =>
        policy === 'disconnect' ? sample(m, 'wamp_backpressure_disconnects_total', { transport: 'websocket' }) > 0 : sample(m, 'wamp_events_dropped_total') > 0;
      let m = await scrape(router);
      for (let round = 0; round < 400 && !done(m); round++) {
        for (let j = 0; j < 19; j++) void api.publish('com.flood', [payload]);
        await api.publish('com.flood', [payload], {}, { acknowledge: true });
        await new Promise((r) => setImmediate(r));
        m = await scrape(router);
      }
      expect(done(m), policy).toBe(true);
      if (policy === 'drop') {
        expect(sample(m, 'wamp_frames_dropped_total', { transport: 'websocket', reason: 'backpressure' })).toBe(sample(m, 'wamp_events_dropped_total'));
        expect(sample(m, 'wamp_backpressure_disconnects_total', { transport: 'websocket' })).toBe(0);
      }
      await router.close();
    }
  }, 60_000);
});

describe('operations endpoint: /health and /ready', () => {
  it('/health is 200; /ready is 200 when listening and every readiness check passes, else 503 naming the failing checks', async () => {
    const router = await start();
    const health = await get(router, '/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'alive' });
    expect((await get(router, '/ready')).status).toBe(200);

    // A cluster being joined (the hook another component uses).
    let joined = false;
    router.setReadinessCheck('cluster', () => joined || 'not joined to the cluster yet');
    const notReady = await get(router, '/ready');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.text)).toEqual({ status: 'not ready', failing: { cluster: 'not joined to the cluster yet' } });
    joined = true;
    expect((await get(router, '/ready')).status).toBe(200);
    router.setReadinessCheck('cluster', undefined);
    expect((await get(router, '/ready')).status).toBe(200);

    expect((await get(router, '/nope')).status).toBe(404);
    const post = await fetch(`${router.adminAddress!.url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    const url = router.adminAddress!.url;
    await router.close();
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('listen() rejects when the operations port is taken, and leaves no WAMP listener open', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    cleanup.add(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = (blocker.address() as AddressInfo).port;
    const router = createRouter(
      { realms: [{ name: 'realm1' }], listeners: [{ type: 'rawsocket', host: '127.0.0.1', port: 0 }], admin: { host: '127.0.0.1', port } },
      { logger: quietLogger() },
    );
    cleanup.add(() => router.close());
    await expect(router.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(router.addresses).toEqual([]);
    expect(router.adminAddress).toBeUndefined();
  });

  it('two routers in one process keep their own registries', async () => {
    const a = await start();
    const b = await start();
    await joinSession(cleanup, transportFor(a, WS), { realm: 'realm1' });
    expect(sample(await scrape(a), 'wamp_sessions', { realm: 'realm1', transport: 'websocket', serializer: 'msgpack' })).toBe(1);
    expect(sample(await scrape(b), 'wamp_sessions', { realm: 'realm1', transport: 'websocket', serializer: 'msgpack' })).toBe(0);
  });

  it('is off unless configured, and on 127.0.0.1:8090 in the embedded default (checked without binding it)', async () => {
    const router = createRouter({ listeners: [{ type: 'rawsocket', host: '127.0.0.1', port: 0 }] }, { logger: quietLogger() });
    cleanup.add(() => router.close());
    await router.listen();
    expect(router.adminAddress).toBeUndefined();
    expect(router.metrics).toBeUndefined();
    expect(validateNodeRouterConfig({}).admin).toBeUndefined();
    expect(DEFAULT_CONFIG.admin).toEqual({ host: '127.0.0.1', port: 8090 });
    // What `wamp-router` with no --config runs, and the flag.
    const none = configFromArgs([]);
    expect(none !== 'help' && none.admin).toEqual({ host: '127.0.0.1', port: 8090 });
    const flags = configFromArgs(['--ws', '127.0.0.1:0', '--admin', '0.0.0.0:9100']);
    expect(flags !== 'help' && flags.admin).toEqual({ host: '0.0.0.0', port: 9100 });
    const off = configFromArgs(['--admin', 'off']);
    expect(off !== 'help' && off.admin).toBeUndefined();
    expect(() => configFromArgs(['--admin', 'nope'])).toThrow('--admin');
    expect(() => validateNodeRouterConfig({ admin: { port: 70_000, extra: 1 } })).toThrow(/admin\.extra: unknown field[\s\S]*admin\.port: must be an integer/);
    expect(() => validateNodeRouterConfig({ listeners: [{ type: 'websocket', port: 9000 }], admin: { port: 9000 } })).toThrow('admin.port: is also the port of listeners[0]');
  });
});
