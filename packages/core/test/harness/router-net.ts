// An in-memory net on a virtual clock (STYLE §8): one Router core, and two
// kinds of clients on it. Raw clients (`connect`, `join`) speak raw messages
// (the constructors of wire/messages.ts), so a router test sees the exact frames
// exchanged; ClientSession cores (`peer`, quinn's `Pair`) speak for
// themselves, so a test of both sides reads as the application would. Every
// input is followed by a full drain, as the Router class doc prescribes, and
// `advance()` moves the clock to each deadline of the router or a client core.

import {
  ClientSession,
  MessageType,
  Router,
  authenticate,
  call,
  decodeMessage,
  encodeMessage,
  hello,
  register,
  jsonSerializer,
  seededRandomId,
  subscribe,
  type ClientEvent,
  type ClientSessionOptions,
  type CryptoProvider,
  type RouterKey,
  type Dict,
  type ErrorMsg,
  type Frame,
  type Message,
  type MessageInterceptor,
  type Result,
  type RouterEvent,
  type RouterProbe,
  type RouterSession,
  type Serializer,
  type SessionClose,
  type SessionInfo,
  type Welcome,
} from '@wamp/core';
import { FULL_CLIENT_ROLES as FULL_ROLES } from '../kit/roles.js';

export { BASIC_CLIENT_ROLES as BASIC_ROLES, FULL_CLIENT_ROLES as FULL_ROLES } from '../kit/roles.js';

export const T0 = 1_700_000_000_000;

export interface JoinOptions {
  readonly realm?: string;
  readonly roles?: Dict;
  readonly details?: Dict;
  readonly serializer?: Serializer;
  readonly info?: Partial<SessionInfo>;
}

/** What a {@link TestClient} needs of the net it is on (a {@link RouterNet} or a cluster of routers). */
export interface ClientNet {
  readonly now: number;
  /** Deliver everything pending (frames; in a cluster also the bus) until quiet. */
  flush(): void;
}

export class TestClient {
  readonly inbox: Message[] = [];
  closed: SessionClose | undefined;
  sessionId = 0;
  welcome: Welcome | undefined;
  private lastRequest = 0;

  constructor(
    readonly net: ClientNet,
    readonly session: RouterSession,
    readonly serializer: Serializer,
  ) {}

  /** The next session-scope request ID (sequential, as the strict router expects). */
  req(): number {
    return ++this.lastRequest;
  }

  send(msg: Message): void {
    this.sendRaw(encodeMessage(this.serializer, msg));
  }

  sendRaw(frame: Frame): void {
    this.session.handleMessage(frame, this.net.now);
    this.net.flush();
  }

  /** Everything received since the last take. */
  take(): Message[] {
    return this.inbox.splice(0, this.inbox.length);
  }

  /** Exactly one message must have arrived. */
  one(): Message {
    const got = this.take();
    if (got.length !== 1) throw new Error(`expected one message, got ${got.length}: ${JSON.stringify(got.map(show))}`);
    return got[0]!;
  }

  /** Received messages of one type, removed from the inbox (others stay). */
  takeType(type: number): Message[] {
    const out: Message[] = [];
    for (let i = 0; i < this.inbox.length; ) {
      if (this.inbox[i]!.type === type) out.push(this.inbox.splice(i, 1)[0]!);
      else i++;
    }
    return out;
  }

  /** The answer to request `request` of type `requestType` (its `ok` message or an ERROR), taken from the inbox; other messages stay. */
  answer(requestType: number, request: number, ok: number): Message {
    const i = this.inbox.findIndex(
      (m) => (m.type === ok || (m.type === MessageType.ERROR && m.requestType === requestType)) && (m as { request?: number }).request === request,
    );
    if (i < 0) throw new Error(`no answer to request ${request}: ${JSON.stringify(this.inbox.map(show))}`);
    return this.inbox.splice(i, 1)[0]!;
  }

  /** REGISTER `uri`; the registration ID (fails the test on an ERROR). */
  register(uri: string, options: Dict = {}): number {
    const r = this.req();
    this.send(register(r, uri, options));
    const m = this.answer(MessageType.REGISTER, r, MessageType.REGISTERED);
    if (m.type !== MessageType.REGISTERED) throw new Error(`register failed: ${JSON.stringify(m)}`);
    return m.registration;
  }

  /** SUBSCRIBE to `topic`; the subscription ID (fails the test on an ERROR). */
  subscribe(topic: string, options: Dict = {}): number {
    const r = this.req();
    this.send(subscribe(r, topic, options));
    const m = this.answer(MessageType.SUBSCRIBE, r, MessageType.SUBSCRIBED);
    if (m.type !== MessageType.SUBSCRIBED) throw new Error(`subscribe failed: ${JSON.stringify(m)}`);
    return m.subscription;
  }

  /** CALL `procedure` (a meta procedure, say) and take its RESULT or ERROR. */
  call(procedure: string, args?: unknown[], kwargs?: Dict): Result | ErrorMsg {
    const r = this.req();
    this.send(call(r, procedure, { args, kwargs }));
    return this.answer(MessageType.CALL, r, MessageType.RESULT) as Result | ErrorMsg;
  }

  dropTransport(): void {
    this.session.handleTransportClosed(this.net.now);
    this.net.flush();
  }
}

/** The client's one message must be WELCOME: it is the client's session from now on. */
function welcomed(c: TestClient): TestClient {
  const m = c.one();
  if (m.type !== MessageType.WELCOME) throw new Error(`expected WELCOME, got ${JSON.stringify(m)}`);
  c.welcome = m;
  c.sessionId = m.session;
  return c;
}

/** Send HELLO (FULL_ROLES unless `opts.roles`) from a connected raw client; it must be welcomed. */
export function joinOn(c: TestClient, opts: JoinOptions = {}): TestClient {
  c.send(hello(opts.realm ?? 'realm1', { roles: opts.roles ?? FULL_ROLES, ...opts.details }));
  return welcomed(c);
}

function show(m: Message): unknown {
  return { ...m };
}

/** A ClientSession core on a router session of the net. */
export class Peer {
  readonly events: ClientEvent[] = [];

  constructor(
    readonly net: RouterNet,
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

export interface NetOptions {
  readonly seed?: number;
  readonly crypto?: CryptoProvider;
  readonly probe?: RouterProbe;
  readonly routerKey?: RouterKey;
  readonly interceptor?: MessageInterceptor;
  readonly maxAuthCookies?: number;
}

export class RouterNet {
  now = T0;
  readonly router: Router;
  readonly events: RouterEvent[] = [];
  private readonly clients = new Map<RouterSession, TestClient>();
  private readonly peers = new Map<RouterSession, Peer>();

  constructor(config: unknown = { realms: [{ name: 'realm1' }] }, opts: NetOptions = {}) {
    this.router = Router.fromConfig(config, {
      randomId: seededRandomId(opts.seed ?? 1),
      ...(opts.crypto !== undefined ? { crypto: opts.crypto } : {}),
      ...(opts.probe !== undefined ? { probe: opts.probe } : {}),
      ...(opts.routerKey !== undefined ? { routerKey: opts.routerKey } : {}),
      ...(opts.interceptor !== undefined ? { interceptor: opts.interceptor } : {}),
      ...(opts.maxAuthCookies !== undefined ? { maxAuthCookies: opts.maxAuthCookies } : {}),
    });
  }

  connect(serializer: Serializer = jsonSerializer, info: Partial<SessionInfo> = {}): TestClient {
    const session = this.router.openSession({ transport: 'websocket', serializer, peer: 'test', ...info }, this.now);
    const c = new TestClient(this, session, serializer);
    this.clients.set(session, c);
    return c;
  }

  /** Connect and join; the client must be welcomed. */
  join(opts: JoinOptions = {}): TestClient {
    return joinOn(this.connect(opts.serializer, opts.info), opts);
  }

  /** Join with static ticket authentication (synchronous: no event round trip). */
  joinTicket(authid: string, ticket: string, opts: JoinOptions = {}): TestClient {
    const c = this.connect(opts.serializer, opts.info);
    c.send(hello(opts.realm ?? 'realm1', { roles: opts.roles ?? FULL_ROLES, authmethods: ['ticket'], authid, ...opts.details }));
    const ch = c.one();
    if (ch.type !== MessageType.CHALLENGE || ch.authMethod !== 'ticket') throw new Error(`expected CHALLENGE ticket, got ${JSON.stringify(ch)}`);
    c.send(authenticate(ticket));
    return welcomed(c);
  }

  /** A ClientSession core on a fresh router session, joined to `realm`. */
  peer(realm = 'realm1', options: Partial<ClientSessionOptions> = {}, serializer: Serializer = jsonSerializer): Peer {
    const core = new ClientSession({ serializer, ...options });
    const routerSide = this.router.openSession({ transport: 'internal', serializer, peer: 'test' }, this.now);
    const p = new Peer(this, core, routerSide);
    this.peers.set(routerSide, p);
    p.run((s, now) => s.join({ realm }, now));
    if (!p.take().some((e) => e.type === 'joined')) throw new Error('the client was not welcomed');
    return p;
  }

  /** Shuttle everything pending until the router and every client core are idle. */
  flush(): void {
    for (let moved = true; moved; ) {
      moved = false;
      for (const p of this.peers.values()) {
        for (let f = p.core.pollTransmit(); f !== undefined; f = p.core.pollTransmit()) {
          moved = true;
          p.routerSide.handleMessage(f, this.now);
        }
        for (let e = p.core.pollEvent(); e !== undefined; e = p.core.pollEvent()) p.events.push(e);
      }
      for (let s = this.router.pollReady(); s !== undefined; s = this.router.pollReady()) {
        const c = this.clients.get(s);
        const p = this.peers.get(s);
        for (let f = s.pollTransmit(); f !== undefined; f = s.pollTransmit()) {
          if (c !== undefined) c.inbox.push(decodeMessage(c.serializer, f));
          if (p !== undefined) {
            moved = true;
            p.core.handleMessage(f, this.now);
          }
        }
        const close = s.pollClose();
        if (close !== undefined && c !== undefined) c.closed = close;
        if (close !== undefined && p !== undefined) p.core.handleTransportClosed();
      }
      for (let e = this.router.pollEvent(); e !== undefined; e = this.router.pollEvent()) this.events.push(e);
    }
    for (const p of this.peers.values()) for (let e = p.core.pollEvent(); e !== undefined; e = p.core.pollEvent()) p.events.push(e);
  }

  /** Events of one type seen so far, removed from the log. */
  takeEvents<T extends RouterEvent['type']>(type: T): Extract<RouterEvent, { type: T }>[] {
    const out: Extract<RouterEvent, { type: T }>[] = [];
    for (let i = 0; i < this.events.length; ) {
      const e = this.events[i]!;
      if (e.type === type) {
        out.push(e as Extract<RouterEvent, { type: T }>);
        this.events.splice(i, 1);
      } else i++;
    }
    return out;
  }

  /** Move the clock by `ms`, stopping at each deadline of the router or a client core. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const deadlines = [this.router.pollTimeout(), ...[...this.peers.values()].map((p) => p.core.pollTimeout())].filter(
        (d): d is number => d !== undefined && d <= target,
      );
      if (deadlines.length === 0) break;
      this.now = Math.max(this.now, Math.min(...deadlines));
      this.router.handleTimeout(this.now);
      for (const p of this.peers.values()) p.core.handleTimeout(this.now);
      this.flush();
    }
    this.now = target;
    this.router.handleTimeout(this.now);
    this.flush();
  }

  /** Run every pending `authenticate` event through runAuth and apply the verdicts. */
  async settleAuth(): Promise<void> {
    for (let pending = this.takeEvents('authenticate'); pending.length > 0; pending = this.takeEvents('authenticate')) {
      for (const e of pending) {
        const verdict = await this.router.runAuth(e);
        this.router.completeAuthentication(e.session, verdict, this.now);
        this.flush();
      }
    }
  }
}
