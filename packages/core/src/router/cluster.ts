/**
 * One router node's part in a cluster (see `cluster-protocol.ts` for what
 * crosses the bus and the adapter's contract).
 *
 * - **Replicas.** A session of another node is a {@link Peer} here too, with
 *   `home` set and a {@link RemoteLink} as its session: the broker, dealer and
 *   meta API treat it like any other (it is a subscriber, a callee, counted
 *   and listed), while messages "sent" to it are relayed to its node.
 * - **Meta events are local.** Every node publishes the meta events of every
 *   change it learns of, to its own subscribers only; so each subscriber gets
 *   each meta event exactly once, whichever node made the change, and a dead
 *   node's sessions still produce `on_leave` and their testaments.
 * - **Barriers.** REGISTERED and SUBSCRIBED are sent only when every live node
 *   has acknowledged the change: once a client holds them, a CALL or PUBLISH on
 *   any node sees the registration or subscription.
 * - **Membership.** Each node says it is alive every `heartbeatMs`; one silent
 *   for `nodeTimeoutMs` is dead: its replicas leave (callers waiting on its
 *   callees get `wamp.error.canceled`), its sessions' testaments are published
 *   here to local subscribers, and claims it held are released. A node heard
 *   for the first time (or under a new incarnation) exchanges full state.
 */

import { ErrorUri } from '../errors.js';
import { MessageType, error, interrupt, invocation, yield_, type ErrorMsg, type Message, type Yield } from '../wire/messages.js';
import { jsonSerializer } from '../wire/serializers/json.js';
import type { Serializer } from '../wire/serializers/serializer.js';
import type { Dict, Frame } from '../types.js';
import type { MatchPolicy } from '../uri.js';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_NODE_TIMEOUT_MS,
  SYNC_PART_SESSIONS,
  claimKey,
  type CalleeOrder,
  type ClaimValue,
  type ClusterEnvelope,
  type ClusterMessage,
  type ClusterOptions,
  type ClusterOutput,
  type RealmState,
  type RegistrationRecord,
  type RetainedRecord,
  type SessionRecord,
  type StoreRequest,
  type StoreResult,
  type SubscriptionRecord,
} from './cluster-protocol.js';
import type { HasDeadline } from '../deadlines.js';
import { Peer, type ClusterHooks, type PeerSession, type Testament } from './peer.js';
import type { Realm } from './realm.js';

/** The router as the cluster sees it (implemented by `Router`). */
export interface ClusterHost {
  realmByName(name: string): Realm | undefined;
  readonly realmList: readonly Realm[];
  random(): number;
  schedule(item: HasDeadline & { onDeadline(now: number): void }, at: number): void;
  /** A session ID of another node is in use (so no local session gets it). */
  reserveSessionId(id: number): void;
  releaseSessionId(id: number): void;
  clusterWarning(message: string): void;
}

interface Member {
  inc: number;
  lastHeard: number;
}

interface Barrier {
  readonly waiting: Set<string>;
  readonly done: () => void;
}

/** An invocation relayed from another node to a local callee. */
export interface RelayedInvocation {
  readonly node: string;
  /** The invocation ID the other node uses. */
  readonly id: number;
}

/** A session on another node, as its {@link Peer}'s session here. */
export class RemoteLink implements PeerSession {
  readonly serializer: Serializer = jsonSerializer;

  constructor(
    private readonly cluster: Cluster,
    readonly node: string,
    readonly realm: Realm,
    readonly sessionId: number,
    private readonly transport: Dict,
    /** The trust level of the session's transport on its own node. */
    readonly trustlevel: number | undefined,
  ) {}

  send(msg: Message): void {
    switch (msg.type) {
      case MessageType.INVOCATION:
        this.cluster.send(this.node, {
          t: 'inv',
          realm: this.realm.name,
          session: this.sessionId,
          id: msg.request,
          registration: msg.registration,
          args: msg.args,
          kwargs: msg.kwargs,
          details: msg.details,
        });
        return;
      case MessageType.INTERRUPT:
        this.cluster.send(this.node, { t: 'int', realm: this.realm.name, session: this.sessionId, id: msg.request, options: msg.options });
        return;
      case MessageType.UNREGISTERED:
      case MessageType.UNSUBSCRIBED: {
        // Revocation by the meta API here: the session's own node revokes it (and tells everyone).
        if (msg.request !== 0 || msg.details === undefined) return;
        const reason = typeof msg.details['reason'] === 'string' ? msg.details['reason'] : undefined;
        const isReg = msg.type === MessageType.UNREGISTERED;
        const id = msg.details[isReg ? 'registration' : 'subscription'];
        const target = typeof id === 'number' ? (isReg ? this.realm.dealer.byId.get(id) : this.realm.broker.byId.get(id)) : undefined;
        if (target === undefined) return;
        this.cluster.send(this.node, {
          t: 'revoke',
          realm: this.realm.name,
          session: this.sessionId,
          kind: isReg ? 'registration' : 'subscription',
          uri: target.uri,
          match: target.match,
          reason,
        });
        return;
      }
      default:
        // EVENTs reach remote subscribers through their node's own dispatch; nothing else is sent to a replica.
        return;
    }
  }

  sendFrame(_frame: Frame): void {
    // Replicas are skipped by the broker's local delivery.
  }

  violate(reason: string): void {
    this.cluster.warn(`node ${this.node}, session ${this.sessionId}: ${reason}`);
  }

  kill(reason: string, message: string | undefined, _now: number, announce: boolean): void {
    this.cluster.send(this.node, { t: 'kill', realm: this.realm.name, session: this.sessionId, reason, message, announce });
  }

  transportDetails(): Dict {
    return this.transport;
  }
}

export class Cluster implements HasDeadline, ClusterHooks {
  deadline: number | undefined = undefined;
  readonly node: string;
  readonly inc: number;
  readonly heartbeatMs: number;
  readonly nodeTimeoutMs: number;
  private readonly members = new Map<string, Member>();
  private readonly out: ClusterOutput[] = [];
  private outHead = 0;
  private readonly barriers = new Map<number, Barrier>();
  private lastBarrier = 0;
  private readonly storeWaits = new Map<number, (r: StoreResult, now: number) => void>();
  private lastStore = 0;
  private lastOrder = 0;
  /** `${node}/${session}/${id}` → the local invocation ID of a relayed invocation. */
  private readonly relayIndex = new Map<string, { readonly peer: Peer; readonly local: number }>();
  private up = false;
  private started = false;
  /** Nodes declared gone (and not heard from since): their claims in the store are stale. */
  private readonly lost = new Set<string>();
  /** Parts of a state exchange received so far, per node. */
  private readonly syncParts = new Map<string, RealmState[]>();

  constructor(
    private readonly host: ClusterHost,
    opts: ClusterOptions,
  ) {
    this.node = opts.node;
    this.inc = host.random();
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.nodeTimeoutMs = opts.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS;
  }

  /** Whether the bus is connected. */
  get connected(): boolean {
    return this.up;
  }

  /** The other nodes believed alive. */
  get liveNodes(): string[] {
    return [...this.members.keys()];
  }

  // -------------------------------------------------------------------------
  // Outputs

  poll(): ClusterOutput | undefined {
    if (this.outHead >= this.out.length) return undefined;
    const o = this.out[this.outHead++]!;
    if (this.outHead === this.out.length) {
      this.out.length = 0;
      this.outHead = 0;
    }
    return o;
  }

  /** @internal Send `m` to node `to`, or to every node when undefined. */
  send(to: string | undefined, m: ClusterMessage): void {
    this.out.push({ kind: 'send', envelope: { from: this.node, inc: this.inc, to, m } });
  }

  /** @internal */
  warn(message: string): void {
    this.host.clusterWarning(message);
  }

  // -------------------------------------------------------------------------
  // Inputs

  handleBusState(up: boolean, now: number): void {
    if (up === this.up) return;
    this.up = up;
    if (!this.started) {
      this.started = true;
      this.host.schedule(this, now + this.heartbeatMs);
    }
    for (const realm of this.host.realmList) {
      for (const p of realm.peers.values()) if (p.home !== undefined) p.reachable = up;
    }
    if (!up) {
      // Calls waiting on callees we cannot reach fail now rather than hang; barriers stop waiting.
      for (const realm of this.host.realmList) {
        for (const p of [...realm.peers.values()]) if (p.home !== undefined) realm.dealer.failRemoteInvocations(p, now, 'the cluster bus is down');
      }
      this.releaseBarriers();
      return;
    }
    for (const m of this.members.values()) m.lastHeard = now;
    // Others may have given us up meanwhile: tell everyone our state, and ask for theirs.
    this.sendSync(undefined, true);
  }

  onDeadline(now: number): void {
    this.host.schedule(this, now + this.heartbeatMs);
    if (!this.up) return;
    this.send(undefined, { t: 'hb' });
    for (const [node, m] of [...this.members]) {
      if (now - m.lastHeard > this.nodeTimeoutMs) this.nodeLost(node, now, 'silent');
    }
  }

  handle(env: ClusterEnvelope, now: number): void {
    if (env.from === this.node || (env.to !== undefined && env.to !== this.node)) return;
    let member = this.members.get(env.from);
    if (member !== undefined && member.inc !== env.inc) {
      this.nodeLost(env.from, now, 'restarted');
      member = undefined;
    }
    const m = env.m;
    if (member === undefined) {
      member = { inc: env.inc, lastHeard: now };
      this.members.set(env.from, member);
      this.lost.delete(env.from);
      if (!(m.t === 'sync' && m.reply)) this.sendSync(env.from, m.t !== 'sync');
    }
    member.lastHeard = now;
    this.apply(env.from, m, now);
  }

  handleStoreResult(id: number, result: StoreResult, now: number): void {
    const k = this.storeWaits.get(id);
    if (k === undefined) return;
    this.storeWaits.delete(id);
    k(result, now);
  }

  // -------------------------------------------------------------------------
  // From the local router: changes to replicate

  /** A position for a new local callee in the cluster-wide callee order. */
  nextOrder(now: number): CalleeOrder {
    return [now, this.node, ++this.lastOrder];
  }

  sessionJoined(peer: Peer): void {
    this.send(undefined, { t: 'join', realm: peer.realm.name, session: sessionRecord(peer) });
  }

  sessionLeft(peer: Peer, announce: boolean): void {
    this.dropRelayed(peer);
    this.send(undefined, { t: 'leave', realm: peer.realm.name, session: peer.id, announce });
  }

  registered(peer: Peer, r: RegistrationRecord, done: () => void): void {
    const b = this.barrier(done);
    this.send(undefined, { t: 'reg', realm: peer.realm.name, r, b });
  }

  unregistered(peer: Peer, uri: string, match: MatchPolicy): void {
    this.send(undefined, { t: 'unreg', realm: peer.realm.name, session: peer.id, uri, match });
  }

  subscribed(peer: Peer, s: SubscriptionRecord, done: () => void): void {
    const b = this.barrier(done);
    this.send(undefined, { t: 'sub', realm: peer.realm.name, s, b });
  }

  unsubscribed(peer: Peer, uri: string, match: MatchPolicy): void {
    this.send(undefined, { t: 'unsub', realm: peer.realm.name, session: peer.id, uri, match });
  }

  testamentsChanged(peer: Peer): void {
    this.send(undefined, {
      t: 'testament',
      realm: peer.realm.name,
      r: { session: peer.id, detached: [...peer.testaments.detached], destroyed: [...peer.testaments.destroyed] },
    });
  }

  /** Every node that is alive (a retained publication goes to all of them). */
  everyNode(): Iterable<string> {
    return this.members.keys();
  }

  /**
   * Claim (uri, match) in the store for a new registration. `k` gets
   * `{ ok: true }`, or the existing claim, or `unavailable`.
   */
  claim(realm: string, uri: string, match: MatchPolicy, invoke: string, k: (r: StoreResult, now: number) => void): void {
    const key = claimKey(realm, uri, match);
    const value: ClaimValue = { node: this.node, inc: this.inc, invoke };
    this.store({ op: 'create', key, value }, (r, now) => {
      const ex = r.ok ? undefined : r.existing;
      // A claim left by a node that is gone (another node may not have freed it yet, or it was an
      // earlier life of a restarted node): take it away, compare-and-delete, and try once more.
      if (ex === undefined || !this.isStale(ex)) return k(r, now);
      this.store({ op: 'delete', key, owner: ex.node, ...(ex.inc !== undefined ? { inc: ex.inc } : {}) }, () =>
        this.store({ op: 'create', key, value }, k),
      );
    });
  }

  /** Whether a claim belongs to no live node: its node is gone, or lives under another incarnation. */
  private isStale(c: ClaimValue): boolean {
    if (c.node === this.node) return c.inc !== undefined && c.inc !== this.inc;
    const m = this.members.get(c.node);
    if (m !== undefined) return c.inc !== undefined && c.inc !== m.inc;
    return this.lost.has(c.node);
  }

  private store(rq: DistributiveOmit<StoreRequest, 'id'>, k?: (r: StoreResult, now: number) => void): void {
    const id = ++this.lastStore;
    if (k !== undefined) this.storeWaits.set(id, k);
    this.out.push({ kind: 'store', request: { ...rq, id } as StoreRequest });
  }

  /**
   * A registration has no callee left anywhere: free its claim, if this node
   * is the one to do it (the claim's owner, or — when the owner is gone — the
   * first live node by name).
   */
  registrationEmpty(realm: string, uri: string, match: MatchPolicy, owner: string | undefined): void {
    if (owner === undefined) return;
    const ownerAlive = owner === this.node || this.members.has(owner);
    if (ownerAlive ? owner !== this.node : !this.isLeader()) return;
    this.store({ op: 'delete', key: claimKey(realm, uri, match), owner });
  }

  /**
   * A YIELD or ERROR from a local callee for an invocation another node
   * relayed: send it back. False when `msg` answers no relayed invocation.
   */
  answerRelayed(peer: Peer, msg: Yield | ErrorMsg): boolean {
    const r = peer.relayed.get(msg.request);
    if (r === undefined) return false;
    const progress = msg.type === MessageType.YIELD && msg.options['progress'] === true;
    if (!progress) {
      peer.relayed.delete(msg.request);
      this.relayIndex.delete(`${r.node}/${peer.id}/${r.id}`);
    }
    this.send(r.node, {
      t: 'ans',
      realm: peer.realm.name,
      session: peer.id,
      id: r.id,
      error: msg.type === MessageType.ERROR ? msg.error : undefined,
      args: msg.args,
      kwargs: msg.kwargs,
      options: msg.type === MessageType.YIELD ? msg.options : {},
    });
    return true;
  }

  /** A local callee is leaving: forget what was relayed to it (the callers' nodes learn from its `leave`). */
  dropRelayed(peer: Peer): void {
    for (const r of peer.relayed.values()) this.relayIndex.delete(`${r.node}/${peer.id}/${r.id}`);
    peer.relayed.clear();
  }

  // -------------------------------------------------------------------------

  private isLeader(): boolean {
    for (const n of this.members.keys()) if (n < this.node) return false;
    return true;
  }

  private barrier(done: () => void): number {
    if (!this.up || this.members.size === 0) {
      done();
      return 0;
    }
    const b = ++this.lastBarrier;
    this.barriers.set(b, { waiting: new Set(this.members.keys()), done });
    return b;
  }

  private ack(node: string, b: number): void {
    const w = this.barriers.get(b);
    if (w === undefined) return;
    w.waiting.delete(node);
    if (w.waiting.size === 0) {
      this.barriers.delete(b);
      w.done();
    }
  }

  private releaseBarriers(): void {
    const all = [...this.barriers.values()];
    this.barriers.clear();
    for (const w of all) w.done();
  }

  /** Send this node's whole state, in parts of at most {@link SYNC_PART_SESSIONS} sessions (NATS caps a message's size). */
  private sendSync(to: string | undefined, reply: boolean): void {
    const parts = this.stateParts();
    parts.forEach((realms, i) => {
      const last = i === parts.length - 1;
      this.send(to, last ? { t: 'sync', reply, realms } : { t: 'sync', reply: false, realms, more: true });
    });
  }

  private stateParts(): RealmState[][] {
    const parts: RealmState[][] = [];
    for (const realm of this.host.realmList) {
      const local = [...realm.peers.values()].filter((p) => p.home === undefined);
      const retained = realm.broker.retainedRecords();
      const n = Math.max(1, Math.ceil(local.length / SYNC_PART_SESSIONS), Math.ceil(retained.length / SYNC_PART_SESSIONS));
      for (let k = 0; k < n; k++) {
        parts.push([
          this.realmState(
            realm,
            local.slice(k * SYNC_PART_SESSIONS, (k + 1) * SYNC_PART_SESSIONS),
            retained.slice(k * SYNC_PART_SESSIONS, (k + 1) * SYNC_PART_SESSIONS),
          ),
        ]);
      }
    }
    return parts.length === 0 ? [[]] : parts;
  }

  private realmState(realm: Realm, peers: readonly Peer[], retained: readonly RetainedRecord[]): RealmState {
    {
      const sessions: SessionRecord[] = [];
      const registrations: RegistrationRecord[] = [];
      const subscriptions: SubscriptionRecord[] = [];
      const testaments = [];
      for (const p of peers) {
        sessions.push(sessionRecord(p));
        for (const reg of p.registrations.values()) {
          const c = reg.callees.find((x) => x.peer === p);
          if (c === undefined) continue;
          registrations.push({
            session: p.id,
            uri: reg.uri,
            match: reg.match,
            invoke: reg.invoke,
            discloseCaller: c.discloseCaller,
            order: c.order,
            owner: reg.owner ?? this.node,
            ...(c.nkey !== undefined ? { nkey: c.nkey } : {}),
          });
        }
        for (const sub of p.subscriptions.values()) {
          const nkey = sub.nkeys.get(p);
          subscriptions.push({ session: p.id, uri: sub.uri, match: sub.match, ...(nkey !== undefined ? { nkey } : {}) });
        }
        if (p.testaments.detached.length + p.testaments.destroyed.length > 0) {
          testaments.push({ session: p.id, detached: [...p.testaments.detached], destroyed: [...p.testaments.destroyed] });
        }
      }
      return { realm: realm.name, sessions, registrations, subscriptions, testaments, retained: [...retained] };
    }
  }

  private apply(from: string, m: ClusterMessage, now: number): void {
    if (m.t === 'hb') return;
    if (m.t === 'ack') return this.ack(from, m.b);
    if (m.t === 'sync') {
      const got = this.syncParts.get(from) ?? [];
      got.push(...m.realms);
      if (m.more === true) {
        this.syncParts.set(from, got);
        return;
      }
      this.syncParts.delete(from);
      // Parts of one realm are applied together: what a node no longer has is known only from the whole.
      const byRealm = new Map<string, RealmState>();
      for (const rs of got) {
        const prev = byRealm.get(rs.realm);
        byRealm.set(
          rs.realm,
          prev === undefined
            ? rs
            : {
                realm: rs.realm,
                sessions: [...prev.sessions, ...rs.sessions],
                registrations: [...prev.registrations, ...rs.registrations],
                subscriptions: [...prev.subscriptions, ...rs.subscriptions],
                testaments: [...prev.testaments, ...rs.testaments],
                retained: [...prev.retained, ...rs.retained],
              },
        );
      }
      for (const rs of byRealm.values()) {
        const realm = this.host.realmByName(rs.realm);
        if (realm !== undefined) this.applyRealmState(from, realm, rs, now);
      }
      if (m.reply) this.sendSync(from, false);
      return;
    }
    const realm = this.host.realmByName(m.realm);
    if (realm === undefined) {
      this.warn(`node ${from} sent a ${m.t} for realm "${m.realm}", which this node does not serve`);
      if ((m.t === 'reg' || m.t === 'sub') && m.b > 0) this.send(from, { t: 'ack', b: m.b });
      return;
    }
    switch (m.t) {
      case 'join':
        this.replica(from, realm, m.session);
        return;
      case 'leave': {
        const p = this.replicaOf(from, realm, m.session);
        if (p !== undefined) this.leaveReplica(realm, p, now, !m.announce, false);
        return;
      }
      case 'reg': {
        const p = this.replicaOf(from, realm, m.r.session);
        if (p !== undefined) realm.dealer.attachRemote(p, m.r, now);
        if (m.b > 0) this.send(from, { t: 'ack', b: m.b });
        return;
      }
      case 'unreg': {
        const p = this.replicaOf(from, realm, m.session);
        if (p !== undefined) realm.dealer.detachRemote(p, m.uri, m.match);
        return;
      }
      case 'sub': {
        const p = this.replicaOf(from, realm, m.s.session);
        if (p !== undefined) realm.broker.attachRemote(p, m.s, now);
        if (m.b > 0) this.send(from, { t: 'ack', b: m.b });
        return;
      }
      case 'unsub': {
        const p = this.replicaOf(from, realm, m.session);
        if (p !== undefined) realm.broker.detachRemote(p, m.uri, m.match);
        return;
      }
      case 'testament': {
        const p = this.replicaOf(from, realm, m.r.session);
        if (p !== undefined) setTestaments(p, m.r.detached, m.r.destroyed);
        return;
      }
      case 'event':
        realm.broker.deliverRemote(m, now);
        return;
      case 'inv':
        return this.relayInvocation(from, realm, m, now);
      case 'int': {
        const key = `${from}/${m.session}/${m.id}`;
        const r = this.relayIndex.get(key);
        if (r === undefined) return;
        r.peer.send(interrupt(r.local, m.options));
        if (m.options['mode'] === 'killnowait') {
          this.relayIndex.delete(key);
          r.peer.relayed.delete(r.local);
        }
        return;
      }
      case 'ans': {
        const p = this.replicaOf(from, realm, m.session);
        if (p === undefined) return;
        if (m.error !== undefined) {
          realm.dealer.invocationError(p, error(MessageType.INVOCATION, m.id, m.error, { args: m.args as unknown[] | undefined, kwargs: m.kwargs }), now);
        } else {
          realm.dealer.yield_(p, yield_(m.id, { args: m.args as unknown[] | undefined, kwargs: m.kwargs }, m.options), now);
        }
        return;
      }
      case 'kill': {
        const p = realm.peers.get(m.session);
        if (p !== undefined && p.home === undefined) p.session.kill(m.reason, m.message, now, m.announce);
        return;
      }
      case 'revoke': {
        const p = realm.peers.get(m.session);
        if (p === undefined || p.home !== undefined) return;
        if (m.kind === 'registration') {
          const reg = realm.dealer.lookup(m.uri, m.match);
          if (reg !== undefined && peerHas(p.registrations, reg)) realm.dealer.revoke(p, reg, m.reason);
        } else {
          const sub = realm.broker.lookup(m.uri, m.match);
          if (sub !== undefined && peerHas(p.subscriptions, sub)) realm.broker.revoke(p, sub, m.reason);
        }
        return;
      }
    }
  }

  private relayInvocation(from: string, realm: Realm, m: Extract<ClusterMessage, { t: 'inv' }>, now: number): void {
    const callee = realm.peers.get(m.session);
    const p = { args: m.args as unknown[] | undefined, kwargs: m.kwargs };
    if (callee === undefined || callee.home !== undefined || callee.left) {
      // The callee left before the invocation arrived: the caller's node answers its caller.
      this.send(from, { t: 'ans', realm: realm.name, session: m.session, id: m.id, error: ErrorUri.CANCELED, args: ['the callee left'], options: {} });
      return;
    }
    const key = `${from}/${m.session}/${m.id}`;
    let r = this.relayIndex.get(key);
    if (r === undefined) {
      r = { peer: callee, local: callee.nextInvocationId() };
      this.relayIndex.set(key, r);
      callee.relayed.set(r.local, { node: from, id: m.id });
    }
    callee.send(invocation(r.local, m.registration, p, m.details));
    void now;
  }

  /** The replica of session `id` of node `from`, or undefined (with a warning) when this node does not know it. */
  private replicaOf(from: string, realm: Realm, id: number): Peer | undefined {
    const p = realm.peers.get(id);
    if (p !== undefined && p.home === from) return p;
    return undefined;
  }

  /** Create (or find) the replica of a session of node `from`. */
  private replica(from: string, realm: Realm, s: SessionRecord): Peer {
    const existing = realm.peers.get(s.id);
    if (existing !== undefined) {
      if (existing.home === from) return existing;
      this.warn(`node ${from} announced session ${s.id}, which is already in use here; ignored`);
      return existing;
    }
    const link = new RemoteLink(this, from, realm, s.id, s.transport, s.trustlevel);
    const role = realm.replicaRole(s.authrole, s.trusted);
    const peer = new Peer(
      s.id,
      link,
      realm,
      role,
      { authid: s.authid, authrole: s.authrole, authmethod: s.authmethod, authprovider: s.authprovider, authextra: s.authextra },
      s.features,
      s.joinedAt,
      from,
    );
    peer.reachable = this.up;
    this.host.reserveSessionId(s.id);
    realm.join(peer);
    return peer;
  }

  private leaveReplica(realm: Realm, p: Peer, now: number, quiet: boolean, nodeLost: boolean): void {
    realm.leave(p, now, quiet, nodeLost);
    this.host.releaseSessionId(p.id);
  }

  private applyRealmState(from: string, realm: Realm, rs: RealmState, now: number): void {
    const wanted = new Map(rs.sessions.map((s) => [s.id, s]));
    for (const p of [...realm.peers.values()]) {
      if (p.home === from && !wanted.has(p.id)) this.leaveReplica(realm, p, now, false, false);
    }
    const regs = groupBy(rs.registrations);
    const subs = groupBy(rs.subscriptions);
    const tests = new Map(rs.testaments.map((t) => [t.session, t]));
    for (const s of rs.sessions) {
      const p = this.replica(from, realm, s);
      if (p.home !== from) continue;
      const wantRegs = regs.get(s.id) ?? [];
      const keys = new Set(wantRegs.map((r) => `${r.match}\u0000${r.uri}`));
      for (const reg of [...p.registrations.values()]) {
        if (!keys.has(`${reg.match}\u0000${reg.uri}`)) realm.dealer.detachRemote(p, reg.uri, reg.match);
      }
      for (const r of wantRegs) realm.dealer.attachRemote(p, r, now);
      const wantSubs = subs.get(s.id) ?? [];
      const skeys = new Set(wantSubs.map((r) => `${r.match}\u0000${r.uri}`));
      for (const sub of [...p.subscriptions.values()]) {
        if (!skeys.has(`${sub.match}\u0000${sub.uri}`)) realm.broker.detachRemote(p, sub.uri, sub.match);
      }
      for (const r of wantSubs) realm.broker.attachRemote(p, r, now);
      const t = tests.get(s.id);
      setTestaments(p, t?.detached ?? [], t?.destroyed ?? []);
    }
    for (const r of rs.retained) realm.broker.adoptRetained(r);
  }

  /** Node `node` is gone: its sessions leave, their testaments are published here, relayed work is dropped. */
  private nodeLost(node: string, now: number, why: string): void {
    this.members.delete(node);
    this.lost.add(node);
    this.syncParts.delete(node);
    this.warn(`node ${node} is gone (${why}): its sessions leave`);
    for (const [b, w] of [...this.barriers]) {
      w.waiting.delete(node);
      if (w.waiting.size === 0) {
        this.barriers.delete(b);
        w.done();
      }
    }
    for (const realm of this.host.realmList) {
      for (const p of [...realm.peers.values()]) {
        if (p.home === node) this.leaveReplica(realm, p, now, false, true);
        else if (p.home === undefined && p.relayed.size > 0) {
          for (const [local, r] of [...p.relayed]) {
            if (r.node !== node) continue;
            p.relayed.delete(local);
            this.relayIndex.delete(`${node}/${p.id}/${r.id}`);
            if (p.features.calleeCanceling) p.send(interrupt(local, { mode: 'killnowait', reason: ErrorUri.CANCELED }));
          }
        }
      }
    }
  }
}

function sessionRecord(p: Peer): SessionRecord {
  const i = p.identity;
  return {
    id: p.id,
    authid: i.authid,
    authrole: i.authrole,
    authmethod: i.authmethod,
    authprovider: i.authprovider,
    authextra: i.authextra,
    trusted: p.role.trusted,
    transport: p.session.transportDetails(),
    features: p.features,
    joinedAt: p.joinedAt,
    ...(p.session.trustlevel !== undefined ? { trustlevel: p.session.trustlevel } : {}),
  };
}

function setTestaments(p: Peer, detached: readonly Testament[], destroyed: readonly Testament[]): void {
  p.testaments.detached.length = 0;
  p.testaments.detached.push(...detached);
  p.testaments.destroyed.length = 0;
  p.testaments.destroyed.push(...destroyed);
}

function groupBy<T extends { readonly session: number }>(xs: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const x of xs) {
    const l = out.get(x.session);
    if (l === undefined) out.set(x.session, [x]);
    else l.push(x);
  }
  return out;
}

function peerHas<T>(m: ReadonlyMap<number, T>, v: T): boolean {
  for (const x of m.values()) if (x === v) return true;
  return false;
}

export type { RetainedRecord };

/** `Omit` over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
