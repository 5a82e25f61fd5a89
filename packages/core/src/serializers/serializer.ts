import type { Frame } from '../types.js';

/** The serializer names this project implements. */
export type SerializerName = 'json' | 'msgpack' | 'cbor';

/**
 * A WAMP serializer: turns a wire array into a frame and back. It knows
 * nothing of WAMP semantics; {@link decodeMessage} adds the checks.
 */
export interface Serializer {
  readonly name: SerializerName;
  /** WebSocket subprotocol, e.g. `wamp.2.json`. */
  readonly subprotocol: string;
  /** RawSocket serializer id (1 JSON, 2 MessagePack, 3 CBOR). */
  readonly rawSocketId: number;
  /** True when frames are bytes (binary WebSocket frames); false for JSON text. */
  readonly binary: boolean;
  /** Serialize a wire array (binary values as Uint8Array). */
  encode(wire: readonly unknown[]): Frame;
  /**
   * Deserialize a frame into a plain value. May throw anything on malformed
   * input; {@link decodeMessage} wraps that into a ProtocolViolation.
   */
  decode(frame: Frame): unknown;
  /** True when `\u0000`-prefixed strings carry base64 binary (the JSON convention). */
  readonly binaryStrings: boolean;
}
