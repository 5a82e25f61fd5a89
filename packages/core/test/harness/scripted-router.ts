// A scripted router for the sans-IO ClientSession: the test plays the router
// by feeding wire arrays and reading back the exact wire arrays the client
// sent, on a virtual clock. No transport, no real time.

import {
  ClientSession,
  jsonSerializer,
  type ClientEvent,
  type ClientSessionOptions,
  type Dict,
  type Frame,
  type Serializer,
} from '@wamp/core';

/** WELCOME.Details.roles of a router that implements every feature the client uses. */
export const FULL_ROUTER_ROLES: Dict = {
  broker: {
    features: {
      pattern_based_subscription: true,
      publisher_exclusion: true,
      publisher_identification: true,
      subscriber_blackwhite_listing: true,
      subscription_revocation: true,
      event_retention: true,
    },
  },
  dealer: {
    features: {
      call_canceling: true,
      call_timeout: true,
      caller_identification: true,
      pattern_based_registration: true,
      progressive_call_results: true,
      progressive_call_invocations: true,
      registration_revocation: true,
      shared_registration: true,
    },
  },
};

/** A dealer and broker that announce no advanced feature (basic profile). */
export const BASIC_ROUTER_ROLES: Dict = { broker: {}, dealer: {} };

export type Wire = unknown[];

export interface HarnessOptions extends Partial<ClientSessionOptions> {
  /** Keep `trace` events in `events()`; they are filtered out by default. */
  readonly keepTrace?: boolean;
}

export class ScriptedRouter {
  readonly session: ClientSession;
  readonly serializer: Serializer;
  now = 0;
  private sentQueue: Wire[] = [];
  private eventQueue: ClientEvent[] = [];
  private readonly keepTrace: boolean;

  constructor(options: HarnessOptions = {}) {
    this.serializer = options.serializer ?? jsonSerializer;
    this.keepTrace = options.keepTrace === true;
    this.session = new ClientSession({ agent: 'test-agent', ...options, serializer: this.serializer });
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
  run<T>(command: (s: ClientSession, now: number) => T): T {
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
