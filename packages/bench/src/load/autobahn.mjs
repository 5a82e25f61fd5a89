// Autobahn|JS (npm `autobahn`, 22.x) as a user would run it on Node: its default
// WebSocket transport (`ws`) and its default deferreds (when.js when installed).
// Every session is its own connection, as in the other load generators.

import autobahn from 'autobahn';
import { readSpec } from '../lib/args.mjs';
import { main, payloadOf } from './drive.mjs';

function serializers(name) {
  if (name === 'msgpack') return [new autobahn.serializer.MsgpackSerializer()];
  return [new autobahn.serializer.JSONSerializer()];
}

function join(spec, fail) {
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({
      url: spec.url,
      realm: spec.realm,
      serializers: serializers(spec.serializer),
      max_retries: 0,
    });
    let open = false;
    connection.onopen = (session) => {
      open = true;
      resolve({ connection, session });
    };
    connection.onclose = (reason, details) => {
      const err = new Error(`autobahn connection closed: ${reason} ${JSON.stringify(details)}`);
      if (open) fail(err);
      else reject(err);
      return true; // no reconnection
    };
    connection.open();
  });
}

const leave = (peers) =>
  Promise.all(
    peers.map(
      ({ connection }) =>
        new Promise((resolve) => {
          connection.onclose = () => {
            resolve();
            return true;
          };
          try {
            connection.close();
          } catch {
            resolve();
          }
          setTimeout(resolve, 500).unref();
        }),
    ),
  );

const adapter = {
  async openRpc(spec, fail) {
    const payload = payloadOf(spec);
    const callee = await join(spec, fail);
    await callee.session.register('com.bench.echo', (args) => args[0]);
    const caller = await join(spec, fail);
    const args = [payload];
    return {
      call(done) {
        caller.session.call('com.bench.echo', args).then(
          () => done(),
          (err) => done(err ?? new Error('call failed')),
        );
      },
      close: () => leave([caller, callee]),
    };
  },

  async openPubSub(spec, onEvent, fail) {
    const payload = payloadOf(spec);
    const peers = await Promise.all(
      Array.from({ length: spec.subscribers }, async () => {
        const sub = await join(spec, fail);
        await sub.session.subscribe('com.bench.topic', (args) => onEvent(args[0]));
        return sub;
      }),
    );
    const pub = await join(spec, fail);
    peers.push(pub);
    return {
      publish(seq) {
        pub.session.publish('com.bench.topic', [seq, payload]);
      },
      close: () => leave(peers),
    };
  },
};

main(adapter, readSpec());
