// The README's configuration example is data: it must pass validation, and
// the principals it shows must log in with the credentials the README names.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Dict } from '@wamp/core';
import { cryptosign, scram, ticket, wampcra } from '@wamp/client';
import { createRouter, validateNodeRouterConfig } from '@wamp/node-router';
import { COMBOS, Cleanup, TLS_CERT_FILE, TLS_KEY_FILE, joinSession, quietLogger, tempDir, transportFor } from './helpers.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
// The seed of the README's cryptosign key (test material only).
const CAROL_SEED = '4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510';

function exampleConfig(): Dict {
  const block = /```json\n(\{\n {2}"realms"[\s\S]*?)\n```/.exec(README);
  if (block === null) throw new Error('README.md has no ```json block with a full configuration');
  return JSON.parse(block[1]!) as Dict;
}

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('README.md', () => {
  it('has a configuration example that validates', () => {
    const config = validateNodeRouterConfig(exampleConfig(), '/etc/wamp');
    expect(config.router.realms.map((r) => r.name)).toEqual(['realm1', 'public']);
    expect(config.listeners.map((l) => l.type)).toEqual(['websocket', 'websocket', 'rawsocket', 'rawsocket', 'rawsocket']);
    // TLS files and Unix paths resolve against the config file's folder.
    expect(config.listeners[1]!.tls?.cert).toBe('/etc/wamp/tls/cert.pem');
    expect(config.backpressure).toEqual({ policy: 'disconnect', maxQueuedBytes: 8388608, maxQueuedFrames: 10000 });
  });

  it("logs in the example's principals, and applies its roles", async () => {
    const example = exampleConfig();
    const tls = { cert: TLS_CERT_FILE, key: TLS_KEY_FILE };
    const dir = tempDir(cleanup);
    const router = createRouter(
      {
        ...example,
        // Same listener kinds on free ports and a private socket path.
        listeners: [
          { type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' },
          { type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws', tls },
          { type: 'rawsocket', host: '127.0.0.1', port: 0, serializers: ['msgpack', 'cbor'] },
          { type: 'rawsocket', host: '127.0.0.1', port: 0, tls },
          { type: 'rawsocket', path: join(dir, 'router.sock') },
        ],
        // The operations endpoint on a free port too (8090 may be `pnpm router`'s).
        ...('admin' in example ? { admin: { host: '127.0.0.1', port: 0 } } : {}),
      },
      { logger: quietLogger() },
    );
    cleanup.add(() => router.close());
    await router.listen();
    expect(router.addresses.map((a) => a.url.replace(/:\d+/, ':N'))).toEqual([
      'ws://127.0.0.1:N/ws',
      'wss://127.0.0.1:N/ws',
      'rs://127.0.0.1:N',
      'rss://127.0.0.1:N',
      `unix:${join(dir, 'router.sock')}`,
    ]);
    const rs = transportFor(router, COMBOS.find((c) => c.transport === 'rawsocket' && c.serializer === 'cbor' && !c.tls)!);
    const wss = transportFor(router, COMBOS.find((c) => c.transport === 'websocket' && c.tls)!);

    const alice = (await joinSession(cleanup, rs, { realm: 'realm1', authid: 'alice', auth: ticket('alice-secret-ticket') })).session;
    const bob = (await joinSession(cleanup, wss, { realm: 'realm1', authid: 'bob', auth: wampcra('bob-password') })).session;
    const carol = (await joinSession(cleanup, rs, { realm: 'realm1', authid: 'carol', auth: cryptosign(CAROL_SEED) })).session;
    const dave = (await joinSession(cleanup, wss, { realm: 'realm1', authid: 'dave', auth: scram('dave-password') })).session;
    const anon = (await joinSession(cleanup, rs, { realm: 'realm1' })).session;
    expect([alice, bob, carol, dave, anon].map((s) => s.authrole)).toEqual(['frontend', 'backend', 'admin', 'frontend', 'anonymous']);

    await bob.register('com.example.api.echo', (args) => args[0]);
    expect((await alice.call('com.example.api.echo', ['hi'])).value).toBe('hi');
    await expect(alice.register('com.example.api.mine', () => 1)).rejects.toMatchObject({ uri: 'wamp.error.not_authorized' });
    await expect(anon.call('com.example.api.echo', ['x'])).rejects.toMatchObject({ uri: 'wamp.error.not_authorized' });
    // The trusted admin role is not checked at all.
    await carol.register('com.anything.at.all', () => 'ok');
    expect((await carol.call('com.anything.at.all')).value).toBe('ok');
  });
});
