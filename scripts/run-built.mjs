// `pnpm router` and `pnpm fuzz`: bring dist/ up to date, saying so, then run
// the CLI (a bin launcher of the workspace) with the remaining arguments.
// `tsc -b` is incremental: about a second on a built tree, longer on a fresh
// clone, and the user sees which of the two is happening.
//
//   node scripts/run-built.mjs packages/node-router/bin/wamp-router.js [args...]

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { basename, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [bin, ...args] = process.argv.slice(2);
if (bin === undefined) {
  process.stderr.write('usage: node scripts/run-built.mjs BIN [args...]\n');
  process.exit(2);
}
const name = basename(bin, '.js');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

process.stderr.write(`${name}: building the packages (tsc -b)…\n`);
const started = performance.now();
const build = spawnSync(process.execPath, [tsc, '-b'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write(`${name}: the build failed (see above)\n`);
  process.exit(build.status ?? 1);
}
process.stderr.write(`${name}: built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

// Run the CLI in this process, as if started as `BIN args...`.
const file = resolve(root, bin);
process.argv = [process.argv[0], file, ...args];
await import(pathToFileURL(file).href);
