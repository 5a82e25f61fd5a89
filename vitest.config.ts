import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string): string =>
  fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests import the packages by name; resolve them to their TypeScript sources so
// that coverage maps to src/. The few tests that run compiled code (CLIs as
// processes, packed tarballs) get it from the global setup, which runs `tsc -b`.
export default defineConfig({
  resolve: {
    alias: {
      // Before '@wamp/core': an alias also matches as a prefix.
      '@wamp/core/auth': fileURLToPath(new URL('./packages/core/src/auth.ts', import.meta.url)),
      '@wamp/core': pkg('core'),
      '@wamp/client/node-crypto': fileURLToPath(new URL('./packages/client/src/crypto/node.ts', import.meta.url)),
      '@wamp/client/cryptobox': fileURLToPath(new URL('./packages/client/src/cryptobox.ts', import.meta.url)),
      '@wamp/client': pkg('client'),
      // Before '@wamp/ws': an alias also matches as a prefix.
      '@wamp/ws/node': fileURLToPath(new URL('./packages/ws/src/node.ts', import.meta.url)),
      '@wamp/ws': pkg('ws'),
      '@wamp/rawsocket': pkg('rawsocket'),
      '@wamp/node-router': pkg('node-router'),
      '@wamp/fuzz': pkg('fuzz'),
      '@wamp/cli': pkg('cli'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    globalSetup: ['./vitest.global-setup.ts'],
    // The JSON report lets .ci/run print one plain totals line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
  },
});
