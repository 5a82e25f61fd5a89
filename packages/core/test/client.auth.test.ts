import { describe, expect, it } from 'vitest';
import { LocalProtocolError } from '@wamp/core';
import { FULL_ROUTER_ROLES, ScriptedRouter, joined } from './harness/scripted-router.js';

function hello(r: ScriptedRouter, authmethods: string[] = ['ticket']): void {
  r.run((s, now) => s.join({ realm: 'realm1', authid: 'joe', authmethods }, now));
  r.sent();
}

describe('ClientSession: authentication', () => {
  it('CHALLENGE becomes an event; authenticate() sends AUTHENTICATE; WELCOME joins', () => {
    const r = new ScriptedRouter();
    hello(r);
    r.recv([4, 'ticket', {}]);
    expect(r.session.state.tag).toBe('challenging');
    expect(r.events()).toEqual([{ type: 'challenge', authMethod: 'ticket', extra: {} }]);
    r.run((s) => s.authenticate('secret!!!'));
    expect(r.sent()).toEqual([[5, 'secret!!!', {}]]);
    expect(r.session.state.tag).toBe('authenticating');
    r.recv([2, 3251278072152162, { authid: 'joe', authrole: 'user', authmethod: 'ticket', roles: FULL_ROUTER_ROLES }]);
    expect(r.events()).toMatchObject([{ type: 'joined', session: 3251278072152162, details: { authmethod: 'ticket' } }]);
  });

  it('passes the AUTHENTICATE extra through (WAMP-SCRAM nonce and channel binding)', () => {
    const r = new ScriptedRouter();
    hello(r, ['wamp-scram']);
    r.recv([4, 'wamp-scram', { nonce: 'abc', salt: 'c2FsdA==', kdf: 'pbkdf2', iterations: 4096 }]);
    r.run((s) => s.authenticate('proof', { nonce: 'abc', channel_binding: null }));
    expect(r.sent()).toEqual([[5, 'proof', { nonce: 'abc', channel_binding: null }]]);
  });

  it('supports several challenge rounds', () => {
    const r = new ScriptedRouter();
    hello(r, ['wampcra']);
    r.recv([4, 'wampcra', { challenge: 'one' }]);
    r.run((s) => s.authenticate('sig1'));
    r.recv([4, 'wampcra', { challenge: 'two' }]);
    r.run((s) => s.authenticate('sig2'));
    r.recv([2, 1, { roles: FULL_ROUTER_ROLES }]);
    expect(r.sent()).toEqual([
      [5, 'sig1', {}],
      [5, 'sig2', {}],
    ]);
    expect(r.events().map((e) => e.type)).toEqual(['challenge', 'challenge', 'joined']);
  });

  it('ABORT after AUTHENTICATE closes with the router reason', () => {
    const r = new ScriptedRouter();
    hello(r);
    r.recv([4, 'ticket', {}]);
    r.run((s) => s.authenticate('wrong'));
    r.sent();
    r.events();
    r.recv([3, { message: 'invalid ticket' }, 'wamp.error.authentication_failed']);
    expect(r.events()).toEqual([
      {
        type: 'closed',
        reason: 'wamp.error.authentication_failed',
        message: 'invalid ticket',
        details: { message: 'invalid ticket' },
        initiator: 'router',
        wasJoined: false,
      },
    ]);
  });

  it('the application may refuse a challenge with abort()', () => {
    const r = new ScriptedRouter();
    hello(r);
    r.recv([4, 'cryptosign', { challenge: 'ff' }]);
    r.run((s) => s.abort('wamp.error.authentication_failed', 'no key for cryptosign'));
    expect(r.sent()).toEqual([[3, { message: 'no key for cryptosign' }, 'wamp.error.authentication_failed']]);
    expect(r.session.state.tag).toBe('closed');
  });

  it('the join deadline covers the whole authentication', () => {
    const r = new ScriptedRouter({ joinTimeout: 100 });
    hello(r);
    r.advance(40);
    r.recv([4, 'ticket', {}]);
    r.advance(40);
    r.run((s) => s.authenticate('t'));
    r.sent();
    r.advance(20);
    expect(r.sent()).toEqual([[3, { message: 'no WELCOME within 100 ms' }, 'wamp.error.timeout']]);
    expect(r.session.state.tag).toBe('closed');
  });

  it('refuses a bad signature or extra', () => {
    const r = new ScriptedRouter();
    hello(r);
    r.recv([4, 'ticket', {}]);
    expect(() => r.run((s) => s.authenticate(5 as never))).toThrow(LocalProtocolError);
    expect(() => r.run((s) => s.authenticate('x', [] as never))).toThrow(LocalProtocolError);
    expect(r.sent()).toEqual([]);
    expect(r.session.state.tag).toBe('challenging');
  });
});

describe('ClientSession: protocol errors of the basic profile ("Protocol Errors")', () => {
  const cases: { name: string; before: 'establishing' | 'challenging' | 'authenticating' | 'established'; msg: unknown[]; reason: string }[] = [
    { name: 'WELCOME after established', before: 'established', msg: [2, 1, { roles: FULL_ROUTER_ROLES }], reason: 'WELCOME is not allowed in state established' },
    { name: 'HELLO', before: 'established', msg: [1, 'realm1', { roles: {} }], reason: 'HELLO is not allowed in state established' },
    { name: 'CHALLENGE after established', before: 'established', msg: [4, 'ticket', {}], reason: 'CHALLENGE is not allowed in state established' },
    { name: 'GOODBYE before established', before: 'establishing', msg: [6, {}, 'wamp.close.close_realm'], reason: 'GOODBYE is not allowed in state establishing' },
    { name: 'ERROR before established', before: 'establishing', msg: [8, 48, 1, {}, 'wamp.error.x'], reason: 'ERROR is not allowed in state establishing' },
    { name: 'SUBSCRIBED before established', before: 'establishing', msg: [33, 1, 1], reason: 'SUBSCRIBED is not allowed in state establishing' },
    { name: 'UNSUBSCRIBED before established', before: 'challenging', msg: [35, 1], reason: 'UNSUBSCRIBED is not allowed in state challenging' },
    { name: 'PUBLISHED before established', before: 'authenticating', msg: [17, 1, 1], reason: 'PUBLISHED is not allowed in state authenticating' },
    { name: 'RESULT before established', before: 'establishing', msg: [50, 1, {}], reason: 'RESULT is not allowed in state establishing' },
    { name: 'REGISTERED before established', before: 'establishing', msg: [65, 1, 1], reason: 'REGISTERED is not allowed in state establishing' },
    { name: 'UNREGISTERED before established', before: 'establishing', msg: [67, 1], reason: 'UNREGISTERED is not allowed in state establishing' },
    { name: 'INVOCATION before established', before: 'establishing', msg: [68, 1, 1, {}], reason: 'INVOCATION is not allowed in state establishing' },
    { name: 'WELCOME before the challenge is answered', before: 'challenging', msg: [2, 1, { roles: FULL_ROUTER_ROLES }], reason: 'WELCOME is not allowed in state challenging' },
    { name: 'a second CHALLENGE before the first is answered', before: 'challenging', msg: [4, 'ticket', {}], reason: 'CHALLENGE is not allowed in state challenging' },
    { name: 'a CALL (only clients send it)', before: 'established', msg: [48, 1, {}, 'com.a'], reason: 'CALL is not allowed in state established' },
    { name: 'a YIELD (only clients send it)', before: 'established', msg: [70, 1, {}], reason: 'YIELD is not allowed in state established' },
    // A client does not read the fields of what only clients send: a malformed one is refused the same way.
    { name: 'a malformed PUBLISH (only clients send it)', before: 'established', msg: [16, 'x', 1], reason: 'PUBLISH is not allowed in state established' },
    { name: 'an EVENT_RECEIVED (only clients send it)', before: 'challenging', msg: [337, 1], reason: 'EVENT_RECEIVED is not allowed in state challenging' },
    { name: 'ERROR with an invalid REQUEST.Type', before: 'established', msg: [8, 1, 1, {}, 'wamp.error.x'], reason: 'ERROR: REQUEST.Type 1 is not a request that can fail' },
    { name: 'an empty message', before: 'established', msg: [], reason: 'empty message' },
    { name: 'an unknown message type', before: 'established', msg: [99, 1], reason: 'unknown message type 99' },
    { name: 'WELCOME without roles', before: 'establishing', msg: [2, 1, {}], reason: 'WELCOME.Details.roles is missing' },
    { name: 'WELCOME without broker or dealer', before: 'establishing', msg: [2, 1, { roles: { foo: {} } }], reason: 'WELCOME.Details.roles announces neither a broker nor a dealer' },
  ];

  for (const c of cases) {
    it(`${c.name}: ABORT wamp.error.protocol_violation`, () => {
      const r = new ScriptedRouter();
      if (c.before === 'established') {
        r.establish();
        r.run((s, now) => s.call('com.pending', undefined, undefined, now));
      } else {
        hello(r);
        if (c.before !== 'establishing') r.recv([4, 'ticket', {}]);
        if (c.before === 'authenticating') r.run((s) => s.authenticate('t'));
      }
      expect(r.session.state.tag).toBe(c.before);
      r.sent();
      r.events();
      r.recv(c.msg);
      expect(r.sent()).toEqual([[3, { message: c.reason }, 'wamp.error.protocol_violation']]);
      const events = r.events();
      expect(events.at(-1)).toEqual({
        type: 'closed',
        reason: 'wamp.error.protocol_violation',
        message: c.reason,
        details: { message: c.reason },
        initiator: 'client',
        wasJoined: c.before === 'established',
      });
      if (c.before === 'established') {
        expect(events[0]).toMatchObject({ type: 'error', request: 1, error: { uri: 'wamp.error.protocol_violation' } });
      }
      expect(r.session.pollTimeout()).toBeUndefined();
    });
  }

  it('a frame that is not JSON is a violation', () => {
    const r = joined();
    r.recvFrame('[1, 2');
    const [abort] = r.sent() as [unknown[]];
    expect(abort[0]).toBe(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    expect(String((abort[1] as { message: string }).message)).toMatch(/^malformed json/);
  });

  it('a message over the size limit is a violation', () => {
    const r = new ScriptedRouter({ limits: { maxMessageSize: 1000 } });
    r.establish();
    expect(r.session.state.tag).toBe('established');
    r.recv([36, 1, 1, {}, ['x'.repeat(2000)]]);
    expect(r.sent()).toEqual([
      [3, { message: 'message of 2016 bytes exceeds the limit of 1000' }, 'wamp.error.protocol_violation'],
    ]);
  });
});
