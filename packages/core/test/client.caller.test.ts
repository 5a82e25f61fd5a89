import { describe, expect, it } from 'vitest';
import { CanceledError, LeanClientSession, LocalProtocolError, RequestTimeoutError, WampError, continueCall, type ClientEvent } from '@wamp/core';
import { BASIC_ROUTER_ROLES, joined, registered, violation } from './harness/scripted-router.js';

const dealerWith = (features: Record<string, boolean>) => ({ dealer: { features }, broker: {} });

describe('caller: CALL, RESULT, ERROR', () => {
  it('sends CALL with args and kwargs and delivers RESULT', () => {
    const r = joined();
    const id = r.run((s, now) => s.call('com.myapp.user.new', { args: ['johnny'], kwargs: { firstname: 'John' } }, undefined, now));
    expect(id).toBe(1);
    expect(r.sent()).toEqual([[48, 1, {}, 'com.myapp.user.new', ['johnny'], { firstname: 'John' }]]);
    r.recv([50, 1, { x: 1 }, [30], { userid: 123 }]);
    expect(r.events()).toEqual([{ type: 'result', request: 1, details: { x: 1 }, args: [30], kwargs: { userid: 123 } }]);
  });

  it('omits empty args and kwargs, and defaults them in a RESULT', () => {
    const r = joined();
    r.run((s, now) => s.call('com.ping', { args: [], kwargs: {} }, undefined, now));
    r.run((s, now) => s.call('com.kw', { kwargs: { a: 1 } }, undefined, now));
    expect(r.sent()).toEqual([
      [48, 1, {}, 'com.ping'],
      [48, 2, {}, 'com.kw', [], { a: 1 }],
    ]);
    r.recv([50, 1, {}]);
    r.recv([50, 2, {}, [], { b: 2 }]);
    expect(r.events()).toEqual([
      { type: 'result', request: 1, details: {}, args: [], kwargs: {} },
      { type: 'result', request: 2, details: {}, args: [], kwargs: { b: 2 } },
    ]);
  });

  it('delivers ERROR as a WampError with the URI, args, kwargs and details', () => {
    const r = joined();
    r.run((s, now) => s.call('com.write', undefined, undefined, now));
    r.sent();
    r.recv([8, 48, 1, { d: true }, 'com.myapp.error.object_write_protected', ['Object is write protected.'], { severity: 3 }]);
    const [e] = r.events() as [ClientEvent & { type: 'error' }];
    expect(e).toMatchObject({ type: 'error', request: 1, kind: 'call', details: { d: true } });
    expect(e.error).toBeInstanceOf(WampError);
    expect(e.error.uri).toBe('com.myapp.error.object_write_protected');
    expect(e.error.args).toEqual(['Object is write protected.']);
    expect(e.error.kwargs).toEqual({ severity: 3 });
    expect(e.error.message).toBe('com.myapp.error.object_write_protected: Object is write protected.');
  });

  it('sends disclose_me and receive_progress', () => {
    const r = joined();
    r.run((s, now) => s.call('com.a', undefined, { discloseMe: true, receiveProgress: true }, now));
    expect(r.sent()).toEqual([[48, 1, { disclose_me: true, receive_progress: true }, 'com.a']]);
  });

  it('uses sequential request IDs from 1 across every kind of request', () => {
    const r = joined();
    r.run((s, now) => s.call('com.a', undefined, undefined, now));
    r.run((s) => s.subscribe('com.t'));
    r.run((s) => s.publish('com.t'));
    r.run((s) => s.register('com.p'));
    r.run((s, now) => s.call('com.a', undefined, undefined, now));
    expect(r.sent().map((m) => m[1])).toEqual([1, 2, 3, 4, 5]);
  });

  it('treats answers to requests that are not pending calls as protocol violations', () => {
    const cases: [string, unknown[], string][] = [
      ['never sent', [50, 9, {}], 'RESULT for request 9, which was never sent'],
      ['answered', [50, 1, {}], 'RESULT for request 1, which is not pending'],
      ['other kind', [50, 2, {}], 'RESULT for request 2, which is a subscribe'],
      ['error kind', [8, 64, 2, {}, 'wamp.error.x'], 'ERROR for REGISTER for request 2, which is a subscribe'],
      ['invocation error', [8, 68, 2, {}, 'wamp.error.x'], 'ERROR for a INVOCATION, which a router never answers'],
    ];
    for (const [what, msg, reason] of cases) {
      const r = joined();
      r.run((s, now) => s.call('com.a', undefined, undefined, now));
      r.run((s) => s.subscribe('com.t'));
      r.recv([50, 1, {}]);
      r.sent();
      r.events();
      r.recv(msg);
      expect(r.session.state.tag, what).toBe('closed');
      violation(r, reason);
    }
  });
});

describe('caller: progressive call results', () => {
  it('delivers progress events, then the final result', () => {
    const r = joined();
    r.run((s, now) => s.call('com.myapp.compute_revenue', { args: [2010, 2011] }, { receiveProgress: true }, now));
    expect(r.sent()).toEqual([[48, 1, { receive_progress: true }, 'com.myapp.compute_revenue', [2010, 2011]]]);
    r.recv([50, 1, { progress: true }, ['Y2010', 120]]);
    r.recv([50, 1, { progress: true }]);
    r.recv([50, 1, {}, ['Total', 490]]);
    expect(r.events()).toEqual([
      { type: 'progress', request: 1, details: { progress: true }, args: ['Y2010', 120], kwargs: {} },
      { type: 'progress', request: 1, details: { progress: true }, args: [], kwargs: {} },
      { type: 'result', request: 1, details: {}, args: ['Total', 490], kwargs: {} },
    ]);
  });

  it('a progressive RESULT for a call that did not ask for it is a violation', () => {
    const r = joined();
    r.run((s, now) => s.call('com.a', undefined, undefined, now));
    r.sent();
    r.recv([50, 1, { progress: true }, [1]]);
    violation(r, 'progressive RESULT for call 1, which did not ask for progressive results');
  });

  it('restarts the local timeout at every progressive result', () => {
    const r = joined();
    r.run((s, now) => s.call('com.a', undefined, { receiveProgress: true, timeout: 100 }, now));
    r.sent();
    r.advance(80);
    r.recv([50, 1, { progress: true }, [1]]);
    expect(r.session.pollTimeout()).toBe(180);
    r.advance(90);
    r.recv([50, 1, {}, [2]]);
    expect(r.events().map((e) => e.type)).toEqual(['progress', 'result']);
    expect(r.session.pollTimeout()).toBeUndefined();
  });
});

describe('caller: progressive call invocations', () => {
  it('sends every chunk with the same request ID and ends with a plain CALL', () => {
    const r = joined();
    const id = r.run((s, now) => s.call('com.upload', { args: ['a'] }, { progress: true }, now));
    expect(r.run((s) => s.continueCall(id, { args: ['b'] }, { progress: true }))).toBe(true);
    expect(r.run((s) => s.continueCall(id, { args: ['c'] }))).toBe(true);
    expect(r.sent()).toEqual([
      [48, 1, { progress: true }, 'com.upload', ['a']],
      [48, 1, { progress: true }, 'com.upload', ['b']],
      [48, 1, {}, 'com.upload', ['c']],
    ]);
    expect(() => r.run((s) => s.continueCall(id, { args: ['d'] }))).toThrow(/not an open progressive call/);
    r.recv([50, 1, {}, ['done']]);
    expect(r.events()).toEqual([{ type: 'result', request: 1, details: {}, args: ['done'], kwargs: {} }]);
  });

  it('is the function continueCall on a LeanClientSession, the same as the method of ClientSession', () => {
    const r = joined();
    const id = r.run((s, now) => s.call('com.upload', { args: ['a'] }, { progress: true }, now));
    expect(r.run((s) => continueCall(s, id, { args: ['b'] }, { progress: true }))).toBe(true);
    expect(r.run((s) => continueCall(s, id, { args: ['c'] }))).toBe(true);
    expect(r.sent()).toEqual([
      [48, 1, { progress: true }, 'com.upload', ['a']],
      [48, 1, { progress: true }, 'com.upload', ['b']],
      [48, 1, {}, 'com.upload', ['c']],
    ]);
    expect(() => r.run((s) => continueCall(s, id, { args: ['d'] }))).toThrow(/not an open progressive call/);
    expect('continueCall' in LeanClientSession.prototype).toBe(false);
  });

  it('drops a chunk for a call the callee already answered', () => {
    const r = joined();
    const id = r.run((s, now) => s.call('com.upload', { args: ['a'] }, { progress: true }, now));
    r.recv([8, 48, 1, {}, 'com.error.too_big']);
    r.sent();
    expect(r.run((s) => s.continueCall(id, { args: ['b'] }, { progress: true }))).toBe(false);
    expect(r.sent()).toEqual([]);
    expect(() => r.run((s) => s.continueCall(7))).toThrow(/no call with request ID 7/);
  });

  it('refuses CALL.Options.progress when the dealer does not announce it', () => {
    const r = joined(dealerWith({ call_canceling: true }));
    expect(() => r.run((s, now) => s.call('com.a', undefined, { progress: true }, now))).toThrow(LocalProtocolError);
    expect(() => r.run((s, now) => s.call('com.a', undefined, { progress: true }, now))).toThrow(
      /progressive_call_invocations/,
    );
    expect(r.sent()).toEqual([]);
  });

  it('refuses to continue a call that is not progressive', () => {
    const r = joined();
    const id = r.run((s, now) => s.call('com.a', undefined, undefined, now));
    r.run((s) => s.subscribe('com.t'));
    expect(() => r.run((s) => s.continueCall(id))).toThrow(/not an open progressive call/);
    expect(() => r.run((s) => s.continueCall(2))).toThrow(/not an open progressive call/);
  });
});

describe('caller: timeouts', () => {
  it('sends the timeout to a dealer with call_timeout and fails locally at the deadline', () => {
    const r = joined();
    r.run((s, now) => s.call('com.slow', undefined, { timeout: 1000 }, now));
    expect(r.sent()).toEqual([[48, 1, { timeout: 1000 }, 'com.slow']]);
    expect(r.session.pollTimeout()).toBe(1000);
    r.advance(999);
    expect(r.events()).toEqual([]);
    r.advance(1);
    // The dealer runs the same timeout, so no CANCEL.
    expect(r.sent()).toEqual([]);
    const [e] = r.events() as [ClientEvent & { type: 'error' }];
    expect(e).toMatchObject({ type: 'error', request: 1, kind: 'call', details: {} });
    expect(e.error).toBeInstanceOf(RequestTimeoutError);
    expect(e.error.uri).toBe('wamp.error.timeout');
    expect(e.error.message).toBe('wamp.error.timeout: call to com.slow timed out after 1000 ms');
    // The dealer's own timeout error arrives late and is dropped.
    r.recv([8, 48, 1, {}, 'wamp.error.timeout']);
    expect(r.events()).toEqual([
      { type: 'warning', message: 'late ERROR wamp.error.timeout for call 1 (com.slow) dropped: the call was cancelled or timed out' },
    ]);
    expect(r.session.state.tag).toBe('established');
    // The abandoned call is gone now: a second answer is a violation.
    r.recv([50, 1, {}]);
    violation(r, 'RESULT for request 1, which is not pending');
  });

  it('cancels with killnowait at the deadline when the dealer cancels but has no call_timeout', () => {
    const r = joined(dealerWith({ call_canceling: true }));
    r.run((s, now) => s.call('com.slow', undefined, { timeout: 50 }, now));
    expect(r.sent()).toEqual([[48, 1, {}, 'com.slow']]);
    r.advance(50);
    expect(r.sent()).toEqual([[49, 1, { mode: 'killnowait' }]]);
    expect(r.events()).toMatchObject([{ type: 'error', request: 1, error: { uri: 'wamp.error.timeout' } }]);
    r.recv([50, 1, { progress: true }]);
    r.recv([50, 1, {}, [1]]);
    expect(r.events().map((e) => e.type)).toEqual(['warning', 'warning']);
  });

  it('only fails locally when the dealer can neither time out nor cancel', () => {
    const r = joined(BASIC_ROUTER_ROLES);
    r.run((s, now) => s.call('com.slow', undefined, { timeout: 50 }, now));
    expect(r.sent()).toEqual([[48, 1, {}, 'com.slow']]);
    r.advance(60);
    expect(r.sent()).toEqual([]);
    expect(r.events()).toMatchObject([{ type: 'error', error: { uri: 'wamp.error.timeout' } }]);
  });

  it('fires several deadlines in order and clears them when calls end', () => {
    const r = joined();
    r.run((s, now) => s.call('com.a', undefined, { timeout: 300 }, now));
    r.run((s, now) => s.call('com.b', undefined, { timeout: 100 }, now));
    r.run((s, now) => s.call('com.c', undefined, { timeout: 200 }, now));
    r.run((s, now) => s.call('com.d', undefined, { timeout: 0 }, now));
    expect(r.sent().map((m) => m[2])).toEqual([{ timeout: 300 }, { timeout: 100 }, { timeout: 200 }, {}]);
    r.recv([50, 3, {}]);
    expect(r.session.pollTimeout()).toBe(100);
    r.advance(1000);
    expect(r.events().map((e) => [e.type, 'request' in e ? e.request : undefined])).toEqual([
      ['result', 3],
      ['error', 2],
      ['error', 1],
    ]);
    expect(r.session.pollTimeout()).toBeUndefined();
  });
});

describe('caller: cancel', () => {
  for (const mode of ['skip', 'killnowait'] as const) {
    it(`${mode}: sends CANCEL, fails the call at once and drops the router's answer`, () => {
      const r = joined();
      const id = r.run((s, now) => s.call('com.long', undefined, { timeout: 500 }, now));
      r.sent();
      expect(r.run((s) => s.cancel(id, mode))).toBe(true);
      expect(r.sent()).toEqual([[49, 1, { mode }]]);
      const [e] = r.events() as [ClientEvent & { type: 'error' }];
      expect(e.error).toBeInstanceOf(CanceledError);
      expect(e.error.uri).toBe('wamp.error.canceled');
      expect(r.session.pollTimeout()).toBeUndefined();
      expect(r.run((s) => s.cancel(id, mode))).toBe(false);
      // The dealer answers a skip/killnowait CANCEL with ERROR by design: dropped without a warning.
      r.recv([8, 48, 1, {}, 'wamp.error.canceled']);
      expect(r.events()).toEqual([]);
      expect(r.run((s) => s.cancel(id))).toBe(false);
      expect(r.sent()).toEqual([]);
    });
  }

  it('kill: sends CANCEL and waits for the router, which may still deliver a RESULT', () => {
    const r = joined();
    const a = r.run((s, now) => s.call('com.long', undefined, undefined, now));
    const b = r.run((s, now) => s.call('com.long', undefined, undefined, now));
    r.sent();
    r.run((s) => s.cancel(a, 'kill'));
    r.run((s) => s.cancel(b, 'kill'));
    expect(r.sent()).toEqual([
      [49, 1, { mode: 'kill' }],
      [49, 2, { mode: 'kill' }],
    ]);
    expect(r.events()).toEqual([]);
    // A second kill sends nothing more.
    r.run((s) => s.cancel(a, 'kill'));
    expect(r.sent()).toEqual([]);
    r.recv([8, 48, 1, {}, 'wamp.error.canceled']);
    r.recv([50, 2, {}, ['finished first']]);
    const events = r.events();
    expect(events[0]).toMatchObject({ type: 'error', request: 1, error: { uri: 'wamp.error.canceled' } });
    expect((events[0] as ClientEvent & { type: 'error' }).error).not.toBeInstanceOf(CanceledError);
    expect(events[1]).toEqual({ type: 'result', request: 2, details: {}, args: ['finished first'], kwargs: {} });
  });

  it('kill then skip: the call fails locally without a second CANCEL', () => {
    const r = joined();
    const id = r.run((s, now) => s.call('com.long', undefined, undefined, now));
    r.run((s) => s.cancel(id, 'kill'));
    r.sent();
    r.run((s) => s.cancel(id, 'skip'));
    expect(r.sent()).toEqual([]);
    expect(r.events()).toMatchObject([{ type: 'error', error: { uri: 'wamp.error.canceled' } }]);
  });

  it('a dealer without call_canceling gets no CANCEL; every mode fails locally', () => {
    const r = joined(BASIC_ROUTER_ROLES);
    const id = r.run((s, now) => s.call('com.long', undefined, undefined, now));
    r.sent();
    r.run((s) => s.cancel(id, 'kill'));
    expect(r.sent()).toEqual([]);
    expect(r.events()).toMatchObject([{ type: 'error', error: { uri: 'wamp.error.canceled' } }]);
    r.recv([50, 1, {}, [1]]);
    expect(r.events()).toMatchObject([{ type: 'warning' }]);
  });

  it('accepts the call_cancelling spelling of the dealer feature', () => {
    const r = joined(dealerWith({ call_cancelling: true }));
    const id = r.run((s, now) => s.call('com.long', undefined, undefined, now));
    r.sent();
    r.run((s) => s.cancel(id));
    expect(r.sent()).toEqual([[49, 1, { mode: 'killnowait' }]]);
  });

  it('refuses to cancel a request that is not a call', () => {
    const r = joined();
    r.run((s) => s.subscribe('com.t'));
    expect(() => r.run((s) => s.cancel(1))).toThrow(/is a subscribe, not a call/);
  });

  it('an ERROR for a CANCEL is a warning; the call goes on', () => {
    const r = joined();
    const id = r.run((s, now) => s.call('com.long', undefined, undefined, now));
    r.run((s) => s.cancel(id, 'kill'));
    r.sent();
    r.recv([8, 49, 1, {}, 'wamp.error.no_such_call']);
    expect(r.events()).toEqual([{ type: 'warning', message: 'the router refused to cancel call 1: wamp.error.no_such_call' }]);
    r.recv([50, 1, {}, [1]]);
    expect(r.events()).toMatchObject([{ type: 'result', request: 1 }]);
    r.recv([8, 49, 5, {}, 'wamp.error.no_such_call']);
    violation(r, 'ERROR for CANCEL of request 5, which was never sent');
  });
});

describe('handleMessage with the clock instead of the time', () => {
  it('reads the clock only for a message that sets a deadline', () => {
    const r = joined();
    r.run((s, now) => s.call('com.a', undefined, { receiveProgress: true, timeout: 100 }, now));
    r.run((s) => s.subscribe('com.t'));
    r.recv([33, 2, 300]);
    r.sent();
    r.events();
    let reads = 0;
    const clock = (): number => {
      reads++;
      return 500;
    };
    const feed = (wire: unknown[]): void => {
      r.session.handleMessage(r.serializer.encode(wire), clock);
      r.drain();
    };
    feed([36, 300, 1, {}, [1]]);
    feed([36, 300, 2, { publisher: 7 }, [2]]);
    expect(reads).toBe(0);
    // A progressive result restarts the call's timeout from the clock's time.
    feed([50, 1, { progress: true }, [1]]);
    expect(reads).toBe(1);
    expect(r.session.pollTimeout()).toBe(600);
    feed([50, 1, {}, [2]]);
    expect(reads).toBe(1);
    expect(r.events().map((e) => e.type)).toEqual(['event', 'event', 'progress', 'result']);
  });

  it('sets an invocation timeout from the clock', () => {
    const r = registered();
    r.events();
    const clock = (): number => 1000;
    r.session.handleMessage(r.serializer.encode([68, 1, 100, { timeout: 50 }, [1]]), clock);
    r.drain();
    expect(r.events()).toMatchObject([{ type: 'invocation', request: 1, timeout: 50 }]);
    expect(r.session.pollTimeout()).toBe(1050);
  });
});
