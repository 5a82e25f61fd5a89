// The `wamp-router` command, run as a real process through its bin launcher
// (bin/wamp-router.js, which runs the built dist/: the test setup builds it).

import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Session, type Transport } from '@wamp/client';
import { rawSocketTransport } from '@wamp/rawsocket';
import { nodeWebSocketTransport } from '@wamp/ws/node';
import { configFromArgs } from '../src/args.js';
import { Cleanup, RawTcpPeer, RouterProcess, assertBuilt, SERIALIZERS, tempDir, waitFor, within, writeJson } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const PACKAGES = ['core', 'client', 'ws', 'rawsocket', 'node-router'];

// The CLI runs the compiled JavaScript of every package it uses: it must be current.
beforeAll(() => assertBuilt(PACKAGES));

async function run(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = RouterProcess.start(cleanup, args);
  const { code } = await within(p.exited, 10_000, `wamp-router ${args.join(' ')}`);
  return { code, stdout: p.stdout, stderr: p.stderr };
}

async function joinRealm(transport: Transport, realm: string): Promise<Session> {
  cleanup.add(() => transport.close());
  return Session.join(transport, { realm, joinTimeout: 5_000 });
}

describe('wamp-router (CLI)', () => {
  it('--help prints the usage and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: wamp-router \[options\]/);
    expect(r.stdout).toContain('--config FILE');
    expect(r.stdout).toContain('--rawsocket HOST:PORT');
  });

  it('refuses a bad config file with a non-zero exit and a message naming the field', async () => {
    const dir = tempDir(cleanup);
    const cases: [unknown, string][] = [
      [{ realms: [{ name: 'realm1', auth: { ticket: { type: 'static', principals: { joe: { ticket: 't' } } } } }] }, 'realms[0].auth.ticket.principals.joe.authrole'],
      [{ realms: [{ name: 'realm1' }], listeners: [{ type: 'websocket', port: 70_000 }] }, 'listeners[0].port'],
      [{ realms: [{ name: 'realm1' }], backpressure: { policy: 'sometimes' } }, 'backpressure.policy'],
      [{ realms: [{ name: 'realm1', roles: [{ name: 'r', permissions: [{ uri: 'com.x', match: 'fuzzy' }] }] }] }, 'realms[0].roles[0].permissions[0].match'],
      [{ realms: [{ name: 'realm1' }], listners: [] }, 'config.listners'],
    ];
    for (const [i, [config, field]] of cases.entries()) {
      const file = writeJson(join(dir, `bad${i}.json`), config);
      const r = await run(['--config', file]);
      expect(r.code, field).toBe(2);
      expect(r.stderr, field).toContain(field);
      expect(r.stderr, field).toContain(file);
      expect(r.stdout).not.toContain('listening on');
    }
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{ "realms": [ ');
    const r = await run(['--config', notJson]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not valid JSON');
    const missing = await run(['--config', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    const badFlag = await run(['--ws', 'no-port-here']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--ws');
  });

  it('exits non-zero when it cannot listen', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    cleanup.add(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = (blocker.address() as { port: number }).port;
    const r = await run(['--rawsocket', `127.0.0.1:${port}`, '--admin', 'off']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot listen');
  });

  it('--ws/--rawsocket/--realm: prints the real ports, serves, and on SIGTERM says GOODBYE wamp.close.system_shutdown to every client and exits 0', async () => {
    // Without --config the operations endpoint is on by default (8090): tests take a free port.
    const p = RouterProcess.start(cleanup, ['--ws', '127.0.0.1:0/wamp', '--rawsocket', '127.0.0.1:0', '--realm', 'r2', '--admin', '127.0.0.1:0']);
    const urls = await p.listening(2);
    expect(p.stdout).toContain('(realms: r2)');
    await waitFor(() => p.stdout.includes('operations endpoint on'), 'the operations endpoint line');
    const admin = /^wamp-router: operations endpoint on (http:\/\/127\.0\.0\.1:(\d+)) \(\/metrics, \/health, \/ready\)$/m.exec(p.stdout);
    expect(admin).not.toBeNull();
    expect(admin![2]).not.toBe('8090');
    expect((await fetch(`${admin![1]}/ready`)).status).toBe(200);
    const wsUrl = urls.find((u) => u.startsWith('ws://'))!;
    const rsUrl = urls.find((u) => u.startsWith('rs://'))!;
    expect(wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:(\d+)\/wamp$/);
    expect(rsUrl).toMatch(/^rs:\/\/127\.0\.0\.1:(\d+)$/);
    expect(wsUrl).not.toContain(':0/');

    const a = await joinRealm(await nodeWebSocketTransport({ url: wsUrl, subprotocols: ['wamp.2.msgpack'] })(), 'r2');
    const b = await joinRealm(await rawSocketTransport({ url: rsUrl, serializer: SERIALIZERS.cbor })(), 'r2');
    await a.register('com.cli.add', (args) => (args[0] as number) + (args[1] as number));
    expect((await b.call('com.cli.add', [20, 22])).value).toBe(42);
    // realm1 is not served: the flags replaced the default realm.
    await expect(joinRealm(await rawSocketTransport({ url: rsUrl })(), 'realm1')).rejects.toMatchObject({ uri: 'wamp.error.no_such_realm' });

    // A hand-written peer, to see the GOODBYE itself on the wire.
    const raw = await RawTcpPeer.connect(cleanup, Number(new URL(rsUrl.replace('rs:', 'http:')).port));
    await raw.join('r2');

    p.child.kill('SIGTERM');
    const [ia, ib] = await Promise.all([within(a.closed, 5_000, 'a.closed'), within(b.closed, 5_000, 'b.closed')]);
    for (const info of [ia, ib]) {
      expect(info.reason).toBe('wamp.close.system_shutdown');
      expect(info.initiator).toBe('router');
    }
    const goodbye = await raw.expect(6);
    expect(goodbye[2]).toBe('wamp.close.system_shutdown');
    const exit = await within(p.exited, 10_000, 'the router to exit');
    expect(exit).toEqual({ code: 0, signal: null });

    // Structured logs on stderr: one JSON line per join and leave, and the shutdown.
    const logs = p.logs();
    const joins = logs.filter((l) => l['msg'] === 'session joined' && l['realm'] === 'r2');
    expect(joins.map((l) => `${String(l['transport'])}/${String(l['serializer'])}`).sort()).toEqual(['rawsocket/cbor', 'rawsocket/json', 'websocket/msgpack']);
    for (const j of joins) expect(j).toMatchObject({ level: 'info', authid: expect.any(String), authrole: 'anonymous' });
    expect(logs.filter((l) => l['msg'] === 'session left' && l['realm'] === 'r2')).toHaveLength(3);
    expect(logs.some((l) => l['msg'] === 'shutting down' && l['signal'] === 'SIGTERM')).toBe(true);
    // Each event once: the addresses are on stdout, not also in the log.
    expect(logs.filter((l) => l['msg'] === 'listening')).toEqual([]);
    expect(p.stdout.match(/listening on/g)).toHaveLength(2);
    for (const j of joins) expect(j['peer']).toMatch(/^tcp4:127\.0\.0\.1:\d+$/);
  });

  it('with no arguments runs the embedded default: realm1 on ws://127.0.0.1:8080/ws and rs://127.0.0.1:8081, operations on 8090 (checked without binding them)', async () => {
    // Tests never bind 8080/8081/8090: someone may be running `pnpm router` meanwhile.
    const config = configFromArgs([]);
    if (config === 'help') throw new Error('expected a configuration');
    expect(config.router.realms.map((r) => r.name)).toEqual(['realm1']);
    expect(config.listeners).toEqual([
      { type: 'websocket', host: '127.0.0.1', port: 8080, path: '/ws', serializers: ['json', 'msgpack', 'cbor'] },
      { type: 'rawsocket', host: '127.0.0.1', port: 8081, serializers: ['json', 'msgpack', 'cbor'] },
    ]);
    expect(config.admin).toEqual({ host: '127.0.0.1', port: 8090 });
    // A config file without `admin` leaves it off.
    const dir = tempDir(cleanup);
    const file = writeJson(join(dir, 'plain.json'), { realms: [{ name: 'realm1' }] });
    const fromFile = configFromArgs(['--config', file]);
    expect(fromFile !== 'help' && fromFile.admin).toBeUndefined();
    // The same default realm on OS-chosen ports: served, open, and announced as open.
    const p = RouterProcess.start(cleanup, ['--ws', '127.0.0.1:0', '--rawsocket', '127.0.0.1:0', '--admin', '127.0.0.1:0']);
    const urls = await p.listening(2);
    expect(p.stdout).toContain('(realms: realm1)');
    const a = await joinRealm(await nodeWebSocketTransport({ url: urls.find((u) => u.startsWith('ws://'))! })(), 'realm1');
    const b = await joinRealm(await rawSocketTransport({ url: urls.find((u) => u.startsWith('rs://'))!, serializer: SERIALIZERS.msgpack })(), 'realm1');
    expect((await a.call('wamp.session.count')).value).toBe(2);
    expect((await b.call('wamp.session.count')).value).toBe(2);
    const warnings = p.logs().filter((l) => l['level'] === 'warn' && l['realm'] === 'realm1');
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!['msg'])).toContain('lets anonymous sessions call, register, publish and subscribe on every URI');
    p.child.kill('SIGINT');
    expect((await within(a.closed, 5_000, 'a.closed')).reason).toBe('wamp.close.system_shutdown');
    expect(await within(p.exited, 10_000, 'the router to exit')).toEqual({ code: 0, signal: null });
  });

  it('does not warn about a realm whose anonymous role is restricted', async () => {
    const dir = tempDir(cleanup);
    const file = writeJson(join(dir, 'closed.json'), {
      realms: [{ name: 'shop', roles: [{ name: 'anonymous', permissions: [{ uri: 'com.shop', match: 'prefix', allow: { call: true } }] }] }],
      listeners: [{ type: 'websocket', port: 0 }],
    });
    const p = RouterProcess.start(cleanup, ['--config', file]);
    const [url] = await p.listening(1);
    // A session round trip: the router is past start-up (its signal handlers are installed).
    const s = await joinRealm(await nodeWebSocketTransport({ url: url! })(), 'shop');
    await s.leave();
    p.child.kill('SIGTERM');
    expect((await within(p.exited, 10_000, 'the router to exit')).code).toBe(0);
    expect(p.logs().filter((l) => l['level'] === 'warn')).toEqual([]);
  });

  it('--version prints the package version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wamp-router ${version}\n`);
  });
});
