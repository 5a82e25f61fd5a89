import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  ALL_SERIALIZERS,
  MessageType,
  ProtocolViolation,
  call,
  decodeMessage,
  fromWire,
  isValidUri,
  publish,
  toWire,
  type Message,
} from '@wamp/core';
import {
  ALL_MESSAGE_TYPES,
  CLIENT_TO_ROUTER,
  STRICT_KINDS,
  anyMessageArb,
  applyByteMutations,
  badUriArb,
  byteMutationsArb,
  frameBytes,
  idArb,
  messageArb,
  mutantArb,
  optionMutantArb,
  outOfRangeIdArb,
  oversize,
  uriArb,
  valueArb,
  wampEqual,
} from '@wamp/fuzz';

const SEED = 20240601;

describe('values', () => {
  test('IDs are in [1, 2^53]; out-of-range IDs are not', () => {
    fc.assert(fc.property(idArb(), (id) => Number.isInteger(id) && id >= 1 && id <= 2 ** 53), { seed: SEED });
    fc.assert(fc.property(outOfRangeIdArb(), (id) => !(Number.isInteger(id) && id >= 1 && id <= 2 ** 53)), { seed: SEED });
  });

  test('generated URIs are strict-valid application URIs; bad URIs are valid under no rule', () => {
    fc.assert(
      fc.property(uriArb(), (u) => isValidUri(u, 'strict') && !u.startsWith('wamp.')),
      { seed: SEED },
    );
    fc.assert(fc.property(uriArb('loose'), (u) => isValidUri(u, 'loose')), { seed: SEED });
    fc.assert(fc.property(badUriArb(), (u) => !isValidUri(u, 'loose') && !isValidUri(u, 'strict')), { seed: SEED });
  });

  test('wampEqual is reflexive on values and tells a changed value apart', () => {
    fc.assert(
      fc.property(valueArb(), (v) => wampEqual(v, structuredClone(v)) && !wampEqual([v], [v, null])),
      { seed: SEED },
    );
    expect(wampEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(wampEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(wampEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(wampEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  });
});

describe('valid messages', () => {
  test('every message type has an arbitrary', () => {
    for (const t of ALL_MESSAGE_TYPES) expect(fc.sample(messageArb(t), { numRuns: 3, seed: SEED }).every((m) => m.type === t)).toBe(true);
  });

  for (const ser of ALL_SERIALIZERS) {
    test(`${ser.name}: decode(encode(m)) gives m back for every message`, () => {
      fc.assert(
        fc.property(anyMessageArb(), (m) => {
          const back = decodeMessage(ser, ser.encode(toWire(m)));
          expect(wampEqual(toWire(back), toWire(m))).toBe(true);
        }),
        { seed: SEED, numRuns: 400 },
      );
    });
  }
});

describe('mutants', () => {
  const clientMessages = anyMessageArb({}, CLIENT_TO_ROUTER);

  test('every strict mutant is refused by the @wamp/core wire checks', () => {
    fc.assert(
      fc.property(
        clientMessages.chain((m) => mutantArb(m, STRICT_KINDS)),
        (mu) => {
          expect(() => fromWire(mu.wire, { uriRule: 'loose' })).toThrow(ProtocolViolation);
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  test('strict mutants of every kind are generated', () => {
    const kinds = new Set(
      fc
        .sample(fc.oneof(messageArb(MessageType.ERROR), messageArb(MessageType.HELLO), messageArb(MessageType.CALL)).chain((m) => mutantArb(m)), {
          numRuns: 600,
          seed: SEED,
        })
        .map((mu) => mu.kind),
    );
    expect([...kinds].sort()).toEqual([...STRICT_KINDS].sort());
  });

  test('an unknown option keeps the message valid; a bad option value is a different message or refused', () => {
    fc.assert(
      fc.property(
        anyMessageArb({ passthru: false }, [MessageType.CALL, MessageType.PUBLISH, MessageType.SUBSCRIBE, MessageType.REGISTER]).chain(
          (m) => optionMutantArb(m)!,
        ),
        (mu) => {
          if (mu.kind === 'unknown-option') {
            const back = fromWire(mu.wire);
            expect(back.type).toBe(mu.base.type);
          } else {
            expect(mu.reactions).toContain('error');
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  test('the oversized payload carries the requested size', () => {
    const mu = oversize(publish(1, 'a.b', undefined, { acknowledge: true }), 5000);
    const m = fromWire(mu.wire) as Message & { args: unknown[] };
    expect((m.args[0] as string).length).toBe(5000);
    expect(() => oversize(fromWire([32, 1, {}, 'a']), 10)).toThrow(RangeError);
  });
});

describe('byte mutations', () => {
  test('are deterministic, leave the input alone, and decode only to ProtocolViolation', () => {
    const base = call(1, 'com.example.proc', { args: [1, 'two', { three: [3] }] });
    for (const ser of ALL_SERIALIZERS) {
      const bytes = frameBytes(ser.encode(toWire(base)));
      const copy = bytes.slice();
      fc.assert(
        fc.property(byteMutationsArb(), (ms) => {
          const a = applyByteMutations(bytes, ms);
          const b = applyByteMutations(bytes, ms);
          expect(wampEqual(a, b)).toBe(true);
          expect(wampEqual(bytes, copy)).toBe(true);
          const frame = ser.binary ? a : new TextDecoder().decode(a);
          try {
            decodeMessage(ser, frame);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolViolation);
          }
        }),
        { seed: SEED, numRuns: 500 },
      );
    }
  });
});
