// ClientSession cores wired to a Router core in memory, on a virtual clock
// (STYLE §8): bytes are shuttled until both sides are idle, and `advance()`
// moves the clock to each deadline of either side in turn.

import {
  ClientSession,
  Router,
  jsonSerializer,
  seededRandomId,
  type ClientEvent,
  type ClientSessionOptions,
  type RouterSession,
  type Serializer,
} from '@wamp/core';

export const T0 = 1_700_000_000_000;

export class Peer {
  readonly events: ClientEvent[] = [];

  constructor(
    readonly net: Net,
    readonly core: ClientSession,
    readonly routerSide: RouterSession,
  ) {}

  /** Run a command on the client core, then shuttle until idle. */
  run<T>(command: (s: ClientSession, now: number) => T): T {
    const out = command(this.core, this.net.now);
    this.net.flush();
    return out;
  }

  /** Events since the last take (warnings included). */
  take(): ClientEvent[] {
    return this.events.splice(0);
  }

  /** The one event of `type` since the last take; fails if there is not exactly one. */
  one<T extends ClientEvent['type']>(type: T): Extract<ClientEvent, { type: T }> {
    const got = this.take().filter((e) => e.type === type);
    if (got.length !== 1) throw new Error(`expected one ${type} event, got ${got.length}`);
    return got[0] as Extract<ClientEvent, { type: T }>;
  }

  dropTransport(): void {
    this.routerSide.handleTransportClosed(this.net.now);
    this.core.handleTransportClosed();
    this.net.flush();
  }
}

export class Net {
  now = T0;
  readonly router: Router;
  private readonly peers: Peer[] = [];

  constructor(config: unknown = { realms: [{ name: 'realm1' }] }, seed = 1) {
    this.router = new Router(config, { randomId: seededRandomId(seed) });
  }

  /** A client core on a fresh router session, joined to `realm`. */
  join(realm = 'realm1', options: Partial<ClientSessionOptions> = {}, serializer: Serializer = jsonSerializer): Peer {
    const core = new ClientSession({ serializer, ...options });
    const routerSide = this.router.openSession({ transport: 'internal', serializer, peer: 'test' }, this.now);
    const peer = new Peer(this, core, routerSide);
    this.peers.push(peer);
    peer.run((s, now) => s.join({ realm }, now));
    const joined = peer.take().find((e) => e.type === 'joined');
    if (joined === undefined) throw new Error('the client was not welcomed');
    return peer;
  }

  /** Shuttle frames both ways until neither side has anything to send. */
  flush(): void {
    for (let moved = true; moved; ) {
      moved = false;
      for (const p of this.peers) {
        for (let f = p.core.pollTransmit(); f !== undefined; f = p.core.pollTransmit()) {
          moved = true;
          p.routerSide.handleMessage(f, this.now);
        }
        for (let e = p.core.pollEvent(); e !== undefined; e = p.core.pollEvent()) p.events.push(e);
      }
      for (let s = this.router.pollReady(); s !== undefined; s = this.router.pollReady()) {
        const p = this.peers.find((x) => x.routerSide === s);
        for (let f = s.pollTransmit(); f !== undefined; f = s.pollTransmit()) {
          moved = true;
          p?.core.handleMessage(f, this.now);
        }
        if (s.pollClose() !== undefined) p?.core.handleTransportClosed();
      }
      for (let e = this.router.pollEvent(); e !== undefined; e = this.router.pollEvent()) void e;
    }
    for (const p of this.peers) for (let e = p.core.pollEvent(); e !== undefined; e = p.core.pollEvent()) p.events.push(e);
  }

  /** Move the clock by `ms`, stopping at each deadline of the router or a client. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const deadlines = [this.router.pollTimeout(), ...this.peers.map((p) => p.core.pollTimeout())].filter(
        (d): d is number => d !== undefined && d <= target,
      );
      if (deadlines.length === 0) break;
      this.now = Math.max(this.now, Math.min(...deadlines));
      this.router.handleTimeout(this.now);
      for (const p of this.peers) p.core.handleTimeout(this.now);
      this.flush();
    }
    this.now = target;
  }
}
