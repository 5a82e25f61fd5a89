/**
 * Properties of the serializers (STYLE.md §9): every valid message round-trips
 * in every serializer, and no input of any shape makes `decodeMessage` throw
 * anything but a ProtocolViolation.
 */

import { Encoder as RawMsgpackEncoder } from '@msgpack/msgpack';
import { Encoder as RawCborEncoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_SERIALIZERS,
  MessageType,
  cborSerializer,
  decodeMessage,
  encodeMessage,
  fromWire,
  jsonSerializer,
  msgpackSerializer,
  toWire,
  type Frame,
  type Serializer,
} from '@wamp/core';
import { MESSAGE_ARBS, decodeOrRefuse, messageArb, valueArb } from './properties.arbitraries.js';

const SEED = 0x5eed_2;

describe('round trip: decode(encode(m)) = m', () => {
  for (const [name, arb] of Object.entries(MESSAGE_ARBS)) {
    it(`${name} in every serializer`, () => {
      fc.assert(
        fc.property(arb, (m) => {
          expect(m.type).toBe(MessageType[name as keyof typeof MessageType]);
          // The generated message is valid as such, not only after a trip.
          expect(fromWire(toWire(m))).toEqual(m);
          for (const ser of ALL_SERIALIZERS) {
            const frame = encodeMessage(ser, m);
            expect(typeof frame === 'string').toBe(!ser.binary);
            const back = decodeMessage(ser, frame);
            expect(back).toEqual(m);
            // Encoding is a function of the message: the trip changes nothing.
            expect(encodeMessage(ser, back)).toEqual(frame);
          }
        }),
        { seed: SEED, numRuns: 60 },
      );
    });
  }

  it('does not modify the message it encodes', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const before = structuredClone(toWire(m));
        for (const ser of ALL_SERIALIZERS) encodeMessage(ser, m);
        expect(toWire(m)).toEqual(before);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});

describe('hostile input: only ProtocolViolation', () => {
  it('arbitrary bytes, for every serializer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        for (const ser of ALL_SERIALIZERS) decodeOrRefuse(ser, bytes);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('arbitrary text, for JSON (and as a text frame for the binary serializers)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 64 }), fc.json()), (text) => {
        for (const ser of ALL_SERIALIZERS) decodeOrRefuse(ser, text);
      }),
      { seed: SEED, numRuns: 800 },
    );
  });

  // Structures of any shape, some of them message-like, encoded by the plain
  // codecs (which know nothing of WAMP and allow more than we accept).
  const rawMsgpack = new RawMsgpackEncoder();
  // structuredClone turns on shared references (tags 28/29), and cbor-x tags
  // Dates, Sets, Maps, typed arrays and bigints of its own accord.
  const rawCborPlain = new RawCborEncoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
  const rawCborFancy = new RawCborEncoder({ structuredClone: true, useRecords: true, tagUint8Array: true });
  const oddArb = fc.oneof(
    fc.date({ noInvalidDate: true }),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
    fc.constant(undefined),
    fc.constantFrom(Number.NaN, Infinity, -Infinity, -0),
    fc.uint8Array({ maxLength: 8 }).map((b) => new Set(b)),
    fc.string().map((s) => new Map([[s, 1]])),
    fc.float32Array({ maxLength: 3 }),
    fc.constantFrom('__proto__', 'constructor', 'prototype').map((k) => JSON.parse(`{"${k}": 1}`) as unknown),
  );
  const anyValue = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, valueArb, oddArb, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('v'), { maxKeys: 3 })),
  })).v;
  const messageLike = fc.tuple(
    fc.oneof(fc.constantFrom(...Object.values(MessageType)), fc.integer({ min: -2, max: 400 }), anyValue),
    fc.array(anyValue, { maxLength: 6 }),
  ).map(([code, rest]) => [code, ...rest]);
  const structure = fc.oneof(messageLike, anyValue);

  function rawFrames(v: unknown): { ser: Serializer; frame: Frame }[] {
    const out: { ser: Serializer; frame: Frame }[] = [];
    const attempt = (ser: Serializer, enc: () => Frame): void => {
      let frame: Frame;
      try {
        frame = enc();
      } catch {
        return; // The plain codec cannot write this value at all.
      }
      out.push({ ser, frame });
    };
    attempt(jsonSerializer, () => {
      const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
      if (s === undefined) throw new Error('nothing to write');
      return s;
    });
    attempt(msgpackSerializer, () => rawMsgpack.encode(v));
    attempt(cborSerializer, () => rawCborPlain.encode(v));
    attempt(cborSerializer, () => rawCborFancy.encode(v));
    return out;
  }

  it('arbitrary structures written by the plain codecs', () => {
    fc.assert(
      fc.property(structure, (v) => {
        for (const { ser, frame } of rawFrames(v)) decodeOrRefuse(ser, frame);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('valid frames with bytes flipped, cut or inserted', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.nat({ max: 8 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(messageArb, fc.array(edit, { minLength: 1, maxLength: 3 }), (m, edits) => {
        for (const ser of ALL_SERIALIZERS) {
          const f = encodeMessage(ser, m);
          let bytes = Array.from(typeof f === 'string' ? new TextEncoder().encode(f) : f);
          for (const e of edits) {
            const at = bytes.length === 0 ? 0 : e.at % bytes.length;
            if (e.kind === 'flip') bytes[at] = e.value;
            else if (e.kind === 'cut') bytes = bytes.slice(0, at).concat(bytes.slice(at + e.value));
            else bytes.splice(at, 0, e.value);
          }
          decodeOrRefuse(ser, new Uint8Array(bytes));
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('an accepted frame decodes to a message that encodes again', () => {
    // Whatever slips through must be a proper message of the model.
    fc.assert(
      fc.property(structure, (v) => {
        for (const { ser, frame } of rawFrames(v)) {
          const m = decodeOrRefuse(ser, frame);
          if (m === 'refused') continue;
          expect(decodeMessage(ser, encodeMessage(ser, m))).toEqual(m);
        }
      }),
      { seed: SEED + 1, numRuns: 600 },
    );
  });
});
