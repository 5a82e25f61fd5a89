/**
 * The scenarios of a pairing of two peer configurations, shared by the mixed
 * suite (one router) and the cluster suite (the two sessions on different
 * router nodes): an echo call with errors, and PubSub with disclosure and a
 * prefix subscription, with the payload each side can carry.
 */

import { expect } from 'vitest';
import { base64Encode } from '@wamp/core';
import { RemoteError, canon, within, type Invocation, type PeerSpec, type Reply } from './peers.js';
import { BIG_INTS, UNICODE, collector, uri, type Sessions } from './scenarios.js';

const WAIT = 4_000;

/** The peer configurations the pairings are made of. */
export const CONFIGS: readonly PeerSpec[] = [
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

const BYTES = Uint8Array.from({ length: 40 }, (_, i) => (i * 37) % 256);

/**
 * What `sender` sends to `receiver`, and what the receiver gets. Binary
 * travels only from a binary serializer; a JSON receiver other than
 * @wamp/client (which decodes the convention) sees the spec's JSON form,
 * `"\u0000"` + base64. ±2^53 go to every receiver but Autobahn|JS over CBOR,
 * which could not send them back (see autobahn.test.ts).
 */
export function payloadFor(sender: PeerSpec, receiver: PeerSpec): { sent: Reply; received: Reply } {
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

/** `callerSpec` calls a procedure of `calleeSpec` (joined through their own session trackers). */
export async function rpcPairScenario(calleeSide: Sessions, calleeSpec: PeerSpec, callerSide: Sessions, callerSpec: PeerSpec): Promise<void> {
  const callee = await calleeSide.join(calleeSpec);
  const caller = await callerSide.join(callerSpec, 'ticket');
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
}

/** `pubSpec` publishes to a subscriber of configuration `subSpec`. */
export async function pubSubPairScenario(subSide: Sessions, subSpec: PeerSpec, pubSide: Sessions, pubSpec: PeerSpec): Promise<void> {
  const sub = await subSide.join(subSpec);
  const pub = await pubSide.join(pubSpec, 'wampcra');
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
}
