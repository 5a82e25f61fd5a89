// Route sets (@wamp/client routes.ts): one definition mounted on an embedded
// router's realm (`router.realm(name).mount`) and, unchanged, from another
// session as a remote callee; middleware, handler context, typed and
// progressive procedures, topic handlers, subscription hooks and sending an
// event to one session — all over real sockets on 127.0.0.1.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import {
  RouteSet,
  WampError,
  matchesPattern,
  mountRoutes,
  procedure,
  ticket,
  topic,
  type CallContext,
  type Middleware,
  type SessionContext,
} from '@wamp/client';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { nodeWebSocketTransport } from '@wamp/ws/node';
import { createRouter, type WampRouter } from '@wamp/node-router';
import { makeClientCerts } from './certs.js';
import { COMBOS, Cleanup, runReadmeBlock, TLS_CA, TLS_CERT_FILE, TLS_KEY_FILE, deferred, joinSession, quietLogger, transportFor, waitFor } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const WS = COMBOS.find((c) => c.transport === 'websocket' && c.serializer === 'json' && !c.batched && !c.tls)!;
const RS = COMBOS.find((c) => c.transport === 'rawsocket' && c.serializer === 'msgpack' && !c.tls)!;

const ROLES = [
  {
    name: 'user',
    // Caller disclosure denied: the embedded route set still sees its callers; a remote one does not.
    permissions: [{ uri: 'com.shop.', match: 'prefix', allow: { call: true, subscribe: true, publish: true }, disclose: { caller: 'deny' } }],
  },
  { name: 'admin', permissions: [{ uri: '', match: 'prefix', allow: { call: true, subscribe: true, publish: true, register: true } }] },
  { name: 'backend', permissions: [{ uri: '', match: 'prefix', allow: { call: true, subscribe: true, publish: true, register: true } }] },
];

const PRINCIPALS = {
  alice: { ticket: 'a-secret', authrole: 'user', authextra: { tier: 'gold' } },
  root: { ticket: 'r-secret', authrole: 'admin' },
  svc: { ticket: 's-secret', authrole: 'backend' },
};

async function start(): Promise<WampRouter> {
  const router = createRouter(
    {
      realms: [{ name: 'shop', roles: ROLES, auth: { ticket: { type: 'static', principals: PRINCIPALS } } }],
      listeners: [
        { type: 'websocket', host: '127.0.0.1', port: 0 },
        { type: 'rawsocket', host: '127.0.0.1', port: 0 },
      ],
      heartbeatMs: 0,
    },
    { logger: quietLogger() },
  );
  cleanup.add(() => router.close());
  await router.listen();
  return router;
}

function as(router: WampRouter, authid: keyof typeof PRINCIPALS, combo = WS, warnings?: string[]) {
  return joinSession(cleanup, transportFor(router, combo), {
    realm: 'shop',
    authid,
    auth: ticket(PRINCIPALS[authid].ticket),
    ...(warnings ? { onWarning: (m: string) => warnings.push(m) } : {}),
  });
}

const add = procedure({
  uri: 'com.shop.add',
  kwargs: v.object({ a: v.number(), b: v.number() }),
  result: v.number(),
});

/** The route set under test: the same object mounted both ways. */
function shopRoutes(log: string[], seen: CallContext[]): RouteSet {
  const timing: Middleware = async (ctx, next) => {
    log.push(`> ${ctx.kind === 'call' ? ctx.procedure : ctx.topic}`);
    try {
      return await next();
    } finally {
      log.push(`< ${ctx.kind === 'call' ? ctx.procedure : ctx.topic}`);
    }
  };
  const adminsOnly: Middleware = (ctx, next) => {
    const who = ctx.kind === 'call' ? ctx.caller : ctx.publisher;
    if (who.authrole !== 'admin') throw new WampError('com.shop.error.forbidden', [`${who.authid ?? 'anonymous'} is not an admin`]);
    return next();
  };
  return new RouteSet({ prefix: 'com.shop.' })
    .use(timing)
    .procedure('whoami', (_args, _kwargs, ctx) => {
      seen.push(ctx);
      return { authid: ctx.caller.authid, authrole: ctx.caller.authrole, session: ctx.caller.session };
    })
    .procedure(add, (_args, { a, b }) => a + b)
    .procedure(
      'countdown',
      async function* ([n]) {
        for (let i = Number(n); i > 0; i--) yield i;
        return 'done';
      },
    )
    .procedure('admin.reset', () => 'reset', { use: [adminsOnly] });
}

describe('route sets mounted on an embedded router', () => {
  it('serve procedures with middleware, and handlers see the caller without disclose_me (even where disclosure is denied)', async () => {
    const router = await start();
    const log: string[] = [];
    const seen: CallContext[] = [];
    const mounted = await router.realm('shop').mount(shopRoutes(log, seen));
    expect(mounted.registrations.map((r) => r.procedure)).toEqual(['com.shop.whoami', 'com.shop.add', 'com.shop.countdown', 'com.shop.admin.reset']);

    const { session: alice } = await as(router, 'alice');
    const r = await alice.call('com.shop.whoami');
    expect(r.value).toEqual({ authid: 'alice', authrole: 'user', session: alice.id });
    const ctx = seen[0]!;
    expect(ctx.route).toBe('com.shop.whoami');
    expect(ctx.caller).toMatchObject({ session: alice.id, authid: 'alice', authrole: 'user', authmethod: 'ticket', authextra: { tier: 'gold' } });
    expect(ctx.caller.transport).toMatchObject({ type: 'websocket', peer: expect.stringMatching(/^tcp4:127\.0\.0\.1:\d+$/) });
    expect(log).toEqual(['> com.shop.whoami', '< com.shop.whoami']);

    // Middleware refuses with a WampError: the caller gets it, the handler does not run.
    await expect(alice.call('com.shop.admin.reset')).rejects.toMatchObject({ uri: 'com.shop.error.forbidden', args: ['alice is not an admin'] });
    const { session: root } = await as(router, 'root', RS);
    expect((await root.call('com.shop.admin.reset')).value).toBe('reset');
    expect(seen).toHaveLength(1);
  });

  it("hands handlers the WebSocket upgrade's headers and cookies", async () => {
    const router = await start();
    const seen: CallContext[] = [];
    await router.realm('shop').mount(shopRoutes([], seen));
    const url = router.addresses.find((a) => a.type === 'websocket')!.url;
    const { session } = await joinSession(
      cleanup,
      nodeWebSocketTransport({ url, subprotocols: ['wamp.2.json'], wsOptions: { headers: { cookie: 'sid=s%201; theme=dark', 'x-request-id': 'r-42' } } }),
      { realm: 'shop', authid: 'alice', auth: ticket('a-secret') },
    );
    await session.call('com.shop.whoami');
    const t = seen[0]!.caller.transport!;
    expect(t.cookies).toEqual({ sid: 's 1', theme: 'dark' });
    expect(t.headers?.['x-request-id']).toBe('r-42');
    expect(t.url).toBe('/ws');
    expect(t.clientCertificate).toBeUndefined();
  });

  it('hands handlers the verified TLS client certificate (mutual TLS on an attached HTTPS server)', async () => {
    const certs = makeClientCerts();
    cleanup.add(() => certs.dispose());
    const router = createRouter({ realms: [{ name: 'realm1' }], listeners: [], heartbeatMs: 0 }, { logger: quietLogger() });
    cleanup.add(() => router.close());
    const server = createHttpsServer({ cert: readFileSync(TLS_CERT_FILE), key: readFileSync(TLS_KEY_FILE), ca: certs.ca.cert, requestCert: true, rejectUnauthorized: false });
    router.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const seen: CallContext[] = [];
    await router.realm('realm1').mount(new RouteSet().procedure('com.app.who', (_a, _k, ctx) => void seen.push(ctx)));
    const url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
    for (const client of [certs.alice, certs.rogue]) {
      const { session } = await joinSession(
        cleanup,
        nodeWebSocketTransport({ url, subprotocols: ['wamp.2.json'], wsOptions: { ca: TLS_CA, cert: client.cert, key: client.key } }),
        { realm: 'realm1' },
      );
      await session.call('com.app.who');
      await session.leave();
    }
    const [alice, rogue] = seen.map((c) => c.caller.transport!);
    expect(alice!.clientCertificate?.subject['CN']).toBe('alice');
    expect(alice!.tls?.authorized).toBe(true);
    expect(alice!.peer).toMatch(/^tls:tcp4:127\.0\.0\.1:\d+$/);
    // Presented but not verifiable: only in `tls`, never as the verified certificate.
    expect(rogue!.clientCertificate).toBeUndefined();
    expect(rogue!.tls).toMatchObject({ authorized: false, certificate: { subject: { CN: 'mallory' } } });
  });

  it('checks typed arguments (by name or position) after the middleware, and streams progressive results through it', async () => {
    const router = await start();
    const log: string[] = [];
    await router.realm('shop').mount(shopRoutes(log, []));
    const { session } = await as(router, 'alice');
    expect((await session.call('com.shop.add', [2, 3])).value).toBe(5);
    expect((await session.call('com.shop.add', [], { a: 4, b: 5 })).value).toBe(9);
    await expect(session.call('com.shop.add', ['x', 3])).rejects.toMatchObject({ uri: 'wamp.error.invalid_argument' });
    expect(log.filter((l) => l === '> com.shop.add')).toHaveLength(3);

    const parts: { value: unknown; progress: boolean }[] = [];
    for await (const p of session.callProgressive('com.shop.countdown', [3])) parts.push({ value: p.value, progress: p.progress });
    expect(parts).toEqual([
      { value: 3, progress: true },
      { value: 2, progress: true },
      { value: 1, progress: true },
      { value: 'done', progress: false },
    ]);
  });

  it('unmounts: the procedures are gone', async () => {
    const router = await start();
    const mounted = await router.realm('shop').mount(shopRoutes([], []));
    const { session } = await as(router, 'alice');
    await mounted.unmount();
    await expect(session.call('com.shop.whoami')).rejects.toMatchObject({ uri: 'wamp.error.no_such_procedure' });
  });
});

describe('the same route set from another process, through a client session', () => {
  it('registers as a callee; handlers see what the router discloses', async () => {
    const router = await start();
    const { session: svc } = await as(router, 'svc', RS);
    const seen: CallContext[] = [];
    const mounted = await mountRoutes(svc, shopRoutes([], seen));
    expect(mounted.registrations).toHaveLength(4);

    // The role of root allows disclosure: the route set learns the caller.
    const { session: root } = await as(router, 'root');
    expect((await root.call('com.shop.whoami')).value).toEqual({ authid: 'root', authrole: 'admin', session: root.id });
    expect((await root.call('com.shop.admin.reset')).value).toBe('reset');
    expect((await root.call('com.shop.add', [1, 2])).value).toBe(3);

    // alice's role denies disclosure: a remote callee does not learn who she is, so the admin check refuses.
    const { session: alice } = await as(router, 'alice');
    // (the callee's serializer leaves the undefined fields out, as JSON does)
    const anonymous = (await alice.call('com.shop.whoami')).value as Record<string, unknown>;
    expect(Object.keys(anonymous)).toEqual([]);
    await expect(alice.call('com.shop.admin.reset')).rejects.toMatchObject({ uri: 'com.shop.error.forbidden' });
    expect(seen.at(-1)!.caller.transport).toBeUndefined();
  });

  it("with lookup 'meta', asks wamp.session.get for the caller's transport", async () => {
    const router = await start();
    const { session: svc } = await as(router, 'svc', RS);
    const seen: CallContext[] = [];
    await mountRoutes(svc, shopRoutes([], seen), { lookup: 'meta' });
    const { session: root } = await as(router, 'root');
    await root.call('com.shop.whoami');
    expect(seen[0]!.caller).toMatchObject({ session: root.id, authid: 'root', authmethod: 'ticket', transport: { type: 'websocket' } });
  });
});

describe('topic routes, subscription hooks and sending to one session', () => {
  it('runs topic handlers through middleware; typed events that do not fit are dropped with a warning', async () => {
    const router = await start();
    const got: unknown[] = [];
    const warnings: string[] = [];
    const order = topic({ uri: 'com.shop.order', kwargs: v.object({ sku: v.string(), qty: v.number() }) });
    const routes = new RouteSet()
      .use((ctx, next) => {
        if (ctx.kind === 'event' && ctx.kwargs['qty'] === 0) throw new WampError('com.shop.error.empty');
        return next();
      })
      .topic(order, (_args, { sku, qty }, ctx) => void got.push({ sku, qty, publisher: ctx.publisher.authid }));
    const { session: svc } = await as(router, 'svc', RS, warnings);
    await mountRoutes(svc, routes);
    const { session: alice } = await as(router, 'alice');
    await alice.publish('com.shop.order', [], { sku: 'a1', qty: 0 }, { acknowledge: true });
    await alice.publish('com.shop.order', [], { sku: 'a1', qty: 'many' }, { acknowledge: true });
    await alice.publish('com.shop.order', [], { sku: 'a1', qty: 2 }, { acknowledge: true, discloseMe: true });
    await waitFor(() => got.length === 1 && warnings.length === 2, 'one event handled, two dropped');
    expect(got).toEqual([{ sku: 'a1', qty: 2, publisher: 'alice' }]);
    expect(warnings[0]).toMatch(/dropped by route com\.shop\.order: com\.shop\.error\.empty/);
    expect(warnings[1]).toMatch(/kwargs\.qty/);
  });

  it('calls onSubscribe and onUnsubscribe per topic pattern (also when the session leaves) and sends to one session', async () => {
    const router = await start();
    const events: string[] = [];
    const ctxs: SessionContext[] = [];
    const routes = new RouteSet({ prefix: 'com.shop.' })
      .onSubscribe(
        'stock.',
        async (s, t) => {
          events.push(`sub ${s.authid} ${t}`);
          ctxs.push(s);
          await s.send([`welcome to ${t}`]);
        },
        { match: 'prefix' },
      )
      .onUnsubscribe('stock.', (s, t) => void events.push(`unsub ${s.authid} ${t}`), { match: 'prefix' })
      .onSubscribe('news', (s) => void events.push(`news ${s.authid}`));
    await router.realm('shop').mount(routes);

    const { session: alice } = await as(router, 'alice');
    const { session: root } = await as(router, 'root', RS);
    const aliceGot: unknown[] = [];
    const rootGot: unknown[] = [];
    const sub = await alice.subscribe('com.shop.stock.apples', (args) => void aliceGot.push(args[0]));
    await root.subscribe('com.shop.stock.apples', (args) => void rootGot.push(args[0]));
    await root.subscribe('com.shop.other', () => undefined);
    await waitFor(() => aliceGot.length === 1 && rootGot.length === 1, 'each subscriber greeted');
    // Each greeting went to its own subscriber alone.
    expect(aliceGot).toEqual(['welcome to com.shop.stock.apples']);
    expect(rootGot).toEqual(['welcome to com.shop.stock.apples']);
    expect(ctxs[0]).toMatchObject({ session: alice.id, authid: 'alice', authextra: { tier: 'gold' }, transport: { type: 'websocket' } });

    await sub.unsubscribe();
    await waitFor(() => events.includes('unsub alice com.shop.stock.apples'), 'unsubscribe hook');
    await root.leave();
    await waitFor(() => events.includes('unsub root com.shop.stock.apples'), 'unsubscribe hook on leave');
    expect(events).toEqual([
      'sub alice com.shop.stock.apples',
      'sub root com.shop.stock.apples',
      'unsub alice com.shop.stock.apples',
      'unsub root com.shop.stock.apples',
    ]);
  });

  it('subscription hooks work from a remote mount too (with permission for the subscription meta events)', async () => {
    const router = await start();
    const { session: svc } = await as(router, 'svc', RS);
    const events: string[] = [];
    const mounted = await mountRoutes(
      svc,
      new RouteSet()
        .onSubscribe('com.shop..price', async (s, t) => {
          events.push(`sub ${String(s.session)} ${t}`);
          await s.send([42]);
        }, { match: 'wildcard' })
        .onUnsubscribe('com.shop..price', (s, t) => void events.push(`unsub ${String(s.session)} ${t}`), { match: 'wildcard' }),
    );
    const { session: root } = await as(router, 'root');
    const got = deferred<unknown>();
    await root.subscribe('com.shop.pears.price', (args) => got.resolve(args[0]));
    await root.subscribe('com.shop.pears.stock', () => undefined);
    expect(await got.promise).toBe(42);
    await root.leave();
    await waitFor(() => events.length === 2, 'both hooks');
    expect(events).toEqual([`sub ${root.id} com.shop.pears.price`, `unsub ${root.id} com.shop.pears.price`]);
    await mounted.unmount();
    expect(mounted.subscriptions.every((s) => !s.active)).toBe(true);
  });

  it('RealmApi.sendTo publishes to one session only', async () => {
    const router = await start();
    const { session: a } = await as(router, 'alice');
    const { session: b } = await as(router, 'root');
    const gotA = deferred<unknown>();
    const gotB: unknown[] = [];
    await a.subscribe('com.shop.note', (args) => gotA.resolve(args[0]));
    await b.subscribe('com.shop.note', (args) => void gotB.push(args[0]));
    await router.realm('shop').sendTo(a.id, 'com.shop.note', ['for alice'], {}, { acknowledge: true });
    await router.realm('shop').publish('com.shop.note', ['for all'], {}, { acknowledge: true });
    expect(await gotA.promise).toBe('for alice');
    await waitFor(() => gotB.length === 1, 'the broadcast');
    expect(gotB).toEqual(['for all']);
  });

  it('matches hook patterns as WAMP pattern subscriptions do', () => {
    expect(matchesPattern('a.b', 'exact', 'a.b')).toBe(true);
    expect(matchesPattern('a.b', 'exact', 'a.b.c')).toBe(false);
    expect(matchesPattern('a.b', 'prefix', 'a.b.c')).toBe(true);
    expect(matchesPattern('a..c', 'wildcard', 'a.x.c')).toBe(true);
    expect(matchesPattern('a..c', 'wildcard', 'a.x.y.c')).toBe(false);
  });
});


describe('README examples', () => {
  it('packages/client/README.md: the route set example runs as written and prints what its comments say', async () => {
    const printed = await runReadmeBlock(cleanup, '../../client/README.md', 'routes-example');
    expect(printed).toEqual([
      'hello Ada (anonymous)',
      '2',
      '1',
      'liftoff',
      'welcome to the chat',
      'chat from a disclosed session: hi',
      'hello Grace (anonymous)',
    ]);
  });

  it('packages/node-router/README.md: the mount example runs as written and prints what its comments say', async () => {
    const printed = await runReadmeBlock(cleanup, '../README.md', 'mount-example');
    expect(printed.slice(0, 3)).toEqual(['com.shop.error.login_first', 'anonymous on websocket from 127.0.0.1', 'com.shop.stock.apples: 12 left']);
    expect(printed[3]).toMatch(/^session \d+ left com\.shop\.stock\.apples$/);
    expect(printed).toHaveLength(4);
  });
});
