/**
 * The two suites, each a fast-check property over a {@link DriverFactory}:
 *
 * - {@link runModelSuite}: `fc.commands` + `fc.asyncModelRun` over several
 *   simulated sessions, checked against the model (`model.ts`, `commands.ts`);
 * - {@link runMalformedSuite}: one damaged input per run (near-valid
 *   messages, byte-level mutations of encoded frames, oversized payloads, and
 *   for RawSocket drivers damaged handshakes and frames), each checked for the
 *   reaction the specification allows and followed by a liveness probe.
 *
 * Both return a {@link SuiteResult}: runs, commands, and at most one finding,
 * shrunk, with the seed and path that replay it.
 */

import fc from 'fast-check';
import {
  ErrorUri,
  MessageType,
  call,
  decodeMessage,
  goodbye,
  hello,
  publish,
  register,
  subscribe,
  toWire,
  type Message,
  type MessageTypeCode,
  type Serializer,
} from '@wamp/core';
import { CLIENT_TO_ROUTER, messageArb } from './arbitraries.js';
import { applyByteMutations, byteMutationsArb, describeByteMutation, frameBytes, type ByteMutation } from './bytes.js';
import { Join, commandArbs, type CommandKind } from './commands.js';
import type { Driver, DriverFactory } from './driver.js';
import { Harness, InvariantViolation, show, type Expectation, type Rule, type Verdict } from './harness.js';
import { HELLO_DETAILS, newModel } from './model.js';
import { STRICT_KINDS, mutantArb, optionMutantArb, oversize, type Mutant, type MutantKind, type Reaction } from './mutants.js';
import { RawFrameType, frame, framingCaseArb, handshake, type FramingCase, type FramingReaction, type HandshakeReply, type RawFrame } from './rawsocket.js';
import type { ValueOptions } from './values.js';

/** One invariant violation, shrunk, with what replays it. */
export interface Finding {
  readonly suite: 'model' | 'malformed';
  readonly rule: Rule | 'exception';
  readonly detail: string;
  readonly spec?: string | undefined;
  /** The shrunk command sequence, or the damaged input. */
  readonly counterexample: string;
  readonly seed: number;
  /**
   * With `seed`, replays the counterexample: fast-check's path, and for the
   * model suite `@` and the commands' replay path (`3:1:0@AAB:V`).
   */
  readonly path: string | undefined;
}

/** The outcome of one suite: runs, messages, and the finding if any. */
export interface SuiteResult {
  readonly suite: 'model' | 'malformed';
  readonly target: string;
  /** Runs executed (including the shrinking runs after a failure). */
  readonly runs: number;
  /** Commands (model suite) or cases (malformed suite) executed. */
  readonly commands: number;
  /** The same, by command or case kind. */
  readonly byKind: Readonly<Record<string, number>>;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly seed: number;
  readonly finding: Finding | undefined;
  /** The time limit stopped the suite before `numRuns`. */
  readonly interrupted: boolean;
  readonly durationMs: number;
}

/** Options common to both suites. */
export interface SuiteOptions {
  readonly driver: DriverFactory;
  readonly realm: string;
  /** Number of runs. Default 100. */
  readonly runs?: number;
  /** Seed of the run; a finding's `seed` and `path` replay it. Default: random. */
  readonly seed?: number;
  /** A finding's `path` (with its `seed`): runs exactly its counterexample. */
  readonly path?: string;
  /** Stop generating new runs after this long (shrinking included). Default: none. */
  readonly timeLimitMs?: number;
  /** See {@link Harness}. */
  readonly replyTimeoutMs?: number;
  readonly quietMs?: number;
  /** Receives a line per frame sent and received (`--verbose`). */
  readonly trace?: (line: string) => void;
}

/** Options of the model-based suite. */
export interface ModelSuiteOptions extends SuiteOptions {
  /** Most commands per run. Default 32. */
  readonly maxCommands?: number;
  /** Simulated sessions. Default 3. */
  readonly slots?: number;
  /** Distinct procedures and topics. Default 3 each. */
  readonly procedures?: number;
  readonly topics?: number;
  /** Command families not to generate (to look past a known finding). */
  readonly skip?: readonly CommandKind[];
  readonly mutantKinds?: readonly MutantKind[];
  readonly payloads?: ValueOptions | false;
}

/** Unique per process, so that runs against one live router never share URIs. */
const NONCE = Math.random().toString(36).slice(2, 8);
let runCounter = 0;
const nextPrefix = (): string => `fuzz.x${NONCE}.r${++runCounter}`;

interface Totals {
  runs: number;
  commands: number;
  byKind: Record<string, number>;
  sent: number;
  received: number;
}

/**
 * Remembers the first failure of a suite and whether the router went away.
 * Once a live router is down every run fails the same way, so shrinking would
 * only "shrink" towards an empty input. Then the finding is the crash itself,
 * with the input that caused it: the run that was going on, or the one just
 * before when a run could not even connect. Runs after that fail at once
 * instead of waiting on a dead address.
 */
class DownWatch {
  private gone: { culprit: string; path: string | undefined; error: unknown } | undefined;
  private first: { error: unknown; input: string } | undefined;
  private previous: { input: string; path: string | undefined } | undefined;

  async guard(runIndex: number, describe: () => string, run: () => Promise<void>): Promise<void> {
    if (this.gone !== undefined) throw new InvariantViolation('router-down', 'the router went down earlier in this suite');
    // Until the first failure, run k is the k-th generated input: path "k" replays it.
    const path = this.first === undefined ? String(runIndex) : undefined;
    try {
      await run();
    } catch (e) {
      const input = describe();
      this.first ??= { error: e, input };
      if (e instanceof InvariantViolation && e.rule === 'router-down') {
        const prev = e.beforeAnyTraffic ? this.previous : undefined;
        this.gone = prev === undefined ? { culprit: input, path, error: e } : { culprit: prev.input, path: prev.path, error: e };
      }
      throw e;
    } finally {
      this.previous = { input: describe(), path };
    }
  }

  /** The finding to report: fast-check's shrunk one, or the crash and its input. */
  finding(suite: 'model' | 'malformed', details: fc.RunDetails<unknown>, shrunk: string): Finding | undefined {
    if (!details.failed) return undefined;
    if (this.gone === undefined) return toFinding(suite, details, shrunk);
    const crash = toFinding(suite, { ...details, errorInstance: this.gone.error } as fc.RunDetails<unknown>, this.gone.culprit);
    const notes = [crash.detail, 'The router stopped answering after the input below (not shrunk: shrinking needs a live router).'];
    const first = this.first;
    if (first !== undefined && !(first.error instanceof InvariantViolation && first.error.rule === 'router-down')) {
      const f = toFinding(suite, { ...details, errorInstance: first.error } as fc.RunDetails<unknown>, first.input);
      notes.push(
        first.input === this.gone.culprit
          ? `On that input the router first broke [${f.rule}]: ${f.detail}`
          : `Before that, the first failure was [${f.rule}] ${f.detail}\n  on: ${first.input}`,
      );
    }
    if (this.gone.path === undefined) notes.push('The input came up while shrinking, so no replay path leads to it: send it by hand.');
    return { ...crash, detail: notes.join('\n'), path: this.gone.path };
  }
}

function toFinding(suite: 'model' | 'malformed', details: fc.RunDetails<unknown>, counterexample: string): Finding {
  const err = details.errorInstance;
  const v = err instanceof InvariantViolation ? err : undefined;
  return {
    suite,
    rule: v?.rule ?? 'exception',
    detail: v?.detail ?? (err instanceof Error ? (err.stack ?? err.message) : String(err)),
    spec: v?.spec,
    counterexample,
    seed: details.seed,
    path: details.counterexamplePath ?? undefined,
  };
}

function checkParams<T>(o: SuiteOptions, seed: number): fc.Parameters<T> {
  const path = o.path?.split('@')[0];
  return {
    numRuns: o.runs ?? 100,
    seed,
    ...(path === undefined ? {} : { path }),
    ...(o.timeLimitMs === undefined ? {} : { interruptAfterTimeLimit: o.timeLimitMs, markInterruptAsFailure: false }),
  } as fc.Parameters<T>;
}

function harnessFor(driver: Driver, o: SuiteOptions): Harness {
  return new Harness(driver, {
    ...(o.replyTimeoutMs === undefined ? {} : { replyTimeoutMs: o.replyTimeoutMs }),
    ...(o.quietMs === undefined ? {} : { quietMs: o.quietMs }),
    ...(o.trace === undefined ? {} : { trace: o.trace }),
  });
}

function absorb(t: Totals, h: Harness): void {
  t.commands += h.commands;
  for (const [k, n] of h.byKind) t.byKind[k] = (t.byKind[k] ?? 0) + n;
  t.sent += h.sent;
  t.received += h.received;
}

const randomSeed = (): number => (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;

// ---------------------------------------------------------------------------
// The model-based suite

/** The model-based suite: sessions, RPC, PubSub and protocol violations against the model. */
export async function runModelSuite(o: ModelSuiteOptions): Promise<SuiteResult> {
  const started = Date.now();
  const seed = o.seed ?? randomSeed();
  const slots = o.slots ?? 3;
  const procedures = o.procedures ?? 3;
  const topics = o.topics ?? 3;
  const totals: Totals = { runs: 0, commands: 0, byKind: {}, sent: 0, received: 0 };
  let target = '';
  const replayPath = o.path?.split('@')[1];
  const cmds = fc.commands(
    commandArbs({
      slots,
      procedures,
      topics,
      ...(o.skip === undefined ? {} : { skip: o.skip }),
      ...(o.mutantKinds === undefined ? {} : { mutantKinds: o.mutantKinds }),
      ...(o.payloads === undefined ? {} : { payloads: o.payloads }),
    }),
    { maxCommands: o.maxCommands ?? 32, size: 'max', ...(replayPath === undefined ? {} : { replayPath }) },
  );
  const watch = new DownWatch();
  const describeRun = (routerSeed: number, commands: unknown) => `router seed ${routerSeed}; after ${slots} joins: ${String(commands)}`;
  const prop = fc.asyncProperty(fc.integer(), cmds, (routerSeed, commands) =>
    watch.guard(totals.runs++, () => describeRun(routerSeed, commands), async () => {
      const driver = await o.driver({ seed: routerSeed });
      target = driver.name;
      const h = harnessFor(driver, o);
      try {
        const model = newModel({ realm: o.realm, slots, procedures, topics, prefix: nextPrefix() });
        // Every run starts with all sessions joined, so that most generated commands apply.
        for (let i = 0; i < slots; i++) await new Join(i).run(model, h);
        await fc.asyncModelRun(() => ({ model, real: h }), commands);
        await h.finish();
      } finally {
        absorb(totals, h);
        await h.dispose();
      }
    }),
  );
  const details = await fc.check(prop, checkParams(o, seed));
  const ce = details.counterexample;
  let finding = watch.finding('model', details as fc.RunDetails<unknown>, ce === null || ce === undefined ? '(none)' : describeRun(ce[0], ce[1]));
  // The commands arbitrary shrinks with its own replay path, printed in the counterexample.
  const commandsPath = /replayPath="([^"]*)"/.exec(finding?.counterexample ?? '')?.[1];
  if (finding !== undefined && finding.path !== undefined && commandsPath !== undefined && !finding.path.includes('@')) {
    finding = { ...finding, path: `${finding.path}@${commandsPath}` };
  }
  return {
    suite: 'model',
    target,
    runs: totals.runs,
    commands: totals.commands,
    byKind: totals.byKind,
    messagesSent: totals.sent,
    messagesReceived: totals.received,
    seed,
    finding,
    interrupted: details.interrupted,
    durationMs: Date.now() - started,
  };
}

// ---------------------------------------------------------------------------
// The malformed-input suite

/** One damaged input. */
export type MalformedCase =
  | { readonly kind: 'mutant'; readonly mutant: Mutant; readonly beforeJoin: boolean }
  | { readonly kind: 'bytes'; readonly base: Message; readonly mutations: readonly ByteMutation[]; readonly beforeJoin: boolean }
  | { readonly kind: 'oversized'; readonly bytes: number }
  | { readonly kind: 'framing'; readonly framing: FramingCase };

/** A damaged input in words; `serializer` (when known) adds the exact bytes of a byte mutation. */
export function describeCase(c: MalformedCase, serializer?: Serializer): string {
  switch (c.kind) {
    case 'mutant':
      return `${c.mutant.kind}: ${c.mutant.description} — sent ${show(c.mutant.wire)}${c.beforeJoin ? ' as the first message' : ''}`;
    case 'bytes': {
      const what = `bytes of ${show(toWire(c.base))} mutated: ${c.mutations.map(describeByteMutation).join('; ')}${c.beforeJoin ? ' (as the first message)' : ''}`;
      if (serializer === undefined) return what;
      const sent = applyByteMutations(frameBytes(serializer.encode(toWire(c.base))), c.mutations);
      return `${what} — sent the ${sent.length} bytes ${hex(sent)}`;
    }
    case 'oversized':
      return `PUBLISH (acknowledge) with Arguments of ${c.bytes} characters`;
    case 'framing':
      return `RawSocket: ${c.framing.name}`;
  }
}

/** Options of the malformed-input suite. */
export interface MalformedSuiteOptions extends SuiteOptions {
  /** Size of the oversized payload. Default 1 MiB; 0 leaves the case out. */
  readonly oversizeBytes?: number;
  readonly mutantKinds?: readonly MutantKind[];
  /** Case families not to generate (to look past a known finding). */
  readonly skip?: readonly CaseKind[];
}

function hex(b: Uint8Array): string {
  const shown = Array.from(b.subarray(0, 96), (x) => x.toString(16).padStart(2, '0')).join('');
  return b.length > 96 ? `${shown}…` : shown;
}

/** Requests a fresh session may send first; their request ID becomes 1, the first in sequence. */
const REQUESTS: ReadonlySet<number> = new Set([
  MessageType.PUBLISH,
  MessageType.SUBSCRIBE,
  MessageType.UNSUBSCRIBE,
  MessageType.CALL,
  MessageType.REGISTER,
  MessageType.UNREGISTER,
]);

function firstRequest(m: Message): Message {
  return REQUESTS.has(m.type) ? ({ ...m, request: 1 } as Message) : m;
}

/** Bases for mutants on an established session: everything a client sends but HELLO and ABORT. */
const AFTER_JOIN: readonly MessageTypeCode[] = CLIENT_TO_ROUTER.filter((t) => t !== MessageType.HELLO && t !== MessageType.ABORT);

function byteBases(realm: string): Message[] {
  const p = 'fuzz.bytes';
  return [
    call(1, `${p}.proc`, { args: [1, 'two', { three: [3] }] }),
    publish(1, `${p}.topic`, { args: ['x'], kwargs: { k: true } }, { acknowledge: true }),
    subscribe(1, `${p}.topic`),
    register(1, `${p}.proc`),
    goodbye(ErrorUri.CLOSE_REALM),
    hello(realm, HELLO_DETAILS),
  ];
}

/** Families of the malformed-input suite, for `skip` lists. */
export type CaseKind = 'mutant' | 'hello-mutant' | 'unknown-option' | 'bytes' | 'oversized' | 'framing';

/** Every malformed-input case family, as `--skip` names them. */
export const ALL_CASE_KINDS: readonly CaseKind[] = ['mutant', 'hello-mutant', 'unknown-option', 'bytes', 'oversized', 'framing'];

/** Options of {@link malformedCaseArb}. */
export interface CaseOptions {
  readonly realm: string;
  readonly oversizeBytes: number;
  /** The RawSocket serializer id when the target speaks RawSocket (framing cases apply). */
  readonly rawSocketId: number | undefined;
  readonly mutantKinds: readonly MutantKind[];
  readonly skip?: readonly CaseKind[];
}

/** The arbitrary of malformed-input cases. */
export function malformedCaseArb(o: CaseOptions): fc.Arbitrary<MalformedCase> {
  const skip = new Set(o.skip ?? []);
  const arbs: fc.WeightedArbitrary<MalformedCase>[] = [];
  const add = (kind: CaseKind, weight: number, arbitrary: () => fc.Arbitrary<MalformedCase>) => {
    if (!skip.has(kind)) arbs.push({ weight, arbitrary: arbitrary() });
  };
  add('mutant', 4, () =>
    fc
      .constantFrom(...AFTER_JOIN)
      .chain((t) => messageArb(t))
      .map(firstRequest)
      .chain((m) => mutantArb(m, o.mutantKinds))
      .map((mutant): MalformedCase => ({ kind: 'mutant', mutant, beforeJoin: false })),
  );
  add('hello-mutant', 1, () =>
    messageArb(MessageType.HELLO)
      .map((m) => hello(o.realm, m.type === MessageType.HELLO ? m.details : {}))
      .chain((m) => mutantArb(m, o.mutantKinds.filter((k) => k !== 'bad-request-type')))
      .map((mutant): MalformedCase => ({ kind: 'mutant', mutant, beforeJoin: true })),
  );
  // Unknown options on requests whose normal answer is known; not on messages
  // (AUTHENTICATE, YIELD, ERROR, GOODBYE...) that are themselves out of place here.
  add('unknown-option', 2, () =>
    fc
      .constantFrom(...([...REQUESTS] as MessageTypeCode[]))
      .chain((t) => messageArb(t, { passthru: false }))
      .map(firstRequest)
      .chain((m) => optionMutantArb(m) ?? fc.constant(undefined))
      .filter((x): x is Mutant => x !== undefined)
      .map((mutant): MalformedCase => ({ kind: 'mutant', mutant, beforeJoin: false })),
  );
  add('bytes', 4, () =>
    fc
      .tuple(fc.constantFrom(...byteBases(o.realm)), byteMutationsArb())
      .map(([base, mutations]): MalformedCase => ({ kind: 'bytes', base, mutations, beforeJoin: base.type === MessageType.HELLO })),
  );
  if (o.oversizeBytes > 0) add('oversized', 1, () => fc.constant({ kind: 'oversized', bytes: o.oversizeBytes }));
  const rawSocketId = o.rawSocketId;
  if (rawSocketId !== undefined) {
    add('framing', 3, () => framingCaseArb(rawSocketId).map((framing): MalformedCase => ({ kind: 'framing', framing })));
  }
  if (arbs.length === 0) throw new RangeError('every kind of malformed input is skipped');
  return fc.oneof(...arbs);
}

/**
 * How a router may react to the bytes of a mutated frame. Strict (ABORT
 * `protocol_violation`) only where every decoder agrees the frame is not a WAMP
 * message: JSON text that is valid UTF-8 but not JSON, or any frame that
 * decodes to something other than a list starting with a known type code.
 * Anything subtler (trailing bytes after a MessagePack value, a lone
 * surrogate...) is decoder-dependent, so any orderly reaction is allowed.
 */
function byteReactions(driver: Driver, bytes: Uint8Array): readonly Reaction[] {
  const lenient: Reaction[] = ['abort', 'any-close', 'normal'];
  const ser = driver.serializer;
  let text: string | undefined;
  if (!ser.binary) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return lenient;
    }
  }
  let value: unknown;
  try {
    value = ser.decode(text ?? bytes);
  } catch {
    return ser.binary ? lenient : ['abort'];
  }
  if (!Array.isArray(value) || value.length === 0) return ['abort'];
  const code: unknown = value[0];
  if (typeof code !== 'number' || !Object.values(MessageType).includes(code as MessageTypeCode)) return ['abort'];
  return lenient;
}

/** The malformed-input suite: damaged inputs, one per run, each followed by a liveness probe. */
export async function runMalformedSuite(o: MalformedSuiteOptions): Promise<SuiteResult> {
  const started = Date.now();
  const seed = o.seed ?? randomSeed();
  const totals: Totals = { runs: 0, commands: 0, byKind: {}, sent: 0, received: 0 };
  let target = '';
  // One driver tells whether framing cases apply.
  const probeDriver = await o.driver({ seed });
  const rawSocketId = probeDriver.openStream === undefined ? undefined : probeDriver.serializer.rawSocketId;
  const serializer = probeDriver.serializer;
  await probeDriver.dispose();
  const arb = malformedCaseArb({
    realm: o.realm,
    oversizeBytes: o.oversizeBytes ?? 1 << 20,
    rawSocketId,
    mutantKinds: o.mutantKinds ?? STRICT_KINDS,
    ...(o.skip === undefined ? {} : { skip: o.skip }),
  });
  const watch = new DownWatch();
  const prop = fc.asyncProperty(fc.integer(), arb, (routerSeed, c) =>
    watch.guard(totals.runs++, () => describeCase(c, serializer), async () => {
      const driver = await o.driver({ seed: routerSeed });
      target = driver.name;
      const h = harnessFor(driver, o);
      h.note(c.kind === 'mutant' ? c.mutant.kind : c.kind);
      try {
        if (c.kind === 'framing') await runFraming(driver, h, o, c.framing);
        else await runDamaged(driver, h, o, c);
        await assertRouterUp(h, o.realm);
        await h.finish();
      } finally {
        absorb(totals, h);
        await h.dispose();
      }
    }),
  );
  const details = await fc.check(prop, checkParams(o, seed));
  const ce = details.counterexample;
  const finding = watch.finding('malformed', details as fc.RunDetails<unknown>, ce === null || ce === undefined ? '(none)' : describeCase(ce[1], serializer));
  return {
    suite: 'malformed',
    target,
    runs: totals.runs,
    commands: totals.commands,
    byKind: totals.byKind,
    messagesSent: totals.sent,
    messagesReceived: totals.received,
    seed,
    finding,
    interrupted: details.interrupted,
    durationMs: Date.now() - started,
  };
}

/** Join at `slot` and wait for WELCOME. */
async function join(h: Harness, slot: number, realm: string): Promise<void> {
  await h.connect(slot);
  h.expect({
    what: `WELCOME at slot ${slot}`,
    slots: [slot],
    required: true,
    match(ev) {
      if (ev.kind === 'closed') return 'the router closed the connection instead of answering HELLO';
      if (ev.msg.type === MessageType.ABORT) return `the router answered HELLO with ABORT ${ev.msg.reason}`;
      return ev.msg.type === MessageType.WELCOME ? 'ok' : 'no';
    },
  });
  h.send(slot, hello(realm, HELLO_DETAILS));
  await h.settle();
}

const PROBE_PROC = 'fuzz.probe.no_such_procedure';

/** The router still takes a new session and answers a call on it. */
async function assertRouterUp(h: Harness, realm: string): Promise<void> {
  const slot = 9;
  try {
    await join(h, slot, realm);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new InvariantViolation('router-down', `after the damaged input, a new session could not join: ${why}`);
  }
  h.expect({
    what: 'ERROR no_such_procedure for the liveness probe',
    slots: [slot],
    required: true,
    match: (ev) => (ev.kind === 'message' && ev.msg.type === MessageType.ERROR && ev.msg.request === 1 ? 'ok' : 'no'),
  });
  h.send(slot, call(1, PROBE_PROC));
  await h.settle();
  h.disconnect(slot);
}

/**
 * Send one damaged message (a mutant, mutated bytes, an oversized payload) and
 * check the reaction. A probe CALL follows at once on the same connection: a
 * session that must be aborted must not answer it ("without waiting for or
 * processing any messages subsequently received"), one that goes on must.
 */
async function runDamaged(driver: Driver, h: Harness, o: SuiteOptions, c: Exclude<MalformedCase, { kind: 'framing' }>): Promise<void> {
  const slot = 0;
  const beforeJoin = c.kind !== 'oversized' && c.beforeJoin;
  if (beforeJoin) await h.connect(slot);
  else await join(h, slot, o.realm);

  let reactions: readonly Reaction[];
  let request: { type: number; id: number } | undefined;
  let errorUri: string | undefined;
  let what: string;
  let send: () => void;
  switch (c.kind) {
    case 'mutant': {
      reactions = c.mutant.reactions;
      errorUri = c.mutant.errorUri;
      const b = c.mutant.base;
      if ('request' in b) request = { type: b.type, id: b.request };
      what = c.mutant.description;
      send = () => h.sendWire(slot, c.mutant.wire);
      break;
    }
    case 'bytes': {
      const bytes = applyByteMutations(frameBytes(driver.serializer.encode(toWire(c.base))), c.mutations);
      reactions = byteReactions(driver, bytes);
      what = 'mutated bytes';
      send = () => h.sendBytes(slot, bytes);
      break;
    }
    case 'oversized': {
      const m = oversize(publish(1, 'fuzz.oversized.topic', undefined, { acknowledge: true }), c.bytes);
      reactions = m.reactions;
      request = { type: MessageType.PUBLISH, id: 1 };
      what = m.description;
      send = () => h.sendWire(slot, m.wire);
      break;
    }
  }
  const allows = (r: Reaction) => reactions.includes(r);
  const strict = reactions.every((r) => r === 'abort');
  const probeReq = 2;
  let ended = false;
  let probe: Expectation | undefined;
  const endSession = () => {
    ended = true;
    h.allowClose(slot);
    h.retire(probe);
  };
  const spec = beforeJoin
    ? 'basic profile, "HELLO" and "Protocol Errors": a malformed first message is answered with ABORT'
    : 'basic profile, "Protocol Errors": "MUST send an ABORT message to the offending peer, having reason wamp.error.protocol_violation"';
  h.expect({
    what: `the reaction to ${what} (${reactions.join(' or ')})`,
    slots: [slot],
    required: true,
    spec,
    match(ev): Verdict {
      if (ev.kind === 'closed') {
        if (allows('any-close')) return 'ok';
        return 'the router closed the connection without sending ABORT first';
      }
      const msg = ev.msg;
      if (msg.type === MessageType.ABORT) {
        if (allows('any-close') || (beforeJoin && allows('abort'))) return 'ok';
        if (allows('abort')) return msg.reason === ErrorUri.PROTOCOL_VIOLATION ? 'ok' : `ABORT reason ${msg.reason}, expected ${ErrorUri.PROTOCOL_VIOLATION}`;
        return `ABORT ${msg.reason}, but the input calls for ${reactions.join(' or ')}`;
      }
      if (msg.type === MessageType.ERROR && request !== undefined && msg.request === request.id && msg.requestType === request.type) {
        if (allows('normal')) return 'ok';
        if (allows('error')) return errorUri === undefined || msg.error === errorUri ? 'ok' : `error URI ${msg.error}, expected ${errorUri}`;
        return `ERROR ${msg.error} instead of ABORT`;
      }
      if (!beforeJoin && msg.type === MessageType.ERROR && msg.requestType === MessageType.CALL && msg.request === probeReq) {
        if (strict) return `the router went on with the session (it answered the next request) instead of aborting it`;
        return allows('normal') || allows('silent') || allows('error') ? 'ok' : `the router answered the next request instead of ${reactions.join(' or ')}`;
      }
      if (allows('normal')) return 'ok';
      return beforeJoin && msg.type === MessageType.WELCOME ? `WELCOME for a malformed HELLO` : 'no';
    },
    onMatch(ev) {
      if (ev.kind === 'closed' || ev.msg.type === MessageType.ABORT) endSession();
    },
  });
  if (!beforeJoin) {
    probe = h.expect({
      what: 'the answer to the probe CALL after the damaged message',
      slots: [slot],
      required: false,
      match: (ev) => (ev.kind === 'message' && ev.msg.type === MessageType.ERROR && ev.msg.request === probeReq ? 'ok' : 'no'),
    });
  }
  if (!strict) {
    // An orderly, decoder-dependent reaction may include any well-formed message.
    h.expect({ what: 'any message', slots: [slot], required: false, repeatable: true, match: (ev) => (ev.kind === 'message' ? 'ok' : 'no') });
    if (allows('any-close') || allows('abort')) {
      h.expect({ what: 'a close', slots: [slot], required: false, repeatable: true, match: (ev) => (ev.kind === 'closed' ? 'ok' : 'no'), onMatch: endSession });
    }
  }
  send();
  if (!beforeJoin) h.send(slot, call(probeReq, PROBE_PROC));
  await h.settle();
  if (!driver.synchronous && !ended) await new Promise((r) => setTimeout(r, 10));
  h.disconnect(slot);
}

// ---------------------------------------------------------------------------
// RawSocket framing

type StreamEvent = { kind: 'handshake'; reply: HandshakeReply } | { kind: 'frame'; f: RawFrame } | { kind: 'closed' } | { kind: 'violation'; reason: string };

/** Damaged RawSocket handshakes and frames, on a stream of their own. */
async function runFraming(driver: Driver, h: Harness, o: SuiteOptions, c: FramingCase): Promise<void> {
  const open = driver.openStream;
  if (open === undefined) return;
  const timeout = o.replyTimeoutMs ?? 2000;
  const events: StreamEvent[] = [];
  let wake: (() => void) | undefined;
  const push = (e: StreamEvent) => {
    events.push(e);
    wake?.();
  };
  const next = async (within = timeout): Promise<StreamEvent | undefined> => {
    const deadline = Date.now() + within;
    while (events.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(t);
          wake = undefined;
          resolve();
        };
      });
    }
    return events.shift();
  };
  const ser = driver.serializer;
  const fail: (detail: string, spec?: string) => never = (detail, spec = 'advanced profile, "RawSocket Transport"') => {
    throw new InvariantViolation('transport', `${c.name}: ${detail}`, spec);
  };
  const allows = (r: FramingReaction) => c.reactions.includes(r);
  const stream = await open.call(driver, c.handshake ?? handshake(ser.rawSocketId), {
    handshake: (reply) => push({ kind: 'handshake', reply }),
    frame: (f) => push({ kind: 'frame', f }),
    violation: (reason) => push({ kind: 'violation', reason }),
    closed: () => push({ kind: 'closed' }),
  });
  try {
    const first = await next();
    if (c.handshake !== undefined) {
      // A damaged handshake: refused, failed, or (where allowed) accepted.
      if (first === undefined) {
        if (allows('accept')) return;
        fail(`no reply and no close within ${timeout} ms`);
      }
      if (first.kind === 'violation') fail(first.reason);
      if (first.kind === 'closed') {
        if (allows('fail')) return;
        fail(`the router closed the connection; expected ${c.reactions.join(' or ')}`);
      }
      if (first.kind === 'handshake') {
        const r = first.reply;
        if (r.kind === 'malformed') fail(r.reason);
        if (r.kind === 'refused') {
          if (allows('refuse') && (c.errorCode === undefined || r.errorCode === c.errorCode || allows('fail'))) return;
          if (allows('refuse')) fail(`refused with error ${r.errorCode}, expected ${c.errorCode}`);
          if (allows('fail')) return;
          fail(`refused with error ${r.errorCode}; expected ${c.reactions.join(' or ')}`);
        }
        if (allows('accept')) return;
        fail(`the router accepted the handshake; it must ${c.reactions.join(' or ')}`, 'advanced profile, "RawSocket Transport", "Handshake"');
      }
      return;
    }
    // A valid handshake, a session, then the damaged frame.
    if (first === undefined || first.kind !== 'handshake' || first.reply.kind !== 'accepted') {
      fail(`the valid handshake was not accepted: ${first === undefined ? 'no reply' : JSON.stringify(first)}`);
    }
    const routerMax = first.reply.maxLength;
    const enc = (m: Message) => frameBytes(ser.encode(toWire(m)));
    stream.write(frame(RawFrameType.MESSAGE, enc(hello(o.realm, HELLO_DETAILS))));
    const w = await next();
    if (w === undefined || w.kind !== 'frame' || w.f.type !== RawFrameType.MESSAGE) fail(`no WELCOME after HELLO: ${w === undefined ? 'nothing' : w.kind}`);
    const reactions = c.declaredLength !== undefined && c.declaredLength > routerMax ? (['fail'] as const) : c.reactions;
    stream.write(c.afterJoin!);
    // The probe: a CALL the router must answer if the session goes on.
    stream.write(frame(RawFrameType.MESSAGE, enc(call(1, PROBE_PROC))));
    let ponged = false;
    for (;;) {
      // A router that may wait for the announced bytes is given a short silence, not the whole timeout.
      const waitsForBytes = reactions.includes('accept') && c.declaredLength !== undefined;
      const e = await next(waitsForBytes ? Math.min(timeout, 300) : timeout);
      if (e === undefined) {
        if (waitsForBytes) return;
        fail(`no reaction within ${timeout} ms; expected ${reactions.join(' or ')}`);
      }
      if (e.kind === 'violation') fail(e.reason);
      if (e.kind === 'closed') {
        if (reactions.includes('fail') || reactions.includes('abort')) return;
        fail(`the router closed the connection; expected ${reactions.join(' or ')}`);
      }
      if (e.kind !== 'frame') continue;
      if (e.f.type === RawFrameType.PONG) {
        if (!reactions.includes('pong')) fail('an unsolicited PONG');
        if (ponged) fail('a second PONG for one PING', 'advanced profile, "RawSocket Transport": "exactly one PONG"');
        const want = c.ping ?? new Uint8Array(0);
        if (e.f.payload.length !== want.length || e.f.payload.some((b, i) => b !== want[i])) {
          fail('the PONG does not echo the PING payload', 'advanced profile, "RawSocket Transport": "the PONG MUST echo back the payload of the PING exactly"');
        }
        ponged = true;
        continue;
      }
      if (e.f.type !== RawFrameType.MESSAGE) continue;
      let msg: Message;
      try {
        msg = decodeFrame(driver, e.f.payload);
      } catch (err) {
        throw new InvariantViolation('malformed-from-router', `${c.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (msg.type === MessageType.ABORT) {
        if (reactions.includes('abort') || reactions.includes('fail')) {
          if (reactions.includes('abort') && msg.reason !== ErrorUri.PROTOCOL_VIOLATION) fail(`ABORT ${msg.reason}, expected ${ErrorUri.PROTOCOL_VIOLATION}`);
          return;
        }
        fail(`ABORT ${msg.reason}; expected ${reactions.join(' or ')}`);
      }
      if (msg.type === MessageType.ERROR && msg.request === 1) {
        if (reactions.includes('pong') && !ponged) fail('no PONG before the answer to the next message', 'advanced profile, "RawSocket Transport": "reply to each PING by sending exactly one PONG immediately"');
        if (reactions.includes('accept') || reactions.includes('pong')) return;
        fail(`the router went on with the session; expected ${reactions.join(' or ')}`);
      }
    }
  } finally {
    stream.close();
  }
}

function decodeFrame(driver: Driver, payload: Uint8Array): Message {
  const ser = driver.serializer;
  return decodeMessage(ser, ser.binary ? payload : new TextDecoder().decode(payload), { uriRule: 'loose' });
}
