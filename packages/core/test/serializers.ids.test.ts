/**
 * IDs at the edges of [1, 2^53] (basic profile, "Identifiers"), written by
 * the plain codecs in every integer form they have (MessagePack uint 64 and
 * int 64, CBOR 8-byte arguments, floats) and read back by each serializer.
 */

import { Encoder as RawMsgpackEncoder } from '@msgpack/msgpack';
import { Encoder as RawCborEncoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import {
  MAX_ID,
  ProtocolViolation,
  cborSerializer,
  decodeMessage,
  encodeMessage,
  hexDecode,
  jsonSerializer,
  msgpackSerializer,
  published,
  unsubscribed,
  type Frame,
  type Message,
  type Serializer,
} from '@wamp/core';

const hex = (h: string): Uint8Array => hexDecode(h)!;
const u64 = (v: bigint): string => v.toString(16).padStart(16, '0');

function outcome(ser: Serializer, frame: Frame): Message | 'refused' {
  try {
    return decodeMessage(ser, frame);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolViolation);
    expect((e as ProtocolViolation).reason).toMatch(/Publication|beyond 2\^53|revocation|carried exactly by JSON/);
    return 'refused';
  }
}

/** PUBLISHED [17, 1, id] with id as MessagePack `head` + `body`. */
const msgpackPublished = (idHex: string): Uint8Array => hex('931101' + idHex);
/** PUBLISHED [17, 1, id] with id as a CBOR item. */
const cborPublished = (idHex: string): Uint8Array => hex('831101' + idHex);

describe('publication IDs at the edges', () => {
  const accepted = [1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n];
  const refused = [0n, 2n ** 53n + 1n, 2n ** 53n + 2n, 2n ** 63n, 2n ** 64n - 1n];

  it('MessagePack: uint 64 in [1, 2^53] accepted exactly, 0 and beyond refused', () => {
    for (const id of accepted) expect(outcome(msgpackSerializer, msgpackPublished('cf' + u64(id)))).toEqual(published(1, Number(id)));
    for (const id of refused) expect(outcome(msgpackSerializer, msgpackPublished('cf' + u64(id)))).toBe('refused');
    // int 64, and negatives in every width
    expect(outcome(msgpackSerializer, msgpackPublished('d3' + u64(2n ** 53n)))).toEqual(published(1, MAX_ID));
    for (const neg of ['ff', 'd0ff', 'd1ffff', 'd2ffffffff', 'd3ffffffffffffffff']) {
      expect(outcome(msgpackSerializer, msgpackPublished(neg))).toBe('refused');
    }
    // Floats are not IDs, except the exact integers a float can hold.
    expect(outcome(msgpackSerializer, msgpackPublished('cb3ff8000000000000'))).toBe('refused'); // 1.5
    expect(outcome(msgpackSerializer, msgpackPublished('cb4340000000000000'))).toEqual(published(1, MAX_ID)); // 2^53
    expect(outcome(msgpackSerializer, msgpackPublished('cb4340000000000001'))).toBe('refused'); // 2^53 + 2
  });

  it('CBOR: 8-byte arguments in [1, 2^53] accepted exactly, 0 and beyond refused', () => {
    for (const id of accepted) expect(outcome(cborSerializer, cborPublished('1b' + u64(id)))).toEqual(published(1, Number(id)));
    for (const id of refused) expect(outcome(cborSerializer, cborPublished('1b' + u64(id)))).toBe('refused');
    expect(outcome(cborSerializer, cborPublished('00'))).toBe('refused');
    for (const neg of ['20', '3b' + u64(2n ** 53n - 1n), '3b' + u64(2n ** 63n)]) {
      expect(outcome(cborSerializer, cborPublished(neg))).toBe('refused');
    }
    expect(outcome(cborSerializer, cborPublished('fb3ff8000000000000'))).toBe('refused');
    expect(outcome(cborSerializer, cborPublished('fb4340000000000000'))).toEqual(published(1, MAX_ID));
    expect(outcome(cborSerializer, cborPublished('fb4340000000000001'))).toBe('refused');
  });

  it('JSON: number literals in [1, 2^53] accepted, others refused', () => {
    for (const id of ['1', '4294967296', '9007199254740991', '9007199254740992', '9.007199254740992e15']) {
      expect(outcome(jsonSerializer, `[17,1,${id}]`)).toEqual(published(1, Number(id)));
    }
    for (const id of ['0', '-1', '1.5', '9007199254740994', '18446744073709551615', '1e300', '"1"', 'null', 'true']) {
      expect(outcome(jsonSerializer, `[17,1,${id}]`)).toBe('refused');
    }
  });

  it('the plain codecs writing numbers: the same verdicts in every serializer', () => {
    const rawMsgpack = new RawMsgpackEncoder();
    const rawMsgpack64 = new RawMsgpackEncoder({ useBigInt64: true });
    const rawCbor = new RawCborEncoder({ useRecords: false, mapsAsObjects: true });
    const cases: [number | bigint, boolean][] = [
      [0, false],
      [1, true],
      [2 ** 53, true],
      [2n ** 53n, true],
      [2n ** 53n + 1n, false],
      [2 ** 53 + 2, false],
      [2n ** 64n - 1n, false],
      [-1, false],
    ];
    for (const [id, ok] of cases) {
      const frames: [Serializer, Frame][] = [
        [msgpackSerializer, typeof id === 'bigint' ? rawMsgpack64.encode([17, 1, id]) : rawMsgpack.encode([17, 1, id])],
        [cborSerializer, rawCbor.encode([17, 1, id])],
      ];
      if (typeof id === 'number') frames.push([jsonSerializer, JSON.stringify([17, 1, id])]);
      for (const [ser, frame] of frames) {
        const got = outcome(ser, frame);
        expect(got, `${ser.name} ${id}`).toEqual(ok ? published(1, Number(id)) : 'refused');
      }
    }
  });

  it('2^53 round-trips through our encoders as an integer in every serializer', () => {
    for (const ser of [jsonSerializer, msgpackSerializer, cborSerializer]) {
      const f = encodeMessage(ser, published(MAX_ID, MAX_ID));
      expect(decodeMessage(ser, f)).toEqual(published(MAX_ID, MAX_ID));
    }
    expect(encodeMessage(jsonSerializer, published(MAX_ID, 1))).toBe('[17,9007199254740992,1]');
  });
});

describe('request 0', () => {
  it('is a revocation in UNSUBSCRIBED only with Details.subscription', () => {
    for (const ser of [jsonSerializer, msgpackSerializer, cborSerializer]) {
      const revoke = unsubscribed(0, { subscription: 7, reason: 'wamp.close.killed' });
      expect(decodeMessage(ser, encodeMessage(ser, revoke))).toEqual(revoke);
      expect(outcome(ser, encodeMessage(ser, unsubscribed(0)))).toBe('refused');
      expect(outcome(ser, encodeMessage(ser, unsubscribed(0, {})))).toBe('refused');
    }
  });
});
