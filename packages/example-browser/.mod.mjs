import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const code = process.argv[2];
const r = await build({ stdin: { contents: code, resolveDir: process.cwd(), loader: 'js' }, bundle: true, splitting: true, format: 'esm', platform: 'browser', target: 'es2022', minifySyntax: true, minifyIdentifiers: true, treeShaking: true, write: false, outdir: '/tmp/sz/x', entryNames: 'entry', logLevel: 'silent' });
const text = r.outputFiles.find(f => f.path.endsWith('entry.js')).text;
const parts = text.split(/^\/\/ (\S+)$/m);
const rows = [];
for (let i = 1; i < parts.length; i += 2) {
  const body = parts[i+1].replace(/^\s+/gm, '').replace(/\n/g, '');
  rows.push([parts[i].replace(/^.*node_modules\//,''), body.length, gzipSync(body, {level: 9}).length]);
}
rows.sort((a,b)=>b[2]-a[2]);
let t=0; for (const r of rows) { t+=r[2]; console.log(String(r[1]).padStart(7), String(r[2]).padStart(6), r[0]); }
console.log('sum gz (separately)', t);
