import { ProtocolViolation } from './errors.js';
import { DEFAULT_LIMITS, sanitize, takeLargeNumberSeen, type Limits } from './limits.js';
import { inexactJsonInteger } from './serializers/json.js';
import type { Message } from './messages.js';
import type { Serializer } from './serializers/serializer.js';
import type { Frame } from './types.js';
import type { UriRule } from './uri.js';
import { fromRouterWire, fromWire, toWire } from './wire.js';

/** Options of the decoders: size limits and the URI rule. */
export interface DecodeOptions {
  readonly limits?: Limits;
  readonly uriRule?: UriRule;
}

const NO_OPTIONS: DecodeOptions = Object.freeze({});
const textDecoder = new TextDecoder();

/**
 * Bytes (or JSON text) to a checked message. The only exception it throws is
 * {@link ProtocolViolation}, whatever the input.
 */
export function decodeMessage(serializer: Serializer, frame: Frame, opts: DecodeOptions = NO_OPTIONS): Message {
  // DecodeOptions is a WireOptions (it carries `uriRule`); passing it on
  // saves an allocation per message.
  return fromWire(decodeWire(serializer, frame, opts), opts);
}

/**
 * {@link decodeMessage} for a client: decodes only the messages routers send
 * (see {@link fromRouterWire}), so that a client does not carry the checks
 * of the others.
 */
export function decodeRouterMessage(serializer: Serializer, frame: Frame, opts: DecodeOptions = NO_OPTIONS): Message {
  return fromRouterWire(decodeWire(serializer, frame, opts), opts);
}

/** The wire array of a frame, within the limits and sanitized. */
function decodeWire(serializer: Serializer, frame: Frame, opts: DecodeOptions): unknown[] {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  if (frame.length > limits.maxMessageSize) {
    throw new ProtocolViolation(`message of ${frame.length} bytes exceeds the limit of ${limits.maxMessageSize}`);
  }
  let value: unknown;
  try {
    value = serializer.decode(frame, limits);
  } catch (e) {
    throw new ProtocolViolation(`malformed ${serializer.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(value)) throw new ProtocolViolation('a message must be a list');
  sanitize(value, limits, serializer.binaryStrings);
  // JSON.parse rounds integers beyond ±2^53 silently (a request ID 2^53 + 1
  // would become 2^53): when the walk met a number that large, check the text.
  if (takeLargeNumberSeen() && !serializer.binary) {
    const lit = inexactJsonInteger(typeof frame === 'string' ? frame : textDecoder.decode(frame));
    if (lit !== undefined) throw new ProtocolViolation(`integer ${lit} cannot be carried exactly by JSON (beyond ±2^53)`);
  }
  return value;
}

/** A message to a frame. */
export function encodeMessage(serializer: Serializer, msg: Message): Frame {
  return serializer.encode(toWire(msg));
}
