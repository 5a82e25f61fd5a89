// The `wamp` command, run as a real process from the built dist/ (as the
// wamp-router CLI tests do: `pnpm build` first), against a router started in
// this process with createRouter on port 0.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Result, Session, WampError, type Transport } from '@wamp/client';
import { nodeTransportFor } from '@wamp/ws/node';
import { createLogger, createRouter, type WampRouter } from '@wamp/node-router';
import { COMMAND_HELP, HELP, main, parsePayload, parseValue } from '@wamp/cli';
import { assertBuilt } from '../../node-router/test/helpers.js';
import { until } from '../../core/test/kit/wait.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const PACKAGES = ['core', 'client', 'ws', 'rawsocket', 'cli'];
// The test key of the node-router README (test material only) and its public key.
// The self-signed certificate of @wamp/rawsocket's tests (127.0.0.1, localhost).
const TLS_CERT = fileURLToPath(new URL('../../rawsocket/test/fixtures/test-cert.pem', import.meta.url));
const TLS_KEY = fileURLToPath(new URL('../../rawsocket/test/fixtures/test-key.pem', import.meta.url));
const SEED = '4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510';

// The command runs from dist/: every package it uses must be built and current.
beforeAll(() => assertBuilt(PACKAGES));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let router: WampRouter;
let dir: string;
let pubkey: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wamp-cli-test-'));
  pubkey = await publicKeyOf(SEED);
  router = createRouter(
    {
      realms: [
        { name: 'realm1' },
        {
          name: 'secure',
          auth: {
            ticket: { type: 'static', principals: { joe: { ticket: 'secret-ticket', authrole: 'user' } } },
            wampcra: { type: 'static', principals: { ann: { secret: 'cra-secret', authrole: 'user' } } },
            cryptosign: { type: 'static', principals: { carol: { authorizedKeys: [pubkey], authrole: 'user' } } },
          },
        },
      ],
      listeners: [
        { type: 'websocket', host: '127.0.0.1', port: 0 },
        { type: 'rawsocket', host: '127.0.0.1', port: 0 },
        { type: 'rawsocket', path: join(dir, 'wamp.sock') },
        { type: 'websocket', host: '127.0.0.1', port: 0, tls: { cert: TLS_CERT, key: TLS_KEY } },
        { type: 'rawsocket', host: '127.0.0.1', port: 0, tls: { cert: TLS_CERT, key: TLS_KEY } },
      ],
      heartbeatMs: 0,
    },
    { logger: createLogger({ level: 'silent', sink: { write: () => undefined } }) },
  );
  await router.listen();
});

afterAll(async () => {
  await router?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Ed25519 public key (hex) of a seed, through node:crypto. */
async function publicKeyOf(seedHex: string): Promise<string> {
  const { createPrivateKey, createPublicKey } = await import('node:crypto');
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]);
  const pub = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
  return Buffer.from(pub).subarray(-32).toString('hex');
}

const url = (scheme: 'ws' | 'rs' | 'wss' | 'rss' | 'unix' = 'ws'): string => {
  if (scheme === 'unix') return `unix:${join(dir, 'wamp.sock')}`;
  return router.addresses.find((a) => a.url.startsWith(`${scheme}://`))!.url;
};

/** A `wamp` process; killed at clean-up if a test left it running. */
class Wamp {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '', WAMP_URL: url('ws'), ...env },
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    });
  }

  /** Resolves once stderr contains `text` (the ready notices of subscribe and register). */
  async waitStderr(text: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.stderr.includes(text)) {
      if (this.child.exitCode !== null) throw new Error(`wamp exited early:\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no "${text}" on stderr within ${ms} ms:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function wamp(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new Wamp(args, env);
  const code = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

/** `wamp` in this process (for the usage paths, which never connect: no process to spawn). */
async function wampInProcess(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { WAMP_URL: url('ws') },
    interrupted: new Promise<string>(() => undefined),
  });
  return { code, stdout, stderr };
}

async function joinRealm(realm = 'realm1'): Promise<Session> {
  const t: Transport = await nodeTransportFor({ url: url('ws'), realm })();
  const s = await Session.join(t, { realm });
  cleanups.push(async () => {
    if (s.isOpen) await s.leave();
    t.close();
  });
  return s;
}

describe('arguments', () => {
  it('reads each word as JSON when it is valid JSON, else as a string; KEY=VALUE is a keyword argument', () => {
    expect(parseValue('42')).toBe(42);
    expect(parseValue('"42"')).toBe('42');
    expect(parseValue('hello')).toBe('hello');
    expect(parseValue('{"a":[1]}')).toEqual({ a: [1] });
    expect(parsePayload(['1', 'two', 'n=3', 's=x', 'j={"k":true}', '"a=b"'], '{"z":0}')).toEqual({
      args: [1, 'two', 'a=b'],
      kwargs: { z: 0, n: 3, s: 'x', j: { k: true } },
    });
  });
});

describe('README.md', () => {
  it('documents every option of the usage texts, and no other', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## Options'), readme.indexOf('**Arguments.**'));
    const options = (text: string): string[] => [...new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z-]+/g)].map((m) => m[0]))].sort();
    expect(options(table)).toEqual(options([HELP, ...Object.values(COMMAND_HELP)].join('\n')));
    for (const cmd of Object.keys(COMMAND_HELP)) expect(readme).toContain(`### \`wamp ${cmd}`);
  });
});

describe('wamp (CLI)', () => {
  it('call: prints the result as JSON; over ws://, rs:// and unix: with each serializer', async () => {
    const s = await joinRealm();
    await s.register('com.cli.add', (args) => (args[0] as number) + (args[1] as number));
    for (const [u, ser] of [
      [url('ws'), 'json'],
      [url('ws'), 'msgpack'],
      [url('rs'), 'cbor'],
      [url('unix'), 'msgpack'],
    ] as const) {
      const r = await wamp(['call', 'com.cli.add', '20', '22', '--url', u, '--serializer', ser]);
      expect(r, `${u} ${ser}`).toMatchObject({ code: 0, stdout: '42\n' });
    }
    // WAMP_URL and WAMP_REALM from the environment; a negative number after --.
    expect((await wamp(['call', 'com.cli.add', '--', '-1', '-2'], { WAMP_URL: url('rs'), WAMP_REALM: 'realm1' })).stdout).toBe('-3\n');
  });

  it('wss:// and rss:// with --ca; without it the certificate is refused (exit 3)', async () => {
    for (const scheme of ['wss', 'rss'] as const) {
      expect(await wamp(['call', 'wamp.session.count', '--url', url(scheme), '--ca', TLS_CERT]), scheme).toMatchObject({ code: 0, stdout: '1\n' });
      const untrusted = await wamp(['call', 'wamp.session.count', '--url', url(scheme)]);
      expect(untrusted.code, scheme).toBe(3);
      expect(untrusted.stderr).toMatch(/^wamp: cannot connect to/);
    }
  });

  it('call: args and kwargs (KEY=VALUE, --kwargs) reach the callee; several results print as {args, kwargs}', async () => {
    const s = await joinRealm();
    await s.register('com.cli.echo', (args, kwargs) => new Result(args, kwargs));
    await s.register('com.cli.nothing', () => undefined);
    const r = await wamp(['call', 'com.cli.echo', '1', 'two', '[3]', 'name=joe', 'n=5', '--kwargs', '{"deep":{"x":true}}']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ args: [1, 'two', [3]], kwargs: { deep: { x: true }, name: 'joe', n: 5 } });
    expect(await wamp(['call', 'com.cli.nothing'])).toMatchObject({ code: 0, stdout: '' });
  });

  it('exit 1 with the error URI and its arguments on stderr; 2 for usage; 3 when it cannot connect', async () => {
    const s = await joinRealm();
    await s.register('com.cli.fail', () => {
      throw new WampError('com.cli.error.bad_input', ['the reason'], { field: 'x' });
    });
    const fail = await wamp(['call', 'com.cli.fail']);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toBe('wamp: com.cli.error.bad_input ["the reason"] {"field":"x"}\n');
    expect(fail.stdout).toBe('');
    const none = await wamp(['call', 'com.cli.none']);
    expect(none).toMatchObject({ code: 1, stderr: 'wamp: wamp.error.no_such_procedure\n' });
    const realm = await wamp(['call', 'x.y', '--realm', 'nope']);
    expect(realm.code).toBe(1);
    expect(realm.stderr).toContain('wamp.error.no_such_realm');

    // Usage faults: one spawned, the others in-process (the same main()).
    expect((await wamp(['frobnicate'])).code).toBe(2);
    for (const args of [[], ['frobnicate'], ['call'], ['call', 'x', '--bogus'], ['subscribe', 't', '--count', '0'], ['publish', 't', '--exec', 'ls'], ['call', 'x', '--serializer', 'xml'], ['meta', 'things'], ['call', 'x', '--url', 'ftp://h/'], ['call', 'x', '--ca', join(dir, 'missing.pem')], ['call', 'x', '--ticket', 't']]) {
      const r = await wampInProcess(args);
      if (args.length === 0) {
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^Usage: wamp COMMAND/);
        continue;
      }
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^wamp: .+\nRun wamp --help for the usage\.\n$/);
    }
    // Port 1: nobody listens there, the connection is refused.
    const refused = await wamp(['call', 'x', '--url', 'rs://127.0.0.1:1']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^wamp: cannot connect to rs:\/\/127\.0\.0\.1:1: /);
  });

  it('--help per command, --version', async () => {
    expect((await wamp(['subscribe', '--help'])).stdout).toMatch(/^Usage: wamp subscribe /);
    for (const cmd of ['call', 'publish', 'subscribe', 'register', 'meta']) {
      const r = await wampInProcess([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: wamp ${cmd} `));
      expect(r.stdout).toContain('--url URL');
    }
    const v = await wamp(['--version']);
    expect(v).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });

  it('publish and subscribe: events as JSON lines, --count exits after N', async () => {
    const sub = new Wamp(['subscribe', 'com.cli.news', '--count', '2', '--url', url('rs'), '--serializer', 'cbor']);
    await sub.waitStderr('wamp: subscribed to com.cli.news');
    expect(await wamp(['publish', 'com.cli.news', 'hello', 'from=cli'])).toMatchObject({ code: 0, stdout: '' });
    expect((await wamp(['publish', 'com.cli.news', '[1,2]'])).code).toBe(0);
    expect(await sub.exited).toBe(0);
    const lines = sub.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ topic: 'com.cli.news', args: ['hello'], kwargs: { from: 'cli' } });
    expect(lines[1]).toMatchObject({ topic: 'com.cli.news', args: [[1, 2]], kwargs: {} });
    expect(typeof lines[0]!['publication']).toBe('number');
  });

  it('subscribe runs until interrupted (SIGINT: exit 0, session left); a prefix subscription shows the real topic', async () => {
    const sub = new Wamp(['subscribe', 'com.cli.area', '--match', 'prefix']);
    await sub.waitStderr('subscribed');
    const s = await joinRealm();
    await s.publish('com.cli.area.one', [1], {}, { acknowledge: true });
    await until(() => sub.stdout.includes('\n'), 'the event on stdout');
    expect(JSON.parse(sub.stdout)).toMatchObject({ topic: 'com.cli.area.one', args: [1] });
    sub.child.kill('SIGINT');
    expect(await sub.exited).toBe(0);
    expect((await s.call('wamp.subscription.lookup', ['com.cli.area', { match: 'prefix' }])).value).toBeNull();
  });

  it('register: echoes the arguments without --exec', async () => {
    const reg = new Wamp(['register', 'com.cli.echo2', '--count', '1']);
    await reg.waitStderr('wamp: registered com.cli.echo2');
    const s = await joinRealm();
    const r = await s.call('com.cli.echo2', [1, 'a'], { k: 'v' });
    expect(r.args).toEqual([1, 'a']);
    expect(r.kwargs).toEqual({ k: 'v' });
    expect(await reg.exited).toBe(0);
    expect(JSON.parse(reg.stdout)).toEqual({ procedure: 'com.cli.echo2', args: [1, 'a'], kwargs: { k: 'v' } });
  });

  it('register --exec: the payload on the command stdin, its stdout (JSON if it parses) the result, a failure a runtime_error', async () => {
    const script = join(dir, 'sum.mjs');
    writeFileSync(
      script,
      `let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => {
  const p = JSON.parse(s);
  if (p.kwargs.fail) { process.stderr.write('asked to fail\\n'); process.exit(4); }
  if (p.kwargs.text) { process.stdout.write('plain text from ' + process.env.WAMP_PROCEDURE + '\\n'); return; }
  process.stdout.write(JSON.stringify({ sum: p.args.reduce((a, b) => a + b, 0) }) + '\\n');
});\n`,
    );
    const reg = new Wamp(['register', 'com.cli.sum', '--count', '3', '--exec', `"${process.execPath}" "${script}"`]);
    await reg.waitStderr('registered');
    const s = await joinRealm();
    expect((await s.call('com.cli.sum', [1, 2, 3])).value).toEqual({ sum: 6 });
    expect((await s.call('com.cli.sum', [], { text: true })).value).toBe('plain text from com.cli.sum');
    await expect(s.call('com.cli.sum', [], { fail: true })).rejects.toMatchObject({
      uri: 'wamp.error.runtime_error',
      args: ['the command exited with code 4'],
      kwargs: { exitCode: 4, stderr: 'asked to fail\n' },
    });
    expect(await reg.exited).toBe(0);
  });

  it('authenticates with --ticket, --wampcra-secret and --cryptosign-key', async () => {
    const key = join(dir, 'carol.key');
    writeFileSync(key, `${SEED}\n`);
    const cases: [string[], string][] = [
      [['--authid', 'joe', '--ticket', 'secret-ticket'], 'joe'],
      [['--authid', 'ann', '--wampcra-secret', 'cra-secret'], 'ann'],
      [['--authid', 'carol', '--cryptosign-key', key], 'carol'],
    ];
    for (const [auth, authid] of cases) {
      const r = await wamp(['meta', 'sessions', '--realm', 'secure', ...auth]);
      expect(r.code, r.stderr).toBe(0);
      const sessions = JSON.parse(r.stdout) as { authid: string; authmethod: string }[];
      expect(sessions.map((x) => x.authid)).toEqual([authid]);
    }
    const wrong = await wamp(['call', 'x.y', '--realm', 'secure', '--authid', 'joe', '--ticket', 'nope']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('wamp.error.authentication_failed');
  });

  it('meta sessions, registrations and subscriptions', async () => {
    const s = await joinRealm();
    await s.register('com.cli.meta.proc', () => 1);
    await s.subscribe('com.cli.meta', () => undefined, { match: 'prefix' });
    const sessions = JSON.parse((await wamp(['meta', 'sessions'])).stdout) as { session: number }[];
    expect(sessions.map((x) => x.session)).toContain(s.id);
    const regs = JSON.parse((await wamp(['meta', 'registrations'])).stdout) as { uri: string; callees: number[] }[];
    expect(regs.find((r) => r.uri === 'com.cli.meta.proc')).toMatchObject({ match: 'exact', callees: [s.id] });
    const subs = JSON.parse((await wamp(['meta', 'subscriptions'])).stdout) as { uri: string; subscribers: number[] }[];
    expect(subs.find((x) => x.uri === 'com.cli.meta')).toMatchObject({ match: 'prefix', subscribers: [s.id] });
  });

  it('--timeout bounds a call', async () => {
    const s = await joinRealm();
    await s.register('com.cli.never', () => new Promise(() => undefined));
    const t0 = Date.now();
    const r = await wamp(['call', 'com.cli.never', '--timeout', '300']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^wamp: wamp\.error\.(timeout|canceled)/);
    expect(Date.now() - t0).toBeLessThan(8_000);
  });
});
