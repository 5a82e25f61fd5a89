import { describe, expect, it } from 'vitest';
import {
  CLIENT_ROLES,
  LocalProtocolError,
  SessionClosedError,
  TRANSPORT_LOST,
  msgpackSerializer,
  cborSerializer,
  formatMessage,
  publish,
  type ClientEvent,
} from '@wamp/core';
import { FULL_ROUTER_ROLES, ScriptedRouter, joined } from './harness/scripted-router.js';

describe('ClientSession: opening', () => {
  it('sends HELLO with every role and feature, agent and auth fields', () => {
    const r = new ScriptedRouter();
    r.run((s, now) =>
      s.join(
        {
          realm: 'realm1',
          authid: 'joe',
          authrole: 'user',
          authmethods: ['ticket', 'wampcra'],
          authextra: { pubkey: 'ab' },
        },
        now,
      ),
    );
    expect(r.sent()).toEqual([
      [
        1,
        'realm1',
        {
          agent: 'test-agent',
          roles: CLIENT_ROLES,
          authid: 'joe',
          authrole: 'user',
          authmethods: ['ticket', 'wampcra'],
          authextra: { pubkey: 'ab' },
        },
      ],
    ]);
    expect(r.session.state.tag).toBe('establishing');
    const roles = CLIENT_ROLES as Record<string, { features: Record<string, boolean> }>;
    expect(Object.keys(roles).sort()).toEqual(['callee', 'caller', 'publisher', 'subscriber']);
    expect(roles['caller']!.features).toMatchObject({
      call_canceling: true,
      call_timeout: true,
      caller_identification: true,
      progressive_call_results: true,
      progressive_call_invocations: true,
    });
    expect(roles['callee']!.features).toMatchObject({
      call_canceling: true,
      pattern_based_registration: true,
      shared_registration: true,
      registration_revocation: true,
      progressive_call_results: true,
      progressive_call_invocations: true,
      caller_identification: true,
    });
    expect(roles['publisher']!.features).toMatchObject({
      publisher_exclusion: true,
      publisher_identification: true,
      subscriber_blackwhite_listing: true,
    });
    expect(roles['subscriber']!.features).toMatchObject({
      pattern_based_subscription: true,
      publisher_identification: true,
      subscription_revocation: true,
    });
  });

  it('announces only the roles the application asks for, and merges extra HELLO details', () => {
    const r = new ScriptedRouter({ roles: ['caller', 'subscriber'] });
    r.run((s, now) => s.join({ realm: 'realm1', authid: 'joe', details: { x_app: 'demo', authid: 'ignored', roles: 'ignored' } }, now));
    const [hello] = r.sent() as [[number, string, Record<string, unknown>]];
    expect(hello[2]).toEqual({
      x_app: 'demo',
      agent: 'test-agent',
      roles: { caller: CLIENT_ROLES['caller'], subscriber: CLIENT_ROLES['subscriber'] },
      authid: 'joe',
    });
    r.recv([2, 42, { roles: FULL_ROUTER_ROLES }]);
    expect(r.session.state.tag).toBe('established');
    // A command of a role not announced is the application's error, and sends nothing.
    expect(() => r.run((s) => s.publish('com.example.t'))).toThrow(/did not announce the publisher role/);
    expect(() => r.run((s) => s.register('com.example.p'))).toThrow(LocalProtocolError);
    expect(r.sent()).toEqual([]);
    r.run((s, now) => s.call('com.example.p', undefined, undefined, now));
    r.run((s) => s.subscribe('com.example.t'));
    expect(r.sent().map((m) => (m as unknown[])[0])).toEqual([48, 32]);
  });

  it('keeps what WELCOME said (welcome) after the session ends, until the next join', () => {
    const r = new ScriptedRouter();
    expect(r.session.welcome).toBeUndefined();
    r.run((s, now) => s.join({ realm: 'realm1' }, now));
    r.recv([2, 42, { roles: FULL_ROUTER_ROLES, authid: 'joe', authrole: 'user', authmethod: 'ticket' }]);
    expect(r.session.welcome).toMatchObject({ session: 42, realm: 'realm1', authid: 'joe', authrole: 'user', authmethod: 'ticket' });
    expect(r.session.welcome?.roles.dealer).toEqual(FULL_ROUTER_ROLES['dealer']);
    r.run(() => r.session.handleTransportClosed());
    expect(r.session.state.tag).toBe('closed');
    expect(r.session.welcome?.session).toBe(42);
    r.run((s, now) => s.join({ realm: 'realm2' }, now));
    expect(r.session.welcome).toBeUndefined();
  });

  it('refuses an empty or unknown role list', () => {
    expect(() => new ScriptedRouter({ roles: [] })).toThrow(LocalProtocolError);
    expect(() => new ScriptedRouter({ roles: ['dealer' as 'caller'] })).toThrow(/unknown client role "dealer"/);
  });

  it('WELCOME establishes the session and reports the router roles', () => {
    const r = new ScriptedRouter();
    r.run((s, now) => s.join({ realm: 'realm1' }, now));
    r.sent();
    r.recv([2, 42, { roles: FULL_ROUTER_ROLES, authid: 'joe', authrole: 'user', agent: 'r' }]);
    expect(r.session.state.tag).toBe('established');
    expect(r.session.sessionId).toBe(42);
    expect(r.events()).toEqual([
      {
        type: 'joined',
        session: 42,
        realm: 'realm1',
        details: { roles: FULL_ROUTER_ROLES, authid: 'joe', authrole: 'user', agent: 'r' },
        roles: FULL_ROUTER_ROLES,
      },
    ]);
    expect(r.sent()).toEqual([]);
    expect(r.session.pollTimeout()).toBeUndefined();
  });

  it('ABORT on join closes with the router reason and message', () => {
    const r = new ScriptedRouter();
    r.run((s, now) => s.join({ realm: 'nope' }, now));
    r.sent();
    r.recv([3, { message: 'The realm does not exist.' }, 'wamp.error.no_such_realm']);
    expect(r.events()).toEqual([
      {
        type: 'closed',
        reason: 'wamp.error.no_such_realm',
        message: 'The realm does not exist.',
        details: { message: 'The realm does not exist.' },
        initiator: 'router',
        wasJoined: false,
      },
    ]);
    expect(r.session.state).toMatchObject({ tag: 'closed', close: { reason: 'wamp.error.no_such_realm' } });
    expect(r.sent()).toEqual([]);
  });

  it('aborts with wamp.error.timeout when no WELCOME comes within joinTimeout', () => {
    const r = new ScriptedRouter({ joinTimeout: 1000 });
    r.run((s, now) => s.join({ realm: 'realm1' }, now));
    r.sent();
    expect(r.session.pollTimeout()).toBe(1000);
    r.advance(999);
    expect(r.session.state.tag).toBe('establishing');
    r.advance(1);
    expect(r.sent()).toEqual([[3, { message: 'no WELCOME within 1000 ms' }, 'wamp.error.timeout']]);
    expect(r.events()).toEqual([
      {
        type: 'closed',
        reason: 'wamp.error.timeout',
        message: 'no WELCOME within 1000 ms',
        details: { message: 'no WELCOME within 1000 ms' },
        initiator: 'client',
        wasJoined: false,
      },
    ]);
    expect(r.session.pollTimeout()).toBeUndefined();
  });

  it('joinTimeout 0 arms no deadline', () => {
    const r = new ScriptedRouter({ joinTimeout: 0 });
    r.run((s, now) => s.join({ realm: 'realm1' }, now));
    expect(r.session.pollTimeout()).toBeUndefined();
  });

  it('refuses a bad realm and bad HELLO fields without sending', () => {
    const r = new ScriptedRouter();
    expect(() => r.run((s, now) => s.join({ realm: 'bad realm' }, now))).toThrow(LocalProtocolError);
    expect(() => r.run((s, now) => s.join({ realm: 'r', authmethods: [1] as never }, now))).toThrow(/authmethods/);
    expect(() => r.run((s, now) => s.join({ realm: 'r', authid: 3 as never }, now))).toThrow(/authid/);
    expect(() => r.run((s, now) => s.join({ realm: 'r', authextra: [] as never }, now))).toThrow(/authextra/);
    expect(r.sent()).toEqual([]);
    expect(r.session.state.tag).toBe('closed');
  });

  it('can join again after the session closed, with request IDs from 1', () => {
    const r = joined();
    r.run((s, now) => s.call('com.a', undefined, undefined, now));
    expect(r.sent()).toEqual([[48, 1, {}, 'com.a']]);
    r.recv([6, {}, 'wamp.close.system_shutdown']);
    r.sent();
    r.events();
    r.establish({ session: 7 });
    expect(r.session.sessionId).toBe(7);
    r.run((s, now) => s.call('com.a', undefined, undefined, now));
    expect(r.sent()).toEqual([[48, 1, {}, 'com.a']]);
  });
});

describe('ClientSession: closing', () => {
  it('replies to the router GOODBYE with wamp.close.goodbye_and_out and fails pending requests', () => {
    const r = joined();
    r.run((s, now) => s.call('com.a', undefined, undefined, now));
    r.run((s) => s.subscribe('com.t'));
    r.sent();
    r.recv([6, { message: 'bye' }, 'wamp.close.system_shutdown']);
    expect(r.sent()).toEqual([[6, {}, 'wamp.close.goodbye_and_out']]);
    const events = r.events();
    expect(events.map((e) => e.type)).toEqual(['error', 'error', 'closed']);
    const [e1, e2, closed] = events as [ClientEvent & { type: 'error' }, ClientEvent & { type: 'error' }, ClientEvent];
    expect(e1).toMatchObject({ request: 1, kind: 'call' });
    expect(e2).toMatchObject({ request: 2, kind: 'subscribe' });
    expect(e1.error).toBeInstanceOf(SessionClosedError);
    expect(e1.error.uri).toBe('wamp.close.system_shutdown');
    expect((e1.error as SessionClosedError).initiator).toBe('router');
    expect(closed).toEqual({
      type: 'closed',
      reason: 'wamp.close.system_shutdown',
      message: 'bye',
      details: { message: 'bye' },
      initiator: 'router',
      wasJoined: true,
    });
  });

  it('leave() sends GOODBYE and closes on the reply', () => {
    const r = joined();
    r.run((s, now) => s.leave({ reason: 'wamp.close.normal', message: 'done' }, now));
    expect(r.sent()).toEqual([[6, { message: 'done' }, 'wamp.close.normal']]);
    expect(r.session.state.tag).toBe('shuttingDown');
    r.recv([6, {}, 'wamp.close.goodbye_and_out']);
    expect(r.sent()).toEqual([]);
    expect(r.events()).toEqual([
      {
        type: 'closed',
        reason: 'wamp.close.normal',
        message: 'done',
        details: {},
        initiator: 'client',
        wasJoined: true,
        routerReason: 'wamp.close.goodbye_and_out',
      },
    ]);
  });

  it('leave() defaults to wamp.close.close_realm', () => {
    const r = joined();
    r.run((s, now) => s.leave({}, now));
    expect(r.sent()).toEqual([[6, {}, 'wamp.close.close_realm']]);
  });

  it('ignores other messages while shutting down, then fails the pending requests at close', () => {
    const r = joined();
    r.run((s, now) => s.call('com.a', undefined, { timeout: 100 }, now));
    r.run((s, now) => s.leave({}, now));
    r.sent();
    r.recv([50, 1, {}, [1]]);
    expect(r.events()).toEqual([]);
    r.advance(1000);
    expect(r.events()).toEqual([]);
    r.recv([6, {}, 'wamp.close.goodbye_and_out']);
    const events = r.events();
    expect(events.map((e) => e.type)).toEqual(['error', 'closed']);
    expect(events[0]).toMatchObject({ type: 'error', request: 1, error: { uri: 'wamp.close.close_realm' } });
  });

  it('closes without the router reply after goodbyeTimeout, with a warning', () => {
    const r = new ScriptedRouter({ goodbyeTimeout: 500 });
    r.establish();
    r.run((s, now) => s.leave({}, now));
    r.sent();
    expect(r.session.pollTimeout()).toBe(500);
    r.advance(500);
    expect(r.events()).toEqual([
      { type: 'warning', message: 'the router did not answer GOODBYE within 500 ms' },
      { type: 'closed', reason: 'wamp.close.close_realm', message: undefined, details: {}, initiator: 'client', wasJoined: true },
    ]);
    expect(r.sent()).toEqual([]);
  });

  it('ABORT from the router after join closes and fails pending requests', () => {
    const r = joined();
    r.run((s) => s.register('com.p'));
    r.recv([3, {}, 'wamp.close.killed']);
    const events = r.events();
    expect(events[0]).toMatchObject({ type: 'error', request: 1, kind: 'register', error: { uri: 'wamp.close.killed' } });
    expect(events[1]).toMatchObject({ type: 'closed', reason: 'wamp.close.killed', initiator: 'router', wasJoined: true });
    expect(r.sent()).toEqual([[64, 1, {}, 'com.p']]);
  });

  it('abort() sends ABORT and closes at once', () => {
    const r = new ScriptedRouter();
    r.run((s, now) => s.join({ realm: 'realm1' }, now));
    r.sent();
    r.run((s) => s.abort('wamp.error.authentication_failed', 'no secret for wampcra'));
    expect(r.sent()).toEqual([[3, { message: 'no secret for wampcra' }, 'wamp.error.authentication_failed']]);
    expect(r.events()).toEqual([
      {
        type: 'closed',
        reason: 'wamp.error.authentication_failed',
        message: 'no secret for wampcra',
        details: { message: 'no secret for wampcra' },
        initiator: 'client',
        wasJoined: false,
      },
    ]);
    expect(r.session.pollTimeout()).toBeUndefined();
  });

  it('a lost transport fails pending requests with wamp.close.transport_lost and interrupts invocations', () => {
    const r = joined();
    r.run((s) => s.register('com.p'));
    r.recv([65, 1, 5]);
    r.recv([68, 1, 5, {}]);
    r.run((s, now) => s.call('com.a', undefined, { timeout: 10 }, now));
    r.events();
    r.run((s) => s.handleTransportClosed());
    const events = r.events();
    expect(events.map((e) => e.type)).toEqual(['error', 'interrupt', 'closed']);
    expect(events[0]).toMatchObject({ request: 2, kind: 'call', error: { uri: TRANSPORT_LOST } });
    expect(events[1]).toEqual({ type: 'interrupt', request: 1, mode: 'killnowait', reason: TRANSPORT_LOST });
    expect(events[2]).toMatchObject({ reason: TRANSPORT_LOST, initiator: 'transport', wasJoined: true });
    expect(r.session.pollTimeout()).toBeUndefined();
    // Nothing more happens: the transport-closed input is idempotent in `closed`.
    r.run((s) => s.handleTransportClosed());
    expect(r.events()).toEqual([]);
  });

  it('ignores whatever arrives after it closed', () => {
    const r = joined();
    r.recv([3, {}, 'wamp.close.killed']);
    r.events();
    r.recv([50, 1, {}]);
    r.recv([2, 1, { roles: {} }]);
    r.recvFrame('not json');
    expect(r.events()).toEqual([]);
    expect(r.sent()).toEqual([]);
  });
});

describe('ClientSession: local misuse throws and changes nothing', () => {
  it('refuses commands the state does not allow', () => {
    const r = new ScriptedRouter();
    expect(() => r.run((s, now) => s.call('com.a', undefined, undefined, now))).toThrow(/call\(\) is not allowed in state closed/);
    expect(() => r.run((s) => s.publish('com.a'))).toThrow(LocalProtocolError);
    expect(() => r.run((s, now) => s.leave({}, now))).toThrow(LocalProtocolError);
    expect(() => r.run((s) => s.authenticate('sig'))).toThrow(LocalProtocolError);
    expect(() => r.run((s) => s.abort('wamp.close.normal'))).toThrow(LocalProtocolError);
    r.run((s, now) => s.join({ realm: 'realm1' }, now));
    expect(() => r.run((s, now) => s.join({ realm: 'realm1' }, now))).toThrow(/join\(\) is not allowed in state establishing/);
    expect(() => r.run((s) => s.subscribe('com.t'))).toThrow(LocalProtocolError);
    expect(() => r.run((s) => s.yield(1))).toThrow(LocalProtocolError);
    r.sent();
    r.recv([2, 1, { roles: FULL_ROUTER_ROLES }]);
    r.events();
    expect(() => r.run((s) => s.authenticate('sig'))).toThrow(LocalProtocolError);
    r.run((s, now) => s.leave({}, now));
    expect(() => r.run((s) => s.register('com.p'))).toThrow(/register\(\) is not allowed in state shuttingDown/);
    expect(r.sent()).toEqual([[6, {}, 'wamp.close.close_realm']]);
  });

  it('refuses bad URIs, options and payloads', () => {
    const r = joined();
    const bad: [string, () => unknown][] = [
      ['procedure URI', () => r.run((s, now) => s.call('com..a', undefined, undefined, now))],
      ['topic URI', () => r.run((s) => s.publish('com a'))],
      ['wildcard needs match', () => r.run((s) => s.subscribe('com..a'))],
      ['timeout', () => r.run((s, now) => s.call('com.a', undefined, { timeout: -1 }, now))],
      ['match', () => r.run((s) => s.register('com.a', { match: 'regex' as never }))],
      ['invoke', () => r.run((s) => s.register('com.a', { invoke: 'all' as never }))],
      ['exclude', () => r.run((s) => s.publish('com.a', undefined, { exclude: [0] }))],
      ['eligible_authid', () => r.run((s) => s.publish('com.a', undefined, { eligibleAuthid: [1] as never }))],
      ['args', () => r.run((s) => s.publish('com.a', { args: {} as never }))],
      ['kwargs', () => r.run((s) => s.publish('com.a', { kwargs: [] as never }))],
      ['serialization', () => r.run((s) => s.publish('com.a', { args: [10n] }))],
      ['unregister unknown', () => r.run((s) => s.unregister(5))],
      ['unsubscribe unknown', () => r.run((s) => s.unsubscribe(5))],
      ['cancel unknown', () => r.run((s) => s.cancel(5))],
      ['cancel mode', () => r.run((s) => s.cancel(1, 'now' as never))],
      ['leave reason', () => r.run((s, now) => s.leave({ reason: 'not a uri' }, now))],
    ];
    for (const [what, f] of bad) expect(f, what).toThrow(LocalProtocolError);
    expect(r.sent()).toEqual([]);
    expect(r.events()).toEqual([]);
    // The failed commands used no request ID.
    r.run((s) => s.publish('com.a'));
    expect(r.sent()).toEqual([[16, 1, {}, 'com.a']]);
  });

  it('refuses to call or publish when the router lacks the role', () => {
    const r = new ScriptedRouter();
    r.establish({ roles: { broker: {} } });
    expect(() => r.run((s, now) => s.call('com.a', undefined, undefined, now))).toThrow(/no dealer role/);
    expect(() => r.run((s) => s.register('com.a'))).toThrow(/no dealer role/);
    r.run((s) => s.publish('com.a'));
    expect(r.sent()).toEqual([[16, 1, {}, 'com.a']]);
  });

  it('warns about unknown options and sends the known ones', () => {
    const r = joined();
    r.run((s, now) => s.call('com.a', undefined, { discloseMe: true, color: 'red' } as never, now));
    expect(r.sent()).toEqual([[48, 1, { disclose_me: true }, 'com.a']]);
    expect(r.events()).toEqual([{ type: 'warning', message: 'unknown option CallRequestOptions.color ignored' }]);
  });
});

describe('ClientSession: serializers and trace', () => {
  for (const serializer of [msgpackSerializer, cborSerializer]) {
    it(`runs a call over ${serializer.name}`, () => {
      const r = new ScriptedRouter({ serializer });
      r.establish();
      r.run((s, now) => s.call('com.a', { args: [new Uint8Array([1, 2])], kwargs: { k: 1 } }, undefined, now));
      expect(r.sent()).toEqual([[48, 1, {}, 'com.a', [new Uint8Array([1, 2])], { k: 1 }]]);
      r.recv([50, 1, {}, [3]]);
      expect(r.events()).toEqual([{ type: 'result', request: 1, details: {}, args: [3], kwargs: {} }]);
    });
  }

  it('emits trace events for every message in and out, in order', () => {
    const r = new ScriptedRouter({ trace: true, keepTrace: true });
    r.run((s, now) => s.join({ realm: 'realm1' }, now));
    r.recv([2, 5, { roles: FULL_ROUTER_ROLES }]);
    r.run((s, now) => s.call('com.app.add', { args: [2, 3] }, undefined, now));
    r.recv([50, 1, {}, [5]]);
    const traces = r.events().filter((e) => e.type === 'trace');
    expect(traces.map((t) => [t.direction, t.text.split(' ')[0]])).toEqual([
      ['out', 'HELLO'],
      ['in', 'WELCOME'],
      ['out', 'CALL'],
      ['in', 'RESULT'],
    ]);
    expect(traces[2]!.text).toBe('CALL [48,1,{},"com.app.add",[2,3]]');
    expect(traces[3]!.message).toEqual({ type: 50, request: 1, details: {}, args: [5] });
  });

  it('trace shows binary values as bytes', () => {
    const r = new ScriptedRouter({ trace: true, keepTrace: true, serializer: msgpackSerializer });
    r.establish();
    r.run((s) => s.publish('com.a', { args: [new Uint8Array(20), new Uint8Array([255])] }));
    const trace = r.events().find((e) => e.type === 'trace');
    expect(trace?.type === 'trace' && trace.text).toBe(
      'PUBLISH [16,1,{},"com.a",["<20 bytes: 00000000000000000000000000000000…>","<1 bytes: ff>"]]',
    );
  });

  it('formatMessage never throws, whatever the payload', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(formatMessage(publish(1, 'com.a', { args: [2n ** 60n] }))).toBe('PUBLISH [16,1,{},"com.a",["1152921504606846976n"]]');
    expect(formatMessage(publish(1, 'com.a', { args: [cyclic] }))).toBe('PUBLISH <unprintable>');
    expect(formatMessage(publish(1, 'com.a', { args: ['x'.repeat(5000)] }))).toHaveLength(2001);
  });
});
