import { describe, expect, it } from 'vitest';
import { ProtocolViolation, cborSerializer, decodeMessage, type Call } from '@wamp/core';

const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
// [48, 1, {}, "a.b", [<items>]] with the list header for `count` items.
const callWith = (count: number, items: string): Uint8Array => hex(`851830 01 a0 63612e62 ${(0x80 + count).toString(16)} ${items}`.replace(/ /g, ''));

// RFC 8949 §3.4.3: tags 2 and 3 spell integers as byte strings. Peers (node-cbor
// in Autobahn|JS) write ±2^53 that way; within ±2^53 they are integers like any other.
describe('CBOR bignums', () => {
  it('reads tag 2 and tag 3 within ±2^53 as numbers', () => {
    const m = decodeMessage(cborSerializer, callWith(3, 'c24720000000000000' + 'c3471fffffffffffff' + 'c24105')) as Call;
    expect(m.args).toEqual([2 ** 53, -(2 ** 53), 5]);
  });

  it.each([
    ['2^53 + 1', 'c24720000000000001'],
    ['-2^53 - 1', 'c34720000000000000'],
    ['a 9-byte bignum', 'c249010000000000000000'],
    ['a bignum that is not a byte string', 'c205'],
    ['a truncated bignum', 'c2472000'],
  ])('refuses %s', (_name, item) => {
    expect(() => decodeMessage(cborSerializer, callWith(1, item))).toThrow(ProtocolViolation);
  });
});
