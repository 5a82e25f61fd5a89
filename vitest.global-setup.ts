// Most tests import the TypeScript sources (see the aliases in vitest.config.ts),
// but some run compiled code as a user would: the CLIs as processes
// (node-router's dist/cli.js), the tarballs of `pnpm pack` (packages/packing).
// So `pnpm test` brings dist/ up to date first: `tsc -b` is incremental, about a
// second when nothing changed, and `pnpm install` alone is then enough to test.

import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('.', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const started = performance.now();
  execFileSync(process.execPath, [tsc, '-b'], { cwd: root, stdio: 'inherit' });
  const seconds = (performance.now() - started) / 1000;
  if (seconds > 3) process.stderr.write(`built the packages (tsc -b) in ${seconds.toFixed(1)} s\n`);
}
