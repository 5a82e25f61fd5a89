// The `wamp-fuzz` command line (its `main`, as the bin runs it): usage errors,
// a clean pass against the project's router, a failing report against fox-wamp.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRouter, type WampRouter } from '@wamp/node-router';
import { main, parseArgs } from '@wamp/fuzz';
import { startFox } from './fox.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

describe('wamp-fuzz arguments', () => {
  test('parses the documented options', () => {
    expect(parseArgs(['ws://127.0.0.1:1/ws', '--realm', 'r', '--runs', '7', '--seed', '-3', '--serializer', 'cbor', '--skip', 'publish,bytes', '--replay', 'model:1:0:2@AB+/:C'])).toMatchObject({
      url: 'ws://127.0.0.1:1/ws',
      realm: 'r',
      runs: 7,
      seed: -3,
      serializer: 'cbor',
      skip: ['publish', 'bytes'],
      replay: { suite: 'model', path: '1:0:2@AB+/:C' },
    });
    expect(parseArgs(['--help'])).toBe('help');
  });

  test.each([
    [['--realm', 'r'], 'URL is missing'],
    [['ws://x'], '--realm is required'],
    [['ws://x', '--realm', 'r', '--runs', '0'], '--runs needs an integer'],
    [['ws://x', '--realm', 'r', '--skip', 'nonsense'], 'unknown kind nonsense'],
    [['ws://x', '--realm', 'r', '--replay', 'model:1'], '--replay needs the --seed'],
    [['ws://x', '--realm', 'r', '--bogus'], 'unknown option --bogus'],
    [['ws://x', '--realm'], '--realm needs a value'],
    [['ws://x', 'ws://y', '--realm', 'r'], 'unexpected argument ws://y'],
    [['http://x', '--realm', 'r'], 'unsupported scheme'],
    [['ws://x', '--realm', 'r', '--serializer', 'xml'], 'unknown serializer'],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const c = capture();
    expect(await main(argv, c.io)).toBe(2);
    expect(c.err.join('\n')).toContain(message);
    expect(c.err.join('\n')).toContain('usage: wamp-fuzz');
  });

  test('--help prints the usage and exits 0', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.out.join('\n')).toContain('--serializer NAME');
  });

  test('the installed bin prints the package version with --version', () => {
    // The committed launcher bin/wamp-fuzz.js runs the built dist/cli.js (the test setup builds).
    const bin = fileURLToPath(new URL('../bin/wamp-fuzz.js', import.meta.url));
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' })).toBe(`wamp-fuzz ${version}\n`);
  });
});

describe('wamp-fuzz against live routers', () => {
  let router: WampRouter;
  let url: string;
  beforeAll(async () => {
    router = createRouter({ realms: [{ name: 'realm1' }], listeners: [{ type: 'rawsocket', host: '127.0.0.1', port: 0 }], log: { level: 'error' } });
    const [a] = await router.listen();
    url = `rawsocket://127.0.0.1:${a!.port}`;
  });
  afterAll(() => router?.close());

  test('the project router passes: exit 0 and a PASS report', async () => {
    const c = capture();
    const code = await main([url, '--realm', 'realm1', '--runs', '8', '--seed', '5', '--serializer', 'msgpack', '--oversize', '0'], c.io);
    const report = c.out.join('\n');
    expect(code, report).toBe(0);
    expect(report).toContain('model-based suite: ');
    expect(report).toContain('malformed-input suite: ');
    expect(report).toContain('router stayed up: yes');
    expect(report).toContain('result: PASS');
  });

  test('an unreachable router: exit 1, nothing run', async () => {
    const c = capture();
    const code = await main(['ws://127.0.0.1:9/ws', '--realm', 'realm1', '--runs', '3', '--timeout', '500'], c.io);
    expect(code).toBe(1);
    expect(c.out.join('\n')).toContain('nothing was run');
  });

  test('fox-wamp fails: exit 1, the violation, its counterexample and the replay command', async () => {
    const fox = await startFox();
    try {
      const c = capture();
      const code = await main([fox.url, '--realm', 'realm1', '--runs', '100', '--malformed-runs', '0', '--seed', '1', '--timeout', '2000'], c.io);
      const report = c.out.join('\n');
      expect(code, report).toBe(1);
      expect(report).toContain('VIOLATION [wrong-reply]');
      expect(report).toContain('counterexample: router seed');
      expect(report).toMatch(new RegExp(`replay: wamp-fuzz ${fox.url} --realm realm1 --serializer json --seed 1 --replay model:[0-9:]+@`));
      expect(report).toContain('result: FAIL');
    } finally {
      await fox.stop();
    }
  });
});
