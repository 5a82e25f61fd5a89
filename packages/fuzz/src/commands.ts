/**
 * The commands of the model-based suite (`fc.commands` + `fc.asyncModelRun`):
 * each sends plain WAMP messages for one simulated session, tells the harness
 * what the router must answer (from the {@link FuzzModel}), waits, and updates
 * the model with what the router chose (IDs, the callee it picked).
 *
 * Commands hold indices (slot, procedure, "the k-th outstanding call"), not
 * IDs: they are resolved against the model when they run, so a shrunk
 * sequence still means something. A command whose preconditions fail is
 * skipped by fast-check (`check`).
 */

import fc from 'fast-check';
import {
  ErrorUri,
  MessageType,
  cancel,
  call,
  error,
  goodbye,
  hello,
  publish,
  register,
  subscribe,
  unregister,
  unsubscribe,
  yield_,
  type Dict,
  type Message,
  type Published,
  type Registered,
  type Result,
  type Subscribed,
  type Unregistered,
  type Unsubscribed,
} from '@wamp/core';
import { CLIENT_TO_ROUTER, ROUTER_TO_CLIENT, messageArb, unknownOptionsArb } from './arbitraries.js';
import type { Expectation, Harness, Verdict } from './harness.js';
import { InvariantViolation, showMessage } from './harness.js';
import {
  HELLO_DETAILS,
  checkOrder,
  expectAbort,
  expectError,
  expectInterrupt,
  expectReply,
  featuresOf,
  holdsReg,
  holdsSub,
  isUp,
  liveRegs,
  markedArgs,
  markerOf,
  nextRequest,
  payloadDiff,
  prepareSessionEnd,
  procUri,
  topicUri,
  upSlot,
  type CallModel,
  type FuzzModel,
  type InvokePolicy,
  type Payload,
  type SessionEnd,
} from './model.js';
import { STRICT_KINDS, mutantArb, type Mutant, type MutantKind } from './mutants.js';
import { argsArb, kwargsArb, type ValueOptions } from './values.js';

/** A command of the model-based suite, run against a {@link Harness} and checked against the {@link FuzzModel}. */
export type FuzzCommand = fc.AsyncCommand<FuzzModel, Harness>;

const VIOLATION_SPEC =
  'basic profile, "Protocol Errors": implementations "MUST send an ABORT message to the offending peer, having reason wamp.error.protocol_violation"';

/** A slot's session ID as another session would name it; for a slot never joined, an ID no session has. */
function sessionIdOf(m: FuzzModel, slot: number): number {
  const s = m.slots[slot];
  if (s?.tag === 'up') return s.sessionId;
  return s?.lastSessionId ?? 2 ** 52 + slot;
}

const fmtPayload = (p: Payload): string => (p.args.length === 0 && Object.keys(p.kwargs).length === 0 ? '' : `, payload`);

// ---------------------------------------------------------------------------
// Session lifecycle

/** A slot joins the realm. */
export class Join implements FuzzCommand {
  constructor(readonly slot: number) {}
  check(m: Readonly<FuzzModel>): boolean {
    return m.slots[this.slot]?.tag === 'down';
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('join');
    const slot = this.slot;
    await h.connect(slot);
    const generation = ++m.generations;
    h.expect({
      what: `WELCOME at slot ${slot}`,
      slots: [slot],
      required: true,
      spec: 'basic profile, "Session Establishment": the Router answers HELLO with WELCOME',
      match(ev) {
        if (ev.kind === 'closed') return 'the router closed the connection instead of answering HELLO';
        if (ev.msg.type === MessageType.ABORT) return `the router answered HELLO with ${showMessage(ev.msg)}`;
        if (ev.msg.type !== MessageType.WELCOME) return 'no';
        const id = ev.msg.session;
        const clash = m.slots.findIndex((s) => s.tag === 'up' && s.sessionId === id);
        if (clash >= 0) return `session ID ${id} is already the ID of the session at slot ${clash}`;
        return 'ok';
      },
      onMatch(ev) {
        if (ev.kind !== 'message' || ev.msg.type !== MessageType.WELCOME) return;
        m.slots[slot] = { tag: 'up', sessionId: ev.msg.session, generation, nextRequest: 1, invocationIds: new Set() };
        m.features ??= featuresOf(ev.msg.details);
      },
    });
    h.send(slot, hello(m.config.realm, HELLO_DETAILS));
    await h.settle();
  }
  toString(): string {
    return `join(${this.slot})`;
  }
}

/** A slot leaves with GOODBYE. */
export class Leave implements FuzzCommand {
  constructor(readonly slot: number) {}
  check(m: Readonly<FuzzModel>): boolean {
    return upSlot(m, this.slot) !== undefined;
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('leave');
    const slot = this.slot;
    h.expect({
      what: `GOODBYE in reply at slot ${slot}`,
      slots: [slot],
      required: true,
      spec: 'basic profile, "GOODBYE": "GOODBYE must be replied to by the receiving Peer"',
      match(ev) {
        if (ev.kind === 'closed') return 'the router closed the connection without replying GOODBYE';
        return ev.msg.type === MessageType.GOODBYE ? 'ok' : 'no';
      },
      onMatch: () => h.allowClose(slot),
    });
    const end = prepareSessionEnd(m, h, slot, false);
    h.send(slot, goodbye(ErrorUri.CLOSE_REALM));
    end.confirm();
    await h.settle();
    h.disconnect(slot);
  }
  toString(): string {
    return `leave(${this.slot})`;
  }
}

/** Drop the transport without GOODBYE: the router must clean up as for a departure. */
export class Disconnect implements FuzzCommand {
  constructor(readonly slot: number) {}
  check(m: Readonly<FuzzModel>): boolean {
    return upSlot(m, this.slot) !== undefined;
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('disconnect');
    const end = prepareSessionEnd(m, h, this.slot, false);
    h.disconnect(this.slot);
    end.confirm();
    await h.settle();
  }
  toString(): string {
    return `disconnect(${this.slot})`;
  }
}

// ---------------------------------------------------------------------------
// RPC

/**
 * REGISTER of a procedure nobody has registered (`free`), or of one that is
 * registered already (`taken`: refused, unless both ask for the same shared
 * invocation policy). The procedure is the `pick`-th of that kind when it runs.
 */
export class Register implements FuzzCommand {
  private proc = -1;
  constructor(
    readonly slot: number,
    readonly which: 'free' | 'taken',
    readonly pick: number,
    readonly policy: InvokePolicy,
    readonly extra: Dict | undefined,
  ) {}
  private candidates(m: Readonly<FuzzModel>): number[] {
    const out: number[] = [];
    for (let p = 0; p < m.config.procedures; p++) if ((liveRegs(m, p).length > 0) === (this.which === 'taken')) out.push(p);
    return out;
  }
  check(m: Readonly<FuzzModel>): boolean {
    return upSlot(m, this.slot) !== undefined && this.candidates(m).length > 0;
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note(this.which === 'free' ? 'register' : 'register-taken');
    const s = upSlot(m, this.slot)!;
    const cands = this.candidates(m);
    const proc = cands[this.pick % cands.length]!;
    this.proc = proc;
    const shared = m.features?.sharedRegistration === true && this.policy !== 'single';
    const policy: InvokePolicy = shared ? this.policy : 'single';
    const existing = liveRegs(m, proc);
    // Advanced profile, "Shared Registration": "As a default, only a single Callee may
    // register a procedure for a URI"; with 'single' the Dealer "MUST fail all subsequent
    // attempts", otherwise it must fail those whose policy differs.
    const conflict =
      existing.length > 0 && (policy === 'single' || existing.some((r) => r.policy !== policy || r.generation === s.generation));
    const req = nextRequest(s);
    const uri = procUri(m, proc);
    if (conflict) {
      h.expect(
        expectError(
          this.slot,
          MessageType.REGISTER,
          req,
          ErrorUri.PROCEDURE_ALREADY_EXISTS,
          `ERROR procedure_already_exists for REGISTER ${req} of ${uri} at slot ${this.slot}, registered already by slot ${existing.map((r) => r.slot).join(', ')}`,
          undefined,
          undefined,
          'advanced profile, "Shared Registration": "As a default, only a single Callee may register a procedure for a URI"; "With \'single\', the Dealer MUST fail all subsequent attempts to register a procedure for the URI"',
        ),
      );
    } else {
      const gen = s.generation;
      h.expect(
        expectReply<Registered>(
          this.slot,
          MessageType.REGISTERED,
          req,
          `REGISTERED for REGISTER ${req} of ${uri} at slot ${this.slot}`,
          (msg) => {
            const other = m.regs.find((r) => r.live && r.generation === gen && r.id === msg.registration);
            return other === undefined ? 'ok' : `registration ID ${msg.registration} already names this session's registration of ${procUri(m, other.proc)}`;
          },
          (msg) => m.regs.push({ slot: this.slot, generation: gen, proc, policy, id: msg.registration, live: true }),
        ),
      );
    }
    h.send(this.slot, register(req, uri, { ...this.extra, ...(shared ? { invoke: policy } : {}) }));
    await h.settle();
  }
  /** A fresh copy per run: what `run` resolved (printed by `toString`) belongs to one run. */
  [fc.cloneMethod](): Register {
    return new Register(this.slot, this.which, this.pick, this.policy, this.extra);
  }
  toString(): string {
    const what = this.proc >= 0 ? `proc${this.proc}` : `${this.which} #${this.pick}`;
    return `register(${this.slot}, ${what}${this.policy === 'single' ? '' : `, ${this.policy}`}${this.extra ? ', +unknown options' : ''})`;
  }
}

export type ReleaseVariant = 'own' | 'stale' | 'foreign' | 'unknown';

/** Which IDs a session may name in UNREGISTER/UNSUBSCRIBE, by variant. */
function releaseCandidates<T extends { slot: number; generation: number; id: number; live: boolean }>(
  m: Readonly<FuzzModel>,
  slot: number,
  all: readonly T[],
  variant: ReleaseVariant,
  holds: (m: Readonly<FuzzModel>, slot: number, id: number) => boolean,
  releasable: (x: T) => boolean,
): T[] {
  // `own` acts from the owner's slot, whichever it is, so that it applies more often.
  if (variant === 'own') return all.filter((x) => x.live && isUp(m, x.slot, x.generation) && releasable(x));
  const s = upSlot(m, slot);
  if (s === undefined) return [];
  switch (variant) {
    case 'stale':
      return all.filter((x) => !x.live && x.generation === s.generation && !holds(m, slot, x.id));
    case 'foreign':
      return all.filter((x) => x.live && x.generation !== s.generation && !holds(m, slot, x.id));
    case 'unknown':
      return [];
  }
}

/** A slot unregisters one of its registrations (or an unknown ID). */
export class Unregister implements FuzzCommand {
  private actor = -1;
  constructor(
    readonly slot: number,
    readonly variant: ReleaseVariant,
    readonly pick: number,
    readonly unknownId: number,
  ) {}
  private candidates(m: Readonly<FuzzModel>) {
    // A registration with invocations still unanswered is left alone: what happens
    // to them on UNREGISTER is not fixed by the profile.
    const idle = (r: { generation: number; proc: number }) =>
      !m.calls.some((c) => c.outstanding && c.calleeGeneration === r.generation && c.proc === r.proc);
    return releaseCandidates(m, this.slot, m.regs, this.variant, holdsReg, idle);
  }
  check(m: Readonly<FuzzModel>): boolean {
    if (this.variant === 'own') return this.candidates(m).length > 0;
    if (upSlot(m, this.slot) === undefined) return false;
    return this.variant === 'unknown' ? !holdsReg(m, this.slot, this.unknownId) : this.candidates(m).length > 0;
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('unregister');
    const cands = this.candidates(m);
    const target = this.variant === 'unknown' ? undefined : cands[this.pick % cands.length]!;
    const slot = this.variant === 'own' ? target!.slot : this.slot;
    this.actor = slot;
    const s = upSlot(m, slot)!;
    const id = target?.id ?? this.unknownId;
    const req = nextRequest(s);
    if (this.variant === 'own' && target !== undefined) {
      h.expect(
        expectReply<Unregistered>(slot, MessageType.UNREGISTERED, req, `UNREGISTERED for UNREGISTER ${req} at slot ${slot}`, () => 'ok', () => {
          target.live = false;
        }),
      );
    } else {
      h.expect(
        expectError(
          slot,
          MessageType.UNREGISTER,
          req,
          ErrorUri.NO_SUCH_REGISTRATION,
          `ERROR no_such_registration for UNREGISTER ${req} of ${this.variant} registration ${id} at slot ${slot}`,
        ),
      );
    }
    h.send(slot, unregister(req, id));
    await h.settle();
  }
  /** A fresh copy per run: what `run` resolved (printed by `toString`) belongs to one run. */
  [fc.cloneMethod](): Unregister {
    return new Unregister(this.slot, this.variant, this.pick, this.unknownId);
  }
  toString(): string {
    const slot = this.actor >= 0 ? this.actor : this.slot;
    return `unregister(${slot}, ${this.variant}${this.variant === 'unknown' ? ` ${this.unknownId}` : ` #${this.pick}`})`;
  }
}

export interface CallSpec {
  /** Index of the procedure among all (`any`) or among those with a live registration (`registered`). */
  readonly proc: number;
  readonly registered: boolean;
  readonly payload: Payload;
}

/** The procedure a {@link CallSpec} names in the current model. */
function resolveProc(m: Readonly<FuzzModel>, spec: CallSpec): number {
  if (spec.registered) {
    const taken: number[] = [];
    for (let p = 0; p < m.config.procedures; p++) if (liveRegs(m, p).length > 0) taken.push(p);
    if (taken.length > 0) return taken[spec.proc % taken.length]!;
  }
  return spec.proc % m.config.procedures;
}

/** One or more CALLs sent back to back (several test the caller-callee ordering guarantee). */
export class Call implements FuzzCommand {
  private resolved: number[] = [];
  constructor(
    readonly slot: number,
    readonly calls: readonly CallSpec[],
    readonly extra: Dict | undefined,
  ) {}
  check(m: Readonly<FuzzModel>): boolean {
    return upSlot(m, this.slot) !== undefined;
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('call');
    const s = upSlot(m, this.slot)!;
    const callerGen = s.generation;
    const frames: Message[] = [];
    this.resolved = [];
    for (const spec of this.calls) {
      const proc = resolveProc(m, spec);
      this.resolved.push(proc);
      const req = nextRequest(s);
      const marker = ++m.markers;
      const args = markedArgs(marker, spec.payload);
      const uri = procUri(m, proc);
      const regs = liveRegs(m, proc);
      if (regs.length === 0) {
        h.expect(
          expectError(
            this.slot,
            MessageType.CALL,
            req,
            ErrorUri.NO_SUCH_PROCEDURE,
            `ERROR no_such_procedure for CALL ${req} of ${uri} at slot ${this.slot}`,
            undefined,
            undefined,
            'basic profile, "Call ERROR": a call that fails at the Dealer gets an ERROR such as wamp.error.no_such_procedure',
          ),
        );
      } else {
        const c: CallModel = {
          callerSlot: this.slot,
          callerGeneration: callerGen,
          request: req,
          marker,
          proc,
          calleeSlot: -1,
          calleeGeneration: -1,
          invocationRequest: -1,
          state: 'invoked',
          outstanding: false,
        };
        const calleeOf = (at: number) => regs.find((r) => r.slot === at && isUp(m, at, r.generation));
        h.expect({
          what: `INVOCATION for CALL ${req} of slot ${this.slot} (marker ${marker}) at one of slots ${regs.map((r) => r.slot).join(', ')}`,
          slots: regs.map((r) => r.slot),
          required: true,
          spec: 'basic profile, "Calling and Invocations": the Dealer sends an INVOCATION to the Callee',
          match(ev, at): Verdict {
            if (ev.kind !== 'message' || ev.msg.type !== MessageType.INVOCATION || markerOf(ev.msg) !== marker) return 'no';
            const reg = calleeOf(at);
            if (reg === undefined) return 'no';
            if (ev.msg.registration !== reg.id) return `registration ID ${ev.msg.registration}, but this callee registered ${uri} as ${reg.id}`;
            const callee = upSlot(m, at)!;
            if (callee.invocationIds.has(ev.msg.request)) return `INVOCATION request ID ${ev.msg.request} was already used on this session`;
            const diff = payloadDiff(ev.msg, args, spec.payload.kwargs);
            if (diff !== undefined) return diff;
            const order = checkOrder(m, 'invocation', reg.generation, callerGen, marker);
            if (order !== undefined) {
              h.fail(
                new InvariantViolation(
                  'ordering',
                  `slot ${at} received the INVOCATION with marker ${marker} ${order}`,
                  'basic profile, "Ordering Guarantees": "WAMP guarantees ordering of invocations between any given pair of Caller and Callee"',
                ),
              );
            }
            return 'ok';
          },
          onMatch(ev, at) {
            if (ev.kind !== 'message' || ev.msg.type !== MessageType.INVOCATION) return;
            const reg = calleeOf(at)!;
            c.calleeSlot = at;
            c.calleeGeneration = reg.generation;
            c.invocationRequest = ev.msg.request;
            c.outstanding = true;
            upSlot(m, at)!.invocationIds.add(ev.msg.request);
            m.calls.push(c);
          },
        });
      }
      frames.push(call(req, uri, { args, kwargs: spec.payload.kwargs }, this.extra ?? {}));
    }
    for (const f of frames) h.send(this.slot, f);
    await h.settle();
  }
  /** A fresh copy per run: what `run` resolved (printed by `toString`) belongs to one run. */
  [fc.cloneMethod](): Call {
    return new Call(this.slot, this.calls, this.extra);
  }
  toString(): string {
    const procs = this.calls.map((c, i) => {
      const p = this.resolved[i];
      return `${p === undefined ? (c.registered ? `registered #${c.proc}` : `proc${c.proc}`) : `proc${p}`}${fmtPayload(c.payload)}`;
    });
    return `call(${this.slot}, ${procs.join(' + ')}${this.extra ? ', +unknown options' : ''})`;
  }
}

/** Calls whose invocation a joined callee still owes an answer, in any session. */
function owed(m: Readonly<FuzzModel>): CallModel[] {
  return m.calls.filter((c) => c.outstanding && isUp(m, c.calleeSlot, c.calleeGeneration));
}

/** The caller's side of the callee's answer, by call state. */
function expectAnswer(m: FuzzModel, h: Harness, c: CallModel, kind: 'result' | 'error', verify: (msg: Message) => Verdict): void {
  if (c.state === 'invoked') {
    if (kind === 'result') {
      h.expect(expectReply<Result>(c.callerSlot, MessageType.RESULT, c.request, `RESULT for CALL ${c.request} at slot ${c.callerSlot}`, verify, () => {}));
    } else {
      h.expect(expectError(c.callerSlot, MessageType.CALL, c.request, undefined, `ERROR for CALL ${c.request} at slot ${c.callerSlot}`, verify));
    }
  } else if (c.state === 'kill-pending') {
    // Advanced profile, "Call Canceling", kill: "the caller may receive RESULT or
    // ERROR depending whether the callee finishes processing the invocation or the interrupt first".
    h.expect({
      what: `RESULT or ERROR for the killed CALL ${c.request} at slot ${c.callerSlot}`,
      slots: [c.callerSlot],
      required: true,
      match(ev) {
        if (ev.kind !== 'message') return 'no';
        const msg = ev.msg;
        if (msg.type === MessageType.RESULT && msg.request === c.request) return 'ok';
        if (msg.type === MessageType.ERROR && msg.requestType === MessageType.CALL && msg.request === c.request) return 'ok';
        return 'no';
      },
    });
  }
  // `canceled` and `orphaned`: the Dealer discards the answer; nothing may reach anyone.
  c.state = 'done';
}

/** The callee of the `pick`-th owed invocation answers with YIELD; the caller must get the RESULT, payload unchanged. */
export class Yield implements FuzzCommand {
  private actor = -1;
  constructor(
    readonly pick: number,
    readonly payload: Payload,
  ) {}
  check(m: Readonly<FuzzModel>): boolean {
    return owed(m).length > 0;
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('yield');
    const cands = owed(m);
    const c = cands[this.pick % cands.length]!;
    this.actor = c.calleeSlot;
    const marker = ++m.markers;
    const args = markedArgs(marker, this.payload);
    c.outstanding = false;
    const live = c.state === 'invoked';
    expectAnswer(m, h, c, 'result', (msg) => (live ? (payloadDiff(msg, args, this.payload.kwargs) ?? 'ok') : 'ok'));
    h.send(c.calleeSlot, yield_(c.invocationRequest, { args, kwargs: this.payload.kwargs }));
    await h.settle();
  }
  /** A fresh copy per run: what `run` resolved (printed by `toString`) belongs to one run. */
  [fc.cloneMethod](): Yield {
    return new Yield(this.pick, this.payload);
  }
  toString(): string {
    return `yield(${this.actor >= 0 ? `${this.actor}, ` : ''}#${this.pick}${fmtPayload(this.payload)})`;
  }
}

/** The callee answers an INVOCATION with ERROR; the caller must get that error, URI and payload unchanged. */
export class ErrorReply implements FuzzCommand {
  private actor = -1;
  constructor(
    readonly pick: number,
    readonly uri: string,
    readonly payload: Payload,
  ) {}
  check(m: Readonly<FuzzModel>): boolean {
    return owed(m).length > 0;
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('error');
    const cands = owed(m);
    const c = cands[this.pick % cands.length]!;
    this.actor = c.calleeSlot;
    const marker = ++m.markers;
    const args = markedArgs(marker, this.payload);
    const uri = `${m.config.prefix}.error.${this.uri}`;
    c.outstanding = false;
    const live = c.state === 'invoked';
    expectAnswer(m, h, c, 'error', (msg) => {
      if (!live) return 'ok';
      if (msg.type === MessageType.ERROR && msg.error !== uri) return `error URI ${msg.error}, the callee sent ${uri}`;
      return payloadDiff(msg, args, this.payload.kwargs) ?? 'ok';
    });
    h.send(c.calleeSlot, error(MessageType.INVOCATION, c.invocationRequest, uri, { args, kwargs: this.payload.kwargs }));
    await h.settle();
  }
  /** A fresh copy per run: what `run` resolved (printed by `toString`) belongs to one run. */
  [fc.cloneMethod](): ErrorReply {
    return new ErrorReply(this.pick, this.uri, this.payload);
  }
  toString(): string {
    return `error(${this.actor >= 0 ? `${this.actor}, ` : ''}#${this.pick}, ${this.uri}${fmtPayload(this.payload)})`;
  }
}

export type CancelMode = 'skip' | 'kill' | 'killnowait';

/** Advanced profile, "Call Canceling"; only when the Dealer announces `call_canceling`. */
export class Cancel implements FuzzCommand {
  private actor = -1;
  constructor(
    readonly pick: number,
    readonly mode: CancelMode,
  ) {}
  private candidates(m: Readonly<FuzzModel>): CallModel[] {
    return m.calls.filter((c) => c.state === 'invoked' && c.outstanding && isUp(m, c.callerSlot, c.callerGeneration));
  }
  check(m: Readonly<FuzzModel>): boolean {
    return m.features?.callCanceling === true && this.candidates(m).length > 0;
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('cancel');
    const cands = this.candidates(m);
    const c = cands[this.pick % cands.length]!;
    this.actor = c.callerSlot;
    const spec = `advanced profile, "Call Canceling", mode ${this.mode}`;
    if (this.mode !== 'kill') {
      h.expect(expectError(c.callerSlot, MessageType.CALL, c.request, undefined, `ERROR for the canceled CALL ${c.request} at slot ${c.callerSlot}`, undefined, undefined, spec));
      c.state = 'canceled';
    } else {
      c.state = 'kill-pending';
    }
    if (this.mode !== 'skip') {
      h.retire(c.interrupt);
      c.interrupt = undefined;
      h.expect({ ...expectInterrupt(c, `INTERRUPT (${this.mode}) for the invocation of CALL ${c.request} at slot ${c.calleeSlot}`, true), spec });
    }
    h.send(c.callerSlot, cancel(c.request, { mode: this.mode }));
    await h.settle();
  }
  /** A fresh copy per run: what `run` resolved (printed by `toString`) belongs to one run. */
  [fc.cloneMethod](): Cancel {
    return new Cancel(this.pick, this.mode);
  }
  toString(): string {
    return `cancel(${this.actor >= 0 ? `${this.actor}, ` : ''}#${this.pick}, ${this.mode})`;
  }
}

// ---------------------------------------------------------------------------
// PubSub

/** A slot subscribes to a topic. */
export class Subscribe implements FuzzCommand {
  constructor(
    readonly slot: number,
    readonly topic: number,
    readonly extra: Dict | undefined,
  ) {}
  check(m: Readonly<FuzzModel>): boolean {
    const s = upSlot(m, this.slot);
    return s !== undefined && !m.subs.some((x) => x.live && x.generation === s.generation && x.topic === this.topic);
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('subscribe');
    const s = upSlot(m, this.slot)!;
    const gen = s.generation;
    const req = nextRequest(s);
    const uri = topicUri(m, this.topic);
    h.expect(
      expectReply<Subscribed>(
        this.slot,
        MessageType.SUBSCRIBED,
        req,
        `SUBSCRIBED for SUBSCRIBE ${req} to ${uri} at slot ${this.slot}`,
        (msg) => {
          const other = m.subs.find((x) => x.live && x.generation === gen && x.id === msg.subscription);
          return other === undefined ? 'ok' : `subscription ID ${msg.subscription} already names this session's subscription to ${topicUri(m, other.topic)}`;
        },
        (msg) => m.subs.push({ slot: this.slot, generation: gen, topic: this.topic, id: msg.subscription, live: true }),
      ),
    );
    h.send(this.slot, subscribe(req, uri, this.extra ?? {}));
    await h.settle();
  }
  toString(): string {
    return `subscribe(${this.slot}, topic${this.topic}${this.extra ? ', +unknown options' : ''})`;
  }
}

/** A slot unsubscribes one of its subscriptions (or an unknown ID). */
export class Unsubscribe implements FuzzCommand {
  private actor = -1;
  constructor(
    readonly slot: number,
    readonly variant: ReleaseVariant,
    readonly pick: number,
    readonly unknownId: number,
  ) {}
  private candidates(m: Readonly<FuzzModel>) {
    return releaseCandidates(m, this.slot, m.subs, this.variant, holdsSub, () => true);
  }
  check(m: Readonly<FuzzModel>): boolean {
    if (this.variant === 'own') return this.candidates(m).length > 0;
    if (upSlot(m, this.slot) === undefined) return false;
    return this.variant === 'unknown' ? !holdsSub(m, this.slot, this.unknownId) : this.candidates(m).length > 0;
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('unsubscribe');
    const cands = this.candidates(m);
    const target = this.variant === 'unknown' ? undefined : cands[this.pick % cands.length]!;
    const slot = this.variant === 'own' ? target!.slot : this.slot;
    this.actor = slot;
    const s = upSlot(m, slot)!;
    const id = target?.id ?? this.unknownId;
    const req = nextRequest(s);
    if (this.variant === 'own' && target !== undefined) {
      h.expect(
        expectReply<Unsubscribed>(slot, MessageType.UNSUBSCRIBED, req, `UNSUBSCRIBED for UNSUBSCRIBE ${req} at slot ${slot}`, () => 'ok', () => {
          target.live = false;
        }),
      );
    } else {
      h.expect(
        expectError(
          slot,
          MessageType.UNSUBSCRIBE,
          req,
          ErrorUri.NO_SUCH_SUBSCRIPTION,
          `ERROR no_such_subscription for UNSUBSCRIBE ${req} of ${this.variant} subscription ${id} at slot ${slot}`,
        ),
      );
    }
    h.send(slot, unsubscribe(req, id));
    await h.settle();
  }
  /** A fresh copy per run: what `run` resolved (printed by `toString`) belongs to one run. */
  [fc.cloneMethod](): Unsubscribe {
    return new Unsubscribe(this.slot, this.variant, this.pick, this.unknownId);
  }
  toString(): string {
    const slot = this.actor >= 0 ? this.actor : this.slot;
    return `unsubscribe(${slot}, ${this.variant}${this.variant === 'unknown' ? ` ${this.unknownId}` : ` #${this.pick}`})`;
  }
}

export interface PublishSpec {
  readonly topic: number;
  readonly payload: Payload;
}

export interface PublishOptions {
  readonly acknowledge: boolean | undefined;
  /** Advanced profile, "Publisher Exclusion"; used only when the Broker announces it. */
  readonly excludeMe: boolean | undefined;
  /** Advanced profile, "Subscriber Black- and Whitelisting", as slots; used only when announced. */
  readonly exclude: readonly number[] | undefined;
  readonly eligible: readonly number[] | undefined;
}

/** One or more PUBLISHes sent back to back (several test the publisher-subscriber ordering guarantee). */
export class Publish implements FuzzCommand {
  constructor(
    readonly slot: number,
    readonly pubs: readonly PublishSpec[],
    readonly opts: PublishOptions,
    readonly extra: Dict | undefined,
  ) {}
  check(m: Readonly<FuzzModel>): boolean {
    return upSlot(m, this.slot) !== undefined;
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('publish');
    const s = upSlot(m, this.slot)!;
    const f = m.features!;
    const excludeMe = f.publisherExclusion ? this.opts.excludeMe : undefined;
    const exclude = f.blackWhiteListing && this.opts.exclude !== undefined ? this.opts.exclude.map((x) => sessionIdOf(m, x)) : undefined;
    const eligible = f.blackWhiteListing && this.opts.eligible !== undefined ? this.opts.eligible.map((x) => sessionIdOf(m, x)) : undefined;
    const options: Record<string, unknown> = { ...this.extra };
    if (this.opts.acknowledge !== undefined) options['acknowledge'] = this.opts.acknowledge;
    if (excludeMe !== undefined) options['exclude_me'] = excludeMe;
    if (exclude !== undefined) options['exclude'] = exclude;
    if (eligible !== undefined) options['eligible'] = eligible;
    const frames: Message[] = [];
    for (const p of this.pubs) {
      const req = nextRequest(s);
      const marker = ++m.markers;
      const args = markedArgs(marker, p.payload);
      const uri = topicUri(m, p.topic);
      // Basic profile, "EVENT": the publisher never receives its own event, unless
      // (advanced, "Publisher Exclusion") it asks with exclude_me = false.
      // Advanced, "Black- and Whitelisting": eligible and exclude both apply.
      const receivers = m.subs.filter((sub) => {
        if (!sub.live || sub.topic !== p.topic) return false;
        if (sub.generation === s.generation && excludeMe !== false) return false;
        const sid = upSlot(m, sub.slot)!.sessionId;
        if (eligible !== undefined && !eligible.includes(sid)) return false;
        if (exclude !== undefined && exclude.includes(sid)) return false;
        return true;
      });
      let publication: number | undefined;
      const bind = (id: number, where: string): Verdict => {
        if (publication === undefined) {
          if (m.publicationIds.has(id)) return `publication ID ${id} (${where}) was already the ID of an earlier publication`;
          publication = id;
          m.publicationIds.add(id);
          return 'ok';
        }
        return id === publication ? 'ok' : `publication ID ${id} (${where}) differs from ${publication}, given to the same publication elsewhere`;
      };
      if (this.opts.acknowledge === true) {
        h.expect(
          expectReply<Published>(this.slot, MessageType.PUBLISHED, req, `PUBLISHED for PUBLISH ${req} at slot ${this.slot}`, (msg) => bind(msg.publication, 'PUBLISHED'), () => {}),
        );
      }
      for (const sub of receivers) {
        h.expect({
          what: `EVENT of PUBLISH ${req} from slot ${this.slot} (marker ${marker}) at slot ${sub.slot}`,
          slots: [sub.slot],
          required: true,
          spec: 'basic profile, "Publishing and Events": the Broker sends the event to all current Subscribers of the topic',
          match(ev): Verdict {
            if (ev.kind !== 'message' || ev.msg.type !== MessageType.EVENT || markerOf(ev.msg) !== marker) return 'no';
            if (ev.msg.subscription !== sub.id) return `subscription ID ${ev.msg.subscription}, expected ${sub.id} (the subscription to ${uri})`;
            const diff = payloadDiff(ev.msg, args, p.payload.kwargs);
            if (diff !== undefined) return diff;
            const order = checkOrder(m, 'event', sub.generation, s.generation, marker);
            if (order !== undefined) {
              h.fail(new InvariantViolation('ordering', `slot ${sub.slot} received the EVENT with marker ${marker} ${order}`, 'basic profile, "Ordering Guarantees": "WAMP guarantees ordering of events between any given pair of Publisher and Subscriber"'));
              return 'ok';
            }
            return bind(ev.msg.publication, `EVENT at slot ${sub.slot}`);
          },
        });
      }
      frames.push(publish(req, uri, { args, kwargs: p.payload.kwargs }, options));
    }
    for (const fr of frames) h.send(this.slot, fr);
    await h.settle();
  }
  toString(): string {
    const o = this.opts;
    const parts = [
      o.acknowledge === undefined ? '' : `ack=${o.acknowledge}`,
      o.excludeMe === undefined ? '' : `exclude_me=${o.excludeMe}`,
      o.exclude === undefined ? '' : `exclude=[${o.exclude.join(',')}]`,
      o.eligible === undefined ? '' : `eligible=[${o.eligible.join(',')}]`,
      this.extra ? '+unknown options' : '',
    ].filter((x) => x !== '');
    return `publish(${this.slot}, ${this.pubs.map((p) => `topic${p.topic}${fmtPayload(p.payload)}`).join(' + ')}${parts.length ? ', ' + parts.join(', ') : ''})`;
  }
}

// ---------------------------------------------------------------------------
// Protocol violations

/** The request ID placeholder in mutant templates, replaced by the session's next request ID. */
const PLACEHOLDER = 4_503_599_627_370_417;

/** Send a malformed message on a joined session; the router must ABORT it (or answer `invalid_uri`). */
export class Malformed implements FuzzCommand {
  constructor(
    readonly slot: number,
    readonly mutant: Mutant,
  ) {}
  check(m: Readonly<FuzzModel>): boolean {
    return upSlot(m, this.slot) !== undefined;
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('malformed');
    const s = upSlot(m, this.slot)!;
    const req = nextRequest(s);
    const wire = Array.isArray(this.mutant.wire) ? this.mutant.wire.map((v) => (v === PLACEHOLDER ? req : v)) : this.mutant.wire;
    const mayError = this.mutant.reactions.includes('error');
    // Registered after the ABORT expectation (so a missing ABORT is what gets reported), used in its callback.
    const later: { end?: SessionEnd } = {};
    let errorExp: Expectation | undefined;
    let ended = false;
    const abortExp = h.expect(
      expectAbort(h, this.slot, `ABORT protocol_violation at slot ${this.slot} for ${this.mutant.description}`, VIOLATION_SPEC, () => {
        h.retire(errorExp);
        later.end!.confirm();
        ended = true;
      }),
    );
    if (mayError) {
      errorExp = h.expect(
        expectError(this.slot, this.mutant.base.type, req, this.mutant.errorUri ?? undefined, `ERROR ${this.mutant.errorUri} for ${this.mutant.description}`, undefined, () => {
          h.retire(abortExp);
          later.end!.cancel();
        }),
      );
    }
    later.end = prepareSessionEnd(m, h, this.slot, mayError);
    h.sendWire(this.slot, wire);
    await h.settle();
    if (ended) h.disconnect(this.slot);
  }
  toString(): string {
    return `malformed(${this.slot}, ${this.mutant.kind}: ${this.mutant.description})`;
  }
}

/** A message in the wrong session state or the wrong direction, on a joined session. */
export class WrongState implements FuzzCommand {
  constructor(
    readonly slot: number,
    /** A router-to-client message, a second HELLO, or `undefined` for a YIELD to an invocation that never was. */
    readonly msg: Message | undefined,
  ) {}
  check(m: Readonly<FuzzModel>): boolean {
    return upSlot(m, this.slot) !== undefined;
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('wrong-state');
    const s = upSlot(m, this.slot)!;
    let msg = this.msg;
    let why: string;
    if (msg === undefined) {
      let id = 2 ** 52 + 7;
      while (s.invocationIds.has(id)) id++;
      msg = yield_(id);
      why = 'basic profile, "Protocol Errors": "Receiving YIELD message with invalid INVOCATION.Request"';
    } else if (msg.type === MessageType.HELLO) {
      why = 'basic profile, "HELLO": "It is a protocol error to receive a second HELLO message during the lifetime of the session"';
    } else {
      why = `${VIOLATION_SPEC}; a ${showMessage(msg).split(' ')[0]} is a Router-to-Client message`;
    }
    // Registered after the ABORT expectation (so a missing ABORT is what gets reported), used in its callback.
    const later: { end?: SessionEnd } = {};
    h.expect(
      expectAbort(h, this.slot, `ABORT protocol_violation at slot ${this.slot} for ${showMessage(msg).split(' ')[0]} on an established session`, why, () => {
        later.end!.confirm();
      }),
    );
    later.end = prepareSessionEnd(m, h, this.slot, false);
    h.send(this.slot, msg);
    await h.settle();
    h.disconnect(this.slot);
  }
  toString(): string {
    return `wrongState(${this.slot}, ${this.msg === undefined ? 'YIELD for an unknown invocation' : showMessage(this.msg)})`;
  }
}

/** A first message that is not HELLO. */
export class PreJoin implements FuzzCommand {
  constructor(
    readonly slot: number,
    readonly msg: Message,
  ) {}
  check(m: Readonly<FuzzModel>): boolean {
    return m.slots[this.slot]?.tag === 'down';
  }
  async run(_m: FuzzModel, h: Harness): Promise<void> {
    h.note('pre-join');
    await h.connect(this.slot);
    h.expect(
      expectAbort(
        h,
        this.slot,
        `ABORT protocol_violation at slot ${this.slot} for ${showMessage(this.msg).split(' ')[0]} before HELLO`,
        'basic profile, "HELLO": "The HELLO message MUST be the very first message sent by the Client"; "Protocol Errors"',
        () => {},
      ),
    );
    h.send(this.slot, this.msg);
    await h.settle();
    h.disconnect(this.slot);
  }
  toString(): string {
    return `preJoin(${this.slot}, ${showMessage(this.msg)})`;
  }
}

/** A valid request whose request ID is not the next in sequence. */
export class NonSequentialId implements FuzzCommand {
  constructor(
    readonly slot: number,
    readonly how: 'skip' | 'repeat',
    readonly delta: number,
    readonly topic: number,
  ) {}
  check(m: Readonly<FuzzModel>): boolean {
    const s = upSlot(m, this.slot);
    return s !== undefined && (this.how === 'skip' || s.nextRequest > 1);
  }
  async run(m: FuzzModel, h: Harness): Promise<void> {
    h.note('non-sequential-id');
    const s = upSlot(m, this.slot)!;
    const id = this.how === 'skip' ? s.nextRequest + this.delta : s.nextRequest - 1 - (this.delta % (s.nextRequest - 1));
    // Registered after the ABORT expectation (so a missing ABORT is what gets reported), used in its callback.
    const later: { end?: SessionEnd } = {};
    h.expect(
      expectAbort(
        h,
        this.slot,
        `ABORT protocol_violation at slot ${this.slot} for SUBSCRIBE with request ID ${id} (next in sequence: ${s.nextRequest})`,
        'basic profile, "Protocol Errors": "Receiving message with non-sequential session scope request ID, such as SUBSCRIBE ..."',
        () => later.end!.confirm(),
      ),
    );
    later.end = prepareSessionEnd(m, h, this.slot, false);
    h.send(this.slot, subscribe(id, topicUri(m, this.topic)));
    await h.settle();
    h.disconnect(this.slot);
  }
  toString(): string {
    return `nonSequentialId(${this.slot}, ${this.how} ${this.delta})`;
  }
}

// ---------------------------------------------------------------------------
// The command arbitrary

/** Command families, for `skip` lists and the report. */
export type CommandKind =
  | 'join'
  | 'leave'
  | 'disconnect'
  | 'register'
  | 'register-taken'
  | 'unregister'
  | 'call'
  | 'yield'
  | 'error'
  | 'cancel'
  | 'subscribe'
  | 'unsubscribe'
  | 'publish'
  | 'malformed'
  | 'wrong-state'
  | 'pre-join'
  | 'non-sequential-id';

/** Every command family, as `--skip` names them. */
export const ALL_COMMAND_KINDS: readonly CommandKind[] = [
  'join',
  'leave',
  'disconnect',
  'register',
  'register-taken',
  'unregister',
  'call',
  'yield',
  'error',
  'cancel',
  'subscribe',
  'unsubscribe',
  'publish',
  'malformed',
  'wrong-state',
  'pre-join',
  'non-sequential-id',
];

/** Options of the command arbitraries. */
export interface CommandOptions {
  readonly slots: number;
  readonly procedures: number;
  readonly topics: number;
  /** Command families not to generate. */
  readonly skip?: readonly CommandKind[];
  /** Mutant kinds the `malformed` command uses. Default: all strict kinds. */
  readonly mutantKinds?: readonly MutantKind[];
  /** Random payloads in calls, results and events; `false` sends the marker only. */
  readonly payloads?: ValueOptions | false;
}

function payloadArb(o: ValueOptions | false | undefined): fc.Arbitrary<Payload> {
  if (o === false) return fc.constant({ args: [], kwargs: {} });
  const v: ValueOptions = { maxDepth: 2, maxLength: 3, ...o };
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant({ args: [], kwargs: {} }) },
    { weight: 3, arbitrary: fc.record({ args: argsArb(v), kwargs: kwargsArb(v) }) },
  );
}

/** Mutant templates: requests with a placeholder request ID (see {@link Malformed}). */
function malformedBases(): Message[] {
  const p = 'fuzz.placeholder';
  return [
    call(PLACEHOLDER, `${p}.proc`, { args: [1] }),
    publish(PLACEHOLDER, `${p}.topic`, { args: [1] }, { acknowledge: true }),
    subscribe(PLACEHOLDER, `${p}.topic`),
    register(PLACEHOLDER, `${p}.proc`),
    unsubscribe(PLACEHOLDER, 1),
    unregister(PLACEHOLDER, 1),
  ];
}

/** Client-to-router messages that may not come first. */
const PRE_JOIN_TYPES = CLIENT_TO_ROUTER.filter((t) => t !== MessageType.HELLO && t !== MessageType.ABORT);

/**
 * The weighted list of command arbitraries for `fc.commands`. Weights are
 * repetitions: joins and RPC/PubSub traffic dominate, violations are rarer
 * (each ends a session).
 */
export function commandArbs(o: CommandOptions): fc.Arbitrary<FuzzCommand>[] {
  const skip = new Set(o.skip ?? []);
  const slot = fc.nat({ max: o.slots - 1 });
  const proc = fc.nat({ max: o.procedures - 1 });
  const topic = fc.nat({ max: o.topics - 1 });
  const pick = fc.nat({ max: 7 });
  const payload = payloadArb(o.payloads);
  const extra = fc.option(unknownOptionsArb(), { freq: 6, nil: undefined });
  const slots = fc.option(fc.uniqueArray(slot, { maxLength: o.slots }), { freq: 2, nil: undefined });
  const variant = fc.constantFrom<ReleaseVariant>('own', 'own', 'own', 'stale', 'foreign', 'unknown');
  const bigId = fc.integer({ min: 2 ** 40, max: 2 ** 50 });
  const policy = fc.constantFrom<InvokePolicy>('single', 'single', 'roundrobin', 'random', 'first', 'last');
  const table: [CommandKind, number, fc.Arbitrary<FuzzCommand>][] = [
    ['join', 4, slot.map((s) => new Join(s))],
    ['leave', 1, slot.map((s) => new Leave(s))],
    ['disconnect', 1, slot.map((s) => new Disconnect(s))],
    ['register', 3, fc.tuple(slot, pick, policy, extra).map(([s, k, pol, x]) => new Register(s, 'free', k, pol, x))],
    ['register-taken', 1, fc.tuple(slot, pick, policy, extra).map(([s, k, pol, x]) => new Register(s, 'taken', k, pol, x))],
    ['unregister', 2, fc.tuple(slot, variant, pick, bigId).map(([s, v, k, id]) => new Unregister(s, v, k, id))],
    [
      'call',
      4,
      fc
        .tuple(slot, fc.array(fc.record({ proc, registered: fc.constantFrom(true, true, true, false), payload }), { minLength: 1, maxLength: 3 }), extra)
        .map(([s, cs, x]) => new Call(s, cs, x)),
    ],
    ['yield', 4, fc.tuple(pick, payload).map(([k, p]) => new Yield(k, p))],
    ['error', 2, fc.tuple(pick, fc.constantFrom('failed', 'not_found', 'busy'), payload).map(([k, u, p]) => new ErrorReply(k, u, p))],
    ['cancel', 2, fc.tuple(pick, fc.constantFrom<CancelMode>('skip', 'kill', 'killnowait')).map(([k, md]) => new Cancel(k, md))],
    ['subscribe', 3, fc.tuple(slot, topic, extra).map(([s, t, x]) => new Subscribe(s, t, x))],
    ['unsubscribe', 2, fc.tuple(slot, variant, pick, bigId).map(([s, v, k, id]) => new Unsubscribe(s, v, k, id))],
    [
      'publish',
      3,
      fc
        .tuple(
          slot,
          fc.array(fc.record({ topic, payload }), { minLength: 1, maxLength: 3 }),
          fc.record({
            acknowledge: fc.constantFrom(undefined, true, true, false),
            excludeMe: fc.constantFrom(undefined, undefined, true, false),
            exclude: slots,
            eligible: slots,
          }),
          extra,
        )
        .map(([s, ps, opts, x]) => new Publish(s, ps, opts, x)),
    ],
    [
      'malformed',
      1,
      fc.tuple(slot, fc.constantFrom(...malformedBases()).chain((b) => mutantArb(b, o.mutantKinds ?? STRICT_KINDS))).map(([s, mu]) => new Malformed(s, mu)),
    ],
    [
      'wrong-state',
      1,
      fc
        .tuple(slot, fc.option(fc.oneof(messageArb(MessageType.HELLO), fc.constantFrom(...ROUTER_TO_CLIENT).chain((t) => messageArb(t, { passthru: false }))), { freq: 3, nil: undefined }))
        .map(([s, msg]) => new WrongState(s, msg)),
    ],
    [
      'pre-join',
      1,
      fc.tuple(slot, fc.constantFrom(...PRE_JOIN_TYPES).chain((t) => messageArb(t, { passthru: false }))).map(([s, msg]) => new PreJoin(s, msg)),
    ],
    [
      'non-sequential-id',
      1,
      fc.tuple(slot, fc.constantFrom<'skip' | 'repeat'>('skip', 'repeat'), fc.integer({ min: 1, max: 1000 }), topic).map(([s, how, d, t]) => new NonSequentialId(s, how, d, t)),
    ],
  ];
  const out: fc.Arbitrary<FuzzCommand>[] = [];
  for (const [kind, weight, arb] of table) {
    if (skip.has(kind)) continue;
    for (let i = 0; i < weight; i++) out.push(arb);
  }
  return out;
}
