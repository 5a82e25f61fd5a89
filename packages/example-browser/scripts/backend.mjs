// What the example app talks to, all on one host: the project's router, a
// Node process's WAMP session that serves `com.example.add2` and publishes
// `com.example.tick`, and a static HTTP server for the page. Used by
// `scripts/start.mjs` and by the end-to-end test.

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { WampError } from '@wamp/client';
import { createRouter } from '@wamp/node-router';
import { connect } from '@wamp/ws/node';

export const REALM = 'realm1';

/** The only files served, by request path (nothing else is read from disk). */
const FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/app.js.map': ['app.js.map', 'application/json'],
};

function listen(server, host, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/**
 * Start the router (WebSocket on `routerPort`), the Node callee/publisher and
 * the page server (`httpPort`) on `host`; port 0 picks free ports. The
 * publisher sends a tick every `tickMs`, at most `maxTicks` of them.
 */
export async function startBackend({ appDir, host = '127.0.0.1', routerPort = 0, httpPort = 0, tickMs = 250, maxTicks = 1000, log = 'warn' }) {
  const router = createRouter({
    realms: [{ name: REALM }],
    listeners: [{ type: 'websocket', host, port: routerPort, path: '/ws' }],
    heartbeatMs: 0,
    log: { level: log },
  });
  const [address] = await router.listen();
  const routerUrl = address.url;

  // The Node side speaks MessagePack, the page JSON: the router translates.
  const session = await connect({ url: routerUrl, realm: REALM, serializers: ['msgpack'] });
  await session.register('com.example.add2', ([a, b]) => {
    if (typeof a !== 'number' || typeof b !== 'number') {
      throw new WampError('wamp.error.invalid_argument', ['com.example.add2 takes two numbers']);
    }
    return a + b;
  });
  let ticks = 0;
  const timer = setInterval(() => {
    if (ticks >= maxTicks) return clearInterval(timer);
    ticks += 1;
    session.publish('com.example.tick', [ticks], { at: new Date().toISOString() }).catch(() => clearInterval(timer));
  }, tickMs);

  const http = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = FILES[path];
    if (req.method !== 'GET' || file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    readFile(`${appDir}/${file[0]}`).then(
      (body) => res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not built\n'),
    );
  });
  const port = await listen(http, host, httpPort);
  const pageUrl = `http://${host}:${port}/?router=${encodeURIComponent(routerUrl)}&realm=${REALM}`;

  return {
    routerUrl,
    pageUrl,
    async close() {
      clearInterval(timer);
      await session.leave().catch(() => undefined);
      http.closeAllConnections();
      await new Promise((resolve) => http.close(() => resolve()));
      await router.close();
    },
  };
}
