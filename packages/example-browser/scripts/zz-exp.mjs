import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
const code = `
      import { Session } from '@wamp/client';
      import { jsonSerializer } from '@wamp/core';
      import { connectWebSocket } from '@wamp/ws';
      export async function start(url, realm) {
        const transport = await connectWebSocket({ url, subprotocols: ['wamp.2.json'], serializers: [jsonSerializer] });
        const session = await Session.join(transport, { realm });
        await session.subscribe('com.example.tick', (args) => console.log(args));
        return session.call('com.example.add2', [2, 3]);
      }`;
const rewrite = { name: 'rw', setup(b) { b.onLoad({ filter: /ws\/dist\/client\.js$/ }, async (a) => ({ contents: (await readFile(a.path, 'utf8')).replace('options.serializers ?? ALL_SERIALIZERS', 'options.serializers'), loader: 'js' })); } };
const r = await build({ stdin: { contents: code, resolveDir: '/work/main/packages/example-browser', loader: 'js' }, bundle: true, splitting: true, format: 'esm', minify: true, metafile: true, outdir: '/tmp/exp/x', entryNames: 'entry', platform: 'browser', plugins: [rewrite] });
const b = await readFile('/tmp/exp/x/entry.js');
console.log('min', b.length, 'gz', gzipSync(b, { level: 9 }).length);
const o = Object.entries(r.metafile.outputs).find(([f]) => f.endsWith('entry.js'))[1];
for (const [p, i] of Object.entries(o.inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput).slice(0, 40)) console.log(String(i.bytesInOutput).padStart(7), p.replace(/^.*node_modules\//, ''));
