// The router as a cluster: three Router nodes on the in-memory bus of
// harness/cluster-net.ts, on a virtual clock. Sessions of each scenario sit on
// different nodes; the cluster must behave as one router.

import { describe, expect, it } from 'vitest';
import {
  authenticate,
  hello,
  ErrorUri,
  MessageType,
  call,
  cancel,
  claimKey,
  error,
  publish,
  register,
  subscribe,
  unregister,
  yield_,
} from '@wamp/core';
import { ClusterNet } from './harness/cluster-net.js';
import { FULL_ROLES, type TestClient } from './harness/router-net.js';

const OPEN = { realms: [{ name: 'realm1' }] };

describe('cluster: RPC across nodes', () => {
  it('a CALL on one node reaches a callee on another, with caller disclosure and the result back', () => {
    const net = new ClusterNet(OPEN, { maxDelay: 3 });
    const callee = net.join('a');
    const caller = net.join('b');
    const reg = callee.register('com.add', { disclose_caller: true });
    caller.send(call(caller.req(), 'com.add', { args: [2, 3] }));
    const inv = callee.one();
    expect(inv).toMatchObject({ type: MessageType.INVOCATION, registration: reg, args: [2, 3] });
    expect((inv as { details: Record<string, unknown> }).details).toMatchObject({ caller: caller.sessionId });
    callee.send(yield_((inv as { request: number }).request, { args: [5] }));
    expect(caller.one()).toMatchObject({ type: MessageType.RESULT, request: 1, args: [5] });
  });

  it('REGISTERED means every node routes calls: a call from any node right after it finds the callee', () => {
    const net = new ClusterNet(OPEN, { maxDelay: 5 });
    const callee = net.join('a');
    const callers = [net.join('b'), net.join('c')];
    callee.register('com.now');
    for (const c of callers) {
      c.send(call(c.req(), 'com.now'));
      expect(c.inbox.filter((m) => m.type === MessageType.ERROR)).toEqual([]);
    }
    const invs = callee.take();
    expect(invs.map((m) => m.type)).toEqual([MessageType.INVOCATION, MessageType.INVOCATION]);
  });

  it('a single registration is unique cluster-wide, decided by the store, and free again when its callee leaves', () => {
    const net = new ClusterNet(OPEN, { maxDelay: 2 });
    const x = net.join('a');
    const y = net.join('b');
    // Both REGISTERs are sent before either node hears of the other's: the store decides.
    const rx = x.req();
    const ry = y.req();
    x.session.handleMessage(JSON.stringify([64, rx, {}, 'com.only']), net.now);
    y.session.handleMessage(JSON.stringify([64, ry, {}, 'com.only']), net.now);
    net.flush();
    const answers = [x.one(), y.one()];
    expect(answers.filter((m) => m.type === MessageType.REGISTERED)).toHaveLength(1);
    expect(answers.filter((m) => m.type === MessageType.ERROR && m.error === ErrorUri.PROCEDURE_ALREADY_EXISTS)).toHaveLength(1);
    expect(net.store.has(claimKey('realm1', 'com.only', 'exact'))).toBe(true);
    const winner = answers[0]!.type === MessageType.REGISTERED ? x : y;
    const loser = winner === x ? y : x;
    winner.dropTransport();
    expect(net.store.has(claimKey('realm1', 'com.only', 'exact'))).toBe(false);
    loser.register('com.only');
  });

  it('shared registrations: one callee order on every node (first, last) and round-robin over all callees', () => {
    const net = new ClusterNet(OPEN, { maxDelay: 2 });
    const ca = net.join('a');
    net.advance(1);
    const cb = net.join('b');
    net.advance(1);
    const cc = net.join('c');
    for (const [c, policy] of [
      [ca, 'first'],
      [cb, 'first'],
      [cc, 'first'],
    ] as const) {
      c.register('com.first', { invoke: policy });
      net.advance(1);
    }
    for (const c of [ca, cb, cc]) c.register('com.rr', { invoke: 'roundrobin' });
    for (const c of [ca, cb, cc]) c.register('com.last', { invoke: 'last' });
    const callerOn = { a: net.join('a'), b: net.join('b'), c: net.join('c') };
    for (const caller of Object.values(callerOn)) {
      caller.send(call(caller.req(), 'com.first'));
      caller.send(call(caller.req(), 'com.last'));
    }
    expect(ca.takeType(MessageType.INVOCATION)).toHaveLength(3);
    expect(cc.takeType(MessageType.INVOCATION)).toHaveLength(3);
    expect(cb.takeType(MessageType.INVOCATION)).toHaveLength(0);
    for (let i = 0; i < 6; i++) callerOn.a.send(call(callerOn.a.req(), 'com.rr'));
    expect([ca, cb, cc].map((c) => c.takeType(MessageType.INVOCATION).length)).toEqual([2, 2, 2]);
  });

  it('exact beats prefix beats wildcard across nodes', () => {
    const net = new ClusterNet(OPEN);
    const wild = net.join('a');
    const pre = net.join('b');
    const exact = net.join('c');
    wild.register('com..get', { match: 'wildcard' });
    pre.register('com.users', { match: 'prefix' });
    const caller = net.join('a');
    caller.send(call(caller.req(), 'com.users.get'));
    expect(pre.takeType(MessageType.INVOCATION)).toHaveLength(1);
    exact.register('com.users.get');
    caller.send(call(caller.req(), 'com.users.get'));
    expect(exact.takeType(MessageType.INVOCATION)).toHaveLength(1);
    caller.send(call(caller.req(), 'com.orders.get'));
    expect(wild.takeType(MessageType.INVOCATION)).toHaveLength(1);
  });

  it('progressive results, progressive invocations, cancel kill with INTERRUPT and the call timeout cross nodes', () => {
    const net = new ClusterNet(OPEN, { maxDelay: 2 });
    const callee = net.join('a');
    const caller = net.join('c');
    callee.register('com.stream');
    // progressive results
    const r1 = caller.req();
    caller.send(call(r1, 'com.stream', {}, { receive_progress: true }));
    const inv = callee.one() as { request: number; details: Record<string, unknown> };
    expect(inv.details['receive_progress']).toBe(true);
    callee.send(yield_(inv.request, { args: [1] }, { progress: true }));
    callee.send(yield_(inv.request, { args: [2] }, { progress: true }));
    callee.send(yield_(inv.request, { args: [3] }));
    expect(caller.take().map((m) => [(m as { args: unknown[] }).args[0], (m as { details: Record<string, unknown> }).details['progress'] ?? false])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    // progressive invocations
    const r2 = caller.req();
    caller.send(call(r2, 'com.stream', { args: ['a'] }, { progress: true }));
    caller.send(call(r2, 'com.stream', { args: ['b'] }, { progress: true }));
    caller.send(call(r2, 'com.stream', { args: ['c'] }));
    const parts = callee.take() as { request: number; args: unknown[] }[];
    expect(parts.map((m) => m.args[0])).toEqual(['a', 'b', 'c']);
    expect(new Set(parts.map((m) => m.request)).size).toBe(1);
    callee.send(yield_(parts[0]!.request, { args: ['done'] }));
    expect(caller.one()).toMatchObject({ type: MessageType.RESULT, request: r2, args: ['done'] });
    // cancel kill: INTERRUPT to the callee, the callee's ERROR answers the caller
    const r3 = caller.req();
    caller.send(call(r3, 'com.stream'));
    const inv3 = callee.one() as { request: number };
    caller.send(cancel(r3, { mode: 'kill' }));
    expect(callee.one()).toMatchObject({ type: MessageType.INTERRUPT, request: inv3.request });
    callee.send(error(MessageType.INVOCATION, inv3.request, ErrorUri.CANCELED));
    expect(caller.one()).toMatchObject({ type: MessageType.ERROR, request: r3, error: ErrorUri.CANCELED });
    // router-side timeout, kept by the caller's node
    const r4 = caller.req();
    caller.send(call(r4, 'com.stream', {}, { timeout: 50 }));
    const inv4 = callee.one() as { request: number };
    net.advance(60);
    expect(caller.one()).toMatchObject({ type: MessageType.ERROR, request: r4, error: ErrorUri.TIMEOUT });
    expect(callee.one()).toMatchObject({ type: MessageType.INTERRUPT, request: inv4.request });
    // a late answer is dropped without harm
    callee.send(yield_(inv4.request));
    expect(caller.take()).toEqual([]);
  });

  it('a caller leaving interrupts its call on the other node; a callee leaving answers its callers', () => {
    const net = new ClusterNet(OPEN);
    const callee = net.join('a');
    const caller = net.join('b');
    callee.register('com.slow');
    caller.send(call(caller.req(), 'com.slow'));
    const inv = callee.one() as { request: number };
    caller.dropTransport();
    expect(callee.one()).toMatchObject({ type: MessageType.INTERRUPT, request: inv.request, options: { mode: 'killnowait' } });
    const caller2 = net.join('c');
    caller2.send(call(caller2.req(), 'com.slow'));
    callee.one();
    callee.dropTransport();
    expect(caller2.one()).toMatchObject({ type: MessageType.ERROR, error: ErrorUri.CANCELED });
  });
});

describe('cluster: PubSub across nodes', () => {
  it('an event reaches each matching subscriber on every node exactly once, in the publisher order', () => {
    const net = new ClusterNet(OPEN, { maxDelay: 4 });
    const pub = net.join('a');
    const subs = [net.join('a'), net.join('b'), net.join('c'), net.join('c')];
    for (const s of subs) s.subscribe('com.t');
    const prefix = net.join('b');
    prefix.subscribe('com', { match: 'prefix' });
    const wild = net.join('c');
    wild.subscribe('com.', { match: 'wildcard' });
    for (let i = 0; i < 20; i++) pub.send(publish(pub.req(), 'com.t', { args: [i] }));
    for (const s of [...subs, prefix, wild]) {
      const got = s.take().map((m) => (m as { args: number[] }).args[0]);
      expect(got).toEqual([...Array(20).keys()]);
    }
  });

  it('a topic and match have one subscription ID on every node, and the meta API agrees', () => {
    const net = new ClusterNet(OPEN);
    const ids = ['a', 'b', 'c'].map((n) => net.join(n).subscribe('com.same'));
    expect(new Set(ids).size).toBe(1);
    for (const n of ['a', 'b', 'c']) {
      const c = net.join(n);
      expect(c.call('wamp.subscription.lookup', ['com.same'])).toMatchObject({ args: [ids[0]] });
      expect(c.call('wamp.subscription.count_subscribers', [ids[0]])).toMatchObject({ args: [3] });
    }
  });

  it('routing is interest-based: a node without a matching subscription receives no event', () => {
    const net = new ClusterNet(OPEN);
    const pub = net.join('a');
    net.join('b').subscribe('com.x');
    // A string-prefix subscription that a token-based scheme would miss: "com.a" matches "com.ab.c".
    net.join('c').subscribe('com.a', { match: 'prefix' });
    net.delivered.clear();
    pub.send(publish(pub.req(), 'com.x', { args: [1] }));
    pub.send(publish(pub.req(), 'com.ab.c', { args: [2] }));
    pub.send(publish(pub.req(), 'org.none', { args: [3] }));
    const events = (n: string): unknown[] =>
      (net.delivered.get(n) ?? []).flatMap((e) => (e.m.t === 'event' ? [e.m.args?.[0]] : []));
    expect(events('b')).toEqual([1]);
    expect(events('c')).toEqual([2]);
  });

  it('exclude_me, exclusion and eligibility by session, authid and authrole, disclosure and acknowledge across nodes', () => {
    const net = new ClusterNet(OPEN);
    const pub = net.join('a');
    const s1 = net.join('b', { details: { authid: 'x' } });
    const s2 = net.join('c');
    pub.subscribe('com.t');
    s1.subscribe('com.t');
    s2.subscribe('com.t');
    const r = pub.req();
    pub.send(publish(r, 'com.t', { args: ['all'] }, { acknowledge: true, disclose_me: true }));
    expect(pub.one()).toMatchObject({ type: MessageType.PUBLISHED, request: r });
    expect(s1.one()).toMatchObject({ args: ['all'], details: { publisher: pub.sessionId } });
    expect(s2.one()).toMatchObject({ args: ['all'] });
    pub.send(publish(pub.req(), 'com.t', { args: ['me too'] }, { exclude_me: false, exclude: [s2.sessionId] }));
    expect(pub.one()).toMatchObject({ args: ['me too'] });
    expect(s1.one()).toMatchObject({ args: ['me too'] });
    expect(s2.take()).toEqual([]);
    pub.send(publish(pub.req(), 'com.t', { args: ['eligible'] }, { eligible: [s2.sessionId] }));
    expect(s1.take()).toEqual([]);
    expect(s2.one()).toMatchObject({ args: ['eligible'] });
  });

  it('retained events are kept in the cluster: a later subscriber on another node gets them', () => {
    const net = new ClusterNet(OPEN);
    const pub = net.join('a');
    pub.send(publish(pub.req(), 'com.state', { args: ['on'] }, { retain: true }));
    const late = net.join('c');
    const r = late.req();
    late.send(subscribe(r, 'com.state', { get_retained: true }));
    const got = late.take();
    expect(got[0]).toMatchObject({ type: MessageType.SUBSCRIBED });
    expect(got[1]).toMatchObject({ type: MessageType.EVENT, args: ['on'], details: { retained: true } });
  });

  it('no event is lost between SUBSCRIBED and the first publication on another node', () => {
    const net = new ClusterNet(OPEN, { maxDelay: 10 });
    const pub = net.join('a');
    const sub = net.join('b');
    sub.subscribe('com.first');
    pub.send(publish(pub.req(), 'com.first', { args: ['x'] }));
    expect(sub.one()).toMatchObject({ type: MessageType.EVENT, args: ['x'] });
  });
});

describe('cluster: meta API and meta events', () => {
  it('sessions, registrations and subscriptions are answered for the whole cluster, the same on every node', () => {
    const net = new ClusterNet(OPEN, { maxDelay: 3 });
    const clients = [net.join('a'), net.join('b'), net.join('c')];
    clients[0]!.register('com.p', { invoke: 'roundrobin' });
    clients[1]!.register('com.p', { invoke: 'roundrobin' });
    clients[2]!.subscribe('com.t');
    const answers = clients.map((c) => ({
      count: c.call('wamp.session.count'),
      list: (c.call('wamp.session.list') as { args: number[][] }).args[0]!.slice().sort(),
      reg: c.call('wamp.registration.lookup', ['com.p']),
      callees: (c.call('wamp.registration.list_callees', [(c.call('wamp.registration.lookup', ['com.p']) as { args: number[] }).args[0]]) as { args: number[][] }).args[0]!.slice().sort(),
    }));
    expect(answers[0]!.count).toMatchObject({ args: [3] });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    const views = net.views();
    expect(views['b']).toEqual(views['a']);
    expect(views['c']).toEqual(views['a']);
  });

  it('meta events reach subscribers on every node exactly once, whichever node made the change', () => {
    const net = new ClusterNet(OPEN, { maxDelay: 3 });
    const watchers = ['a', 'b', 'c'].map((n) => net.join(n));
    for (const w of watchers) {
      w.subscribe('wamp.session.on_join');
      w.subscribe('wamp.session.on_leave');
      w.subscribe('wamp.registration.on_register');
    }
    const x = net.join('b');
    x.register('com.meta');
    x.dropTransport();
    for (const w of watchers) {
      const got = w.take().map((m) => (m as { args: unknown[] }).args);
      expect(got).toHaveLength(3);
      expect((got[0]![0] as { session: number }).session).toBe(x.sessionId);
      expect(got[1]).toEqual([x.sessionId, expect.any(Number)]);
      expect(got[2]![0]).toBe(x.sessionId);
    }
  });

  it('wamp.session.kill and kill_by_authrole reach sessions on other nodes', () => {
    const net = new ClusterNet(OPEN);
    const admin = net.join('a');
    const victim = net.join('b');
    const others = [net.join('c'), net.join('b')];
    expect(admin.call('wamp.session.kill', [victim.sessionId])).toMatchObject({ type: MessageType.RESULT });
    expect(victim.take().pop()).toMatchObject({ type: MessageType.GOODBYE, reason: ErrorUri.CLOSE_KILLED });
    const r = admin.call('wamp.session.kill_by_authrole', ['anonymous']);
    expect(r).toMatchObject({ type: MessageType.RESULT, args: [2] });
    for (const o of others) expect(o.take().pop()).toMatchObject({ type: MessageType.GOODBYE });
  });
});

describe('cluster: authentication', () => {
  it('authentication and authorization decide the same on every node (the same configuration runs on each)', () => {
    const config = {
      realms: [
        {
          name: 'realm1',
          auth: {
            ticket: {
              type: 'static',
              principals: { joe: { ticket: 'j', authrole: 'backend' }, ann: { ticket: 'a', authrole: 'frontend' } },
            },
          },
          roles: [
            { name: 'backend', permissions: [{ uri: 'com', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } }] },
            { name: 'frontend', permissions: [{ uri: 'com.public', match: 'prefix', allow: { call: true }, disclose: { caller: 'force' } }] },
          ],
        },
      ],
    };
    const net = new ClusterNet(config);
    const login = (node: string, authid: string, ticket: string): TestClient => {
      const c = net.connect(node);
      c.send(hello('realm1', { roles: FULL_ROLES, authmethods: ['ticket'], authid }));
      expect(c.one()).toMatchObject({ type: MessageType.CHALLENGE });
      c.send(authenticate(ticket));
      const w = c.one();
      if (w.type === MessageType.WELCOME) c.sessionId = w.session;
      return c;
    };
    const backend = login('a', 'joe', 'j');
    backend.register('com.public.hello', { disclose_caller: true });
    backend.register('com.private.reset');
    for (const node of ['b', 'c']) {
      const ann = login(node, 'ann', 'a');
      ann.send(call(ann.req(), 'com.public.hello'));
      const inv = backend.one() as { request: number; details: Record<string, unknown> };
      expect(inv.details).toMatchObject({ caller: ann.sessionId, caller_authid: 'ann', caller_authrole: 'frontend' });
      backend.send(yield_(inv.request));
      expect(ann.one()).toMatchObject({ type: MessageType.RESULT });
      ann.send(call(ann.req(), 'com.private.reset'));
      expect(ann.one()).toMatchObject({ type: MessageType.ERROR, error: ErrorUri.NOT_AUTHORIZED });
      expect(backend.take()).toEqual([]);
      const wrong = net.connect(node);
      wrong.send(hello('realm1', { roles: FULL_ROLES, authmethods: ['ticket'], authid: 'ann' }));
      wrong.one();
      wrong.send(authenticate('not the ticket'));
      expect(wrong.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.AUTHENTICATION_FAILED });
    }
  });

  it('a dynamic authenticator registered as a procedure on one node authenticates sessions on every node', () => {
    const net = new ClusterNet({ realms: [{ name: 'realm1', auth: { ticket: { type: 'procedure', procedure: 'com.example.authenticate' } } }] }, { maxDelay: 2 });
    const authenticator = net.connect('a', undefined, { transport: 'internal', authid: 'auth', authrole: 'authenticator', trusted: true });
    authenticator.send(hello('realm1', { roles: FULL_ROLES }));
    expect(authenticator.one().type).toBe(MessageType.WELCOME);
    authenticator.send(register(authenticator.req(), 'com.example.authenticate'));
    expect(authenticator.one().type).toBe(MessageType.REGISTERED);
    for (const node of ['b', 'c']) {
      const c = net.connect(node);
      c.send(hello('realm1', { roles: FULL_ROLES, authmethods: ['ticket'], authid: 'joe' }));
      expect(c.one()).toMatchObject({ type: MessageType.CHALLENGE, authMethod: 'ticket' });
      c.send(authenticate('secret'));
      const inv = authenticator.one() as { request: number; args: unknown[] };
      expect(inv.args.slice(0, 2)).toEqual(['realm1', 'joe']);
      authenticator.send(yield_(inv.request, { args: [{ role: 'user' }] }));
      expect(c.one()).toMatchObject({ type: MessageType.WELCOME, details: { authid: 'joe', authrole: 'user', authprovider: 'dynamic' } });
    }
  });
});

describe('cluster: faults', () => {
  it('a crashed node is noticed within 3 s: its callees and subscribers go, calls in flight fail, on_leave fires, testaments are published, single registrations are free', () => {
    const net = new ClusterNet(OPEN, { maxDelay: 2 });
    const watcher = net.join('a');
    watcher.subscribe('wamp.session.on_leave');
    watcher.subscribe('com.will');
    const doomed = net.join('b');
    doomed.register('com.only');
    doomed.subscribe('com.t');
    expect(doomed.call('wamp.session.add_testament', ['com.will', ['bye']])).toMatchObject({ type: MessageType.RESULT });
    const caller = net.join('c');
    const r = caller.req();
    caller.send(call(r, 'com.only'));
    expect(doomed.one()).toMatchObject({ type: MessageType.INVOCATION });
    const crashedAt = net.now;
    net.crash('b');
    net.advance(3000);
    expect(caller.one()).toMatchObject({ type: MessageType.ERROR, request: r, error: ErrorUri.CANCELED });
    const events = watcher.take() as { args: unknown[]; details: Record<string, unknown> }[];
    expect(events.map((e) => e.args[0])).toEqual(['bye', doomed.sessionId]);
    const warnings = net.takeEvents('a', 'warning').filter((w) => w.code === 'cluster');
    expect(warnings.length).toBeGreaterThan(0);
    expect(net.now - crashedAt).toBeLessThanOrEqual(3000);
    for (const n of ['a', 'c']) {
      const view = net.router(n).inspect('realm1')!;
      expect(view.sessions).not.toContain(doomed.sessionId);
      expect(view.registrations).toEqual([]);
      expect(view.subscriptions.map((s) => s.uri).sort()).toEqual(['com.will', 'wamp.session.on_leave']);
    }
    net.join('c').register('com.only');
  });

  it('a single registration of a lost node is free again, even where the claim outlived the loss (the store answers late)', () => {
    const net = new ClusterNet(OPEN);
    net.join('b').register('com.once');
    // b restarts at once: the others see its new life before the old one timed out.
    net.crash('b');
    net.start('b');
    net.flush();
    net.join('c').register('com.once');
    expect(net.store.get(claimKey('realm1', 'com.once', 'exact'))?.node).toBe('c');
    // A node that is gone, whose claim no one has removed yet (as when the leader's delete is still on its way):
    net.start('z');
    net.flush();
    net.crash('z');
    net.advance(3000);
    net.store.set(claimKey('realm1', 'com.late', 'exact'), { node: 'z', inc: 1, invoke: 'single' });
    net.join('a').register('com.late');
    expect(net.store.get(claimKey('realm1', 'com.late', 'exact'))?.node).toBe('a');
    // A claim of a node never heard of is respected (it may be alive and not yet known).
    net.store.set(claimKey('realm1', 'com.unknown', 'exact'), { node: 'y', inc: 1, invoke: 'single' });
    const c = net.join('c');
    c.send(register(c.req(), 'com.unknown'));
    expect(c.one()).toMatchObject({ type: MessageType.ERROR, error: ErrorUri.PROCEDURE_ALREADY_EXISTS });
  });

  it('a restarted node rejoins under a new incarnation and learns the cluster state', () => {
    const net = new ClusterNet(OPEN);
    const callee = net.join('a');
    callee.register('com.up');
    net.crash('c');
    net.advance(3000);
    net.start('c');
    net.flush();
    const caller = net.join('c');
    caller.send(call(caller.req(), 'com.up', { args: [1] }));
    const inv = callee.one() as { request: number };
    callee.send(yield_(inv.request, { args: ['hi'] }));
    expect(caller.one()).toMatchObject({ type: MessageType.RESULT, args: ['hi'] });
  });

  it('a large state crosses in parts: a node that restarts learns 450 sessions of another', () => {
    const net = new ClusterNet(OPEN);
    const many = Array.from({ length: 450 }, () => net.join('a'));
    many[449]!.register('com.last');
    net.crash('c');
    net.advance(3000);
    net.delivered.clear();
    net.start('c');
    net.flush();
    const parts = (net.delivered.get('c') ?? []).filter((e) => e.from === 'a' && e.m.t === 'sync');
    expect(parts.length).toBe(3);
    expect(parts.map((e) => (e.m as { more?: boolean }).more === true)).toEqual([true, true, false]);
    expect(net.router('c').inspect('realm1')!.sessions.length).toBe(450);
    const caller = net.join('c');
    caller.send(call(caller.req(), 'com.last'));
    expect(many[449]!.one()).toMatchObject({ type: MessageType.INVOCATION });
  });

  it('a bus outage: calls to other nodes fail at once, local work goes on, and state is resynchronised after', () => {
    const net = new ClusterNet(OPEN);
    const callee = net.join('a');
    const local = net.join('b');
    callee.register('com.remote');
    local.register('com.local');
    const caller = net.join('b');
    caller.send(call(caller.req(), 'com.remote'));
    callee.one();
    net.busState('b', false);
    expect(caller.one()).toMatchObject({ type: MessageType.ERROR, error: ErrorUri.CANCELED });
    caller.send(call(caller.req(), 'com.remote'));
    expect(caller.one()).toMatchObject({ type: MessageType.ERROR, error: ErrorUri.NO_AVAILABLE_CALLEE });
    caller.send(call(caller.req(), 'com.local'));
    expect(local.one()).toMatchObject({ type: MessageType.INVOCATION });
    net.busState('b', true);
    caller.send(call(caller.req(), 'com.remote'));
    expect(callee.take().filter((m) => m.type === MessageType.INVOCATION)).toHaveLength(1);
    const views = net.views();
    // Calls in flight are counted where their callees are; everything else agrees.
    expect({ ...views['b'], invocations: 0 }).toEqual({ ...views['a'], invocations: 0 });
  });

  it('a partition heals: nodes that gave each other up exchange state again', () => {
    const net = new ClusterNet(OPEN);
    const x = net.join('a');
    const y = net.join('b');
    x.register('com.x');
    net.partition('a', 'b');
    net.advance(3000);
    expect(net.router('b').inspect('realm1')!.registrations).toEqual([]);
    y.register('com.y');
    net.partition('a', 'b', false);
    net.advance(1000);
    const views = net.views();
    expect(views['a']).toEqual(views['b']);
    expect((views['a'] as { registrations: unknown[] }).registrations).toHaveLength(2);
  });

  it('unregister and unsubscribe are seen everywhere', () => {
    const net = new ClusterNet(OPEN);
    const c = net.join('a');
    const reg = c.register('com.gone');
    const caller = net.join('b');
    const r = c.req();
    c.send(unregister(r, reg));
    expect(c.one()).toMatchObject({ type: MessageType.UNREGISTERED });
    caller.send(call(caller.req(), 'com.gone'));
    expect(caller.one()).toMatchObject({ type: MessageType.ERROR, error: ErrorUri.NO_SUCH_PROCEDURE });
  });
});
