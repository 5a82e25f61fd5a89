// esbuild helpers shared by the build, the start script, the size report and
// the end-to-end test.

import { cp, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const SOURCES = {
  '@wamp/core': 'packages/core/src/index.ts',
  '@wamp/client': 'packages/client/src/index.ts',
  '@wamp/ws': 'packages/ws/src/index.ts',
};

/**
 * Resolve the browser-side workspace packages to their TypeScript sources (as
 * the test runner does), so that the app can be bundled without building the
 * packages first. Without it esbuild takes their published `dist/` files.
 */
export const workspaceSources = {
  name: 'wamp-workspace-sources',
  setup(b) {
    b.onResolve({ filter: /^@wamp\/(core|client|ws)$/ }, (args) => ({ path: REPO_ROOT + SOURCES[args.path] }));
  },
};

/** Bundle the example app into `outdir` (app.js next to a copy of index.html). */
export async function buildApp({ outdir, fromSources = true, minify = true } = {}) {
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: [PACKAGE_DIR + 'src/main.ts'],
    outfile: `${outdir}/app.js`,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
    plugins: fromSources ? [workspaceSources] : [],
  });
  await cp(PACKAGE_DIR + 'public/index.html', `${outdir}/index.html`);
  return result;
}
