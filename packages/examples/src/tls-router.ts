/**
 * An embedded router that provides procedures itself, over TLS: WebSocket
 * (wss://) and RawSocket (rss://) listeners with a self-signed certificate
 * made at start, a route set mounted on the realm, and clients that pin the
 * certificate as their only CA.
 *
 *   node packages/examples/dist/tls-router.js
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RouteSet } from '@wamp/client';
import { createRouter } from '@wamp/node-router';
import { connect } from '@wamp/ws/node';
import { selfSignedCertificate } from './self-signed.js';

// 1. A certificate for 127.0.0.1 and localhost, as files (the router's config names files).
const { cert, key, fingerprint256 } = await selfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
const dir = mkdtempSync(join(tmpdir(), 'wamp-tls-example-'));
writeFileSync(join(dir, 'cert.pem'), cert);
writeFileSync(join(dir, 'key.pem'), key, { mode: 0o600 });
const tls = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };

const router = createRouter({
  realms: [{ name: 'realm1' }],
  listeners: [
    { type: 'websocket', host: '127.0.0.1', port: Number(process.env['PORT'] ?? 0), tls },
    { type: 'rawsocket', host: '127.0.0.1', port: 0, tls },
  ],
});
await router.listen();

// 2. Procedures provided by the router process itself: a route set on realm1.
const routes = new RouteSet({ prefix: 'com.example.' })
  .procedure('time', () => new Date().toISOString())
  .procedure('whoami', (_args, _kwargs, ctx) => `${ctx.caller.authrole} via ${ctx.caller.transport?.type} from ${ctx.caller.transport?.peer}`);
await router.realm('realm1').mount(routes);

const wss = router.addresses.find((a) => a.url.startsWith('wss:'))!.url;
const rss = router.addresses.find((a) => a.url.startsWith('rss:'))!.url;
console.log(`ready ${wss}`);
console.log(`certificate ${fingerprint256}`);

// 3. Clients that trust this certificate alone.
const overWebSocket = await connect({ url: wss, realm: 'realm1', wsOptions: { ca: cert } });
console.log(`wss ${(await overWebSocket.call('com.example.whoami')).value as string}`);
const overRawSocket = await connect({ url: rss, realm: 'realm1', tlsOptions: { ca: cert } });
console.log(`rss ${(await overRawSocket.call('com.example.time')).value as string}`);

// 4. A client that does not pin it is refused by its own TLS check.
try {
  await connect({ url: wss, realm: 'realm1', connectTimeoutMs: 5_000 });
  console.log('unpinned connected (unexpected)');
} catch (e) {
  console.log(`unpinned refused: ${e instanceof Error ? e.message : String(e)}`);
}

await overWebSocket.leave();
await overRawSocket.leave();
await router.close();
rmSync(dir, { recursive: true, force: true });
