import type { Limits } from '../limits.js';
import type { Frame } from '../../types.js';

/** The serializer names this project implements. */
export type SerializerName = 'json' | 'msgpack' | 'cbor';

/**
 * A WAMP serializer: turns a wire array into a frame and back. It knows
 * nothing of WAMP semantics; {@link decodeMessage} adds the checks.
 *
 * The data model shared by all three serializers: null, booleans, finite
 * numbers (integers exact within ±2^53), strings, binary (Uint8Array), lists
 * and dictionaries with string keys. Values outside it (undefined, -0, NaN,
 * Date, Map, bigint...) are not guaranteed to round-trip.
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
   * input; {@link decodeMessage} wraps that into a ProtocolViolation (and
   * passes a ProtocolViolation on as it is). `limits`, when given, lets a
   * decoder stop early; unless {@link checksLimits} says the decoder enforces
   * them all, the authoritative checks are made afterwards, as `sanitize`
   * makes them. Binary values in the result may share memory with `frame`:
   * the frame belongs to the decoded value afterwards and must not be reused
   * by the caller.
   */
  decode(frame: Frame, limits?: Limits): unknown;
  /** True when `\u0000`-prefixed strings carry base64 binary (the JSON convention). */
  readonly binaryStrings: boolean;
  /**
   * True when {@link decode} itself enforces `limits` and the data model (what
   * `sanitize` checks), so that {@link decodeMessage} does not walk the value
   * again. Absent or false: the value is walked once, with the shape checks.
   */
  readonly checksLimits?: boolean;
}
