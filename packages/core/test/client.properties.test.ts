import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CLIENT_TRANSITIONS,
  cborSerializer,
  clientStateDiagram,
  jsonSerializer,
  msgpackSerializer,
  type CancelMode,
  type ClientEvent,
  type ClientInput,
  type Dict,
} from '@wamp/core';
import { BASIC_ROUTER_ROLES, FULL_ROUTER_ROLES, ScriptedRouter, type Wire } from './harness/scripted-router.js';

const CANCEL_ONLY_ROLES: Dict = { dealer: { features: { call_canceling: true } }, broker: {} };

// ---------------------------------------------------------------------------
// Hostile input

/** Small IDs, so that random messages often hit real requests and subscriptions. */
const id = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constant(2 ** 53), fc.integer(), fc.double());
const dict = fc.oneof(
  fc.constant({}),
  fc.record({ progress: fc.boolean() }),
  fc.record({ roles: fc.constant(FULL_ROUTER_ROLES) }),
  fc.record({ mode: fc.constantFrom('kill', 'killnowait', 'other') }),
  fc.record({ registration: id, subscription: id }, { requiredKeys: [] }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const uri = fc.constantFrom('com.a', 'wamp.error.canceled', 'wamp.close.normal', 'bad uri', '');
const payload = fc.oneof(
  fc.constant([] as unknown[]),
  fc.tuple(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 })),
  fc.tuple(fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 2 }), dict),
);
const routerMessage: fc.Arbitrary<Wire> = fc.oneof(
  fc.tuple(fc.constant(2), id, dict),
  fc.tuple(fc.constant(3), dict, uri),
  fc.tuple(fc.constant(4), fc.constantFrom('ticket', 'wampcra'), dict),
  fc.tuple(fc.constant(6), dict, uri),
  fc.tuple(fc.constant(8), fc.constantFrom(16, 32, 34, 48, 49, 64, 66, 68, 1), id, dict, uri, payload).map(([t, rt, i, d, u, p]) => [t, rt, i, d, u, ...p]),
  fc.tuple(fc.constantFrom(17, 33, 65), id, id),
  fc.tuple(fc.constantFrom(35, 67), id, dict),
  fc.tuple(fc.constantFrom(35, 67), id),
  fc.tuple(fc.constant(36), id, id, dict, payload).map(([t, s, p, d, a]) => [t, s, p, d, ...a]),
  fc.tuple(fc.constant(50), id, dict, payload).map(([t, r, d, a]) => [t, r, d, ...a]),
  fc.tuple(fc.constant(68), id, id, dict, payload).map(([t, r, g, d, a]) => [t, r, g, d, ...a]),
  fc.tuple(fc.constant(69), id, dict),
  fc.tuple(fc.constantFrom(1, 5, 16, 32, 48, 70, 99), fc.jsonValue({ maxDepth: 1 })),
  fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 6 }),
);

/** A session in an interesting place: calls, registrations, subscriptions and invocations in flight. */
function busySession(serializer = jsonSerializer): ScriptedRouter {
  const r = new ScriptedRouter({ serializer, trace: true });
  r.establish();
  r.run((s, now) => s.call('com.a', undefined, { receiveProgress: true, timeout: 50 }, now));
  r.run((s, now) => s.call('com.b', undefined, { progress: true }, now));
  r.run((s) => s.register('com.p'));
  r.run((s) => s.subscribe('com.t'));
  r.recv([65, 3, 1]);
  r.recv([33, 4, 2]);
  r.recv([68, 1, 1, { receive_progress: true }]);
  r.run((s) => s.publish('com.t', undefined, { acknowledge: true }));
  r.run((s) => s.unregister(1));
  r.sent();
  r.events();
  return r;
}

describe('ClientSession properties: hostile input', () => {
  it('arbitrary router messages never throw out of handleMessage()', () => {
    fc.assert(
      fc.property(fc.array(routerMessage, { maxLength: 12 }), fc.boolean(), (messages, fresh) => {
        const r = fresh ? new ScriptedRouter() : busySession();
        if (fresh) r.run((s, now) => s.join({ realm: 'realm1' }, now));
        for (const m of messages) {
          r.recv(m);
          r.advance(10);
        }
        for (const sent of r.sent()) {
          // Whatever happened, the client only ever answered with protocol messages.
          expect([1, 3, 6, 48, 49, 66]).toContain(sent[0]);
        }
      }),
      { seed: 1337, numRuns: 600 },
    );
  });

  it('arbitrary bytes never throw, for every serializer', () => {
    for (const serializer of [jsonSerializer, msgpackSerializer, cborSerializer]) {
      fc.assert(
        fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 64 })), { maxLength: 5 }), (frames) => {
          const r = busySession(serializer);
          for (const f of frames) r.recvFrame(f);
          const closed = r.events().filter((e) => e.type === 'closed');
          expect(closed.length).toBeLessThanOrEqual(1);
        }),
        { seed: 7, numRuns: 200 },
      );
    }
  });
});

// ---------------------------------------------------------------------------
// Model-based run: calls, answers, cancels, timeouts and disconnects

interface Model {
  /** Calls of the current session the router has not answered with a final RESULT or ERROR. */
  readonly routerOpen: Map<number, { receiveProgress: boolean }>;
  /** Every call issued in the current session. */
  readonly issued: number[];
}

interface Outcome {
  terminal: number;
  lateProgress: boolean;
}

class Real {
  readonly r = new ScriptedRouter({ goodbyeTimeout: 1000 });
  /** Outcomes of the calls of the current session, by request ID. */
  outcomes = new Map<number, Outcome>();

  constructor(readonly roles: Dict) {
    this.r.establish({ roles });
  }

  /** Drain events and check that no call ends twice and none progresses after its end. */
  collect(): ClientEvent[] {
    const events = this.r.events();
    for (const e of events) {
      if (e.type === 'closed') expect(e.reason).not.toBe('wamp.error.protocol_violation');
      if ((e.type === 'result' || e.type === 'error' || e.type === 'progress') && (e.type !== 'error' || e.kind === 'call')) {
        const o = this.outcomes.get(e.request);
        expect(o, `event for unknown call ${e.request}`).toBeDefined();
        if (o === undefined) continue;
        if (e.type === 'progress') {
          if (o.terminal > 0) o.lateProgress = true;
        } else {
          o.terminal++;
        }
        expect(o.terminal, `call ${e.request} ended twice`).toBeLessThanOrEqual(1);
        expect(o.lateProgress, `progress after the end of call ${e.request}`).toBe(false);
      }
    }
    for (const sent of this.r.sent()) expect(sent[0], 'the client aborted').not.toBe(3);
    return events;
  }

  /** The session ended: every call must have ended exactly once. Then join again. */
  restart(m: Model): void {
    this.collect();
    expect(this.r.session.state.tag).toBe('closed');
    for (const [request, o] of this.outcomes) expect(o.terminal, `call ${request} still pending after close`).toBe(1);
    this.outcomes = new Map();
    m.routerOpen.clear();
    m.issued.length = 0;
    this.r.establish({ roles: this.roles });
  }
}

type Cmd = fc.Command<Model, Real>;

class CallCmd implements Cmd {
  constructor(
    readonly timeout: number,
    readonly receiveProgress: boolean,
  ) {}
  check = (): boolean => true;
  run(m: Model, real: Real): void {
    const request = real.r.run((s, now) => s.call('com.a', undefined, { timeout: this.timeout, receiveProgress: this.receiveProgress }, now));
    real.outcomes.set(request, { terminal: 0, lateProgress: false });
    m.issued.push(request);
    m.routerOpen.set(request, { receiveProgress: this.receiveProgress });
    real.collect();
  }
  toString = (): string => `call(timeout=${this.timeout}, progress=${this.receiveProgress})`;
}

class AnswerCmd implements Cmd {
  constructor(
    readonly pick: number,
    readonly kind: 'result' | 'error' | 'progress',
  ) {}
  check = (m: Readonly<Model>): boolean => m.routerOpen.size > 0;
  run(m: Model, real: Real): void {
    const open = [...m.routerOpen.keys()];
    const request = open[this.pick % open.length]!;
    if (this.kind === 'progress') {
      if (m.routerOpen.get(request)?.receiveProgress !== true) return;
      real.r.recv([50, request, { progress: true }, ['p']]);
    } else if (this.kind === 'result') {
      real.r.recv([50, request, {}, ['r']]);
      m.routerOpen.delete(request);
    } else {
      real.r.recv([8, 48, request, {}, 'wamp.error.canceled']);
      m.routerOpen.delete(request);
    }
    real.collect();
  }
  toString = (): string => `router ${this.kind}(#${this.pick})`;
}

class CancelCmd implements Cmd {
  constructor(
    readonly pick: number,
    readonly mode: CancelMode,
  ) {}
  check = (m: Readonly<Model>): boolean => m.issued.length > 0;
  run(m: Model, real: Real): void {
    const request = m.issued[this.pick % m.issued.length]!;
    real.r.run((s) => s.cancel(request, this.mode));
    real.collect();
  }
  toString = (): string => `cancel(#${this.pick}, ${this.mode})`;
}

class AdvanceCmd implements Cmd {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  run(_m: Model, real: Real): void {
    real.r.advance(this.ms);
    real.collect();
  }
  toString = (): string => `advance(${this.ms})`;
}

class DisconnectCmd implements Cmd {
  check = (): boolean => true;
  run(m: Model, real: Real): void {
    real.r.run((s) => s.handleTransportClosed());
    real.restart(m);
  }
  toString = (): string => 'disconnect';
}

class LeaveCmd implements Cmd {
  constructor(readonly routerAnswers: boolean) {}
  check = (): boolean => true;
  run(m: Model, real: Real): void {
    real.r.run((s, now) => s.leave({}, now));
    if (this.routerAnswers) real.r.recv([6, {}, 'wamp.close.goodbye_and_out']);
    else real.r.advance(1000);
    real.restart(m);
  }
  toString = (): string => `leave(${this.routerAnswers ? 'answered' : 'unanswered'})`;
}

class RouterGoodbyeCmd implements Cmd {
  check = (): boolean => true;
  run(m: Model, real: Real): void {
    real.r.recv([6, {}, 'wamp.close.system_shutdown']);
    real.restart(m);
  }
  toString = (): string => 'router goodbye';
}

const commands = [
  fc.tuple(fc.constantFrom(0, 30, 100), fc.boolean()).map(([t, p]) => new CallCmd(t, p)),
  fc.tuple(fc.nat(), fc.constantFrom('result', 'error', 'progress') as fc.Arbitrary<'result' | 'error' | 'progress'>).map(
    ([p, k]) => new AnswerCmd(p, k),
  ),
  fc.tuple(fc.nat(), fc.constantFrom<CancelMode>('skip', 'kill', 'killnowait')).map(([p, mode]) => new CancelCmd(p, mode)),
  fc.integer({ min: 1, max: 120 }).map((ms) => new AdvanceCmd(ms)),
  fc.constant(new DisconnectCmd()),
  fc.boolean().map((a) => new LeaveCmd(a)),
  fc.constant(new RouterGoodbyeCmd()),
];

describe('ClientSession properties: every call ends exactly once', () => {
  it('random interleavings of calls, answers, cancels, timeouts and disconnects', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(FULL_ROUTER_ROLES, CANCEL_ONLY_ROLES, BASIC_ROUTER_ROLES),
        fc.commands(commands, { maxCommands: 60 }),
        (roles, cmds) => {
          const setup = () => ({ model: { routerOpen: new Map(), issued: [] } as Model, real: new Real(roles) });
          fc.modelRun(setup, cmds);
        },
      ),
      { seed: 20240601, numRuns: 400 },
    );
  });
});

// ---------------------------------------------------------------------------
// The transition table is the truth

type Step = { input: ClientInput; apply: (r: ScriptedRouter) => void };

const steps: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ input: 'SEND_HELLO', apply: (r) => r.run((s, now) => s.join({ realm: 'realm1' }, now)) }),
  fc.constant<Step>({ input: 'SEND_AUTHENTICATE', apply: (r) => r.run((s) => s.authenticate('sig')) }),
  fc.constant<Step>({ input: 'SEND_REQUEST', apply: (r) => r.run((s) => s.publish('com.t')) }),
  fc.constant<Step>({ input: 'SEND_REQUEST', apply: (r) => r.run((s, now) => s.call('com.a', undefined, { timeout: 20 }, now)) }),
  fc.constant<Step>({ input: 'SEND_REPLY', apply: (r) => r.run((s) => s.yield(1)) }),
  fc.constant<Step>({ input: 'SEND_GOODBYE', apply: (r) => r.run((s, now) => s.leave({}, now)) }),
  fc.constant<Step>({ input: 'SEND_ABORT', apply: (r) => r.run((s) => s.abort('wamp.close.normal')) }),
  fc.constant<Step>({ input: 'RECV_WELCOME', apply: (r) => r.recv([2, 1, { roles: FULL_ROUTER_ROLES }]) }),
  fc.constant<Step>({ input: 'RECV_CHALLENGE', apply: (r) => r.recv([4, 'ticket', {}]) }),
  fc.constant<Step>({ input: 'RECV_ABORT', apply: (r) => r.recv([3, {}, 'wamp.close.killed']) }),
  fc.constant<Step>({ input: 'RECV_GOODBYE', apply: (r) => r.recv([6, {}, 'wamp.close.goodbye_and_out']) }),
  fc.constant<Step>({ input: 'RECV_SESSION_MSG', apply: (r) => r.recv([50, 1, {}]) }),
  fc.constant<Step>({ input: 'RECV_INVALID', apply: (r) => r.recv([48, 1, {}, 'com.a']) }),
  fc.constant<Step>({ input: 'TRANSPORT_CLOSED', apply: (r) => r.run((s) => s.handleTransportClosed()) }),
);

describe('ClientSession properties: transitions follow CLIENT_TRANSITIONS', () => {
  it('each accepted input leads where the table says; a refused one throws (local) or aborts (remote)', () => {
    fc.assert(
      fc.property(fc.array(steps, { maxLength: 25 }), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 25 }), (seq, waits) => {
        const r = new ScriptedRouter({ joinTimeout: 30, goodbyeTimeout: 30 });
        seq.forEach((step, i) => {
          const before = r.session.state.tag;
          const expected = CLIENT_TRANSITIONS[before][step.input];
          let threw = false;
          try {
            step.apply(r);
          } catch {
            threw = true;
          }
          const after = r.session.state.tag;
          const aborted = r.sent().some((m) => m[0] === 3 && m[2] === 'wamp.error.protocol_violation');
          if (expected === undefined) {
            if (step.input.startsWith('SEND_')) {
              expect(threw).toBe(true);
              expect(after).toBe(before);
            } else {
              expect(aborted).toBe(true);
              expect(after).toBe('closed');
            }
          } else {
            expect(threw).toBe(false);
            // A message that fits the state but not the session's data (an answer to
            // a request never sent) is a violation too, and closes.
            expect(after === expected || (aborted && after === 'closed')).toBe(true);
          }
          const before2 = r.session.state.tag;
          r.advance(waits[i] ?? 0);
          const after2 = r.session.state.tag;
          if (after2 !== before2) {
            const timeoutInput = before2 === 'shuttingDown' ? 'GOODBYE_TIMEOUT' : 'JOIN_TIMEOUT';
            expect(CLIENT_TRANSITIONS[before2][timeoutInput]).toBe(after2);
          }
          r.events();
        });
      }),
      { seed: 99, numRuns: 500 },
    );
  });

  it('renders the table as a Mermaid state diagram', () => {
    const diagram = clientStateDiagram();
    expect(diagram.split('\n')[0]).toBe('stateDiagram-v2');
    expect(diagram).toContain('    closed --> establishing: SEND_HELLO\n');
    expect(diagram).toContain('    established --> closed: RECV_GOODBYE, RECV_ABORT, SEND_ABORT, TRANSPORT_CLOSED\n');
    expect(diagram).not.toContain('established --> established');
    expect(clientStateDiagram({ selfLoops: true })).toContain('established --> established: SEND_REQUEST');
  });
});
