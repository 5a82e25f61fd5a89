/**
 * The decoding edge: how bytes from a peer become a typed {@link Message},
 * and back. Everything in this folder serves one pipeline, run once per
 * received message by both session cores ({@link decodeMessage}, or
 * {@link decodeRouterMessage} in a client):
 *
 * 1. **Frame.** A transport hands over one WebSocket message or RawSocket
 *    frame (`Frame`: text for JSON, bytes for MessagePack and CBOR); batched
 *    transports split it first (`serializers/batched.ts`). Its size is checked
 *    against `Limits.maxMessageSize` before any parsing.
 * 2. **Serializer decode** (`serializers/`), into plain values of the shared
 *    data model (null, booleans, finite numbers, strings, binary, lists,
 *    dictionaries with string keys). The MessagePack and CBOR readers
 *    (`msgpack.ts`, `cbor.ts`, with `build.ts`) check every item as they
 *    build it: the data model (no tags, no extensions), integers within
 *    ±2^53, finite floats, and the string, container and depth limits of
 *    `limits.ts`; `__proto__` stays a data key. JSON is `JSON.parse`, native,
 *    which takes no hook; its values are checked in step 3.
 * 3. **Shape validation** (`shape.ts`). The positional array is checked
 *    message by message (arity, field types, ID ranges, URIs, the types of the
 *    Options/Details keys the specification defines) and becomes one member of
 *    the tagged union of `messages.ts`. For a serializer that has not checked
 *    the limits (JSON, or one of an application's), the same pass does what
 *    `sanitize` (`limits.ts`) does, field by field: each dictionary and
 *    payload is walked once, JSON binary strings (`"\u0000" + base64`)
 *    become bytes, and a JSON text whose numbers reach 2^53 is re-read for
 *    integers `JSON.parse` rounded. A JSON text too short for any limit to
 *    bite and without a backslash (most small messages; see
 *    {@link jsonTextNeedsWalk}) has its values walked for numbers and
 *    `__proto__` keys only. Each message type has its reader, found by its
 *    type code in a table; valid URIs are remembered, so that the URIs a
 *    peer sends again and again are compared rather than re-scanned.
 *    Nothing after this point reads `msg[2]`.
 *
 * Every fault on the way, whatever the input, is a {@link ProtocolViolation}
 * with a reason that names it; a session answers it with ABORT
 * `wamp.error.protocol_violation`. Encoding runs the other way without
 * checks: {@link toWire}, then the serializer.
 */

import { ProtocolViolation } from '../errors.js';
import { DEFAULT_LIMITS, takeLargeNumberSeen, type Limits } from './limits.js';
import { inexactJsonInteger, jsonSerializer } from './serializers/json.js';
import type { Message } from './messages.js';
import type { Serializer } from './serializers/serializer.js';
import type { Frame } from '../types.js';
import type { UriRule } from '../uri.js';
import { readMessage, readRouterMessage, toWire } from './shape.js';

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
  return decode(serializer, frame, opts, readMessage);
}

/**
 * {@link decodeMessage} for a client: decodes only the messages routers send
 * (see `fromRouterWire`), so that a client does not carry the checks
 * of the others.
 */
export function decodeRouterMessage(serializer: Serializer, frame: Frame, opts: DecodeOptions = NO_OPTIONS): Message {
  return decode(serializer, frame, opts, readRouterMessage);
}

/**
 * Steps 1 to 3 of the header. A serializer that enforces the limits itself
 * (`checksLimits`: MessagePack and CBOR, whose decoders check every item as
 * they build it) hands over a value the shape checks can take as it is;
 * otherwise (JSON, whose parser is native and takes no hook) the shape
 * checks walk every value they read once, doing the work of `sanitize` in
 * the same pass.
 */
function decode(serializer: Serializer, frame: Frame, opts: DecodeOptions, read: typeof readMessage): Message {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  if (frame.length > limits.maxMessageSize) {
    throw new ProtocolViolation(`message of ${frame.length} bytes exceeds the limit of ${limits.maxMessageSize}`);
  }
  // JSON text, the commonest frame, takes a path of its own that reads
  // nothing of the serializer object: a call or a property load through one
  // of several serializer objects costs a tenth of `JSON.parse` on a small
  // message. The same parse, the same checks, the same faults.
  if (serializer === jsonSerializer && typeof frame === 'string') return decodeJsonText(frame, opts, limits, read);
  let value: unknown;
  try {
    value = serializer.decode(frame, limits);
  } catch (e) {
    throw malformed(e, serializer.name);
  }
  if (!Array.isArray(value)) throw new ProtocolViolation('a message must be a list');
  if (serializer.checksLimits === true) return read(value, opts, undefined, false);
  takeLargeNumberSeen();
  const msg = read(value, opts, limits, serializer.binaryStrings);
  // JSON.parse rounds integers beyond ±2^53 silently (a request ID 2^53 + 1
  // would become 2^53): when the walk met a number that large, check the text.
  if (takeLargeNumberSeen() && !serializer.binary) checkJsonIntegers(typeof frame === 'string' ? frame : textDecoder.decode(frame));
  return msg;
}

/** {@link decode} of JSON text: `jsonSerializer.decode`, then the checks, lean when the text allows (see {@link jsonTextNeedsWalk}). */
function decodeJsonText(text: string, opts: DecodeOptions, limits: Limits, read: typeof readMessage): Message {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw malformed(e, 'json');
  }
  if (!Array.isArray(value)) throw new ProtocolViolation('a message must be a list');
  takeLargeNumberSeen();
  const msg = read(value, opts, limits, true, !jsonTextNeedsWalk(text, limits));
  if (takeLargeNumberSeen()) checkJsonIntegers(text);
  return msg;
}

function malformed(e: unknown, name: string): ProtocolViolation {
  if (e instanceof ProtocolViolation) return e;
  return new ProtocolViolation(`malformed ${name}: ${e instanceof Error ? e.message : String(e)}`);
}

function checkJsonIntegers(text: string): void {
  const lit = inexactJsonInteger(text);
  if (lit !== undefined) throw new ProtocolViolation(`integer ${lit} cannot be carried exactly by JSON (beyond ±2^53)`);
}

/**
 * Whether the value `JSON.parse` made of `text` needs the whole walk of
 * `sanitize`, or whether the text proves all of it but the numbers (the
 * `lean` reading of `shape.ts`, which checks those alone). Proved by the
 * length `n` of the text, in UTF-16 code units as `JSON.parse` reads them:
 *
 * - a string or key of `L` code units takes at least `L + 2` of the text
 *   (its quotes; an escape takes more than the unit it stands for), so none
 *   exceeds `maxStringLength` when `n <= maxStringLength + 2`;
 * - a list of `k` elements takes at least `2k + 1` (brackets, one character
 *   per element, commas), a dictionary of `k` keys at least `4k + 1`, so none
 *   exceeds `maxContainerLength` when `n <= 2 * maxContainerLength + 1`;
 * - nesting `d` deep takes at least `2d` (an opening and a closing bracket
 *   per level), so it stays within `maxDepth` when `n <= 2 * maxDepth`;
 *
 * and by one native search: without a backslash there is no escape, so no
 * string starts with U+0000 (a JSON binary string: a raw control character
 * is not JSON). What is left for the lean reading is the numbers (an
 * overflow to ±Infinity, a magnitude of 2^53 or more) and `__proto__` keys,
 * which `checkJsonNumbers` looks at as it goes. The search costs a few
 * nanoseconds on a small message, where walking the parsed value with
 * `sanitize` costs about a quarter of `JSON.parse` (`pnpm bench:codec`).
 * With the default limits the length test holds up to 128 characters (the
 * depth), so the walk is skipped for small messages only.
 */
export function jsonTextNeedsWalk(text: string, limits: Limits): boolean {
  const n = text.length;
  return (
    n > 2 * limits.maxDepth ||
    n > limits.maxStringLength + 2 ||
    n > 2 * limits.maxContainerLength + 1 ||
    text.indexOf('\\') >= 0
  );
}

/** A message to a frame. */
export function encodeMessage(serializer: Serializer, msg: Message): Frame {
  return serializer.encode(toWire(msg));
}
