// @wamp/client, the project's client, over @wamp/ws (the `ws` client) or
// @wamp/rawsocket (TCP or Unix socket). Every session is its own connection, as
// in the other load generators. Imports the built packages (dist/), so
// `pnpm bench` builds first.

import { Session } from '@wamp/client';
import { jsonSerializer, msgpackSerializer } from '@wamp/core';
import { connectRawSocket } from '@wamp/rawsocket';
import { connectNodeWebSocket } from '@wamp/ws/node';
import { readSpec } from '../lib/args.mjs';
import { main, payloadOf } from './drive.mjs';

async function join(spec, fail, url = spec.url) {
  const msgpack = spec.serializer === 'msgpack';
  const transport =
    spec.transport === 'rawsocket'
      ? await connectRawSocket({ url, serializer: msgpack ? msgpackSerializer : jsonSerializer })
      : await connectNodeWebSocket({ url, subprotocols: [msgpack ? 'wamp.2.msgpack' : 'wamp.2.json'] });
  const session = await Session.join(transport, { realm: spec.realm });
  session.closed.then((info) => fail(new Error(`session closed: ${JSON.stringify(info)}`)));
  return session;
}

const leave = (sessions) =>
  Promise.all(
    sessions.map((s) => Promise.race([s.leave().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500).unref())])),
  );

const adapter = {
  async openRpc(spec, fail) {
    const payload = payloadOf(spec);
    // In a cluster row the callee sits on another node than the caller.
    const callee = await join(spec, fail, spec.calleeUrl ?? spec.url);
    await callee.register('com.bench.echo', (args) => args[0]);
    const caller = await join(spec, fail);
    const args = [payload];
    return {
      call(done) {
        caller.call('com.bench.echo', args).then(
          () => done(),
          (err) => done(err ?? new Error('call failed')),
        );
      },
      close: () => leave([caller, callee]),
    };
  },

  async openPubSub(spec, onEvent, fail) {
    const payload = payloadOf(spec);
    const sessions = await Promise.all(
      Array.from({ length: spec.subscribers }, async (_, i) => {
        const urls = spec.subscriberUrls;
        const sub = await join(spec, fail, urls ? urls[i % urls.length] : spec.url);
        await sub.subscribe('com.bench.topic', (args) => onEvent(args[0]));
        return sub;
      }),
    );
    const pub = await join(spec, fail);
    sessions.push(pub);
    return {
      publish(seq) {
        pub.publish('com.bench.topic', [seq, payload]).catch(fail);
      },
      close: () => leave(sessions),
    };
  },
};

main(adapter, readSpec());
