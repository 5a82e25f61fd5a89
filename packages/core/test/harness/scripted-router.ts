// A scripted router for the sans-IO ClientSession: the test plays the router
// by feeding wire arrays and reading back the exact wire arrays the client
// sent, on a virtual clock. No transport, no real time.

import { expect } from 'vitest';
import {
  ClientSession,
  type LeanClientSession,
  jsonSerializer,
  type ClientEvent,
  type ClientSessionOptions,
  type Dict,
  type Frame,
  type Serializer,
} from '@wamp/core';
import { FULL_ROUTER_ROLES } from '../kit/roles.js';

export { BASIC_ROUTER_ROLES, FULL_ROUTER_ROLES } from '../kit/roles.js';

export type Wire = unknown[];

export interface HarnessOptions extends Partial<ClientSessionOptions> {
  /** Keep `trace` events in `events()`; they are filtered out by default. */
  readonly keepTrace?: boolean;
}

/**
 * `S` is the session class under test: `ClientSession` (the default), or
 * `LeanClientSession` (pass `(o) => new LeanClientSession(o)`) to test the
 * session without its callee side.
 */
export class ScriptedRouter<S extends LeanClientSession = ClientSession> {
  readonly session: S;
  readonly serializer: Serializer;
  now = 0;
  private sentQueue: Wire[] = [];
  private eventQueue: ClientEvent[] = [];
  private readonly keepTrace: boolean;

  constructor(options: HarnessOptions = {}, make: (o: ClientSessionOptions) => S = (o) => new ClientSession(o) as unknown as S) {
    this.serializer = options.serializer ?? jsonSerializer;
    this.keepTrace = options.keepTrace === true;
    this.session = make({ agent: 'test-agent', ...options, serializer: this.serializer });
  }

  /** Drain the session's outputs, as the class doc says to after every input. */
  drain(): void {
    for (let f = this.session.pollTransmit(); f !== undefined; f = this.session.pollTransmit()) {
      this.sentQueue.push(this.serializer.decode(f) as Wire);
    }
    for (let e = this.session.pollEvent(); e !== undefined; e = this.session.pollEvent()) {
      if (e.type === 'trace' && !this.keepTrace) continue;
      this.eventQueue.push(e);
    }
  }

  /** Deliver one router message to the client. */
  recv(wire: Wire): void {
    this.recvFrame(this.serializer.encode(wire));
  }

  /** Deliver raw bytes or text to the client. */
  recvFrame(frame: Frame): void {
    this.session.handleMessage(frame, this.now);
    this.drain();
  }

  /** Run an application command, then drain. */
  run<T>(command: (s: S, now: number) => T): T {
    const out = command(this.session, this.now);
    this.drain();
    return out;
  }

  /** Advance the virtual clock by `ms`, firing each deadline at its own time. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (let d = this.session.pollTimeout(); d !== undefined && d <= target; d = this.session.pollTimeout()) {
      this.now = Math.max(this.now, d);
      this.session.handleTimeout(this.now);
      this.drain();
    }
    this.now = target;
  }

  /** The wire arrays sent since the last call. */
  sent(): Wire[] {
    const out = this.sentQueue;
    this.sentQueue = [];
    return out;
  }

  /** The events produced since the last call. */
  events(): ClientEvent[] {
    const out = this.eventQueue;
    this.eventQueue = [];
    return out;
  }

  /** join → HELLO → WELCOME, leaving the session established with empty queues. */
  establish(welcome: { session?: number; roles?: Dict; details?: Dict; realm?: string } = {}): void {
    this.run((s, now) => s.join({ realm: welcome.realm ?? 'realm1' }, now));
    this.recv([2, welcome.session ?? 9129137332, { roles: welcome.roles ?? FULL_ROUTER_ROLES, ...welcome.details }]);
    this.sent();
    this.events();
  }
}

/** A scripted router whose session is established (WELCOME with `roles`), queues empty. */
export function joined(roles: Dict = FULL_ROUTER_ROLES, options: HarnessOptions = {}): ScriptedRouter {
  const r = new ScriptedRouter(options);
  r.establish({ roles });
  return r;
}

/** An established session holding registration 100 for `com.p` (request 1), queues empty. */
export function registered(): ScriptedRouter {
  const r = joined();
  r.run((s) => s.register('com.p'));
  r.recv([65, 1, 100]);
  r.sent();
  r.events();
  return r;
}

/** An established session subscribed to `com.t` as subscription 300 (request 1), queues empty. */
export function subscribed(): ScriptedRouter {
  const r = joined();
  r.run((s) => s.subscribe('com.t'));
  r.recv([33, 1, 300]);
  r.sent();
  r.events();
  return r;
}

/**
 * The router's last message was a protocol violation: the client sent exactly
 * ABORT wamp.error.protocol_violation with `reason`, and closed itself (state
 * and `closed` event, initiator client).
 */
export function violation(r: ScriptedRouter<LeanClientSession>, reason: string): void {
  expect(r.sent()).toEqual([[3, { message: reason }, 'wamp.error.protocol_violation']]);
  expect(r.session.state).toMatchObject({ tag: 'closed', close: { reason: 'wamp.error.protocol_violation', message: reason } });
  const closed = r.events().find((e) => e.type === 'closed');
  expect(closed).toMatchObject({ reason: 'wamp.error.protocol_violation', message: reason, initiator: 'client' });
}
