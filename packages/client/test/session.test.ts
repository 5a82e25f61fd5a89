import { describe, expect, it } from 'vitest';
import { CLIENT_ROLES, jsonSerializer } from '@wamp/core';
import {
  AGENT,
  CanceledError,
  LeanSession,
  callProgressive,
  progressiveCall,
  register,
  subscribeWithHistory,
  LocalProtocolError,
  RequestTimeoutError,
  Result,
  Session,
  SessionClosedError,
  WampError,
  memoryTransportPair,
  type InvocationDetails,
  type TraceEvent,
} from '@wamp/client';
import { FULL_ROUTER_ROLES, RouterPeer, VirtualTime, connected, routerRolesWithout, settle, track } from './harness.js';

describe('Session.join', () => {
  it('sends HELLO with the agent and every role, and exposes WELCOME', async () => {
    const { session, hello } = await connected({ authid: 'joe', authrole: 'user', authextra: { x: 1 } });
    expect(hello).toEqual([1, 'realm1', { agent: AGENT, roles: CLIENT_ROLES, authid: 'joe', authrole: 'user', authextra: { x: 1 } }]);
    expect(session.id).toBe(1234);
    expect(session.isOpen).toBe(true);
    expect(session.authid).toBe('anon');
    expect(session.authrole).toBe('anonymous');
    expect(session.details['authmethod']).toBe('anonymous');
    expect(session.routerRoles.dealer).toEqual(FULL_ROUTER_ROLES['dealer']);
  });

  it('rejects with the router reason on ABORT and closes the transport', async () => {
    const [client, routerEnd] = memoryTransportPair();
    const router = new RouterPeer(routerEnd);
    const joining = track(Session.join(client, { realm: 'nope' }));
    await router.next();
    router.send([3, { message: 'The realm does not exist.' }, 'wamp.error.no_such_realm']);
    await settle();
    expect(joining.state).toBe('rejected');
    const e = joining.error as SessionClosedError;
    expect(e).toBeInstanceOf(SessionClosedError);
    expect(e.uri).toBe('wamp.error.no_such_realm');
    expect(e.initiator).toBe('router');
    expect(e.args).toEqual(['The realm does not exist.']);
    expect(router.closed).toBe(true);
  });

  it('rejects when the transport closes before WELCOME', async () => {
    const [client, routerEnd] = memoryTransportPair();
    const router = new RouterPeer(routerEnd);
    const joining = track(Session.join(client, { realm: 'realm1' }));
    await router.next();
    routerEnd.close();
    await settle();
    expect((joining.error as SessionClosedError).uri).toBe('wamp.close.transport_lost');
  });

  it('rejects on the join timeout, with ABORT wamp.error.timeout', async () => {
    const [client, routerEnd] = memoryTransportPair();
    const router = new RouterPeer(routerEnd);
    const time = new VirtualTime();
    const joining = track(Session.join(client, { realm: 'realm1', joinTimeout: 500, timers: time, clock: time.clock }));
    await router.next();
    await time.advance(499);
    expect(joining.state).toBe('pending');
    await time.advance(1);
    expect(await router.next()).toEqual([3, { message: 'no WELCOME within 500 ms' }, 'wamp.error.timeout']);
    expect((joining.error as SessionClosedError).uri).toBe('wamp.error.timeout');
  });

  it('rejects a bad realm before sending anything', async () => {
    const [client, routerEnd] = memoryTransportPair();
    const router = new RouterPeer(routerEnd);
    await expect(Session.join(client, { realm: 'not a realm' })).rejects.toBeInstanceOf(LocalProtocolError);
    await settle();
    expect(router.take()).toEqual([]);
    expect(router.closed).toBe(true);
  });
});

describe('Session: caller', () => {
  it('`await session.call(uri, args)` just works', async () => {
    const { session, router } = await connected();
    const result = session.call<number>('com.app.add', [2, 3]);
    expect(await router.next()).toEqual([48, 1, {}, 'com.app.add', [2, 3]]);
    router.send([50, 1, {}, [5]]);
    const r = await result;
    expect(r).toBeInstanceOf(Result);
    expect(r.value).toBe(5);
    expect(r.args).toEqual([5]);
    expect(r.kwargs).toEqual({});
    expect(r.progress).toBe(false);
  });

  it('passes kwargs and options, and returns kwargs and details', async () => {
    const { session, router } = await connected();
    const result = session.call('com.user.new', ['johnny'], { firstname: 'John' }, { discloseMe: true });
    expect(await router.next()).toEqual([48, 1, { disclose_me: true }, 'com.user.new', ['johnny'], { firstname: 'John' }]);
    router.send([50, 1, { d: 1 }, [], { userid: 123 }]);
    const r = await result;
    expect(r.kwargs).toEqual({ userid: 123 });
    expect(r.details).toEqual({ d: 1 });
    expect(r.value).toBeUndefined();
  });

  it('rejects with a WampError carrying the URI, args and kwargs', async () => {
    const { session, router } = await connected();
    const result = session.call('com.write');
    await router.next();
    router.send([8, 48, 1, {}, 'com.myapp.error.object_write_protected', ['Object is write protected.'], { severity: 3 }]);
    const e = await result.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(WampError);
    expect(e).toMatchObject({ uri: 'com.myapp.error.object_write_protected', args: ['Object is write protected.'], kwargs: { severity: 3 } });
  });

  it('rejects local misuse with LocalProtocolError, sending nothing', async () => {
    const { session, router } = await connected();
    await expect(session.call('bad uri')).rejects.toBeInstanceOf(LocalProtocolError);
    await expect(session.call('com.a', [1n])).rejects.toThrow(/cannot serialize/);
    await expect(session.publish('com.a', {} as never)).rejects.toThrow(/args must be a list/);
    await settle();
    expect(router.take()).toEqual([]);
  });

  it('times out on the virtual clock with wamp.error.timeout', async () => {
    const { session, router, time } = await connected({}, { roles: routerRolesWithout('call_timeout') });
    const result = track(session.call('com.slow', [], {}, { timeout: 1000 }));
    expect(await router.next()).toEqual([48, 1, {}, 'com.slow']);
    await time.advance(999);
    expect(result.state).toBe('pending');
    await time.advance(1);
    expect(result.state).toBe('rejected');
    expect(result.error).toBeInstanceOf(RequestTimeoutError);
    // The dealer cancels the callee (it announces call_canceling, not call_timeout).
    expect(await router.next()).toEqual([49, 1, { mode: 'killnowait' }]);
    expect(time.armed()).toEqual([]);
  });

  it('an AbortSignal cancels the call (killnowait by default, or the mode asked for)', async () => {
    const { session, router, warnings } = await connected();
    const controller = new AbortController();
    const result = track(session.call('com.long', [], {}, { signal: controller.signal }));
    await router.next();
    controller.abort();
    expect(await router.next()).toEqual([49, 1, { mode: 'killnowait' }]);
    await settle();
    expect(result.error).toBeInstanceOf(CanceledError);
    router.send([8, 48, 1, {}, 'wamp.error.canceled']);
    await settle();
    // The dealer's ERROR after a killnowait CANCEL is expected: no warning.
    expect(warnings).toEqual([]);

    const kill = new AbortController();
    const killed = track(session.call('com.long', [], {}, { signal: kill.signal, cancelMode: 'kill' }));
    await router.next();
    kill.abort();
    expect(await router.next()).toEqual([49, 2, { mode: 'kill' }]);
    await settle();
    expect(killed.state).toBe('pending');
    router.send([50, 2, {}, ['finished anyway']]);
    await settle();
    expect(killed.value?.value).toBe('finished anyway');

    const early = new AbortController();
    early.abort();
    await expect(session.call('com.long', [], {}, { signal: early.signal })).rejects.toBeInstanceOf(CanceledError);
  });

  it('delivers progressive results to onProgress', async () => {
    const { session, router } = await connected();
    const seen: Result[] = [];
    const result = session.call('com.compute', [2010], {}, { onProgress: (r) => seen.push(r) });
    expect(await router.next()).toEqual([48, 1, { receive_progress: true }, 'com.compute', [2010]]);
    router.send([50, 1, { progress: true }, ['Y2010', 120]]);
    router.send([50, 1, { progress: true }, [], { partial: 1 }]);
    router.send([50, 1, {}, ['Total', 490]]);
    const r = await result;
    expect(seen.map((s) => [s.args, s.kwargs, s.progress])).toEqual([
      [['Y2010', 120], {}, true],
      [[], { partial: 1 }, true],
    ]);
    expect(r.args).toEqual(['Total', 490]);
  });

  it('callProgressive iterates over progressive results and the final one', async () => {
    const { session, router } = await connected();
    const items: unknown[] = [];
    const done = (async () => {
      for await (const r of session.callProgressive<string>('com.stream', ['a'])) items.push([r.value, r.progress]);
    })();
    expect(await router.next()).toEqual([48, 1, { receive_progress: true }, 'com.stream', ['a']]);
    router.send([50, 1, { progress: true }, ['p1']]);
    router.send([50, 1, { progress: true }, ['p2']]);
    router.send([50, 1, {}, ['end']]);
    await done;
    expect(items).toEqual([
      ['p1', true],
      ['p2', true],
      ['end', false],
    ]);
  });

  it('leaving a callProgressive loop early cancels the call; errors are thrown from the loop', async () => {
    const { session, router } = await connected();
    const loop = (async () => {
      for await (const r of session.callProgressive('com.stream')) if (r.value === 'enough') break;
    })();
    await router.next();
    router.send([50, 1, { progress: true }, ['enough']]);
    await loop;
    expect(await router.next()).toEqual([49, 1, { mode: 'killnowait' }]);

    const failing = (async () => {
      for await (const _ of session.callProgressive('com.stream')) void _;
    })();
    await router.next();
    router.send([8, 48, 2, {}, 'com.error.broken']);
    await expect(failing).rejects.toMatchObject({ uri: 'com.error.broken' });
  });

  it('progressiveCall sends the input in chunks under one request ID', async () => {
    const { session, router } = await connected();
    const upload = session.progressiveCall<string>('com.upload', ['chunk1']);
    expect(upload.send(['chunk2'])).toBe(true);
    const result = upload.end(['chunk3']);
    expect(await router.next()).toEqual([48, 1, { progress: true }, 'com.upload', ['chunk1']]);
    expect(await router.next()).toEqual([48, 1, { progress: true }, 'com.upload', ['chunk2']]);
    expect(await router.next()).toEqual([48, 1, {}, 'com.upload', ['chunk3']]);
    router.send([50, 1, {}, ['stored']]);
    expect((await result).value).toBe('stored');
    expect(upload.send(['late'])).toBe(false);
  });
});

describe('LeanSession: features as functions', () => {
  async function lean(): Promise<{ session: LeanSession; router: RouterPeer }> {
    const [client, routerEnd] = memoryTransportPair(jsonSerializer);
    const router = new RouterPeer(routerEnd);
    const joining = LeanSession.join(client, { realm: 'realm1' });
    await router.next();
    router.send([2, 7, { roles: FULL_ROUTER_ROLES }]);
    return { session: await joining, router };
  }

  it('has no convenience methods; the functions do the same on it, and on a Session', async () => {
    const { session, router } = await lean();
    expect(session).not.toBeInstanceOf(Session);
    expect('callProgressive' in session).toBe(false);
    const items: unknown[] = [];
    const done = (async () => {
      for await (const r of callProgressive<string>(session, 'com.stream')) items.push(r.value);
    })();
    expect(await router.next()).toEqual([48, 1, { receive_progress: true }, 'com.stream']);
    router.send([50, 1, { progress: true }, ['p1']]);
    router.send([50, 1, {}, ['end']]);
    await done;
    expect(items).toEqual(['p1', 'end']);

    const upload = progressiveCall<string>(session, 'com.upload', ['a']);
    const result = upload.end(['b']);
    expect(await router.next()).toEqual([48, 2, { progress: true }, 'com.upload', ['a']]);
    expect(await router.next()).toEqual([48, 2, {}, 'com.upload', ['b']]);
    router.send([50, 2, {}, ['stored']]);
    expect((await result).value).toBe('stored');

    const got: unknown[] = [];
    const subscribing = subscribeWithHistory(session, 'com.t', (args, _k, d) => void got.push([args[0], d.history, d.publisherAuthid]));
    expect(await router.next()).toEqual([32, 3, {}, 'com.t']);
    router.send([33, 3, 300]);
    expect(await router.next()).toEqual([48, 4, {}, 'wamp.subscription.get_events', [300, 10]]);
    router.send([36, 300, 2, { publisher_authid: 'live' }, ['live']]);
    router.send([50, 4, {}, [[{ publication: 1, topic: 'com.t', args: ['old'], details: { publisher_authid: 'joe' } }]]]);
    await subscribing;
    expect(got).toEqual([
      ['old', true, 'joe'],
      ['live', false, 'live'],
    ]);

    const full = await connected();
    expect(full.session).toBeInstanceOf(LeanSession);
  });

  it('registers through the register() function, which brings the callee side', async () => {
    const { session, router } = await lean();
    expect('register' in session).toBe(false);
    const registering = register(session, 'com.p', (args, _k, details) => `${String(args[0])} from ${details.callerAuthid ?? '?'}`);
    expect(await router.next()).toEqual([64, 1, {}, 'com.p']);
    router.send([65, 1, 100]);
    const registration = await registering;
    expect(registration.id).toBe(100);
    router.send([68, 9, 100, { caller_authid: 'joe' }, ['hi']]);
    expect(await router.next()).toEqual([70, 9, {}, ['hi from joe']]);
    const unregistering = registration.unregister();
    expect(await router.next()).toEqual([66, 2, 100]);
    router.send([67, 2]);
    await unregistering;
    expect(registration.active).toBe(false);
  });

  it('passes the roles and extra HELLO details of JoinOptions to the HELLO', async () => {
    const { hello, session } = await connected({ roles: ['caller'], helloDetails: { x_app: 'demo' } });
    expect(hello[2]).toMatchObject({ x_app: 'demo', roles: { caller: CLIENT_ROLES['caller'] } });
    expect(Object.keys((hello[2] as { roles: object }).roles)).toEqual(['caller']);
    await expect(session.publish('com.t')).rejects.toThrow(/did not announce the publisher role/);
  });
});

describe('Session: callee', () => {
  async function registered(handler: Parameters<Session['register']>[1], options = {}, wireOptions = {}) {
    const c = await connected();
    const registration = c.session.register('com.p', handler, options);
    expect(await c.router.next()).toEqual([64, 1, wireOptions, 'com.p']);
    c.router.send([65, 1, 100]);
    return { ...c, registration: await registration };
  }

  it('answers with the returned value, a Result, or nothing', async () => {
    let n = 0;
    const { router, registration } = await registered((args) => {
      n++;
      if (n === 1) return (args[0] as number) + (args[1] as number);
      if (n === 2) return new Result([1, 2], { k: 'v' });
      return undefined;
    });
    expect(registration.id).toBe(100);
    expect(registration.active).toBe(true);
    router.send([68, 1, 100, {}, [2, 3]]);
    expect(await router.next()).toEqual([70, 1, {}, [5]]);
    router.send([68, 2, 100, {}]);
    expect(await router.next()).toEqual([70, 2, {}, [1, 2], { k: 'v' }]);
    router.send([68, 3, 100, {}]);
    expect(await router.next()).toEqual([70, 3, {}]);
  });

  it('gives the handler args, kwargs and details', async () => {
    let seen: [unknown, unknown, InvocationDetails] | undefined;
    const { router } = await registered(async (args, kwargs, details) => {
      seen = [args, kwargs, details];
      return 'ok';
    }, { match: 'prefix', discloseCaller: true }, { match: 'prefix', disclose_caller: true });
    router.send([68, 7, 100, { caller: 55, caller_authid: 'joe', caller_authrole: 'user', procedure: 'com.p.x' }, [1], { a: 2 }]);
    expect(await router.next()).toEqual([70, 7, {}, ['ok']]);
    const [args, kwargs, details] = seen!;
    expect(args).toEqual([1]);
    expect(kwargs).toEqual({ a: 2 });
    expect(details).toMatchObject({
      request: 7,
      registration: 100,
      procedure: 'com.p.x',
      caller: 55,
      callerAuthid: 'joe',
      callerAuthrole: 'user',
      receiveProgress: false,
      input: undefined,
    });
    expect(details.signal.aborted).toBe(false);
  });

  it('sends a thrown WampError as ERROR, and anything else as wamp.error.runtime_error', async () => {
    let n = 0;
    const { router, warnings } = await registered(() => {
      n++;
      if (n === 1) throw new WampError('com.myapp.error.invalid', ['bad input'], { field: 'x' });
      if (n === 2) throw new TypeError('oops');
      if (n === 3) return Promise.reject(new Error('async oops'));
      return [1n];
    });
    router.send([68, 1, 100, {}]);
    expect(await router.next()).toEqual([8, 68, 1, {}, 'com.myapp.error.invalid', ['bad input'], { field: 'x' }]);
    router.send([68, 2, 100, {}]);
    expect(await router.next()).toEqual([8, 68, 2, {}, 'wamp.error.runtime_error', ['oops']]);
    router.send([68, 3, 100, {}]);
    expect(await router.next()).toEqual([8, 68, 3, {}, 'wamp.error.runtime_error', ['async oops']]);
    // A result that cannot be serialized: the caller still gets an answer.
    router.send([68, 4, 100, {}]);
    const answer = await router.next();
    expect(answer.slice(0, 5)).toEqual([8, 68, 4, {}, 'wamp.error.runtime_error']);
    expect(String((answer[5] as string[])[0])).toMatch(/cannot serialize YIELD/);
    expect(warnings.some((w) => w.includes('cannot be sent'))).toBe(true);
  });

  it('a WampError with an invalid URI falls back to wamp.error.runtime_error', async () => {
    const { router } = await registered(() => {
      throw new WampError('not a uri', ['x']);
    });
    router.send([68, 1, 100, {}]);
    expect(await router.next()).toEqual([8, 68, 1, {}, 'wamp.error.runtime_error', ['not a uri: x']]);
  });

  it('an async generator sends progressive results when the caller asked for them', async () => {
    const { router } = await registered(async function* () {
      yield 'a';
      yield new Result(['b'], { n: 2 });
      return 'done';
    });
    router.send([68, 1, 100, { receive_progress: true }]);
    expect(await router.next()).toEqual([70, 1, { progress: true }, ['a']]);
    expect(await router.next()).toEqual([70, 1, { progress: true }, ['b'], { n: 2 }]);
    expect(await router.next()).toEqual([70, 1, {}, ['done']]);
    // Without receive_progress only the final result goes out.
    router.send([68, 2, 100, {}]);
    expect(await router.next()).toEqual([70, 2, {}, ['done']]);
  });

  it('details.progress sends a progressive result from a plain handler', async () => {
    const { router } = await registered(async (_a, _k, details) => {
      details.progress(['half']);
      return 'full';
    });
    router.send([68, 1, 100, { receive_progress: true }]);
    expect(await router.next()).toEqual([70, 1, { progress: true }, ['half']]);
    expect(await router.next()).toEqual([70, 1, {}, ['full']]);
  });

  it('INTERRUPT kill: the signal fires and the rejection is sent as wamp.error.canceled', async () => {
    const { router } = await registered(
      (_a, _k, details) =>
        new Promise((_resolve, reject) => {
          details.signal.addEventListener('abort', () => reject(new Error('stopped')));
        }),
    );
    router.send([68, 1, 100, {}]);
    await settle();
    router.send([69, 1, { mode: 'kill' }]);
    expect(await router.next()).toEqual([8, 68, 1, {}, 'wamp.error.canceled', ['stopped']]);
  });

  it('a signal first read after INTERRUPT is already aborted, with the interrupt as its reason', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { router } = await registered(async (_a, _k, details) => {
      await gate;
      const signal = details.signal;
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(CanceledError);
      expect(details.signal).toBe(signal);
      throw new Error('gave up');
    });
    router.send([68, 1, 100, {}]);
    await settle();
    router.send([69, 1, { mode: 'kill' }]);
    await settle();
    release();
    // Interrupted: the failure goes out as wamp.error.canceled, though the handler never watched the signal.
    expect(await router.next()).toEqual([8, 68, 1, {}, 'wamp.error.canceled', ['gave up']]);
  });

  it('INTERRUPT killnowait: the signal fires, a generator is stopped, and nothing is sent', async () => {
    let stopped = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { router } = await registered(async function* (_a, _k, details) {
      if (details.request !== 1) return 'other';
      try {
        yield 1;
        await gate;
        expect(details.signal.aborted).toBe(true);
        yield 2;
        return 3;
      } finally {
        stopped = true;
      }
    });
    router.send([68, 1, 100, { receive_progress: true }]);
    expect(await router.next()).toEqual([70, 1, { progress: true }, [1]]);
    router.send([69, 1, { mode: 'killnowait' }]);
    await settle();
    release();
    await settle();
    expect(stopped).toBe(true);
    router.send([68, 2, 100, {}]);
    // The next message is the answer to invocation 2: nothing was sent for 1.
    expect(await router.next()).toEqual([70, 2, {}, ['other']]);
  });

  it('a progressive call invocation delivers the further chunks as details.input', async () => {
    const { router } = await registered(async (args, _k, details) => {
      const parts = [args[0]];
      for await (const chunk of details.input!) parts.push(chunk.args[0]);
      return parts.join('+');
    });
    router.send([68, 1, 100, { progress: true }, ['a']]);
    router.send([68, 1, 100, { progress: true }, ['b']]);
    router.send([68, 1, 100, {}, ['c']]);
    expect(await router.next()).toEqual([70, 1, {}, ['a+b+c']]);
  });

  it('unregisters; the router revoking a registration calls onRevoked', async () => {
    const { session, router, registration } = await registered(() => 1);
    const other = await (async () => {
      const r = session.register('com.q', () => 2);
      await router.next();
      router.send([65, 2, 200]);
      return r;
    })();
    const done = registration.unregister();
    expect(await router.next()).toEqual([66, 3, 100]);
    router.send([67, 3]);
    await done;
    expect(registration.active).toBe(false);
    let revoked: string | undefined;
    other.onRevoked = (reason) => (revoked = reason);
    router.send([67, 0, { registration: 200, reason: 'moved' }]);
    await settle();
    expect(revoked).toBe('moved');
    expect(other.active).toBe(false);
    await other.unregister();
    expect(router.take()).toEqual([]);
  });

  it('reports a refused registration', async () => {
    const { session, router } = await connected();
    const r = session.register('com.p', () => 1);
    await router.next();
    router.send([8, 64, 1, {}, 'wamp.error.procedure_already_exists']);
    await expect(r).rejects.toMatchObject({ uri: 'wamp.error.procedure_already_exists' });
  });
});

describe('Session: publisher and subscriber', () => {
  it('publishes without and with acknowledgement', async () => {
    const { session, router } = await connected();
    expect(await session.publish('com.t', ['hello'], { color: 'red' }, { excludeMe: false })).toBeUndefined();
    expect(await router.next()).toEqual([16, 1, { exclude_me: false }, 'com.t', ['hello'], { color: 'red' }]);
    const acked = session.publish('com.t', [], {}, { acknowledge: true });
    expect(await router.next()).toEqual([16, 2, { acknowledge: true }, 'com.t']);
    router.send([17, 2, 4429313566]);
    expect(await acked).toBe(4429313566);
    const refused = session.publish('com.t', [], {}, { acknowledge: true });
    await router.next();
    router.send([8, 16, 3, {}, 'wamp.error.not_authorized']);
    await expect(refused).rejects.toMatchObject({ uri: 'wamp.error.not_authorized' });
  });

  it('several handlers share one router subscription; the last unsubscribe tells the router', async () => {
    const { session, router } = await connected();
    const seen: string[] = [];
    const s1 = session.subscribe('com.t', (args, _k, d) => void seen.push(`1:${String(args[0])}:${d.publisher}`));
    expect(await router.next()).toEqual([32, 1, {}, 'com.t']);
    router.send([33, 1, 300]);
    const sub1 = await s1;
    const s2 = session.subscribe('com.t', (args) => void seen.push(`2:${String(args[0])}`));
    expect(await router.next()).toEqual([32, 2, {}, 'com.t']);
    router.send([33, 2, 300]);
    const sub2 = await s2;
    router.send([36, 300, 1, { publisher: 9 }, ['x']]);
    await settle();
    expect(seen).toEqual(['1:x:9', '2:x']);
    await sub1.unsubscribe();
    expect(sub1.active).toBe(false);
    expect(router.take()).toEqual([]);
    router.send([36, 300, 2, {}, ['y']]);
    await settle();
    expect(seen).toEqual(['1:x:9', '2:x', '2:y']);
    const last = sub2.unsubscribe();
    expect(await router.next()).toEqual([34, 3, 300]);
    router.send([35, 3]);
    await last;
    await sub2.unsubscribe();
  });

  it('a subscribe that follows an unsubscribe of the same topic waits for it', async () => {
    const { session, router } = await connected();
    const s1 = session.subscribe('com.t', () => undefined);
    await router.next();
    router.send([33, 1, 300]);
    const unsub = (await s1).unsubscribe();
    const resub = session.subscribe('com.t', () => undefined, { getRetained: true });
    expect(await router.next()).toEqual([34, 2, 300]);
    await settle();
    expect(router.take()).toEqual([]);
    router.send([35, 2]);
    await unsub;
    expect(await router.next()).toEqual([32, 3, { get_retained: true }, 'com.t']);
    router.send([33, 3, 300]);
    expect((await resub).id).toBe(300);
  });

  it('gives events their details and turns handler failures into warnings', async () => {
    const { session, router, warnings } = await connected();
    const seen: unknown[] = [];
    const sub = session.subscribe(
      'com.myapp',
      (args, kwargs, d) => {
        seen.push([args, kwargs, d.topic, d.publication, d.publisher, d.publisherAuthid, d.publisherAuthrole, d.retained]);
        if (args[0] === 'throw') throw new Error('bad handler');
        if (args[0] === 'reject') return Promise.reject(new Error('bad async handler'));
      },
      { match: 'prefix' },
    );
    expect(await router.next()).toEqual([32, 1, { match: 'prefix' }, 'com.myapp']);
    router.send([33, 1, 5]);
    await sub;
    router.send([36, 5, 10, { topic: 'com.myapp.a', publisher: 3, publisher_authid: 'j', publisher_authrole: 'r', retained: true }, ['throw'], { k: 1 }]);
    router.send([36, 5, 11, { topic: 'com.myapp.b' }, ['reject']]);
    router.send([36, 5, 12, { topic: 'com.myapp.c' }]);
    await settle();
    expect(seen).toEqual([
      [['throw'], { k: 1 }, 'com.myapp.a', 10, 3, 'j', 'r', true],
      [['reject'], {}, 'com.myapp.b', 11, undefined, undefined, undefined, false],
      [[], {}, 'com.myapp.c', 12, undefined, undefined, undefined, false],
    ]);
    expect(warnings).toEqual([
      'event handler for com.myapp.a threw: bad handler',
      'event handler for com.myapp.b failed: bad async handler',
    ]);
    expect(session.isOpen).toBe(true);
  });

  it('the broker revoking a subscription calls onRevoked on every handler', async () => {
    const { session, router } = await connected();
    const s = session.subscribe('com.t', () => undefined);
    await router.next();
    router.send([33, 1, 300]);
    const sub = await s;
    let reason: string | undefined;
    sub.onRevoked = (r) => (reason = r);
    router.send([35, 0, { subscription: 300, reason: 'no longer authorized' }]);
    await settle();
    expect(reason).toBe('no longer authorized');
    expect(sub.active).toBe(false);
  });
});

describe('Session: closing, hooks', () => {
  it("leave() says GOODBYE, resolves with the router's GOODBYE reason and details, and closes the transport", async () => {
    const { session, router } = await connected();
    const left = session.leave('wamp.close.normal', 'bye');
    expect(session.state).toBe('closing');
    expect(await router.next()).toEqual([6, { message: 'bye' }, 'wamp.close.normal']);
    router.send([6, { message: 'see you' }, 'wamp.close.goodbye_and_out']);
    // Exactly these keys: nothing internal (type, initiator, wasJoined) leaks.
    expect(await left).toStrictEqual({ reason: 'wamp.close.goodbye_and_out', message: 'see you', details: { message: 'see you' } });
    expect(await session.closed).toMatchObject({ reason: 'wamp.close.normal', initiator: 'client', wasJoined: true });
    expect(session.state).toBe('closed');
    await settle();
    expect(router.closed).toBe(true);
    expect(session.isOpen).toBe(false);
    await expect(session.call('com.a')).rejects.toBeInstanceOf(LocalProtocolError);
  });

  it('leave() without a reply resolves, after goodbyeTimeout on the virtual clock, with how the session ended', async () => {
    const { session, router, time, warnings } = await connected({ goodbyeTimeout: 2000 });
    const states: string[] = [];
    session.on('closing', () => states.push(`closing:${session.state}`));
    session.on('closed', (e) => states.push(`closed:${e.reason}`));
    session.on('failed', () => states.push('failed'));
    const left = track(session.leave('wamp.close.normal'));
    expect(await router.next()).toEqual([6, {}, 'wamp.close.normal']);
    await time.advance(1999);
    expect(left.state).toBe('pending');
    await time.advance(1);
    expect(left.state).toBe('resolved');
    expect(left.value).toStrictEqual({ reason: 'wamp.close.normal', message: undefined, details: {} });
    expect(states).toEqual(['closing:closing', 'closed:wamp.close.normal']);
    expect(session.state).toBe('closed');
    expect(warnings).toEqual(['the router did not answer GOODBYE within 2000 ms']);
  });

  it("the router's GOODBYE: state closed, one closed event with initiator router", async () => {
    const { session, router } = await connected();
    const seen: unknown[] = [];
    session.on('closed', (e) => seen.push(e));
    const off = session.on('failed', () => seen.push('failed'));
    off();
    router.send([6, { message: 'bye' }, 'wamp.close.system_shutdown']);
    await session.closed;
    expect(session.state).toBe('closed');
    expect(seen).toEqual([{ reason: 'wamp.close.system_shutdown', message: 'bye', details: { message: 'bye' }, initiator: 'router' }]);
    // leave() on an ended session resolves with that end.
    expect(await session.leave()).toStrictEqual({ reason: 'wamp.close.system_shutdown', message: 'bye', details: { message: 'bye' } });
  });

  it('a router GOODBYE is answered and every pending request rejects with SessionClosedError', async () => {
    const { session, router } = await connected();
    const call = track(session.call('com.a'));
    const reg = track(session.register('com.p', () => 1));
    const pub = track(session.publish('com.t', [], {}, { acknowledge: true }));
    await router.next();
    await router.next();
    await router.next();
    router.send([6, { message: 'shutting down' }, 'wamp.close.system_shutdown']);
    expect(await router.next()).toEqual([6, {}, 'wamp.close.goodbye_and_out']);
    const info = await session.closed;
    expect(info).toMatchObject({ reason: 'wamp.close.system_shutdown', initiator: 'router', message: 'shutting down' });
    for (const t of [call, reg, pub]) {
      expect(t.state).toBe('rejected');
      expect(t.error).toBeInstanceOf(SessionClosedError);
      expect((t.error as SessionClosedError).uri).toBe('wamp.close.system_shutdown');
    }
  });

  it('a lost transport rejects pending calls and aborts running handlers', async () => {
    const { session, router } = await connected();
    let signal: AbortSignal | undefined;
    const r = session.register('com.p', (_a, _k, d) => {
      signal = d.signal;
      return new Promise(() => undefined);
    });
    await router.next();
    router.send([65, 1, 100]);
    await r;
    router.send([68, 1, 100, {}]);
    const call = track(session.call('com.a'));
    await router.next();
    router.transport.drop();
    await settle();
    expect((call.error as SessionClosedError).uri).toBe('wamp.close.transport_lost');
    expect(signal?.aborted).toBe(true);
    expect((await session.closed).initiator).toBe('transport');
  });

  it('a protocol violation by the router aborts the session', async () => {
    const { session, router } = await connected();
    const call = track(session.call('com.a'));
    await router.next();
    router.send([50, 99, {}]);
    expect(await router.next()).toEqual([3, { message: 'RESULT for request 99, which was never sent' }, 'wamp.error.protocol_violation']);
    await settle();
    expect((call.error as SessionClosedError).uri).toBe('wamp.error.protocol_violation');
    expect(router.closed).toBe(true);
  });

  it('the trace hook sees every message in and out, in readable form', async () => {
    const traces: TraceEvent[] = [];
    const { session, router } = await connected({ onTrace: (t) => traces.push(t) });
    const result = session.call('com.app.add', [2, 3]);
    await router.next();
    router.send([50, 1, {}, [5]]);
    await result;
    expect(traces.map((t) => `${t.direction} ${t.text}`)).toEqual([
      expect.stringMatching(/^out HELLO \[1,"realm1",/),
      expect.stringMatching(/^in WELCOME \[2,1234,/),
      'out CALL [48,1,{},"com.app.add",[2,3]]',
      'in RESULT [50,1,{},[5]]',
    ]);
  });

  it('the warning hook hears about unknown options; a throwing hook changes nothing', async () => {
    const { session, router, warnings } = await connected();
    const r = session.call('com.a', [], {}, { colour: 'red' } as never);
    expect(await router.next()).toEqual([48, 1, {}, 'com.a']);
    expect(warnings).toEqual(['unknown option CallOptions.colour ignored']);
    router.send([50, 1, {}]);
    await r;

    const [client, routerEnd] = memoryTransportPair(jsonSerializer);
    const peer = new RouterPeer(routerEnd);
    const joining = Session.join(client, {
      realm: 'realm1',
      onTrace: () => {
        throw new Error('bad trace hook');
      },
      onWarning: () => {
        throw new Error('bad warning hook');
      },
    });
    await peer.next();
    peer.send([2, 1, { roles: FULL_ROUTER_ROLES }]);
    const s = await joining;
    void s.call('com.a', [], {}, { colour: 'red' } as never);
    expect(await peer.next()).toEqual([48, 1, {}, 'com.a']);
    expect(s.isOpen).toBe(true);
  });
});
