// Scale-out end to end: a real nats-server (JetStream, a temporary folder,
// a port the OS picks) and three `wamp-router --cluster` processes. Sessions
// of every scenario sit on different nodes, over every transport ×
// serializer; then a node is killed with SIGKILL, and NATS itself restarts.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorUri } from '@wamp/core';
import { WampError, type Session } from '@wamp/client';
import { connect, createClient } from '@wamp/ws/node';
import { readFileSync } from 'node:fs';
import { createRouter } from '@wamp/node-router';
import { Cleanup, RawWsPeer, RouterProcess, captureLogs, deferred, waitFor, within } from './helpers.js';
import { NatsServer, natsAvailable } from './nats.js';

const cleanup = new Cleanup();
const suite = new Cleanup();
afterEach(() => cleanup.run());
afterAll(() => suite.run());

let nats: NatsServer;
/** node name → [ws url, rs url] */
const nodes = new Map<string, { proc: RouterProcess; ws: string; rs: string }>();

async function startNode(name: string): Promise<{ proc: RouterProcess; ws: string; rs: string }> {
  const proc = RouterProcess.start(suite, ['--ws', '127.0.0.1:0', '--rawsocket', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--cluster', nats.url, '--node', name]);
  const [ws, rs] = await proc.listening(2);
  const n = { proc, ws: ws!, rs: rs! };
  nodes.set(name, n);
  return n;
}

function url(node: string, transport: 'ws' | 'rs'): string {
  const n = nodes.get(node)!;
  return transport === 'ws' ? n.ws : n.rs;
}

async function join(node: string, transport: 'ws' | 'rs' = 'ws', serializer: 'json' | 'msgpack' | 'cbor' = 'json'): Promise<Session> {
  const s = await connect({ url: url(node, transport), realm: 'realm1', serializers: [serializer] });
  cleanup.add(() => s.leave().catch(() => undefined));
  return s;
}

beforeAll(async () => {
  if (!natsAvailable()) throw new Error('nats-server is not installed (apt-get install nats-server; .ci/run does it)');
  nats = await NatsServer.start();
  suite.add(() => nats.dispose());
  await Promise.all(['n1', 'n2', 'n3'].map((n) => startNode(n)));
  // All three see each other: the session count is the same from each node.
  const probes = await Promise.all(['n1', 'n2', 'n3'].map((n) => join(n)));
  for (const p of probes) {
    await waitFor(async () => (await p.call<number>('wamp.session.count')).value === 3, 'the three nodes to find each other', 10_000);
  }
  await cleanup.run();
}, 60_000);

const PAIRINGS = [
  ['ws', 'json'],
  ['ws', 'msgpack'],
  ['ws', 'cbor'],
  ['rs', 'json'],
  ['rs', 'msgpack'],
  ['rs', 'cbor'],
] as const;

describe('a cluster of three wamp-router processes on NATS', () => {
  it.each(PAIRINGS.map(([t, s], i) => [t, s, i] as const))('RPC and PubSub cross nodes over %s %s', async (transport, serializer, i) => {
    const names = ['n1', 'n2', 'n3'];
    const a = names[i % 3]!;
    const b = names[(i + 1) % 3]!;
    const c = names[(i + 2) % 3]!;
    const callee = await join(a, transport, serializer);
    const caller = await join(b, transport, serializer);
    const proc = `com.cluster.add.${transport}.${serializer}`;
    await callee.register<[number, number]>(proc, ([x, y]) => x + y);
    const r = await caller.call<number>(proc, [2, 3]);
    expect(r.value).toBe(5);
    // Binary and big-but-safe integers cross the bus unchanged.
    await callee.register(`${proc}.echo`, (args) => args[0]);
    const bytes = new Uint8Array([0, 1, 2, 255]);
    expect((await caller.call(`${proc}.echo`, [bytes])).value).toEqual(bytes);
    expect((await caller.call(`${proc}.echo`, [2 ** 53])).value).toBe(2 ** 53);
    // Keys that name prototypes are data, across the bus too.
    const odd = JSON.parse('{"constructor":"Foo","prototype":1,"__proto__":{"x":2}}') as Record<string, unknown>;
    const back = (await caller.call(`${proc}.echo`, [odd])).value as Record<string, unknown>;
    expect(Object.keys(back).sort()).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();

    const topic = `com.cluster.topic.${transport}.${serializer}`;
    const got: unknown[][] = [[], []];
    const subs = [await join(b, transport, serializer), await join(c, transport, serializer)];
    await Promise.all(subs.map((s, k) => s.subscribe(topic, (args) => void got[k]!.push(args[0]))));
    const pub = await join(a, transport, serializer);
    for (let n = 0; n < 50; n++) await pub.publish(topic, [n], {}, { acknowledge: n === 49 });
    await waitFor(() => got[0]!.length === 50 && got[1]!.length === 50, 'all events on both nodes');
    expect(got[0]).toEqual([...Array(50).keys()]);
    expect(got[1]).toEqual([...Array(50).keys()]);
  });

  it('a subscriber that stops reading on one node grows neither the publishing node nor its own without bound', async () => {
    const rss = (name: string): number => {
      const status = readFileSync(`/proc/${nodes.get(name)!.proc.child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    };
    const slow = await RawWsPeer.open(cleanup, url('n2', 'ws'));
    const slowId = await slow.join('realm1');
    slow.send([32, 1, {}, 'com.cluster.flood']);
    await slow.expect(33);
    // The subscriber's process stops reading its socket; the kernel buffers fill, then the node's queue.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const pub = await join('n1', 'ws', 'msgpack');
    const before = { n1: rss('n1'), n2: rss('n2') };
    const chunk = 'x'.repeat(1024);
    for (let i = 0; i < 30_000; i++) {
      void pub.publish('com.cluster.flood', [i, chunk]);
      if (i % 1000 === 999) await new Promise((r) => setTimeout(r, 5));
    }
    await pub.publish('com.cluster.flood', ['end'], {}, { acknowledge: true });
    // n2 drops the peer that stopped reading (backpressure policy "disconnect"); neither node holds the flood.
    // (Its own socket is paused, so it cannot read the close either: ask n2's log.)
    const n2 = nodes.get('n2')!.proc;
    await waitFor(() => n2.logs().some((l) => l['msg'] === 'session left' && l['session'] === slowId), 'the slow subscriber to be disconnected', 15_000);
    const grown = { n1: rss('n1') - before.n1, n2: rss('n2') - before.n2 };
    expect(grown.n1).toBeLessThan(64 * 1024 * 1024);
    expect(grown.n2).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);

  it('a single registration is unique cluster-wide; the meta API answers for the whole cluster from every node', async () => {
    const x = await join('n1');
    const y = await join('n2');
    await x.register('com.cluster.only', () => 'x');
    await expect(y.register('com.cluster.only', () => 'y')).rejects.toMatchObject({ uri: ErrorUri.PROCEDURE_ALREADY_EXISTS });
    const z = await join('n3');
    const ids = await Promise.all([x, y, z].map(async (s) => (await s.call<number>('wamp.registration.lookup', ['com.cluster.only'])).value));
    expect(new Set(ids).size).toBe(1);
    // Joins spread without a barrier: the counts agree once the cluster is quiet.
    const counts = async (): Promise<number[]> => Promise.all([x, y, z].map(async (s) => (await s.call<number>('wamp.session.count')).value));
    let seen = await counts();
    await waitFor(async () => (seen = await counts()).every((n) => n === seen[0]), 'the session counts to agree').catch(() => undefined);
    expect(seen).toEqual([3, 3, 3]);
  });

  it('a node killed with SIGKILL is noticed within 3 s: calls to its callees fail, its registrations go, on_leave fires', async () => {
    const spare = await startNode('n4');
    const doomed = await join('n4');
    const invoked = deferred();
    await doomed.register('com.cluster.doomed', () => {
      invoked.resolve();
      return new Promise(() => undefined);
    });
    const watcher = await join('n1');
    const left: number[] = [];
    await watcher.subscribe('wamp.session.on_leave', (args) => void left.push(args[0] as number));
    const caller = await join('n2');
    const pending = caller.call('com.cluster.doomed').then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await within(invoked.promise, 5_000, 'the call to reach the callee');
    const t0 = Date.now();
    spare.proc.child.kill('SIGKILL');
    const err = await within(pending, 5_000, 'the call in flight to fail');
    const noticedMs = Date.now() - t0;
    expect(err).toBeInstanceOf(WampError);
    expect((err as WampError).uri).toBe(ErrorUri.CANCELED);
    expect(noticedMs).toBeLessThan(3_500);
    await waitFor(() => left.includes(doomed.id), 'on_leave of the dead node session', 3_000);
    await expect(caller.call('com.cluster.doomed')).rejects.toMatchObject({ uri: ErrorUri.NO_SUCH_PROCEDURE });
    // Its single registration is free again (each node notices the loss itself, within 3 s of the kill).
    const heir = await join('n3');
    for (;;) {
      const ok = await heir.register('com.cluster.doomed', () => 'alive').then(
        () => true,
        (e: unknown) => {
          if (Date.now() - t0 > 3_500) throw e;
          return false;
        },
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await caller.call('com.cluster.doomed')).value).toBe('alive');
    nodes.delete('n4');
  }, 20_000);

  it('a Client given the URLs of several nodes fails over when its node dies, and restores its registration on the next', async () => {
    const spare = await startNode('n6');
    const client = createClient({ url: spare.ws, urls: [url('n1', 'ws')], realm: 'realm1', retry: { initialDelay: 100, maxDelay: 400 } });
    cleanup.add(() => client.close());
    await client.connect();
    await client.register('com.cluster.failover', () => 'served');
    const caller = await join('n2');
    expect((await caller.call('com.cluster.failover')).value).toBe('served');
    spare.proc.child.kill('SIGKILL');
    nodes.delete('n6');
    // The client reconnects to n1 and registers again once the cluster has let go of the lost session's registration.
    let last: unknown;
    const served = async (): Promise<boolean> =>
      (last = await caller.call('com.cluster.failover', [], {}, { timeout: 2_000 }).then(
        (x) => x.value,
        (e: unknown) => (e as WampError).uri,
      )) === 'served';
    await waitFor(served, 'the registration to come back', 12_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}: last answer ${String(last)}`);
    });
  }, 30_000);

  it('a NATS restart: nodes reconnect and resynchronise without losing the registrations of live sessions', async () => {
    const callee = await join('n1', 'rs', 'msgpack');
    await callee.register('com.cluster.survivor', () => 'still here');
    const sub = await join('n3');
    const events: unknown[] = [];
    await sub.subscribe('com.cluster.after', (args) => void events.push(args[0]));
    const caller = await join('n2');
    expect((await caller.call('com.cluster.survivor')).value).toBe('still here');
    await nats.stop();
    await new Promise((r) => setTimeout(r, 500));
    await nats.run();
    // Clients stayed connected to their nodes throughout; once the bus is back, calls cross again.
    await expect
      .poll(
        async () =>
          // A call may be lost across the reconnect (core NATS delivers at most once): each try is bounded.
          caller.call('com.cluster.survivor', [], {}, { timeout: 2_000 }).then(
            (r) => r.value,
            (e: unknown) => (e as WampError).uri,
          ),
        { timeout: 15_000, interval: 250 },
      )
      .toBe('still here');
    const pub = await join('n2');
    await expect
      .poll(
        async () => {
          await pub.publish('com.cluster.after', ['x']);
          return events.length > 0;
        },
        { timeout: 10_000, interval: 250 },
      )
      .toBe(true);
  }, 40_000);

  it('--workers 2: two router processes share one port and serve as one router through NATS', async () => {
    const p = RouterProcess.start(cleanup, ['--workers', '2', '--ws', '127.0.0.1:0', '--admin', 'off', '--cluster', nats.url, '--node', 'multi']);
    const [ws] = await p.listening(2);
    const sessions = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const s = await connect({ url: ws!, realm: 'realm1' });
        cleanup.add(() => s.leave().catch(() => undefined));
        return s;
      }),
    );
    await sessions[0]!.register('com.workers.whoami', (_args, _kw, inv) => inv.caller ?? 'hidden', { discloseCaller: true });
    // Every session reaches the callee, whichever worker took its connection.
    for (const s of sessions) expect((await s.call('com.workers.whoami')).value).toBe(s.id);
    // Two processes, each a node of its own in the cluster.
    expect(p.stdout).toMatch(/2 worker processes/);
    const nodes = p.logs().filter((l) => l['msg'] === 'cluster: joined through NATS').map((l) => l['node']);
    expect(nodes.sort()).toEqual(['multi-w1', 'multi-w2']);
    expect(p.logs().filter((l) => l['msg'] === 'session joined')).toHaveLength(6);
  }, 30_000);

  it('a node stops cleanly on SIGTERM even when NATS is gone', async () => {
    const own = await NatsServer.start();
    cleanup.add(() => own.dispose());
    const p = RouterProcess.start(cleanup, ['--ws', '127.0.0.1:0', '--admin', 'off', '--cluster', own.url, '--node', 'lonely']);
    await p.listening(1);
    await own.stop();
    await new Promise((r) => setTimeout(r, 300));
    p.child.kill('SIGTERM');
    expect(await within(p.exited, 5_000, 'the node to exit')).toEqual({ code: 0, signal: null });
  }, 20_000);

  it('a node that cannot reach NATS at start says so and exits non-zero', async () => {
    const p = RouterProcess.start(cleanup, ['--ws', '127.0.0.1:0', '--admin', 'off', '--cluster', 'nats://127.0.0.1:1', '--node', 'lost']);
    const { code } = await within(p.exited, 15_000, 'the node to give up');
    expect(code).not.toBe(0);
    expect(p.stderr).toMatch(/cannot join the cluster: cannot reach NATS at nats:\/\/127\.0\.0\.1:1/);
  }, 20_000);
});

describe('cluster nodes embedded with createRouter', () => {
  it('a message larger than NATS max_payload is logged and kept from the bus; smaller ones cross', async () => {
    const small = await NatsServer.start('max_payload: 8192\n');
    cleanup.add(() => small.dispose());
    const logs = captureLogs('warn');
    const nodesUp = await Promise.all(
      ['e1', 'e2'].map(async (node) => {
        const r = createRouter(
          { realms: [{ name: 'realm1' }], listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0 }], cluster: { servers: [small.url], node } },
          { logger: logs.logger },
        );
        cleanup.add(() => r.close());
        await r.listen();
        return r;
      }),
    );
    await waitFor(() => nodesUp.every((r) => r.clusterNodes.length === 1), 'the two nodes to meet');
    const sub = await connect({ url: nodesUp[1]!.addresses[0]!.url, realm: 'realm1' });
    const pub = await connect({ url: nodesUp[0]!.addresses[0]!.url, realm: 'realm1' });
    cleanup.add(() => sub.leave().catch(() => undefined));
    cleanup.add(() => pub.leave().catch(() => undefined));
    const got: number[] = [];
    await sub.subscribe('com.big', (args) => void got.push((args[0] as string).length));
    await pub.publish('com.big', ['x'.repeat(20_000)], {}, { acknowledge: true });
    await pub.publish('com.big', ['y'.repeat(100)], {}, { acknowledge: true });
    await waitFor(() => got.length === 1, 'the small event');
    expect(got).toEqual([100]);
    expect(logs.records.some((r) => String(r['msg']).includes('larger than NATS allows') && r['kind'] === 'event')).toBe(true);
  }, 20_000);
});
