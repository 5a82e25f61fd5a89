import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { RawFrameType, RawSocketReader, concat, frame, framingCaseArb, handshake, parseHandshakeReply } from '@wamp/fuzz';

const SEED = 424242;

describe('RawSocket framing for the fuzzer', () => {
  test('handshake and frame headers follow the layout of the profile', () => {
    expect([...handshake(2, 15)]).toEqual([0x7f, 0xf2, 0, 0]);
    expect([...handshake(1, 0, 0x0102, 0x47)]).toEqual([0x47, 0x01, 0x01, 0x02]);
    expect([...frame(RawFrameType.PING, Uint8Array.of(9, 8)).subarray(0, 4)]).toEqual([0x01, 0, 0, 2]);
    // Exactly 2^24 octets: the X bit set and the 24 length bits cleared.
    expect([...frame(RawFrameType.MESSAGE, new Uint8Array(0), { lengthOverride: 1 << 24 }).subarray(0, 4)]).toEqual([0x08, 0, 0, 0]);
    expect([...frame(RawFrameType.MESSAGE, Uint8Array.of(1), { reservedBits: 0xa }).subarray(0, 4)]).toEqual([0xa0, 0, 0, 1]);
  });

  test('handshake replies are read strictly', () => {
    expect(parseHandshakeReply(Uint8Array.of(0x7f, 0xf1, 0, 0), 1)).toEqual({ kind: 'accepted', serializerId: 1, maxLength: 2 ** 24 });
    expect(parseHandshakeReply(Uint8Array.of(0x7f, 0x10, 0, 0), 1)).toEqual({ kind: 'refused', errorCode: 1 });
    expect(parseHandshakeReply(Uint8Array.of(0x7f, 0x00, 0, 0), 1).kind).toBe('malformed');
    expect(parseHandshakeReply(Uint8Array.of(0x7f, 0xf2, 0, 0), 1).kind).toBe('malformed');
    expect(parseHandshakeReply(Uint8Array.of(0x7e, 0xf1, 0, 0), 1).kind).toBe('malformed');
    expect(parseHandshakeReply(Uint8Array.of(0x7f, 0xf1, 0, 1), 1).kind).toBe('malformed');
  });

  test('a stream cut into any chunks reads as the same frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(0, 1, 2), fc.uint8Array({ maxLength: 40 })), { maxLength: 6 }),
        fc.array(fc.nat({ max: 300 }), { maxLength: 8 }),
        (frames, cuts) => {
          const bytes = concat(Uint8Array.of(0x7f, 0x91, 0, 0), ...frames.map(([t, p]) => frame(t, p)));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const reader = new RawSocketReader(1, 1 << 18);
          const got: [number, number[]][] = [];
          let prev = 0;
          for (const p of [...points, bytes.length]) {
            const out = reader.push(bytes.slice(prev, p));
            expect(out.violation).toBeUndefined();
            if (out.handshake !== undefined) expect(out.handshake).toEqual({ kind: 'accepted', serializerId: 1, maxLength: 2 ** 18 });
            for (const f of out.frames) got.push([f.type, [...f.payload]]);
            prev = p;
          }
          expect(got).toEqual(frames.map(([t, p]) => [t, [...p]]));
        },
      ),
      { seed: SEED },
    );
  });

  test('a router frame over the announced limit, of a reserved type, or with reserved bits is a violation', () => {
    const r1 = new RawSocketReader(1, 512);
    expect(r1.push(concat(Uint8Array.of(0x7f, 0xf1, 0, 0), frame(0, new Uint8Array(513)))).violation).toMatch(/more than the 512/);
    const r2 = new RawSocketReader(1, 512);
    expect(r2.push(concat(Uint8Array.of(0x7f, 0xf1, 0, 0), frame(5, new Uint8Array(1)))).violation).toMatch(/reserved type 5/);
    const r3 = new RawSocketReader(1, 512);
    expect(r3.push(concat(Uint8Array.of(0x7f, 0xf1, 0, 0), frame(0, new Uint8Array(1), { reservedBits: 1 }))).violation).toMatch(/reserved bits/);
  });

  test('framing cases cover handshakes and frames, each with allowed reactions', () => {
    const cases = fc.sample(framingCaseArb(1), { numRuns: 300, seed: SEED });
    expect(cases.some((c) => c.handshake !== undefined)).toBe(true);
    expect(cases.some((c) => c.afterJoin !== undefined)).toBe(true);
    expect(cases.some((c) => c.reactions.includes('pong'))).toBe(true);
    for (const c of cases) {
      expect(c.reactions.length).toBeGreaterThan(0);
      expect((c.handshake === undefined) !== (c.afterJoin === undefined)).toBe(true);
    }
  });
});
