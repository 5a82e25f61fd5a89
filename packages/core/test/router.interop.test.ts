// The router against the core's own ClientSession, both sans-IO, wired by an
// in-memory pump: what the node router does with an internal session, and a
// check that the two state machines agree on the protocol.

import { describe, expect, it } from 'vitest';
import {
  ClientSession,
  Router,
  cborSerializer,
  jsonSerializer,
  msgpackSerializer,
  seededRandomId,
  wampcraClientSignature,
  type ClientEvent,
  type RouterSession,
  type Serializer,
  type SessionInfo,
} from '@wamp/core';
import { nodeCryptoProvider } from '@wamp/client/node-crypto';

const crypto = nodeCryptoProvider();

class Pump {
  now = 1_700_000_000_000;
  readonly pairs: { client: ClientSession; session: RouterSession; events: ClientEvent[] }[] = [];

  constructor(readonly router: Router) {}

  connect(serializer: Serializer, info: Partial<SessionInfo> = {}) {
    const client = new ClientSession({ serializer });
    const session = this.router.openSession({ transport: 'websocket', serializer, ...info }, this.now);
    const pair = { client, session, events: [] as ClientEvent[] };
    this.pairs.push(pair);
    return pair;
  }

  /** Shuttle frames both ways until nothing moves. */
  run(): void {
    for (let moved = true; moved; ) {
      moved = false;
      for (const p of this.pairs) {
        for (let f = p.client.pollTransmit(); f !== undefined; f = p.client.pollTransmit()) {
          p.session.handleMessage(f, this.now);
          moved = true;
        }
      }
      for (let s = this.router.pollReady(); s !== undefined; s = this.router.pollReady()) {
        const p = this.pairs.find((x) => x.session === s)!;
        for (let f = s.pollTransmit(); f !== undefined; f = s.pollTransmit()) {
          p.client.handleMessage(f, this.now);
          moved = true;
        }
        if (s.pollClose() !== undefined) p.client.handleTransportClosed();
      }
      for (const p of this.pairs) for (let e = p.client.pollEvent(); e !== undefined; e = p.client.pollEvent()) p.events.push(e);
    }
  }

  take(p: { events: ClientEvent[] }, type?: ClientEvent['type']): ClientEvent[] {
    const out = p.events.filter((e) => (type === undefined || e.type === type) && e.type !== 'trace');
    p.events.length = 0;
    return out;
  }
}

describe('router ↔ ClientSession', () => {
  it('join, register, progressive call, publish across serializers, and an internal session', () => {
    const router = new Router({ realms: [{ name: 'realm1' }] }, { randomId: seededRandomId(5) });
    const net = new Pump(router);
    const callee = net.connect(cborSerializer);
    const caller = net.connect(jsonSerializer);
    const internal = net.connect(msgpackSerializer, { transport: 'internal', authid: 'app', authrole: 'backend', trusted: true });
    for (const p of [callee, caller, internal]) p.client.join({ realm: 'realm1' }, net.now);
    net.run();
    for (const p of [callee, caller, internal]) expect(net.take(p, 'joined')).toHaveLength(1);

    callee.client.register('com.app.count');
    internal.client.subscribe('com.app.done');
    net.run();
    caller.client.call('com.app.count', { args: [3] }, { receiveProgress: true, discloseMe: true }, net.now);
    net.run();
    const [inv] = net.take(callee, 'invocation') as Extract<ClientEvent, { type: 'invocation' }>[];
    expect(inv).toMatchObject({ procedure: 'com.app.count', receiveProgress: true, args: [3], details: { caller: caller.session.id } });
    callee.client.yield(inv!.request, { args: [1] }, { progress: true });
    callee.client.yield(inv!.request, { args: [2] }, { progress: true });
    callee.client.yield(inv!.request, { args: [3] });
    callee.client.publish('com.app.done', { args: [new Uint8Array([7])] });
    net.run();
    expect(net.take(caller).map((e) => [e.type, (e as { args?: unknown[] }).args])).toEqual([
      ['progress', [1]],
      ['progress', [2]],
      ['result', [3]],
    ]);
    expect(net.take(internal, 'event')).toMatchObject([{ topic: 'com.app.done', args: [new Uint8Array([7])] }]);

    // The trusted internal session kills the callee through the meta API.
    internal.client.call('wamp.session.kill', { args: [callee.session.id] }, undefined, net.now);
    net.run();
    expect(net.take(callee, 'closed')).toMatchObject([{ reason: 'wamp.close.killed', initiator: 'router' }]);
    expect(callee.session.state.tag).toBe('closed');
    expect(router.inspect('realm1')!.registrations).toEqual([]);
  });

  it('authenticates a ClientSession with wampcra through runAuth', async () => {
    const router = new Router(
      { realms: [{ name: 'realm1', auth: { wampcra: { type: 'static', principals: { peter: { secret: 's', authrole: 'user', salt: 'x', iterations: 100, keylen: 32 } } } } }] },
      { randomId: seededRandomId(6), crypto },
    );
    const net = new Pump(router);
    const p = net.connect(jsonSerializer);
    p.client.join({ realm: 'realm1', authmethods: ['wampcra'], authid: 'peter' }, net.now);
    net.run();
    const [ch] = net.take(p, 'challenge') as Extract<ClientEvent, { type: 'challenge' }>[];
    p.client.authenticate(await wampcraClientSignature(crypto, 's', ch!.extra));
    net.run();
    for (let e = router.pollEvent(); e !== undefined; e = router.pollEvent()) {
      if (e.type === 'authenticate') router.completeAuthentication(e.session, await router.runAuth(e), net.now);
    }
    net.run();
    expect(net.take(p, 'joined')).toMatchObject([{ details: { authid: 'peter', authrole: 'user', authmethod: 'wampcra' } }]);
  });
});
