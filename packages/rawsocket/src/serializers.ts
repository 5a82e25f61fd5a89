import { ALL_SERIALIZERS, type Serializer } from '@wamp/core';

/** The serializers a server offers unless told otherwise: JSON, MessagePack, CBOR. */
export function defaultSerializers(): readonly Serializer[] {
  return ALL_SERIALIZERS;
}
