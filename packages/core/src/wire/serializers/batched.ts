/**
 * WAMP-over-Batched-WebSocket (advanced profile, "Message Batching"): several
 * serialized messages in one WebSocket message.
 *
 * - `wamp.2.json.batched`: each JSON message followed by the record separator
 *   0x1E (JSON text never contains a raw 0x1E: control characters are escaped).
 * - `wamp.2.msgpack.batched`, `wamp.2.cbor.batched`: each message preceded by
 *   its length as a uint32, big-endian.
 *
 * A single message is still sent as a batch of one, and an empty batch is
 * illegal: "a Peer MUST fail the transport upon receiving such a transport
 * message".
 */

import { ErrorUri, LocalProtocolError, ProtocolViolation } from '../../errors.js';
import type { Frame } from '../../types.js';
import type { Serializer } from './serializer.js';

const RS = 0x1e;
const RS_CHAR = '\u001e';
const MAX_UINT32 = 0xffffffff;

/** The batched WebSocket subprotocol of `serializer`, e.g. `wamp.2.json.batched`. */
export function batchedSubprotocol(serializer: Serializer): string {
  return `${serializer.subprotocol}.batched`;
}

function misuse(reason: string): never {
  throw new LocalProtocolError(ErrorUri.INVALID_ARGUMENT, reason);
}

/**
 * Pack frames produced by `encodeMessage(serializer, ...)` into one WebSocket
 * message: a string for JSON, bytes for the binary serializers. Throws
 * {@link LocalProtocolError} for an empty batch, an empty frame, a frame of the
 * wrong kind, or a JSON frame that contains 0x1E.
 */
export function encodeBatch(serializer: Serializer, frames: readonly Frame[]): Frame {
  if (frames.length === 0) misuse('a batch must hold at least one message');
  if (!serializer.binary) {
    let out = '';
    for (const f of frames) {
      if (typeof f !== 'string') misuse(`a ${serializer.name} batch takes text frames`);
      if (f.length === 0) misuse('an empty frame cannot be batched');
      if (f.includes(RS_CHAR)) misuse('a JSON frame containing 0x1E cannot be batched');
      out += f + RS_CHAR;
    }
    return out;
  }
  let total = 0;
  for (const f of frames) {
    if (typeof f === 'string') misuse(`a ${serializer.name} batch takes binary frames`);
    if (f.length === 0) misuse('an empty frame cannot be batched');
    if (f.length > MAX_UINT32) misuse('a frame longer than 2^32 - 1 bytes cannot be batched');
    total += 4 + f.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let p = 0;
  for (const f of frames as readonly Uint8Array[]) {
    view.setUint32(p, f.length);
    out.set(f, p + 4);
    p += 4 + f.length;
  }
  return out;
}

/**
 * Split one batched WebSocket message into the frames it carries, each to be
 * passed to `decodeMessage`. A malformed batch (empty, truncated, an empty
 * message, a missing final separator) is a {@link ProtocolViolation}. The
 * binary frames returned are views into `frame`.
 */
export function decodeBatch(serializer: Serializer, frame: Frame): Frame[] {
  if (frame.length === 0) throw new ProtocolViolation('empty batch');
  return serializer.binary ? splitLengthPrefixed(serializer, frame) : splitRecords(frame);
}

function splitRecords(frame: Frame): Frame[] {
  const out: Frame[] = [];
  if (typeof frame === 'string') {
    if (frame.charCodeAt(frame.length - 1) !== RS) throw new ProtocolViolation('batch does not end with 0x1E');
    let start = 0;
    while (start < frame.length) {
      const end = frame.indexOf(RS_CHAR, start);
      if (end === start) throw new ProtocolViolation('empty message in batch');
      out.push(frame.slice(start, end));
      start = end + 1;
    }
    return out;
  }
  if (frame[frame.length - 1] !== RS) throw new ProtocolViolation('batch does not end with 0x1E');
  let start = 0;
  while (start < frame.length) {
    const end = frame.indexOf(RS, start);
    if (end === start) throw new ProtocolViolation('empty message in batch');
    out.push(frame.subarray(start, end));
    start = end + 1;
  }
  return out;
}

function splitLengthPrefixed(serializer: Serializer, frame: Frame): Frame[] {
  if (typeof frame === 'string') throw new ProtocolViolation(`a ${serializer.name} batch must be binary, got text`);
  const out: Frame[] = [];
  const n = frame.length;
  let p = 0;
  while (p < n) {
    if (n - p < 4) throw new ProtocolViolation(`truncated length prefix in batch at byte ${p}`);
    const len = ((frame[p]! << 24) >>> 0) + ((frame[p + 1]! << 16) | (frame[p + 2]! << 8) | frame[p + 3]!);
    if (len === 0) throw new ProtocolViolation(`empty message in batch at byte ${p}`);
    if (len > n - p - 4) {
      throw new ProtocolViolation(`truncated message in batch at byte ${p}: ${len} bytes announced, ${n - p - 4} left`);
    }
    out.push(frame.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  return out;
}
