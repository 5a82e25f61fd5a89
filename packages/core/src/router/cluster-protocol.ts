/**
 * What crosses between the router nodes of a cluster: plain data, decided
 * here in the sans-IO core and carried by an adapter (NATS in
 * `@wamp/node-router`) without interpretation.
 *
 * Every node broadcasts the changes of its own sessions (join, leave,
 * registrations, subscriptions, testaments) and keeps a replica of every
 * other node's; a publication travels only to the nodes whose replica shows a
 * matching subscription; a call to a callee on another node travels as the
 * INVOCATION it becomes and comes back as the callee's YIELD or ERROR. A
 * `single` (or the first shared) registration of a URI is claimed in a
 * consistent key-value store, so two nodes can never both win it.
 *
 * The adapter's contract:
 * - deliver each {@link ClusterEnvelope} of `Router.pollCluster()` to the
 *   node named by `to` (or to every other node when `to` is undefined) and
 *   hand it there to `Router.handleCluster(envelope, now)`, preserving the
 *   order of envelopes from one node to another (NATS does per connection);
 * - run each {@link StoreRequest} against the store and answer it with
 *   `Router.handleStoreResult(id, result, now)`;
 * - call `Router.handleBusState(up, now)` when the connection to the bus is
 *   lost and when it is back.
 */

import type { Dict } from '../types.js';
import type { MatchPolicy } from '../uri.js';
import type { PeerFeatures, Testament } from './peer-info.js';

/** Cluster settings of a router node. */
export interface ClusterOptions {
  /** This node's name, unique in the cluster. */
  readonly node: string;
  /** How often the node says it is alive (ms). Default 500. */
  readonly heartbeatMs?: number;
  /** A node silent for this long is taken as dead (ms). Default 2500 (so a dead node is noticed within 3 s). */
  readonly nodeTimeoutMs?: number;
}

/** Sessions (with their registrations, subscriptions, testaments) per part of a state exchange. */
export const SYNC_PART_SESSIONS = 200;

/** Default {@link ClusterOptions.heartbeatMs}. */
export const DEFAULT_HEARTBEAT_MS = 500;
/** Default {@link ClusterOptions.nodeTimeoutMs}. */
export const DEFAULT_NODE_TIMEOUT_MS = 2500;

/** A session of another node, as replicated to every node. */
export interface SessionRecord {
  readonly id: number;
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: string;
  readonly authprovider: string;
  readonly authextra?: Dict | undefined;
  /** Trusted internal session (may serve dynamic authenticators). */
  readonly trusted: boolean;
  readonly transport: Dict;
  readonly features: PeerFeatures;
  readonly joinedAt: number;
  /** The trust level of the transport it came in on (trust levels), if any. */
  readonly trustlevel?: number | undefined;
}

/** One callee's place in a registration. `order` sorts callees the same way on every node. */
export interface RegistrationRecord {
  readonly session: number;
  readonly uri: string;
  readonly match: MatchPolicy;
  readonly invoke: string;
  readonly discloseCaller: boolean;
  readonly order: CalleeOrder;
  /** The node holding the registration's claim in the store. */
  readonly owner: string;
  /** REGISTER.Options.nkey: the shard the callee serves (sharded registrations). */
  readonly nkey?: string | undefined;
}

/** (time registered, node, session): one total order of callees across the cluster. */
export type CalleeOrder = readonly [number, string, number];

/** One subscriber's place in a subscription, as replicated to every node. */
export interface SubscriptionRecord {
  readonly session: number;
  readonly uri: string;
  readonly match: MatchPolicy;
  /** SUBSCRIBE.Options.nkey: the shard the subscriber serves (sharded subscriptions). */
  readonly nkey?: string | undefined;
}

/** A session's testaments, as replicated to every node (published by the survivors if its node dies). */
export interface TestamentRecord {
  readonly session: number;
  readonly detached: readonly Testament[];
  readonly destroyed: readonly Testament[];
}

/** A publication as it crosses to another node: what that node needs to deliver it to its own subscribers. */
export interface PublicationRecord {
  readonly topic: string;
  readonly publication: number;
  readonly args?: readonly unknown[] | undefined;
  readonly kwargs?: Dict | undefined;
  /** A Payload Passthru Mode payload, carried untouched (instead of args/kwargs). */
  readonly payload?: unknown;
  /** EVENT.Details as published (publisher identity if disclosed, trust level, ppt_* attributes). */
  readonly details: Dict;
  readonly publisher: number | undefined;
  readonly excludeMe: boolean;
  /** The PUBLISH options that filter subscribers (exclude/eligible lists, `rkey`). */
  readonly options: Dict;
}

/** A retained event, replicated so a subscriber on any node gets it. */
export interface RetainedRecord extends PublicationRecord {
  /** When it was published (the newest of a topic wins). */
  readonly at: number;
}

/** Everything one node owns in one realm. */
export interface RealmState {
  readonly realm: string;
  readonly sessions: readonly SessionRecord[];
  readonly registrations: readonly RegistrationRecord[];
  readonly subscriptions: readonly SubscriptionRecord[];
  readonly testaments: readonly TestamentRecord[];
  readonly retained: readonly RetainedRecord[];
}

/** What one node tells another (or every other): `t` names the kind. */
export type ClusterMessage =
  /** I am alive. */
  | { readonly t: 'hb' }
  /**
   * My whole state; `reply`: send me yours. A large state comes in parts
   * (`more` on all but the last), applied together when the last arrives.
   */
  | { readonly t: 'sync'; readonly reply: boolean; readonly realms: readonly RealmState[]; readonly more?: boolean }
  | { readonly t: 'join'; readonly realm: string; readonly session: SessionRecord }
  /** `announce` false: `wamp.session.kill_all` (no meta events). */
  | { readonly t: 'leave'; readonly realm: string; readonly session: number; readonly announce: boolean }
  /** `b`: a barrier to acknowledge (the REGISTERED/SUBSCRIBED waits for every node's `ack`). */
  | { readonly t: 'reg'; readonly realm: string; readonly r: RegistrationRecord; readonly b: number }
  | { readonly t: 'unreg'; readonly realm: string; readonly session: number; readonly uri: string; readonly match: MatchPolicy }
  | { readonly t: 'sub'; readonly realm: string; readonly s: SubscriptionRecord; readonly b: number }
  | { readonly t: 'unsub'; readonly realm: string; readonly session: number; readonly uri: string; readonly match: MatchPolicy }
  | { readonly t: 'ack'; readonly b: number }
  | { readonly t: 'testament'; readonly realm: string; readonly r: TestamentRecord }
  /** A publication for the subscribers on the receiving node (and, with `retain`, to keep). */
  | ({ readonly t: 'event'; readonly realm: string; readonly retain: boolean } & PublicationRecord)
  /** An INVOCATION (or INTERRUPT, with `interrupt`) for callee `session`; `id` is the sender's invocation ID. */
  | {
      readonly t: 'inv';
      readonly realm: string;
      readonly session: number;
      readonly id: number;
      readonly registration: number;
      readonly args?: readonly unknown[] | undefined;
      readonly kwargs?: Dict | undefined;
      readonly details: Dict;
    }
  | { readonly t: 'int'; readonly realm: string; readonly session: number; readonly id: number; readonly options: Dict }
  /** The callee's YIELD (`error` undefined) or ERROR for invocation `id` of the receiving node. */
  | {
      readonly t: 'ans';
      readonly realm: string;
      readonly session: number;
      readonly id: number;
      readonly error?: string | undefined;
      readonly args?: readonly unknown[] | undefined;
      readonly kwargs?: Dict | undefined;
      readonly options: Dict;
    }
  /** Kill session `session` (meta API on another node). */
  | {
      readonly t: 'kill';
      readonly realm: string;
      readonly session: number;
      readonly reason: string;
      readonly message?: string | undefined;
      readonly announce: boolean;
    }
  /** Revoke a registration or subscription of `session` (meta API on another node). */
  | {
      readonly t: 'revoke';
      readonly realm: string;
      readonly session: number;
      readonly kind: 'registration' | 'subscription';
      readonly uri: string;
      readonly match: MatchPolicy;
      readonly reason?: string | undefined;
    };

/** One message on the bus: who sent it (node and incarnation) and to whom. */
export interface ClusterEnvelope {
  readonly from: string;
  /** The sender's incarnation: a node restarted under the same name is a new member. */
  readonly inc: number;
  /** The receiving node; undefined for every other node. */
  readonly to: string | undefined;
  readonly m: ClusterMessage;
}

/** What a registration claim holds in the store. */
export interface ClaimValue {
  readonly node: string;
  /** The claiming node's incarnation: a claim of an earlier life of a node is stale. */
  readonly inc?: number;
  readonly invoke: string;
}

/** A request to the consistent store (a JetStream KV bucket, say). */
export type StoreRequest =
  /** Create `key` with `value` unless it exists; answered `{ ok: true }` or `{ ok: false, existing }`. */
  | { readonly id: number; readonly op: 'create'; readonly key: string; readonly value: ClaimValue }
  /**
   * Delete `key` if its value's node is `owner` (and, when given, its
   * incarnation `inc`): compare-and-delete; answered `{ ok }`.
   */
  | { readonly id: number; readonly op: 'delete'; readonly key: string; readonly owner: string; readonly inc?: number };

/** The store's answer to a {@link StoreRequest}. */
export type StoreResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly existing?: ClaimValue | undefined; readonly unavailable?: boolean };

/** What `Router.pollCluster()` hands the adapter. */
export type ClusterOutput = { readonly kind: 'send'; readonly envelope: ClusterEnvelope } | { readonly kind: 'store'; readonly request: StoreRequest };

/**
 * The ID of a registration or subscription in a cluster: the same on every
 * node for one (URI, match policy), so the meta API agrees everywhere.
 * FNV-1a over the UTF-16 code units, two 32-bit lanes folded into [1, 2^53].
 */
export function clusterId(uri: string, match: MatchPolicy): number {
  const text = `${match}\u0000${uri}`;
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
    b ^= b >>> 15;
  }
  return (b & 0x1fffff) * 0x100000000 + a + 1;
}

/** The store key of a registration claim: safe for KV key rules ([-/_=.a-zA-Z0-9]). */
export function claimKey(realm: string, uri: string, match: MatchPolicy): string {
  return `reg.${clusterId(realm, 'exact').toString(36)}.${clusterId(uri, match).toString(36)}`;
}

/** Order callees by (time, node, session). */
export function compareOrder(x: CalleeOrder, y: CalleeOrder): number {
  if (x[0] !== y[0]) return x[0] - y[0];
  if (x[1] !== y[1]) return x[1] < y[1] ? -1 : 1;
  return x[2] - y[2];
}
