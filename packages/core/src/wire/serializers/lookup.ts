import { cborSerializer } from './cbor.js';
import { jsonSerializer } from './json.js';
import { msgpackSerializer } from './msgpack.js';
import type { Serializer } from './serializer.js';

/** Every serializer, in RawSocket id order: JSON (1), MessagePack (2), CBOR (3). */
export const ALL_SERIALIZERS: readonly Serializer[] = Object.freeze([jsonSerializer, msgpackSerializer, cborSerializer]);

/** The serializer called `name` (`json`, `msgpack`, `cbor`), or undefined. */
export function serializerByName(name: string): Serializer | undefined {
  return ALL_SERIALIZERS.find((s) => s.name === name);
}

/**
 * The serializer of a plain WebSocket subprotocol (`wamp.2.json`, ...), or
 * undefined. Batched subprotocols are not matched here, so that a caller
 * cannot lose the framing: use {@link parseSubprotocol} for those.
 */
export function serializerBySubprotocol(subprotocol: string): Serializer | undefined {
  return ALL_SERIALIZERS.find((s) => s.subprotocol === subprotocol);
}

/** The serializer of a RawSocket handshake serializer id (1, 2, 3), or undefined. */
export function serializerByRawSocketId(id: number): Serializer | undefined {
  return ALL_SERIALIZERS.find((s) => s.rawSocketId === id);
}

/** A WebSocket subprotocol split into its serializer and whether messages are batched. */
export interface SubprotocolInfo {
  readonly serializer: Serializer;
  readonly batched: boolean;
}

/** `wamp.2.cbor.batched` → `{ serializer: cborSerializer, batched: true }`; undefined when unknown. */
export function parseSubprotocol(subprotocol: string): SubprotocolInfo | undefined {
  const batched = subprotocol.endsWith('.batched');
  const serializer = serializerBySubprotocol(batched ? subprotocol.slice(0, -'.batched'.length) : subprotocol);
  return serializer === undefined ? undefined : Object.freeze({ serializer, batched });
}
