// `pnpm size`: how much of @wamp/core + @wamp/client + @wamp/ws a browser
// downloads, minified and gzipped, bundled by esbuild with tree-shaking, in a
// few application shapes. The packages are taken as published (their dist/
// files: run `pnpm build` first, the root script does). Code behind a dynamic
// import() goes into a lazy chunk, listed apart: a page loads it only when it
// is used (argon2id, for WAMP-SCRAM).
//
//   node scripts/size.mjs [--analyze] [--json]
//     --analyze  the largest modules of each shape, from esbuild's metafile
//     --json     the figures as JSON on stdout

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { PACKAGE_DIR } from './bundle.mjs';

/** Each shape is the code an application of that kind would contain. */
const SHAPES = {
  minimal: {
    what: 'core + client + ws, JSON, no auth (Session over connectWebSocket)',
    goal: 8 * 1024,
    code: `
      import { Session } from '@wamp/client';
      import { jsonSerializer } from '@wamp/core';
      import { connectWebSocket } from '@wamp/ws';
      export async function start(url, realm) {
        const transport = await connectWebSocket({ url, serializers: [jsonSerializer] });
        const session = await Session.join(transport, { realm });
        await session.subscribe('com.example.tick', (args) => console.log(args));
        return session.call('com.example.add2', [2, 3]);
      }`,
  },
  'minimal-connect': {
    what: 'the same through connect({ url, realm }) (JSON by default)',
    code: `
      import { connect } from '@wamp/ws';
      export async function start(url, realm) {
        const session = await connect({ url, realm });
        await session.subscribe('com.example.tick', (args) => console.log(args));
        return session.call('com.example.add2', [2, 3]);
      }`,
  },
  full: {
    what: 'JSON, MessagePack and CBOR; anonymous, ticket, wampcra, cryptosign, wamp-scram; Client with reconnection',
    goal: 30 * 1024,
    code: `
      import { Client, anonymous, cryptosign, scram, ticket, wampcra } from '@wamp/client';
      import { cborSerializer, jsonSerializer, msgpackSerializer } from '@wamp/core';
      import { webSocketTransport } from '@wamp/ws';
      export function client(url, realm, secret, seed) {
        return new Client({
          transport: webSocketTransport({
            url,
            subprotocols: ['wamp.2.cbor', 'wamp.2.msgpack', 'wamp.2.json'],
            serializers: [cborSerializer, msgpackSerializer, jsonSerializer],
          }),
          realm,
          auth: [cryptosign(seed), scram(secret), wampcra(secret), ticket(secret), anonymous()],
        });
      }`,
  },
  'full+noble': {
    what: 'full, with nobleCryptoProvider (pure JS crypto for plain-http pages)',
    code: `
      import { Client, anonymous, cryptosign, nobleCryptoProvider, scram, ticket, wampcra } from '@wamp/client';
      import { cborSerializer, jsonSerializer, msgpackSerializer } from '@wamp/core';
      import { webSocketTransport } from '@wamp/ws';
      export function client(url, realm, secret, seed) {
        return new Client({
          transport: webSocketTransport({
            url,
            subprotocols: ['wamp.2.cbor', 'wamp.2.msgpack', 'wamp.2.json'],
            serializers: [cborSerializer, msgpackSerializer, jsonSerializer],
          }),
          realm,
          crypto: nobleCryptoProvider(),
          auth: [cryptosign(seed), scram(secret), wampcra(secret), ticket(secret), anonymous()],
        });
      }`,
  },
};

/** Published figures of the other JavaScript WAMP clients, for comparison. */
const REFERENCES = [
  ['autobahn-browser 22.11.1', 358 * 1024, 108 * 1024],
  ['wampy.min.js 8.0.2 (JSON)', 30.6 * 1024, 8.6 * 1024],
  ['wampy-all.min.js 8.0.2', 93 * 1024, 30.8 * 1024],
];

const isEntry = (file) => file.endsWith('/entry.js');

async function measure(name, shape, outdir, plugins = []) {
  const result = await build({
    plugins,
    stdin: { contents: shape.code, resolveDir: PACKAGE_DIR, sourcefile: `${name}.js`, loader: 'js' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    treeShaking: true,
    metafile: true,
    outdir: join(outdir, name),
    entryNames: 'entry',
    logLevel: 'silent',
  });
  // The page loads the entry chunk and every chunk it imports statically
  // (esbuild moves code shared with a lazy chunk into a chunk of its own);
  // the rest is reached only through import().
  const outputs = result.metafile.outputs;
  const entryFile = Object.keys(outputs).find(isEntry);
  const initial = new Set();
  for (const queue = [entryFile]; queue.length > 0; ) {
    const file = queue.pop();
    if (initial.has(file)) continue;
    initial.add(file);
    for (const i of outputs[file].imports) if (i.kind === 'import-statement' && !i.external) queue.push(i.path);
  }
  const entry = { min: 0, gz: 0 };
  const lazy = { min: 0, gz: 0 };
  const modules = new Map();
  for (const [file, output] of Object.entries(outputs)) {
    if (!file.endsWith('.js')) continue;
    const bytes = await readFile(file);
    const sum = initial.has(file) ? entry : lazy;
    sum.min += bytes.length;
    sum.gz += gzipSync(bytes, { level: 9 }).length;
    // Where the initial chunks' bytes come from, by module.
    if (!initial.has(file)) continue;
    for (const [path, i] of Object.entries(output.inputs)) {
      const key = path.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '');
      modules.set(key, (modules.get(key) ?? 0) + i.bytesInOutput);
    }
  }
  return { name, what: shape.what, goal: shape.goal, entry, lazy, modules: [...modules].sort((a, b) => b[1] - a[1]) };
}

/**
 * For --analyze: the minimal shape again, with the one line that keeps the
 * binary serializers in a JSON-only bundle taken out of @wamp/ws
 * (`options.serializers ?? ALL_SERIALIZERS` in connectWebSocket: the default
 * is referenced even when the caller passes its serializers, so MessagePack
 * and CBOR, with @msgpack/msgpack and cbor-x, stay in). What it would save.
 */
const withoutSerializerDefault = {
  name: 'without-serializer-default',
  setup(b) {
    b.onLoad({ filter: /[\\/]ws[\\/]dist[\\/]client\.js$/ }, async (args) => {
      const code = await readFile(args.path, 'utf8');
      const line = 'options.serializers ?? ALL_SERIALIZERS';
      if (!code.includes(line)) throw new Error(`${args.path} no longer contains "${line}": update scripts/size.mjs`);
      return { contents: code.replace(line, 'options.serializers'), loader: 'js' };
    });
  },
};

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

const args = new Set(process.argv.slice(2));
const outdir = await mkdtemp(join(tmpdir(), 'wamp-size-'));
try {
  const results = [];
  for (const [name, shape] of Object.entries(SHAPES)) results.push(await measure(name, shape, outdir));
  if (args.has('--json')) {
    console.log(JSON.stringify(results.map(({ modules: _m, ...r }) => r), null, 2));
  } else {
    console.log('Browser bundle (esbuild, minified, tree-shaken; gzip -9)\n');
    console.log('shape              min        gz   lazy min  lazy gz   goal (gz)');
    for (const r of results) {
      const verdict = r.goal === undefined ? '' : `${kb(r.goal)} ${r.entry.gz <= r.goal ? 'met' : 'NOT met'}`;
      console.log(
        `${r.name.padEnd(16)} ${kb(r.entry.min).padStart(9)} ${kb(r.entry.gz).padStart(9)} ${kb(r.lazy.min).padStart(10)} ${kb(r.lazy.gz).padStart(8)}   ${verdict}`,
      );
    }
    for (const r of results) console.log(`  ${r.name}: ${r.what}`);
    console.log('\nFor comparison:');
    for (const [name, min, gz] of REFERENCES) console.log(`  ${name.padEnd(26)} ${kb(min).padStart(9)} ${kb(gz).padStart(9)}`);
    if (args.has('--analyze')) {
      for (const r of results) {
        console.log(`\n${r.name}: largest modules of the entry chunk (minified bytes)`);
        for (const [path, bytes] of r.modules.slice(0, 15)) console.log(`  ${String(bytes).padStart(7)}  ${path}`);
      }
      const minimal = results.find((r) => r.name === 'minimal');
      const without = await measure('minimal-without-default', SHAPES.minimal, outdir, [withoutSerializerDefault]);
      console.log(
        `\nminimal: the binary serializers are kept by \`options.serializers ?? ALL_SERIALIZERS\` in @wamp/ws connectWebSocket;` +
          `\n  without that default: ${kb(without.entry.min)} min, ${kb(without.entry.gz)} gz` +
          ` (saves ${kb(minimal.entry.min - without.entry.min)} min, ${kb(minimal.entry.gz - without.entry.gz)} gz). Largest modules then:`,
      );
      for (const [path, bytes] of without.modules.slice(0, 12)) console.log(`  ${String(bytes).padStart(7)}  ${path}`);
    }
  }
} finally {
  await rm(outdir, { recursive: true, force: true });
}
