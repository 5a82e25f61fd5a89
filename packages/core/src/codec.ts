import { ProtocolViolation } from './errors.js';
import { DEFAULT_LIMITS, sanitize, type Limits } from './limits.js';
import type { Message } from './messages.js';
import type { Serializer } from './serializers/serializer.js';
import type { Frame } from './types.js';
import type { UriRule } from './uri.js';
import { fromWire, toWire } from './wire.js';

export interface DecodeOptions {
  readonly limits?: Limits;
  readonly uriRule?: UriRule;
}

const NO_OPTIONS: DecodeOptions = Object.freeze({});

/**
 * Bytes (or JSON text) to a checked message. The only exception it throws is
 * {@link ProtocolViolation}, whatever the input.
 */
export function decodeMessage(serializer: Serializer, frame: Frame, opts: DecodeOptions = NO_OPTIONS): Message {
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
  // DecodeOptions is a WireOptions (it carries `uriRule`); passing it on
  // saves an allocation per message.
  return fromWire(value, opts);
}

/** A message to a frame. */
export function encodeMessage(serializer: Serializer, msg: Message): Frame {
  return serializer.encode(toWire(msg));
}
