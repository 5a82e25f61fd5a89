// Autobahn|JS 22.x (npm `autobahn`) against the router: WebSocket with JSON,
// MessagePack and CBOR, and RawSocket (its Node transport speaks JSON only).
// What Autobahn|JS cannot do, and why, is listed in the README's matrix.

import { expect, it } from 'vitest';
import { CREDENTIALS } from './support/router.js';
import { joinAutobahnCreateConnection, within, type PeerSpec, type SerializerName } from './support/peers.js';
import { peerSuite, uri, type SuiteContext } from './support/scenarios.js';

// Autobahn|JS's callee announces progressive_call_results but not
// call_canceling, and has no INTERRUPT handler. It answers the router's
// GOODBYE with `wamp.error.goodbye_and_out` (the spec: `wamp.close.goodbye_and_out`).
const caps = {
  calleeCanceling: false,
  discloseCaller: true,
  cancelMode: 'kill',
  excludeMeFalse: true,
  leaveReason: 'wamp.close.normal',
  goodbyeReply: 'wamp.error.goodbye_and_out',
} as const;

/** Autobahn|JS's all-in-one cryptosign helper, whose HELLO.authextra holds null and undefined entries. */
function createConnection(serializer: SerializerName) {
  return (ctx: SuiteContext): void => {
    it('joins with auth_cryptosign.create_connection (authextra with null and undefined entries)', async () => {
      const peer = ctx.sessions.add(await joinAutobahnCreateConnection(ctx.router(), serializer));
      expect(peer.welcome.authid).toBe(CREDENTIALS.cryptosign.authid);
      expect(peer.welcome.authmethod).toBe('cryptosign');
      const hello = await within(4_000, 'wamp.session.count', peer.call('wamp.session.count'));
      expect(hello.args[0]).toBeGreaterThanOrEqual(1);
    });
  };
}

/** node-cbor and the integers ±2^53 (the ends of the WAMP ID range). */
function cborTwoTo53(spec: PeerSpec) {
  return (ctx: SuiteContext): void => {
    it('±2^53 reach the router exactly, arrive at Autobahn|JS as bigints, and come back as tag-2/3 bignums the router reads exactly', async () => {
      const helper = await ctx.sessions.join(ctx.helper);
      const ab = await ctx.sessions.join(spec);
      const edges = [2 ** 53, -(2 ** 53)];
      const p1 = uri('edges');
      let got: unknown[] | undefined;
      await helper.register(p1, (inv) => {
        got = inv.args;
        return { args: edges, kwargs: {} };
      });
      // node-cbor writes ±2^53 as floats, which the router reads exactly.
      const r = await within(4_000, 'call with ±2^53', ab.call(p1, edges));
      expect(got).toEqual(edges);
      // The router writes them as 64-bit integers; node-cbor reads those beyond 2^53 - 1 as bigints.
      expect(r.args).toEqual([2n ** 53n, -(2n ** 53n)]);
      // Echoed back, node-cbor writes each bigint as a tag-2/3 bignum (RFC 8949 §3.4.3),
      // which the router reads as the integer it spells.
      const p2 = uri('edges.echo');
      await ab.register(p2, (inv) => ({ args: inv.args, kwargs: {} }));
      const echoed = await within(4_000, 'the echo call', helper.call(p2, edges));
      expect(echoed.args).toEqual(edges);
    });
  };
}

const ws = (serializer: SerializerName): PeerSpec => ({ library: 'autobahn', transport: 'websocket', serializer });

peerSuite(ws('json'), { ...caps, echoesTwoTo53: true }, {}, createConnection('json'));
peerSuite(ws('msgpack'), { ...caps, echoesTwoTo53: true }, {}, createConnection('msgpack'));
peerSuite(ws('cbor'), { ...caps, echoesTwoTo53: false }, {}, (ctx) => {
  createConnection('cbor')(ctx);
  cborTwoTo53(ws('cbor'))(ctx);
});
peerSuite({ library: 'autobahn', transport: 'rawsocket', serializer: 'json' }, { ...caps, echoesTwoTo53: true });
