// `pnpm size`: how much of @wamp/core + @wamp/client + @wamp/ws a browser
// downloads, minified and gzipped, bundled by esbuild with tree-shaking, in a
// few application shapes. The packages are taken as published (their dist/
// files: run `pnpm build` first, the root script does). Code behind a dynamic
// import() goes into a lazy chunk, listed apart: a page loads it only when it
// is used (argon2id, for WAMP-SCRAM).
//
// Each shape has a budget (gzipped bytes loaded up front) in the committed
// file size-budget.json beside package.json; the script exits 1 when a shape
// grows more than 5 % beyond its budget (CI runs it after the build), and
// says so when one shrinks well below it (time to lower the budget).
//
//   node scripts/size.mjs [--analyze] [--json] [--update-budget]
//     --analyze        the largest modules of each shape: minified bytes
//                      (esbuild's metafile) and each module's code gzipped alone
//     --json           the figures as JSON on stdout
//     --update-budget  write today's figures into size-budget.json
//     --budget FILE    check against (or write) FILE instead

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { PACKAGE_DIR } from './bundle.mjs';

/** Published figures of the other JavaScript WAMP clients (min, gz), for comparison. */
const REFERENCES = {
  autobahn: ['autobahn-browser 22.11.1', 358 * 1024, 108 * 1024],
  wampy: ['wampy.min.js 8.0.2 (JSON)', 30.6 * 1024, 8.6 * 1024],
  wampyAll: ['wampy-all.min.js 8.0.2', 93 * 1024, 30.8 * 1024],
};

/** The minimal page over `connectWebSocket` and `Session.join`, with `sessionImport` naming the class. */
function overJoin(sessionImport) {
  return `
      ${sessionImport}
      import { jsonSerializer } from '@wamp/core';
      import { connectWebSocket } from '@wamp/ws';
      export async function start(url, realm) {
        const transport = await connectWebSocket({ url, serializers: [jsonSerializer] });
        const session = await Session.join(transport, { realm });
        await session.subscribe('com.example.tick', (args) => console.log(args));
        return session.call('com.example.add2', [2, 3]);
      }`;
}

/**
 * The full page: a reconnecting client (`clientImport` names the class
 * `Client`) with every auth method over `serializers`; `after` runs on the
 * client `c`, `extra` goes into its options.
 */
function fullPage(clientImport, serializers, after = '', extra = '') {
  return `
      ${clientImport}
      import { ${[...serializers].sort().join(', ')} } from '@wamp/core';
      import { webSocketTransport } from '@wamp/ws';
      export function client(url, realm, secret, seed) {
        const c = new Client({
          transport: webSocketTransport({ url, serializers: [${serializers.join(', ')}] }),
          realm,
          ${extra}
          auth: [cryptosign(seed), scram(secret), wampcra(secret), ticket(secret), anonymous()],
        });
        ${after}
        return c;
      }`;
}

/**
 * Each shape is the code an application of that kind would contain; `goal`
 * is the gzipped size the issue asks for, `compare` the references it is
 * measured against.
 */
const SHAPES = {
  minimal: {
    what: 'core + client + ws, JSON, no auth (LeanSession over connectWebSocket)',
    goal: 8 * 1024,
    compare: ['wampy'],
    code: overJoin("import { LeanSession as Session } from '@wamp/client';"),
  },
  'minimal-session': {
    what: 'the same with Session (history and progressive calls as methods)',
    compare: ['wampy'],
    code: overJoin("import { Session } from '@wamp/client';"),
  },
  'minimal-connect': {
    what: 'the same through connect({ url, realm }) (JSON by default)',
    compare: ['wampy'],
    code: `
      import { connect } from '@wamp/ws';
      export async function start(url, realm) {
        const session = await connect({ url, realm });
        await session.subscribe('com.example.tick', (args) => console.log(args));
        return session.call('com.example.add2', [2, 3]);
      }`,
  },
  full: {
    what: 'JSON, MessagePack and CBOR; anonymous, ticket, wampcra, cryptosign, wamp-scram; LeanClient with reconnection (calls, subscribes, publishes)',
    goal: 30 * 1024,
    compare: ['wampyAll', 'autobahn'],
    code: fullPage("import { LeanClient as Client, anonymous, cryptosign, scram, ticket, wampcra } from '@wamp/client';", [
      'cborSerializer',
      'msgpackSerializer',
      'jsonSerializer',
    ]),
  },
  'full-callee': {
    what: 'full, and a procedure registered (registerOnClient: the callee side)',
    compare: ['wampyAll'],
    code: fullPage(
      "import { LeanClient as Client, anonymous, cryptosign, registerOnClient, scram, ticket, wampcra } from '@wamp/client';",
      ['cborSerializer', 'msgpackSerializer', 'jsonSerializer'],
      "registerOnClient(c, 'com.example.add2', (args) => args[0] + args[1]);",
    ),
  },
  'full-client': {
    what: 'full with Client (sessions are Session: register, events, history, progressive calls as methods)',
    compare: ['wampyAll'],
    code: fullPage("import { Client, anonymous, cryptosign, scram, ticket, wampcra } from '@wamp/client';", [
      'cborSerializer',
      'msgpackSerializer',
      'jsonSerializer',
    ]),
  },
  'full-msgpack': {
    what: 'full with JSON and MessagePack only (no CBOR)',
    compare: ['wampyAll'],
    code: fullPage("import { LeanClient as Client, anonymous, cryptosign, scram, ticket, wampcra } from '@wamp/client';", [
      'msgpackSerializer',
      'jsonSerializer',
    ]),
  },
  'full+noble': {
    what: 'full, with nobleCryptoProvider (pure JS crypto for plain-http pages)',
    compare: ['wampyAll', 'autobahn'],
    code: fullPage(
      "import { LeanClient as Client, anonymous, cryptosign, nobleCryptoProvider, scram, ticket, wampcra } from '@wamp/client';",
      ['cborSerializer', 'msgpackSerializer', 'jsonSerializer'],
      '',
      'crypto: nobleCryptoProvider(),',
    ),
  },
};

const isEntry = (file) => file.endsWith('/entry.js');
const shortPath = (path) => path.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(/^(\.\.\/)+/, '');

const buildOptions = (name, shape, outdir) => ({
  stdin: { contents: shape.code, resolveDir: PACKAGE_DIR, sourcefile: `${name}.js`, loader: 'js' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  treeShaking: true,
  metafile: true,
  outdir: join(outdir, name),
  entryNames: 'entry',
  logLevel: 'silent',
});

/**
 * The output files a page loads up front: the entry chunk and every chunk it
 * imports statically (esbuild moves code that a lazy chunk shares with the
 * entry into a chunk of its own, loaded up front). The rest is reached only
 * through import().
 */
function initialFiles(outputs) {
  const initial = new Set();
  for (const queue = [Object.keys(outputs).find(isEntry)]; queue.length > 0; ) {
    const file = queue.pop();
    if (initial.has(file)) continue;
    initial.add(file);
    for (const i of outputs[file].imports) if (i.kind === 'import-statement' && !i.external) queue.push(i.path);
  }
  return initial;
}

async function measure(name, shape, outdir) {
  const result = await build({ ...buildOptions(name, shape, outdir), minify: true });
  const outputs = result.metafile.outputs;
  const initial = initialFiles(outputs);
  const entry = { min: 0, gz: 0 };
  const lazy = { min: 0, gz: 0 };
  const modules = new Map();
  for (const [file, output] of Object.entries(outputs)) {
    if (!file.endsWith('.js')) continue;
    const bytes = await readFile(file);
    const sum = initial.has(file) ? entry : lazy;
    sum.min += bytes.length;
    sum.gz += gzipSync(bytes, { level: 9 }).length;
    if (!initial.has(file)) continue;
    for (const [path, i] of Object.entries(output.inputs)) {
      const key = shortPath(path);
      modules.set(key, (modules.get(key) ?? 0) + i.bytesInOutput);
    }
  }
  return {
    name,
    what: shape.what,
    goal: shape.goal,
    goalMet: shape.goal === undefined ? undefined : entry.gz <= shape.goal,
    entry,
    lazy,
    compare: shape.compare.map((key) => {
      const [ref, min, gz] = REFERENCES[key];
      return { reference: ref, min, gz, ratioGz: entry.gz / gz };
    }),
    modules: [...modules].sort((a, b) => b[1] - a[1]),
  };
}

/**
 * For --analyze: each module's share of the initial code gzipped on its own
 * (identifiers and syntax minified, one module at a time). The column adds up
 * to more than the bundle's gzip size, since gzip also draws on the text the
 * modules share; it says which code is large, not what removing it would save.
 */
async function gzipByModule(name, shape, outdir) {
  const result = await build({ ...buildOptions(`${name}-analyze`, shape, outdir), minifySyntax: true, minifyIdentifiers: true });
  const gz = new Map();
  for (const file of initialFiles(result.metafile.outputs)) {
    // Without whitespace minification esbuild heads each module's code with a `// path` line.
    const parts = (await readFile(file, 'utf8')).split(/^\/\/ (\S+)$/m);
    for (let i = 1; i < parts.length; i += 2) {
      const code = parts[i + 1].replace(/^\s+/gm, '');
      const key = shortPath(parts[i]);
      gz.set(key, (gz.get(key) ?? 0) + gzipSync(code, { level: 9 }).length);
    }
  }
  return gz;
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

/** Where the budget per shape is kept, and how far beyond it a shape may grow before the check fails. */
const argv = process.argv.slice(2);
const BUDGET_FILE = argv.includes('--budget') ? argv[argv.indexOf('--budget') + 1] : join(PACKAGE_DIR, 'size-budget.json');
const TOLERANCE = 0.05;

/** Compare each shape with its budget; returns the lines that fail (growth beyond the tolerance, or no budget). */
async function checkBudget(results) {
  const budget = JSON.parse(await readFile(BUDGET_FILE, 'utf8'));
  const failures = [];
  for (const r of results) {
    const b = budget.shapes[r.name];
    if (b === undefined) {
      failures.push(`${r.name}: no budget in size-budget.json (run with --update-budget)`);
      continue;
    }
    const limit = Math.floor(b.gz * (1 + TOLERANCE));
    const line = `${r.name}: ${kb(r.entry.gz)} gz, budget ${kb(b.gz)} (fails above ${kb(limit)})`;
    if (r.entry.gz > limit) failures.push(`${line}: ${((r.entry.gz / b.gz - 1) * 100).toFixed(1)} % over the budget`);
    else if (r.entry.gz < b.gz * (1 - TOLERANCE)) console.log(`size: ${line}: well under it, lower the budget (--update-budget)`);
  }
  return failures;
}

async function writeBudget(results) {
  const shapes = {};
  for (const r of results) shapes[r.name] = { gz: r.entry.gz, min: r.entry.min };
  const text = {
    about: 'pnpm size: bytes a page loads up front per shape (minified; gz = gzip -9). The check fails above gz + 5 %. Update with node packages/example-browser/scripts/size.mjs --update-budget',
    shapes,
  };
  await writeFile(BUDGET_FILE, JSON.stringify(text, null, 2) + '\n');
  console.log(`size: budget written to ${BUDGET_FILE}`);
}

const args = new Set(argv);
const outdir = await mkdtemp(join(tmpdir(), 'wamp-size-'));
try {
  const results = [];
  for (const [name, shape] of Object.entries(SHAPES)) results.push(await measure(name, shape, outdir));
  if (args.has('--update-budget')) await writeBudget(results);
  if (args.has('--json')) {
    console.log(JSON.stringify(results.map(({ modules: _m, ...r }) => r), null, 2));
  } else {
    console.log('Browser bundle (esbuild, minified, tree-shaken; gzip -9)\n');
    console.log('shape              min        gz   lazy min  lazy gz   goal (gz)');
    for (const r of results) {
      const verdict =
        r.goal === undefined
          ? ''
          : `${kb(r.goal)}: ${r.goalMet ? 'met' : `NOT met (${kb(r.entry.gz - r.goal)} over)`}`;
      console.log(
        `${r.name.padEnd(16)} ${kb(r.entry.min).padStart(9)} ${kb(r.entry.gz).padStart(9)} ${kb(r.lazy.min).padStart(10)} ${kb(r.lazy.gz).padStart(8)}   ${verdict}`,
      );
      for (const c of r.compare) {
        console.log(
          `  vs ${c.reference.padEnd(26)} ${kb(c.min).padStart(9)} ${kb(c.gz).padStart(9)}   ${c.ratioGz.toFixed(2)}× its gzip size`,
        );
      }
    }
    console.log('');
    for (const r of results) console.log(`  ${r.name}: ${r.what}`);
    console.log('');
    for (const r of results) {
      if (r.goal !== undefined) console.log(`goal ${r.name} <= ${kb(r.goal)} gz: ${r.goalMet ? 'met' : 'not met'} (${kb(r.entry.gz)})`);
    }
    if (args.has('--analyze')) {
      for (const r of results) {
        const gz = await gzipByModule(r.name, SHAPES[r.name], outdir);
        console.log(`\n${r.name}: largest modules of the initial chunks (minified bytes; gzipped alone)`);
        for (const [path, bytes] of r.modules.slice(0, 15)) {
          console.log(`  ${String(bytes).padStart(7)} ${String(gz.get(path) ?? '').padStart(7)}  ${path}`);
        }
      }
    }
  }
  const failures = await checkBudget(results);
  for (const f of failures) console.error(`size: FAILED ${f}`);
  if (failures.length > 0) process.exitCode = 1;
  else if (!args.has('--json')) console.log(`\nsize: every shape within its budget + ${TOLERANCE * 100} % (size-budget.json)`);
} finally {
  await rm(outdir, { recursive: true, force: true });
}
