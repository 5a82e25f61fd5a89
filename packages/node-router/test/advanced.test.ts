// The advanced-profile features of issue 16, end to end over real sockets
// (every transport × serializer): callee-side call timeouts, trust levels,
// the extra meta procedures, payload passthru mode, sharding and event
// history.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Result, WampError, cryptosign, ticket, type EventDetails, type InvocationDetails } from '@wamp/client';
import { createRouter, type WampRouter } from '@wamp/node-router';
import {
  COMBOS,
  Cleanup,
  RawWsPeer,
  TLS_CERT_FILE,
  TLS_KEY_FILE,
  deferred,
  joinSession,
  quietLogger,
  tempDir,
  type Combo,
  transportFor,
  waitFor,
  within,
} from './helpers.js';
import { nodeWebSocketTransport } from '@wamp/ws/node';
import { cryptobox, cryptoboxKeyPair } from '@wamp/client/cryptobox';
import type { Frame } from '@wamp/core';

const ALL = { call: true, register: true, publish: true, subscribe: true };
const tlsFiles = { cert: TLS_CERT_FILE, key: TLS_KEY_FILE };

const outer = new Cleanup();
let router: WampRouter;
/** Every frame the router received, as text (JSON) or bytes: what the router saw. */
const received: Frame[] = [];

/** Whether `needle` occurs in any frame the router received since the last `received.length = 0`. */
function routerSaw(needle: string): boolean {
  const bytes = new TextEncoder().encode(needle);
  return received.some((f) => {
    if (typeof f === 'string') return f.includes(needle);
    outer: for (let i = 0; i + bytes.length <= f.length; i++) {
      for (let j = 0; j < bytes.length; j++) if (f[i + j] !== bytes[j]) continue outer;
      return true;
    }
    return false;
  });
}

beforeAll(async () => {
  router = createRouter(
    {
      realms: [
        {
          name: 'realm1',
          history: [{ uri: 'com.app.hist', match: 'prefix', limit: 500 }],
          roles: [
            { name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: ALL }] },
            { name: 'partner', trustlevel: 3, permissions: [{ uri: '', match: 'prefix', allow: ALL }] },
          ],
          auth: {
            anonymous: { type: 'static', authrole: 'anonymous' },
            ticket: { type: 'static', principals: { acme: { ticket: 'acme-secret', authrole: 'partner' } } },
          },
        },
        // An open realm for wamp.session.kill_all, which would take other tests' sessions with it.
        { name: 'realm2' },
      ],
      listeners: [
        { type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' },
        { type: 'websocket', host: '127.0.0.1', port: 0, path: '/wss', tls: tlsFiles },
        { type: 'rawsocket', host: '127.0.0.1', port: 0 },
        { type: 'rawsocket', host: '127.0.0.1', port: 0, tls: tlsFiles },
        // A listener whose sessions are trusted less, whatever their role.
        { type: 'websocket', host: '127.0.0.1', port: 0, path: '/low', trustlevel: 1 },
      ],
      timeouts: { calleeTimeoutGrace: 3_000 },
      heartbeatMs: 0,
    },
    { logger: quietLogger() },
  );
  outer.add(() => router.close());
  // Record what reaches the router core, as a wiretap on the router would.
  const core = router.core;
  const open = core.openSession.bind(core);
  core.openSession = (info, now) => {
    const session = open(info, now);
    const handle = session.handleMessage.bind(session);
    session.handleMessage = (frame, at) => {
      received.push(frame);
      handle(frame, at);
    };
    return session;
  };
  await router.listen();
});

afterAll(() => outer.run());

/** The plain ws listener's URL (the first one, `/ws`). */
const plainWsUrl = (): string => router.addresses.find((a) => a.url.startsWith('ws:') && a.url.endsWith('/ws'))!.url;

describe.each(COMBOS)('$name', (combo) => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  const transport = () => transportFor(router, combo);
  const anon = () => joinSession(cleanup, transport(), { realm: 'realm1' });
  const partner = () => joinSession(cleanup, transport(), { realm: 'realm1', authid: 'acme', auth: ticket('acme-secret') });

  it('callee-side call timeout: the handler signal fires at the deadline and the callee answers wamp.error.canceled', async () => {
    const { session: callee } = await anon();
    expect((callee.routerRoles.dealer?.['features'] as Record<string, unknown>)['call_timeout']).toBe(true);
    const seen = deferred<{ timeout: number | undefined; reason: unknown; elapsed: number }>();
    await callee.register('com.app.slow', (_a, _k, details: InvocationDetails) => {
      const t0 = Date.now();
      return new Promise((_, reject) => {
        details.signal.addEventListener('abort', () => {
          seen.resolve({ timeout: details.timeout, reason: details.signal.reason, elapsed: Date.now() - t0 });
          // The handler gives up with a plain error: the client answers wamp.error.canceled.
          reject(new Error('gave up'));
        });
      });
    });
    // A hand-written caller sees exactly what the dealer answers (our client would time out locally).
    const caller = await RawWsPeer.open(cleanup, plainWsUrl());
    await caller.join('realm1');
    caller.send([48, 1, { timeout: 300 }, 'com.app.slow', []]);
    const s = await within(seen.promise, 5_000, 'the handler signal');
    expect(s.timeout).toBe(300);
    expect(s.elapsed).toBeGreaterThanOrEqual(250);
    expect(String(s.reason)).toMatch(/timed out/);
    const err = await caller.expect(8, 2_500);
    expect(err).toEqual([8, 48, 1, {}, 'wamp.error.canceled', ['gave up']]);
  });

  it('trust levels: the role level reaches subscribers and callees; anonymous sessions have none', async () => {
    const { session: sub } = await anon();
    const { session: pub } = await partner();
    const { session: other } = await anon();
    const events: EventDetails[] = [];
    const eventArgs: unknown[] = [];
    await sub.subscribe('com.app.tl', (a, _k, d) => {
      eventArgs.push(a[0]);
      events.push(d);
    });
    await pub.publish('com.app.tl', ['from partner'], {}, { acknowledge: true });
    await other.publish('com.app.tl', ['from anonymous'], {}, { acknowledge: true });
    await waitFor(() => events.length === 2, 'two events');
    const levelOf = (arg: string) => events.find((_, i) => eventArgs[i] === arg)?.trustlevel;
    expect(levelOf('from partner')).toBe(3);
    expect(levelOf('from anonymous')).toBeUndefined();

    const levels: (number | undefined)[] = [];
    await sub.register('com.app.tl.proc', (_a, _k, d) => {
      levels.push(d.trustlevel);
      return new Result([d.trustlevel ?? null]);
    });
    expect((await pub.call('com.app.tl.proc')).value).toBe(3);
    expect((await other.call('com.app.tl.proc')).value).toBe(null);
    expect(levels).toEqual([3, undefined]);
  });
});

describe.each(COMBOS)('payload passthru mode, end-to-end encrypted ($name)', (combo) => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  const alice = cryptoboxKeyPair();
  const bob = cryptoboxKeyPair();
  const mallory = cryptoboxKeyPair();
  // Alice seals for Bob and Bob for Alice (X25519: both get one shared key).
  const aliceBox = cryptobox([{ keyid: 'k1', uri: 'com.secret', secretKey: alice.secretKey, peerPublicKey: bob.publicKey }]);
  const bobBox = cryptobox([{ keyid: 'k1', uri: 'com.secret', secretKey: bob.secretKey, peerPublicKey: alice.publicKey }]);
  const malloryBox = cryptobox([{ keyid: 'k1', uri: 'com.secret', secretKey: mallory.secretKey, peerPublicKey: alice.publicKey }]);
  const join = (passthru?: ReturnType<typeof cryptobox>, onWarning?: (m: string) => void) =>
    joinSession(cleanup, transportFor(router, combo), { realm: 'realm1', ...(passthru ? { passthru } : {}), ...(onWarning ? { onWarning } : {}) });

  it('a subscriber with the key reads the event; the router and a subscriber without it cannot', async () => {
    const { session: pub } = await join(aliceBox);
    const { session: sub } = await join(bobBox);
    const warnings: string[] = [];
    const { session: spy } = await join(malloryBox, (m) => warnings.push(m));
    expect((pub.routerRoles.broker?.['features'] as Record<string, unknown>)['payload_passthru_mode']).toBe(true);
    const got: { args: readonly unknown[]; kwargs: Record<string, unknown>; details: EventDetails }[] = [];
    await sub.subscribe('com.secret.news', (args, kwargs, details) => void got.push({ args, kwargs, details }));
    await spy.subscribe('com.secret.news', () => void got.push({ args: ['mallory read it'], kwargs: {}, details: undefined as never }));

    // The wiretap works: a clear publication is visible to it.
    received.length = 0;
    await pub.publish('com.public.news', ['clear-marker-7f3a'], {}, { acknowledge: true });
    expect(routerSaw('clear-marker-7f3a')).toBe(true);

    received.length = 0;
    await pub.publish('com.secret.news', ['launch code 0xC0FFEE'], { target: 'moon-base-alpha' }, { acknowledge: true });
    await waitFor(() => got.length >= 1 && warnings.length >= 1, 'the event and the spy warning');
    expect(got).toHaveLength(1);
    expect(got[0]!.args).toEqual(['launch code 0xC0FFEE']);
    expect(got[0]!.kwargs).toEqual({ target: 'moon-base-alpha' });
    expect(got[0]!.details.details).toMatchObject({ ppt_scheme: 'wamp', ppt_serializer: 'cbor', ppt_cipher: 'xsalsa20poly1305', ppt_keyid: 'k1' });
    expect(warnings[0]).toMatch(/does not open with key k1/);
    expect(received.length).toBeGreaterThan(0);
    expect(routerSaw('launch code')).toBe(false);
    expect(routerSaw('moon-base-alpha')).toBe(false);
  });

  it('encrypts a call and its result end to end', async () => {
    const { session: caller } = await join(aliceBox);
    const { session: callee } = await join(bobBox);
    let seen: unknown;
    await callee.register('com.secret.add', (args, _k, d) => {
      seen = d.details['ppt_cipher'];
      return new Result([`sum-is-${(args[1] as number) + (args[2] as number)}`]);
    });
    received.length = 0;
    const r = await caller.call('com.secret.add', ['operand-marker-91c2', 40, 2]);
    expect(r.value).toBe('sum-is-42');
    expect(r.details['ppt_keyid']).toBe('k1');
    expect(seen).toBe('xsalsa20poly1305');
    expect(routerSaw('operand-marker-91c2')).toBe(false);
    expect(routerSaw('sum-is-42')).toBe(false);

    // An application error: its URI in the clear (the router routes by it), its arguments sealed.
    await callee.register('com.secret.fail', () => {
      throw new WampError('com.secret.error.denied', ['reason-marker-3b7e'], { code: 'kw-marker-55aa' });
    });
    received.length = 0;
    const err = await caller.call('com.secret.fail').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WampError);
    expect(err).toMatchObject({ uri: 'com.secret.error.denied', args: ['reason-marker-3b7e'], kwargs: { code: 'kw-marker-55aa' } });
    expect(routerSaw('reason-marker-3b7e')).toBe(false);
    expect(routerSaw('kw-marker-55aa')).toBe(false);
  });
});

describe('payload passthru mode: the checks the spec asks for', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  const box = cryptobox([{ keyid: 'k', uri: 'com.secret', ...(() => { const k = cryptoboxKeyPair(); return { secretKey: k.secretKey, peerPublicKey: k.publicKey }; })() }]);

  it('aborts a publisher that uses the mode without announcing it', async () => {
    const raw = await RawWsPeer.open(cleanup, plainWsUrl());
    await raw.join('realm1');
    raw.send([16, 1, { ppt_scheme: 'x_test' }, 'com.secret.t', '\u0000AAEC']);
    const abort = await raw.expect(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    expect(String((abort[1] as Record<string, unknown>)['message'])).toMatch(/payload passthru mode/);
  });

  it('sends a passthru event only to subscribers that announced the mode', async () => {
    const raw = await RawWsPeer.open(cleanup, plainWsUrl());
    await raw.join('realm1');
    raw.send([32, 1, {}, 'com.secret.only']);
    await raw.expect(33);
    const { session: reader } = await joinSession(cleanup, transportFor(router, COMBOS[0]!), { realm: 'realm1', passthru: box });
    const got: unknown[] = [];
    await reader.subscribe('com.secret.only', (a) => void got.push(a[0]));
    const { session: pub } = await joinSession(cleanup, transportFor(router, COMBOS[0]!), { realm: 'realm1', passthru: box });
    await pub.publish('com.secret.only', ['x'], {}, { acknowledge: true });
    await waitFor(() => got.length === 1, 'the event');
    expect(raw.received.filter((m) => m[0] === 36)).toEqual([]);
  });

  it('answers feature_not_supported for a passthru call to a callee that did not announce the mode', async () => {
    const raw = await RawWsPeer.open(cleanup, plainWsUrl());
    await raw.join('realm1');
    raw.send([64, 1, {}, 'com.secret.plain']);
    await raw.expect(65);
    const { session: caller } = await joinSession(cleanup, transportFor(router, COMBOS[0]!), { realm: 'realm1', passthru: box });
    await expect(caller.call('com.secret.plain', [1])).rejects.toMatchObject({ uri: 'wamp.error.feature_not_supported' });
  });
});

describe.each(COMBOS)('sharded registrations and subscriptions ($name)', (combo) => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  const join = () => joinSession(cleanup, transportFor(router, combo), { realm: 'realm1' });

  it('a call with rkey reaches the callee shard that owns the key, a publication the subscriber shard', async () => {
    const shards = ['shard-a', 'shard-b', 'shard-c'];
    const served: { shard: string; key: string }[] = [];
    const heard: { shard: string; key: string }[] = [];
    for (const shard of shards) {
      const { session } = await join();
      await session.register('com.app.shard.get', (args) => {
        served.push({ shard, key: args[0] as string });
        return shard;
      }, { invoke: 'roundrobin', nkey: shard });
      await session.subscribe('com.app.shard.update', (args) => void heard.push({ shard, key: args[0] as string }), { nkey: shard });
    }
    const { session: client } = await join();
    const keys = ['user-1', 'user-2', 'user-3', 'user-4', 'user-5', 'user-6'];
    const owners = new Map<string, string>();
    for (const key of keys) {
      const r = await client.call('com.app.shard.get', [key], {}, { rkey: key });
      owners.set(key, r.value as string);
      // The same key always lands on the same shard.
      expect((await client.call('com.app.shard.get', [key], {}, { rkey: key })).value).toBe(r.value);
    }
    expect(new Set(owners.values()).size).toBeGreaterThan(1);
    for (const key of keys) await client.publish('com.app.shard.update', [key], {}, { acknowledge: true, rkey: key });
    await waitFor(() => heard.length >= keys.length, 'one event per key');
    // Each publication reached exactly the shard that serves the key's calls.
    expect(heard.map((h) => `${h.key}@${h.shard}`).sort()).toEqual(keys.map((k) => `${k}@${owners.get(k)}`).sort());
    expect(served.length).toBe(keys.length * 2);
  });
});

describe.each(COMBOS)('event history ($name)', (combo) => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  const join = () => joinSession(cleanup, transportFor(router, combo), { realm: 'realm1' });

  it('subscribeWithHistory replays history then follows live events, without a gap or a duplicate', async () => {
    const topic = `com.app.hist.${combo.serializer}.${combo.transport}.${combo.batched ? 'b' : 'u'}${combo.tls ? 't' : 'p'}`;
    const { session: pub } = await join();
    const { session: reader } = await join();
    const published: number[] = [];
    for (let i = 0; i < 10; i++) published.push((await pub.publish(topic, [i], {}, { acknowledge: true }))!);
    const got: { i: number; publication: number; history: boolean }[] = [];
    // Live publications race the history fetch.
    const racing = (async () => {
      for (let i = 10; i < 30; i++) published.push((await pub.publish(topic, [i], {}, { acknowledge: true }))!);
    })();
    const sub = await reader.subscribeWithHistory(topic, (args, _k, d) => void got.push({ i: args[0] as number, publication: d.publication, history: d.history }), {
      limit: 100,
    });
    await racing;
    await waitFor(() => got.length >= 30, 'thirty events');
    expect(got.map((g) => g.i)).toEqual([...Array(30).keys()]);
    expect(got.map((g) => g.publication)).toEqual(published);
    expect(got.slice(0, 10).every((g) => g.history)).toBe(true);
    expect(sub.active).toBe(true);
  });

  it('a topic without history: wamp.error.history_unavailable, and no subscription is left', async () => {
    const { session } = await join();
    await expect(session.subscribeWithHistory('com.app.nohist', () => undefined)).rejects.toMatchObject({ uri: 'wamp.error.history_unavailable' });
    expect(router.core.inspect('realm1')!.subscriptions.filter((x) => x.uri === 'com.app.nohist')).toEqual([]);
  });
});

describe('meta procedures: kill_all, remove_callee, remove_subscriber (Crossbar.io arguments and checks)', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  const join = (c: Combo, realm = 'realm1') => joinSession(cleanup, transportFor(router, c), { realm });

  it.each(COMBOS)('remove_callee and remove_subscriber revoke with a reason ($name)', async (c) => {
    const { session: admin } = await join(c);
    const { session: app } = await join(c);
    const reg = await app.register('com.app.meta.proc', () => 1);
    const sub = await app.subscribe('com.app.meta.topic', () => undefined);
    const revoked = deferred<string | undefined>();
    const unsubscribed = deferred<string | undefined>();
    reg.onRevoked = (reason) => revoked.resolve(reason);
    sub.onRevoked = (reason) => unsubscribed.resolve(reason);

    // Crossbar.io's checks, in its order: the session, the registration, then membership.
    await expect(admin.call('wamp.registration.remove_callee', [reg.id, 1])).rejects.toMatchObject({ uri: 'wamp.error.no_such_session' });
    await expect(admin.call('wamp.registration.remove_callee', [424242, app.id])).rejects.toMatchObject({
      uri: 'wamp.error.no_such_registration',
    });
    await expect(admin.call('wamp.registration.remove_callee', [reg.id, admin.id])).rejects.toMatchObject({
      uri: 'wamp.error.no_such_registration',
    });
    await expect(admin.call('wamp.subscription.remove_subscriber', [sub.id, admin.id])).rejects.toMatchObject({
      uri: 'wamp.error.no_such_subscription',
    });
    // The reason as the third positional argument (as Autobahn passes it) or as a keyword.
    await admin.call('wamp.registration.remove_callee', [reg.id, app.id, 'com.app.reason.maintenance']);
    expect(await within(revoked.promise, 5_000, 'the revocation')).toBe('com.app.reason.maintenance');
    expect(reg.active).toBe(false);
    await admin.call('wamp.subscription.remove_subscriber', [sub.id, app.id], { reason: 'com.app.reason.quota' });
    expect(await within(unsubscribed.promise, 5_000, 'the unsubscription')).toBe('com.app.reason.quota');
    await expect(admin.call('com.app.meta.proc')).rejects.toMatchObject({ uri: 'wamp.error.no_such_procedure' });
  });

  it('protects subscriptions on wamp. topics from remove_subscriber', async () => {
    const { session: admin } = await join(COMBOS[0]!);
    const { session: watcher } = await join(COMBOS[0]!);
    const sub = await watcher.subscribe('wamp.session.on_join', () => undefined);
    await expect(admin.call('wamp.subscription.remove_subscriber', [sub.id, watcher.id])).rejects.toMatchObject({
      uri: 'wamp.error.not_authorized',
    });
    expect(sub.active).toBe(true);
  });

  it.each(COMBOS)('kill_all closes every other session of the realm with the reason and message given ($name)', async (c) => {
    const { session: admin } = await join(c, 'realm2');
    const victims = await Promise.all([join(c, 'realm2'), join(COMBOS[0]!, 'realm2')]);
    const { session: elsewhere } = await join(c, 'realm1');
    const n = await admin.call('wamp.session.kill_all', ['com.app.close.maintenance', 'back soon']);
    expect(n.value).toBe(2);
    for (const { session } of victims) {
      const info = await within(session.closed, 5_000, 'the kill');
      expect(info.reason).toBe('com.app.close.maintenance');
      expect(info.message).toBe('back soon');
    }
    expect(admin.isOpen).toBe(true);
    expect(elsewhere.isOpen).toBe(true);
  });
});

describe('cryptosign router authentication', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  const ROUTER_SEED = '6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b';
  const CLIENT_SEED = '4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510';

  async function routerWith(routerKey: boolean): Promise<WampRouter> {
    const { nodeCryptoProvider } = await import('@wamp/client/node-crypto');
    const { cryptosignPublicKey, hexDecode, hexEncode } = await import('@wamp/core');
    const pub = hexEncode(await cryptosignPublicKey(nodeCryptoProvider(), hexDecode(CLIENT_SEED)!));
    const r = createRouter(
      {
        realms: [{ name: 'realm1', auth: { cryptosign: { type: 'static', principals: { carol: { authorizedKeys: [pub], authrole: 'user' } } } } }],
        listeners: [
          { type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' },
          { type: 'rawsocket', host: '127.0.0.1', port: 0, tls: tlsFiles },
          { type: 'websocket', host: '127.0.0.1', port: 0, path: '/wss', tls: tlsFiles },
        ],
        heartbeatMs: 0,
        ...(routerKey ? { routerKey: { seed: ROUTER_SEED } } : {}),
      },
      { logger: quietLogger() },
    );
    cleanup.add(() => r.close());
    await r.listen();
    return r;
  }

  it.each([COMBOS[0]!, COMBOS.find((c) => c.transport === 'rawsocket' && c.tls)!])(
    'the client verifies the router against its pinned key ($name)',
    async (c) => {
      const r = await routerWith(true);
      expect(r.routerPublicKey).toMatch(/^[0-9a-f]{64}$/);
      const { session } = await joinSession(cleanup, transportFor(r, c), {
        realm: 'realm1',
        authid: 'carol',
        auth: cryptosign(CLIENT_SEED, { routerKey: r.routerPublicKey! }),
      });
      expect(session.authid).toBe('carol');
      expect(session.details['authmethod']).toBe('cryptosign');
    },
  );

  it.each(COMBOS.filter((c) => c.tls))('with TLS channel binding (tls-exporter): both signatures are bound to the connection ($name)', async (c) => {
    const r = await routerWith(true);
    const { session } = await joinSession(cleanup, transportFor(r, c), {
      realm: 'realm1',
      authid: 'carol',
      auth: cryptosign(CLIENT_SEED, { routerKey: r.routerPublicKey!, channelBinding: 'tls-exporter' }),
    });
    const me = (await session.call('wamp.session.get', [session.id])).value as Record<string, Record<string, unknown>>;
    expect(me['transport']!['channel_binding']).toBe('tls-exporter');
  });

  it('aborts when the router proves another key, or does not sign at all', async () => {
    const r = await routerWith(true);
    const other = 'a'.repeat(64);
    await expect(
      joinSession(cleanup, transportFor(r, COMBOS[0]!), { realm: 'realm1', authid: 'carol', auth: cryptosign(CLIENT_SEED, { routerKey: other }) }),
    ).rejects.toMatchObject({ uri: 'wamp.error.authentication_failed' });
    const unsigned = await routerWith(false);
    const err = await joinSession(cleanup, transportFor(unsigned, COMBOS[0]!), {
      realm: 'realm1',
      authid: 'carol',
      auth: cryptosign(CLIENT_SEED, { routerKey: r.routerPublicKey! }),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ uri: 'wamp.error.authentication_failed' });
    expect(String((err as Error).message)).toMatch(/did not sign/);
  });
});

describe('README', () => {
  it("the advanced features' configuration example validates", async () => {
    const { readFileSync } = await import('node:fs');
    const { validateNodeRouterConfig } = await import('@wamp/node-router');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /```json\n(\{\n {2}"routerKey"[\s\S]*?)\n```/.exec(readme);
    expect(block).not.toBeNull();
    const example = JSON.parse(block![1]!) as Record<string, unknown>;
    const dir = tempDir(outer);
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(`${dir}/keys`);
    writeFileSync(`${dir}/keys/router.seed`, `${'ab'.repeat(32)}\n`);
    const config = validateNodeRouterConfig(example, dir);
    expect(config.routerKey).toHaveLength(32);
    expect(config.router.realms[0]!.history).toHaveLength(2);
    expect(config.router.realms[0]!.roles!.map((r) => r.trustlevel)).toEqual([3, 0]);
    expect(config.listeners.map((l) => l.trustlevel)).toEqual([1, 5]);
  });
});

describe('event history in a store of the application', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('createRouter({ historyStore }) keeps the history where the application says', async () => {
    const { MemoryHistoryStore } = await import('@wamp/core');
    const appended: string[] = [];
    class CountingStore extends MemoryHistoryStore {
      override append(...a: Parameters<MemoryHistoryStore['append']>): readonly string[] {
        appended.push(a[0].topic);
        return super.append(...a);
      }
    }
    const realms: string[] = [];
    const r = createRouter(
      { realms: [{ name: 'realm1', history: [{ uri: 'com.app', match: 'prefix' }] }], listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0 }], heartbeatMs: 0 },
      {
        logger: quietLogger(),
        historyStore: (realm) => {
          realms.push(realm);
          return new CountingStore();
        },
      },
    );
    cleanup.add(() => r.close());
    await r.listen();
    const { session } = await joinSession(cleanup, transportFor(r, COMBOS[0]!), { realm: 'realm1' });
    // excludeMe: false, or the history would hide the publisher's own event from it, as delivery would.
    await session.publish('com.app.x', ['one'], {}, { acknowledge: true, excludeMe: false });
    const got: unknown[] = [];
    await session.subscribeWithHistory('com.app.x', (a) => void got.push(a[0]));
    expect(realms).toEqual(['realm1']);
    expect(appended).toEqual(['com.app.x']);
    expect(got).toEqual(['one']);
  });
});

describe('trust levels per listener', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('a listener level caps the role level (the lower counts)', async () => {
    const low = router.addresses.find((a) => a.url.endsWith('/low'))!.url;
    const { session: sub } = await joinSession(cleanup, transportFor(router, COMBOS[0]!), { realm: 'realm1' });
    const events: EventDetails[] = [];
    await sub.subscribe('com.app.tl2', (_a, _k, d) => void events.push(d));
    const lowFactory = nodeWebSocketTransport({ url: low, subprotocols: ['wamp.2.cbor'] });
    const { session: partnerLow } = await joinSession(cleanup, lowFactory, { realm: 'realm1', authid: 'acme', auth: ticket('acme-secret') });
    const { session: anonLow } = await joinSession(cleanup, lowFactory, { realm: 'realm1' });
    await partnerLow.publish('com.app.tl2', ['p'], {}, { acknowledge: true });
    await waitFor(() => events.length === 1, 'the partner event');
    await anonLow.publish('com.app.tl2', ['a'], {}, { acknowledge: true });
    await waitFor(() => events.length === 2, 'the anonymous event');
    expect(events.map((e) => e.trustlevel)).toEqual([1, 1]);
  });
});
