/**
 * The smallest whole program: a router embedded in this process, and a
 * session that registers a procedure and calls it over a real WebSocket.
 *
 *   node packages/examples/dist/embedded.js
 */
import { createRouter } from '@wamp/node-router';
import { connect } from '@wamp/ws';

const router = createRouter({
  realms: [{ name: 'realm1' }],
  listeners: [{ type: 'websocket', host: '127.0.0.1', port: Number(process.env['PORT'] ?? 0) }],
});
await router.listen();
const url = router.addresses[0]!.url;
console.log(`ready ${url}`);

const session = await connect({ url, realm: 'realm1' });
await session.register('com.app.add', ([a, b]) => Number(a) + Number(b));
const result = await session.call('com.app.add', [2, 3]);
console.log(`result ${String(result.value)}`);
await session.leave();
await router.close();
