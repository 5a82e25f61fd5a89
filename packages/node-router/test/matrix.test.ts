// Every transport × serializer against one router built from a JSON config
// file: RPC (args/kwargs, progressive results, cancel, application errors),
// PubSub (acknowledge, prefix and wildcard subscriptions), the meta API, and
// each authentication method of the file (ticket, salted WAMP-CRA,
// cryptosign, WAMP-SCRAM).

import { relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cryptosignPublicKey, hexDecode, hexEncode, scramDeriveCredential, type Dict } from '@wamp/core';
import { CanceledError, Result, SessionClosedError, WampError, cryptosign, scram, ticket, wampcra, type EventDetails } from '@wamp/client';
import { nodeCryptoProvider } from '@wamp/client/node-crypto';
import { WampRouter, loadConfigFile } from '@wamp/node-router';
import {
  COMBOS,
  Cleanup,
  TLS_CERT_FILE,
  TLS_KEY_FILE,
  captureLogs,
  deferred,
  joinSession,
  tempDir,
  transportFor,
  waitFor,
  within,
  writeJson,
  type CapturedLogs,
} from './helpers.js';

const CRYPTOSIGN_SEED = '4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510';
const SCRAM_PASSWORD = 'pencil';

const ALL_ACTIONS = { call: true, register: true, publish: true, subscribe: true };

/** The config file of this suite: what an operator would write by hand. */
async function writeConfig(dir: string): Promise<string> {
  const crypto = nodeCryptoProvider();
  const pubkey = hexEncode(await cryptosignPublicKey(crypto, hexDecode(CRYPTOSIGN_SEED)!));
  // Small Argon2id costs keep the test fast; the client accepts down to 64 KiB and 1 pass.
  const scramCredential = await scramDeriveCredential(crypto, SCRAM_PASSWORD, {
    kdf: 'argon2id',
    iterations: 1,
    memory: 64,
    salt: new TextEncoder().encode('salt-of-dave'),
  });
  // TLS paths are relative to the config file, as an operator would write them.
  const cert = relative(dir, TLS_CERT_FILE);
  const key = relative(dir, TLS_KEY_FILE);
  return writeJson(`${dir}/router.json`, {
    realms: [
      {
        name: 'realm1',
        roles: [
          {
            name: 'anonymous',
            permissions: [{ uri: '', match: 'prefix', allow: ALL_ACTIONS, disclose: { caller: 'allow', publisher: 'allow' } }],
          },
          // A reader may call and subscribe under com.app, nothing else.
          { name: 'reader', permissions: [{ uri: 'com.app', match: 'prefix', allow: { call: true, subscribe: true } }] },
          { name: 'admin', permissions: [{ uri: '', match: 'prefix', allow: ALL_ACTIONS }] },
        ],
        auth: {
          anonymous: { type: 'static', authrole: 'anonymous' },
          ticket: { type: 'static', principals: { alice: { ticket: 'alice-ticket', authrole: 'reader' } } },
          wampcra: {
            type: 'static',
            principals: { bob: { secret: 'bob-password', authrole: 'admin', salt: 'salt-of-bob', iterations: 100, keylen: 32 } },
          },
          cryptosign: { type: 'static', principals: { carol: { authorizedKeys: [pubkey], authrole: 'admin' } } },
          'wamp-scram': { type: 'static', principals: { dave: { ...scramCredential, authrole: 'reader' } } },
        },
      },
    ],
    listeners: [
      { type: 'websocket', host: '127.0.0.1', port: 0, path: '/ws' },
      { type: 'websocket', host: '127.0.0.1', port: 0, path: '/wss', tls: { cert, key } },
      { type: 'rawsocket', host: '127.0.0.1', port: 0 },
      { type: 'rawsocket', host: '127.0.0.1', port: 0, tls: { cert, key } },
    ],
    heartbeatMs: 0,
    log: { level: 'info', format: 'json' },
  });
}

const outer = new Cleanup();
let router: WampRouter;
let logs: CapturedLogs;

beforeAll(async () => {
  const file = await writeConfig(tempDir(outer));
  logs = captureLogs();
  router = new WampRouter(loadConfigFile(file), { logger: logs.logger });
  outer.add(() => router.close());
  await router.listen();
});

afterAll(() => outer.run());

describe.each(COMBOS)('$name', (combo) => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  const transport = () => transportFor(router, combo);
  const anon = () => joinSession(cleanup, transport(), { realm: 'realm1' });

  it('joins with the negotiated serializer and transport', async () => {
    const { session, transport: t } = await anon();
    expect(session.authrole).toBe('anonymous');
    expect(t.serializer.name).toBe(combo.serializer);
    const me = await session.call<Dict>('wamp.session.get', [session.id]);
    const details = me.value as Dict;
    const tr = details['transport'] as Dict;
    expect(tr['type']).toBe(combo.transport);
    expect(tr['serializer']).toBe(combo.serializer);
    expect(String(tr['peer'])).toMatch(combo.tls ? /^tls:tcp4:127\.0\.0\.1:\d+$/ : /^tcp4:127\.0\.0\.1:\d+$/);
  });

  it('routes calls with args and kwargs, progressive results, cancels and application errors', async () => {
    const callee = (await anon()).session;
    const caller = (await anon()).session;

    await callee.register('com.app.echo', (args, kwargs, details) => new Result([...args, details.callerAuthrole ?? null], { ...kwargs, seen: true }), {
      discloseCaller: true,
    });
    const r = await caller.call('com.app.echo', [1, 'two', { three: [3] }], { k: 'v', n: 1.5 });
    expect(r.args).toEqual([1, 'two', { three: [3] }, 'anonymous']);
    expect(r.kwargs).toEqual({ k: 'v', n: 1.5, seen: true });

    await callee.register('com.app.count', async function* (args) {
      const n = args[0] as number;
      for (let i = 0; i < n; i++) yield i;
      return 'done';
    });
    const parts: unknown[] = [];
    const final = await caller.call('com.app.count', [4], {}, { onProgress: (p) => parts.push(p.value) });
    expect(parts).toEqual([0, 1, 2, 3]);
    expect(final.value).toBe('done');

    const started = deferred();
    const interrupted = deferred<string>();
    await callee.register('com.app.slow', (_a, _k, details) => {
      started.resolve();
      return new Promise((_, reject) => {
        details.signal.addEventListener('abort', () => {
          interrupted.resolve(String(details.signal.reason));
          reject(new WampError('wamp.error.canceled'));
        });
      });
    });
    const ac = new AbortController();
    const pending = caller.call('com.app.slow', [], {}, { signal: ac.signal });
    await within(started.promise, 5_000, 'the invocation');
    ac.abort();
    await expect(pending).rejects.toBeInstanceOf(CanceledError);
    await within(interrupted.promise, 5_000, 'the INTERRUPT at the callee');

    await callee.register('com.app.fail', () => {
      throw new WampError('com.app.error.invalid_input', ['bad', 42], { field: 'name' });
    });
    const err = await caller.call('com.app.fail').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WampError);
    expect((err as WampError).uri).toBe('com.app.error.invalid_input');
    expect((err as WampError).args).toEqual(['bad', 42]);
    expect((err as WampError).kwargs).toEqual({ field: 'name' });

    await expect(caller.call('com.app.nobody')).rejects.toMatchObject({ uri: 'wamp.error.no_such_procedure' });
  });

  it('delivers events with acknowledge, to exact, prefix and wildcard subscriptions', async () => {
    const sub = (await anon()).session;
    const pub = (await anon()).session;
    const got: { kind: string; topic: string; args: readonly unknown[]; kwargs: Dict; publisher: number | undefined }[] = [];
    const record = (kind: string) => (args: readonly unknown[], kwargs: Dict, d: EventDetails) => {
      got.push({ kind, topic: d.topic, args, kwargs, publisher: d.publisher });
    };
    await sub.subscribe('com.app.news.sport', record('exact'));
    await sub.subscribe('com.app.news', record('prefix'), { match: 'prefix' });
    await sub.subscribe('com.app..sport', record('wildcard'), { match: 'wildcard' });

    const pid = await pub.publish('com.app.news.sport', ['goal', 1], { team: 'a' }, { acknowledge: true, discloseMe: true });
    expect(typeof pid).toBe('number');
    await pub.publish('com.app.news.weather', ['rain'], {}, { acknowledge: true });
    await pub.publish('com.app.tv.sport', ['match'], {}, { acknowledge: true });
    await waitFor(() => got.length >= 5, 'five events');
    const by = (kind: string) => got.filter((g) => g.kind === kind).map((g) => g.topic).sort();
    expect(by('exact')).toEqual(['com.app.news.sport']);
    expect(by('prefix')).toEqual(['com.app.news.sport', 'com.app.news.weather']);
    expect(by('wildcard')).toEqual(['com.app.news.sport', 'com.app.tv.sport']);
    const first = got.find((g) => g.kind === 'exact')!;
    expect(first.args).toEqual(['goal', 1]);
    expect(first.kwargs).toEqual({ team: 'a' });
    expect(first.publisher).toBe(pub.id);
  });

  it('announces joins with wamp.session.on_join', async () => {
    const observer = (await anon()).session;
    const joined: Dict[] = [];
    await observer.subscribe('wamp.session.on_join', (args) => void joined.push(args[0] as Dict));
    const other = (await anon()).session;
    await waitFor(() => joined.some((d) => d['session'] === other.id), 'the on_join event');
    const d = joined.find((x) => x['session'] === other.id)!;
    expect(d['authrole']).toBe('anonymous');
    expect((d['transport'] as Dict)['type']).toBe(combo.transport);
  });

  it('authenticates with ticket, salted wampcra, cryptosign and wamp-scram from the config file', async () => {
    const t = transport();
    const alice = (await joinSession(cleanup, t, { realm: 'realm1', authid: 'alice', auth: ticket('alice-ticket') })).session;
    expect([alice.authid, alice.authrole, alice.details['authmethod']]).toEqual(['alice', 'reader', 'ticket']);
    // The reader role may not register: the permissions of the file apply.
    await expect(alice.register('com.app.mine', () => 1)).rejects.toMatchObject({ uri: 'wamp.error.not_authorized' });

    const bob = (await joinSession(cleanup, t, { realm: 'realm1', authid: 'bob', auth: wampcra('bob-password') })).session;
    expect([bob.authid, bob.authrole, bob.details['authmethod']]).toEqual(['bob', 'admin', 'wampcra']);
    await bob.register('com.app.admin_only', () => 'ok');
    expect((await alice.call('com.app.admin_only')).value).toBe('ok');

    const carol = (await joinSession(cleanup, t, { realm: 'realm1', authid: 'carol', auth: cryptosign(CRYPTOSIGN_SEED) })).session;
    expect([carol.authid, carol.authrole, carol.details['authmethod']]).toEqual(['carol', 'admin', 'cryptosign']);

    const dave = (await joinSession(cleanup, t, { realm: 'realm1', authid: 'dave', auth: scram(SCRAM_PASSWORD) })).session;
    expect([dave.authid, dave.authrole, dave.details['authmethod']]).toEqual(['dave', 'reader', 'wamp-scram']);

    const refused = await joinSession(cleanup, t, { realm: 'realm1', authid: 'alice', auth: ticket('wrong') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(SessionClosedError);
    expect((refused as SessionClosedError).uri).toMatch(/^wamp\.error\.(authentication_failed|not_authorized)$/);
  });
});

describe('the join/leave log lines', () => {
  it('has one JSON line per join and per leave with realm, authid, authrole, transport and serializer', async () => {
    const cleanup = new Cleanup();
    try {
      const rs = COMBOS.find((c) => c.transport === 'rawsocket' && c.serializer === 'cbor' && !c.tls)!;
      const before = logs.records.length;
      const { session } = await joinSession(cleanup, transportFor(router, rs), { realm: 'realm1', authid: 'alice', auth: ticket('alice-ticket') });
      const id = session.id;
      await session.leave();
      await waitFor(() => logs.records.slice(before).some((r) => r['msg'] === 'session left' && r['session'] === id), 'the leave line');
      const mine = logs.records.slice(before).filter((r) => r['session'] === id);
      const joinLines = mine.filter((r) => r['msg'] === 'session joined');
      const leaveLines = mine.filter((r) => r['msg'] === 'session left');
      expect(joinLines).toHaveLength(1);
      expect(leaveLines).toHaveLength(1);
      for (const line of [...joinLines, ...leaveLines]) {
        expect(line).toMatchObject({ level: 'info', realm: 'realm1', authid: 'alice', authrole: 'reader', transport: 'rawsocket', serializer: 'cbor' });
        expect(typeof line['time']).toBe('string');
      }
      expect(joinLines[0]!['authmethod']).toBe('ticket');
      // Every captured line is one JSON object terminated by a newline.
      for (const raw of logs.raw) expect(raw.endsWith('\n') && !raw.slice(0, -1).includes('\n')).toBe(true);
    } finally {
      await cleanup.run();
    }
  });
});
