import { describe, expect, it } from 'vitest';
import { jsonSerializer, seededRandomId } from '@wamp/core';
import {
  Client,
  ClientRegistration,
  LeanClient,
  LeanSession,
  Session,
  registerOnClient,
  ClientSubscription,
  Registration,
  SessionClosedError,
  Subscription,
  memoryTransportPair,
  type ClientEvents,
  type ClientOptions,
  type MemoryTransport,
  type Transport,
} from '@wamp/client';
import { FULL_ROUTER_ROLES, VirtualTime, settle, type Wire } from './harness.js';

/** One connection as the router sees it: every message, and automatic answers. */
class Connection {
  readonly log: Wire[] = [];
  private nextId = 100;

  constructor(
    readonly transport: MemoryTransport,
    private readonly router: AutoRouter,
  ) {
    transport.onFrame = (frame) => this.onMessage(jsonSerializer.decode(frame) as Wire);
  }

  send(wire: Wire): void {
    this.transport.send(jsonSerializer.encode(wire));
  }

  private onMessage(m: Wire): void {
    this.log.push(m);
    switch (m[0]) {
      case 1:
        if (this.router.abortJoin !== undefined) return this.send([3, {}, this.router.abortJoin]);
        return this.send([2, this.router.connections.length, { roles: FULL_ROUTER_ROLES }]);
      case 64:
        if (this.router.refuse.has(m[3] as string)) return this.send([8, 64, m[1], {}, 'wamp.error.procedure_already_exists']);
        return this.send([65, m[1], this.nextId++]);
      case 32:
        return this.send([33, m[1], this.nextId++]);
      case 66:
        return this.send([67, m[1]]);
      case 48:
        return this.send([50, m[1], {}, ['echo', ...((m[4] as unknown[]) ?? [])]]);
      case 6:
        return this.send([6, {}, 'wamp.close.goodbye_and_out']);
    }
  }
}

/** Hands out memory transports whose far end answers like a router. */
class AutoRouter {
  readonly connections: Connection[] = [];
  /** Fail the next n transport openings. */
  failNext = 0;
  /** Answer HELLO with ABORT and this reason. */
  abortJoin: string | undefined;
  readonly refuse = new Set<string>();

  readonly factory = async (): Promise<Transport> => {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('connection refused');
    }
    const [client, server] = memoryTransportPair(jsonSerializer);
    this.connections.push(new Connection(server, this));
    return client;
  };

  get last(): Connection {
    return this.connections.at(-1)!;
  }
}

interface Harness {
  readonly client: Client;
  readonly router: AutoRouter;
  readonly time: VirtualTime;
  readonly events: string[];
  readonly warnings: string[];
}

function harness(options: Partial<ClientOptions> = {}): Harness {
  const router = new AutoRouter();
  const time = new VirtualTime();
  const warnings: string[] = [];
  const random = seededRandomId(42);
  const client = new Client({
    transport: router.factory,
    realm: 'realm1',
    timers: time,
    clock: time.clock,
    random: () => (random() - 1) / 2 ** 53,
    onWarning: (m) => warnings.push(m),
    ...options,
  });
  const events: string[] = [];
  const log =
    <E extends keyof ClientEvents>(name: E, show: (e: ClientEvents[E]) => string) =>
    (e: ClientEvents[E]) =>
      events.push(`${name}${show(e)}`);
  client.on('connecting', log('connecting', (e) => ` #${e.attempt}`));
  client.on('open', log('open', (e) => ` ${e.session.id}`));
  client.on('closed', log('closed', (e) => ` ${e.reason}${e.willRetry ? ' (retry)' : ''}`));
  client.on('retrying', log('retrying', (e) => ` #${e.attempt} in ${e.delay}`));
  return { client, router, time, events, warnings };
}

describe('Client: connecting', () => {
  it('connect() resolves with the open session', async () => {
    const { client, events } = harness();
    const session = await client.connect();
    expect(session.id).toBe(1);
    expect(client.state).toBe('open');
    expect(client.session).toBe(session);
    expect(events).toEqual(['connecting #1', 'open 1']);
    expect((await client.call('com.a', [1])).args).toEqual(['echo', 1]);
  });

  it('a router ABORT on join rejects connect() with the reason, without retrying', async () => {
    const { client, router, events, time } = harness();
    router.abortJoin = 'wamp.error.no_such_realm';
    const e = await client.connect().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SessionClosedError);
    expect((e as SessionClosedError).uri).toBe('wamp.error.no_such_realm');
    expect(events).toEqual(['connecting #1', 'closed wamp.error.no_such_realm']);
    expect(client.state).toBe('closed');
    await time.advance(60_000);
    expect(router.connections).toHaveLength(1);
    await expect(client.connect()).rejects.toThrow(/the client is closed/);
  });

  it('retries transport failures with exponential backoff, jitter and a cap', async () => {
    const { client, router, time, events } = harness({ retry: { initialDelay: 100, maxDelay: 1000, multiplier: 2, jitter: 0.5 } });
    router.failNext = 6;
    const connecting = client.connect();
    await time.advance(10_000);
    await connecting;
    const delays = events.filter((e) => e.startsWith('retrying')).map((e) => Number(e.split(' in ')[1]));
    const bases = [100, 200, 400, 800, 1000, 1000];
    expect(delays).toHaveLength(6);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(bases[i]! * 0.5);
      expect(d).toBeLessThanOrEqual(bases[i]!);
    });
    // Seeded: the exact delays replay. Each is base × (1 − jitter × random).
    const random = seededRandomId(42);
    expect(delays).toEqual(bases.map((b) => Math.round(b * (1 - 0.5 * ((random() - 1) / 2 ** 53)))));
    expect(events.filter((e) => e.startsWith('connecting'))).toEqual([
      'connecting #1',
      'connecting #2',
      'connecting #3',
      'connecting #4',
      'connecting #5',
      'connecting #6',
      'connecting #7',
    ]);
  });

  it('waits exactly the backoff delay on the injected timers', async () => {
    const { client, router, time } = harness({ retry: { initialDelay: 1000, jitter: 0 }, random: () => 0.5 });
    router.failNext = 1;
    void client.connect();
    await time.advance(0);
    expect(client.state).toBe('retrying');
    expect(time.armed()).toEqual([1000]);
    await time.advance(999);
    expect(router.connections).toHaveLength(0);
    await time.advance(1);
    expect(client.state).toBe('open');
  });

  it('gives up after maxRetries, rejecting connect()', async () => {
    const { client, router, time, events } = harness({ retry: { initialDelay: 10, maxRetries: 2, jitter: 0 } });
    router.failNext = 10;
    const connecting = client.connect().catch((e: unknown) => e);
    await time.advance(1000);
    expect(((await connecting) as Error).message).toBe('connection refused');
    expect(events).toEqual([
      'connecting #1',
      'closed wamp.close.transport_lost (retry)',
      'retrying #2 in 10',
      'connecting #2',
      'closed wamp.close.transport_lost (retry)',
      'retrying #3 in 20',
      'connecting #3',
      'closed wamp.close.transport_lost',
    ]);
    expect(client.state).toBe('closed');
  });

  it('retry: false never reconnects', async () => {
    const { client, router, time, events } = harness({ retry: false });
    await client.connect();
    router.last.transport.drop();
    await time.advance(60_000);
    expect(router.connections).toHaveLength(1);
    expect(events).toEqual(['connecting #1', 'open 1', 'closed wamp.close.transport_lost']);
    expect(client.state).toBe('closed');
  });
});

describe('Client: reconnecting', () => {
  it('after a lost connection re-joins and re-registers and re-subscribes with the same options', async () => {
    const { client, router, time, events } = harness({ retry: { initialDelay: 500, jitter: 0 } });
    const calls: unknown[] = [];
    const seen: unknown[] = [];
    await client.register('com.p', (args) => calls.push(args[0]), { match: 'prefix', invoke: 'roundrobin' });
    await client.subscribe('com.t', (args) => void seen.push(args[0]), { match: 'wildcard', getRetained: true });
    await client.connect();
    const first = router.last;
    expect(first.log.slice(1)).toEqual([
      [64, 1, { match: 'prefix', invoke: 'roundrobin' }, 'com.p'],
      [32, 2, { match: 'wildcard', get_retained: true }, 'com.t'],
    ]);
    first.transport.drop();
    await settle();
    expect(client.state).toBe('retrying');
    expect(client.session).toBeUndefined();
    await expect(client.call('com.a')).rejects.toThrow(/not connected/);
    await expect(client.publish('com.t')).rejects.toBeInstanceOf(SessionClosedError);
    await expect(client.callProgressive('com.a').next()).rejects.toThrow(/not connected/);
    await time.advance(500);
    expect(client.state).toBe('open');
    const second = router.last;
    expect(second).not.toBe(first);
    expect(second.log).toEqual([
      [1, 'realm1', expect.anything()],
      [64, 1, { match: 'prefix', invoke: 'roundrobin' }, 'com.p'],
      [32, 2, { match: 'wildcard', get_retained: true }, 'com.t'],
    ]);
    expect(events).toEqual(['connecting #1', 'open 1', 'closed wamp.close.transport_lost (retry)', 'retrying #2 in 500', 'connecting #2', 'open 2']);
    // The same handlers serve the new session.
    second.send([68, 1, 100, {}, ['again']]);
    second.send([36, 101, 1, {}, ['news']]);
    await settle();
    expect(calls).toEqual(['again']);
    expect(seen).toEqual(['news']);
  });

  it('reconnects after the router says GOODBYE', async () => {
    const { client, router, time, events } = harness({ retry: { initialDelay: 100, jitter: 0 } });
    await client.connect();
    router.last.send([6, {}, 'wamp.close.system_shutdown']);
    await time.advance(100);
    expect(router.connections).toHaveLength(2);
    expect(events.slice(2)).toEqual(['closed wamp.close.system_shutdown (retry)', 'retrying #2 in 100', 'connecting #2', 'open 2']);
  });

  it("hands out the same Registration and Subscription classes as a Session, following the current session", async () => {
    const { client, router, time } = harness({ retry: { initialDelay: 10, jitter: 0 } });
    const reg = await client.register('com.p', () => 1);
    const sub = await client.subscribe('com.t', () => undefined);
    expect(reg).toBeInstanceOf(Registration);
    expect(sub).toBeInstanceOf(Subscription);
    // The deprecated names are the same classes.
    expect(ClientRegistration).toBe(Registration);
    expect(ClientSubscription).toBe(Subscription);
    expect([reg.id, sub.id]).toEqual([0, 0]);
    await client.connect();
    expect([reg.id, sub.id]).toEqual([100, 101]);
    expect(reg.current).toBeInstanceOf(Registration);
    expect(reg.current?.current).toBeUndefined();
    const revoked: (string | undefined)[] = [];
    reg.onRevoked = (reason) => revoked.push(reason);
    router.last.send([67, 0, { registration: 100, reason: 'no longer authorized' }]);
    await settle();
    expect(revoked).toEqual(['no longer authorized']);
    expect(reg.active).toBe(false);
    router.last.transport.drop();
    await time.advance(10);
    // Only the subscription comes back, under the ID of the new session.
    expect(sub.id).toBe(100);
    expect(router.last.log.slice(1)).toEqual([[32, 1, {}, 'com.t']]);
  });

  it('does not re-register what was unregistered or revoked', async () => {
    const { client, router, time } = harness({ retry: { initialDelay: 10, jitter: 0 } });
    await client.connect();
    const a = await client.register('com.a', () => 1);
    const b = await client.register('com.b', () => 2);
    await client.register('com.c', () => 3);
    await a.unregister();
    expect(a.active).toBe(false);
    router.last.send([67, 0, { registration: 101 }]);
    await settle();
    expect(b.active).toBe(false);
    router.last.transport.drop();
    await time.advance(10);
    expect(router.last.log.slice(1)).toEqual([[64, 1, {}, 'com.c']]);
  });

  it('a refused re-registration is tried again for a while (a failover in a cluster), then a warning; the rest is restored', async () => {
    const { client, router, time, warnings } = harness({ retry: { initialDelay: 10, jitter: 0 } });
    await client.connect();
    await client.register('com.a', () => 1);
    await client.register('com.b', () => 2);
    router.refuse.add('com.a');
    router.last.transport.drop();
    await time.advance(10);
    expect(client.state).toBe('open');
    expect(warnings).toEqual([]);
    await time.advance(500 + 1000 + 2000 + 4000);
    expect(warnings).toEqual(['re-registering com.a failed: wamp.error.procedure_already_exists']);
  });

  it('a re-registration refused because the procedure is still held succeeds once it is free', async () => {
    const { client, router, time, warnings } = harness({ retry: { initialDelay: 10, jitter: 0 } });
    await client.connect();
    const handle = await client.register('com.a', () => 1);
    router.refuse.add('com.a');
    router.last.transport.drop();
    await time.advance(10);
    expect(handle.current).toBeUndefined();
    router.refuse.clear();
    await time.advance(500);
    expect(handle.current).toBeDefined();
    expect(handle.active).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('registering while connected fails when the router refuses, keeping nothing', async () => {
    const { client, router, time } = harness({ retry: { initialDelay: 10, jitter: 0 } });
    await client.connect();
    router.refuse.add('com.a');
    await expect(client.register('com.a', () => 1)).rejects.toMatchObject({ uri: 'wamp.error.procedure_already_exists' });
    router.refuse.clear();
    router.last.transport.drop();
    await time.advance(10);
    expect(router.last.log.slice(1)).toEqual([]);
  });

  it('registers on connect what was registered before', async () => {
    const { client, router } = harness();
    const handle = await client.register('com.early', () => 1);
    expect(handle.current).toBeUndefined();
    await client.connect();
    expect(router.last.log[1]).toEqual([64, 1, {}, 'com.early']);
    expect(handle.current?.id).toBe(100);
  });
});

describe('Client: closing and heartbeat', () => {
  it('close() leaves the session and stops reconnecting', async () => {
    const { client, router, time, events } = harness();
    await client.connect();
    await client.close('wamp.close.normal');
    expect(router.last.log.at(-1)).toEqual([6, {}, 'wamp.close.normal']);
    expect(client.state).toBe('closed');
    await time.advance(60_000);
    expect(router.connections).toHaveLength(1);
    expect(events.at(-1)).toBe('closed wamp.close.normal');
  });

  it('close() while waiting to retry cancels the retry and rejects connect()', async () => {
    const { client, router, time } = harness({ retry: { initialDelay: 1000, jitter: 0 } });
    router.failNext = 1;
    const connecting = client.connect().catch((e: unknown) => e);
    await time.advance(0);
    expect(client.state).toBe('retrying');
    await client.close();
    expect(time.armed()).toEqual([]);
    expect(await connecting).toBeInstanceOf(SessionClosedError);
    await time.advance(5000);
    expect(router.connections).toHaveLength(0);
  });

  it('the heartbeat drops a connection whose pings go unanswered, and the client reconnects', async () => {
    const { client, router, time, warnings } = harness({
      heartbeat: { interval: 1000, timeout: 500 },
      retry: { initialDelay: 100, jitter: 0 },
    });
    await client.connect();
    await time.advance(3000);
    expect(router.connections).toHaveLength(1);
    router.last.transport.blackhole = true;
    await time.advance(1500);
    expect(warnings).toEqual(['heartbeat: no answer to a ping within 500 ms; dropping the connection']);
    await time.advance(100);
    expect(router.connections).toHaveLength(2);
    expect(client.state).toBe('open');
  });

  it('warns when the transport cannot ping', async () => {
    const router = new AutoRouter();
    const warnings: string[] = [];
    const client = new Client({
      realm: 'realm1',
      heartbeat: { interval: 1000, timeout: 500 },
      onWarning: (m) => warnings.push(m),
      transport: async () => {
        const t = await router.factory();
        return { serializer: t.serializer, send: (f) => t.send(f), close: () => t.close(), set onFrame(h) { t.onFrame = h; }, get onFrame() { return t.onFrame; }, set onClose(h) { t.onClose = h; }, get onClose() { return t.onClose; } } as Transport;
      },
    });
    await client.connect();
    expect(warnings).toEqual(['heartbeat: this transport cannot ping; no heartbeat']);
    await client.close();
  });
});

describe('LeanClient: the client over LeanSession, registering through registerOnClient()', () => {
  function leanHarness(): { client: LeanClient; router: AutoRouter; time: VirtualTime; warnings: string[] } {
    const router = new AutoRouter();
    const time = new VirtualTime();
    const warnings: string[] = [];
    const client = new LeanClient({
      transport: router.factory,
      realm: 'realm1',
      timers: time,
      clock: time.clock,
      retry: { initialDelay: 500, jitter: 0 },
      onWarning: (m) => warnings.push(m),
    });
    return { client, router, time, warnings };
  }

  it('opens LeanSessions (Client opens Sessions) and restores registrations and subscriptions after a lost connection', async () => {
    const { client, router, time, warnings } = leanHarness();
    const calls: unknown[] = [];
    const seen: unknown[] = [];
    const reg = await registerOnClient(client, 'com.p', (args) => calls.push(args[0]), { match: 'prefix' });
    await client.subscribe('com.t', (args) => void seen.push(args[0]));
    const session = await client.connect();
    expect(session).toBeInstanceOf(LeanSession);
    expect(session).not.toBeInstanceOf(Session);
    expect(router.last.log.slice(1)).toEqual([
      [64, 1, { match: 'prefix' }, 'com.p'],
      [32, 2, {}, 'com.t'],
    ]);
    router.last.transport.drop();
    await settle();
    await time.advance(500);
    const second = router.last;
    expect(second.log.slice(1)).toEqual([
      [64, 1, { match: 'prefix' }, 'com.p'],
      [32, 2, {}, 'com.t'],
    ]);
    second.send([68, 1, 100, {}, ['again']]);
    second.send([36, 101, 1, {}, ['news']]);
    await settle();
    expect(calls).toEqual(['again']);
    expect(seen).toEqual(['news']);
    // Unregistering through the handle forgets it: the next session does not register it again.
    await reg.unregister();
    second.transport.drop();
    await settle();
    await time.advance(1000);
    expect(router.last.log.slice(1)).toEqual([[32, 1, {}, 'com.t']]);
    expect(warnings).toEqual([]);
  });

  it('a LeanClient that registers nothing never sends REGISTER, and unregister() of a foreign handle is a no-op', async () => {
    const { client, router } = leanHarness();
    await client.connect();
    expect(router.last.log.map((m) => m[0])).toEqual([1]);
    const other = new Client({ transport: router.factory, realm: 'realm1' });
    await expect(client.unregister(new Registration(other, 0, 'com.x', () => undefined, {}))).resolves.toBeUndefined();
    expect(client.callee).toBeUndefined();
  });
});

