import { describe, expect, it } from 'vitest';
import { LeanClientSession, LocalProtocolError, clientCallee } from '@wamp/core';
import { FULL_ROUTER_ROLES, ScriptedRouter, joined, registered, violation } from './harness/scripted-router.js';

describe('callee: REGISTER and UNREGISTER', () => {
  it('sends REGISTER with match, invoke and disclose_caller and reports REGISTERED', () => {
    const r = joined();
    r.run((s) => s.register('com.myapp', { match: 'prefix', invoke: 'roundrobin', discloseCaller: true }));
    r.run((s) => s.register('com..update', { match: 'wildcard', invoke: 'random' }));
    r.run((s) => s.register('com.x', { match: 'exact', invoke: 'first', forceReregister: true }));
    r.run((s) => s.register('com.y', { invoke: 'last' }));
    r.run((s) => s.register('com.z', { invoke: 'single' }));
    expect(r.sent()).toEqual([
      [64, 1, { match: 'prefix', invoke: 'roundrobin', disclose_caller: true }, 'com.myapp'],
      [64, 2, { match: 'wildcard', invoke: 'random' }, 'com..update'],
      [64, 3, { match: 'exact', invoke: 'first', force_reregister: true }, 'com.x'],
      [64, 4, { invoke: 'last' }, 'com.y'],
      [64, 5, { invoke: 'single' }, 'com.z'],
    ]);
    r.recv([65, 2, 200]);
    expect(r.events()).toEqual([{ type: 'registered', request: 2, registration: 200, procedure: 'com..update' }]);
  });

  it('reports a REGISTER error', () => {
    const r = joined();
    r.run((s) => s.register('com.p'));
    r.recv([8, 64, 1, {}, 'wamp.error.procedure_already_exists']);
    expect(r.events()).toMatchObject([
      { type: 'error', request: 1, kind: 'register', error: { uri: 'wamp.error.procedure_already_exists' } },
    ]);
  });

  it('unregisters, still serving invocations until UNREGISTERED', () => {
    const r = registered();
    expect(r.run((s) => s.unregister(100))).toBe(2);
    expect(r.sent()).toEqual([[66, 2, 100]]);
    expect(() => r.run((s) => s.unregister(100))).toThrow(/no active registration 100/);
    r.recv([68, 1, 100, {}, [1]]);
    expect(r.events()).toMatchObject([{ type: 'invocation', request: 1 }]);
    r.recv([67, 2]);
    expect(r.events()).toEqual([{ type: 'unregistered', request: 2, registration: 100 }]);
    r.run((s) => s.yield(1));
    expect(r.sent()).toEqual([[70, 1, {}]]);
    r.recv([68, 2, 100, {}]);
    violation(r, 'INVOCATION for registration 100, which this session does not hold');
  });

  it('an UNREGISTER error leaves the registration active', () => {
    const r = registered();
    r.run((s) => s.unregister(100));
    r.recv([8, 66, 2, {}, 'wamp.error.no_such_registration']);
    expect(r.events()).toMatchObject([{ type: 'error', request: 2, kind: 'unregister' }]);
    r.run((s) => s.unregister(100));
    expect(r.sent()).toEqual([
      [66, 2, 100],
      [66, 3, 100],
    ]);
  });

  it('handles registration revocation (UNREGISTERED with request 0)', () => {
    const r = registered();
    r.recv([67, 0, { registration: 100, reason: 'moving endpoint to other callee' }]);
    expect(r.events()).toEqual([
      { type: 'registrationRevoked', registration: 100, reason: 'moving endpoint to other callee' },
    ]);
    expect(() => r.run((s) => s.unregister(100))).toThrow(LocalProtocolError);
    r.recv([67, 0, { registration: 100 }]);
    violation(r, 'UNREGISTERED revokes registration 100, which this session does not hold');
  });

  it('an UNREGISTERED for an UNREGISTER never sent is a violation', () => {
    const r = registered();
    r.recv([67, 7]);
    violation(r, 'UNREGISTERED for request 7, which was never sent');
  });
});

describe('callee: INVOCATION, YIELD, ERROR', () => {
  it('delivers INVOCATION and sends YIELD', () => {
    const r = registered();
    r.recv([68, 6131533, 100, { caller: 5, caller_authid: 'joe' }, ['johnny'], { firstname: 'John' }]);
    expect(r.events()).toEqual([
      {
        type: 'invocation',
        request: 6131533,
        registration: 100,
        procedure: 'com.p',
        details: { caller: 5, caller_authid: 'joe' },
        // Decoded once from Details ("Caller Identification").
        caller: 5,
        callerAuthid: 'joe',
        receiveProgress: false,
        progress: false,
        continuation: false,
        args: ['johnny'],
        kwargs: { firstname: 'John' },
      },
    ]);
    expect(r.run((s) => s.yield(6131533, { args: [], kwargs: { userid: 123 } }))).toBe(true);
    expect(r.sent()).toEqual([[70, 6131533, {}, [], { userid: 123 }]]);
    // Answered: a second answer is dropped, not sent.
    expect(r.run((s) => s.yield(6131533))).toBe(false);
    expect(r.run((s) => s.yieldError(6131533, 'com.e'))).toBe(false);
    expect(r.sent()).toEqual([]);
    expect(() => r.run((s) => s.yield(6131534))).toThrow(/no invocation with request ID 6131534/);
  });

  it('uses Details.procedure for a pattern registration', () => {
    const r = joined();
    r.run((s) => s.register('com.myapp', { match: 'prefix' }));
    r.recv([65, 1, 7]);
    r.recv([68, 1, 7, { procedure: 'com.myapp.add' }, [1]]);
    expect(r.events()).toMatchObject([{ type: 'registered' }, { type: 'invocation', procedure: 'com.myapp.add' }]);
  });

  it('sends progressive results when the caller asked for them', () => {
    const r = registered();
    r.recv([68, 1, 100, { receive_progress: true }]);
    expect(r.events()).toMatchObject([{ type: 'invocation', receiveProgress: true }]);
    r.run((s) => s.yield(1, { args: ['Y2010', 120] }, { progress: true }));
    r.run((s) => s.yield(1, undefined, { progress: true }));
    r.run((s) => s.yield(1, { args: ['Total', 490] }));
    expect(r.sent()).toEqual([
      [70, 1, { progress: true }, ['Y2010', 120]],
      [70, 1, { progress: true }],
      [70, 1, {}, ['Total', 490]],
    ]);
  });

  it('refuses a progressive result the caller did not ask for', () => {
    const r = registered();
    r.recv([68, 1, 100, {}]);
    expect(() => r.run((s) => s.yield(1, undefined, { progress: true }))).toThrow(/did not ask for progressive results/);
    expect(r.sent()).toEqual([]);
    r.run((s) => s.yield(1));
    expect(r.sent()).toEqual([[70, 1, {}]]);
  });

  it('sends an invocation ERROR with URI, args and kwargs', () => {
    const r = registered();
    r.recv([68, 1, 100, {}]);
    expect(() => r.run((s) => s.yieldError(1, 'not a uri'))).toThrow(LocalProtocolError);
    r.run((s) => s.yieldError(1, 'com.myapp.error.object_write_protected', { args: ['Object is write protected.'], kwargs: { severity: 3 } }));
    expect(r.sent()).toEqual([
      [8, 68, 1, {}, 'com.myapp.error.object_write_protected', ['Object is write protected.'], { severity: 3 }],
    ]);
  });

  it('refuses an INVOCATION that reuses the ID of one in progress', () => {
    const r = registered();
    r.recv([68, 1, 100, {}]);
    r.recv([68, 1, 100, {}]);
    violation(r, 'INVOCATION reuses request 1 of an invocation in progress');
  });

  it('drops answers once the session is shutting down or closed', () => {
    const r = registered();
    r.recv([68, 1, 100, {}]);
    r.recv([68, 2, 100, {}]);
    r.run((s, now) => s.leave({}, now));
    r.sent();
    expect(r.run((s) => s.yield(1))).toBe(false);
    r.recv([6, {}, 'wamp.close.goodbye_and_out']);
    expect(r.run((s) => s.yieldError(2, 'com.e'))).toBe(false);
    expect(r.sent()).toEqual([]);
  });
});

describe('callee: INTERRUPT', () => {
  it('kill: the application learns of it and its answer is still sent', () => {
    const r = registered();
    r.recv([68, 1, 100, {}]);
    r.events();
    r.recv([69, 1, { mode: 'kill', reason: 'wamp.error.canceled' }]);
    expect(r.events()).toEqual([{ type: 'interrupt', request: 1, mode: 'kill', reason: 'wamp.error.canceled' }]);
    r.recv([69, 1, { mode: 'kill' }]);
    expect(r.events()).toEqual([{ type: 'warning', message: 'second INTERRUPT for invocation 1 ignored' }]);
    expect(r.run((s) => s.yieldError(1, 'wamp.error.canceled'))).toBe(true);
    expect(r.sent()).toEqual([[8, 68, 1, {}, 'wamp.error.canceled']]);
  });

  it('an INTERRUPT without mode is treated as kill', () => {
    const r = registered();
    r.recv([68, 1, 100, {}]);
    r.events();
    r.recv([69, 1, {}]);
    expect(r.events()).toEqual([{ type: 'interrupt', request: 1, mode: 'kill', reason: undefined }]);
    expect(r.run((s) => s.yield(1, { args: [1] }))).toBe(true);
  });

  it('killnowait: the application learns of it and its late answer is dropped', () => {
    const r = registered();
    r.recv([68, 1, 100, { receive_progress: true }]);
    r.events();
    r.recv([69, 1, { mode: 'killnowait' }]);
    expect(r.events()).toEqual([{ type: 'interrupt', request: 1, mode: 'killnowait', reason: undefined }]);
    expect(r.run((s) => s.yield(1, { args: [1] }, { progress: true }))).toBe(false);
    expect(r.run((s) => s.yield(1, { args: [1] }))).toBe(false);
    expect(r.sent()).toEqual([]);
  });

  it('an INTERRUPT that crossed our answer is ignored; one for an invocation never received is a violation', () => {
    const r = registered();
    r.recv([68, 1, 100, {}]);
    r.run((s) => s.yield(1));
    r.sent();
    r.events();
    r.recv([69, 1, { mode: 'kill' }]);
    expect(r.events()).toEqual([]);
    expect(r.sent()).toEqual([]);
    r.recv([69, 2, { mode: 'kill' }]);
    violation(r, 'INTERRUPT for invocation 2, which was never received');
  });
});

describe('callee: progressive call invocations', () => {
  it('delivers every chunk under the same request ID', () => {
    const r = registered();
    r.recv([68, 35224, 100, { progress: true }, [50.45, 30.52]]);
    r.recv([68, 35224, 100, { progress: true }, [1]]);
    r.recv([68, 35224, 100, {}, [2]]);
    expect(r.events()).toEqual([
      {
        type: 'invocation',
        request: 35224,
        registration: 100,
        procedure: 'com.p',
        details: { progress: true },
        receiveProgress: false,
        progress: true,
        continuation: false,
        args: [50.45, 30.52],
        kwargs: {},
      },
      {
        type: 'invocation',
        request: 35224,
        registration: 100,
        procedure: 'com.p',
        details: { progress: true },
        receiveProgress: false,
        progress: true,
        continuation: true,
        args: [1],
        kwargs: {},
      },
      {
        type: 'invocation',
        request: 35224,
        registration: 100,
        procedure: 'com.p',
        details: {},
        receiveProgress: false,
        progress: false,
        continuation: true,
        args: [2],
        kwargs: {},
      },
    ]);
    // The input ended: another chunk with that ID while the invocation runs is a violation.
    r.recv([68, 35224, 100, {}, [3]]);
    violation(r, 'INVOCATION reuses request 35224 of an invocation in progress');
  });

  it('drops a chunk for an invocation already answered (continuations on completed calls)', () => {
    const r = registered();
    r.recv([68, 42, 100, { progress: true }, ['a']]);
    r.run((s) => s.yieldError(42, 'com.error.refused'));
    r.sent();
    r.events();
    r.recv([68, 42, 100, { progress: true }, ['b']]);
    expect(r.events()).toEqual([{ type: 'warning', message: 'INVOCATION chunk for finished invocation 42 dropped' }]);
    expect(r.sent()).toEqual([]);
    expect(r.session.state.tag).toBe('established');
  });

  it('refuses a continuation under another registration', () => {
    const r = registered();
    r.run((s) => s.register('com.q'));
    r.recv([65, 2, 200]);
    r.recv([68, 1, 100, { progress: true }]);
    r.sent();
    r.recv([68, 1, 200, {}]);
    violation(r, 'INVOCATION continues request 1 under another registration');
  });
});

describe('callee: a module of its own (LeanClientSession, clientCallee)', () => {
  const lean = (): ScriptedRouter<LeanClientSession> => {
    const r = new ScriptedRouter<LeanClientSession>({}, (o) => new LeanClientSession(o));
    r.establish({ roles: FULL_ROUTER_ROLES });
    return r;
  };

  it('without the callee side, the callee messages are violations, as for a session that registered nothing', () => {
    for (const [message, reason] of [
      [[65, 1, 100], 'REGISTERED for request 1, which was never sent'],
      [[67, 0, { registration: 100 }], 'UNREGISTERED revokes registration 100, which this session does not hold'],
      [[67, 5], 'UNREGISTERED for request 5, which was never sent'],
      [[68, 1, 100, {}], 'INVOCATION for registration 100, which this session does not hold'],
      [[69, 1, {}], 'INTERRUPT for invocation 1, which was never received'],
    ] as const) {
      const r = lean();
      r.recv([...message]);
      violation(r, reason);
    }
    // The same messages reach the full ClientSession with the same outcome.
    const full = joined();
    full.recv([68, 1, 100, {}]);
    violation(full, 'INVOCATION for registration 100, which this session does not hold');
  });

  it('a REGISTERED for a pending call names the call, without the callee side too', () => {
    const r = lean();
    r.run((s, now) => s.call('com.p', undefined, undefined, now));
    r.sent();
    r.recv([65, 1, 100]);
    violation(r, 'REGISTERED for request 1, which is a call');
  });

  it('clientCallee() installs the role once and serves it as ClientSession does', () => {
    const r = lean();
    const callee = clientCallee(r.session);
    expect(clientCallee(r.session)).toBe(callee);
    // Commands go through run(), which drains the outputs as a driver does.
    expect(r.run(() => callee.register('com.p'))).toBe(1);
    r.recv([65, 1, 100]);
    r.recv([68, 1, 100, { timeout: 50 }, [2]]);
    expect(r.events()).toMatchObject([
      { type: 'registered', request: 1, registration: 100, procedure: 'com.p' },
      { type: 'invocation', request: 1, registration: 100, args: [2], timeout: 50 },
    ]);
    expect(r.run(() => callee.yield(1, { args: [4] }))).toBe(true);
    expect(r.run(() => callee.yield(1))).toBe(false);
    expect(r.sent()).toEqual([
      [64, 1, {}, 'com.p'],
      [70, 1, {}, [4]],
    ]);
    expect(r.run(() => callee.unregister(100))).toBe(2);
    expect(() => r.run(() => callee.unregister(100))).toThrow(LocalProtocolError);
  });
});
