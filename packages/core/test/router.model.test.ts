// Model-based test (fast-check `commands` + `modelRun`): random sequences of
// join, register, unregister, call, yield, error, cancel, subscribe,
// publish, leave (GOODBYE, ABORT, transport loss, protocol violation), kill
// and clock advances across six sessions on three serializers. After every
// step the delivered messages are checked against the model:
// - every CALL is answered at most once, and at the end exactly once;
// - an EVENT goes exactly to the eligible subscribers of a publication;
// - INVOCATIONs go to callees of the procedure, answers only to their caller;
// - the router's realm (sessions, registrations, subscriptions) equals the
//   model, so nothing is left for departed sessions, and departed sessions
//   receive nothing;
// - nothing throws.
//
// The same model runs twice: against one router, and against a cluster of
// three router nodes on the in-memory bus (harness/cluster-net.ts) with
// delayed bus messages, where slot i's session lives on node i mod 3 and a
// node may crash (its sessions vanish; it restarts empty). There the realm of
// *every* node must equal the model after each step: the meta API agrees
// everywhere after quiescence.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ErrorUri,
  MessageType,
  abort,
  call,
  cancel,
  cborSerializer,
  error,
  goodbye,
  jsonSerializer,
  msgpackSerializer,
  publish,
  register,
  subscribe,
  unregister,
  unsubscribe,
  yield_,
  type Message,
  type RealmSnapshot,
  type Serializer,
} from '@wamp/core';
import { ClusterNet } from './harness/cluster-net.js';
import { BASIC_ROLES, FULL_ROLES, RouterNet, type JoinOptions, type TestClient } from './harness/router-net.js';

const SLOTS = 6;
const PROCEDURES = ['p.a', 'p.b', 'p.c'] as const;
const TOPICS = ['t.a', 't.b'] as const;
const SERIALIZERS: Serializer[] = [jsonSerializer, msgpackSerializer, cborSerializer];

interface Slot {
  readonly client: TestClient;
  readonly full: boolean;
  /** Open calls: request → whether progressive results were asked for. */
  readonly calls: Map<number, boolean>;
  /** Invocations received and not yet answered by this callee. */
  readonly invs: Set<number>;
  /** procedure → registration ID held. */
  readonly regs: Map<string, number>;
  /** `${topic}|${match}` → subscription ID held. */
  readonly subs: Map<string, number>;
  /** Replies to this slot's own requests (SUBSCRIBED, REGISTERED, ...) by request ID. */
  readonly replies: Map<number, Message>;
  expectAbort: boolean;
}

const CONFIG = { realms: [{ name: 'realm1' }] };
const NODES = ['a', 'b', 'c'] as const;

/** One router or a cluster, as the model sees it. */
interface ModelNet {
  join(slot: number, opts: JoinOptions): TestClient;
  advance(ms: number): void;
  /** Each node's realm (one for a single router). */
  realms(): RealmSnapshot[];
  /** No deadline left (a cluster always has its heartbeat). */
  idle(): boolean;
  /** Cluster: crash the node of `slot`, notice it, restart it; returns the slots that were on it. */
  crash?(slot: number): number[];
}

function single(): ModelNet {
  const net = new RouterNet(CONFIG, { seed: 11 });
  return {
    join: (_slot, opts) => net.join(opts),
    advance: (ms) => net.advance(ms),
    realms: () => [net.router.inspect('realm1')!],
    idle: () => net.router.pollTimeout() === undefined,
  };
}

function cluster(): ModelNet {
  const net = new ClusterNet(CONFIG, { seed: 11, maxDelay: 3 });
  const nodeOf = (slot: number): string => NODES[slot % NODES.length]!;
  return {
    join: (slot, opts) => net.join(nodeOf(slot), opts),
    advance: (ms) => net.advance(ms),
    realms: () => NODES.map((n) => net.router(n).inspect('realm1')!),
    idle: () => true,
    crash: (slot) => {
      const node = nodeOf(slot);
      net.crash(node);
      net.advance(3000);
      net.start(node);
      net.flush();
      return Array.from({ length: SLOTS }, (_, i) => i).filter((i) => nodeOf(i) === node);
    },
  };
}

class World {
  readonly slots: (Slot | undefined)[] = Array.from({ length: SLOTS }, () => undefined);
  readonly departed: TestClient[] = [];
  /** Shared registration policy per procedure while it exists. */
  readonly policy = new Map<string, string>();
  /** EVENTs seen, as `${publication}|${slot}|${subscription}`. */
  readonly events: string[] = [];

  constructor(readonly net: ModelNet) {
    SERIALIZERS.forEach((serializer, i) => (this.slots[i] = World.slot(this.net.join(i, { serializer }), true)));
  }

  slotOf(sessionId: number): number {
    return this.slots.findIndex((s) => s?.client.sessionId === sessionId);
  }

  /** Take every delivered message and check it against the model. */
  absorb(): void {
    for (const c of this.departed) expect(c.take(), 'a departed session receives nothing').toEqual([]);
    this.slots.forEach((s, i) => {
      if (s === undefined) return;
      for (const m of s.client.take()) this.accept(i, s, m);
    });
  }

  private accept(i: number, s: Slot, m: Message): void {
    switch (m.type) {
      case MessageType.RESULT: {
        const progressive = s.calls.get(m.request);
        expect(progressive, `RESULT ${m.request} for an open call of slot ${i}`).toBeDefined();
        if (m.details['progress'] === true) expect(progressive).toBe(true);
        else s.calls.delete(m.request);
        return;
      }
      case MessageType.ERROR:
        if (m.requestType === MessageType.CALL) {
          expect(s.calls.has(m.request), `ERROR ${m.request} for an open call of slot ${i}`).toBe(true);
          s.calls.delete(m.request);
        } else {
          s.replies.set(m.request, m);
        }
        return;
      case MessageType.INVOCATION: {
        expect([...s.regs.values()], 'INVOCATION for a registration the callee holds').toContain(m.registration);
        expect(s.invs.has(m.request)).toBe(false);
        s.invs.add(m.request);
        const caller = this.slotOf(m.details['caller'] as number);
        expect(caller, 'the caller of an INVOCATION is a live session').toBeGreaterThanOrEqual(0);
        return;
      }
      case MessageType.INTERRUPT:
        expect(s.invs.has(m.request), 'INTERRUPT for an invocation the callee has').toBe(true);
        if (m.options['mode'] === 'killnowait') s.invs.delete(m.request);
        return;
      case MessageType.EVENT: {
        expect([...s.subs.values()], 'EVENT for a subscription the session holds').toContain(m.subscription);
        this.events.push(`${m.publication}|${i}|${m.subscription}`);
        return;
      }
      case MessageType.UNREGISTERED:
      case MessageType.UNSUBSCRIBED:
        expect(m.request, 'revocations only come with a kill').not.toBe(0);
        s.replies.set(m.request, m);
        return;
      case MessageType.SUBSCRIBED:
      case MessageType.REGISTERED:
      case MessageType.PUBLISHED:
        s.replies.set(m.request, m);
        return;
      case MessageType.ABORT:
        expect(s.expectAbort, `unexpected ABORT to slot ${i}: ${JSON.stringify(m)}`).toBe(true);
        return;
      default:
        throw new Error(`unexpected ${JSON.stringify(m)} to slot ${i}`);
    }
  }

  /** The realm of the router — of every node of a cluster — must be exactly the model. */
  checkRealm(): void {
    const live = this.slots.filter((s): s is Slot => s !== undefined);
    const regs = new Map<string, Set<number>>();
    for (const s of live) for (const [uri] of s.regs) regs.set(uri, (regs.get(uri) ?? new Set()).add(s.client.sessionId));
    const subs = new Map<string, Set<number>>();
    for (const s of live) for (const [key] of s.subs) subs.set(key, (subs.get(key) ?? new Set()).add(s.client.sessionId));
    for (const snap of this.net.realms()) {
      expect(new Set(snap.sessions)).toEqual(new Set(live.map((s) => s.client.sessionId)));
      expect(new Map(snap.registrations.map((r) => [r.uri, new Set(r.callees)]))).toEqual(regs);
      expect(new Map(snap.subscriptions.map((x) => [`${x.uri}|${x.match}`, new Set(x.subscribers)]))).toEqual(subs);
    }
    for (const [uri] of this.policy) if (!regs.has(uri)) this.policy.delete(uri);
  }

  static slot(client: TestClient, full: boolean): Slot {
    return { client, full, calls: new Map(), invs: new Set(), regs: new Map(), subs: new Map(), replies: new Map(), expectAbort: false };
  }

  /** The slot's session is gone: forget it. */
  depart(i: number): void {
    const s = this.slots[i]!;
    this.slots[i] = undefined;
    this.departed.push(s.client);
  }

  step(): void {
    this.absorb();
    this.checkRealm();
  }
}

type Cmd = fc.Command<object, World>;

/** The (k mod n)-th of the n live slots, so that commands rarely miss. */
function which(w: World, k: number): number {
  const live = w.slots.flatMap((s, i) => (s === undefined ? [] : [i]));
  return live.length === 0 ? -1 : live[k % live.length]!;
}
const live = (w: World, k: number): Slot | undefined => w.slots[which(w, k)];

class Join implements Cmd {
  constructor(
    readonly serializer: number,
    readonly full: boolean,
  ) {}
  check = (): boolean => true;
  run(_m: object, w: World): void {
    const free = w.slots.indexOf(undefined);
    if (free < 0) return;
    w.slots[free] = World.slot(w.net.join(free, { serializer: SERIALIZERS[this.serializer]!, roles: this.full ? FULL_ROLES : BASIC_ROLES }), this.full);
    w.step();
  }
  toString = (): string => `join(${SERIALIZERS[this.serializer]!.name}, ${this.full ? 'full' : 'basic'})`;
}
class Leave implements Cmd {
  constructor(
    readonly i: number,
    readonly how: 'goodbye' | 'abort' | 'drop' | 'violation',
  ) {}
  check = (): boolean => true;
  run(_m: object, w: World): void {
    const i = which(w, this.i);
    const s = w.slots[i];
    if (s === undefined) return;
    const c = s.client;
    if (this.how === 'goodbye') {
      c.send(goodbye(ErrorUri.CLOSE_REALM));
      expect(c.inbox.pop()).toEqual(goodbye(ErrorUri.GOODBYE_AND_OUT));
    } else if (this.how === 'abort') c.send(abort(ErrorUri.CLOSE_NORMAL));
    else if (this.how === 'drop') c.dropTransport();
    else {
      s.expectAbort = true;
      c.sendRaw(c.serializer.binary ? new Uint8Array([0xc1]) : '[');
    }
    w.absorb();
    w.depart(i);
    w.step();
  }
  toString = (): string => `leave(#${this.i}, ${this.how})`;
}

class Kill implements Cmd {
  constructor(
    readonly i: number,
    readonly j: number,
  ) {}
  check = (): boolean => true;
  run(_m: object, w: World): void {
    const j = which(w, this.j);
    const killer = live(w, this.i);
    const victim = w.slots[j];
    if (killer === undefined || victim === undefined || killer === victim) return;
    const r = killer.client.req();
    killer.client.send(call(r, 'wamp.session.kill', { args: [victim.client.sessionId] }));
    killer.calls.set(r, false);
    // The victim gets revocations (if it supports them) and GOODBYE; it answers, and is gone.
    const got = victim.client.take();
    expect(got.pop()).toEqual(goodbye(ErrorUri.CLOSE_KILLED));
    for (const m of got) {
      if (m.type === MessageType.UNREGISTERED || m.type === MessageType.UNSUBSCRIBED) {
        expect(victim.full).toBe(true);
        expect(m.request).toBe(0);
      } else {
        victim.client.inbox.push(m);
      }
    }
    w.absorb();
    victim.client.send(goodbye(ErrorUri.GOODBYE_AND_OUT));
    expect(victim.client.closed).toMatchObject({ reason: ErrorUri.CLOSE_KILLED });
    w.depart(j);
    w.step();
    expect(killer.calls.has(r)).toBe(false);
  }
  toString = (): string => `kill(#${this.i} → #${this.j})`;
}

class Register implements Cmd {
  constructor(
    readonly i: number,
    readonly p: number,
    readonly invoke: 'single' | 'roundrobin',
  ) {}
  check = (): boolean => true;
  run(_m: object, w: World): void {
    const s = live(w, this.i);
    if (s === undefined) return;
    const uri = PROCEDURES[this.p]!;
    const existing = w.policy.get(uri);
    const ok = existing === undefined || (existing === this.invoke && this.invoke !== 'single' && !s.regs.has(uri));
    const r = s.client.req();
    s.client.send(register(r, uri, { invoke: this.invoke }));
    w.absorb();
    const reply = s.replies.get(r)!;
    if (ok) {
      expect(reply.type).toBe(MessageType.REGISTERED);
      s.regs.set(uri, (reply as { registration: number }).registration);
      w.policy.set(uri, this.invoke);
    } else {
      expect(reply).toEqual(error(MessageType.REGISTER, r, ErrorUri.PROCEDURE_ALREADY_EXISTS));
    }
    w.step();
  }
  toString = (): string => `register(${this.i}, ${PROCEDURES[this.p]}, ${this.invoke})`;
}

class Unregister implements Cmd {
  constructor(
    readonly i: number,
    readonly p: number,
  ) {}
  check = (): boolean => true;
  run(_m: object, w: World): void {
    const s = live(w, this.i);
    const uri = PROCEDURES[this.p]!;
    const id = s?.regs.get(uri);
    if (s === undefined || id === undefined) return;
    const r = s.client.req();
    s.client.send(unregister(r, id));
    w.absorb();
    expect(s.replies.get(r)).toEqual({ type: MessageType.UNREGISTERED, request: r });
    s.regs.delete(uri);
    w.step();
  }
  toString = (): string => `unregister(${this.i}, ${PROCEDURES[this.p]})`;
}

class Call implements Cmd {
  constructor(
    readonly i: number,
    readonly p: number,
    readonly timeout: boolean,
    readonly progress: boolean,
  ) {}
  check = (): boolean => true;
  run(_m: object, w: World): void {
    const s = live(w, this.i);
    if (s === undefined) return;
    const uri = PROCEDURES[this.p]!;
    const callees = w.slots.filter((x) => x?.regs.has(uri));
    const r = s.client.req();
    const before = callees.map((c) => c!.invs.size);
    s.calls.set(r, this.progress);
    const options: Record<string, unknown> = { disclose_me: true };
    if (this.timeout) options['timeout'] = 100;
    if (this.progress) options['receive_progress'] = true;
    s.client.send(call(r, uri, { args: [r] }, options));
    w.absorb();
    if (callees.length === 0) {
      expect(s.calls.has(r), 'no callee: answered at once').toBe(false);
    } else {
      // Exactly one callee of the procedure got exactly one INVOCATION.
      const grew = callees.map((c, k) => c!.invs.size - before[k]!);
      expect(grew.filter((g) => g === 1)).toHaveLength(1);
      expect(grew.every((g) => g === 0 || g === 1)).toBe(true);
    }
    w.step();
  }
  toString = (): string => `call(${this.i}, ${PROCEDURES[this.p]}${this.timeout ? ', timeout' : ''}${this.progress ? ', progress' : ''})`;
}

class Answer implements Cmd {
  constructor(
    readonly i: number,
    readonly k: number,
    readonly how: 'yield' | 'progress' | 'error',
  ) {}
  check = (): boolean => true;
  run(_m: object, w: World): void {
    const busy = w.slots.filter((x): x is Slot => x !== undefined && x.invs.size > 0);
    const s = busy[this.i % Math.max(1, busy.length)];
    if (s === undefined) return;
    const id = [...s.invs][this.k % s.invs.size]!;
    if (this.how === 'yield') s.client.send(yield_(id, { args: ['ok'] }));
    else if (this.how === 'progress') s.client.send(yield_(id, { args: ['part'] }, { progress: true }));
    else s.client.send(error(MessageType.INVOCATION, id, 'com.app.failed'));
    if (this.how !== 'progress') s.invs.delete(id);
    w.step();
  }
  toString = (): string => `answer(${this.i}, #${this.k}, ${this.how})`;
}

class Cancel implements Cmd {
  constructor(
    readonly i: number,
    readonly k: number,
    readonly mode: 'skip' | 'kill' | 'killnowait',
  ) {}
  check = (): boolean => true;
  run(_m: object, w: World): void {
    const waiting = w.slots.filter((x): x is Slot => x !== undefined && x.calls.size > 0);
    const s = waiting[this.i % Math.max(1, waiting.length)];
    if (s === undefined) return;
    const r = [...s.calls.keys()][this.k % s.calls.size]!;
    s.client.send(cancel(r, { mode: this.mode }));
    w.step();
  }
  toString = (): string => `cancel(${this.i}, #${this.k}, ${this.mode})`;
}

class Subscribe implements Cmd {
  constructor(
    readonly i: number,
    readonly t: number,
    readonly prefix: boolean,
    readonly unsubscribe: boolean,
  ) {}
  check = (): boolean => true;
  run(_m: object, w: World): void {
    const s = live(w, this.i);
    if (s === undefined) return;
    const topic = this.prefix ? 't' : TOPICS[this.t]!;
    const match = this.prefix ? 'prefix' : 'exact';
    const key = `${topic}|${match}`;
    const held = s.subs.get(key);
    const r = s.client.req();
    if (this.unsubscribe) {
      if (held === undefined) {
        s.client.send(unsubscribe(r, 999_999));
        w.absorb();
        expect(s.replies.get(r)).toMatchObject({ error: ErrorUri.NO_SUCH_SUBSCRIPTION });
        return w.step();
      }
      s.client.send(unsubscribe(r, held));
      s.subs.delete(key);
      w.absorb();
      expect(s.replies.get(r)).toEqual({ type: MessageType.UNSUBSCRIBED, request: r });
      return w.step();
    }
    s.client.send(subscribe(r, topic, { match }));
    w.absorb();
    const reply = s.replies.get(r) as { type: number; subscription: number };
    expect(reply.type).toBe(MessageType.SUBSCRIBED);
    if (held !== undefined) expect(reply.subscription).toBe(held);
    // One subscription per (topic, match), shared by its subscribers.
    for (const o of w.slots) {
      const id = o?.subs.get(key);
      if (id !== undefined) expect(reply.subscription).toBe(id);
    }
    s.subs.set(key, reply.subscription);
    w.step();
  }
  toString = (): string => `${this.unsubscribe ? 'unsubscribe' : 'subscribe'}(${this.i}, ${this.prefix ? 't*' : TOPICS[this.t]})`;
}

class Publish implements Cmd {
  constructor(
    readonly i: number,
    readonly t: number,
    readonly excludeMe: boolean,
    readonly eligible: number[] | undefined,
  ) {}
  check = (): boolean => true;
  run(_m: object, w: World): void {
    const s = live(w, this.i);
    if (s === undefined) return;
    const topic = TOPICS[this.t]!;
    const eligibleIds = this.eligible?.map((k) => w.slots[k]?.client.sessionId ?? 1);
    const options: Record<string, unknown> = { acknowledge: true, exclude_me: this.excludeMe };
    if (eligibleIds !== undefined) options['eligible'] = eligibleIds;
    const r = s.client.req();
    w.events.length = 0;
    s.client.send(publish(r, topic, { args: [r] }, options));
    w.absorb();
    const ack = s.replies.get(r) as { type: number; publication: number };
    expect(ack.type).toBe(MessageType.PUBLISHED);
    const expected: string[] = [];
    w.slots.forEach((o, k) => {
      if (o === undefined) return;
      if (this.excludeMe && o === s) return;
      if (eligibleIds !== undefined && !eligibleIds.includes(o.client.sessionId)) return;
      for (const [key, id] of o.subs) {
        const [t, match] = key.split('|');
        if (match === 'exact' ? t === topic : topic.startsWith(t!)) expected.push(`${ack.publication}|${k}|${id}`);
      }
    });
    expect(w.events.sort()).toEqual(expected.sort());
    w.step();
  }
  toString = (): string => `publish(${this.i}, ${TOPICS[this.t]}${this.excludeMe ? '' : ', !exclude_me'}${this.eligible ? `, eligible ${this.eligible}` : ''})`;
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  run(_m: object, w: World): void {
    w.net.advance(this.ms);
    w.step();
  }
  toString = (): string => `advance(${this.ms})`;
}

/** Cluster only: a node crashes without a word, is noticed, and restarts empty. */
class Crash implements Cmd {
  constructor(readonly i: number) {}
  check = (): boolean => true;
  run(_m: object, w: World): void {
    const crash = w.net.crash;
    if (crash === undefined) return;
    // Its sessions vanish with it; the other nodes answer what waited on them.
    const gone = crash(this.i);
    for (const k of gone) if (w.slots[k] !== undefined) w.depart(k);
    w.step();
  }
  toString = (): string => `crash(node of slot ${this.i})`;
}

const slot = fc.nat(SLOTS - 1);
const join = fc.tuple(fc.nat(2), fc.boolean()).map(([s, f]) => new Join(s, f));
const leave = fc.tuple(slot, fc.constantFrom('goodbye', 'abort', 'drop', 'violation' as const)).map(([i, h]) => new Leave(i, h));
const kill = fc.tuple(slot, slot).map(([i, j]) => new Kill(i, j));
const reg = fc.tuple(slot, fc.nat(1), fc.constantFrom('single', 'roundrobin' as const)).map(([i, p, v]) => new Register(i, p, v));
const unreg = fc.tuple(slot, fc.nat(1)).map(([i, p]) => new Unregister(i, p));
const callCmd = fc.tuple(slot, fc.nat(2), fc.boolean(), fc.boolean()).map(([i, p, t, g]) => new Call(i, p, t, g));
const answer = fc.tuple(slot, fc.nat(5), fc.constantFrom('yield', 'progress', 'error' as const)).map(([i, k, h]) => new Answer(i, k, h));
const cancelCmd = fc.tuple(slot, fc.nat(5), fc.constantFrom('skip', 'kill', 'killnowait' as const)).map(([i, k, m]) => new Cancel(i, k, m));
const sub = fc.tuple(slot, fc.nat(1), fc.boolean(), fc.nat(3)).map(([i, t, p, u]) => new Subscribe(i, t, p, u === 0));
const pub = fc.tuple(slot, fc.nat(1), fc.boolean(), fc.option(fc.uniqueArray(slot, { maxLength: 3 }), { nil: undefined })).map(
  ([i, t, x, e]) => new Publish(i, t, x, e),
);
const advance = fc.integer({ min: 20, max: 150 }).map((ms) => new Advance(ms));
/** Weighted by repetition: the request/answer commands are the interesting ones. */
const commands = [join, leave, kill, reg, reg, reg, unreg, callCmd, callCmd, callCmd, callCmd, answer, answer, answer, cancelCmd, sub, sub, sub, pub, pub, pub, advance];
const crashCmd = slot.map((i) => new Crash(i));


/** End of a run: every callee answers what it holds, then every live caller must have all its answers. */
function finish(w: World): void {
  for (const s of w.slots) {
    if (s === undefined) continue;
    for (const id of [...s.invs]) {
      s.client.send(yield_(id));
      s.invs.delete(id);
    }
  }
  w.step();
  w.slots.forEach((s, i) => expect([...(s?.calls.keys() ?? [])], `open calls of slot ${i}`).toEqual([]));
  for (let i = 0; i < SLOTS; i++) {
    if (w.slots[i] === undefined) continue;
    w.slots[i]!.client.dropTransport();
    w.depart(i);
  }
  w.step();
  for (const snap of w.net.realms()) {
    expect(snap).toEqual({ name: 'realm1', sessions: [], registrations: [], subscriptions: [], invocations: 0, retained: 0 });
  }
  expect(w.net.idle()).toBe(true);
}

describe('router model', () => {
  it('keeps its invariants over random multi-session runs', () => {
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 40, size: 'max' }), (cmds) => {
        const w = new World(single());
        fc.modelRun(() => ({ model: {}, real: w }), cmds);
        finish(w);
      }),
      { numRuns: 1000, seed: 20240611 },
    );
  });

  it('keeps the same invariants with its sessions spread over a cluster of three nodes, with bus delays and node crashes', () => {
    fc.assert(
      fc.property(fc.commands([...commands, crashCmd], { maxCommands: 40, size: 'max' }), (cmds) => {
        const w = new World(cluster());
        fc.modelRun(() => ({ model: {}, real: w }), cmds);
        finish(w);
      }),
      { numRuns: 300, seed: 20261206 },
    );
  });
});
