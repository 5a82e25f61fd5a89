// The codec's view of the project's one set of message arbitraries, those of
// @wamp/fuzz: the exhaustive set (every Options/Details key, unknown keys, ID
// edges, both passthru markers) with loose-rule URIs, which a codec must carry.

import type fc from 'fast-check';
import { MessageType, ProtocolViolation, decodeMessage, type Frame, type Message, type Serializer } from '@wamp/core';
import { anyMessageArb, messageArb as messageArbOf, type MessageArbOptions } from '../../fuzz/src/arbitraries.js';

export { ROUTER_TO_CLIENT } from '../../fuzz/src/arbitraries.js';
import { valueArb as valueArbOf } from '../../fuzz/src/values.js';

const CODEC: MessageArbOptions = { exhaustive: true, uriRule: 'loose' };

/** Any message of the basic and advanced profiles. */
export const messageArb: fc.Arbitrary<Message> = anyMessageArb(CODEC);

/** One arbitrary per message type, by name. */
export const MESSAGE_ARBS: Readonly<Record<string, fc.Arbitrary<Message>>> = Object.fromEntries(
  Object.entries(MessageType).map(([name, type]) => [name, messageArbOf(type, CODEC)]),
);

/** Any application value of the data model the serializers share. */
export const valueArb: fc.Arbitrary<unknown> = valueArbOf();

/** Decode, and tell whether it was refused; anything but a ProtocolViolation fails the property. */
export function decodeOrRefuse(ser: Serializer, frame: Frame): Message | 'refused' {
  try {
    return decodeMessage(ser, frame);
  } catch (e) {
    if (e instanceof ProtocolViolation) return 'refused';
    throw e;
  }
}
