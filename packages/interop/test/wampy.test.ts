// wampy 8 against the router: WebSocket (the `ws` class passed in, as wampy
// needs in Node) with JSON, MessagePack and CBOR.
// What wampy cannot do, and why, is listed in the README's matrix.

import { expect, it } from 'vitest';
import { within, type PeerSpec, type SerializerName } from './support/peers.js';
import { peerSuite, uri, type SuiteContext } from './support/scenarios.js';

// wampy's callee announces neither call_canceling nor progressive_call_results,
// REGISTER options are limited to match/invoke (no disclose_caller), PUBLISH
// sends exclude_me only when it is true, and leaving sends GOODBYE
// `wamp.close.system_shutdown`.
const caps = {
  calleeCanceling: false,
  discloseCaller: false,
  cancelMode: 'kill',
  echoesTwoTo53: true,
  excludeMeFalse: false,
  leaveReason: 'wamp.close.system_shutdown',
  goodbyeReply: 'wamp.close.goodbye_and_out',
} as const;

/** How wampy's codec hands integers to the application. */
function integers(spec: PeerSpec) {
  return (ctx: SuiteContext): void => {
    it(
      spec.serializer === 'msgpack'
        ? 'delivers integers above 2^32 - 1 (IDs included) as bigints (msgpackr reads every uint 64 so)'
        : 'delivers integers up to 2^53 (IDs included) as numbers',
      async () => {
        const peer = await ctx.sessions.join(spec);
        const helper = await ctx.sessions.join(ctx.helper);
        const big = peer.id > 0xffffffff;
        expect(typeof peer.welcome.session).toBe(spec.serializer === 'msgpack' && big ? 'bigint' : 'number');
        const proc = uri('ints');
        await helper.register(proc, () => ({ args: [0xffffffff, 2 ** 32, 2 ** 53], kwargs: {} }));
        const r = await within(4_000, 'call', peer.call(proc));
        expect(r.args).toEqual(spec.serializer === 'msgpack' ? [0xffffffff, 2n ** 32n, 2n ** 53n] : [0xffffffff, 2 ** 32, 2 ** 53]);
      },
    );
  };
}

for (const serializer of ['json', 'msgpack', 'cbor'] as const satisfies readonly SerializerName[]) {
  const spec: PeerSpec = { library: 'wampy', transport: 'websocket', serializer };
  peerSuite(spec, caps, {}, integers(spec));
}
