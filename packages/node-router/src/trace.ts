/**
 * Reading a frame without decoding it: its WAMP message type (for the
 * metrics, on every frame when they are on), and a short printable form (for
 * the debug trace).
 */

import type { Frame, Serializer, SerializerName } from '@wamp/core';

/**
 * The message type of a frame — the first element of the WAMP message array —
 * read from its first bytes: JSON `[36,`, a MessagePack or a CBOR array
 * header and a small integer. Undefined when the frame does not start like a
 * message (the core will refuse it).
 */
export function peekMessageType(frame: Frame, serializer: SerializerName): number | undefined {
  if (typeof frame === 'string') {
    let i = 0;
    const n = frame.length;
    while (i < n && frame.charCodeAt(i) <= 0x20) i++;
    if (frame.charCodeAt(i++) !== 0x5b) return undefined;
    while (i < n && frame.charCodeAt(i) <= 0x20) i++;
    let v = 0;
    let digits = 0;
    for (let c = frame.charCodeAt(i); c >= 0x30 && c <= 0x39 && digits < 4; c = frame.charCodeAt(++i)) {
      v = v * 10 + (c - 0x30);
      digits++;
    }
    return digits === 0 ? undefined : v;
  }
  const b0 = frame[0];
  if (b0 === undefined) return undefined;
  if (serializer === 'msgpack') {
    // fixarray, array16, array32; then a positive fixint or uint8.
    const at = b0 >= 0x90 && b0 <= 0x9f ? 1 : b0 === 0xdc ? 3 : b0 === 0xdd ? 5 : -1;
    const v = at < 0 ? undefined : frame[at];
    if (v === undefined) return undefined;
    if (v < 0x80) return v;
    return v === 0xcc ? frame[at + 1] : undefined;
  }
  if (serializer === 'cbor') {
    // Array with the length inline, in 1, 2 or 4 bytes, or indefinite; then an unsigned integer.
    const at = b0 >= 0x80 && b0 <= 0x97 ? 1 : b0 === 0x98 ? 2 : b0 === 0x99 ? 3 : b0 === 0x9a ? 5 : b0 === 0x9f ? 1 : -1;
    const v = at < 0 ? undefined : frame[at];
    if (v === undefined) return undefined;
    if (v < 0x18) return v;
    return v === 0x18 ? frame[at + 1] : undefined;
  }
  return undefined;
}

/** Octets of a frame (UTF-8 length for text). */
export function frameSize(frame: Frame): number {
  return typeof frame === 'string' ? Buffer.byteLength(frame, 'utf8') : frame.length;
}

/** The frame as JSON text cut to `max` characters, for the debug trace. Binary frames are decoded first. */
export function framePreview(frame: Frame, serializer: Serializer, max = 200): string {
  let text: string;
  if (typeof frame === 'string') text = frame;
  else {
    try {
      text = JSON.stringify(serializer.decode(frame), (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes>` : v,
      );
    } catch {
      text = `<${frame.length} undecodable bytes>`;
    }
  }
  return text.length > max ? `${text.slice(0, max)}…(${text.length - max} more)` : text;
}
