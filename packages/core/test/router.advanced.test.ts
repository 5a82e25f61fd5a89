// Issue 16's router features on the virtual clock: callee-side call
// timeouts, trust levels, Payload Passthru Mode checks, and testaments in
// the event history.

import { describe, expect, it } from 'vitest';
import {
  ErrorUri,
  MessageType,
  call,
  error,
  publish,
  yield_,
  type Dict,
  type ErrorMsg,
  type Event,
  type Interrupt,
  type Invocation,
  type Result as ResultMsg,
} from '@wamp/core';
import { FULL_ROLES, RouterNet } from './harness/router-net.js';

const OPEN = { realms: [{ name: 'realm1' }] };

function withFeatures(extra: Record<string, Dict>): Dict {
  const out: Record<string, unknown> = {};
  for (const [role, v] of Object.entries(FULL_ROLES)) {
    const features = (v as { features: Dict }).features;
    out[role] = { features: { ...features, ...(extra[role] ?? {}) } };
  }
  return out;
}

const TIMEOUT_CALLEE = withFeatures({ callee: { call_timeout: true } });
const PPT = withFeatures({
  caller: { payload_passthru_mode: true },
  callee: { payload_passthru_mode: true },
  publisher: { payload_passthru_mode: true },
  subscriber: { payload_passthru_mode: true },
});

describe('callee-side call timeout (dealer)', () => {
  it('forwards the timeout to a callee announcing call_timeout and passes its answer on', () => {
    const net = new RouterNet(OPEN);
    const callee = net.join({ roles: TIMEOUT_CALLEE });
    const caller = net.join();
    callee.register('com.slow');
    caller.send(call(caller.req(), 'com.slow', {}, { timeout: 500 }));
    const inv = callee.one() as Invocation;
    expect(inv.details['timeout']).toBe(500);
    net.advance(500);
    // The dealer leaves the deadline to the callee...
    expect(caller.take()).toEqual([]);
    callee.send(error(MessageType.INVOCATION, inv.request, ErrorUri.CANCELED));
    expect((caller.one() as ErrorMsg).error).toBe(ErrorUri.CANCELED);
  });

  it('catches a callee that never answers after calleeTimeoutGrace', () => {
    const net = new RouterNet({ ...OPEN, timeouts: { calleeTimeoutGrace: 1_000 } });
    const callee = net.join({ roles: TIMEOUT_CALLEE });
    const caller = net.join();
    callee.register('com.slow');
    caller.send(call(caller.req(), 'com.slow', {}, { timeout: 500 }));
    const inv = callee.one() as Invocation;
    net.advance(1_499);
    expect(caller.take()).toEqual([]);
    net.advance(1);
    expect((caller.one() as ErrorMsg).error).toBe(ErrorUri.TIMEOUT);
    expect((callee.one() as Interrupt).request).toBe(inv.request);
    // A late answer goes nowhere.
    callee.send(yield_(inv.request, {}));
    expect(caller.take()).toEqual([]);
  });

  it('runs the timeout itself, at the deadline, for a callee that does not announce call_timeout', () => {
    const net = new RouterNet(OPEN);
    const callee = net.join();
    const caller = net.join();
    callee.register('com.slow');
    caller.send(call(caller.req(), 'com.slow', {}, { timeout: 500 }));
    expect((callee.one() as Invocation).details['timeout']).toBeUndefined();
    net.advance(500);
    expect((caller.one() as ErrorMsg).error).toBe(ErrorUri.TIMEOUT);
  });
});

describe('trust levels', () => {
  const config = {
    realms: [
      {
        name: 'realm1',
        roles: [
          { name: 'anonymous', trustlevel: 4, permissions: [{ uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } }] },
        ],
      },
    ],
  };

  it('discloses the role level, capped by the transport level', () => {
    const net = new RouterNet(config);
    const s = net.join();
    const high = net.join();
    const low = net.join({ info: { trustlevel: 1 } });
    s.subscribe('com.t');
    s.register('com.p');
    high.send(publish(high.req(), 'com.t', { args: [] }, {}));
    low.send(publish(low.req(), 'com.t', { args: [] }, {}));
    expect((s.take() as Event[]).map((e) => e.details['trustlevel'])).toEqual([4, 1]);
    low.send(call(low.req(), 'com.p', {}, {}));
    expect((s.one() as Invocation).details['trustlevel']).toBe(1);
  });

  it('discloses nothing without a configured level, and refuses a bad one', () => {
    const net = new RouterNet(OPEN);
    const s = net.join();
    const p = net.join();
    s.subscribe('com.t');
    p.send(publish(p.req(), 'com.t', { args: [] }, {}));
    expect((s.one() as Event).details['trustlevel']).toBeUndefined();
    expect(() => new RouterNet({ realms: [{ name: 'r', roles: [{ name: 'x', trustlevel: -1 }] }] })).toThrow(/trustlevel/);
  });
});

describe('payload passthru mode (broker and dealer)', () => {
  const payload = new Uint8Array([1, 2, 3, 250]);
  const ppt = { ppt_scheme: 'x_test', ppt_serializer: 'cbor', ppt_cipher: 'none', ppt_keyid: 'k' };

  it('forwards an event untouched with its ppt_* attributes, to subscribers that announced the mode', () => {
    const net = new RouterNet(OPEN);
    const reader = net.join({ roles: PPT });
    const other = net.join();
    const pub = net.join({ roles: PPT });
    reader.subscribe('com.t');
    other.subscribe('com.t');
    pub.send(publish(pub.req(), 'com.t', { payload }, { ...ppt, acknowledge: true }));
    expect(pub.one().type).toBe(MessageType.PUBLISHED);
    const ev = reader.one() as Event;
    expect(ev.payload).toEqual(payload);
    expect(ev.details).toMatchObject(ppt);
    expect(other.take()).toEqual([]);
  });

  it('forwards a call and its result untouched; feature_not_supported for a callee without the mode', () => {
    const net = new RouterNet(OPEN);
    const callee = net.join({ roles: PPT });
    const plain = net.join();
    const caller = net.join({ roles: PPT });
    callee.register('com.p');
    plain.register('com.q');
    caller.send(call(caller.req(), 'com.p', { payload }, ppt));
    const inv = callee.one() as Invocation;
    expect(inv.payload).toEqual(payload);
    expect(inv.details).toMatchObject(ppt);
    callee.send(yield_(inv.request, { payload: new Uint8Array([9]) }, { ppt_scheme: 'x_test' }));
    const r = caller.one() as ResultMsg;
    expect(r.payload).toEqual(new Uint8Array([9]));
    expect(r.details['ppt_scheme']).toBe('x_test');
    caller.send(call(caller.req(), 'com.q', { payload }, ppt));
    expect((caller.one() as ErrorMsg).error).toBe(ErrorUri.FEATURE_NOT_SUPPORTED);
    expect(plain.take()).toEqual([]);
  });

  it('aborts a peer using the mode without announcing it', () => {
    const net = new RouterNet(OPEN);
    const c = net.join();
    c.send(call(c.req(), 'com.p', { payload }, ppt));
    expect(c.closed?.reason).toBe(ErrorUri.PROTOCOL_VIOLATION);
  });
});

describe('event history and testaments', () => {
  it("keeps a leaving session's testament like any publication", () => {
    const net = new RouterNet({ realms: [{ name: 'realm1', history: [{ uri: 'com.gone' }] }] });
    const w = net.join();
    const c = net.join();
    c.send(call(c.req(), 'wamp.session.add_testament', { args: ['com.gone', ['bye'], {}] }));
    expect(c.one().type).toBe(MessageType.RESULT);
    c.dropTransport();
    const id = w.subscribe('com.gone');
    w.send(call(w.req(), 'wamp.subscription.get_events', { args: [id] }));
    const events = (w.one() as ResultMsg).args![0] as Dict[];
    expect(events.map((e) => e['args'])).toEqual([['bye']]);
  });
});
