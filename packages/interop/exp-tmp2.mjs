import { createRouter } from '@wamp/node-router';
import autobahn from 'autobahn';
const router = createRouter({ realms: [{ name: 'realm1' }], listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' }], log: { level: 'warn' } });
const [addr] = await router.listen();
const S = autobahn.serializer.CBORSerializer;
const s = new S();
const orig = s.serialize.bind(s);
s.serialize = async (o) => { const b = await orig(o); console.log('OUT', JSON.stringify(o), b.toString('hex')); return b; };
const conn = new autobahn.Connection({ url: addr.url, realm: 'realm1', serializers: [s], max_retries: 0 });
conn.onopen = async (session) => {
  await session.register('a.b', (args, kwargs) => new autobahn.Result(args, kwargs));
  const r = await session.call('a.b', [1, 'ü', Buffer.from([1, 2, 3])], { x: { y: [1] } });
  console.log('result', r);
  const r2 = await session.call('a.b', [2**53]);
  console.log('result', r2);
  conn.close();
};
conn.onclose = (reason, details) => { console.log('close', reason, details); router.close(); return true; };
conn.open();
