/**
 * WAMP-over-Batched-WebSocket framing (advanced profile, "Message Batching"):
 * 0x1E after each JSON message, a uint32 big-endian length before each
 * MessagePack/CBOR message; an empty batch is illegal.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_SERIALIZERS,
  LocalProtocolError,
  ProtocolViolation,
  batchedSubprotocol,
  call,
  cborSerializer,
  decodeBatch,
  decodeMessage,
  encodeBatch,
  encodeMessage,
  hexDecode,
  hexEncode,
  jsonSerializer,
  msgpackSerializer,
  published,
  type Frame,
  type Serializer,
} from '@wamp/core';
import { messageArb } from './properties.arbitraries.js';
import { thrown } from './kit/thrown.js';

const hex = (h: string): Uint8Array => hexDecode(h.replace(/\s+/g, ''))!;

/** The reason a malformed batch is refused with. */
function refusal(ser: Serializer, frame: Frame): string {
  return thrown(() => decodeBatch(ser, frame), ProtocolViolation, 'accepted a malformed batch').reason;
}

describe('batched subprotocols', () => {
  it('appends .batched to the subprotocol', () => {
    expect(ALL_SERIALIZERS.map(batchedSubprotocol)).toEqual([
      'wamp.2.json.batched',
      'wamp.2.msgpack.batched',
      'wamp.2.cbor.batched',
    ]);
  });
});

describe('JSON batches', () => {
  it('follow each message with 0x1E, a batch of one included', () => {
    const a = encodeMessage(jsonSerializer, published(1, 2));
    const b = encodeMessage(jsonSerializer, call(3, 'a.b', { args: ['x\u001ey'] }));
    expect(encodeBatch(jsonSerializer, [a])).toBe('[17,1,2]\u001e');
    expect(encodeBatch(jsonSerializer, [a, b])).toBe('[17,1,2]\u001e[48,3,{},"a.b",["x\\u001ey"]]\u001e');
    expect(decodeBatch(jsonSerializer, '[17,1,2]\u001e[48,3,{},"a.b",["x\\u001ey"]]\u001e')).toEqual([a, b]);
  });

  it('split bytes as well as text', () => {
    const bytes = new TextEncoder().encode('[17,1,2]\u001e[17,1,3]\u001e');
    const frames = decodeBatch(jsonSerializer, bytes);
    expect(frames.map((f) => decodeMessage(jsonSerializer, f))).toEqual([published(1, 2), published(1, 3)]);
  });

  it('refuse an empty batch, a missing final separator and empty messages', () => {
    expect(refusal(jsonSerializer, '')).toContain('empty batch');
    expect(refusal(jsonSerializer, new Uint8Array(0))).toContain('empty batch');
    expect(refusal(jsonSerializer, '[17,1,2]')).toContain('0x1E');
    expect(refusal(jsonSerializer, '[17,1,2]\u001e[17,1,3]')).toContain('0x1E');
    expect(refusal(jsonSerializer, hex('5b5d1e5b5d'))).toContain('0x1E');
    expect(refusal(jsonSerializer, '\u001e')).toContain('empty message');
    expect(refusal(jsonSerializer, '[17,1,2]\u001e\u001e')).toContain('empty message');
    expect(refusal(jsonSerializer, hex('1e'))).toContain('empty message');
  });
});

describe('MessagePack and CBOR batches', () => {
  for (const ser of [msgpackSerializer, cborSerializer]) {
    it(`${ser.name}: prefix each message with its length, uint32 big-endian`, () => {
      const a = encodeMessage(ser, published(1, 2)) as Uint8Array;
      const b = encodeMessage(ser, call(3, 'a.b', { args: [new Uint8Array(300)] })) as Uint8Array;
      const batch = encodeBatch(ser, [a, b]) as Uint8Array;
      expect(batch.length).toBe(8 + a.length + b.length);
      expect(hexEncode(batch.subarray(0, 4 + a.length))).toBe('00000004' + hexEncode(a));
      expect(hexEncode(batch.subarray(4 + a.length, 8 + a.length))).toBe((b.length).toString(16).padStart(8, '0'));
      expect(decodeBatch(ser, batch).map((f) => decodeMessage(ser, f))).toEqual([published(1, 2), call(3, 'a.b', { args: [new Uint8Array(300)] })]);
    });

    it(`${ser.name}: refuse empty, truncated and zero-length parts, and text`, () => {
      expect(refusal(ser, new Uint8Array(0))).toContain('empty batch');
      expect(refusal(ser, hex('000000'))).toContain('truncated length prefix');
      expect(refusal(ser, hex('00000004 931101'))).toContain('truncated message');
      expect(refusal(ser, hex('00000004 93110102 0000'))).toContain('truncated length prefix');
      expect(refusal(ser, hex('00000004 93110102 00000002 93'))).toContain('truncated message');
      expect(refusal(ser, hex('00000000'))).toContain('empty message');
      expect(refusal(ser, hex('ffffffff 00'))).toContain('truncated message');
      expect(refusal(ser, '[17,1,2]\u001e')).toContain('must be binary');
    });
  }
});

describe('encodeBatch refuses misuse locally', () => {
  it('an empty batch, empty frames, frames of the wrong kind, JSON containing 0x1E', () => {
    const misuse = (ser: Serializer, frames: Frame[]): void => {
      expect(() => encodeBatch(ser, frames)).toThrow(LocalProtocolError);
    };
    for (const ser of ALL_SERIALIZERS) misuse(ser, []);
    misuse(jsonSerializer, ['']);
    misuse(jsonSerializer, [new Uint8Array([0x5b, 0x5d])]);
    misuse(jsonSerializer, ['[17,1,2]\u001e']);
    misuse(msgpackSerializer, ['[17,1,2]']);
    misuse(cborSerializer, [new Uint8Array(0)]);
  });
});

describe('batch properties', () => {
  it('decodeBatch(encodeBatch(frames)) gives the frames back, for every serializer', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 5 }), (messages) => {
        for (const ser of ALL_SERIALIZERS) {
          const frames = messages.map((m) => encodeMessage(ser, m));
          const batch = encodeBatch(ser, frames);
          const back = decodeBatch(ser, batch);
          expect(back.length).toBe(frames.length);
          back.forEach((f, i) => {
            expect(typeof f === 'string' ? f : hexEncode(f)).toBe(typeof frames[i] === 'string' ? frames[i] : hexEncode(frames[i] as Uint8Array));
            expect(decodeMessage(ser, f)).toEqual(messages[i]);
          });
        }
      }),
      { seed: 7, numRuns: 120 },
    );
  });

  it('arbitrary bytes give frames or a ProtocolViolation, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const ser of ALL_SERIALIZERS) {
          let frames: Frame[];
          try {
            frames = decodeBatch(ser, bytes);
          } catch (e) {
            if (e instanceof ProtocolViolation) continue;
            throw e;
          }
          // Whatever was split is non-empty and lies within the batch.
          expect(frames.length).toBeGreaterThan(0);
          for (const f of frames) expect(f.length).toBeGreaterThan(0);
          const total = frames.reduce((n, f) => n + f.length, 0);
          expect(total + frames.length * (ser.binary ? 4 : 1)).toBe(bytes.length);
        }
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});
