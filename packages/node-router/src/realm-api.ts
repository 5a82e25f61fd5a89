/**
 * In-process procedures and topics of one realm. The router process joins the
 * realm through an internal session (an in-memory transport into the core
 * router), so the meta API, authorization-free trust and caller/publisher
 * disclosure treat it exactly like a remote session.
 */

import { jsonSerializer, type Args, type KwArgs, type PublishOptions, type RegisterOptions, type SubscribeOptions } from '@wamp/core';
import {
  Session,
  memoryTransportPair,
  mountRoutes,
  transportInfo,
  type MountedRoutes,
  type RouteSet,
  type SessionContext,
  type CallOptions,
  type EventHandler,
  type InvocationHandler,
  type Registration,
  type Result,
  type Subscription,
} from '@wamp/client';
import type { RouterHost } from './host.js';

/** The authid and authrole of the router's internal session in a realm. */
export interface InternalIdentity {
  readonly authid: string;
  readonly authrole: string;
}

const DEFAULT_IDENTITY: InternalIdentity = { authid: 'router', authrole: 'router' };

/** Procedures and topics of a realm served from inside the router process, through an internal session. */
export class RealmApi {
  private sessionPromise: Promise<Session> | undefined;

  constructor(
    readonly name: string,
    private readonly host: RouterHost,
    private readonly identity: InternalIdentity = DEFAULT_IDENTITY,
  ) {}

  /** The internal session, joined on first use. */
  session(): Promise<Session> {
    this.sessionPromise ??= this.join();
    return this.sessionPromise;
  }

  private async join(): Promise<Session> {
    // JSON keeps the internal hop cheap to debug; the payload never leaves the process.
    const [client, server] = memoryTransportPair(jsonSerializer);
    this.host.attach(server, {
      transport: 'internal',
      serializer: jsonSerializer,
      authid: this.identity.authid,
      authrole: this.identity.authrole,
      trusted: true,
    });
    return Session.join(client, { realm: this.name });
  }

  /** Register a procedure served by this process (same handler contract as `@wamp/client`). */
  async register<A extends Args = Args, K extends KwArgs = KwArgs>(
    procedure: string,
    handler: InvocationHandler<A, K>,
    options: RegisterOptions = {},
  ): Promise<Registration> {
    return (await this.session()).register(procedure, handler, options);
  }

  /** Subscribe to `topic` from inside the router. */
  async subscribe<A extends Args = Args, K extends KwArgs = KwArgs>(
    topic: string,
    handler: EventHandler<A, K>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    return (await this.session()).subscribe(topic, handler, options);
  }

  /** Publish an event from the server side. Resolves with the publication id when `acknowledge` is set. */
  async publish(topic: string, args?: Args, kwargs?: KwArgs, options: PublishOptions = {}): Promise<number | undefined> {
    return (await this.session()).publish(topic, args, kwargs, options);
  }

  /** Call `procedure` from inside the router. */
  async call<R = unknown>(procedure: string, args?: Args, kwargs?: KwArgs, options: CallOptions = {}): Promise<Result<R>> {
    return (await this.session()).call<R>(procedure, args, kwargs, options);
  }

  /**
   * Mount a route set on this realm: its procedures are served and its
   * topics handled by the internal session, and its subscription hooks
   * watch the realm. Handlers see their caller's session ID, authid,
   * authrole, authmethod, authextra and transport (peer address, and the
   * HTTP headers, cookies and TLS client certificate where the transport
   * recorded them) whether or not the caller set `disclose_me`.
   */
  async mount(routes: RouteSet): Promise<MountedRoutes> {
    const session = await this.session();
    return mountRoutes(session, routes, { identify: (id, disclosed) => this.identify(id, disclosed) });
  }

  /**
   * Publish an event that only session `to` receives (PUBLISH.Options.eligible);
   * resolves once the router has it.
   */
  async sendTo(to: number, topic: string, args?: Args, kwargs?: KwArgs, options: PublishOptions = {}): Promise<void> {
    await (await this.session()).publish(topic, args, kwargs, { ...options, eligible: [to] });
  }

  /** What the core router knows about session `id` of this realm, as handlers see it. */
  identify(id: number, disclosed: { readonly authid: string | undefined; readonly authrole: string | undefined } = { authid: undefined, authrole: undefined }): SessionContext {
    const d = this.host.router.describeSession(this.name, id);
    if (d === undefined) {
      return { session: id, authid: disclosed.authid, authrole: disclosed.authrole, authmethod: undefined, authextra: undefined, transport: undefined };
    }
    return { session: id, authid: d.authid, authrole: d.authrole, authmethod: d.authmethod, authextra: d.authextra, transport: transportInfo(d.transport, d.info ?? {}) };
  }

  /** @internal The router is closing; the internal session goes with it. */
  dispose(): void {
    this.sessionPromise = undefined;
  }
}
