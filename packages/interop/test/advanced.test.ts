// Issue 16's features with Autobahn|JS 22.x peers. Autobahn|JS implements
// neither Payload Passthru Mode nor trust levels (its Event and Invocation
// objects carry no `trustlevel`, and it announces neither feature), so what
// is checked is the router between it and @wamp/client: the trust level the
// router gives an Autobahn|JS publisher or caller reaches our subscriber and
// callee, and an Autobahn|JS subscriber is spared passthru events it could
// not read, and keeps its session.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, type EventDetails, type InvocationDetails } from '@wamp/client';
import { cryptobox, cryptoboxKeyPair } from '@wamp/client/cryptobox';
import { createLogger, createRouter } from '@wamp/node-router';
import { nodeWebSocketTransport } from '@wamp/ws/node';
import { until } from '../../core/test/kit/wait.js';
import { CREDENTIALS, REALM, type TestRouter } from './support/router.js';
import { SERIALIZERS, join, within, type Peer, type SerializerName } from './support/peers.js';

const ALL = { call: true, register: true, publish: true, subscribe: true };

let router: TestRouter;

beforeAll(async () => {
  const r = createRouter(
    {
      realms: [
        {
          name: REALM,
          roles: [
            { name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: ALL }] },
            { name: CREDENTIALS.ticket.authrole, trustlevel: 2, permissions: [{ uri: '', match: 'prefix', allow: ALL }] },
          ],
          auth: {
            anonymous: { type: 'static', authrole: 'anonymous' },
            ticket: {
              type: 'static',
              principals: { [CREDENTIALS.ticket.authid]: { ticket: CREDENTIALS.ticket.ticket, authrole: CREDENTIALS.ticket.authrole } },
            },
          },
        },
      ],
      listeners: [
        { type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' },
        { type: 'rawsocket', host: '127.0.0.1', port: 0 },
      ],
      heartbeatMs: 0,
    },
    { logger: createLogger({ level: 'silent', format: 'json', sink: { write: () => undefined } }) },
  );
  const addresses = await r.listen();
  const ws = addresses.find((a) => a.type === 'websocket')!;
  const rs = addresses.find((a) => a.type === 'rawsocket')!;
  router = { router: r, wsUrl: ws.url, rawSocketHost: rs.host!, rawSocketPort: rs.port!, rawSocketUrl: rs.url, log: [], close: () => r.close() };
});

afterAll(() => router.close());

async function ours(serializer: SerializerName, passthru?: ReturnType<typeof cryptobox>): Promise<Session> {
  const t = await nodeWebSocketTransport({ url: router.wsUrl, subprotocols: [`wamp.2.${serializer}`] })();
  return Session.join(t, { realm: REALM, ...(passthru ? { passthru } : {}) });
}

describe.each(SERIALIZERS)('Autobahn|JS over WebSocket/%s', (serializer) => {
  it('the trust level of an Autobahn|JS publisher and caller reaches @wamp/client', async () => {
    const ab: Peer = await join(router, { library: 'autobahn', serializer, transport: 'websocket' }, 'ticket');
    const me = await ours(serializer);
    try {
      const events: EventDetails[] = [];
      await me.subscribe('com.interop.tl', (_a, _k, d) => void events.push(d));
      const seen: InvocationDetails[] = [];
      await me.register('com.interop.tl.proc', (_a, _k, d) => {
        seen.push(d);
        return 'ok';
      });
      await ab.publish('com.interop.tl', ['hello'], {}, { acknowledge: true });
      await until(() => events.length === 1, 'the event');
      expect(events[0]!.trustlevel).toBe(2);
      const r = await within(4_000, 'the call', ab.call('com.interop.tl.proc'));
      expect(r.args).toEqual(['ok']);
      expect(seen[0]!.trustlevel).toBe(2);
    } finally {
      await me.leave();
      await ab.leave();
    }
  });

  it('an Autobahn|JS subscriber gets no passthru event and keeps its session', async () => {
    const k = cryptoboxKeyPair();
    const box = cryptobox([{ keyid: 'k', uri: 'com.interop.secret', secretKey: k.secretKey, peerPublicKey: k.publicKey }]);
    const ab: Peer = await join(router, { library: 'autobahn', serializer, transport: 'websocket' });
    const pub = await ours(serializer, box);
    const reader = await ours(serializer, box);
    try {
      const abGot: unknown[] = [];
      const ourGot: unknown[] = [];
      await ab.subscribe('com.interop.secret', (ev) => void abGot.push(ev.args[0]));
      await reader.subscribe('com.interop.secret', (a) => void ourGot.push(a[0]));
      await pub.publish('com.interop.secret', ['sealed'], {}, { acknowledge: true });
      await until(() => ourGot.length === 1, 'the sealed event at @wamp/client');
      expect(ourGot).toEqual(['sealed']);
      // The same topic in the clear (a codec may send some arguments unsealed): Autobahn|JS gets that one.
      const plain = await ours(serializer);
      await plain.publish('com.interop.secret', ['clear'], {}, { acknowledge: true });
      await until(() => abGot.length === 1, 'the clear event at Autobahn|JS');
      expect(abGot).toEqual(['clear']);
      await plain.leave();
    } finally {
      await pub.leave();
      await reader.leave();
      await ab.leave();
    }
  });
});
