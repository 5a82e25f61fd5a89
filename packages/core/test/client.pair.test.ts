// The client core against the router core of this repository, in memory:
// what one announces and sends, the other must understand.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SessionClosedError, cborSerializer, msgpackSerializer, type CancelMode, type ClientEvent } from '@wamp/core';
import { RouterNet, type Peer } from './harness/router-net.js';

function registered(net: RouterNet, procedure = 'com.app.add', options = {}): { callee: Peer; registration: number } {
  const callee = net.peer();
  callee.run((s) => s.register(procedure, options));
  const registration = callee.one('registered').registration;
  return { callee, registration };
}

describe('ClientSession ↔ Router', () => {
  it('joins with every announced feature and the router dealer and broker roles', () => {
    const net = new RouterNet();
    const p = net.peer();
    expect(p.core.state.tag).toBe('established');
    const st = p.core.state;
    if (st.tag !== 'established') throw new Error('not established');
    expect(st.joined.roles.dealer).toBeDefined();
    expect(st.joined.roles.broker).toBeDefined();
  });

  for (const serializer of [msgpackSerializer, cborSerializer]) {
    it(`calls through the router with ${serializer.name}`, () => {
      const net = new RouterNet();
      const callee = net.peer('realm1', {}, serializer);
      callee.run((s) => s.register('com.app.add'));
      callee.take();
      const caller = net.peer('realm1', {}, serializer);
      caller.run((s, now) => s.call('com.app.add', { args: [2, 3], kwargs: { bin: new Uint8Array([1]) } }, undefined, now));
      const inv = callee.one('invocation');
      expect(inv.args).toEqual([2, 3]);
      expect(inv.kwargs).toEqual({ bin: new Uint8Array([1]) });
      callee.run((s) => s.yield(inv.request, { args: [5] }));
      expect(caller.one('result').args).toEqual([5]);
    });
  }

  it('routes progressive results and progressive invocations', () => {
    const net = new RouterNet();
    const { callee } = registered(net, 'com.app.stream');
    const caller = net.peer();
    const request = caller.run((s, now) => s.call('com.app.stream', { args: ['a'] }, { receiveProgress: true, progress: true }, now));
    const first = callee.one('invocation');
    expect(first).toMatchObject({ progress: true, receiveProgress: true, continuation: false, args: ['a'] });
    caller.run((s) => s.continueCall(request, { args: ['b'] }));
    expect(callee.one('invocation')).toMatchObject({ progress: false, continuation: true, args: ['b'] });
    callee.run((s) => s.yield(first.request, { args: [1] }, { progress: true }));
    callee.run((s) => s.yield(first.request, { args: [2] }));
    const events = caller.take();
    expect(events.map((e) => e.type)).toEqual(['progress', 'result']);
  });

  it('a router ERROR for a call to nothing reaches the caller', () => {
    const net = new RouterNet();
    const caller = net.peer();
    caller.run((s, now) => s.call('com.nobody', undefined, undefined, now));
    expect(caller.one('error').error.uri).toBe('wamp.error.no_such_procedure');
  });

  for (const mode of ['skip', 'kill', 'killnowait'] as CancelMode[]) {
    it(`cancel ${mode}: the caller's call ends once, and the callee hears of it as the mode says`, () => {
      const net = new RouterNet();
      const { callee } = registered(net);
      const caller = net.peer();
      const request = caller.run((s, now) => s.call('com.app.add', undefined, undefined, now));
      const inv = callee.one('invocation');
      caller.run((s) => s.cancel(request, mode));
      const interrupts = callee.take().filter((e) => e.type === 'interrupt');
      expect(interrupts.map((e) => e.type === 'interrupt' && e.mode)).toEqual(mode === 'skip' ? [] : [mode]);
      if (mode === 'kill') {
        expect(caller.take()).toEqual([]);
        callee.run((s) => s.yieldError(inv.request, 'wamp.error.canceled'));
      } else {
        callee.run((s) => s.yield(inv.request, { args: ['late'] }));
      }
      const ends = caller.take().filter((e) => e.type === 'error' || e.type === 'result');
      expect(ends).toHaveLength(1);
      expect(ends[0]).toMatchObject({ type: 'error', error: { uri: 'wamp.error.canceled' } });
      expect(caller.core.state.tag).toBe('established');
      expect(callee.core.state.tag).toBe('established');
    });
  }

  it('a call timeout: the caller fails at its deadline, the callee is interrupted, nothing is violated', () => {
    const net = new RouterNet();
    const { callee } = registered(net);
    const caller = net.peer();
    caller.run((s, now) => s.call('com.app.add', undefined, { timeout: 1000 }, now));
    callee.one('invocation');
    net.advance(1000);
    expect(caller.take().filter((e) => e.type === 'error')).toMatchObject([{ error: { uri: 'wamp.error.timeout' } }]);
    net.advance(1000);
    expect(callee.take().some((e) => e.type === 'interrupt')).toBe(true);
    expect(caller.take().filter((e) => e.type !== 'warning')).toEqual([]);
    expect([caller.core.state.tag, callee.core.state.tag]).toEqual(['established', 'established']);
  });

  it('publishes with exclude_me false and pattern subscriptions, with publisher disclosure', () => {
    const net = new RouterNet();
    const sub = net.peer();
    sub.run((s) => s.subscribe('com.app', { match: 'prefix' }));
    sub.take();
    const pub = net.peer();
    pub.run((s) => s.subscribe('com.app.news'));
    pub.take();
    pub.run((s) => s.publish('com.app.news', { args: ['hi'] }, { acknowledge: true, excludeMe: false, discloseMe: true }));
    expect(pub.take().map((e) => e.type).sort()).toEqual(['event', 'published']);
    const ev = sub.one('event');
    expect(ev.topic).toBe('com.app.news');
    expect(ev.details['publisher']).toBe(pub.core.sessionId);
  });

  it('a callee leaving fails the call in flight; the caller leaving interrupts the invocation', () => {
    const net = new RouterNet();
    const { callee } = registered(net);
    const caller = net.peer();
    caller.run((s, now) => s.call('com.app.add', undefined, undefined, now));
    callee.one('invocation');
    callee.run((s, now) => s.leave({}, now));
    expect(caller.one('error').error.uri).toMatch(/^wamp\.error\.cancel/);

    const { callee: callee2 } = registered(net, 'com.app.other');
    const caller2 = net.peer();
    caller2.run((s, now) => s.call('com.app.other', undefined, undefined, now));
    callee2.one('invocation');
    caller2.dropTransport();
    expect(callee2.one('interrupt').mode).toBe('killnowait');
  });

  it('router shutdown: the call in flight ends once, then the session closes with the router reason', () => {
    const net = new RouterNet();
    registered(net);
    const caller = net.peer();
    caller.run((s, now) => s.call('com.app.add', undefined, undefined, now));
    net.router.shutdown(net.now);
    net.flush();
    const events = caller.take();
    const errors = events.filter((e) => e.type === 'error') as Extract<ClientEvent, { type: 'error' }>[];
    expect(errors).toHaveLength(1);
    // The callee's session may close first (the dealer cancels the call) or the caller's (the session fails it).
    expect(errors[0]!.error instanceof SessionClosedError || errors[0]!.error.uri === 'wamp.error.canceled').toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'closed', initiator: 'router', reason: 'wamp.close.system_shutdown' });
  });

  it('model: random calls, answers, cancels, timeouts and departures; every CALL gets exactly one RESULT or ERROR', () => {
    type Op =
      | { op: 'call'; timeout: number }
      | { op: 'yield' | 'fail'; pick: number }
      | { op: 'cancel'; pick: number; mode: CancelMode }
      | { op: 'advance'; ms: number }
      | { op: 'calleeLeaves' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('call' as const), timeout: fc.constantFrom(0, 100) }),
      fc.record({ op: fc.constantFrom('yield' as const, 'fail' as const), pick: fc.nat() }),
      fc.record({ op: fc.constant('cancel' as const), pick: fc.nat(), mode: fc.constantFrom<CancelMode>('skip', 'kill', 'killnowait') }),
      fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 150 }) }),
      fc.constant({ op: 'calleeLeaves' as const }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const net = new RouterNet();
        let { callee } = registered(net);
        const caller = net.peer();
        const ended = new Map<number, number>();
        const invocations: number[] = [];
        const collect = (): void => {
          for (const e of caller.take()) {
            if (e.type === 'result' || e.type === 'error') ended.set(e.request, (ended.get(e.request) ?? 0) + 1);
            if (e.type === 'closed') throw new Error(`caller closed: ${e.reason} ${e.message ?? ''}`);
          }
          for (const e of callee.take()) {
            if (e.type === 'invocation') invocations.push(e.request);
            if (e.type === 'closed' && e.initiator !== 'client') throw new Error(`callee closed: ${e.reason}`);
          }
        };
        const issued: number[] = [];
        for (const o of ops) {
          switch (o.op) {
            case 'call':
              issued.push(caller.run((s, now) => s.call('com.app.add', undefined, { timeout: o.timeout }, now)));
              break;
            case 'yield':
            case 'fail': {
              if (invocations.length === 0) break;
              const request = invocations.splice(o.pick % invocations.length, 1)[0]!;
              callee.run((s) => (o.op === 'yield' ? s.yield(request, { args: [1] }) : s.yieldError(request, 'com.error')));
              break;
            }
            case 'cancel':
              if (issued.length > 0) caller.run((s) => s.cancel(issued[o.pick % issued.length]!, o.mode));
              break;
            case 'advance':
              net.advance(o.ms);
              break;
            case 'calleeLeaves':
              callee.run((s, now) => s.leave({}, now));
              collect();
              invocations.length = 0;
              callee = registered(net).callee;
              break;
          }
          collect();
        }
        // Answer whatever is left, then check: every call ended exactly once.
        for (const request of invocations.splice(0)) callee.run((s) => s.yield(request));
        net.advance(10_000);
        collect();
        for (const request of issued) expect(ended.get(request), `call ${request}`).toBe(1);
      }),
      { seed: 31337, numRuns: 200 },
    );
  });
});
