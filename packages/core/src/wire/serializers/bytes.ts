import type { Frame } from '../../types.js';

/**
 * `frame` as a plain Uint8Array view (no copy). A text frame on a binary
 * serializer is refused: the basic profile requires binary WebSocket messages
 * for `wamp.2.msgpack` and `wamp.2.cbor`. Node's Buffer is a Uint8Array
 * subclass, and binary values sliced out of it would be Buffers too; the view
 * keeps decoded values the same type on every platform.
 */
export function plainBytes(frame: Frame, what: string): Uint8Array {
  if (typeof frame === 'string') throw new Error(`a ${what} frame must be binary, got text`);
  return frame.constructor === Uint8Array ? frame : new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
}
