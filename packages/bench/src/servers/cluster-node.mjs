// One node of the benchmark's cluster: the project's router as `createRouter`
// embeds it (the default realm, limits and backpressure), joined to the NATS
// at $WAMP_BENCH_NATS under the name $WAMP_BENCH_NODE. It reports ready only
// once it has heard from all $WAMP_BENCH_NODES - 1 other nodes.

import { createRouter } from '@wamp/node-router';
import { serve } from './serve.mjs';

serve(async () => {
  const realm = process.env.WAMP_BENCH_REALM ?? 'realm1';
  const others = Number(process.env.WAMP_BENCH_NODES ?? '2') - 1;
  const router = createRouter({
    realms: [{ name: realm }],
    listeners: [
      { type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' },
      { type: 'rawsocket', host: '127.0.0.1', port: 0 },
    ],
    log: { level: 'warn' },
    cluster: { servers: [process.env.WAMP_BENCH_NATS], node: process.env.WAMP_BENCH_NODE },
  });
  const addresses = await router.listen();
  const deadline = Date.now() + 10_000;
  while (router.clusterNodes.length < others) {
    if (Date.now() > deadline) throw new Error(`node ${process.env.WAMP_BENCH_NODE} found ${router.clusterNodes.length} of ${others} other nodes`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const endpoints = {};
  for (const a of addresses) endpoints[a.type === 'websocket' ? 'ws' : 'tcp'] = a.url;
  return { endpoints, close: () => router.close() };
});
