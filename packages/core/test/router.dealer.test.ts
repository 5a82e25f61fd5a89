import { describe, expect, it } from 'vitest';
import {
  ErrorUri,
  MessageType,
  call,
  cancel,
  error,
  interrupt,
  invocation,
  register,
  registered,
  result,
  unregister,
  unregistered,
  yield_,
  cborSerializer,
  jsonSerializer,
  msgpackSerializer,
  type Invocation,
} from '@wamp/core';
import { BASIC_ROLES, FULL_ROLES, RouterNet, type TestClient } from './harness/router-net.js';

const OPEN = { realms: [{ name: 'realm1' }] };

function setup(config: unknown = OPEN): RouterNet {
  return new RouterNet(config);
}

function inv(c: TestClient): Invocation {
  const m = c.one();
  if (m.type !== MessageType.INVOCATION) throw new Error(`expected INVOCATION, got ${JSON.stringify(m)}`);
  return m;
}

describe('dealer: basic RPC', () => {
  it('routes CALL → INVOCATION → YIELD → RESULT with arguments', () => {
    const net = setup();
    const callee = net.join();
    const caller = net.join();
    const regId = callee.register('com.app.add');
    caller.send(call(1, 'com.app.add', { args: [2, 3], kwargs: { k: 'v' } }));
    expect(callee.one()).toEqual(invocation(1, regId, { args: [2, 3], kwargs: { k: 'v' } }));
    callee.send(yield_(1, { args: [5] }));
    expect(caller.one()).toEqual(result(1, { args: [5] }));
  });

  it('forwards the callee ERROR to the caller', () => {
    const net = setup();
    const callee = net.join();
    const caller = net.join();
    callee.register('com.app.f');
    caller.send(call(1, 'com.app.f'));
    const i = inv(callee);
    callee.send(error(MessageType.INVOCATION, i.request, 'com.app.error.bad', { args: ['nope'], kwargs: { code: 3 } }));
    expect(caller.one()).toEqual(error(MessageType.CALL, 1, 'com.app.error.bad', { args: ['nope'], kwargs: { code: 3 } }));
  });

  it('answers no_such_procedure, and registration IDs are router-scoped and sequential', () => {
    const net = setup();
    const a = net.join();
    const caller = net.join();
    caller.send(call(1, 'com.none'));
    expect(caller.one()).toEqual(error(MessageType.CALL, 1, ErrorUri.NO_SUCH_PROCEDURE));
    const r1 = a.register('com.a');
    const r2 = a.register('com.b');
    expect(r2).toBe(r1 + 1);
  });

  it('UNREGISTER: UNREGISTERED, and no_such_registration for unknown or foreign IDs', () => {
    const net = setup();
    const a = net.join();
    const b = net.join();
    const r = a.register('com.a');
    b.send(unregister(b.req(), r));
    expect(b.one()).toEqual(error(MessageType.UNREGISTER, 1, ErrorUri.NO_SUCH_REGISTRATION));
    a.send(unregister(2, r));
    expect(a.one()).toEqual(unregistered(2));
    a.send(unregister(3, r));
    expect(a.one()).toEqual(error(MessageType.UNREGISTER, 3, ErrorUri.NO_SUCH_REGISTRATION));
  });

  it('invocation request IDs run per callee from 1', () => {
    const net = setup();
    const callee = net.join();
    const caller = net.join();
    callee.register('com.a');
    caller.send(call(1, 'com.a'));
    caller.send(call(2, 'com.a'));
    expect(callee.take().map((m) => (m as Invocation).request)).toEqual([1, 2]);
  });

  it('a late answer to a finished invocation is dropped, a made-up one aborts', () => {
    const net = setup();
    const callee = net.join();
    const caller = net.join();
    callee.register('com.a');
    caller.send(call(1, 'com.a', undefined, { timeout: 100 }));
    callee.take();
    net.advance(100);
    caller.take();
    callee.take();
    callee.send(yield_(1));
    expect(callee.take()).toEqual([]);
    expect(caller.take()).toEqual([]);
    callee.send(yield_(2));
    expect(callee.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.PROTOCOL_VIOLATION });
  });

  it('refuses registration in the reserved wamp. space', () => {
    const net = setup();
    const a = net.join();
    a.send(register(1, 'wamp.session.count'));
    expect(a.one()).toEqual(error(MessageType.REGISTER, 1, ErrorUri.INVALID_URI, { args: ['the wamp. URI space is reserved'] }));
  });
});

describe('dealer: serializers', () => {
  const all = [jsonSerializer, msgpackSerializer, cborSerializer];
  for (const a of all) {
    for (const b of all) {
      it(`routes a call from ${a.name} to ${b.name} and back, binary and 2^53 intact`, () => {
        const net = setup();
        const callee = net.join({ serializer: b });
        const caller = net.join({ serializer: a });
        const r = callee.register('com.echo');
        const payload = { args: [new Uint8Array([0, 255]), 2 ** 53, 'ü'], kwargs: { nested: { list: [true, null] } } };
        caller.send(call(1, 'com.echo', payload));
        expect(callee.one()).toEqual(invocation(1, r, payload));
        callee.send(yield_(1, payload));
        expect(caller.one()).toEqual(result(1, payload));
      });
    }
  }
});

describe('dealer: pattern-based registrations', () => {
  // Advanced profile, "Calls matching multiple registrations": the spec's own example.
  const regs: [string, string][] = [
    ['a1.b2.c3.d4.e55', 'exact'],
    ['a1.b2.c3', 'prefix'],
    ['a1.b2.c3.d4', 'prefix'],
    ['a1.b2..d4.e5', 'wildcard'],
    ['a1.b2.c33..e5', 'wildcard'],
    ['a1.b2..d4.e5..g7', 'wildcard'],
    ['a1.b2..d4..f6.g7', 'wildcard'],
  ];
  const expected: [string, number | undefined][] = [
    ['a1.b2.c3.d4.e55', 0],
    ['a1.b2.c3.d98.e74', 1],
    ['a1.b2.c3.d4.e325', 2],
    ['a1.b2.c55.d4.e5', 3],
    // The spec's table expects RPC 5 here, as if prefixes matched whole components; but its
    // "Prefix Matching" section matches strings (`com.myapp.myobject1` matches
    // `com.myapp.myobject1-mysubobject1`), as Crossbar, Nexus and Wiola do, and then
    // `a1.b2.c3` is a prefix of this URI. String matching is kept; see the wildcard-only case below.
    ['a1.b2.c33.d4.e5', 1],
    ['a1.b2.c88.d4.e5.f6.g7', 5],
    ['a2.b2.c2.d2.e2', undefined],
  ];
  it('picks exact > longest prefix > most specific wildcard, and tells the callee the procedure', () => {
    const net = setup();
    const callees = regs.map(() => net.join());
    const ids = regs.map(([uri, match], i) => callees[i]!.register(uri, { match }));
    const caller = net.join();
    for (const [uri, want] of expected) {
      const r = caller.req();
      caller.send(call(r, uri));
      if (want === undefined) {
        expect(caller.one()).toEqual(error(MessageType.CALL, r, ErrorUri.NO_SUCH_PROCEDURE));
        continue;
      }
      const got = inv(callees[want]!);
      expect(got.registration).toBe(ids[want]);
      expect(got.details).toEqual(regs[want]![1] === 'exact' ? {} : { procedure: uri });
      callees[want]!.send(yield_(got.request));
      expect(caller.one()).toEqual(result(r));
    }
  });
});

describe('dealer: wildcard precedence without prefixes', () => {
  it('prefers the longer concrete portion before each wildcard', () => {
    const net = setup();
    const w1 = net.join();
    const w2 = net.join();
    const r1 = w1.register('a1.b2..d4.e5', { match: 'wildcard' });
    const r2 = w2.register('a1.b2.c33..e5', { match: 'wildcard' });
    const caller = net.join();
    caller.send(call(1, 'a1.b2.c33.d4.e5'));
    expect(inv(w2)).toEqual(invocation(1, r2, undefined, { procedure: 'a1.b2.c33.d4.e5' }));
    caller.send(call(2, 'a1.b2.c34.d4.e5'));
    expect(inv(w1)).toEqual(invocation(1, r1, undefined, { procedure: 'a1.b2.c34.d4.e5' }));
  });

  it('prefix matching is on the string, as the Prefix Matching section shows', () => {
    // The section's examples are loose URIs ('-' in a component).
    const net = setup({ ...OPEN, uriRule: 'loose' });
    const callee = net.join();
    const r = callee.register('com.myapp.myobject1', { match: 'prefix' });
    const caller = net.join();
    for (const uri of ['com.myapp.myobject1.myprocedure1', 'com.myapp.myobject1-mysubobject1', 'com.myapp.myobject1']) {
      const q = caller.req();
      caller.send(call(q, uri));
      const i = inv(callee);
      expect(i.registration).toBe(r);
      callee.send(yield_(i.request));
      expect(caller.one()).toEqual(result(q));
    }
    caller.send(call(caller.req(), 'com.myapp.myobject'));
    expect(caller.one()).toMatchObject({ type: MessageType.ERROR, error: ErrorUri.NO_SUCH_PROCEDURE });
  });
});

describe('dealer: shared registrations', () => {
  it('single: a second REGISTER is procedure_already_exists; mixing policies is refused', () => {
    const net = setup();
    const a = net.join();
    const b = net.join();
    a.register('com.s');
    b.send(register(b.req(), 'com.s'));
    expect(b.one()).toEqual(error(MessageType.REGISTER, 1, ErrorUri.PROCEDURE_ALREADY_EXISTS));
    a.register('com.rr', { invoke: 'roundrobin' });
    b.send(register(b.req(), 'com.rr', { invoke: 'random' }));
    expect(b.one()).toEqual(error(MessageType.REGISTER, 2, ErrorUri.PROCEDURE_ALREADY_EXISTS));
    b.send(register(b.req(), 'com.rr'));
    expect(b.one()).toEqual(error(MessageType.REGISTER, 3, ErrorUri.PROCEDURE_ALREADY_EXISTS));
    // The same session twice on one shared registration is refused as well.
    a.send(register(a.req(), 'com.rr', { invoke: 'roundrobin' }));
    expect(a.one()).toMatchObject({ type: MessageType.ERROR, error: ErrorUri.PROCEDURE_ALREADY_EXISTS });
    // Same URI under another match policy is another registration.
    expect(b.register('com.s', { match: 'prefix' })).toBeGreaterThan(0);
  });

  function calleesHit(policy: string, n: number, calls: number, seed = 1): number[] {
    const net = new RouterNet(OPEN, { seed });
    const cs = Array.from({ length: n }, () => net.join());
    const ids = cs.map((c) => c.register('com.shared', { invoke: policy }));
    expect(new Set(ids).size).toBe(1);
    const caller = net.join();
    const hits: number[] = [];
    for (let k = 0; k < calls; k++) {
      caller.send(call(caller.req(), 'com.shared'));
      cs.forEach((c, i) => {
        for (const m of c.take()) {
          hits.push(i);
          c.send(yield_((m as Invocation).request));
        }
      });
      caller.take();
    }
    return hits;
  }

  it('roundrobin cycles in registration order', () => {
    expect(calleesHit('roundrobin', 3, 7)).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });
  it('first and last pick the first/last callee', () => {
    expect(calleesHit('first', 3, 3)).toEqual([0, 0, 0]);
    expect(calleesHit('last', 3, 3)).toEqual([2, 2, 2]);
  });
  it('random spreads calls over every callee', () => {
    const hits = calleesHit('random', 3, 60);
    expect(hits).toHaveLength(60);
    expect(new Set(hits)).toEqual(new Set([0, 1, 2]));
  });
  it('a callee leaving a shared registration leaves the others serving', () => {
    const net = setup();
    const a = net.join();
    const b = net.join();
    a.register('com.s', { invoke: 'first' });
    b.register('com.s', { invoke: 'first' });
    a.dropTransport();
    const caller = net.join();
    caller.send(call(1, 'com.s'));
    expect(inv(b).request).toBe(1);
  });
});

describe('dealer: progressive call results', () => {
  it('forwards progressive YIELDs as progressive RESULTs when the caller asked', () => {
    const net = setup();
    const callee = net.join();
    const caller = net.join();
    const r = callee.register('com.stream');
    caller.send(call(1, 'com.stream', undefined, { receive_progress: true }));
    expect(callee.one()).toEqual(invocation(1, r, undefined, { receive_progress: true }));
    callee.send(yield_(1, { args: ['a'] }, { progress: true }));
    callee.send(yield_(1, { args: ['b'] }, { progress: true }));
    callee.send(yield_(1, { args: ['done'] }));
    expect(caller.take()).toEqual([
      result(1, { args: ['a'] }, { progress: true }),
      result(1, { args: ['b'] }, { progress: true }),
      result(1, { args: ['done'] }),
    ]);
  });

  it('does not ask a callee without the feature, and drops progress nobody asked for', () => {
    const net = setup();
    const callee = net.join({ roles: BASIC_ROLES });
    const caller = net.join();
    const r = callee.register('com.stream');
    caller.send(call(1, 'com.stream', undefined, { receive_progress: true }));
    expect(callee.one()).toEqual(invocation(1, r));
    callee.send(yield_(1, { args: ['x'] }, { progress: true }));
    expect(caller.take()).toEqual([]);
    callee.send(yield_(1));
    expect(caller.one()).toEqual(result(1));
  });
});

describe('dealer: progressive call invocations', () => {
  it('routes continuations to the same callee under the same INVOCATION ID, options frozen', () => {
    const net = setup();
    const c1 = net.join();
    const c2 = net.join();
    const caller = net.join();
    const r = c1.register('com.upload', { invoke: 'roundrobin', disclose_caller: true });
    c2.register('com.upload', { invoke: 'roundrobin' });
    const who = { caller: caller.sessionId, caller_authid: expect.any(String), caller_authrole: 'anonymous' };
    caller.send(call(1, 'com.upload', { args: ['chunk1'] }, { progress: true }));
    expect(c1.one()).toEqual(invocation(1, r, { args: ['chunk1'] }, { ...who, progress: true }));
    caller.send(call(1, 'com.upload', { args: ['chunk2'] }, { progress: true, disclose_me: false }));
    expect(c1.one()).toEqual(invocation(1, r, { args: ['chunk2'] }, { ...who, progress: true }));
    caller.send(call(1, 'com.upload', { args: ['last'] }));
    expect(c1.one()).toEqual(invocation(1, r, { args: ['last'] }, who));
    expect(c2.take()).toEqual([]);
    // Once final, the same request ID is no continuation any more.
    c1.send(yield_(1, { args: ['ok'] }));
    expect(caller.one()).toEqual(result(1, { args: ['ok'] }));
  });

  it('discards a late continuation of a finished call, and aborts a continuation of a non-progressive call', () => {
    const net = setup();
    const callee = net.join();
    const caller = net.join();
    callee.register('com.upload');
    caller.send(call(1, 'com.upload', undefined, { progress: true }));
    callee.take();
    callee.send(error(MessageType.INVOCATION, 1, 'com.app.refused'));
    expect(caller.one()).toMatchObject({ type: MessageType.ERROR, error: 'com.app.refused' });
    caller.send(call(1, 'com.upload', { args: ['late'] }, { progress: true }));
    expect(caller.take()).toEqual([]);
    expect(callee.take()).toEqual([]);
    caller.send(call(2, 'com.upload'));
    callee.take();
    caller.send(call(2, 'com.upload'));
    expect(caller.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.PROTOCOL_VIOLATION });
  });

  it('the watermark rule: a gap or an unknown continuation candidate is a violation', () => {
    const net = setup();
    const callee = net.join();
    const caller = net.join();
    callee.register('com.upload');
    caller.send(call(1, 'com.upload', undefined, { progress: true }));
    caller.send(call(2, 'com.upload'));
    caller.send(call(1, 'com.upload'));
    expect(caller.take()).toEqual([]);
    caller.send(call(4, 'com.upload'));
    expect(caller.one()).toMatchObject({ details: { message: 'CALL request ID 4 is not sequential (expected 3)' } });
  });

  it('refuses progress to a callee without the feature, and from a caller that did not announce it', () => {
    const net = setup();
    const callee = net.join({ roles: BASIC_ROLES });
    const caller = net.join();
    callee.register('com.upload');
    caller.send(call(1, 'com.upload', undefined, { progress: true }));
    expect(caller.one()).toEqual(error(MessageType.CALL, 1, ErrorUri.FEATURE_NOT_SUPPORTED));
    const basic = net.join({ roles: BASIC_ROLES });
    basic.send(call(1, 'com.upload', undefined, { progress: true }));
    expect(basic.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.PROTOCOL_VIOLATION });
  });
});

describe('dealer: call canceling', () => {
  function pending(calleeRoles = FULL_ROLES) {
    const net = setup();
    const callee = net.join({ roles: calleeRoles });
    const caller = net.join();
    const r = callee.register('com.slow');
    caller.send(call(1, 'com.slow'));
    expect(inv(callee).registration).toBe(r);
    return { net, callee, caller };
  }

  it('skip: ERROR canceled at once, no INTERRUPT, the late YIELD is dropped', () => {
    const { callee, caller } = pending();
    caller.send(cancel(1, { mode: 'skip' }));
    expect(caller.one()).toEqual(error(MessageType.CALL, 1, ErrorUri.CANCELED));
    expect(callee.take()).toEqual([]);
    callee.send(yield_(1));
    expect(caller.take()).toEqual([]);
    expect(callee.take()).toEqual([]);
  });

  it('kill: INTERRUPT, and the caller gets what the callee answers', () => {
    const { callee, caller } = pending();
    caller.send(cancel(1, { mode: 'kill' }));
    expect(callee.one()).toEqual(interrupt(1, { mode: 'kill', reason: ErrorUri.CANCELED }));
    expect(caller.take()).toEqual([]);
    caller.send(cancel(1, { mode: 'kill' }));
    expect(callee.take()).toEqual([]);
    callee.send(error(MessageType.INVOCATION, 1, ErrorUri.CANCELED));
    expect(caller.one()).toEqual(error(MessageType.CALL, 1, ErrorUri.CANCELED));
  });

  it('killnowait: ERROR canceled at once and INTERRUPT; the callee answer is dropped', () => {
    const { callee, caller } = pending();
    caller.send(cancel(1, { mode: 'killnowait' }));
    expect(caller.one()).toEqual(error(MessageType.CALL, 1, ErrorUri.CANCELED));
    expect(callee.one()).toEqual(interrupt(1, { mode: 'killnowait', reason: ErrorUri.CANCELED }));
    callee.send(error(MessageType.INVOCATION, 1, ErrorUri.CANCELED));
    expect(caller.take()).toEqual([]);
  });

  it('is skip for a callee without call canceling', () => {
    const { callee, caller } = pending(BASIC_ROLES);
    caller.send(cancel(1, { mode: 'killnowait' }));
    expect(caller.one()).toEqual(error(MessageType.CALL, 1, ErrorUri.CANCELED));
    expect(callee.take()).toEqual([]);
  });

  it('ignores a CANCEL racing the answer, aborts one for a request never sent', () => {
    const { callee, caller } = pending();
    callee.send(yield_(1));
    caller.take();
    caller.send(cancel(1));
    expect(caller.take()).toEqual([]);
    caller.send(cancel(9));
    expect(caller.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.PROTOCOL_VIOLATION });
  });
});

describe('dealer: call timeout', () => {
  it('times out with wamp.error.timeout and interrupts the callee', () => {
    const net = setup();
    const callee = net.join();
    const caller = net.join();
    callee.register('com.slow');
    caller.send(call(1, 'com.slow', undefined, { timeout: 1000 }));
    callee.take();
    expect(net.router.pollTimeout()).toBe(net.now + 1000);
    net.advance(999);
    expect(caller.take()).toEqual([]);
    net.advance(1);
    expect(caller.one()).toEqual(error(MessageType.CALL, 1, ErrorUri.TIMEOUT));
    expect(callee.one()).toEqual(interrupt(1, { mode: 'killnowait', reason: ErrorUri.TIMEOUT }));
    expect(net.router.inspect('realm1')!.invocations).toBe(0);
  });

  it('runs between progressive results, and no deadline stays after the answer', () => {
    const net = setup();
    const callee = net.join();
    const caller = net.join();
    callee.register('com.slow');
    caller.send(call(1, 'com.slow', undefined, { timeout: 1000, receive_progress: true }));
    callee.take();
    net.advance(800);
    callee.send(yield_(1, undefined, { progress: true }));
    net.advance(800);
    expect(caller.take()).toEqual([result(1, undefined, { progress: true })]);
    callee.send(yield_(1));
    expect(caller.one()).toEqual(result(1));
    net.advance(5000);
    expect(caller.take()).toEqual([]);
    expect(net.router.pollTimeout()).toBeUndefined();
  });
});

describe('dealer: caller identification', () => {
  it('discloses on disclose_me or the registration option, with authid and authrole', () => {
    const net = setup();
    const callee = net.join();
    const caller = net.join();
    const r1 = callee.register('com.a');
    const r2 = callee.register('com.b', { disclose_caller: true });
    const who = { caller: caller.sessionId, caller_authid: caller.welcome!.details['authid'], caller_authrole: 'anonymous' };
    caller.send(call(1, 'com.a', undefined, { disclose_me: true }));
    expect(inv(callee)).toEqual(invocation(1, r1, undefined, who));
    caller.send(call(2, 'com.a'));
    expect(inv(callee)).toEqual(invocation(2, r1));
    caller.send(call(3, 'com.b'));
    expect(inv(callee)).toEqual(invocation(3, r2, undefined, who));
  });
});

describe('dealer: sessions leaving', () => {
  it('a callee leaving: every waiting caller gets ERROR canceled at once', () => {
    const net = setup();
    const callee = net.join();
    const c1 = net.join();
    const c2 = net.join();
    callee.register('com.x');
    c1.send(call(1, 'com.x'));
    c2.send(call(1, 'com.x'));
    c2.send(call(2, 'com.x'));
    callee.take();
    callee.dropTransport();
    expect(c1.one()).toEqual(error(MessageType.CALL, 1, ErrorUri.CANCELED));
    expect(c2.take()).toEqual([error(MessageType.CALL, 1, ErrorUri.CANCELED), error(MessageType.CALL, 2, ErrorUri.CANCELED)]);
    expect(net.router.inspect('realm1')!.registrations).toEqual([]);
  });

  it('a caller leaving: its invocations are interrupted killnowait', () => {
    const net = setup();
    const callee = net.join();
    const basicCallee = net.join({ roles: BASIC_ROLES });
    const caller = net.join();
    callee.register('com.x');
    basicCallee.register('com.y');
    caller.send(call(1, 'com.x'));
    caller.send(call(2, 'com.y'));
    callee.take();
    basicCallee.take();
    caller.dropTransport();
    expect(callee.one()).toEqual(interrupt(1, { mode: 'killnowait', reason: ErrorUri.CANCELED }));
    expect(basicCallee.take()).toEqual([]);
    callee.send(yield_(1));
    basicCallee.send(yield_(1));
    expect(callee.take()).toEqual([]);
    expect(net.router.inspect('realm1')!.invocations).toBe(0);
  });

  it('a session calling itself and then leaving leaves nothing behind', () => {
    const net = setup();
    const c = net.join();
    c.register('com.self');
    c.send(call(c.req(), 'com.self'));
    inv(c);
    c.dropTransport();
    expect(net.router.inspect('realm1')).toMatchObject({ sessions: [], registrations: [], invocations: 0 });
  });
});

describe('dealer: registration revocation and limits', () => {
  it('remove_callee revokes with UNREGISTERED 0 when the callee supports it', () => {
    const net = setup();
    const callee = net.join();
    const basic = net.join({ roles: BASIC_ROLES });
    const admin = net.join();
    const r = callee.register('com.x', { invoke: 'roundrobin' });
    basic.register('com.x', { invoke: 'roundrobin' });
    admin.send(call(1, 'wamp.registration.remove_callee', { args: [r, callee.sessionId], kwargs: { reason: 'moved' } }));
    expect(admin.one()).toEqual(result(1));
    expect(callee.one()).toEqual(unregistered(0, { registration: r, reason: 'moved' }));
    admin.send(call(2, 'wamp.registration.remove_callee', { args: [r, basic.sessionId] }));
    admin.take();
    expect(basic.take()).toEqual([]);
    expect(net.router.inspect('realm1')!.registrations).toEqual([]);
  });

  it('caps registrations per session and invocations per callee', () => {
    const net = setup({ realms: [{ name: 'realm1', limits: { maxRegistrationsPerSession: 1, maxPendingInvocationsPerCallee: 1 } }] });
    const callee = net.join();
    const caller = net.join();
    callee.register('com.a');
    callee.send(register(callee.req(), 'com.b'));
    expect(callee.one()).toMatchObject({ type: MessageType.ERROR, error: 'wamp.error.limit_exceeded' });
    caller.send(call(1, 'com.a'));
    caller.send(call(2, 'com.a'));
    expect(caller.one()).toEqual(error(MessageType.CALL, 2, ErrorUri.NO_AVAILABLE_CALLEE));
    callee.take();
  });

  it('REGISTERED comes before any INVOCATION for it', () => {
    const net = setup();
    const callee = net.join();
    callee.send(register(1, 'com.order'));
    expect(callee.take()).toEqual([registered(1, 1)]);
  });
});

describe('dealer: the measurement probe', () => {
  it('reports each routed call once, with its duration on the router clock and how it ended', () => {
    const ended: [number, string][] = [];
    let started = 0;
    const net = new RouterNet(OPEN, { probe: { callStarted: () => void started++, callEnded: (ms, outcome) => ended.push([ms, outcome]) } });
    const callee = net.join();
    const caller = net.join();
    callee.register('com.app.slow');
    caller.send(call(1, 'com.app.slow', { args: [1] }));
    const i1 = inv(callee);
    net.advance(250);
    callee.send(yield_(i1.request, { args: [2] }));
    expect(caller.one().type).toBe(MessageType.RESULT);
    caller.send(call(2, 'com.app.slow'));
    const i2 = inv(callee);
    net.advance(40);
    callee.send(error(MessageType.INVOCATION, i2.request, 'com.app.oops'));
    expect(caller.one().type).toBe(MessageType.ERROR);
    caller.send(call(3, 'com.app.slow', undefined, { timeout: 1_000 }));
    inv(callee);
    net.advance(1_000);
    expect(caller.one()).toMatchObject({ type: MessageType.ERROR, error: ErrorUri.TIMEOUT });
    // A meta procedure is answered by the router itself: not a routed call.
    caller.send(call(4, 'wamp.session.count'));
    expect(caller.one().type).toBe(MessageType.RESULT);
    expect(ended).toEqual([
      [250, 'result'],
      [40, 'error'],
      [1_000, 'timeout'],
    ]);
    expect(started).toBe(3);
  });
});
