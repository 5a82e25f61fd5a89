/**
 * Event History on subscribe (advanced profile "Event History"), as a
 * function of its own: a bundle carries it only when it imports it.
 * `Session.subscribeWithHistory` is the same as a method.
 */

import type { Args, Dict, KwArgs, SubscribeOptions } from '@wamp/core';
import type { EventDetails, EventHandler, SessionApi, Subscription } from './session-api.js';

const EMPTY: Dict = Object.freeze({});

/**
 * Subscribe, then replay the broker's event history of the subscription
 * (`wamp.subscription.get_events`), then follow live events — without a gap
 * or a duplicate: live events that arrive while the history is fetched are
 * held back, delivered after it, and those the history already held (same
 * publication ID) are dropped. History events have `details.history` set.
 * Rejects (and unsubscribes) when the router keeps no history for the topic
 * (`wamp.error.history_unavailable`). `limit` (default 10) caps the events
 * replayed.
 */
export async function subscribeWithHistory<A extends Args = Args, K extends KwArgs = KwArgs>(
  session: SessionApi,
  topic: string,
  handler: EventHandler<A, K>,
  options: SubscribeOptions & { readonly limit?: number } = {},
): Promise<Subscription> {
  const { limit, ...subscribeOptions } = options;
  const h = handler as EventHandler;
  let held: [Args, KwArgs, EventDetails][] | undefined = [];
  const sub = await session.subscribe(
    topic,
    (args, kwargs, details) => {
      if (held !== undefined) {
        held.push([args, kwargs, details]);
        return;
      }
      return h(args, kwargs, details);
    },
    subscribeOptions,
  );
  let records: unknown[];
  try {
    const r = await session.call('wamp.subscription.get_events', [sub.id, limit ?? 10]);
    records = Array.isArray(r.args[0]) ? (r.args[0] as unknown[]) : [];
  } catch (e) {
    await sub.unsubscribe().catch(() => undefined);
    throw e;
  }
  const run = (f: () => unknown): void => session.callback(`event handler for ${topic}`, f);
  const seen = new Set<number>();
  for (const rec of records) {
    const ev = historyEvent(session, sub, rec);
    if (ev === undefined) continue;
    seen.add(ev[2].publication);
    run(() => h(ev[0], ev[1], ev[2]));
  }
  const pending = held;
  held = undefined;
  for (const [a, k, d] of pending) if (!seen.has(d.publication)) run(() => h(a, k, d));
  return sub;
}

/** One record of `wamp.subscription.get_events` as handler arguments, or undefined (with a warning) when it is malformed. */
function historyEvent(session: SessionApi, sub: Subscription, rec: unknown): [Args, KwArgs, EventDetails] | undefined {
  if (!isDict(rec)) return undefined;
  const publication = rec['publication'];
  if (typeof publication !== 'number') return undefined;
  const d: Dict = isDict(rec['details']) ? rec['details'] : EMPTY;
  const topic = stringOf(rec['topic']) ?? sub.topic;
  let args: Args = Array.isArray(rec['args']) ? (rec['args'] as Args) : [];
  let kwargs: KwArgs = isDict(rec['kwargs']) ? (rec['kwargs'] as KwArgs) : {};
  const payload = rec['payload'];
  if (typeof payload === 'string' || payload instanceof Uint8Array) {
    try {
      ({ args, kwargs } = session.incoming(topic, payload, d));
    } catch (e) {
      session.warn(`history event ${publication} on ${topic} dropped: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }
  // A record is the result of a meta-procedure, not an EVENT the core
  // decoded: its Details are read here, with the same rules.
  const publisher = d['publisher'];
  const trustlevel = d['trustlevel'];
  const details: EventDetails = {
    subscription: sub.id,
    publication,
    topic,
    publisher: typeof publisher === 'number' ? publisher : undefined,
    publisherAuthid: stringOf(d['publisher_authid']),
    publisherAuthrole: stringOf(d['publisher_authrole']),
    retained: false,
    history: true,
    trustlevel: typeof trustlevel === 'number' && Number.isSafeInteger(trustlevel) && trustlevel >= 0 ? trustlevel : undefined,
    details: d,
  };
  return [args, kwargs, details];
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
