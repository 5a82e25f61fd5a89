import { describe, expect, it } from 'vitest';
import {
  ErrorUri,
  MessageType,
  Router,
  authenticate,
  call,
  hello,
  jsonSerializer,
  publish,
  register,
  seededRandomId,
  subscribe,
  yield_,
  type Message,
  type MessageInterceptor,
  type RouterSession,
} from '@wamp/core';
import { RouterNet } from './harness/router-net.js';

const OPEN = { realms: [{ name: 'realm1' }] };

interface Seen {
  readonly type: number;
  readonly state: string;
  readonly id: number | undefined;
  readonly realm: string | undefined;
  readonly authrole: string | undefined;
}

function recorder(policy: MessageInterceptor = () => undefined): { seen: Seen[]; interceptor: MessageInterceptor } {
  const seen: Seen[] = [];
  return {
    seen,
    interceptor: (s: RouterSession, m: Message, now: number) => {
      seen.push({ type: m.type, state: s.state.tag, id: s.id, realm: s.realm, authrole: s.identity?.authrole });
      return policy(s, m, now);
    },
  };
}

describe('router interceptor', () => {
  it('sees every client message with its session, before the router acts on it', () => {
    const { seen, interceptor } = recorder();
    const net = new RouterNet(OPEN, { interceptor });
    const c = net.join();
    c.send(subscribe(c.req(), 'com.app.topic'));
    expect(c.one().type).toBe(MessageType.SUBSCRIBED);
    expect(seen).toEqual([
      { type: MessageType.HELLO, state: 'awaitingHello', id: undefined, realm: undefined, authrole: undefined },
      { type: MessageType.SUBSCRIBE, state: 'established', id: c.sessionId, realm: 'realm1', authrole: 'anonymous' },
    ]);
  });

  it('answers a refused request with ERROR and keeps the session and its request ID sequence', () => {
    const { interceptor } = recorder((s, m) =>
      m.type === MessageType.CALL && m.procedure === 'com.app.secret' ? { error: 'com.app.denied', message: `not for ${s.identity?.authrole}` } : undefined,
    );
    const net = new RouterNet(OPEN, { interceptor });
    const callee = net.join();
    callee.send(register(callee.req(), 'com.app.secret'));
    callee.send(register(callee.req(), 'com.app.open'));
    callee.take();
    const c = net.join();
    const r1 = c.req();
    c.send(call(r1, 'com.app.secret', { args: [1] }));
    expect(c.one()).toMatchObject({ type: MessageType.ERROR, requestType: MessageType.CALL, request: r1, error: 'com.app.denied', args: ['not for anonymous'] });
    expect(callee.take()).toEqual([]);
    // The next request ID is still accepted under the strict policy: the refused one took its place.
    c.send(call(c.req(), 'com.app.open'));
    expect(callee.one().type).toBe(MessageType.INVOCATION);
    expect(c.session.state.tag).toBe('established');
  });

  it('refuses SUBSCRIBE, REGISTER and an acknowledged PUBLISH with ERROR; an unacknowledged PUBLISH is dropped', () => {
    const { interceptor } = recorder((_s, m) => (m.type === MessageType.CALL ? undefined : { error: ErrorUri.NOT_AUTHORIZED }));
    const net = new RouterNet(OPEN, { interceptor: (s, m, now) => (m.type === MessageType.HELLO ? undefined : interceptor(s, m, now)) });
    const c = net.join();
    const r1 = c.req();
    c.send(subscribe(r1, 'com.app.t'));
    expect(c.one()).toMatchObject({ type: MessageType.ERROR, requestType: MessageType.SUBSCRIBE, request: r1, error: ErrorUri.NOT_AUTHORIZED });
    const r2 = c.req();
    c.send(register(r2, 'com.app.p'));
    expect(c.one()).toMatchObject({ type: MessageType.ERROR, requestType: MessageType.REGISTER, request: r2 });
    c.send(publish(c.req(), 'com.app.t', { args: [1] }));
    expect(c.take()).toEqual([]);
    const r4 = c.req();
    c.send(publish(r4, 'com.app.t', { args: [1] }, { acknowledge: true }));
    expect(c.one()).toMatchObject({ type: MessageType.ERROR, requestType: MessageType.PUBLISH, request: r4 });
    expect(net.router.inspect('realm1')!.subscriptions).toEqual([]);
  });

  it('refuses HELLO with ABORT', () => {
    const net = new RouterNet(OPEN, {
      interceptor: (s, m) => (m.type === MessageType.HELLO && s.info.peer === 'banned' ? { error: 'com.app.banned', message: 'go away' } : undefined),
    });
    const c = net.connect(jsonSerializer, { peer: 'banned' });
    c.send(hello('realm1', { roles: { caller: {} } }));
    expect(c.one()).toMatchObject({ type: MessageType.ABORT, reason: 'com.app.banned', details: { message: 'go away' } });
    expect(c.closed).toMatchObject({ reason: 'com.app.banned', initiator: 'router', wasJoined: false });
    expect(net.events.find((e) => e.type === 'session_refused')).toMatchObject({ reason: 'com.app.banned' });
    // Another peer is welcomed.
    expect(net.join().session.state.tag).toBe('established');
  });

  it('refuses AUTHENTICATE with ABORT', () => {
    const net = new RouterNet(
      { realms: [{ name: 'realm1', auth: { ticket: { type: 'static', principals: { joe: { ticket: 't', authrole: 'user' } } } } }] },
      { interceptor: (_s, m) => (m.type === MessageType.AUTHENTICATE ? { error: 'com.app.not_now', message: 'logins are closed' } : undefined) },
    );
    const c = net.connect();
    c.send(hello('realm1', { roles: { caller: {} }, authmethods: ['ticket'], authid: 'joe' }));
    expect(c.one().type).toBe(MessageType.CHALLENGE);
    c.send(authenticate('t'));
    expect(c.one()).toMatchObject({ type: MessageType.ABORT, reason: 'com.app.not_now', details: { message: 'logins are closed' } });
    expect(c.closed).toMatchObject({ reason: 'com.app.not_now', wasJoined: false });
  });

  it('closes the session with GOODBYE for a refused YIELD, and for a refusal with close', () => {
    const net = new RouterNet(OPEN, {
      interceptor: (_s, m) =>
        m.type === MessageType.YIELD
          ? { error: 'com.app.bad_yield' }
          : m.type === MessageType.SUBSCRIBE && m.topic === 'com.app.forbidden'
            ? { error: 'com.app.out', message: 'bye', close: true }
            : undefined,
    });
    const callee = net.join();
    callee.send(register(callee.req(), 'com.app.p'));
    callee.take();
    const caller = net.join();
    const rq = caller.req();
    caller.send(call(rq, 'com.app.p'));
    const inv = callee.one();
    if (inv.type !== MessageType.INVOCATION) throw new Error('expected INVOCATION');
    callee.send(yield_(inv.request, { args: [1] }));
    // Its registration is revoked first (it announced registration_revocation), then GOODBYE.
    expect(callee.take().map((m) => m.type)).toEqual([MessageType.UNREGISTERED, MessageType.GOODBYE]);
    expect(callee.session.state.tag).toBe('shuttingDown');
    // The callee left: its call fails for the caller.
    expect(caller.one()).toMatchObject({ type: MessageType.ERROR, request: rq });

    const c = net.join();
    c.send(subscribe(c.req(), 'com.app.forbidden'));
    expect(c.one()).toMatchObject({ type: MessageType.GOODBYE, reason: 'com.app.out', details: { message: 'bye' } });
  });

  it('fails closed when the interceptor throws, with a warning event', () => {
    const net = new RouterNet(OPEN, {
      interceptor: (_s, m) => {
        if (m.type === MessageType.CALL) throw new Error('policy bug');
        return undefined;
      },
    });
    const c = net.join();
    const rq = c.req();
    c.send(call(rq, 'com.app.any'));
    expect(c.one()).toMatchObject({ type: MessageType.ERROR, request: rq, error: ErrorUri.RUNTIME_ERROR });
    expect(net.events.find((e) => e.type === 'warning' && e.code === 'interceptor_failed')).toMatchObject({
      message: 'message interceptor threw: policy bug',
      sessionId: c.sessionId,
    });
  });

  it('rejects an interceptor that is not a function', () => {
    expect(() => new Router(OPEN, { randomId: seededRandomId(1), interceptor: 42 as unknown as MessageInterceptor })).toThrow(/options\.interceptor/);
  });
});

describe('router: what an embedding application learns of sessions', () => {
  const DENY = {
    realms: [
      {
        name: 'realm1',
        roles: [{ name: 'user', permissions: [{ uri: 'com.app.', match: 'prefix', allow: { call: true }, disclose: { caller: 'deny' } }] }],
        auth: { ticket: { type: 'static', principals: { joe: { ticket: 't', authrole: 'user', authextra: { tier: 'gold' } } } } },
      },
    ],
  };

  it('describeSession gives identity, authextra and the transport of a joined session, and nothing once it left', () => {
    const net = new RouterNet(DENY);
    const c = net.joinTicket('joe', 't', { info: { peer: 'tcp4:127.0.0.1:5000', details: { note: 'x' } } });
    const d = net.router.describeSession('realm1', c.sessionId)!;
    expect(d).toMatchObject({ id: c.sessionId, realm: 'realm1', authid: 'joe', authrole: 'user', authmethod: 'ticket', authprovider: 'static', authextra: { tier: 'gold' } });
    expect(d.transport).toEqual({ type: 'websocket', serializer: 'json', peer: 'tcp4:127.0.0.1:5000', note: 'x' });
    expect(d.info?.peer).toBe('tcp4:127.0.0.1:5000');
    expect(net.router.describeSession('nope', c.sessionId)).toBeUndefined();
    c.dropTransport();
    expect(net.router.describeSession('realm1', c.sessionId)).toBeUndefined();
  });

  it('a trusted callee that asks for its callers (disclose_caller) gets them even where the role denies disclosure; others do not', () => {
    const net = new RouterNet(DENY);
    const app = net.connect(jsonSerializer, { transport: 'internal', authrole: 'app', trusted: true });
    app.send(hello('realm1', { roles: { callee: {} } }));
    expect(app.one().type).toBe(MessageType.WELCOME);
    app.send(register(app.req(), 'com.app.trusted', { disclose_caller: true }));
    app.send(register(app.req(), 'com.app.quiet'));
    app.take();
    const joe = net.joinTicket('joe', 't');
    joe.send(call(joe.req(), 'com.app.trusted'));
    expect(app.one()).toMatchObject({ type: MessageType.INVOCATION, details: { caller: joe.sessionId, caller_authid: 'joe', caller_authrole: 'user' } });
    joe.send(call(joe.req(), 'com.app.quiet'));
    const inv = app.one();
    if (inv.type !== MessageType.INVOCATION) throw new Error('expected INVOCATION');
    expect(inv.details['caller']).toBeUndefined();
  });
});
