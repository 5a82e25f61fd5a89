import { describe, expect, it } from 'vitest';
import {
  ErrorUri,
  MessageType,
  ROUTER_ROLES,
  ROUTER_TRANSITIONS,
  abort,
  authenticate,
  call,
  encodeMessage,
  event,
  goodbye,
  hello,
  jsonSerializer,
  routerStateDiagram,
  subscribe,
  welcome,
  yield_,
} from '@wamp/core';
import { BASIC_ROLES, FULL_ROLES, RouterNet } from './harness/router-net.js';

const OPEN = { realms: [{ name: 'realm1' }] };

describe('router session: opening', () => {
  it('welcomes an anonymous client with exactly the implemented features, agent and identity', () => {
    const net = new RouterNet(OPEN);
    const c = net.join();
    const w = c.welcome!;
    expect(w.details).toEqual({
      realm: 'realm1',
      authid: expect.any(String),
      authrole: 'anonymous',
      authmethod: 'anonymous',
      authprovider: 'static',
      roles: ROUTER_ROLES,
      agent: 'wamp-ts-router/0.1',
    });
    expect(Object.keys((ROUTER_ROLES['broker'] as { features: object }).features).sort()).toEqual([
      'event_history',
      'event_retention',
      'pattern_based_subscription',
      'payload_passthru_mode',
      'publication_trustlevels',
      'publisher_exclusion',
      'publisher_identification',
      'session_meta_api',
      'sharded_subscription',
      'shareded_subscriptions',
      'subscriber_blackwhite_listing',
      'subscription_meta_api',
      'subscription_revocation',
    ]);
    expect(Object.keys((ROUTER_ROLES['dealer'] as { features: object }).features).sort()).toEqual([
      'call_canceling',
      'call_timeout',
      'call_trustlevels',
      'caller_identification',
      'pattern_based_registration',
      'payload_passthru_mode',
      'progressive_call_invocations',
      'progressive_call_results',
      'registration_meta_api',
      'registration_revocation',
      'session_meta_api',
      'sharded_registration',
      'shared_registration',
      'testament_meta_api',
    ]);
    expect(c.session.state.tag).toBe('established');
    expect(c.session.id).toBe(w.session);
    const [joined] = net.takeEvents('session_joined');
    expect(joined).toMatchObject({ sessionId: w.session, realm: 'realm1', authrole: 'anonymous', transport: 'websocket', serializer: 'json' });
  });

  it('uses the configured agent and gives every session a distinct random ID', () => {
    const net = new RouterNet({ agent: 'test-router/9', realms: [{ name: 'realm1' }] });
    const ids = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const c = net.join();
      expect(c.welcome!.details['agent']).toBe('test-router/9');
      ids.add(c.sessionId);
    }
    expect(ids.size).toBe(50);
  });

  it('aborts a HELLO for an unknown realm with no_such_realm', () => {
    const net = new RouterNet(OPEN);
    const c = net.connect();
    c.send(hello('nowhere', { roles: BASIC_ROLES }));
    expect(c.one()).toEqual(abort(ErrorUri.NO_SUCH_REALM, { message: 'no realm "nowhere"' }));
    expect(c.closed).toMatchObject({ reason: ErrorUri.NO_SUCH_REALM, initiator: 'router', wasJoined: false });
    expect(c.session.state.tag).toBe('closed');
    expect(net.takeEvents('session_refused')).toEqual([
      {
        type: 'session_refused',
        session: c.session,
        realm: 'nowhere',
        authid: undefined,
        authmethod: undefined,
        peer: 'test',
        reason: ErrorUri.NO_SUCH_REALM,
        message: 'no realm "nowhere"',
      },
    ]);
  });

  it('aborts when no offered auth method is accepted', () => {
    const net = new RouterNet(OPEN);
    const c = net.connect();
    c.send(hello('realm1', { roles: BASIC_ROLES, authmethods: ['ticket', 'wampcra'], authid: 'joe' }));
    const m = c.one();
    expect(m).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.NO_MATCHING_AUTH_METHOD });
  });

  it('refuses a HELLO that announces no client role', () => {
    const net = new RouterNet(OPEN);
    const c = net.connect();
    c.send(hello('realm1', { roles: { broker: {} } }));
    expect(c.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.PROTOCOL_VIOLATION });
  });

  it('closes a connection that sends no HELLO in time, without a frame', () => {
    const net = new RouterNet({ realms: [{ name: 'realm1' }], timeouts: { hello: 1000 } });
    const c = net.connect();
    expect(net.router.pollTimeout()).toBe(net.now + 1000);
    net.advance(999);
    expect(c.session.state.tag).toBe('awaitingHello');
    net.advance(1);
    expect(c.take()).toEqual([]);
    expect(c.closed).toMatchObject({ initiator: 'router', wasJoined: false });
    expect(net.router.pollTimeout()).toBeUndefined();
  });
});

describe('router session: closing', () => {
  it('answers GOODBYE with goodbye_and_out and asks the adapter to close', () => {
    const net = new RouterNet(OPEN);
    const c = net.join();
    c.send(goodbye(ErrorUri.CLOSE_REALM));
    expect(c.one()).toEqual(goodbye(ErrorUri.GOODBYE_AND_OUT));
    expect(c.closed).toEqual({ reason: ErrorUri.CLOSE_REALM, message: undefined, initiator: 'client', wasJoined: true });
    expect(net.takeEvents('session_left')).toMatchObject([{ sessionId: c.sessionId, reason: ErrorUri.CLOSE_REALM }]);
    expect(net.router.inspect('realm1')!.sessions).toEqual([]);
  });

  it('ignores frames after the session closed', () => {
    const net = new RouterNet(OPEN);
    const c = net.join();
    c.send(abort(ErrorUri.CLOSE_NORMAL));
    expect(c.take()).toEqual([]);
    c.send(subscribe(c.req(), 'a.b'));
    c.sendRaw('garbage');
    expect(c.take()).toEqual([]);
  });

  it('cleans up a session whose transport dropped, without output', () => {
    const net = new RouterNet(OPEN);
    const callee = net.join();
    callee.register('com.x');
    callee.subscribe('com.t');
    callee.dropTransport();
    expect(callee.closed).toBeUndefined();
    expect(callee.session.pollClose()).toBeUndefined();
    const snap = net.router.inspect('realm1')!;
    expect(snap).toMatchObject({ sessions: [], registrations: [], subscriptions: [], invocations: 0 });
    expect(net.takeEvents('session_left')).toMatchObject([{ reason: 'wamp.close.transport_lost' }]);
  });

  it('shutdown says GOODBYE system_shutdown and closes on the reply or after the timeout', () => {
    const net = new RouterNet({ realms: [{ name: 'realm1' }], timeouts: { goodbye: 500 } });
    const a = net.join();
    const b = net.join();
    const pending = net.connect();
    net.router.shutdown(net.now);
    net.flush();
    expect(a.one()).toEqual(goodbye(ErrorUri.SYSTEM_SHUTDOWN));
    expect(b.one()).toEqual(goodbye(ErrorUri.SYSTEM_SHUTDOWN));
    expect(pending.one()).toEqual(abort(ErrorUri.SYSTEM_SHUTDOWN));
    expect(a.session.state.tag).toBe('shuttingDown');
    expect(net.router.inspect('realm1')!.sessions).toEqual([]);
    a.send(goodbye(ErrorUri.GOODBYE_AND_OUT));
    expect(a.closed).toMatchObject({ reason: ErrorUri.SYSTEM_SHUTDOWN, initiator: 'router' });
    net.advance(500);
    expect(b.closed).toMatchObject({ reason: ErrorUri.SYSTEM_SHUTDOWN, message: 'no GOODBYE reply in time' });
  });
});

describe('router session: protocol violations', () => {
  const cases: [string, (c: ReturnType<RouterNet['join']>) => void, RegExp][] = [
    ['undecodable frame', (c) => c.sendRaw('[48, 1'), /malformed json/],
    ['second HELLO', (c) => c.send(hello('realm1', { roles: BASIC_ROLES })), /HELLO is not allowed in state established/],
    ['router-only message', (c) => c.send(welcome(5, {})), /WELCOME is not allowed/],
    ['AUTHENTICATE after WELCOME', (c) => c.send(authenticate('x')), /AUTHENTICATE is not allowed/],
    ['ERROR for a CALL', (c) => c.send({ type: MessageType.ERROR, requestType: MessageType.CALL, request: 1, details: {}, error: 'a.b' }), /a client only answers INVOCATION/],
    ['YIELD for an invocation never sent', (c) => c.send(yield_(7)), /YIELD for INVOCATION request ID 7, which was never sent/],
    ['non-sequential request ID', (c) => c.send(subscribe(5, 'a.b')), /SUBSCRIBE request ID 5 is not sequential \(expected 1\)/],
    ['EVENT from a client', (c) => c.send(event(1, 1)), /EVENT is not allowed/],
    ['bad option type', (c) => c.sendRaw('[48,1,{"timeout":"soon"},"a.b"]'), /CALL: Options.timeout must be/],
  ];
  for (const [name, act, reason] of cases) {
    it(`aborts on ${name}, and only that session`, () => {
      const net = new RouterNet(OPEN);
      const bystander = net.join();
      bystander.subscribe('com.t');
      const c = net.join();
      act(c);
      const m = c.one();
      expect(m).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.PROTOCOL_VIOLATION });
      expect((m as { details?: Record<string, unknown> }).details?.['message']).toMatch(reason);
      expect(c.closed).toMatchObject({ reason: ErrorUri.PROTOCOL_VIOLATION, initiator: 'router' });
      expect(net.takeEvents('warning')).toMatchObject([{ code: 'protocol_violation', sessionId: c.sessionId }]);
      expect(net.router.inspect('realm1')!.sessions).toEqual([bystander.sessionId]);
      expect(net.router.inspect('realm1')!.subscriptions).toHaveLength(1);
      expect(bystander.take()).toEqual([]);
    });
  }

  it('aborts an oversize message', () => {
    const net = new RouterNet({ realms: [{ name: 'realm1' }], limits: { maxMessageSize: 1000 } });
    const c = net.join();
    c.send(call(c.req(), 'com.x', { args: ['x'.repeat(2000)] }));
    expect(c.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.PROTOCOL_VIOLATION });
  });

  it('aborts AUTHENTICATE before a CHALLENGE and GOODBYE before WELCOME', () => {
    const net = new RouterNet(OPEN);
    const a = net.connect();
    a.send(authenticate('sig'));
    expect(a.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.PROTOCOL_VIOLATION });
    const b = net.connect();
    b.send(goodbye(ErrorUri.CLOSE_NORMAL));
    expect(b.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.PROTOCOL_VIOLATION });
  });

  it('lenient request IDs accept any new ID', () => {
    const net = new RouterNet({ realms: [{ name: 'realm1' }], requestIds: 'lenient' });
    const c = net.join();
    c.send(subscribe(500, 'a.b'));
    expect(c.one()).toMatchObject({ type: MessageType.SUBSCRIBED, request: 500 });
    c.send(subscribe(3, 'a.c'));
    expect(c.one()).toMatchObject({ type: MessageType.SUBSCRIBED, request: 3 });
  });

  it('a frame in a binary serializer session decodes with that serializer', () => {
    const net = new RouterNet(OPEN);
    const c = net.join({ roles: FULL_ROLES });
    // A JSON frame on a JSON session is fine; the same bytes as binary are too (the JSON serializer accepts UTF-8).
    c.sendRaw(new TextEncoder().encode(encodeMessage(jsonSerializer, subscribe(c.req(), 'a.b')) as string));
    expect(c.one()).toMatchObject({ type: MessageType.SUBSCRIBED });
  });
});

describe('router transition table', () => {
  it('every state but closed can be left, and closed ignores all client input', () => {
    for (const [state, row] of Object.entries(ROUTER_TRANSITIONS)) {
      if (state === 'closed') {
        for (const to of Object.values(row)) expect(to).toBe('closed');
      } else {
        expect(row.TRANSPORT_CLOSED).toBe('closed');
      }
    }
  });

  it('renders as a Mermaid diagram from the same table', () => {
    const d = routerStateDiagram();
    expect(d).toContain('stateDiagram-v2');
    expect(d).toContain('awaitingHello --> authenticating: RECV_HELLO');
    expect(d).toContain('authenticating --> challenging: SEND_CHALLENGE');
    expect(d).toContain('challenging --> authenticating: RECV_AUTHENTICATE');
    expect(d).toContain('established --> shuttingDown: SEND_GOODBYE');
    expect(d).not.toContain('established --> established');
    expect(routerStateDiagram({ selfLoops: true })).toContain('established --> established: RECV_SESSION_MSG');
  });
});
