// Mixed sessions: every pairing of Autobahn|JS, wampy and @wamp/client, in
// both roles, for RPC (callee × caller) and PubSub (subscriber × publisher),
// across serializers and transports — the router translates between them.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { base64Encode } from '@wamp/core';
import { startRouter, type TestRouter } from './support/router.js';
import { RemoteError, canon, label, within, type Invocation, type PeerSpec, type Reply } from './support/peers.js';
import { BIG_INTS, Sessions, UNICODE, collector, uri, violations } from './support/scenarios.js';

const WAIT = 4_000;

const CONFIGS: readonly PeerSpec[] = [
  { library: 'autobahn', transport: 'websocket', serializer: 'json' },
  { library: 'autobahn', transport: 'websocket', serializer: 'msgpack' },
  { library: 'autobahn', transport: 'websocket', serializer: 'cbor' },
  { library: 'autobahn', transport: 'rawsocket', serializer: 'json' },
  { library: 'wampy', transport: 'websocket', serializer: 'json' },
  { library: 'wampy', transport: 'websocket', serializer: 'msgpack' },
  { library: 'wampy', transport: 'websocket', serializer: 'cbor' },
  { library: 'wamp-client', transport: 'websocket', serializer: 'json' },
  { library: 'wamp-client', transport: 'websocket', serializer: 'msgpack' },
  { library: 'wamp-client', transport: 'websocket', serializer: 'cbor' },
  { library: 'wamp-client', transport: 'rawsocket', serializer: 'msgpack' },
];

/** Ordered pairs of configurations of two different libraries. */
const PAIRS = CONFIGS.flatMap((a) => CONFIGS.filter((b) => b.library !== a.library).map((b) => [a, b] as const));

const BYTES = Uint8Array.from({ length: 40 }, (_, i) => (i * 37) % 256);

/**
 * What `sender` sends to `receiver`, and what the receiver gets. Binary
 * travels only from a binary serializer; a JSON receiver other than
 * @wamp/client (which decodes the convention) sees the spec's JSON form,
 * `"\u0000"` + base64. ±2^53 go to every receiver but Autobahn|JS over CBOR,
 * which could not send them back (see autobahn.test.ts).
 */
function payloadFor(sender: PeerSpec, receiver: PeerSpec): { sent: Reply; received: Reply } {
  const args: unknown[] = [...BIG_INTS, 0.5, true, null, UNICODE, { deep: { list: [1, [2, [3]]], s: UNICODE } }];
  const kwargs: Record<string, unknown> = { 'clé': UNICODE, n: 2 ** 53 - 1, empty: {}, list: [] };
  if (!(receiver.library === 'autobahn' && receiver.serializer === 'cbor')) args.push(2 ** 53, -(2 ** 53));
  const sent = { args: [...args], kwargs: { ...kwargs } };
  const received = { args: [...args], kwargs: { ...kwargs } };
  if (sender.serializer !== 'json') {
    sent.args.push(BYTES);
    sent.kwargs['bin'] = BYTES;
    const asSeen = receiver.serializer === 'json' && receiver.library !== 'wamp-client' ? '\u0000' + base64Encode(BYTES) : BYTES;
    received.args.push(asSeen);
    received.kwargs['bin'] = asSeen;
  }
  return { sent, received };
}

describe('mixed sessions', () => {
  let router: TestRouter;
  const sessions = new Sessions(() => router);
  let mark = 0;

  beforeAll(async () => {
    router = await startRouter();
  });
  beforeEach(() => {
    mark = router.log.length;
  });
  afterEach(async () => {
    await sessions.leaveAll();
    expect(violations(router, mark)).toEqual([]);
  });
  afterAll(async () => {
    await router?.close();
  });

  describe('RPC: callee × caller', () => {
    for (const [calleeSpec, callerSpec] of PAIRS) {
      it(`${label(calleeSpec)} called by ${label(callerSpec)}`, async () => {
        const callee = await sessions.join(calleeSpec);
        const caller = await sessions.join(callerSpec, 'ticket');
        const proc = uri('mixed.echo');
        const seen: Invocation[] = [];
        await callee.register(proc, (inv) => {
          seen.push(inv);
          if (inv.args[0] === 'fail') throw new RemoteError('com.interop.error.mixed', ['nope', UNICODE], { code: 7, nested: { a: [1] } });
          return { args: inv.args, kwargs: inv.kwargs };
        });
        const { sent, received } = payloadFor(callerSpec, calleeSpec);
        const r = await within(WAIT, 'echo call', caller.call(proc, sent.args, sent.kwargs, { discloseMe: true }));
        expect(canon(seen[0]?.args)).toEqual(canon(received.args));
        expect(canon(seen[0]?.kwargs)).toEqual(canon(received.kwargs));
        // Echoed through the callee's serializer and back, the caller gets what it sent.
        expect(canon(r.args)).toEqual(canon(sent.args));
        expect(canon(r.kwargs)).toEqual(canon(sent.kwargs));
        expect(canon(seen[0]?.caller)).toBe(caller.id);
        expect(seen[0]?.callerAuthid).toBe('joe');

        const err = await within(WAIT, 'failing call', caller.call(proc, ['fail']).then(() => undefined, (e: unknown) => e));
        expect(err).toBeInstanceOf(RemoteError);
        expect((err as RemoteError).uri).toBe('com.interop.error.mixed');
        expect(canon((err as RemoteError).args)).toEqual(['nope', UNICODE]);
        expect(canon((err as RemoteError).kwargs)).toEqual({ code: 7, nested: { a: [1] } });
      });
    }
  });

  describe('PubSub: subscriber × publisher', () => {
    for (const [subSpec, pubSpec] of PAIRS) {
      it(`${label(subSpec)} receives from ${label(pubSpec)}`, async () => {
        const sub = await sessions.join(subSpec);
        const pub = await sessions.join(pubSpec, 'wampcra');
        const base = uri('mixed.topic');
        const exact = collector(2);
        const prefix = collector(1);
        await sub.subscribe(base, exact.handler);
        await sub.subscribe(`${base}.sub`, prefix.handler, { match: 'prefix' });
        const { sent, received } = payloadFor(pubSpec, subSpec);
        await within(WAIT, 'disclosed publish', pub.publish(base, sent.args, sent.kwargs, { acknowledge: true, discloseMe: true }));
        await within(WAIT, 'plain publish', pub.publish(base, [], { only: 'kwargs' }, { acknowledge: true }));
        await within(WAIT, 'publish to a prefix', pub.publish(`${base}.sub.leaf`, ['leaf'], {}, { acknowledge: true }));
        const [first, second] = await within(WAIT, 'events', exact.done);
        expect(canon(first!.args)).toEqual(canon(received.args));
        expect(canon(first!.kwargs)).toEqual(canon(received.kwargs));
        expect(canon(first!.publisher)).toBe(pub.id);
        expect(first!.publisherAuthid).toBe('peter');
        expect(second!.args).toEqual([]);
        expect(second!.kwargs).toEqual({ only: 'kwargs' });
        expect(second!.publisher).toBeUndefined();
        const [leaf] = await within(WAIT, 'prefix event', prefix.done);
        expect([leaf!.topic, leaf!.args]).toEqual([`${base}.sub.leaf`, ['leaf']]);
      });
    }
  });
});
