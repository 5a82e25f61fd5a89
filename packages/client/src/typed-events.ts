// `eventsTyped`: the event queue of a typed topic. Each event is checked against
// the topic's schemas when the loop is about to receive it, so the loop sees the
// schemas' output (transforms applied) in order of arrival; an event that does not
// fit is reported through `onWarning` and skipped, as `subscribeTyped` does.

import { EventQueue, type EventQueueOptions, type QueuedEvent } from './event-queue.js';
import type { EventDetails, Session } from './session.js';
import { checkInput, type HandlerArgs, type HandlerKwArgs, type Schema, type Topic } from './typed.js';

/** An event of a typed topic as its queue hands it over: the checked (and transformed) arguments. */
export type TypedQueuedEvent<A, K> = QueuedEvent<HandlerArgs<A>, HandlerKwArgs<K>, EventDetails>;

/**
 * Subscribe to a typed topic as an event queue:
 * `for await (const { args, kwargs } of eventsTyped(session, topic))`, with
 * `args` and `kwargs` typed by the topic's schemas. Events whose arguments do
 * not fit are reported through the session's `onWarning` (naming the topic,
 * the publication and each issue) and skipped. Buffer, overflow policy and
 * ending as for `Session.events` (see {@link EventQueue}).
 */
export function eventsTyped<A extends Schema | undefined, K extends Schema | undefined>(
  session: Session,
  t: Topic<A, K>,
  options: EventQueueOptions = {},
): EventQueue<TypedQueuedEvent<A, K>> {
  return new EventQueue<TypedQueuedEvent<A, K>>(session, t.uri, options, async (e) => {
    const details = e.details as EventDetails;
    const checked = await checkInput(t, e.args, e.kwargs);
    if ('issues' in checked) {
      session.warn(`event ${details.publication} on ${details.topic} dropped: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
      return undefined;
    }
    return { args: checked.args as HandlerArgs<A>, kwargs: checked.kwargs as HandlerKwArgs<K>, details };
  });
}
