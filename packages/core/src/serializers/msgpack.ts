import { Decoder, Encoder, type ExtensionCodecType } from '@msgpack/msgpack';
import { MAX_ID } from '../ids.js';
import type { Frame } from '../types.js';
import { plainBytes } from './bytes.js';
import type { Serializer } from './serializer.js';

/**
 * WAMP uses no MessagePack extension type. The library's default codec would
 * turn ext -1 into a Date and any other into an ExtData object; this one
 * refuses them all when decoding, and never produces one when encoding (which
 * also spares the default codec's per-object `instanceof Date` probe).
 */
const NO_EXTENSIONS: ExtensionCodecType<undefined> = {
  tryToEncode: () => null,
  decode(_data: Uint8Array, type: number): never {
    throw new Error(`extension type ${type} is not allowed`);
  },
};

/** Dictionary keys must be strings (basic profile, "Serializers": `dict` with string keys). */
function stringKeysOnly(key: unknown): string {
  if (typeof key !== 'string') throw new Error(`dictionary keys must be strings, got a ${typeof key}`);
  return key;
}

// One encoder and one decoder for the process: both keep their buffers and
// caches between calls, and re-entrant use (an encode inside an encode) is
// handled by the library with a temporary clone.
const encoder = new Encoder({ extensionCodec: NO_EXTENSIONS, maxDepth: 1000 });

// The library writes integers outside the safe range (|n| >= 2^53) as
// float 64. 2^53 is a valid WAMP ID (basic profile, "Identifiers"), and a
// peer written in a language with 64-bit integers may refuse a float there, so
// ±2^53 are written as uint 64 / int 64 like every other integer. The library
// exposes no hook for this; the private methods used below are covered by the
// serializer tests (bytes `cf 00 20 00 00 00 00 00 00`), and when a future
// release renames them the override is simply not installed (2^53 then goes
// out as an exact float 64, which still decodes to the same number).
interface EncoderInternals {
  encodeNumber(n: number): void;
  writeU8(v: number): void;
  writeU64(v: number): void;
  writeI64(v: number): void;
}
{
  const internals = encoder as unknown as EncoderInternals;
  const base = internals.encodeNumber;
  if (typeof base === 'function' && typeof internals.writeU64 === 'function' && typeof internals.writeI64 === 'function') {
    internals.encodeNumber = function encodeNumber(this: EncoderInternals, n: number): void {
      if (n === MAX_ID) {
        this.writeU8(0xcf);
        this.writeU64(n);
      } else if (n === -MAX_ID) {
        this.writeU8(0xd3);
        this.writeI64(n);
      } else {
        base.call(this, n);
      }
    };
  }
}

// uint 64 / int 64 come back as bigint so that 2^53 + 1 is not silently
// rounded to 2^53; `sanitize` turns in-range values into numbers and refuses
// the others.
const decoder = new Decoder({
  extensionCodec: NO_EXTENSIONS,
  useBigInt64: true,
  mapKeyConverter: stringKeysOnly,
});

/** `wamp.2.msgpack`: binary frames; binary values as MessagePack `bin`. */
export const msgpackSerializer: Serializer = Object.freeze({
  name: 'msgpack',
  subprotocol: 'wamp.2.msgpack',
  rawSocketId: 2,
  binary: true,
  binaryStrings: false,
  encode(wire: readonly unknown[]): Frame {
    return encoder.encode(wire);
  },
  decode(frame: Frame): unknown {
    return decoder.decode(plainBytes(frame, 'MessagePack'));
  },
});
