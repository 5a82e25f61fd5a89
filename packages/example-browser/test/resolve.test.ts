// A bundler for browsers takes the browser build of @wamp/ws, as published
// (its dist/ through the package's conditional exports, no source aliases):
// neither the `ws` package nor the Node build reaches the bundle.

import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { PACKAGE_DIR } from '../scripts/bundle.mjs';

async function inputsOf(platform: 'browser' | 'node'): Promise<string[]> {
  const result = await build({
    stdin: { contents: "export { connect } from '@wamp/ws';", resolveDir: PACKAGE_DIR, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform,
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: platform === 'node' ? ['ws'] : [],
  });
  return Object.keys(result.metafile.inputs);
}

describe('@wamp/ws in bundles', () => {
  it('a browser bundle resolves the WHATWG build and nothing of ws', async () => {
    const inputs = await inputsOf('browser');
    expect(inputs.some((i) => /packages\/ws\/dist\/index\.js$/.test(i))).toBe(true);
    expect(inputs.filter((i) => /index\.node\.js$|node-client|node_modules\/(\.pnpm\/)?ws[@/]/.test(i))).toEqual([]);
  });

  it('a bundle for Node resolves the build on ws', async () => {
    const inputs = await inputsOf('node');
    expect(inputs.some((i) => /packages\/ws\/dist\/index\.node\.js$/.test(i))).toBe(true);
  });
});
