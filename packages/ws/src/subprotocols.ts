import type { Serializer } from '@wamp/core';

/** A WAMP WebSocket subprotocol resolved to its serializer and framing. */
export interface Subprotocol {
  /** As on the wire, e.g. `wamp.2.msgpack.batched`. */
  readonly name: string;
  readonly serializer: Serializer;
  /** True for the `.batched` variants (advanced profile, "Message Batching"). */
  readonly batched: boolean;
}

const BATCHED = '.batched';

/** Every subprotocol of the given serializers: plain ones first, then the batched variants. */
export function wampSubprotocols(serializers: readonly Serializer[]): string[] {
  return [...serializers.map((s) => s.subprotocol), ...serializers.map((s) => s.subprotocol + BATCHED)];
}

/** `wamp.2.cbor.batched` → CBOR, batched; undefined for a name none of `serializers` speaks. */
export function resolveSubprotocol(name: string, serializers: readonly Serializer[]): Subprotocol | undefined {
  const batched = name.endsWith(BATCHED);
  const base = batched ? name.slice(0, -BATCHED.length) : name;
  const serializer = serializers.find((s) => s.subprotocol === base);
  return serializer === undefined ? undefined : { name, serializer, batched };
}
