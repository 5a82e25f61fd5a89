/**
 * A ClientSession decodes only the messages routers send (wire/shape.ts, "two
 * halves"): for those it must accept and refuse exactly what `decodeMessage`
 * does, with the same result, and a message only clients send must never
 * reach it decoded. Observed through the session's trace, which carries every
 * message it decoded.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ClientSession,
  MessageType,
  encodeMessage,
  jsonSerializer,
  msgpackSerializer,
  type ClientEvent,
  type Frame,
  type Message,
  type Serializer,
} from '@wamp/core';
import { ROUTER_TO_CLIENT, decodeOrRefuse, messageArb } from './properties.arbitraries.js';

const SEED = 0xdec0de;

/** Basic profile, "Message Codes and Direction": what a router sends to a client. */
const SENT_BY_ROUTERS: ReadonlySet<number> = new Set([...ROUTER_TO_CLIENT, MessageType.ABORT, MessageType.GOODBYE, MessageType.ERROR]);

/** What a fresh session (state `closed`, which ignores every message) decoded of `frame`. */
function clientDecodes(ser: Serializer, frame: Frame): Message[] {
  const session = new ClientSession({ serializer: ser, trace: true });
  session.handleMessage(frame, 0);
  expect(session.pollTransmit()).toBeUndefined();
  const decoded: Message[] = [];
  for (let ev: ClientEvent | undefined = session.pollEvent(); ev !== undefined; ev = session.pollEvent()) {
    if (ev.type === 'trace') decoded.push(ev.message);
  }
  return decoded;
}

function check(ser: Serializer, frame: Frame): void {
  const full = decodeOrRefuse(ser, frame);
  const expected = full !== 'refused' && SENT_BY_ROUTERS.has(full.type) ? [full] : [];
  expect(clientDecodes(ser, frame)).toEqual(expected);
}

describe('ClientSession decodes what routers send as decodeMessage does', () => {
  it('every valid message: the same message, or (if only clients send it) nothing', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        for (const ser of [jsonSerializer, msgpackSerializer]) check(ser, encodeMessage(ser, m));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('valid messages with one field replaced: refused by both, or decoded alike', () => {
    const junk = fc.oneof(
      fc.constantFrom<unknown>(null, 0, -1, 2 ** 53 + 2, 1.5, '', 'x y', '#', true, [], {}, { progress: 'yes' }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(messageArb, fc.nat(), junk, (m, at, value) => {
        const wire = JSON.parse(encodeMessage(jsonSerializer, m) as string) as unknown[];
        wire[1 + (at % wire.length)] = value;
        check(jsonSerializer, JSON.stringify(wire));
      }),
      { seed: SEED + 1, numRuns: 1500 },
    );
  });
});
