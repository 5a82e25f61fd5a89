// An in-memory cluster for router tests: several Router nodes joined by a
// simulated bus on one virtual clock, and a simulated consistent store (what a
// JetStream KV bucket gives the NATS adapter). The bus keeps each link (from →
// to) in order, as NATS does per connection, and can delay messages (seeded),
// cut links (partitions) and lose a node without a word (a crash). Every
// input is followed by `flush()`, which delivers until the bus is quiet,
// moving the clock to each delivery, so a test reads like one on a single
// router; a failing seed replays exactly.

import {
  Router,
  decodeMessage,
  jsonSerializer,
  seededRandomId,
  type ClaimValue,
  type ClusterEnvelope,
  type Dict,
  type RouterEvent,
  type RouterSession,
  type Serializer,
  type SessionInfo,
} from '@wamp/core';
import { T0, TestClient, joinOn, type ClientNet, type JoinOptions } from './router-net.js';

export interface ClusterNetOptions {
  /** Node names (default a, b, c). */
  readonly nodes?: readonly string[];
  readonly seed?: number;
  /** Each bus message takes 0..maxDelay ms (seeded; order per link is kept). */
  readonly maxDelay?: number;
  readonly heartbeatMs?: number;
  readonly nodeTimeoutMs?: number;
}

interface Node {
  readonly name: string;
  router: Router;
  alive: boolean;
  readonly clients: Map<RouterSession, TestClient>;
  readonly events: RouterEvent[];
}

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly to: string;
  readonly env: ClusterEnvelope;
}

export class ClusterNet implements ClientNet {
  now = T0;
  readonly nodes = new Map<string, Node>();
  /** The simulated store: key → value. */
  readonly store = new Map<string, ClaimValue>();
  /** Envelopes delivered, per receiving node (for interest-based routing checks). */
  readonly delivered = new Map<string, ClusterEnvelope[]>();
  private readonly config: unknown;
  private readonly opts: ClusterNetOptions;
  private bus: InFlight[] = [];
  private seq = 0;
  private readonly linkTail = new Map<string, number>();
  private readonly cut = new Set<string>();
  private rng: number;
  private restarts = 0;
  private flushing = false;

  constructor(config: unknown, opts: ClusterNetOptions = {}) {
    this.config = config;
    this.opts = opts;
    this.rng = opts.seed ?? 7;
    for (const name of opts.nodes ?? ['a', 'b', 'c']) this.start(name);
    this.flush();
  }

  /** Start (or restart) node `name`: a new router, a new incarnation, connected to the bus. */
  start(name: string): Router {
    const router = Router.fromConfig(this.config, {
      randomId: seededRandomId((this.opts.seed ?? 1) * 1000 + name.charCodeAt(0) * 10 + this.restarts++),
      cluster: { node: name, heartbeatMs: this.opts.heartbeatMs ?? 500, nodeTimeoutMs: this.opts.nodeTimeoutMs ?? 2500 },
    });
    const node: Node = { name, router, alive: true, clients: new Map(), events: [] };
    this.nodes.set(name, node);
    router.handleBusState(true, this.now);
    return router;
  }

  node(name: string): Node {
    const n = this.nodes.get(name);
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  }

  router(name: string): Router {
    return this.node(name).router;
  }

  /** Kill node `name` without a word: nothing more leaves it or reaches it, its clients are cut off. */
  crash(name: string): void {
    const n = this.node(name);
    n.alive = false;
    this.bus = this.bus.filter((m) => m.to !== name && m.env.from !== name);
  }

  /** Cut (or mend) the bus between two nodes, both ways. */
  partition(a: string, b: string, cut = true): void {
    for (const k of [`${a}>${b}`, `${b}>${a}`]) {
      if (cut) this.cut.add(k);
      else this.cut.delete(k);
    }
  }

  /** Tell node `name` its bus connection went down or came back. */
  busState(name: string, up: boolean): void {
    this.router(name).handleBusState(up, this.now);
    this.flush();
  }

  connect(name: string, serializer: Serializer = jsonSerializer, info: Partial<SessionInfo> = {}): TestClient {
    const n = this.node(name);
    const session = n.router.openSession({ transport: 'websocket', serializer, peer: 'test', ...info }, this.now);
    const c = new TestClient(this, session, serializer);
    n.clients.set(session, c);
    return c;
  }

  /** Connect to node `name` and join; the client must be welcomed. */
  join(name: string, opts: JoinOptions = {}): TestClient {
    return joinOn(this.connect(name, opts.serializer, opts.info), opts);
  }

  /** Drain every node and deliver the bus until it is quiet (the clock moves to each delivery). */
  flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let guard = 0; ; guard++) {
        if (guard > 100_000) throw new Error('the cluster does not settle');
        this.drainAll();
        const next = this.bus[0];
        if (next === undefined) return;
        if (next.at > this.now) this.tick(next.at);
        this.deliverDue();
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Move the clock by `ms`, firing deadlines and deliveries in time order, then settle. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      this.flush();
      const t = this.nextTimer();
      if (t === undefined || t > end) break;
      this.tick(t);
    }
    this.now = end;
    this.flush();
  }

  /** Events of one type from node `name`, removed from its log. */
  takeEvents<T extends RouterEvent['type']>(name: string, type: T): Extract<RouterEvent, { type: T }>[] {
    const ev = this.node(name).events;
    const out: Extract<RouterEvent, { type: T }>[] = [];
    for (let i = 0; i < ev.length; ) {
      const e = ev[i]!;
      if (e.type === type) {
        out.push(e as Extract<RouterEvent, { type: T }>);
        ev.splice(i, 1);
      } else i++;
    }
    return out;
  }

  /**
   * Every live node's view of a realm, for "the meta API agrees everywhere"
   * checks (lists sorted; a registration's callees keep their order, which
   * must agree too).
   */
  views(realm = 'realm1'): Dict {
    const out: Dict = {};
    for (const n of this.nodes.values()) {
      if (!n.alive) continue;
      const v = n.router.inspect(realm)!;
      out[n.name] = {
        ...v,
        sessions: [...v.sessions].sort((x, y) => x - y),
        registrations: [...v.registrations].sort((x, y) => x.id - y.id),
        subscriptions: [...v.subscriptions].map((s) => ({ ...s, subscribers: [...s.subscribers].sort((x, y) => x - y) })).sort((x, y) => x.id - y.id),
      };
    }
    return out;
  }

  // -------------------------------------------------------------------------

  private nextTimer(): number | undefined {
    let t: number | undefined;
    for (const n of this.nodes.values()) {
      if (!n.alive) continue;
      const d = n.router.pollTimeout();
      if (d !== undefined && (t === undefined || d < t)) t = d;
    }
    return t;
  }

  /** Set the clock to `t` and fire every node's deadlines up to it. */
  private tick(t: number): void {
    this.now = Math.max(this.now, t);
    for (const n of this.nodes.values()) if (n.alive) n.router.handleTimeout(this.now);
    this.drainAll();
  }

  private deliverDue(): void {
    while (this.bus.length > 0 && this.bus[0]!.at <= this.now) {
      const m = this.bus.shift()!;
      const n = this.nodes.get(m.to);
      if (n === undefined || !n.alive) continue;
      let log = this.delivered.get(m.to);
      if (log === undefined) this.delivered.set(m.to, (log = []));
      log.push(m.env);
      n.router.handleCluster(m.env, this.now);
      this.drain(n);
    }
  }

  private drainAll(): void {
    for (const n of this.nodes.values()) if (n.alive) this.drain(n);
  }

  private drain(n: Node): void {
    const router = n.router;
    for (let again = true; again; ) {
      again = false;
      for (let s = router.pollReady(); s !== undefined; s = router.pollReady()) {
        const c = n.clients.get(s);
        for (let f = s.pollTransmit(); f !== undefined; f = s.pollTransmit()) {
          if (c !== undefined) c.inbox.push(decodeMessage(c.serializer, f));
        }
        const close = s.pollClose();
        if (close !== undefined && c !== undefined) c.closed = close;
      }
      for (let e = router.pollEvent(); e !== undefined; e = router.pollEvent()) n.events.push(e);
      for (let o = router.pollCluster(); o !== undefined; o = router.pollCluster()) {
        again = true;
        if (o.kind === 'send') this.post(n.name, o.envelope);
        else {
          const rq = o.request;
          if (rq.op === 'create') {
            const existing = this.store.get(rq.key);
            if (existing === undefined) this.store.set(rq.key, rq.value);
            router.handleStoreResult(rq.id, existing === undefined ? { ok: true } : { ok: false, existing }, this.now);
          } else {
            const existing = this.store.get(rq.key);
            const ok = existing !== undefined && existing.node === rq.owner && (rq.inc === undefined || existing.inc === rq.inc);
            if (ok) this.store.delete(rq.key);
            router.handleStoreResult(rq.id, { ok }, this.now);
          }
        }
      }
    }
  }

  private post(from: string, env: ClusterEnvelope): void {
    const targets = env.to !== undefined ? [env.to] : [...this.nodes.keys()].filter((k) => k !== from);
    for (const to of targets) {
      const link = `${from}>${to}`;
      if (this.cut.has(link)) continue;
      const delay = this.opts.maxDelay === undefined ? 0 : this.random() % (this.opts.maxDelay + 1);
      // Per-link order, as NATS keeps per connection.
      const at = Math.max(this.now + delay, this.linkTail.get(link) ?? 0);
      this.linkTail.set(link, at);
      const m: InFlight = { at, seq: this.seq++, to, env };
      // Keep the bus sorted by (at, seq).
      let i = this.bus.length;
      while (i > 0 && (this.bus[i - 1]!.at > at || (this.bus[i - 1]!.at === at && this.bus[i - 1]!.seq > m.seq))) i--;
      this.bus.splice(i, 0, m);
    }
  }

  private random(): number {
    // xorshift32: seeded, so a failing run replays.
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }
}
