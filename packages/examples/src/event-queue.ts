/**
 * Reading events from a queue: `for await` over a subscription, with the
 * arguments typed and checked by Standard Schema (valibot here; zod, arktype
 * and others work the same way, without adapters).
 *
 * One session publishes sensor readings to a typed topic (and one malformed
 * reading, the way a careless publisher would); another reads them with
 * `eventsTyped`, getting `kwargs.at` as a `Date` (the schema's transform) and
 * a warning for the malformed one. A plain `session.events(topic)` queue ends
 * on its own when its session leaves.
 *
 *   node packages/examples/dist/event-queue.js
 */
import * as v from 'valibot';
import { eventsTyped, publishTyped, topic } from '@wamp/client';
import { createLogger, createRouter } from '@wamp/node-router';
import { connect } from '@wamp/ws';

const router = createRouter(
  { realms: [{ name: 'realm1' }], listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0 }] },
  { logger: createLogger({ level: 'warn' }) },
);
await router.listen();
const url = router.addresses[0]!.url;
console.log(`ready ${url}`);

/** The topic, described once: both sides take their types from it. */
const reading = topic({
  uri: 'com.example.reading',
  kwargs: v.object({
    sensor: v.string(),
    celsius: v.number(),
    at: v.pipe(v.string(), v.isoTimestamp(), v.transform((s) => new Date(s))),
  }),
});

const reader = await connect({ url, realm: 'realm1', onWarning: (m) => console.log(`warning ${m}`) });
const publisher = await connect({ url, realm: 'realm1' });

// Subscribed at once; `ready` says the router has confirmed it. At most 100
// readings wait for the loop; beyond that the oldest give way (with a warning).
const readings = eventsTyped(reader, reading, { maxBuffered: 100, overflow: 'drop-oldest' });
const alerts = reader.events('com.example.alert');
await Promise.all([readings.ready, alerts.ready]);

await publishTyped(publisher, reading, [], { sensor: 'kitchen', celsius: 21.5, at: '2026-12-06T10:00:00Z' }, { acknowledge: true });
// Not through the typed helper, and wrong: the reader drops it with a warning.
await publisher.publish('com.example.reading', [], { sensor: 'kitchen', celsius: 'warm', at: '2026-12-06T10:01:00Z' }, { acknowledge: true });
await publishTyped(publisher, reading, [], { sensor: 'cellar', celsius: 12, at: '2026-12-06T10:02:00Z' }, { acknowledge: true });
await publisher.publish('com.example.alert', ['door open'], {}, { acknowledge: true });
await publisher.publish('com.example.alert', ['door closed'], {}, { acknowledge: true });

let n = 0;
for await (const { kwargs } of readings) {
  // kwargs: { sensor: string; celsius: number; at: Date }
  console.log(`reading ${kwargs.sensor} ${kwargs.celsius} ${kwargs.at.toISOString()}`);
  if (++n === 2) break; // leaving the loop unsubscribes
}

// Leave: the alerts were published (and acknowledged) before, so the router
// sent them ahead of its GOODBYE. The loop reads what is buffered, then ends
// with the session.
await reader.leave();
const texts: string[] = [];
for await (const { args } of alerts) texts.push(String(args[0]));
console.log(`alerts ${texts.join(', ')} (ended with the session)`);

await publisher.leave();
await router.close();
