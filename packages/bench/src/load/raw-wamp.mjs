// The load of the latency ladder (../ladder.mjs): one caller and one callee on
// plain `ws`, the same few lines of JSON work per message whatever the server,
// so that the ladder's steps differ only on the server side.
//   spec.mode 'relay': /relay/ID/a and /relay/ID/b, no handshake; B answers every
//                      CALL-shaped frame with a YIELD-shaped one (as load/raw-ws.mjs).
//   spec.mode 'wamp':  a real WAMP session each (HELLO, REGISTER), then CALL →
//                      INVOCATION → YIELD → RESULT through the server.
// Both offer the wamp.2.json subprotocol, which the @wamp/ws-based servers require.

import { readSpec } from '../lib/args.mjs';
import { main, payloadOf } from './drive.mjs';
import { closePeers, openPeer } from '../lib/ws-peers.mjs';

/** The next message on `ws`, parsed (for the handshake only). */
const next = (ws) => new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(data))));

async function join(url, realm, role, fail) {
  const ws = await openPeer(url, fail, ['wamp.2.json']);
  ws.send(JSON.stringify([1, realm, { roles: { [role]: {} } }]));
  const welcome = await next(ws);
  if (welcome[0] !== 2) throw new Error(`no WELCOME: ${JSON.stringify(welcome)}`);
  return ws;
}

const adapter = {
  async openRpc(spec, fail) {
    const payload = payloadOf(spec);
    const id = `${process.pid}`;
    let a;
    let b;
    if (spec.mode === 'relay') {
      b = await openPeer(`${spec.url}/relay/${id}/b`, fail, ['wamp.2.json']);
      a = await openPeer(`${spec.url}/relay/${id}/a`, fail, ['wamp.2.json']);
    } else {
      b = await join(spec.url, spec.realm, 'callee', fail);
      b.send(JSON.stringify([64, 1, {}, 'com.bench.echo']));
      const registered = await next(b);
      if (registered[0] !== 65) throw new Error(`no REGISTERED: ${JSON.stringify(registered)}`);
      a = await join(spec.url, spec.realm, 'caller', fail);
    }
    // CALL in relay mode, INVOCATION in wamp mode: the request ID at [1], the args at [4].
    b.on('message', (data) => {
      const msg = JSON.parse(data);
      b.send(JSON.stringify([70, msg[1], {}, msg[4]]));
    });
    const pending = new Map();
    let nextId = 1;
    a.on('message', (data) => {
      const msg = JSON.parse(data);
      const done = pending.get(msg[1]);
      pending.delete(msg[1]);
      done?.();
    });
    return {
      call(done) {
        const reqId = nextId++;
        pending.set(reqId, done);
        a.send(JSON.stringify([48, reqId, {}, 'com.bench.echo', [payload]]));
      },
      close: () => closePeers([a, b]),
    };
  },
};

main(adapter, readSpec());
