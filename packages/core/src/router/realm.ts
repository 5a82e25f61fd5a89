/**
 * A realm: its sessions, broker, dealer, roles, authentication methods and
 * limits. Joining and leaving go through here, so that leaving always cleans
 * up the same way whatever the cause (GOODBYE, ABORT, transport loss, a
 * protocol violation, a kill).
 *
 * Layer 3 of the router (see `router.ts`): the container that composes the
 * realm's state with its broker and dealer, and implements
 * {@link RealmState} for them — the meta events it publishes go through the
 * broker, the meta procedures it answers through `meta.ts` — so that neither
 * the broker nor the dealer imports the other, this file or the meta API.
 */

import { Role, openRole } from './authorization.js';
import { Broker } from './broker.js';
import type { AuthMethodsConfig, RealmConfig, SessionLimits } from './config.js';
import { Dealer } from './dealer.js';
import { handleMetaCall } from './meta.js';
import type { Peer, RealmState, RouterServices, TestamentScope } from './peer.js';
import type { Call } from '../wire/messages.js';
import { TrustLevels } from './trust.js';
import { EventHistory, type HistoryStore } from './history.js';
import type { Dict } from '../types.js';

const DEFAULT_AUTH: AuthMethodsConfig = Object.freeze({ anonymous: Object.freeze({ type: 'static', authrole: 'anonymous' }) });

export class Realm implements RealmState {
  readonly name: string;
  readonly peers = new Map<number, Peer>();
  readonly broker: Broker;
  readonly dealer: Dealer;
  readonly limits: SessionLimits;
  readonly auth: AuthMethodsConfig;
  /** Trust levels by role (advanced profile, "Trust Levels"). */
  readonly trust: TrustLevels;
  /** Event history, when the realm configures topics for it. */
  readonly history: EventHistory | undefined;
  /** Configured roles; undefined for an open realm. */
  private readonly roles: Map<string, Role> | undefined;
  /** Roles made on demand (open realms, trusted internal sessions), one object per name. */
  private readonly adhocRoles = new Map<string, Role>();

  constructor(
    readonly router: RouterServices & { readonly historyStore?: ((realm: string) => HistoryStore) | undefined },
    config: RealmConfig,
    limits: SessionLimits,
  ) {
    this.name = config.name;
    this.limits = config.limits === undefined ? limits : Object.freeze({ ...limits, ...config.limits });
    this.auth = config.auth ?? DEFAULT_AUTH;
    this.roles = config.roles === undefined ? undefined : new Map(config.roles.map((r) => [r.name, new Role(r)]));
    this.trust = new TrustLevels(config.roles);
    this.history =
      config.history === undefined || config.history.length === 0 ? undefined : new EventHistory(config.history, router.historyStore?.(config.name));
    this.broker = new Broker(this);
    this.dealer = new Dealer(this);
  }

  /**
   * The role a session authenticated as `authrole` gets, or undefined when
   * the realm has roles and this is none of them (`wamp.error.no_such_role`).
   * `trusted` is for internal sessions the embedding application marked so.
   */
  roleFor(authrole: string, trusted: boolean): Role | undefined {
    if (!trusted && this.roles !== undefined) return this.roles.get(authrole);
    const key = trusted ? `trusted:${authrole}` : authrole;
    let r = this.adhocRoles.get(key);
    if (r === undefined) {
      r = trusted ? new Role({ name: authrole, trusted: true }) : openRole(authrole);
      this.adhocRoles.set(key, r);
    }
    return r;
  }

  /** Publish a meta event if anyone listens (arguments are built by the caller only then). */
  meta(topic: string, args: readonly unknown[]): void {
    this.broker.publishMeta(topic, args);
  }

  /**
   * A registration or subscription meta event: `[session, id]`, or
   * `[session, details]` for `on_create`. Nothing is built when nobody listens.
   */
  lifecycle(topic: string, session: number, subject: { readonly id: number; details(): Dict }, withDetails = false): void {
    if (!this.broker.hasSubscribers(topic)) return;
    this.broker.publishMeta(topic, [session, withDetails ? subject.details() : subject.id]);
  }

  /** The role of a session of another cluster node (the same configuration runs on every node). */
  replicaRole(authrole: string, trusted: boolean): Role {
    return this.roleFor(authrole, trusted) ?? this.roleFor(authrole, true)!;
  }

  /** Answer a CALL to a `wamp.*` meta procedure (the dealer's callback into `meta.ts`); false when there is none. */
  metaCall(caller: Peer, msg: Call, now: number): boolean {
    return handleMetaCall(this, caller, msg, now);
  }

  wantsMeta(topic: string): boolean {
    return this.broker.hasSubscribers(topic);
  }

  join(peer: Peer): void {
    this.peers.set(peer.id, peer);
    if (peer.home === undefined) this.router.cluster?.sessionJoined(peer);
    if (this.wantsMeta('wamp.session.on_join')) this.meta('wamp.session.on_join', [peer.details()]);
  }

  /**
   * `peer` leaves: its calls are answered or interrupted, its registrations
   * and subscriptions removed (with their meta events), then — unless
   * `quiet` (`wamp.session.kill_all`) — its testaments are published
   * (detached scope first, as a router without session resumption must) and
   * `wamp.session.on_leave` is fired.
   *
   * In a cluster, a session of another node (`peer.home`) leaves here when
   * its node says so (its testaments were published there) or when its node
   * is lost (`nodeLost`: they are published here, to local subscribers).
   */
  leave(peer: Peer, now: number, quiet: boolean, nodeLost = false): void {
    if (peer.left) return;
    peer.left = true;
    this.peers.delete(peer.id);
    this.dealer.removePeer(peer, now);
    this.broker.removePeer(peer);
    const local = peer.home === undefined;
    if (local) this.router.cluster?.sessionLeft(peer, !quiet);
    if (!quiet) {
      if (local || nodeLost) {
        for (const scope of ['detached', 'destroyed'] as TestamentScope[]) {
          for (const t of peer.testaments[scope]) this.broker.publishTestament(peer, t, now, local);
        }
      }
      if (this.wantsMeta('wamp.session.on_leave')) this.meta('wamp.session.on_leave', [peer.id, peer.authid, peer.authrole]);
    }
    peer.testaments.detached.length = 0;
    peer.testaments.destroyed.length = 0;
    peer.recentProgressive.clear();
  }
}
