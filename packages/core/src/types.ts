/** A WAMP dictionary: string keys, any WAMP value. Always a plain object. */
export type Dict = Readonly<Record<string, unknown>>;

/** Positional arguments of a call, result, event or error. */
export type Args = readonly unknown[];

/** Keyword arguments of a call, result, event or error. */
export type KwArgs = Dict;

/**
 * One serialized WAMP message as it crosses a transport: a string for the JSON
 * serializer (a WebSocket text frame), bytes for the binary serializers.
 */
export type Frame = string | Uint8Array;

/**
 * The opaque application payload of Payload Passthru Mode / end-to-end
 * encryption (advanced profile): it takes the place of Arguments and is never
 * interpreted by a router.
 */
export type Payload = Uint8Array | string;
