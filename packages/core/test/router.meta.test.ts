import { describe, expect, it } from 'vitest';
import {
  ErrorUri,
  META_PROCEDURES,
  MessageType,
  error,
  goodbye,
  isoTimestamp,
  register,
  result,
  unregister,
  unregistered,
  unsubscribe,
  unsubscribed,
  type Event,
  type Message,
} from '@wamp/core';
import { BASIC_ROLES, RouterNet, T0, type TestClient } from './harness/router-net.js';

const OPEN = { realms: [{ name: 'realm1' }] };

function value(m: Message): unknown {
  if (m.type !== MessageType.RESULT) throw new Error(`expected RESULT, got ${JSON.stringify(m)}`);
  return m.args?.[0];
}

/** The events `c` received on topic subscription `id`, as [args...]. */
function argsOn(c: TestClient, id: number): unknown[][] {
  return c
    .take()
    .filter((m): m is Event => m.type === MessageType.EVENT && m.subscription === id)
    .map((e) => [...(e.args ?? [])]);
}

describe('session meta API', () => {
  it('fires on_join and on_leave', () => {
    const net = new RouterNet(OPEN);
    const watcher = net.join();
    const joinSub = watcher.subscribe('wamp.session.on_join');
    const leaveSub = watcher.subscribe('wamp.session.on_leave');
    const c = net.join();
    const authid = c.welcome!.details['authid'];
    expect(argsOn(watcher, joinSub)).toEqual([
      [{ session: c.sessionId, authid, authrole: 'anonymous', authmethod: 'anonymous', authprovider: 'static', transport: { type: 'websocket', serializer: 'json', peer: 'test' } }],
    ]);
    c.send(goodbye(ErrorUri.CLOSE_REALM));
    expect(argsOn(watcher, leaveSub)).toEqual([[c.sessionId, authid, 'anonymous']]);
  });

  it('count, list and get, with authrole filters and no_such_session', () => {
    const net = new RouterNet({
      realms: [{ name: 'realm1', auth: { anonymous: { type: 'static', authrole: 'anonymous' }, ticket: { type: 'static', principals: { joe: { ticket: 't', authrole: 'admin' } } } } }],
    });
    const a = net.join();
    const b = net.join();
    const admin = net.joinTicket('joe', 't');
    expect(value(a.call('wamp.session.count'))).toBe(3);
    expect(value(a.call('wamp.session.count', [['admin']]))).toBe(1);
    expect((value(a.call('wamp.session.list')) as number[]).sort()).toEqual([a.sessionId, b.sessionId, admin.sessionId].sort());
    expect(value(a.call('wamp.session.list', [['anonymous']]))).toEqual(expect.arrayContaining([a.sessionId, b.sessionId]));
    expect(value(a.call('wamp.session.get', [admin.sessionId]))).toMatchObject({ session: admin.sessionId, authid: 'joe', authrole: 'admin', authmethod: 'ticket' });
    expect(a.call('wamp.session.get', [12345])).toEqual(error(MessageType.CALL, 6, ErrorUri.NO_SUCH_SESSION));
    expect(a.call('wamp.session.count', ['admin'])).toMatchObject({ type: MessageType.ERROR, error: ErrorUri.INVALID_ARGUMENT });
  });

  it('kill: GOODBYE with reason and message, revocations first, cleanup and on_leave; not oneself', () => {
    const net = new RouterNet(OPEN);
    const admin = net.join();
    const leaveSub = admin.subscribe('wamp.session.on_leave');
    const victim = net.join();
    victim.send(register(victim.req(), 'com.v'));
    const regId = (victim.take()[0] as { registration: number }).registration;
    const subId = victim.subscribe('com.t');
    expect(admin.call('wamp.session.kill', [victim.sessionId], { reason: 'com.app.bye', message: 'out' })).toEqual(result(2));
    expect(victim.take()).toEqual([
      unregistered(0, { registration: regId, reason: 'com.app.bye' }),
      unsubscribed(0, { subscription: subId, reason: 'com.app.bye' }),
      goodbye('com.app.bye', { message: 'out' }),
    ]);
    expect(victim.session.state.tag).toBe('shuttingDown');
    expect(argsOn(admin, leaveSub)).toEqual([[victim.sessionId, expect.any(String), 'anonymous']]);
    expect(net.router.inspect('realm1')).toMatchObject({ registrations: [], subscriptions: [{ uri: 'wamp.session.on_leave' }] });
    victim.send(goodbye(ErrorUri.GOODBYE_AND_OUT));
    expect(victim.closed).toMatchObject({ reason: 'com.app.bye', initiator: 'router' });
    expect(admin.call('wamp.session.kill', [admin.sessionId])).toMatchObject({ error: ErrorUri.NO_SUCH_SESSION });
    expect(admin.call('wamp.session.kill', [victim.sessionId])).toMatchObject({ error: ErrorUri.NO_SUCH_SESSION });
    const other = net.join();
    expect(admin.call('wamp.session.kill', [other.sessionId], { reason: 'not a uri!' })).toMatchObject({ error: ErrorUri.INVALID_URI });
    admin.call('wamp.session.kill', [other.sessionId]);
    expect(other.take()).toEqual([goodbye(ErrorUri.CLOSE_KILLED)]);
  });

  it('kill_by_authid, kill_by_authrole and kill_all spare the caller', () => {
    const net = new RouterNet({
      realms: [
        {
          name: 'realm1',
          auth: {
            ticket: {
              type: 'static',
              principals: { joe: { ticket: 't', authrole: 'user' }, ann: { ticket: 't', authrole: 'user' }, root: { ticket: 't', authrole: 'admin' } },
            },
          },
        },
      ],
    });
    const root = net.joinTicket('root', 't');
    const joe1 = net.joinTicket('joe', 't');
    const joe2 = net.joinTicket('joe', 't');
    const ann = net.joinTicket('ann', 't');
    const leaveSub = root.subscribe('wamp.session.on_leave');
    expect((value(root.call('wamp.session.kill_by_authid', ['joe'])) as number[]).sort()).toEqual([joe1.sessionId, joe2.sessionId].sort());
    expect(joe1.take()).toEqual([goodbye(ErrorUri.CLOSE_KILLED)]);
    expect(argsOn(root, leaveSub)).toHaveLength(2);
    const root2 = net.joinTicket('root', 't');
    expect(value(root2.call('wamp.session.kill_by_authrole', ['admin']))).toBe(1);
    expect(root.take()).toEqual([unsubscribed(0, { subscription: leaveSub, reason: ErrorUri.CLOSE_KILLED }), goodbye(ErrorUri.CLOSE_KILLED)]);
    const x = net.joinTicket('joe', 't');
    const watcher = net.joinTicket('ann', 't');
    const wsub = watcher.subscribe('wamp.session.on_leave');
    expect(value(root2.call('wamp.session.kill_all', [], { message: 'maintenance' }))).toBe(3);
    for (const c of [ann, x, watcher]) expect(c.take().pop()).toEqual(goodbye(ErrorUri.CLOSE_KILLED, { message: 'maintenance' }));
    // kill_all fires no session meta events.
    expect(argsOn(watcher, wsub)).toEqual([]);
    expect(net.router.inspect('realm1')!.sessions).toEqual([root2.sessionId]);
  });

  it('answers no_such_procedure for unknown wamp. procedures', () => {
    const net = new RouterNet(OPEN);
    const c = net.join();
    expect(c.call('wamp.nothing.here')).toEqual(error(MessageType.CALL, 1, ErrorUri.NO_SUCH_PROCEDURE));
    expect(META_PROCEDURES).toContain('wamp.session.add_testament');
  });
});

describe('registration meta API', () => {
  it('fires on_create, on_register, on_unregister, on_delete in order', () => {
    const net = new RouterNet(OPEN);
    const w = net.join();
    const ids = ['on_create', 'on_register', 'on_unregister', 'on_delete'].map((t) => w.subscribe(`wamp.registration.${t}`));
    const c = net.join();
    c.send(register(1, 'com.p', { match: 'prefix', invoke: 'roundrobin' }));
    const regId = (c.one() as { registration: number }).registration;
    c.send(unregister(2, regId));
    c.take();
    const seen = w.take().map((m) => [(m as Event).subscription, ...((m as Event).args ?? [])]);
    expect(seen).toEqual([
      [ids[0], c.sessionId, { id: regId, created: isoTimestamp(T0), uri: 'com.p', match: 'prefix', invoke: 'roundrobin' }],
      [ids[1], c.sessionId, regId],
      [ids[2], c.sessionId, regId],
      [ids[3], c.sessionId, regId],
    ]);
  });

  it('list, lookup, match, get, list_callees, count_callees', () => {
    const net = new RouterNet(OPEN);
    const a = net.join();
    const b = net.join();
    a.send(register(1, 'com.x', { invoke: 'first' }));
    const x = (a.one() as { registration: number }).registration;
    b.send(register(1, 'com.x', { invoke: 'first' }));
    b.take();
    a.send(register(2, 'com', { match: 'prefix' }));
    const p = (a.one() as { registration: number }).registration;
    a.send(register(3, 'com..z', { match: 'wildcard' }));
    const w = (a.one() as { registration: number }).registration;
    const q = net.join();
    expect(value(q.call('wamp.registration.list'))).toEqual({ exact: [x], prefix: [p], wildcard: [w] });
    expect(value(q.call('wamp.registration.lookup', ['com.x']))).toBe(x);
    expect(value(q.call('wamp.registration.lookup', ['com', { match: 'prefix' }]))).toBe(p);
    expect(value(q.call('wamp.registration.lookup', ['com.y']))).toBeNull();
    expect(value(q.call('wamp.registration.match', ['com.x']))).toBe(x);
    expect(value(q.call('wamp.registration.match', ['com.y.z']))).toBe(p);
    expect(value(q.call('wamp.registration.match', ['org.y']))).toBeNull();
    expect(value(q.call('wamp.registration.get', [x]))).toEqual({ id: x, created: isoTimestamp(T0), uri: 'com.x', match: 'exact', invoke: 'first' });
    expect(value(q.call('wamp.registration.list_callees', [x]))).toEqual([a.sessionId, b.sessionId]);
    expect(value(q.call('wamp.registration.count_callees', [x]))).toBe(2);
    for (const proc of ['wamp.registration.get', 'wamp.registration.list_callees', 'wamp.registration.count_callees']) {
      expect(q.call(proc, [999])).toMatchObject({ error: ErrorUri.NO_SUCH_REGISTRATION });
    }
  });
});

describe('subscription meta API', () => {
  it('fires on_create, on_subscribe, on_unsubscribe, on_delete in order', () => {
    const net = new RouterNet(OPEN);
    const w = net.join();
    const ids = ['on_create', 'on_subscribe', 'on_unsubscribe', 'on_delete'].map((t) => w.subscribe(`wamp.subscription.${t}`));
    w.take(); // the meta events of its own subscriptions
    const c = net.join();
    const s = c.subscribe('com.t');
    c.send(unsubscribe(c.req(), s));
    c.take();
    const seen = w.take().map((m) => [(m as Event).subscription, ...((m as Event).args ?? [])]);
    expect(seen).toEqual([
      [ids[0], c.sessionId, { id: s, created: isoTimestamp(T0), uri: 'com.t', match: 'exact' }],
      [ids[1], c.sessionId, s],
      [ids[2], c.sessionId, s],
      [ids[3], c.sessionId, s],
    ]);
  });

  it('list, lookup, match, get, list_subscribers, count_subscribers, remove_subscriber', () => {
    const net = new RouterNet(OPEN);
    const a = net.join();
    const b = net.join({ roles: BASIC_ROLES });
    const t = a.subscribe('com.t');
    b.subscribe('com.t');
    const p = a.subscribe('com', { match: 'prefix' });
    const q = net.join();
    expect(value(q.call('wamp.subscription.list'))).toEqual({ exact: [t], prefix: [p], wildcard: [] });
    expect(value(q.call('wamp.subscription.lookup', ['com.t']))).toBe(t);
    expect(value(q.call('wamp.subscription.lookup', ['com', { match: 'prefix' }]))).toBe(p);
    expect(value(q.call('wamp.subscription.match', ['com.t']))).toEqual([t, p]);
    expect(value(q.call('wamp.subscription.match', ['org.t']))).toBeNull();
    expect(value(q.call('wamp.subscription.get', [t]))).toEqual({ id: t, created: isoTimestamp(T0), uri: 'com.t', match: 'exact' });
    expect(value(q.call('wamp.subscription.list_subscribers', [t]))).toEqual([a.sessionId, b.sessionId]);
    expect(value(q.call('wamp.subscription.count_subscribers', [t]))).toBe(2);
    expect(q.call('wamp.subscription.get', [999])).toMatchObject({ error: ErrorUri.NO_SUCH_SUBSCRIPTION });
    q.call('wamp.subscription.remove_subscriber', [t, a.sessionId], { reason: 'gone' });
    expect(a.take()).toEqual([unsubscribed(0, { subscription: t, reason: 'gone' })]);
    q.call('wamp.subscription.remove_subscriber', [t, b.sessionId]);
    expect(b.take()).toEqual([]);
    expect(value(q.call('wamp.subscription.lookup', ['com.t']))).toBeNull();
  });
});

describe('testament meta API', () => {
  it('publishes testaments when the session is destroyed, detached scope first', () => {
    const net = new RouterNet(OPEN);
    const w = net.join();
    const s = w.subscribe('com.gone');
    const c = net.join();
    expect(c.call('wamp.session.add_testament', ['com.gone', ['destroyed'], { who: 1 }])).toEqual(result(1));
    expect(c.call('wamp.session.add_testament', ['com.gone', ['detached'], {}], { scope: 'detached' })).toEqual(result(2));
    c.dropTransport();
    expect(
      w.take().map((m) => {
        const e = m as Event;
        return [e.subscription, e.args, e.kwargs];
      }),
    ).toEqual([
      [s, ['detached'], undefined],
      [s, ['destroyed'], { who: 1 }],
    ]);
  });

  it('flush_testaments removes a scope; add_testament validates and authorizes the topic', () => {
    const net = new RouterNet(OPEN);
    const w = net.join();
    w.subscribe('com.gone');
    const c = net.join();
    c.call('wamp.session.add_testament', ['com.gone', [1], {}]);
    c.call('wamp.session.add_testament', ['com.gone', [2], {}], { scope: 'detached' });
    expect(c.call('wamp.session.flush_testaments', [], {})).toEqual(result(3));
    expect(c.call('wamp.session.add_testament', ['wamp.x', [], {}])).toMatchObject({ error: ErrorUri.INVALID_URI });
    expect(c.call('wamp.session.add_testament', ['com.gone', [], {}], { scope: 'forever' })).toMatchObject({ error: ErrorUri.INVALID_ARGUMENT });
    c.send(goodbye(ErrorUri.CLOSE_REALM));
    expect(w.take().map((m) => (m as Event).args)).toEqual([[2]]);
  });

  it('a killed session publishes its testament; kill_all does not', () => {
    const net = new RouterNet(OPEN);
    const w = net.join();
    w.subscribe('com.gone');
    const c = net.join();
    c.call('wamp.session.add_testament', ['com.gone', ['bye'], {}]);
    w.call('wamp.session.kill', [c.sessionId]);
    expect(w.takeType(MessageType.EVENT)).toHaveLength(1);
    const d = net.join();
    d.call('wamp.session.add_testament', ['com.gone', ['bye'], {}]);
    w.call('wamp.session.kill_all');
    expect(w.takeType(MessageType.EVENT)).toEqual([]);
  });

  it('publishes with the publish options given', () => {
    const net = new RouterNet(OPEN);
    const w = net.join();
    const s = w.subscribe('com.gone');
    const x = net.join();
    x.subscribe('com.gone');
    const c = net.join();
    c.call('wamp.session.add_testament', ['com.gone', [], {}], { publish_options: { exclude: [x.sessionId], disclose_me: true } });
    c.dropTransport();
    expect(w.take()).toEqual([expect.objectContaining({ subscription: s, details: expect.objectContaining({ publisher: c.sessionId }) })]);
    expect(x.take()).toEqual([]);
  });
});
