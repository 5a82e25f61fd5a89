// Test harness for @wamp/client: a scripted router on the far end of a
// memory transport, and a virtual clock injected as the client's timers.

import { expect } from 'vitest';
import { jsonSerializer, type Dict, type Serializer } from '@wamp/core';
import {
  Session,
  memoryTransportPair,
  type Clock,
  type JoinOptions,
  type MemoryTransport,
  type MemoryTransportOptions,
  type Timers,
} from '@wamp/client';
import { FULL_ROUTER_ROLES, routerRolesWithout } from '../../core/test/kit/roles.js';

export type Wire = unknown[];

export { FULL_ROUTER_ROLES, routerRolesWithout };

/** Lets every pending promise job run (setImmediate comes after the microtask queue). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Timers and a clock that only move when told to: `advance(ms)` runs each
 * due callback at its own time, letting promise jobs run in between.
 */
export class VirtualTime implements Timers {
  now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();
  readonly clock: Clock = () => this.now;

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Delays of the timers now armed, relative to now, in arming order. */
  armed(): number[] {
    return [...this.pending.values()].map((t) => t.at - this.now);
  }

  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].at <= target && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.pending.delete(next[0]);
      this.now = next[1].at;
      next[1].callback();
    }
    this.now = target;
    await settle();
  }
}

/** The router's end of a memory transport, played by the test. */
export class RouterPeer {
  readonly received: Wire[] = [];
  closed = false;
  private readonly waiters: ((w: Wire) => void)[] = [];

  constructor(
    readonly transport: MemoryTransport,
    readonly serializer: Serializer = jsonSerializer,
  ) {
    transport.onFrame = (frame) => {
      const wire = serializer.decode(frame) as Wire;
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter(wire);
      else this.received.push(wire);
    };
    transport.onClose = () => {
      this.closed = true;
    };
  }

  send(wire: Wire): void {
    this.transport.send(this.serializer.encode(wire));
  }

  /** The next message from the client (fails the test after 2 s of real time). */
  next(): Promise<Wire> {
    const queued = this.received.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message from the client within 2 s')), 2000);
      this.waiters.push((w) => {
        clearTimeout(timer);
        resolve(w);
      });
    });
  }

  /** Messages received and not yet taken. */
  take(): Wire[] {
    return this.received.splice(0);
  }
}

export interface Connected {
  readonly session: Session;
  readonly router: RouterPeer;
  readonly time: VirtualTime;
  readonly hello: Wire;
  readonly warnings: string[];
}

/** A session joined to a scripted router (HELLO answered by WELCOME). */
export async function connected(
  options: Partial<JoinOptions> = {},
  welcome: Dict = {},
  transportOptions: MemoryTransportOptions = {},
): Promise<Connected> {
  const [client, routerEnd] = memoryTransportPair(jsonSerializer, transportOptions);
  const router = new RouterPeer(routerEnd);
  const time = new VirtualTime();
  const warnings: string[] = [];
  const joining = Session.join(client, {
    realm: 'realm1',
    timers: time,
    clock: time.clock,
    onWarning: (m) => warnings.push(m),
    ...options,
  });
  const hello = await router.next();
  expect(hello[0]).toBe(1);
  router.send([2, 1234, { roles: FULL_ROUTER_ROLES, authid: 'anon', authrole: 'anonymous', authmethod: 'anonymous', ...welcome }]);
  const session = await joining;
  return { session, router, time, hello, warnings };
}

/** Track a promise's settlement without awaiting it. */
export function track<T>(p: Promise<T>): { readonly state: 'pending' | 'resolved' | 'rejected'; readonly value?: T; readonly error?: unknown } {
  const t: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
  p.then(
    (v) => {
      t.state = 'resolved';
      t.value = v;
    },
    (e: unknown) => {
      t.state = 'rejected';
      t.error = e;
    },
  );
  return t;
}
