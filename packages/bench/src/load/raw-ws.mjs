// The physical limit: the same traffic as a routed WAMP call or event, over plain
// `ws` without WAMP. The frames have the shapes of WAMP messages (CALL, YIELD,
// PUBLISH) so the bytes on the wire match a routed run; the servers in
// ../servers/raw-ws.mjs forward them without parsing, and the clients here parse
// and serialize JSON as any application would.
//   rpc over /echo:           A -> server -> A            (1 hop each way)
//   rpc over /relay/ID/{a,b}: A -> server -> B -> server -> A  (the hops of a routed call)
//   pubsub /broadcast/ID/...: pub -> server -> every sub

import { readSpec } from '../lib/args.mjs';
import { main, payloadOf } from './drive.mjs';
import { closePeers, openPeer } from '../lib/ws-peers.mjs';

const adapter = {
  async openRpc(spec, fail) {
    const payload = payloadOf(spec);
    const id = `${process.pid}`;
    const pending = new Map();
    let nextId = 1;
    const sockets = [];
    let a;
    if (spec.mode === 'echo') {
      a = await openPeer(`${spec.url}/echo`, fail);
      sockets.push(a);
    } else {
      // B plays the callee: it answers every CALL-shaped frame with a YIELD-shaped one.
      const b = await openPeer(`${spec.url}/relay/${id}/b`, fail);
      b.on('message', (data) => {
        const msg = JSON.parse(data);
        b.send(JSON.stringify([70, msg[1], {}, msg[4]]));
      });
      a = await openPeer(`${spec.url}/relay/${id}/a`, fail);
      sockets.push(a, b);
    }
    a.on('message', (data) => {
      const msg = JSON.parse(data);
      const done = pending.get(msg[1]);
      pending.delete(msg[1]);
      done();
    });
    return {
      call(done) {
        const reqId = nextId++;
        pending.set(reqId, done);
        a.send(JSON.stringify([48, reqId, {}, 'com.bench.echo', [payload]]));
      },
      close: () => closePeers(sockets),
    };
  },

  async openPubSub(spec, onEvent, fail) {
    const payload = payloadOf(spec);
    const id = `${process.pid}`;
    const subs = await Promise.all(
      Array.from({ length: spec.subscribers }, async () => {
        const s = await openPeer(`${spec.url}/broadcast/${id}/sub`, fail);
        s.on('message', (data) => {
          const msg = JSON.parse(data);
          onEvent(msg[4][0]);
        });
        return s;
      }),
    );
    const pub = await openPeer(`${spec.url}/broadcast/${id}/pub`, fail);
    let reqId = 1;
    return {
      publish(seq) {
        pub.send(JSON.stringify([16, reqId++, {}, 'com.bench.topic', [seq, payload]]));
      },
      close: () => closePeers([pub, ...subs]),
    };
  },
};

main(adapter, readSpec());
