import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorUri, MessageType, publish, type Result as ResultMsg } from '@wamp/core';
import { EventHistory, MemoryHistoryStore, type StoredEvent } from '../src/router/history.js';
import { RouterConfigError, validateRouterConfig } from '../src/router/config.js';
import type { Peer } from '../src/router/peer.js';
import { FULL_ROLES, RouterNet } from './harness/router-net.js';

/** A reader that sees everything (no exclusion applies to it). */
const reader = { id: 424242, features: { passthru: { subscriber: true } } } as unknown as Peer;

describe('event history store (model check)', () => {
  const op = fc.record({
    topic: fc.constantFrom('a.x', 'a.y', 'b.z'),
    dt: fc.integer({ min: 0, max: 400 }),
  });
  it('keeps per topic exactly the newest events within the count and age limits', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 120 }),
        fc.integer({ min: 1, max: 10 }),
        fc.option(fc.integer({ min: 1, max: 2_000 }), { nil: undefined }),
        (ops, limit, maxAgeMs) => {
          const h = new EventHistory([{ uri: 'a', match: 'prefix', limit, ...(maxAgeMs === undefined ? {} : { maxAgeMs }) }]);
          const model: { topic: string; at: number; publication: number }[] = [];
          let now = 0;
          let pub = 0;
          for (const o of ops) {
            now += o.dt;
            pub++;
            h.record({ topic: o.topic, publication: pub, at: now, payload: { args: [pub] }, details: {}, publisherId: 1, excludeMe: true, eligibility: undefined }, now);
            if (o.topic.startsWith('a.')) model.push({ topic: o.topic, at: now, publication: pub });
            for (const topic of ['a.x', 'a.y']) {
              const expected = model
                .filter((m) => m.topic === topic && (maxAgeMs === undefined || m.at >= now - maxAgeMs))
                .slice(-limit)
                .map((m) => m.publication);
              const got = h.query(topic, 'exact', reader, 1_000, now)!.map((e) => e.publication);
              expect(got).toEqual(expected);
            }
            // b.z is not configured: nothing is kept, and an exact query says so.
            expect(h.query('b.z', 'exact', reader, 1_000, now)).toBeUndefined();
          }
          // A prefix query merges the topics in publication order and takes the newest.
          const all = h.query('a', 'prefix', reader, 3, now)!.map((e) => e.publication);
          expect(all).toEqual([...all].sort((x, y) => x - y));
          expect(all.length).toBeLessThanOrEqual(3);
        },
      ),
    );
  });

  it('forgets the least recently published topic beyond the topic cap', () => {
    const store = new MemoryHistoryStore(2);
    const ev = (topic: string, publication: number): StoredEvent => ({
      seq: publication,
      topic,
      publication,
      at: 0,
      payload: {},
      details: {},
      publisherId: undefined,
      excludeMe: false,
      eligibility: undefined,
    });
    const p = { limit: 5, maxAgeMs: undefined };
    expect(store.append(ev('t1', 1), p, 0)).toEqual([]);
    expect(store.append(ev('t2', 2), p, 0)).toEqual([]);
    expect(store.append(ev('t1', 3), p, 0)).toEqual([]);
    expect(store.append(ev('t3', 4), p, 0)).toEqual(['t2']);
    expect([...store.topics()].sort()).toEqual(['t1', 't3']);
    expect(store.size).toBe(3);
  });

  it('validates the history configuration', () => {
    expect(() => validateRouterConfig({ realms: [{ name: 'r', history: [{ uri: 'com.x', limit: 0 }] }] })).toThrow(RouterConfigError);
    expect(() => validateRouterConfig({ realms: [{ name: 'r', history: [{ uri: 'com..x' }] }] })).toThrow(/history\[0\]\.uri/);
    expect(() => validateRouterConfig({ realms: [{ name: 'r', history: [{ uri: 'com.x', ttl: 5 }] }] })).toThrow(/history\[0\]\.ttl/);
  });
});

describe('wamp.subscription.get_events', () => {
  const config = {
    realms: [
      {
        name: 'realm1',
        history: [{ uri: 'com.hist', match: 'prefix', limit: 3, maxAgeMs: 10_000 }],
        roles: [
          { name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: { call: true, subscribe: true, publish: true } }] },
          { name: 'blind', permissions: [{ uri: 'wamp', match: 'prefix', allow: { call: true } }] },
        ],
        auth: {
          anonymous: { type: 'static', authrole: 'anonymous' },
          ticket: { type: 'static', principals: { eve: { ticket: 'eve-ticket', authrole: 'blind' } } },
        },
      },
    ],
  };

  it('returns the newest events, oldest first, as Crossbar.io does (default limit 10, at most the topic limit)', () => {
    const net = new RouterNet(config);
    const p = net.join({ roles: FULL_ROLES });
    const s = net.join({ roles: FULL_ROLES });
    for (let i = 1; i <= 5; i++) p.send(publish(p.req(), 'com.hist.a', { args: [i], kwargs: { i } }, {}));
    const id = s.subscribe('com.hist.a');
    const r = s.call('wamp.subscription.get_events', [id]) as ResultMsg;
    const events = r.args![0] as Record<string, unknown>[];
    expect(events.map((e) => e['args'])).toEqual([[3], [4], [5]]);
    expect(events[0]).toMatchObject({ subscription: id, topic: 'com.hist.a', kwargs: { i: 3 }, timestamp: expect.any(String) });
    expect(((s.call('wamp.subscription.get_events', [id, 2]) as ResultMsg).args![0] as unknown[]).length).toBe(2);
    expect(((s.call('wamp.subscription.get_events', [id], { limit: 1 }) as ResultMsg).args![0] as unknown[]).length).toBe(1);
    // Aged out after maxAgeMs.
    net.advance(10_001);
    expect((s.call('wamp.subscription.get_events', [id]) as ResultMsg).args![0]).toEqual([]);
  });

  it('applies the publication exclusion and black/white lists to the reader', () => {
    const net = new RouterNet(config);
    const p = net.join({ roles: FULL_ROLES });
    const s = net.join({ roles: FULL_ROLES });
    p.send(publish(p.req(), 'com.hist.b', { args: ['all'] }, {}));
    p.send(publish(p.req(), 'com.hist.b', { args: ['not s'] }, { exclude: [s.sessionId] }));
    const id = p.subscribe('com.hist.b');
    const mine = (p.call('wamp.subscription.get_events', [id]) as ResultMsg).args![0] as Record<string, unknown>[];
    // The publisher was excluded from its own publications (exclude_me defaults to true).
    expect(mine).toEqual([]);
    const id2 = s.subscribe('com.hist.b');
    expect(id2).toBe(id);
    const theirs = (s.call('wamp.subscription.get_events', [id]) as ResultMsg).args![0] as Record<string, unknown>[];
    expect(theirs.map((e) => e['args'])).toEqual([['all']]);
  });

  it('refuses: unknown subscription, topic without history, bad limit, caller not allowed to subscribe', () => {
    const net = new RouterNet(config);
    const s = net.join({ roles: FULL_ROLES });
    expect(s.call('wamp.subscription.get_events', [999])).toMatchObject({ type: MessageType.ERROR, error: ErrorUri.NO_SUCH_SUBSCRIPTION });
    const other = s.subscribe('com.other');
    expect(s.call('wamp.subscription.get_events', [other])).toMatchObject({ error: 'wamp.error.history_unavailable' });
    const id = s.subscribe('com.hist.c');
    expect(s.call('wamp.subscription.get_events', [id, 0])).toMatchObject({ error: ErrorUri.INVALID_ARGUMENT });
    // A caller that may call the meta API but not subscribe to the topic learns nothing.
    const eve = net.joinTicket('eve', 'eve-ticket');
    expect(eve.call('wamp.subscription.get_events', [id])).toMatchObject({ error: ErrorUri.NOT_AUTHORIZED });
    const noHistory = new RouterNet({ realms: [{ name: 'realm1' }] });
    const n = noHistory.join({ roles: FULL_ROLES });
    const nid = n.subscribe('com.hist.c');
    expect(n.call('wamp.subscription.get_events', [nid])).toMatchObject({ error: 'wamp.error.history_unavailable' });
  });
});
