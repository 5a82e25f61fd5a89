// An in-memory net for router tests: one Router, many raw clients, a virtual
// clock. Clients speak raw messages (the constructors of messages.ts), encoded
// with their serializer; every input is followed by a full drain of the
// router, as the Router class doc prescribes, so each test sees the exact
// frames exchanged.

import {
  MessageType,
  Router,
  authenticate,
  decodeMessage,
  encodeMessage,
  hello,
  jsonSerializer,
  seededRandomId,
  type CryptoProvider,
  type RouterKey,
  type Dict,
  type Frame,
  type Message,
  type MessageInterceptor,
  type RouterEvent,
  type RouterProbe,
  type RouterSession,
  type Serializer,
  type SessionClose,
  type SessionInfo,
  type Welcome,
} from '@wamp/core';

/** Every client role with every feature the router implements. */
export const FULL_ROLES: Dict = {
  caller: {
    features: {
      caller_identification: true,
      call_canceling: true,
      progressive_call_results: true,
      progressive_call_invocations: true,
    },
  },
  callee: {
    features: {
      caller_identification: true,
      call_canceling: true,
      progressive_call_results: true,
      progressive_call_invocations: true,
      pattern_based_registration: true,
      shared_registration: true,
      registration_revocation: true,
    },
  },
  publisher: { features: { publisher_identification: true, publisher_exclusion: true, subscriber_blackwhite_listing: true } },
  subscriber: { features: { pattern_based_subscription: true, publisher_identification: true, subscription_revocation: true } },
};

/** The basic profile: roles without features. */
export const BASIC_ROLES: Dict = { caller: {}, callee: {}, publisher: {}, subscriber: {} };

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

  dropTransport(): void {
    this.session.handleTransportClosed(this.net.now);
    this.net.flush();
  }
}

function show(m: Message): unknown {
  return { ...m };
}

export interface NetOptions {
  readonly seed?: number;
  readonly crypto?: CryptoProvider;
  readonly probe?: RouterProbe;
  readonly routerKey?: RouterKey;
  readonly interceptor?: MessageInterceptor;
}

export class RouterNet {
  now = T0;
  readonly router: Router;
  readonly events: RouterEvent[] = [];
  private readonly clients = new Map<RouterSession, TestClient>();

  constructor(config: unknown, opts: NetOptions = {}) {
    this.router = Router.fromConfig(config, {
      randomId: seededRandomId(opts.seed ?? 1),
      ...(opts.crypto !== undefined ? { crypto: opts.crypto } : {}),
      ...(opts.probe !== undefined ? { probe: opts.probe } : {}),
      ...(opts.routerKey !== undefined ? { routerKey: opts.routerKey } : {}),
      ...(opts.interceptor !== undefined ? { interceptor: opts.interceptor } : {}),
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
    const c = this.connect(opts.serializer, opts.info);
    c.send(hello(opts.realm ?? 'realm1', { roles: opts.roles ?? FULL_ROLES, ...opts.details }));
    const m = c.one();
    if (m.type !== MessageType.WELCOME) throw new Error(`expected WELCOME, got ${JSON.stringify(m)}`);
    c.welcome = m;
    c.sessionId = m.session;
    return c;
  }

  /** Join with static ticket authentication (synchronous: no event round trip). */
  joinTicket(authid: string, ticket: string, opts: JoinOptions = {}): TestClient {
    const c = this.connect(opts.serializer, opts.info);
    c.send(hello(opts.realm ?? 'realm1', { roles: opts.roles ?? FULL_ROLES, authmethods: ['ticket'], authid, ...opts.details }));
    const ch = c.one();
    if (ch.type !== MessageType.CHALLENGE || ch.authMethod !== 'ticket') throw new Error(`expected CHALLENGE ticket, got ${JSON.stringify(ch)}`);
    c.send(authenticate(ticket));
    const m = c.one();
    if (m.type !== MessageType.WELCOME) throw new Error(`expected WELCOME, got ${JSON.stringify(m)}`);
    c.welcome = m;
    c.sessionId = m.session;
    return c;
  }

  /** Drain the router completely into the clients' inboxes. */
  flush(): void {
    for (let s = this.router.pollReady(); s !== undefined; s = this.router.pollReady()) {
      const c = this.clients.get(s);
      for (let f = s.pollTransmit(); f !== undefined; f = s.pollTransmit()) {
        if (c === undefined) continue;
        c.inbox.push(decodeMessage(c.serializer, f));
      }
      const close = s.pollClose();
      if (close !== undefined && c !== undefined) c.closed = close;
    }
    for (let e = this.router.pollEvent(); e !== undefined; e = this.router.pollEvent()) this.events.push(e);
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

  /** Move the clock and fire due deadlines. */
  advance(ms: number): void {
    this.now += ms;
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
