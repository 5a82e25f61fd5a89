import { createRouter } from '@wamp/node-router';
import autobahn from 'autobahn';
const router = createRouter({ realms: [{ name: 'realm1' }], listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' }], log: { level: 'debug' } });
const [addr] = await router.listen();
console.log(addr.url);
const ser = process.argv[2];
const S = { json: autobahn.serializer.JSONSerializer, msgpack: autobahn.serializer.MsgpackSerializer, cbor: autobahn.serializer.CBORSerializer }[ser];
const conn = new autobahn.Connection({ url: addr.url, realm: 'realm1', serializers: [new S()], max_retries: 0 });
conn.onopen = async (session) => {
  console.log('open', session.id);
  await session.register('a.b', (args, kwargs) => new autobahn.Result(args, kwargs));
  const r = await session.call('a.b', [1, 'ü', 2 ** 53, Buffer.from([1, 2, 3])], { x: { y: [1] } });
  console.log('result', r);
  conn.close();
};
conn.onclose = (reason, details) => { console.log('close', reason, details); router.close(); return true; };
conn.open();
