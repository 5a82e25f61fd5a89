// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** What @wamp/core must never reach for: it is sans-IO (STYLE.md §2). */
const pureCoreRules = {
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: 'The core is sans-IO: deadlines come from pollTimeout()/handleTimeout(now).' },
    { name: 'setInterval', message: 'The core is sans-IO: deadlines come from pollTimeout()/handleTimeout(now).' },
    { name: 'setImmediate', message: 'The core is sans-IO.' },
    { name: 'queueMicrotask', message: 'The core is sans-IO.' },
    { name: 'Date', message: 'The core has no clock: time is passed in as `now`.' },
    { name: 'crypto', message: 'Inject a CryptoProvider / RandomId instead of the global crypto.' },
    { name: 'process', message: 'The core runs in browsers too.' },
    { name: 'performance', message: 'The core has no clock: time is passed in as `now`.' },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'Inject a RandomId: a seeded test must replay exactly.' },
    { object: 'globalThis', property: 'crypto', message: 'Inject a CryptoProvider.' },
    { object: 'globalThis', property: 'setTimeout', message: 'The core is sans-IO.' },
  ],
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['node:*'], message: 'The core does no I/O and runs in browsers.' },
        { group: ['fs', 'net', 'tls', 'http', 'https', 'crypto', 'timers', 'os', 'child_process'], message: 'The core does no I/O.' },
      ],
    },
  ],
};

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', 'tarballs/**', 'coverage/**', 'test-results/**', '**/*.d.ts', 'examples/**/build/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        queueMicrotask: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        globalThis: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    rules: pureCoreRules,
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/test/**/*.ts', '**/bench/**', '**/*.mjs'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
