/**
 * The broker of one realm: subscriptions (exact, prefix, wildcard; one
 * subscription per (topic, match) shared by its subscribers), publication with
 * publisher exclusion, subscriber black/white listing, publisher
 * identification, acknowledgement and event retention, subscription
 * revocation, and the subscription meta events.
 *
 * Hot path: one PUBLISH is matched once, each matching subscription builds one
 * EVENT, and that EVENT is encoded at most once per serializer and the same
 * frame handed to every subscriber using that serializer.
 */

import { ErrorUri } from '../errors.js';
import { encodeMessage } from '../wire/index.js';
import {
  MessageType,
  error,
  event,
  published,
  subscribed,
  unsubscribed,
  type Event,
  type PayloadInit,
  type Publish,
  type Subscribe,
  type Unsubscribe,
} from '../wire/messages.js';
import type { Serializer } from '../wire/serializers/serializer.js';
import type { Dict, Frame } from '../types.js';
import { isReservedUri, isValidUri, type MatchPolicy } from '../uri.js';
import { RouterUri } from './uris.js';
import { PatternIndex, uriMatches } from './matching.js';
import type { ClusterMessage, RetainedRecord, SubscriptionRecord } from './cluster-protocol.js';
import { passthruOf, withPassthru } from './passthru.js';
import { shardKey, shardOwner } from './shards.js';
import type { Peer, RealmState, SubscriptionEntry, Testament } from './peer.js';
import { isoTimestamp } from './timestamp.js';

const EMPTY: Dict = Object.freeze({});

/** Retained events kept per realm; the oldest topic is dropped beyond this. */
const MAX_RETAINED_TOPICS = 10_000;

export class Subscription implements SubscriptionEntry {
  /** Local subscribers and, in a cluster, the replicas of subscribers on other nodes. */
  readonly subscribers = new Set<Peer>();
  /** Cluster: how many subscribers each other node has here (publications are forwarded to these nodes). */
  readonly remoteNodes = new Map<string, number>();
  /** SUBSCRIBE.Options.nkey of the sharded subscribers (see shards.ts); the others see every event. */
  readonly nkeys = new Map<Peer, string>();
  constructor(
    readonly id: number,
    readonly uri: string,
    readonly match: MatchPolicy,
    readonly created: number,
  ) {}

  /** SubscriptionDetails of the meta API. */
  details(): Dict {
    return { id: this.id, created: isoTimestamp(this.created), uri: this.uri, match: this.match };
  }
}

/** Subscriber black/white listing (advanced profile): all present lists must admit the subscriber. */
class Eligibility {
  private constructor(
    private readonly exclude: ReadonlySet<unknown> | undefined,
    private readonly excludeAuthid: ReadonlySet<unknown> | undefined,
    private readonly excludeAuthrole: ReadonlySet<unknown> | undefined,
    private readonly eligible: ReadonlySet<unknown> | undefined,
    private readonly eligibleAuthid: ReadonlySet<unknown> | undefined,
    private readonly eligibleAuthrole: ReadonlySet<unknown> | undefined,
  ) {}

  /** The filter of a PUBLISH, or undefined when it has none (the common case, no allocation). */
  static of(o: Dict): Eligibility | undefined {
    const set = (k: string): ReadonlySet<unknown> | undefined => {
      const v = o[k];
      return Array.isArray(v) ? new Set(v) : undefined;
    };
    if (
      o['exclude'] === undefined &&
      o['exclude_authid'] === undefined &&
      o['exclude_authrole'] === undefined &&
      o['eligible'] === undefined &&
      o['eligible_authid'] === undefined &&
      o['eligible_authrole'] === undefined
    ) {
      return undefined;
    }
    return new Eligibility(
      set('exclude'),
      set('exclude_authid'),
      set('exclude_authrole'),
      set('eligible'),
      set('eligible_authid'),
      set('eligible_authrole'),
    );
  }

  admits(p: Peer): boolean {
    if (this.eligible !== undefined && !this.eligible.has(p.id)) return false;
    if (this.eligibleAuthid !== undefined && !this.eligibleAuthid.has(p.authid)) return false;
    if (this.eligibleAuthrole !== undefined && !this.eligibleAuthrole.has(p.authrole)) return false;
    if (this.exclude !== undefined && this.exclude.has(p.id)) return false;
    if (this.excludeAuthid !== undefined && this.excludeAuthid.has(p.authid)) return false;
    if (this.excludeAuthrole !== undefined && this.excludeAuthrole.has(p.authrole)) return false;
    return true;
  }
}

interface Retained {
  readonly topic: string;
  /** When it was published (newest wins when nodes exchange retained events). */
  readonly at: number;
  /** The PUBLISH options it was published with (replicated to other nodes). */
  readonly options: Dict;
  /** The publisher's session ID (not the peer: a retained event outlives its publisher). */
  readonly publisherId: number | undefined;
  readonly excludeMe: boolean;
  readonly eligibility: Eligibility | undefined;
  readonly publication: number;
  readonly payload: PayloadInit;
  /** EVENT.Details as published (publisher identity if disclosed). */
  readonly details: Dict;
}

/**
 * One EVENT's frames by serializer. A router rarely sees more than the three
 * standard serializers, so a linear scan over parallel arrays beats a Map.
 */
class FrameCache {
  private msg: Event | undefined;
  private readonly serializers: Serializer[] = [];
  private readonly frames: Frame[] = [];

  reset(msg: Event): void {
    this.msg = msg;
    this.serializers.length = 0;
    this.frames.length = 0;
  }

  frame(s: Serializer): Frame {
    const ss = this.serializers;
    for (let i = 0; i < ss.length; i++) if (ss[i] === s) return this.frames[i]!;
    const f = encodeMessage(s, this.msg!);
    ss.push(s);
    this.frames.push(f);
    return f;
  }
}

export class Broker {
  private readonly index = new PatternIndex<Subscription>();
  readonly byId = new Map<number, Subscription>();
  private readonly retained = new Map<string, Retained>();
  /** Scratch space for one dispatch; dispatch never re-enters itself. */
  private readonly matched: Subscription[] = [];
  private readonly frames = new FrameCache();

  constructor(private readonly realm: RealmState) {}

  get subscriptionCount(): number {
    return this.byId.size;
  }

  get retainedCount(): number {
    return this.retained.size;
  }

  lookup(uri: string, match: MatchPolicy): Subscription | undefined {
    return this.index.get(uri, match);
  }

  /** Every subscription matching a concrete topic. */
  matching(topic: string): Subscription[] {
    const out: Subscription[] = [];
    this.index.matchAll(topic, out);
    return out;
  }

  list(match: MatchPolicy): Subscription[] {
    return this.index.values(match);
  }

  hasSubscribers(topic: string): boolean {
    return this.index.hasMatch(topic);
  }

  // -------------------------------------------------------------------------
  // Client requests

  subscribe(peer: Peer, msg: Subscribe, now: number): void {
    if (!peer.acceptRequest(msg.request, 'SUBSCRIBE', now)) return;
    const o = msg.options;
    const match: MatchPolicy = (o['match'] as MatchPolicy | undefined) ?? 'exact';
    const topic = msg.topic;
    const d = peer.authorize('subscribe', topic, o);
    if (!d.allow) {
      peer.send(error(MessageType.SUBSCRIBE, msg.request, d.failed === true ? ErrorUri.AUTHORIZATION_FAILED : ErrorUri.NOT_AUTHORIZED));
      return;
    }
    let sub = this.index.get(topic, match);
    if (sub !== undefined && sub.subscribers.has(peer)) {
      // Basic profile: a repeated SUBSCRIBE is answered with the existing subscription.
      peer.send(subscribed(msg.request, sub.id));
      if (o['get_retained'] === true) this.sendRetained(peer, sub);
      return;
    }
    if (peer.subscriptions.size >= this.realm.limits.maxSubscriptionsPerSession) {
      peer.send(error(MessageType.SUBSCRIBE, msg.request, RouterUri.LIMIT_EXCEEDED, { args: ['too many subscriptions'] }));
      return;
    }
    const created = sub === undefined;
    if (sub === undefined) sub = this.create(topic, match, now);
    sub.subscribers.add(peer);
    const nkey = shardKey(o, 'nkey');
    if (nkey !== undefined) sub.nkeys.set(peer, nkey);
    peer.subscriptions.set(sub.id, sub);
    const s = sub;
    const answer = (): void => {
      peer.send(subscribed(msg.request, s.id));
      if (o['get_retained'] === true) this.sendRetained(peer, s);
    };
    const cluster = this.realm.router.cluster;
    // In a cluster, SUBSCRIBED waits until every node routes this topic here.
    if (cluster === undefined) answer();
    else cluster.subscribed(peer, { session: peer.id, uri: topic, match, ...(nkey !== undefined ? { nkey } : {}) }, answer);
    if (created) this.realm.lifecycle('wamp.subscription.on_create', peer.id, sub, true);
    this.realm.lifecycle('wamp.subscription.on_subscribe', peer.id, sub);
  }

  private create(topic: string, match: MatchPolicy, now: number): Subscription {
    const sub = new Subscription(this.realm.router.nextSubscriptionId(topic, match, this.byId), topic, match, now);
    this.index.set(topic, match, sub);
    this.byId.set(sub.id, sub);
    return sub;
  }

  // -------------------------------------------------------------------------
  // Cluster: subscribers on other nodes

  /** A subscriber on another node (its replica `peer`) subscribed. */
  attachRemote(peer: Peer, r: SubscriptionRecord, now: number): void {
    let sub = this.index.get(r.uri, r.match);
    if (sub !== undefined && sub.subscribers.has(peer)) return;
    const created = sub === undefined;
    if (sub === undefined) sub = this.create(r.uri, r.match, now);
    sub.subscribers.add(peer);
    if (r.nkey !== undefined) sub.nkeys.set(peer, r.nkey);
    peer.subscriptions.set(sub.id, sub);
    const node = peer.home!;
    sub.remoteNodes.set(node, (sub.remoteNodes.get(node) ?? 0) + 1);
    if (created) this.realm.lifecycle('wamp.subscription.on_create', peer.id, sub, true);
    this.realm.lifecycle('wamp.subscription.on_subscribe', peer.id, sub);
  }

  /** A subscriber on another node unsubscribed. */
  detachRemote(peer: Peer, uri: string, match: MatchPolicy): void {
    const sub = this.index.get(uri, match);
    if (sub !== undefined && sub.subscribers.has(peer)) this.detach(peer, sub);
  }

  /** A publication forwarded by another node: deliver it to the local subscribers (and keep it if retained). */
  deliverRemote(m: Extract<ClusterMessage, { t: 'event' }>, now: number): void {
    const payload: PayloadInit = m.payload !== undefined ? { payload: m.payload as PayloadInit['payload'] } : { args: m.args as unknown[] | undefined, kwargs: m.kwargs };
    const eligibility = Eligibility.of(m.options);
    this.dispatch(m.topic, m.publication, payload, m.details, m.publisher, m.excludeMe, eligibility, undefined, m.payload !== undefined, shardKey(m.options, 'rkey'));
    if (this.realm.history !== undefined) this.record(m.topic, m.publication, payload, m.details, m.publisher, m.excludeMe, eligibility, now);
    if (m.retain) {
      this.keep({
        topic: m.topic,
        at: now,
        options: m.options,
        publication: m.publication,
        payload,
        details: m.details,
        publisherId: m.publisher,
        excludeMe: m.excludeMe,
        eligibility,
      });
    }
  }

  /** The retained events, for a node that joins the cluster. */
  retainedRecords(): RetainedRecord[] {
    return [...this.retained.values()].map((r) => ({
      topic: r.topic,
      at: r.at,
      publication: r.publication,
      args: r.payload.args,
      kwargs: r.payload.kwargs,
      payload: r.payload.payload,
      details: r.details,
      publisher: r.publisherId,
      excludeMe: r.excludeMe,
      options: r.options,
    }));
  }

  /** A retained event another node has: keep it unless a newer one is here. */
  adoptRetained(r: RetainedRecord): void {
    const mine = this.retained.get(r.topic);
    if (mine !== undefined && mine.at >= r.at) return;
    this.keep({
      topic: r.topic,
      at: r.at,
      options: r.options,
      publication: r.publication,
      payload: r.payload !== undefined ? { payload: r.payload as PayloadInit['payload'] } : { args: r.args as unknown[] | undefined, kwargs: r.kwargs },
      details: r.details,
      publisherId: r.publisher,
      excludeMe: r.excludeMe,
      eligibility: Eligibility.of(r.options),
    });
  }

  unsubscribe(peer: Peer, msg: Unsubscribe, now: number): void {
    if (!peer.acceptRequest(msg.request, 'UNSUBSCRIBE', now)) return;
    const sub = peer.subscriptions.get(msg.subscription);
    if (sub === undefined) {
      peer.send(error(MessageType.UNSUBSCRIBE, msg.request, ErrorUri.NO_SUCH_SUBSCRIPTION));
      return;
    }
    peer.send(unsubscribed(msg.request));
    this.detach(peer, sub);
  }

  publish(peer: Peer, msg: Publish, now: number): void {
    if (!peer.acceptRequest(msg.request, 'PUBLISH', now)) return;
    const o = msg.options;
    const ppt = passthruOf(o);
    if (ppt !== undefined && !peer.features.passthru.publisher) {
      peer.session.violate('PUBLISH uses payload passthru mode, which the publisher did not announce', now);
      return;
    }
    const ack = o['acknowledge'] === true;
    const topic = msg.topic;
    // Basic profile, "Publish ERROR": failures are answered only when the publication is acknowledged.
    if (isReservedUri(topic)) {
      if (ack) peer.send(error(MessageType.PUBLISH, msg.request, ErrorUri.INVALID_URI, { args: ['the wamp. URI space is reserved'] }));
      return;
    }
    const d = peer.authorize('publish', topic, o);
    if (!d.allow) {
      if (ack) {
        peer.send(error(MessageType.PUBLISH, msg.request, d.failed === true ? ErrorUri.AUTHORIZATION_FAILED : ErrorUri.NOT_AUTHORIZED));
      }
      return;
    }
    const wantsDisclosure = o['disclose_me'] === true;
    if (wantsDisclosure && d.disclose === 'deny') {
      if (ack) peer.send(error(MessageType.PUBLISH, msg.request, RouterUri.OPTION_DISALLOWED_DISCLOSE_ME));
      return;
    }
    const details = withPassthru(
      this.realm.trust.disclose(
        wantsDisclosure || d.disclose === 'force'
          ? { publisher: peer.id, publisher_authid: peer.authid, publisher_authrole: peer.authrole }
          : EMPTY,
        peer,
      ),
      ppt,
    );
    const publication = this.realm.router.newPublicationId();
    const payload: PayloadInit = msg;
    const excludeMe = o['exclude_me'] !== false;
    const eligibility = Eligibility.of(o);
    const retain = o['retain'] === true;
    const rkey = shardKey(o, 'rkey');
    // Retained and recorded publications go to every node, so that any node can answer for them later.
    const everywhere = retain || this.realm.history?.policyFor(topic) !== undefined;
    this.dispatch(topic, publication, payload, details, peer.id, excludeMe, eligibility, { options: o, everywhere, retain }, ppt !== undefined, rkey);
    if (retain) this.retain(topic, publication, payload, details, peer.id, excludeMe, eligibility, o, now);
    if (this.realm.history !== undefined) this.record(topic, publication, payload, details, peer.id, excludeMe, eligibility, now);
    if (ack) peer.send(published(msg.request, publication));
  }

  // -------------------------------------------------------------------------
  // Router-side publications and cleanup

  /**
   * Publish a meta event (the router is the publisher: nobody is excluded,
   * nothing is disclosed). Meta events go to local subscribers only: in a
   * cluster every node publishes its own for every change it learns of.
   */
  publishMeta(topic: string, args: readonly unknown[]): void {
    if (!this.index.hasMatch(topic)) return;
    this.dispatch(topic, this.realm.router.newPublicationId(), { args }, EMPTY, undefined, false, undefined, undefined);
  }

  /**
   * Publish a testament of a peer that is leaving (it is no subscriber any
   * more); it enters the event history like any publication. `forward`: also
   * to subscribers on other nodes (false when every node publishes the
   * testaments of a lost node itself).
   */
  publishTestament(peer: Peer, t: Testament, now: number, forward = true): void {
    const details = this.realm.trust.disclose(
      t.disclose ? { publisher: peer.id, publisher_authid: peer.authid, publisher_authrole: peer.authrole } : EMPTY,
      peer,
    );
    const publication = this.realm.router.newPublicationId();
    const payload: PayloadInit = { args: t.args, kwargs: t.kwargs };
    const eligibility = Eligibility.of(t.options);
    const retain = t.options['retain'] === true;
    const everywhere = retain || this.realm.history?.policyFor(t.topic) !== undefined;
    this.dispatch(t.topic, publication, payload, details, peer.id, true, eligibility, forward ? { options: t.options, everywhere, retain } : undefined);
    if (retain) this.retain(t.topic, publication, payload, details, peer.id, true, eligibility, t.options, now);
    if (this.realm.history !== undefined) this.record(t.topic, publication, payload, details, peer.id, true, eligibility, now);
  }

  /** Remove `peer` from every subscription (it is leaving). */
  removePeer(peer: Peer): void {
    for (const sub of peer.subscriptions.values()) this.detach(peer, sub);
  }

  /**
   * Subscription revocation (advanced profile): remove `peer` from `sub`,
   * telling it with `[UNSUBSCRIBED, 0, {subscription, reason}]` if it
   * announced the feature.
   */
  revoke(peer: Peer, sub: Subscription, reason: string | undefined): void {
    if (peer.features.subscriberRevocation) {
      peer.send(unsubscribed(0, reason === undefined ? { subscription: sub.id } : { subscription: sub.id, reason }));
    }
    this.detach(peer, sub);
  }

  private detach(peer: Peer, sub: Subscription): void {
    sub.subscribers.delete(peer);
    sub.nkeys.delete(peer);
    peer.subscriptions.delete(sub.id);
    const node = peer.home;
    if (node !== undefined) {
      const n = (sub.remoteNodes.get(node) ?? 1) - 1;
      if (n <= 0) sub.remoteNodes.delete(node);
      else sub.remoteNodes.set(node, n);
    } else if (!peer.left) {
      this.realm.router.cluster?.unsubscribed(peer, sub.uri, sub.match);
    }
    this.realm.lifecycle('wamp.subscription.on_unsubscribe', peer.id, sub);
    if (sub.subscribers.size === 0) {
      this.index.delete(sub.uri, sub.match);
      this.byId.delete(sub.id);
      this.realm.lifecycle('wamp.subscription.on_delete', peer.id, sub);
    }
  }

  // -------------------------------------------------------------------------

  /**
   * Send one publication to every matching local subscriber. `publisher` is
   * undefined for the router's own meta events (nobody is excluded). With
   * `forward` (a publication made on this node, in a cluster), it also goes
   * once to each other node with a matching subscriber — or to every node
   * when it is retained — whose own dispatch delivers it there.
   */
  private dispatch(
    topic: string,
    publication: number,
    payload: PayloadInit,
    details: Dict,
    publisher: number | undefined,
    excludeMe: boolean,
    eligibility: Eligibility | undefined,
    forward: { readonly options: Dict; readonly everywhere: boolean; readonly retain: boolean } | undefined,
    passthru = false,
    rkey: string | undefined = undefined,
  ): void {
    const subs = this.matched;
    this.index.matchAll(topic, subs);
    let patternDetails: Dict | undefined;
    const frames = this.frames;
    const cluster = forward === undefined ? undefined : this.realm.router.cluster;
    let nodes: Set<string> | undefined;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i]!;
      if (cluster !== undefined && sub.remoteNodes.size > 0) {
        nodes ??= new Set();
        for (const n of sub.remoteNodes.keys()) nodes.add(n);
      }
      // Only replicas subscribed here: their nodes deliver.
      if (sub.remoteNodes.size > 0 && countRemote(sub) === sub.subscribers.size) continue;
      // Pattern-based subscription: EVENT.Details.topic carries the concrete topic.
      const d = sub.match === 'exact' ? details : (patternDetails ??= { ...details, topic });
      frames.reset(event(sub.id, publication, payload, d));
      // Sharded subscription: of the sharded subscribers, only the owning shard's get the event.
      const owner = rkey !== undefined && sub.nkeys.size > 0 ? shardOwner(sub.nkeys.values(), rkey) : undefined;
      for (const p of sub.subscribers) {
        if (p.home !== undefined) continue;
        if (owner !== undefined) {
          const n = sub.nkeys.get(p);
          if (n !== undefined && n !== owner) continue;
        }
        if (excludeMe && p.id === publisher) continue;
        if (eligibility !== undefined && !eligibility.admits(p)) continue;
        // Payload Passthru Mode: only to subscribers that can read it.
        if (passthru && !p.features.passthru.subscriber) continue;
        p.sendFrame(frames.frame(p.serializer));
      }
    }
    subs.length = 0;
    if (cluster !== undefined && forward !== undefined) {
      if (forward.everywhere) nodes = new Set(cluster.everyNode());
      if (nodes === undefined) return;
      for (const n of nodes) {
        cluster.send(n, {
          t: 'event',
          realm: this.realm.name,
          topic,
          publication,
          args: payload.args,
          kwargs: payload.kwargs,
          payload: payload.payload,
          details,
          publisher,
          excludeMe,
          options: forward.options,
          retain: forward.retain,
        });
      }
    }
  }

  /** Event history: keep the publication if its topic has history. */
  private record(
    topic: string,
    publication: number,
    payload: PayloadInit,
    details: Dict,
    publisherId: number | undefined,
    excludeMe: boolean,
    eligibility: Eligibility | undefined,
    now: number,
  ): void {
    const p: PayloadInit = payload.payload !== undefined ? { payload: payload.payload } : { args: payload.args, kwargs: payload.kwargs };
    const forgotten = this.realm.history!.record(
      { topic, publication, at: now, payload: p, details, publisherId, excludeMe, eligibility },
      now,
    );
    for (const t of forgotten) {
      this.realm.router.emitWarning('history_topics_exceeded', `realm ${this.realm.name}: event history is at its topic cap; the history of ${t} was dropped`);
    }
  }

  private retain(
    topic: string,
    publication: number,
    payload: PayloadInit,
    details: Dict,
    publisher: number | undefined,
    excludeMe: boolean,
    eligibility: Eligibility | undefined,
    options: Dict,
    now: number,
  ): void {
    // Keep only the payload: a PUBLISH message would pin its options and topic too.
    const p: PayloadInit = payload.payload !== undefined ? { payload: payload.payload } : { args: payload.args, kwargs: payload.kwargs };
    this.keep({ topic, at: now, options, publication, payload: p, details, publisherId: publisher, excludeMe, eligibility });
  }

  private keep(r: Retained): void {
    // Re-inserting moves the topic to the end, so the oldest retained topic is first.
    this.retained.delete(r.topic);
    this.retained.set(r.topic, r);
    if (this.retained.size > MAX_RETAINED_TOPICS) {
      const oldest = this.retained.keys().next();
      if (oldest.done !== true) this.retained.delete(oldest.value);
    }
  }

  /**
   * Event retention: send the new subscriber each retained event it would
   * have received had it been subscribed then, with `Details.retained`.
   */
  private sendRetained(peer: Peer, sub: Subscription): void {
    const send = (r: Retained): void => {
      if (r.excludeMe && r.publisherId === peer.id) return;
      if (r.payload.payload !== undefined && !peer.features.passthru.subscriber) return;
      if (r.eligibility !== undefined && !r.eligibility.admits(peer)) return;
      const details = sub.match === 'exact' ? { ...r.details, retained: true } : { ...r.details, topic: r.topic, retained: true };
      peer.send(event(sub.id, r.publication, r.payload, details));
    };
    if (sub.match === 'exact') {
      const r = this.retained.get(sub.uri);
      if (r !== undefined) send(r);
      return;
    }
    for (const r of this.retained.values()) if (uriMatches(sub.uri, sub.match, r.topic)) send(r);
  }
}

function countRemote(sub: Subscription): number {
  let n = 0;
  for (const c of sub.remoteNodes.values()) n += c;
  return n;
}

/** Checks a testament's topic the way a PUBLISH topic is checked. */
export function isPublishableTopic(topic: unknown, rule: 'strict' | 'loose'): topic is string {
  return isValidUri(topic, rule) && !isReservedUri(topic);
}
