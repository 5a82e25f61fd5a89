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

// @wamp/core's browser build leaves the authentication computations out of
// its main entry (they are @wamp/core/auth), so that @wamp/client's auth
// methods can load them with import(): none of them is in the page's entry
// chunk, and all of them are in a lazy one.
describe('@wamp/core in browser bundles', () => {
  it('the auth computations of a page with every auth method are in a lazy chunk', async () => {
    const result = await build({
      stdin: {
        contents: "export { anonymous, cryptosign, scram, scramLegacy, ticket, wampcra } from '@wamp/client'; export { jsonSerializer } from '@wamp/core';",
        resolveDir: PACKAGE_DIR,
        loader: 'js',
      },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      outdir: 'out',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const outputs = Object.values(result.metafile.outputs);
    const entry = outputs.find((o) => o.entryPoint !== undefined && !o.entryPoint.includes('auth-attempts'))!;
    const inputs = Object.keys(entry.inputs);
    expect(inputs.some((i) => /packages\/core\/dist\/index\.browser\.js$/.test(i))).toBe(true);
    expect(inputs.filter((i) => /packages\/core\/dist\/auth|auth-attempts/.test(i))).toEqual([]);
    const lazy = outputs.filter((o) => o !== entry).flatMap((o) => Object.keys(o.inputs));
    for (const file of ['wampcra', 'cryptosign', 'scram', 'scram-legacy']) {
      expect(lazy.some((i) => i.endsWith(`packages/core/dist/auth/${file}.js`)), file).toBe(true);
    }
  });
});
