/**
 * The scenarios every independent peer runs against the router, once per
 * serializer and transport it speaks. Each scenario joins its own sessions
 * (two of the peer under test where two parties are needed, and a
 * `@wamp/client` session where the peer cannot play a part — see the
 * README's matrix), bounds every wait, and leaves every session it opened,
 * also when it fails.
 */

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REALM, CREDENTIALS, startRouter, type TestRouter } from './router.js';
import {
  RemoteError,
  canon,
  deferred,
  join,
  label,
  within,
  type AuthName,
  type EventInfo,
  type Invocation,
  type Peer,
  type PeerSpec,
  type Reply,
} from './peers.js';

const WAIT = 4_000;

export const UNICODE = 'ü € 你好 𝄞 😀 e\u0301 \u0000-free';

/** Integers a WAMP payload must carry exactly: the spec's ID range ends at 2^53. */
export const BIG_INTS = [0, -1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1)];

/**
 * The payload of the RPC and PubSub scenarios: nested containers, unicode in
 * values and keys, large integers, floats, booleans, null; binary where the
 * serializer carries it (MessagePack `bin`, CBOR byte strings — the JSON
 * binary convention is implemented by neither Autobahn|JS nor wampy).
 */
export function payload(spec: PeerSpec, withTwoTo53: boolean): Reply {
  const args: unknown[] = [...BIG_INTS, 1.5, -0.25, true, false, null, '', UNICODE, [], {}, { nested: { deeper: [1, { x: UNICODE }] } }];
  const kwargs: Record<string, unknown> = {
    ключ: UNICODE,
    '😀': [[], [[]], [1, [2, [3]]]],
    big: 2 ** 53 - 1,
    obj: { a: { b: { c: 'd', e: [true, null] } } },
  };
  if (withTwoTo53) {
    args.push(2 ** 53, -(2 ** 53));
    kwargs['max'] = 2 ** 53;
  }
  if (spec.serializer !== 'json') {
    // A plain Uint8Array and a Node Buffer: node-cbor (Autobahn|JS) and cbor-x
    // (wampy) write the first as tag 64 around a byte string, the second as a
    // plain byte string.
    args.push(new Uint8Array([0, 1, 2, 127, 128, 255]));
    kwargs['bin'] = Buffer.from(Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
    kwargs['empty'] = new Uint8Array(0);
  }
  return { args, kwargs };
}

/** Open sessions of one test; `afterEach` leaves whichever are still open. */
export class Sessions {
  private readonly open: Peer[] = [];
  constructor(private readonly router: () => TestRouter) {}

  async join(spec: PeerSpec, auth: AuthName = 'anonymous'): Promise<Peer> {
    const p = await join(this.router(), spec, auth);
    this.open.push(p);
    return p;
  }

  async leave(p: Peer): Promise<void> {
    const i = this.open.indexOf(p);
    if (i >= 0) this.open.splice(i, 1);
    await p.leave();
  }

  /** Track a session joined some other way, so that `leaveAll` leaves it. */
  add(p: Peer): Peer {
    this.open.push(p);
    return p;
  }

  /** Forget a session that the router closed. */
  forget(p: Peer): void {
    const i = this.open.indexOf(p);
    if (i >= 0) this.open.splice(i, 1);
  }

  async leaveAll(): Promise<void> {
    const all = this.open.splice(0);
    await Promise.allSettled(all.map((p) => p.leave()));
  }
}

/** Router log lines that say a peer broke the protocol. */
export function violations(router: TestRouter, from = 0): string[] {
  return router.log.slice(from).filter((l) => l.includes('protocol_violation') || l.includes('malformed'));
}

/** What a suite's extra tests get: the router, the session tracker, and the `@wamp/client` helper's spec. */
export interface SuiteContext {
  router(): TestRouter;
  readonly sessions: Sessions;
  readonly helper: PeerSpec;
  /**
   * Wait until the router has logged a protocol violation matching `pattern`
   * during this test, and accept it (every other violation fails the test).
   */
  expectViolation(pattern: RegExp): Promise<string>;
}

/** Collect events until `count` have arrived. */
export function collector(count: number): { events: EventInfo[]; done: Promise<EventInfo[]>; handler: (ev: EventInfo) => void } {
  const events: EventInfo[] = [];
  const d = deferred<EventInfo[]>();
  return {
    events,
    done: d.promise,
    handler: (ev) => {
      events.push(ev);
      if (events.length === count) d.resolve(events);
    },
  };
}

export interface PeerCapabilities {
  /** The peer's callee answers INTERRUPT (it announces call_canceling, so it may get progressive results too). */
  readonly calleeCanceling: boolean;
  /** The peer can ask for disclosure as a callee (REGISTER.Options.disclose_caller). */
  readonly discloseCaller: boolean;
  /** `2^53` survives being received and sent back by this peer with this serializer. */
  readonly echoesTwoTo53: boolean;
  /** The cancel mode the peer's caller uses in the cancel scenario. */
  readonly cancelMode: 'kill' | 'killnowait';
  /** The peer can send PUBLISH.Options.exclude_me = false (receive its own event). */
  readonly excludeMeFalse: boolean;
  /** The reason of the GOODBYE the peer sends when the application leaves. */
  readonly leaveReason: string;
  /** The reason of the GOODBYE with which the peer answers the router's GOODBYE (the spec's: `wamp.close.goodbye_and_out`). */
  readonly goodbyeReply: string;
}

const lastGoodbye = (p: Peer): unknown[] | undefined => p.sent.filter((m) => m[0] === 6).at(-1);

let uniq = 0;
/** A URI unique to this test run, so that scenarios never see each other's registrations and events. */
export const uri = (s: string): string => `com.interop.${s}.n${++uniq}`;

/**
 * Define the scenario suite of one peer configuration. `helper` is the
 * `@wamp/client` configuration that plays the parts the peer cannot.
 */
export function peerSuite(
  spec: PeerSpec,
  caps: PeerCapabilities,
  options: { requestIds?: 'strict' | 'lenient' } = {},
  extra?: (ctx: SuiteContext) => void,
): void {
  const helper: PeerSpec = { library: 'wamp-client', serializer: spec.serializer, transport: 'websocket' };

  describe(label(spec), () => {
    let router: TestRouter;
    const sessions = new Sessions(() => router);
    // Where this test's part of the router log starts, and the violations it expected.
    let mark = 0;
    let expected: string[] = [];

    beforeAll(async () => {
      router = await startRouter(options);
    });
    beforeEach(() => {
      mark = router.log.length;
      expected = [];
    });
    afterEach(async () => {
      await sessions.leaveAll();
      // Every scenario leaves the router's log free of protocol violations, unless it expected one.
      expect(violations(router, mark).filter((l) => !expected.includes(l))).toEqual([]);
    });
    afterAll(async () => {
      await router?.close();
    });

    const ctx: SuiteContext = {
      router: () => router,
      sessions,
      helper,
      async expectViolation(pattern) {
        const find = (): string | undefined => violations(router, mark).find((l) => pattern.test(l) && !expected.includes(l));
        const deadline = Date.now() + WAIT;
        let line = find();
        while (line === undefined && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 10));
          line = find();
        }
        if (line === undefined) throw new Error(`the router logged no protocol violation matching ${pattern}: ${JSON.stringify(violations(router, mark))}`);
        expected.push(line);
        return line;
      },
    };

    it('joins anonymously, is seen with its serializer by the meta API, and leaves', async () => {
      const peer = await sessions.join(spec);
      expect(Number.isSafeInteger(peer.id) || peer.id === 2 ** 53).toBe(true);
      expect(peer.id).toBeGreaterThanOrEqual(1);
      expect(peer.welcome.authrole).toBe('anonymous');
      const observer = await sessions.join(helper);
      const info = await within(WAIT, 'wamp.session.get', observer.call('wamp.session.get', [peer.id]));
      const d = info.args[0] as { session: number; transport: { type: string; serializer: string } };
      expect(d.session).toBe(peer.id);
      expect(d.transport.type).toBe(spec.transport);
      expect(d.transport.serializer).toBe(spec.serializer);
      await sessions.leave(peer);
      await within(WAIT, 'the session to end', peer.closed);
      expect(lastGoodbye(peer)?.[2]).toBe(caps.leaveReason);
      await expect(observer.call('wamp.session.get', [peer.id])).rejects.toMatchObject({ uri: 'wamp.error.no_such_session' });
    });

    it('registers and calls with args and kwargs (nested, unicode, large integers, binary where carried)', async () => {
      const callee = await sessions.join(spec);
      const caller = await sessions.join(spec);
      const proc = uri('echo');
      const seen: Invocation[] = [];
      await callee.register(proc, (inv) => {
        seen.push(inv);
        return { args: inv.args, kwargs: inv.kwargs };
      });
      const sent = payload(spec, caps.echoesTwoTo53);
      const r = await within(WAIT, 'echo call', caller.call(proc, sent.args, sent.kwargs));
      expect(seen).toHaveLength(1);
      expect(canon(seen[0]!.args)).toEqual(canon(sent.args));
      expect(canon(seen[0]!.kwargs)).toEqual(canon(sent.kwargs));
      expect(canon(r.args)).toEqual(canon(sent.args));
      expect(canon(r.kwargs)).toEqual(canon(sent.kwargs));
      // No args, no kwargs: the empty call and the empty result.
      await callee.register(`${proc}.empty`, () => ({ args: [], kwargs: {} }));
      const e = await within(WAIT, 'empty call', caller.call(`${proc}.empty`));
      expect(e).toEqual({ args: [], kwargs: {} });
    });

    it('sees an application error with args and kwargs as the caller', async () => {
      const callee = await sessions.join(spec);
      const caller = await sessions.join(spec);
      const proc = uri('fail');
      await callee.register(proc, () => {
        throw new RemoteError('com.interop.error.invalid_thing', [1, 'two', UNICODE], { reason: 'nö', detail: { code: 42, list: [1, [2]] } });
      });
      const err = await within(WAIT, 'failing call', caller.call(proc, [1]).then(() => undefined, (e: unknown) => e));
      expect(err).toBeInstanceOf(RemoteError);
      const re = err as RemoteError;
      expect(re.uri).toBe('com.interop.error.invalid_thing');
      expect(canon(re.args)).toEqual([1, 'two', UNICODE]);
      expect(canon(re.kwargs)).toEqual({ reason: 'nö', detail: { code: 42, list: [1, [2]] } });
      // A call to nothing: the dealer's own error.
      const none = await within(WAIT, 'call to nothing', caller.call(uri('nothing')).then(() => undefined, (e: unknown) => e));
      expect(none).toMatchObject({ uri: 'wamp.error.no_such_procedure' });
    });

    it('receives progressive call results as the caller', async () => {
      const callee = await sessions.join(helper);
      const caller = await sessions.join(spec);
      const proc = uri('progressive');
      await callee.register(proc, (inv) => {
        if (inv.progress === undefined) throw new RemoteError('com.interop.error.no_progress');
        for (let i = 0; i < 3; i++) inv.progress([i], { part: i });
        return { args: ['done'], kwargs: { parts: 3 } };
      });
      const parts: Reply[] = [];
      const r = await within(WAIT, 'progressive call', caller.call(proc, [], {}, { onProgress: (p) => parts.push(p) }));
      expect(canon(parts)).toEqual([0, 1, 2].map((i) => ({ args: [i], kwargs: { part: i } })));
      expect(canon(r)).toEqual({ args: ['done'], kwargs: { parts: 3 } });
    });

    if (caps.calleeCanceling) {
      it('sends progressive call results as the callee', async () => {
        const callee = await sessions.join(spec);
        const caller = await sessions.join(helper);
        const proc = uri('progressive.callee');
        await callee.register(proc, (inv) => {
          if (inv.progress === undefined) throw new RemoteError('com.interop.error.no_progress');
          inv.progress(['a']);
          inv.progress(['b']);
          return { args: ['c'], kwargs: {} };
        });
        const parts: Reply[] = [];
        const r = await within(WAIT, 'progressive call', caller.call(proc, [], {}, { onProgress: (p) => parts.push(p) }));
        expect(parts.map((p) => p.args[0])).toEqual(['a', 'b']);
        expect(r.args).toEqual(['c']);
      });
    } else {
      it('as a callee without call_canceling, is not offered progressive results and answers with one result (spec: the dealer disregards the feature)', async () => {
        const callee = await sessions.join(spec);
        const caller = await sessions.join(helper);
        const proc = uri('progressive.callee');
        let offered: boolean | undefined;
        await callee.register(proc, (inv) => {
          offered = inv.progress !== undefined;
          return { args: ['only'], kwargs: {} };
        });
        const parts: Reply[] = [];
        const r = await within(WAIT, 'call asking for progress', caller.call(proc, [], {}, { onProgress: (p) => parts.push(p) }));
        expect(offered).toBe(false);
        expect(parts).toEqual([]);
        expect(r.args).toEqual(['only']);
      });
    }

    it(`cancels a call as the caller (mode ${caps.cancelMode}); the callee is interrupted`, async () => {
      const callee = await sessions.join(helper);
      const caller = await sessions.join(spec);
      const proc = uri('slow');
      const started = deferred<void>();
      const interrupted = deferred<void>();
      // The helper is a @wamp/client callee: its handler's signal fires on INTERRUPT.
      await callee.register(proc, (inv) => {
        started.resolve();
        return new Promise<Reply>((_, reject) => {
          inv.signal?.addEventListener('abort', () => {
            interrupted.resolve();
            reject(new RemoteError('wamp.error.canceled', ['interrupted']));
          });
        });
      });
      const c = caller.callCancelable(proc, [1], caps.cancelMode);
      const outcome = c.result.then(() => 'resolved', (e: unknown) => e);
      await within(WAIT, 'the invocation to start', started.promise);
      c.cancel();
      const e = await within(WAIT, 'the canceled call to settle', outcome);
      if (caps.cancelMode === 'kill') {
        expect(e).toMatchObject({ uri: 'wamp.error.canceled' });
      } else {
        expect(e).not.toBe('resolved');
      }
      await within(WAIT, 'INTERRUPT at the callee', interrupted.promise);
      // The session is still usable.
      await callee.register(`${proc}.after`, () => ({ args: ['ok'], kwargs: {} }));
      expect((await within(WAIT, 'call after cancel', caller.call(`${proc}.after`))).args).toEqual(['ok']);
    });

    if (!caps.calleeCanceling) {
      it('as a callee without call_canceling, gets no INTERRUPT when the caller cancels; its late answer is dropped', async () => {
        const callee = await sessions.join(spec);
        const caller = await sessions.join(helper);
        const proc = uri('uncancelable');
        const started = deferred<void>();
        const release = deferred<void>();
        const finished = deferred<void>();
        await callee.register(proc, async () => {
          started.resolve();
          await release.promise;
          finished.resolve();
          return { args: ['late'], kwargs: {} };
        });
        const c = caller.callCancelable(proc, [], 'killnowait');
        const outcome = c.result.then(() => 'resolved', (e: unknown) => e);
        await within(WAIT, 'the invocation to start', started.promise);
        c.cancel();
        expect(await within(WAIT, 'the canceled call to settle', outcome)).not.toBe('resolved');
        release.resolve();
        await within(WAIT, 'the callee to answer late', finished.promise);
        // The callee is still joined (an INTERRUPT it does not know would have made it fail the session) and serves the next call.
        expect((await within(WAIT, 'next call', caller.call(proc, []).then((r) => r.args))).at(0)).toBe('late');
      });
    }

    it(`subscribes and publishes with acknowledge${caps.excludeMeFalse ? ' and exclude_me: false' : ''}`, async () => {
      const a = await sessions.join(spec);
      const b = await sessions.join(spec);
      const topic = uri('topic');
      const atA = collector(1);
      const atB = collector(1);
      await a.subscribe(topic, atA.handler);
      await b.subscribe(topic, atB.handler);
      const sent = payload(spec, caps.echoesTwoTo53);
      const publisher = caps.excludeMeFalse ? a : b;
      await within(WAIT, 'acknowledged publish', publisher.publish(topic, sent.args, sent.kwargs, { acknowledge: true, excludeMe: false }));
      const [evA] = await within(WAIT, caps.excludeMeFalse ? 'own event' : 'event', atA.done);
      const [evB] = caps.excludeMeFalse ? await within(WAIT, "the other session's event", atB.done) : [evA];
      for (const ev of [evA!, evB!]) {
        expect(canon(ev.args)).toEqual(canon(sent.args));
        expect(canon(ev.kwargs)).toEqual(canon(sent.kwargs));
      }
      // Default exclude_me: the publisher does not get its own event.
      const atB2 = collector(2);
      const topic2 = uri('topic.excluded');
      const atA2 = collector(1);
      await a.subscribe(topic2, atA2.handler);
      await b.subscribe(topic2, atB2.handler);
      await within(WAIT, 'publish', a.publish(topic2, [1], {}, { acknowledge: true }));
      await within(WAIT, 'publish', a.publish(topic2, [2], {}, { acknowledge: true }));
      await within(WAIT, 'events at the other session', atB2.done);
      expect(atA2.events).toEqual([]);
    });

    it('subscribes with prefix and wildcard matching and learns the actual topic', async () => {
      const sub = await sessions.join(spec);
      const pub = await sessions.join(spec);
      const base = uri('match');
      const prefixed = collector(2);
      const wild = collector(1);
      await sub.subscribe(`${base}.pre`, prefixed.handler, { match: 'prefix' });
      await sub.subscribe(`${base}..leaf`, wild.handler, { match: 'wildcard' });
      await within(WAIT, 'publish', pub.publish(`${base}.pre.a`, ['p1'], {}, { acknowledge: true }));
      await within(WAIT, 'publish', pub.publish(`${base}.pre.b.c`, ['p2'], {}, { acknowledge: true }));
      await within(WAIT, 'publish', pub.publish(`${base}.other.leaf`, ['w'], {}, { acknowledge: true }));
      await within(WAIT, 'publish', pub.publish(`${base}.other.leaf.no`, ['x'], {}, { acknowledge: true }));
      const pe = await within(WAIT, 'prefix events', prefixed.done);
      const we = await within(WAIT, 'wildcard event', wild.done);
      expect(pe.map((e) => [e.topic, e.args[0]])).toEqual([
        [`${base}.pre.a`, 'p1'],
        [`${base}.pre.b.c`, 'p2'],
      ]);
      expect(we.map((e) => [e.topic, e.args[0]])).toEqual([[`${base}.other.leaf`, 'w']]);
      // A pattern registration reports the procedure too.
      const proc = `${base}.rpc`;
      await sub.register(proc, (inv) => ({ args: [inv.procedure], kwargs: {} }), { match: 'prefix' });
      expect((await within(WAIT, 'prefix-registered call', pub.call(`${proc}.x.y`))).args).toEqual([`${proc}.x.y`]);
    });

    it('discloses the caller and the publisher when they ask (disclose_me)', async () => {
      const a = await sessions.join(spec, 'ticket');
      const b = await sessions.join(spec);
      const proc = uri('who');
      let inv: Invocation | undefined;
      await b.register(proc, (i) => {
        inv = i;
        return { args: [], kwargs: {} };
      });
      await within(WAIT, 'disclosed call', a.call(proc, [], {}, { discloseMe: true }));
      expect(canon(inv?.caller)).toBe(a.id);
      expect(inv?.callerAuthid).toBe(CREDENTIALS.ticket.authid);
      expect(inv?.callerAuthrole).toBe(CREDENTIALS.ticket.authrole);
      // Without disclose_me the callee learns nothing.
      await within(WAIT, 'undisclosed call', a.call(proc, []));
      expect(inv?.caller).toBeUndefined();

      const topic = uri('who.topic');
      const events = collector(2);
      await b.subscribe(topic, events.handler);
      await within(WAIT, 'disclosed publish', a.publish(topic, [1], {}, { acknowledge: true, discloseMe: true }));
      await within(WAIT, 'undisclosed publish', a.publish(topic, [2], {}, { acknowledge: true }));
      const [disclosed, plain] = await within(WAIT, 'events', events.done);
      expect(canon(disclosed!.publisher)).toBe(a.id);
      expect(disclosed!.publisherAuthid).toBe(CREDENTIALS.ticket.authid);
      expect(plain!.publisher).toBeUndefined();
    });

    if (caps.discloseCaller) {
      it('discloses the caller to a callee that registered with disclose_caller', async () => {
        const callee = await sessions.join(spec);
        const caller = await sessions.join(helper);
        const proc = uri('who.callee');
        let inv: Invocation | undefined;
        await callee.register(
          proc,
          (i) => {
            inv = i;
            return { args: [], kwargs: {} };
          },
          { discloseCaller: true },
        );
        await within(WAIT, 'call', caller.call(proc));
        expect(canon(inv?.caller)).toBe(caller.id);
        expect(inv?.callerAuthrole).toBe('anonymous');
      });
    }

    it('uses the session meta API: wamp.session.count and wamp.session.on_join', async () => {
      const peer = await sessions.join(spec);
      const joins = collector(1);
      await peer.subscribe('wamp.session.on_join', joins.handler);
      const before = (await within(WAIT, 'wamp.session.count', peer.call('wamp.session.count'))).args[0];
      const other = await sessions.join(helper, 'wampcra');
      const [ev] = await within(WAIT, 'on_join', joins.done);
      const d = canon(ev!.args[0]) as Record<string, unknown>;
      expect(d['session']).toBe(other.id);
      expect(d['authid']).toBe(CREDENTIALS.wampcra.authid);
      expect(d['authrole']).toBe(CREDENTIALS.wampcra.authrole);
      expect(d['authmethod']).toBe('wampcra');
      const after = (await within(WAIT, 'wamp.session.count', peer.call('wamp.session.count'))).args[0];
      expect(canon(after)).toBe((canon(before) as number) + 1);
    });

    for (const auth of ['ticket', 'wampcra', 'cryptosign'] as const) {
      it(`authenticates with ${auth} through the library's own helper`, async () => {
        const peer = await sessions.join(spec, auth);
        const c = CREDENTIALS[auth];
        expect(peer.welcome.authid).toBe(c.authid);
        expect(peer.welcome.authrole).toBe(c.authrole);
        expect(peer.welcome.authmethod).toBe(auth);
        // The authenticated session works.
        const proc = uri(`auth.${auth}`);
        await peer.register(proc, () => ({ args: [auth], kwargs: {} }));
        expect((await within(WAIT, 'call', peer.call(proc))).args).toEqual([auth]);
      });
    }

    it('ends when the router kills it (router-initiated GOODBYE), answering in a way the router accepts', async () => {
      const peer = await sessions.join(spec);
      const admin = await sessions.join(helper);
      await within(WAIT, 'wamp.session.kill', admin.call('wamp.session.kill', [peer.id], { reason: 'com.interop.close.kicked', message: 'bye' }));
      const reason = await within(WAIT, 'the killed session to end', peer.closed);
      sessions.forget(peer);
      // Autobahn|JS and @wamp/client report the router's reason; wampy's onClose has none.
      if (spec.library !== 'wampy') expect(reason).toBe('com.interop.close.kicked');
      expect(lastGoodbye(peer)).toEqual([6, {}, caps.goodbyeReply]);
    });

    extra?.(ctx);
  });
}

export { REALM };
