// Hardening of the router core (tracker issues 13 and 18), on the virtual clock.
import { describe, expect, it } from 'vitest';
import {
  ErrorUri,
  MessageType,
  abort,
  authenticate,
  call,
  error,
  hello,
  register,
  yield_,
  scramClientFirst,
  scramDeriveCredential,
  wampcraClientSignature,
  type Challenge,
  type Dict,
  type Message,
} from '@wamp/core';
import { nodeCryptoProvider } from '@wamp/client/node-crypto';
import { seeded } from './auth-providers.js';
import { FULL_ROLES, RouterNet, type TestClient } from './harness/router-net.js';

const crypto = seeded(nodeCryptoProvider(), 11);

function helloWith(c: TestClient, details: Dict): void {
  c.send(hello('realm1', { roles: FULL_ROLES, ...details }));
}

function expectType(m: Message, type: number): void {
  if (m.type !== type) throw new Error(`expected message type ${type}, got ${JSON.stringify(m)}`);
}

describe('HELLO with an empty authmethods list (Autobahn|C++)', () => {
  it('is treated as anonymous, like a HELLO without authmethods', () => {
    const n = new RouterNet({ realms: [{ name: 'realm1' }] });
    const c = n.connect();
    helloWith(c, { authmethods: [] });
    const m = c.one();
    expectType(m, MessageType.WELCOME);
    expect(m.type === MessageType.WELCOME && m.details['authmethod']).toBe('anonymous');
  });
});

describe('failed handshakes are events the host can log', () => {
  it('session_refused names realm, authid, method, peer address and reason', () => {
    const n = new RouterNet({ realms: [{ name: 'realm1', auth: { ticket: { type: 'static', principals: { joe: { ticket: 't', authrole: 'user' } } } } }] });
    const c = n.connect(undefined, { peer: 'tcp4:10.1.2.3:5555' });
    helloWith(c, { authmethods: ['ticket'], authid: 'joe' });
    c.take();
    c.send(authenticate('wrong'));
    expect(n.takeEvents('session_refused')).toMatchObject([
      { realm: 'realm1', authid: 'joe', authmethod: 'ticket', peer: 'tcp4:10.1.2.3:5555', reason: ErrorUri.AUTHENTICATION_FAILED, message: 'invalid ticket' },
    ]);
    const d = n.connect(undefined, { peer: 'tcp4:10.1.2.3:5556' });
    helloWith(d, { authmethods: ['cryptosign'], authid: 'joe' });
    expect(n.takeEvents('session_refused')).toMatchObject([{ realm: 'realm1', authid: 'joe', reason: ErrorUri.NO_MATCHING_AUTH_METHOD }]);
  });
});

describe('login brute-force throttling', () => {
  const realm = { name: 'realm1', auth: { ticket: { type: 'static', principals: { joe: { ticket: 'right', authrole: 'user' }, ann: { ticket: 'hers', authrole: 'user' } } } } };

  /** One ticket attempt; returns the answer to AUTHENTICATE, or the ABORT that came instead of a CHALLENGE. */
  function attempt(n: RouterNet, authid: string, ticket: string, peer = 'tcp4:10.0.0.1:1000'): Message {
    const c = n.connect(undefined, { peer });
    helloWith(c, { authmethods: ['ticket'], authid });
    const first = c.one();
    if (first.type !== MessageType.CHALLENGE) return first;
    c.send(authenticate(ticket));
    return c.one();
  }

  it('locks an authid out after a few failures, for a growing time; other authids and addresses are unaffected', () => {
    const n = new RouterNet({ realms: [realm] });
    for (let i = 0; i < 5; i++) expect(attempt(n, 'joe', `guess${i}`)).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'invalid ticket' }));
    expect(n.takeEvents('warning').map((w) => w.code)).toContain('auth_lockout');
    // Locked: refused before the ticket is even asked for, the right one included.
    const locked = attempt(n, 'joe', 'right');
    expectType(locked, MessageType.ABORT);
    expect(locked.type === MessageType.ABORT && locked.details['message']).toMatch(/too many failed authentication attempts/);
    // Another authid from the same address, and the same authid from another address, get in.
    expectType(attempt(n, 'ann', 'hers'), MessageType.WELCOME);
    expectType(attempt(n, 'joe', 'right', 'tcp4:10.9.9.9:2000'), MessageType.WELCOME);
    // The first lockout lasts 1 s; the next one 2 s.
    n.advance(1_001);
    for (let i = 0; i < 5; i++) attempt(n, 'joe', `again${i}`);
    n.advance(1_500);
    expectType(attempt(n, 'joe', 'right'), MessageType.ABORT);
    n.advance(600);
    expectType(attempt(n, 'joe', 'right'), MessageType.WELCOME);
  });

  it('locks an address out after failures across authids', () => {
    const n = new RouterNet({ realms: [realm], authThrottle: { maxFailuresPerAddress: 8 } });
    for (let i = 0; i < 8; i++) attempt(n, `user${i}`, 'x');
    const r = attempt(n, 'ann', 'hers');
    expect(r.type === MessageType.ABORT && r.details['message']).toMatch(/too many failed/);
    expectType(attempt(n, 'ann', 'hers', 'tcp4:10.0.0.2:1'), MessageType.WELCOME);
  });

  it('can be configured and turned off, and the configuration is checked', () => {
    const n = new RouterNet({ realms: [realm], authThrottle: { enabled: false } });
    for (let i = 0; i < 20; i++) attempt(n, 'joe', 'x');
    expectType(attempt(n, 'joe', 'right'), MessageType.WELCOME);
    expect(() => new RouterNet({ realms: [realm], authThrottle: { windowMs: 0 } })).toThrow(/authThrottle.windowMs: must be a positive integer/);
    expect(() => new RouterNet({ realms: [realm], authThrottle: { lockoutMs: 10, maxLockoutMs: 5 } })).toThrow(/maxLockoutMs/);
    expect(() => new RouterNet({ realms: [realm], authThrottle: { nope: 1 } })).toThrow(/authThrottle.nope: unknown field/);
  });

  it('figure: virtual time an attacker needs to have 1,000 wrong tickets checked', () => {
    const n = new RouterNet({ realms: [realm] });
    const start = n.now;
    let checked = 0;
    while (checked < 1000) {
      const r = attempt(n, 'joe', `guess${checked}`);
      if (r.type === MessageType.ABORT && r.details['message'] === 'invalid ticket') {
        checked++;
        continue;
      }
      // Refused by the lockout: the attacker waits exactly as long as it must.
      const s = /retry in (\d+) s/.exec(String(r.type === MessageType.ABORT ? r.details['message'] : ''));
      n.advance(Number(s?.[1] ?? 1) * 1000);
    }
    const hours = (n.now - start) / 3_600_000;
    console.log(`[figure] 1,000 wrong tickets for one authid from one address need ${hours.toFixed(1)} h (virtual clock) with the default throttle`);
    expect(hours).toBeGreaterThan(10);
  });
});

describe('authid enumeration: mock challenges', () => {
  it('wampcra: an unknown authid gets a stable challenge shaped like a salted principal, then fails like a wrong password', async () => {
    const cra = {
      name: 'realm1',
      auth: { wampcra: { type: 'static', principals: { salty: { secret: 'pw', authrole: 'user', salt: 'Zm9vYmFyYmF6cXV4', iterations: 4000, keylen: 32 } } } },
    };
    const n = new RouterNet({ realms: [cra] }, { crypto });
    const challengeOf = (authid: string): [TestClient, Challenge] => {
      const c = n.connect();
      helloWith(c, { authmethods: ['wampcra'], authid });
      const m = c.one();
      if (m.type !== MessageType.CHALLENGE) throw new Error(`expected CHALLENGE, got ${JSON.stringify(m)}`);
      return [c, m];
    };
    const [, real] = challengeOf('salty');
    const [c1, mock1] = challengeOf('nobody');
    const [, mock2] = challengeOf('nobody');
    const [, other] = challengeOf('someone');
    expect(Object.keys(mock1.extra).sort()).toEqual(Object.keys(real.extra).sort());
    expect(mock1.extra).toMatchObject({ iterations: 4000, keylen: 32 });
    expect(String(mock1.extra['salt'])).toHaveLength('Zm9vYmFyYmF6cXV4'.length);
    expect(String(mock1.extra['salt'])).toMatch(/^[A-Za-z0-9+/]+$/);
    expect(mock2.extra['salt']).toBe(mock1.extra['salt']);
    expect(other.extra['salt']).not.toBe(mock1.extra['salt']);
    c1.send(authenticate(await wampcraClientSignature(crypto, 'pw', mock1.extra)));
    await n.settleAuth();
    expect(c1.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'invalid signature' }));
  });

  it('wamp-scram: an unknown authid gets a mock challenge with the configured KDF and cost, stable per authid', async () => {
    const cred = await scramDeriveCredential(crypto, 'pw', { kdf: 'pbkdf2', iterations: 4096 });
    const n = new RouterNet({ realms: [{ name: 'realm1', auth: { 'wamp-scram': { type: 'static', principals: { alice: { ...cred, authrole: 'user' } } } } }] }, { crypto });
    const challengeOf = (authid: string): Challenge => {
      const c = n.connect();
      const first = scramClientFirst(crypto);
      helloWith(c, { authmethods: ['wamp-scram'], authid, authextra: first.authextra });
      const m = c.one();
      if (m.type !== MessageType.CHALLENGE) throw new Error(`expected CHALLENGE, got ${JSON.stringify(m)}`);
      return m;
    };
    const real = challengeOf('alice');
    const mock = challengeOf('mallory');
    expect(Object.keys(mock.extra).sort()).toEqual(Object.keys(real.extra).sort());
    expect(mock.extra).toMatchObject({ kdf: real.extra['kdf'], iterations: real.extra['iterations'], memory: real.extra['memory'] });
    expect(String(mock.extra['salt'])).toHaveLength(String(real.extra['salt']).length);
    expect(challengeOf('mallory').extra['salt']).toBe(mock.extra['salt']);
  });
});

describe('permissions: prefix with a trailing dot', () => {
  const perms = (uri: string): Dict => ({
    name: 'realm1',
    roles: [{ name: 'anonymous', permissions: [{ uri, match: 'prefix', allow: { call: true, register: true } }] }],
  });
  const callOutcome = (n: RouterNet, procedure: string): number => {
    const c = n.join();
    c.send(call(c.req(), procedure));
    const m = c.one();
    return m.type === MessageType.ERROR && m.error === ErrorUri.NOT_AUTHORIZED ? 0 : 1;
  };

  it('`com.a.` limits to the subtree; `com.a` is a string prefix that also covers com.ab', () => {
    const dot = new RouterNet({ realms: [perms('com.a.')] });
    expect(callOutcome(dot, 'com.a.b')).toBe(1);
    expect(callOutcome(dot, 'com.a.b.c')).toBe(1);
    expect(callOutcome(dot, 'com.ab.proc')).toBe(0);
    expect(callOutcome(dot, 'com.a')).toBe(0);
    const plain = new RouterNet({ realms: [perms('com.a')] });
    expect(callOutcome(plain, 'com.a.b')).toBe(1);
    expect(callOutcome(plain, 'com.ab.proc')).toBe(1);
  });
});

describe('dealer: default call timeout and per-caller share of a callee', () => {
  it('a call without its own timeout gets ERROR wamp.error.timeout after 30 s; 0 turns it off', () => {
    const n = new RouterNet({ realms: [{ name: 'realm1' }] });
    const callee = n.join();
    callee.register('com.slow');
    const caller = n.join();
    caller.send(call(caller.req(), 'com.slow'));
    callee.take();
    n.advance(29_999);
    expect(caller.take()).toEqual([]);
    n.advance(1);
    expect(caller.one()).toEqual(error(MessageType.CALL, 1, ErrorUri.TIMEOUT));

    const off = new RouterNet({ realms: [{ name: 'realm1' }], timeouts: { call: 0 } });
    const ce = off.join();
    ce.send(register(ce.req(), 'com.slow'));
    const cr = off.join();
    cr.send(call(cr.req(), 'com.slow'));
    off.advance(3_600_000);
    expect(cr.take()).toEqual([]);
    expect(() => new RouterNet({ realms: [{ name: 'realm1' }], timeouts: { call: -1 } })).toThrow(/timeouts.call/);
  });

  it('answered calls leave nothing behind in the deadline heap, even behind a long-running call', () => {
    const n = new RouterNet({ realms: [{ name: 'realm1' }] });
    const callee = n.join();
    callee.send(register(callee.req(), 'com.fast'));
    callee.register('com.slow');
    const caller = n.join();
    // One call that stays in flight: with a heap entry per call, every later (answered) one would stay queued behind it.
    caller.send(call(caller.req(), 'com.slow'));
    callee.take();
    for (let i = 0; i < 10_000; i++) {
      caller.send(call(caller.req(), 'com.fast'));
      const inv = callee.one();
      if (inv.type !== MessageType.INVOCATION) throw new Error('expected INVOCATION');
      callee.send(yield_(inv.request));
      caller.take();
      // The Router's call order: pollTimeout() after every input.
      n.router.pollTimeout();
    }
    const heap = (n.router as unknown as { deadlines: { size: number } }).deadlines;
    expect(heap.size).toBeLessThanOrEqual(2);
    n.advance(30_000);
    expect(caller.one()).toEqual(error(MessageType.CALL, 1, ErrorUri.TIMEOUT));
    expect(n.router.pollTimeout()).toBeUndefined();
  });

  it('one caller with 10,000 unanswered calls cannot starve the others', () => {
    const n = new RouterNet({ realms: [{ name: 'realm1' }], timeouts: { call: 0 } });
    const callee = n.join();
    callee.register('com.busy');
    const greedy = n.join();
    let refused = 0;
    for (let i = 0; i < 10_000; i++) {
      greedy.send(call(greedy.req(), 'com.busy'));
      for (const m of greedy.take()) if (m.type === MessageType.ERROR && m.error === 'wamp.error.limit_exceeded') refused++;
    }
    // Its share of the callee (1,000 in flight) is used up; the rest is refused.
    expect(refused).toBe(9_000);
    expect(n.router.inspect('realm1')!.invocations).toBe(1_000);
    callee.take();
    const other = n.join();
    other.send(call(other.req(), 'com.busy'));
    expect(other.take()).toEqual([]);
    expect(callee.take().map((m) => m.type)).toEqual([MessageType.INVOCATION]);
  });
});

describe('JSON integers beyond 2^53', () => {
  it('a request ID or payload integer JSON cannot carry exactly is a protocol violation; exact ones, floats and strings pass', () => {
    const n = new RouterNet({ realms: [{ name: 'realm1' }] });
    const callee = n.join();
    callee.register('com.echo');
    const ok = n.join();
    // 2^53 itself is exact (and a valid ID); big floats and digit strings are not integers JSON rounds.
    ok.sendRaw('[48, 1, {}, "com.echo", [9007199254740992, 1e300, "9007199254740993", 1.5e17]]');
    expect(callee.take().map((m) => m.type)).toEqual([MessageType.INVOCATION]);
    expect(ok.closed).toBeUndefined();
    for (const bad of ['[48, 9007199254740993, {}, "com.echo"]', '[48, 1, {}, "com.echo", [], {"n": -12345678901234567891}]']) {
      const c = n.join();
      c.sendRaw(bad);
      const m = c.one();
      expect(m.type === MessageType.ABORT && m.reason).toBe(ErrorUri.PROTOCOL_VIOLATION);
      expect(m.type === MessageType.ABORT && m.details['message']).toMatch(/cannot be carried exactly by JSON/);
    }
  });
});
