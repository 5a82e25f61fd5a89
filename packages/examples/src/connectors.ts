/**
 * A reconnecting client with an ordered list of connectors, trace and warning
 * hooks, driven by its state events.
 *
 * The embedded router has a RawSocket listener that speaks only JSON and a
 * WebSocket listener. The client's connector list starts with a RawSocket
 * address where nothing listens (a node that is down), then RawSocket asking
 * for MessagePack and falling back to JSON when the router answers the
 * handshake with error 1 (serializer unsupported), then WebSocket. Then the
 * router kills the session, and the state events show the client reconnect,
 * register its procedure again and carry on.
 *
 *   node packages/examples/dist/connectors.js
 */
import { createServer, type AddressInfo } from 'node:net';
import type { Session } from '@wamp/client';
import { createLogger, createRouter } from '@wamp/node-router';
import { createClient } from '@wamp/ws/node';

const router = createRouter({
  realms: [{ name: 'realm1' }],
  listeners: [
    { type: 'rawsocket', host: '127.0.0.1', port: 0, serializers: ['json'] },
    { type: 'websocket', host: '127.0.0.1', port: 0 },
  ],
}, { logger: createLogger({ level: 'warn' }) });
const [rawsocket, websocket] = await router.listen();
console.log(`ready ${rawsocket!.url}`);

// A port where nothing listens: bound by the OS, then released.
const down = createServer();
await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
const downPort = (down.address() as AddressInfo).port;
await new Promise<void>((resolve) => down.close(() => resolve()));

const client = createClient({
  realm: 'realm1',
  transports: [
    `rawsocket+tcp://127.0.0.1:${downPort}`,
    { url: `rawsocket+tcp://127.0.0.1:${rawsocket!.port!}`, serializers: ['msgpack', 'json'] },
    { url: websocket!.url, serializers: ['cbor', 'json'] },
  ],
  retry: { initialDelay: 50, maxDelay: 500 },
  // Every message in and out; this program prints only the session's opening and closing.
  onTrace: (t) => {
    if (/^(HELLO|WELCOME|GOODBYE|ABORT)/.test(t.text)) console.log(`trace ${t.direction} ${t.text.split(' ')[0]!}`);
  },
  // Problems that do not stop the client: here, the connector that is down.
  onWarning: (message) => console.log(`warning ${message}`),
});

// The state events drive the program: each `open` is a fresh session, on which
// the client has already registered the procedure again.
const opened: Session[] = [];
let onOpen: ((s: Session) => void) | undefined;
client.on('connecting', ({ attempt }) => console.log(`state connecting attempt=${attempt}`));
client.on('open', ({ session }) => {
  console.log(`state open serializer=${session.serializer}`);
  opened.push(session);
  onOpen?.(session);
});
client.on('closed', ({ reason, willRetry }) => console.log(`state closed reason=${reason} retry=${willRetry}`));
client.on('retrying', ({ attempt }) => console.log(`state retrying attempt=${attempt}`));

const first = await client.connect();
await client.register('com.example.add', ([a, b]) => Number(a) + Number(b));
console.log(`result ${String((await client.call('com.example.add', [2, 3])).value)}`);

// The router ends the session (as an operator's `wamp.session.kill` would); the client reconnects.
const reopened = new Promise<Session>((resolve) => (onOpen = resolve));
await router.realm('realm1').call('wamp.session.kill', [first.id], { message: 'maintenance' });
await reopened;
console.log(`result after reconnect ${String((await client.call('com.example.add', [20, 22])).value)}`);

await client.close();
await router.close();
console.log(`sessions ${opened.length}`);
