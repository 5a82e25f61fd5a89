/**
 * Event history (advanced profile, "Event History"; the meta procedure and
 * its arguments as Crossbar.io has them): per realm, the operator lists the
 * topics whose publications are kept, each with a count limit and an
 * optional age limit, and `wamp.subscription.get_events(subscription,
 * limit)` returns the newest stored events a subscription covers.
 *
 * Storage is behind {@link HistoryStore}, so that a store shared by a
 * cluster can replace the in-memory one ({@link MemoryHistoryStore}); the
 * store only keeps and trims, the policy (which topics, what limits, who may
 * see what) stays here. Time is the router's `now`: age limits are applied
 * when events are added and read, with no timer.
 */

import type { PayloadInit } from '../wire/messages.js';
import type { Dict } from '../types.js';
import { uriMatches, PatternIndex } from './matching.js';
import type { Peer } from './peer.js';
import type { HistoryTopicConfig } from './config.js';
import { isoTimestamp } from './timestamp.js';

/** Default `limit` of a history topic (events kept per topic). */
export const DEFAULT_HISTORY_LIMIT = 100;
/** Default `limit` of `wamp.subscription.get_events` (as in Crossbar.io). */
export const DEFAULT_GET_EVENTS_LIMIT = 10;
/** Distinct topics with history per realm; beyond it the least recently published topic is forgotten (and a warning emitted). */
export const MAX_HISTORY_TOPICS = 10_000;

/** How long and how much of one topic is kept. */
export interface HistoryPolicy {
  /** Events kept per topic (the oldest go first). */
  readonly limit: number;
  /** Events older than this many milliseconds are dropped; undefined for no age limit. */
  readonly maxAgeMs: number | undefined;
}

/** One stored publication, as the broker dispatched it. */
export interface StoredEvent {
  /** Position in the realm's history, increasing with every stored publication (orders events across topics). */
  readonly seq: number;
  readonly topic: string;
  readonly publication: number;
  /** Router time of the publication. */
  readonly at: number;
  /** args/kwargs, or the opaque passthru payload. */
  readonly payload: PayloadInit;
  /** EVENT.Details as dispatched (publisher identity if disclosed, trust level, ppt_* attributes). */
  readonly details: Dict;
  /** Who may read it: the publication's exclusion and black/white lists, applied to the reader. */
  readonly publisherId: number | undefined;
  readonly excludeMe: boolean;
  readonly eligibility: {
    /** Whether the publication's exclusion and black/white lists let `p` read it. */
    admits(p: Peer): boolean;
  } | undefined;
}

/**
 * Where history lives. Implementations keep events in publication order per
 * topic and apply the policy given with each append; reads see only events
 * within the age limit. All methods are synchronous (the router is); a
 * remote store keeps a local replica and syncs it out of band.
 */
export interface HistoryStore {
  /** Add `event` to its topic and trim the topic to `policy`. Returns the topics forgotten to stay within the topic cap. */
  append(event: StoredEvent, policy: HistoryPolicy, now: number): readonly string[];
  /** The events of `topic` within `policy`'s age limit, oldest first. */
  read(topic: string, policy: HistoryPolicy, now: number): readonly StoredEvent[];
  /** Every topic with stored events. */
  topics(): Iterable<string>;
  /** Events stored (all topics). */
  readonly size: number;
}

/** The in-memory store: a ring of events per topic, topics in least-recently-published order. */
export class MemoryHistoryStore implements HistoryStore {
  private readonly byTopic = new Map<string, StoredEvent[]>();
  private count = 0;

  constructor(private readonly maxTopics: number = MAX_HISTORY_TOPICS) {}

  get size(): number {
    return this.count;
  }

  append(event: StoredEvent, policy: HistoryPolicy, now: number): readonly string[] {
    let list = this.byTopic.get(event.topic);
    if (list === undefined) list = [];
    else this.byTopic.delete(event.topic);
    // Re-inserting keeps the Map in least-recently-published order.
    this.byTopic.set(event.topic, list);
    list.push(event);
    this.count++;
    this.trim(list, policy, now);
    const forgotten: string[] = [];
    while (this.byTopic.size > this.maxTopics) {
      const oldest = this.byTopic.keys().next().value as string;
      this.count -= this.byTopic.get(oldest)!.length;
      this.byTopic.delete(oldest);
      forgotten.push(oldest);
    }
    return forgotten;
  }

  read(topic: string, policy: HistoryPolicy, now: number): readonly StoredEvent[] {
    const list = this.byTopic.get(topic);
    if (list === undefined) return [];
    this.trim(list, policy, now);
    return list;
  }

  topics(): Iterable<string> {
    return this.byTopic.keys();
  }

  private trim(list: StoredEvent[], policy: HistoryPolicy, now: number): void {
    let drop = Math.max(0, list.length - policy.limit);
    if (policy.maxAgeMs !== undefined) {
      const cutoff = now - policy.maxAgeMs;
      while (drop < list.length && list[drop]!.at < cutoff) drop++;
    }
    if (drop > 0) {
      list.splice(0, drop);
      this.count -= drop;
    }
  }
}

/** The event history of one realm: which topics are kept, and the store. */
export class EventHistory {
  private readonly policies = new PatternIndex<HistoryPolicy>();
  private seq = 0;

  constructor(
    topics: readonly HistoryTopicConfig[],
    readonly store: HistoryStore = new MemoryHistoryStore(),
  ) {
    for (const t of topics) {
      this.policies.set(t.uri, t.match ?? 'exact', Object.freeze({ limit: t.limit ?? DEFAULT_HISTORY_LIMIT, maxAgeMs: t.maxAgeMs }));
    }
  }

  /** The policy of a concrete topic (the most specific configured entry), or undefined when it keeps no history. */
  policyFor(topic: string): HistoryPolicy | undefined {
    return this.policies.best(topic);
  }

  /** Keep a publication if its topic has history. Returns the topics forgotten (for the operator's log). */
  record(event: Omit<StoredEvent, 'seq'>, now: number): readonly string[] {
    const policy = this.policyFor(event.topic);
    return policy === undefined ? [] : this.store.append({ ...event, seq: ++this.seq }, policy, now);
  }

  /**
   * The newest `limit` events (oldest first) a subscription on `uri`/`match`
   * covers that `reader` may see, or undefined when no history is kept for
   * it (an exact subscription on a topic without history).
   */
  query(uri: string, match: 'exact' | 'prefix' | 'wildcard', reader: Peer, limit: number, now: number): StoredEvent[] | undefined {
    const out: StoredEvent[] = [];
    const take = (topic: string): void => {
      const policy = this.policyFor(topic);
      if (policy === undefined) return;
      for (const e of this.store.read(topic, policy, now)) if (visible(e, reader)) out.push(e);
    };
    if (match === 'exact') {
      if (this.policyFor(uri) === undefined) return undefined;
      take(uri);
    } else {
      for (const topic of [...this.store.topics()]) if (uriMatches(uri, match, topic)) take(topic);
      // Events of several topics: back into publication order.
      out.sort((a, b) => a.seq - b.seq);
    }
    return out.length > limit ? out.slice(out.length - limit) : out;
  }
}

function visible(e: StoredEvent, reader: Peer): boolean {
  if (e.excludeMe && e.publisherId === reader.id) return false;
  if (e.eligibility !== undefined && !e.eligibility.admits(reader)) return false;
  // A passthru payload only to a reader that can take it.
  if (e.payload.payload !== undefined && !reader.features.passthru.subscriber) return false;
  return true;
}

/** One event as `wamp.subscription.get_events` returns it. */
export function eventRecord(e: StoredEvent, subscription: number): Dict {
  const out: Record<string, unknown> = {
    timestamp: isoTimestamp(e.at),
    subscription,
    publication: e.publication,
    topic: e.topic,
    details: e.details,
  };
  if (e.payload.payload !== undefined) out['payload'] = e.payload.payload;
  else {
    out['args'] = e.payload.args ?? [];
    out['kwargs'] = e.payload.kwargs ?? {};
  }
  return out;
}
