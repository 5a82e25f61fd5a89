import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageType, call, publish, type Event, type Invocation } from '@wamp/core';
import { shardOwner, shardScore } from '../src/router/shards.js';
import { FULL_ROLES, RouterNet, type TestClient } from './harness/router-net.js';

const nkeyArb = fc.string({ minLength: 1, maxLength: 12 });
const nkeysArb = fc.uniqueArray(nkeyArb, { minLength: 1, maxLength: 8 });
const rkeyArb = fc.string({ minLength: 1, maxLength: 24 });

describe('shard ownership (rendezvous hashing)', () => {
  it('the owner is one of the node keys, whatever their order and repetitions', () => {
    fc.assert(
      fc.property(nkeysArb, rkeyArb, (nkeys, rkey) => {
        const owner = shardOwner(nkeys, rkey);
        expect(nkeys).toContain(owner);
        expect(shardOwner([...nkeys].reverse(), rkey)).toBe(owner);
        expect(shardOwner([...nkeys, ...nkeys], rkey)).toBe(owner);
        // The owner scores highest.
        for (const n of nkeys) expect(shardScore(n, rkey) <= shardScore(owner!, rkey)).toBe(true);
      }),
    );
  });

  it('removing a shard moves only the keys it owned; adding one moves keys only to it', () => {
    fc.assert(
      fc.property(nkeysArb, nkeyArb, fc.array(rkeyArb, { minLength: 1, maxLength: 30 }), (nkeys, extra, rkeys) => {
        fc.pre(!nkeys.includes(extra));
        for (const rkey of rkeys) {
          const before = shardOwner(nkeys, rkey)!;
          const grown = shardOwner([...nkeys, extra], rkey)!;
          expect(grown === before || grown === extra).toBe(true);
          if (nkeys.length > 1) {
            const gone = nkeys[0]!;
            const shrunk = shardOwner(nkeys.slice(1), rkey)!;
            if (before !== gone) expect(shrunk).toBe(before);
          }
        }
      }),
    );
  });

  it('scores are integers in [0, 2^53) and spread keys evenly enough', () => {
    fc.assert(fc.property(nkeyArb, rkeyArb, (n, r) => Number.isSafeInteger(shardScore(n, r)) && shardScore(n, r) >= 0));
    const nodes = ['node-a', 'node-b', 'node-c', 'node-d'];
    const counts = new Map(nodes.map((n) => [n, 0]));
    for (let i = 0; i < 4000; i++) {
      const o = shardOwner(nodes, `sensor-${i}`)!;
      counts.set(o, counts.get(o)! + 1);
    }
    for (const n of nodes) expect(counts.get(n)!).toBeGreaterThan(700);
  });
});

describe('sharded registrations and subscriptions in the router (model check)', () => {
  it('a CALL with rkey reaches a callee of the owning shard; without rkey the invoke policy runs over all', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(nkeyArb, { minLength: 1, maxLength: 5 }),
        fc.array(rkeyArb, { minLength: 1, maxLength: 15 }),
        (nkeys, rkeys) => {
          const net = new RouterNet({ realms: [{ name: 'realm1' }] });
          // Two replicas per shard, and one callee with no node key.
          const callees: { c: TestClient; nkey: string | undefined }[] = [];
          for (const nkey of nkeys) {
            for (let i = 0; i < 2; i++) {
              const c = net.join({ roles: FULL_ROLES });
              c.register('com.db.get', { invoke: 'roundrobin', nkey });
              callees.push({ c, nkey });
            }
          }
          const plain = net.join({ roles: FULL_ROLES });
          plain.register('com.db.get', { invoke: 'roundrobin' });
          callees.push({ c: plain, nkey: undefined });
          const caller = net.join({ roles: FULL_ROLES });
          for (const rkey of rkeys) {
            caller.send(call(caller.req(), 'com.db.get', { args: [rkey] }, { rkey }));
            const hit = callees.filter((x) => x.c.inbox.some((m) => m.type === MessageType.INVOCATION));
            expect(hit).toHaveLength(1);
            expect(hit[0]!.nkey).toBe(shardOwner(nkeys, rkey));
            const m = hit[0]!.c.take()[0] as Invocation;
            expect(m.args).toEqual([rkey]);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('a PUBLISH with rkey reaches the owning shard and every unsharded subscriber', () => {
    fc.assert(
      fc.property(fc.uniqueArray(nkeyArb, { minLength: 1, maxLength: 5 }), fc.array(rkeyArb, { minLength: 1, maxLength: 10 }), (nkeys, rkeys) => {
        const net = new RouterNet({ realms: [{ name: 'realm1' }] });
        const subs: { c: TestClient; nkey: string | undefined }[] = [];
        for (const nkey of [...nkeys, undefined]) {
          const c = net.join({ roles: FULL_ROLES });
          c.subscribe('com.sensor', { match: 'prefix', ...(nkey === undefined ? {} : { nkey }) });
          subs.push({ c, nkey });
        }
        const pub = net.join({ roles: FULL_ROLES });
        for (const rkey of rkeys) {
          pub.send(publish(pub.req(), `com.sensor.${subs.length}.temperature`, { args: [rkey] }, { rkey }));
          const owner = shardOwner(nkeys, rkey);
          for (const s of subs) {
            const got = s.c.take() as Event[];
            const expected = s.nkey === undefined || s.nkey === owner ? 1 : 0;
            expect(got.length).toBe(expected);
          }
        }
        // Without rkey, everybody.
        pub.send(publish(pub.req(), 'com.sensor.x', { args: [] }, {}));
        for (const s of subs) expect(s.c.take()).toHaveLength(1);
      }),
      { numRuns: 50 },
    );
  });
});
