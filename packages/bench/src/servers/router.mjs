// The project's router, as a user embeds it: `createRouter` from
// @wamp/node-router with the embedded default realm (realm1, anonymous allowed
// everything) and its default limits (but the connection caps, for the scale
// rows), backpressure and heartbeat; listeners on
// ports chosen by the OS, plus a Unix socket at $WAMP_BENCH_UNIX.

import { rmSync } from 'node:fs';
import { createRouter } from '@wamp/node-router';
import { serve } from './serve.mjs';

serve(async () => {
  const unixPath = process.env.WAMP_BENCH_UNIX;
  const realm = process.env.WAMP_BENCH_REALM ?? 'realm1';
  if (unixPath) rmSync(unixPath, { force: true });
  const router = createRouter({
    realms: [{ name: realm }],
    listeners: [
      { type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' },
      { type: 'rawsocket', host: '127.0.0.1', port: 0 },
      ...(unixPath ? [{ type: 'rawsocket', path: unixPath }] : []),
    ],
    // The scale rows open up to 10,000 sessions from one address (127.0.0.1),
    // past the defaults' 256 per address: a load test's crowd, not an attack.
    maxConnections: 20_000,
    maxConnectionsPerAddress: 20_000,
    log: { level: 'warn' },
  });
  const addresses = await router.listen();
  const endpoints = {};
  for (const a of addresses) {
    if (a.type === 'websocket') endpoints.ws = a.url;
    else if (a.path !== undefined) endpoints.unix = a.url;
    else endpoints.tcp = a.url;
  }
  return {
    endpoints,
    close: async () => {
      await router.close();
      if (unixPath) rmSync(unixPath, { force: true });
    },
  };
});
