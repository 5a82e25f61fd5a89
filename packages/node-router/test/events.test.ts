// Subscriptions read as event queues (`Session.events`, `eventsTyped`): order,
// the bounded buffer and its overflow policies, unsubscribing when the loop is
// left, ending with the session, and typed topics — over a real router on a
// WebSocket (JSON) listener bound to port 0.

import { afterEach, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { DEFAULT_EVENT_QUEUE_SIZE, LocalProtocolError, eventsTyped, publishTyped, topic, type Session } from '@wamp/client';
import { COMBOS, Cleanup, joinSession, startRouter, transportFor, waitFor } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const WS_JSON = COMBOS.find((c) => c.transport === 'websocket' && c.serializer === 'json' && !c.batched && !c.tls)!;

async function two(warnings: string[] = []): Promise<{ subscriber: Session; publisher: Session }> {
  const router = await startRouter(cleanup, { listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0 }] });
  const { session: subscriber } = await joinSession(cleanup, transportFor(router, WS_JSON), { realm: 'realm1', onWarning: (m) => warnings.push(m) });
  const { session: publisher } = await joinSession(cleanup, transportFor(router, WS_JSON), { realm: 'realm1' });
  return { subscriber, publisher };
}

/** Publish 1..n to `topic`, each acknowledged by the broker. */
async function publishCount(publisher: Session, topicUri: string, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await publisher.publish(topicUri, [i], {}, { acknowledge: true });
}

describe('Session.events', () => {
  it('hands events over in order; leaving the loop unsubscribes', async () => {
    const { subscriber, publisher } = await two();
    const queue = subscriber.events('com.test.ticks');
    await queue.ready;
    await publishCount(publisher, 'com.test.ticks', 5);
    const seen: unknown[] = [];
    for await (const e of queue) {
      seen.push(e.args[0]);
      expect(e.details.topic).toBe('com.test.ticks');
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([1, 2, 3]);
    // The router no longer has a subscription on the topic.
    expect((await publisher.call('wamp.subscription.lookup', ['com.test.ticks'])).value).toBeNull();
    // Nothing more comes out of a queue that was left.
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('ends when the session ends, after the events already buffered', async () => {
    const { subscriber, publisher } = await two();
    const queue = subscriber.events('com.test.end');
    await queue.ready;
    await publishCount(publisher, 'com.test.end', 2);
    await waitFor(() => queue.size === 2, 'two buffered events');
    await subscriber.leave();
    const seen: unknown[] = [];
    for await (const e of queue) seen.push(e.args[0]);
    expect(seen).toEqual([1, 2]);
  });

  it("drops the oldest when full (default policy), warns once per burst and counts", async () => {
    const warnings: string[] = [];
    const { subscriber, publisher } = await two(warnings);
    const queue = subscriber.events('com.test.burst', { maxBuffered: 3 });
    await queue.ready;
    await publishCount(publisher, 'com.test.burst', 7);
    await waitFor(() => queue.dropped === 4, 'four dropped events');
    expect(queue.size).toBe(3);
    expect(warnings).toEqual([
      'events on com.test.burst: the queue is full (3 events, maxBuffered); the loop is behind, dropping the oldest events',
    ]);
    const seen: unknown[] = [];
    for await (const e of queue) {
      seen.push(e.args[0]);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([5, 6, 7]);
    expect(warnings[1]).toBe('events on com.test.burst: 4 events dropped while the queue was full');
  });

  it("'drop-newest' keeps the first events", async () => {
    const { subscriber, publisher } = await two();
    const queue = subscriber.events('com.test.first', { maxBuffered: 2, overflow: 'drop-newest' });
    await queue.ready;
    await publishCount(publisher, 'com.test.first', 5);
    await waitFor(() => queue.dropped === 3, 'three dropped events');
    const seen: unknown[] = [];
    for await (const e of queue) {
      seen.push(e.args[0]);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([1, 2]);
  });

  it('ends when the broker revokes the subscription', async () => {
    const { subscriber, publisher } = await two();
    const queue = subscriber.events('com.test.revoked');
    await queue.ready;
    await publishCount(publisher, 'com.test.revoked', 1);
    await waitFor(() => queue.size === 1, 'one buffered event');
    const id = (await publisher.call('wamp.subscription.lookup', ['com.test.revoked'])).value;
    await publisher.call('wamp.subscription.remove_subscriber', [id, subscriber.id]);
    const seen: unknown[] = [];
    for await (const e of queue) seen.push(e.args[0]);
    expect(seen).toEqual([1]);
    expect(subscriber.isOpen).toBe(true);
  });

  it('serves concurrent next() calls in order, and close() before the router answered leaves no subscription', async () => {
    const { subscriber, publisher } = await two();
    const queue = subscriber.events('com.test.concurrent');
    const first = queue.next();
    const second = queue.next();
    await queue.ready;
    await publishCount(publisher, 'com.test.concurrent', 2);
    expect([(await first).value?.args[0], (await second).value?.args[0]]).toEqual([1, 2]);
    await queue.close();

    const early = subscriber.events('com.test.early');
    await early.close(); // called before SUBSCRIBED arrived; resolves after UNSUBSCRIBED
    expect((await publisher.call('wamp.subscription.lookup', ['com.test.early'])).value).toBeNull();
    expect(await early.next()).toEqual({ value: undefined, done: true });
  });

  it('rejects ready and the loop when the subscription fails', async () => {
    const { subscriber } = await two();
    const queue = subscriber.events('com.test.not a uri');
    await expect(queue.ready).rejects.toThrow();
    await expect(queue.next()).rejects.toThrow();
  });

  it('checks its options', async () => {
    const { subscriber } = await two();
    expect(DEFAULT_EVENT_QUEUE_SIZE).toBe(1000);
    expect(() => subscriber.events('com.test.x', { maxBuffered: 0 })).toThrow(LocalProtocolError);
    expect(() => subscriber.events('com.test.x', { overflow: 'drop-all' as 'drop-oldest' })).toThrow(LocalProtocolError);
  });
});

describe('eventsTyped', () => {
  const reading = topic({
    uri: 'com.test.reading',
    kwargs: v.object({ celsius: v.number(), at: v.pipe(v.string(), v.isoTimestamp(), v.transform((s) => new Date(s))) }),
  });

  it('hands over the schemas output and skips, with a warning, events that do not fit', async () => {
    const warnings: string[] = [];
    const { subscriber, publisher } = await two(warnings);
    const queue = eventsTyped(subscriber, reading);
    await queue.ready;
    await publishTyped(publisher, reading, [], { celsius: 21.5, at: '2026-12-06T10:00:00.000Z' }, { acknowledge: true });
    // Published without the typed helper: the subscriber must catch it.
    await publisher.publish('com.test.reading', [], { celsius: 'warm', at: '2026-12-06T10:01:00.000Z' }, { acknowledge: true });
    await publishTyped(publisher, reading, [], { celsius: 22, at: '2026-12-06T10:02:00.000Z' }, { acknowledge: true });
    const seen: [number, number][] = [];
    for await (const { kwargs } of queue) {
      // Typed: kwargs.at is a Date (after the transform), kwargs.celsius a number.
      seen.push([kwargs.celsius, kwargs.at.getUTCMinutes()]);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([
      [21.5, 0],
      [22, 2],
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^event \d+ on com\.test\.reading dropped: kwargs\.celsius: /);
  });
});
