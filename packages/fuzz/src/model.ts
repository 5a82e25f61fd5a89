/**
 * The model of a router's observable behaviour: which sessions are joined,
 * what each has registered and subscribed, which calls are outstanding, and
 * from that, what the router must send next.
 *
 * The model leaves the router every freedom the specification gives it: IDs
 * are learned from the replies (registration, subscription, publication,
 * invocation and session IDs are the router's choice), any callee of a shared
 * registration may be picked, and the order of messages at different sessions
 * is not constrained — only the orders the basic profile guarantees ("Ordering
 * Guarantees": events between one publisher and one subscriber, invocations
 * between one caller and one callee).
 */

import { ErrorUri, MessageType, type Dict, type Message } from '@wamp/core';
import type { Expectation, Harness, Inbound, Verdict } from './harness.js';
import { show } from './harness.js';
import { wampEqual } from './values.js';

/** The advanced features the router announced in WELCOME; the commands use a feature only when it is announced. */
export interface RouterFeatures {
  readonly callCanceling: boolean;
  readonly publisherExclusion: boolean;
  readonly blackWhiteListing: boolean;
  readonly sharedRegistration: boolean;
}

/** REGISTER.Options.invoke, as the model knows it. */
export type InvokePolicy = 'single' | 'roundrobin' | 'random' | 'first' | 'last';

/** A simulated session: down, or up with its session ID and request counter. */
export type SlotState =
  | { readonly tag: 'down'; readonly lastSessionId?: number | undefined }
  | {
      readonly tag: 'up';
      readonly sessionId: number;
      /** Unique per session lifetime, so that a slot's next session is never mistaken for its last. */
      readonly generation: number;
      /** Session-scope request IDs must be sequential (basic profile, "Protocol Errors"). */
      nextRequest: number;
      /** INVOCATION request IDs the router has used on this session. */
      readonly invocationIds: Set<number>;
    };

/** A registration as the model expects it. */
export interface RegModel {
  readonly slot: number;
  readonly generation: number;
  readonly proc: number;
  readonly policy: InvokePolicy;
  id: number;
  live: boolean;
}

/** A subscription as the model expects it. */
export interface SubModel {
  readonly slot: number;
  readonly generation: number;
  readonly topic: number;
  id: number;
  live: boolean;
}

/**
 * - `invoked`: INVOCATION delivered, the caller waits;
 * - `kill-pending`: canceled in `kill` mode, the callee's answer is still forwarded (RESULT or ERROR);
 * - `canceled`: the caller already got its ERROR; the callee's answer is discarded;
 * - `orphaned`: the caller left; the callee's answer is discarded;
 * - `done`: answered, or failed because the callee left.
 */
export type CallState = 'invoked' | 'kill-pending' | 'canceled' | 'orphaned' | 'done';

/** A call in flight as the model expects it. */
export interface CallModel {
  readonly callerSlot: number;
  readonly callerGeneration: number;
  readonly request: number;
  readonly marker: number;
  readonly proc: number;
  calleeSlot: number;
  calleeGeneration: number;
  invocationRequest: number;
  state: CallState;
  /** Whether the callee still owes an answer (an INVOCATION not yet answered by YIELD/ERROR). */
  outstanding: boolean;
  /** An optional INTERRUPT the callee may still receive. */
  interrupt?: Expectation | undefined;
}

/** The shape of a run: realm, slots, procedures, topics and URI prefix. */
export interface ModelConfig {
  readonly realm: string;
  readonly slots: number;
  readonly procedures: number;
  readonly topics: number;
  /** Prefix of every procedure and topic URI, unique per run so that runs on a live router never meet. */
  readonly prefix: string;
}

/** What a router may do next, as the model-based suite tracks it. */
export interface FuzzModel {
  readonly config: ModelConfig;
  readonly slots: SlotState[];
  readonly regs: RegModel[];
  readonly subs: SubModel[];
  readonly calls: CallModel[];
  features: RouterFeatures | undefined;
  generations: number;
  /** Markers make every publication and call recognisable in the payload the router forwards. */
  markers: number;
  readonly publicationIds: Set<number>;
  /** Last marker seen per ordered pair, `"<kind>:<receiver gen>:<sender gen>"` (events, invocations). */
  readonly lastSeen: Map<string, number>;
}

/** A fresh model: every slot down. */
export function newModel(config: ModelConfig): FuzzModel {
  return {
    config,
    slots: Array.from({ length: config.slots }, () => ({ tag: 'down' }) as SlotState),
    regs: [],
    subs: [],
    calls: [],
    features: undefined,
    generations: 0,
    markers: 0,
    publicationIds: new Set(),
    lastSeen: new Map(),
  };
}

export const procUri = (m: FuzzModel, i: number): string => `${m.config.prefix}.proc${i}`;
export const topicUri = (m: FuzzModel, i: number): string => `${m.config.prefix}.topic${i}`;

export type UpSlot = Extract<SlotState, { tag: 'up' }>;

export function upSlot(m: Readonly<FuzzModel>, slot: number): UpSlot | undefined {
  const s = m.slots[slot];
  return s !== undefined && s.tag === 'up' ? s : undefined;
}

/** Is the session that had generation `gen` still joined at `slot`? */
export function isUp(m: Readonly<FuzzModel>, slot: number, gen: number): boolean {
  return upSlot(m, slot)?.generation === gen;
}

export function nextRequest(s: UpSlot): number {
  return s.nextRequest++;
}

/** Live registrations of a procedure. */
export function liveRegs(m: Readonly<FuzzModel>, proc: number): RegModel[] {
  return m.regs.filter((r) => r.live && r.proc === proc);
}

/** Does the session at `slot` hold a live registration with this ID? */
export function holdsReg(m: Readonly<FuzzModel>, slot: number, id: number): boolean {
  const s = upSlot(m, slot);
  return s !== undefined && m.regs.some((r) => r.live && r.generation === s.generation && r.id === id);
}

export function holdsSub(m: Readonly<FuzzModel>, slot: number, id: number): boolean {
  const s = upSlot(m, slot);
  return s !== undefined && m.subs.some((r) => r.live && r.generation === s.generation && r.id === id);
}

/** Read the feature flags of WELCOME.Details.roles.<role>.features. */
export function featuresOf(details: Dict): RouterFeatures {
  const roles = details['roles'];
  const flag = (role: string, feature: string): boolean => {
    if (typeof roles !== 'object' || roles === null) return false;
    const r = (roles as Record<string, unknown>)[role];
    if (typeof r !== 'object' || r === null) return false;
    const f = (r as Record<string, unknown>)['features'];
    return typeof f === 'object' && f !== null && (f as Record<string, unknown>)[feature] === true;
  };
  return {
    callCanceling: flag('dealer', 'call_canceling'),
    publisherExclusion: flag('broker', 'publisher_exclusion'),
    blackWhiteListing: flag('broker', 'subscriber_blackwhite_listing'),
    sharedRegistration: flag('dealer', 'shared_registration'),
  };
}

/** The HELLO.Details every simulated session sends: all four roles, the features the commands may use. */
export const HELLO_DETAILS: Dict = Object.freeze({
  agent: 'wamp-fuzz',
  roles: {
    caller: { features: { call_canceling: true } },
    callee: { features: { call_canceling: true, shared_registration: true } },
    publisher: { features: { publisher_exclusion: true, subscriber_blackwhite_listing: true } },
    subscriber: { features: {} },
  },
});

// ---------------------------------------------------------------------------
// Payloads

export interface Payload {
  readonly args: readonly unknown[];
  readonly kwargs: Dict;
}

/** Arguments with the marker first, so that the forwarded message can be recognised. */
export function markedArgs(marker: number, p: Payload): unknown[] {
  return [marker, ...p.args];
}

/** The marker of a forwarded payload, or undefined. */
export function markerOf(msg: Message): number | undefined {
  if (!('args' in msg) || msg.args === undefined) return undefined;
  const first = msg.args[0];
  return typeof first === 'number' ? first : undefined;
}

/** Compare a forwarded payload with what was sent; an absent Arguments/ArgumentsKw equals an empty one. */
export function payloadDiff(msg: Message, args: readonly unknown[], kwargs: Dict): string | undefined {
  const got = 'args' in msg ? (msg.args ?? []) : [];
  const gotKw = 'kwargs' in msg ? (msg.kwargs ?? {}) : {};
  if (!wampEqual(got, args)) return `Arguments ${show(got)} differ from the ${show(args)} sent`;
  if (!wampEqual(gotKw, kwargs)) return `ArgumentsKw ${show(gotKw)} differ from the ${show(kwargs)} sent`;
  return undefined;
}

// ---------------------------------------------------------------------------
// Expectation builders

const isMsg = (ev: Inbound, type: number): ev is { kind: 'message'; msg: Message } => ev.kind === 'message' && ev.msg.type === type;

/** An ERROR answering request `request` of type `requestType` at `slot`; `uri` undefined accepts any error URI. */
export function expectError(
  slot: number,
  requestType: number,
  request: number,
  uri: string | readonly string[] | undefined,
  what: string,
  extra?: (msg: Extract<Message, { type: typeof MessageType.ERROR }>) => string | undefined,
  onMatch?: () => void,
  spec?: string,
): Expectation {
  const uris = uri === undefined ? undefined : typeof uri === 'string' ? [uri] : uri;
  return {
    what,
    slots: [slot],
    required: true,
    ...(spec === undefined ? {} : { spec }),
    match(ev) {
      if (!isMsg(ev, MessageType.ERROR)) return 'no';
      const msg = ev.msg as Extract<Message, { type: typeof MessageType.ERROR }>;
      if (msg.requestType !== requestType || msg.request !== request) return 'no';
      if (uris !== undefined && !uris.includes(msg.error)) return `error URI ${msg.error}, expected ${uris.join(' or ')}`;
      return extra?.(msg) ?? 'ok';
    },
    ...(onMatch === undefined ? {} : { onMatch: () => onMatch() }),
  };
}

/** A reply of `type` (REGISTERED, SUBSCRIBED, ...) to `request` at `slot`. */
export function expectReply<T extends Message>(
  slot: number,
  type: T['type'],
  request: number,
  what: string,
  check: (msg: T) => Verdict,
  onMatch: (msg: T) => void,
): Expectation {
  return {
    what,
    slots: [slot],
    required: true,
    match(ev) {
      if (!isMsg(ev, type)) return 'no';
      const msg = ev.msg as T;
      if ((msg as unknown as { request: number }).request !== request) return 'no';
      return check(msg);
    },
    onMatch(ev) {
      if (ev.kind === 'message') onMatch(ev.msg as T);
    },
  };
}

/** ABORT `wamp.error.protocol_violation` at `slot`. The router may close the transport after it. */
export function expectAbort(h: Harness, slot: number, what: string, spec: string, onMatch: () => void): Expectation {
  return {
    what,
    slots: [slot],
    required: true,
    spec,
    match(ev) {
      if (ev.kind === 'closed') return 'the router closed the connection without sending ABORT first';
      if (ev.msg.type !== MessageType.ABORT) return 'no';
      if (ev.msg.reason !== ErrorUri.PROTOCOL_VIOLATION) return `ABORT reason ${ev.msg.reason}, expected ${ErrorUri.PROTOCOL_VIOLATION}`;
      return 'ok';
    },
    onMatch() {
      h.allowClose(slot);
      onMatch();
    },
  };
}

/**
 * The effects of the end of the session at `slot` (GOODBYE, ABORT, or a lost
 * transport), registered before the cause is sent so that replies at other
 * sessions are expected whatever order they arrive in. With `tentative`, the
 * expectations start optional and {@link SessionEnd.confirm} makes them
 * required (for mutants the router may answer with either ERROR or ABORT).
 */
export interface SessionEnd {
  /** The session did end: apply the model changes, require the replies. */
  confirm(): void;
  /** The session goes on: withdraw the expectations. */
  cancel(): void;
}

export function prepareSessionEnd(m: FuzzModel, h: Harness, slot: number, tentative: boolean): SessionEnd {
  const s = upSlot(m, slot);
  if (s === undefined) throw new Error(`fuzzer bug: slot ${slot} is not up`);
  const gen = s.generation;
  const pending: { e: Expectation; apply?: () => void }[] = [];
  const actions: (() => void)[] = [];

  for (const c of m.calls) {
    if (c.calleeGeneration === gen && c.outstanding && (c.state === 'invoked' || c.state === 'kill-pending')) {
      // Basic profile, "Callee Leaving During an RPC Invocation": the Dealer SHALL
      // return an ERROR to the Caller (the URI is spelt two ways in the spec).
      if (c.callerGeneration !== gen && isUp(m, c.callerSlot, c.callerGeneration)) {
        const e = expectError(
          c.callerSlot,
          MessageType.CALL,
          c.request,
          undefined,
          `ERROR for CALL ${c.request} of slot ${c.callerSlot}, whose callee (slot ${slot}) left`,
          undefined,
          undefined,
          'basic profile, "Callee Leaving During an RPC Invocation": "the Dealer SHALL return an ERROR message back to the Caller"',
        );
        (e as { required: boolean }).required = !tentative;
        pending.push({ e });
      }
      actions.push(() => {
        c.state = 'done';
        c.outstanding = false;
        h.retire(c.interrupt);
        c.interrupt = undefined;
      });
    }
    if (c.callerGeneration === gen && c.calleeGeneration !== gen && c.outstanding) {
      // "Caller Leaving During an RPC Invocation": an INTERRUPT (killnowait) to
      // the callee is allowed, not required; its answer is discarded.
      // Whatever the call's state (a cancel may have sent one INTERRUPT already), the
      // invocation is still open, so the rule applies.
      if (isUp(m, c.calleeSlot, c.calleeGeneration) && c.interrupt === undefined) {
        const e = expectInterrupt(c, `INTERRUPT for the invocation of slot ${c.callerSlot}'s CALL ${c.request}, whose caller left`, false);
        pending.push({ e, apply: () => (c.interrupt = e) });
      }
      actions.push(() => {
        if (c.state === 'invoked' || c.state === 'kill-pending') c.state = 'orphaned';
      });
    }
  }
  for (const p of pending) h.expect(p.e);
  return {
    confirm() {
      for (const p of pending) {
        (p.e as { required: boolean }).required = p.apply === undefined;
        p.apply?.();
      }
      for (const a of actions) a();
      for (const r of m.regs) if (r.generation === gen) r.live = false;
      for (const r of m.subs) if (r.generation === gen) r.live = false;
      m.slots[slot] = { tag: 'down', lastSessionId: s.sessionId };
    },
    cancel() {
      for (const p of pending) h.retire(p.e);
    },
  };
}

/** An INTERRUPT for the invocation of call `c`, at its callee. */
export function expectInterrupt(c: CallModel, what: string, required: boolean): Expectation {
  return {
    what,
    slots: [c.calleeSlot],
    required,
    match(ev) {
      if (!isMsg(ev, MessageType.INTERRUPT)) return 'no';
      return (ev.msg as { request: number }).request === c.invocationRequest ? 'ok' : 'no';
    },
  };
}

/** Check that `marker` arrives after every earlier marker on the ordered pair (receiver, sender). */
export function checkOrder(m: FuzzModel, kind: 'event' | 'invocation', receiverGen: number, senderGen: number, marker: number): string | undefined {
  // Events and invocations are ordered separately: the profile orders each kind, not the two together.
  const key = `${kind}:${receiverGen}:${senderGen}`;
  const last = m.lastSeen.get(key);
  if (last !== undefined && last > marker) return `arrived after the later message with marker ${last} from the same sender`;
  m.lastSeen.set(key, marker);
  return undefined;
}
