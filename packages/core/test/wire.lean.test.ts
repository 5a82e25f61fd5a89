/**
 * The faster paths of the decoding edge (src/wire/): they must refuse exactly
 * what the full checks refuse, with the same reason.
 *
 * - The lean JSON reading: a text whose length proves that no limit can bite
 *   and that has no backslash skips the `sanitize` walk but for numbers and
 *   `__proto__` keys (`jsonTextNeedsWalk`). The same text as bytes (a binary
 *   JSON frame) always takes the full walk, so decoding both and comparing
 *   the outcomes checks the lean reading against the walk, on both sides of
 *   every boundary.
 * - The cache of valid URIs in the shape checks.
 * - The table of readers by type code.
 */

import { describe, expect, it } from 'vitest';
import {
  ProtocolViolation,
  decodeMessage,
  jsonSerializer,
  resolveLimits,
  type Limits,
  type Message,
  type UriRule,
} from '@wamp/core';
import { decodeRouterMessage, jsonTextNeedsWalk } from '../src/wire/index.js';
import { ClientOnlyMessage } from '../src/wire/shape.js';

type Outcome = { ok: Message } | { refused: string };

function outcome(frame: string | Uint8Array, limits: Limits, uriRule: UriRule = 'loose'): Outcome {
  try {
    return { ok: decodeMessage(jsonSerializer, frame, { limits, uriRule }) };
  } catch (e) {
    if (!(e instanceof ProtocolViolation)) throw e;
    return { refused: e.reason };
  }
}

const utf8 = new TextEncoder();

/** The outcome of `text` (lean where the text allows) equals that of its bytes (the full walk). */
function sameAsWalk(text: string, limits: Limits): Outcome {
  const lean = outcome(text, limits);
  const walked = outcome(utf8.encode(text), limits);
  expect(lean).toEqual(walked);
  if ('ok' in lean && 'ok' in walked) {
    // toEqual looks through prototypes: compare them too (a "__proto__" key makes a null-prototype dictionary).
    expect(prototypes(lean.ok)).toEqual(prototypes(walked.ok));
  }
  return lean;
}

function prototypes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prototypes);
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return typeof v;
  return {
    proto: Object.getPrototypeOf(v) === null ? 'null' : 'object',
    entries: Object.keys(v).map((k) => [k, prototypes((v as Record<string, unknown>)[k])]),
  };
}

const BIG = resolveLimits({ maxStringLength: 1_000_000, maxContainerLength: 1_000_000, maxDepth: 1_000_000 });

describe('jsonTextNeedsWalk: the length proves the limits, on both sides of each boundary', () => {
  const text = '[36,1,2,{},["abc"]]'; // 19 characters, depth 3, longest string 3, longest list 5
  const n = text.length;

  it('depth: at most half the length', () => {
    expect(jsonTextNeedsWalk(text, { ...BIG, maxDepth: Math.ceil(n / 2) })).toBe(false);
    expect(jsonTextNeedsWalk(text, { ...BIG, maxDepth: Math.ceil(n / 2) - 1 })).toBe(true);
    expect(jsonTextNeedsWalk('[[]]', { ...BIG, maxDepth: 2 })).toBe(false);
    expect(jsonTextNeedsWalk('[[[]]]', { ...BIG, maxDepth: 2 })).toBe(true);
  });

  it('strings and keys: at most the length less two quotes', () => {
    expect(jsonTextNeedsWalk(text, { ...BIG, maxStringLength: n - 2 })).toBe(false);
    expect(jsonTextNeedsWalk(text, { ...BIG, maxStringLength: n - 3 })).toBe(true);
  });

  it('containers: at most (length - 1) / 2 elements', () => {
    expect(jsonTextNeedsWalk(text, { ...BIG, maxContainerLength: (n - 1) / 2 })).toBe(false);
    expect(jsonTextNeedsWalk(text, { ...BIG, maxContainerLength: (n - 1) / 2 - 1 })).toBe(true);
  });

  it('any backslash (an escape, perhaps of a binary string) takes the walk', () => {
    expect(jsonTextNeedsWalk('[36,1,2,{},["a\\"b"]]', BIG)).toBe(true);
    expect(jsonTextNeedsWalk('[36,1,2,{},["\\u0000AAEC"]]', BIG)).toBe(true);
  });

  it('the default limits: messages of up to 128 characters', () => {
    const limits = resolveLimits();
    expect(jsonTextNeedsWalk('[' + '1,'.repeat(62) + '12]', limits)).toBe(false); // 128
    expect(jsonTextNeedsWalk('[' + '1,'.repeat(63) + '1]', limits)).toBe(true); // 129
  });
});

describe('the lean JSON reading refuses what the walk refuses, with the same reason', () => {
  /** Every limits value from `lo` to `hi` for one key, the others out of reach. */
  function around(key: keyof Limits, lo: number, hi: number): Limits[] {
    const out: Limits[] = [];
    for (let v = lo; v <= hi; v++) out.push({ ...BIG, [key]: v });
    return out;
  }

  it('a string at the length limit, on both sides of it and of the lean boundary', () => {
    const text = '[36,1,2,{},["' + 'x'.repeat(20) + '"]]';
    let lean = 0;
    let refused = 0;
    for (const limits of around('maxStringLength', 15, text.length + 2)) {
      if (!jsonTextNeedsWalk(text, limits)) lean++;
      if ('refused' in sameAsWalk(text, limits)) refused++;
    }
    expect(lean).toBeGreaterThan(0);
    expect(refused).toBe(5); // limits 15..19
  });

  it('a key and a URI at the length limit', () => {
    const key = '[36,1,2,{"' + 'k'.repeat(12) + '":1}]';
    const uri = '[48,1,{},"' + 'a'.repeat(12) + '"]';
    for (const text of [key, uri]) {
      for (const limits of around('maxStringLength', 8, text.length + 2)) sameAsWalk(text, limits);
    }
    expect(outcome(key, { ...BIG, maxStringLength: 11 })).toEqual({ refused: 'dictionary key exceeds the length limit' });
    expect(outcome(uri, { ...BIG, maxStringLength: 11 })).toEqual({ refused: 'CALL: Procedure: string exceeds the length limit' });
  });

  it('lists and dictionaries at the length limit', () => {
    const list = '[36,1,2,{},[1,2,3,4,5,6,7,8]]';
    const dict = '[36,1,2,{},[],{"a":1,"b":2,"c":3,"d":4}]';
    for (const text of [list, dict]) {
      for (const limits of around('maxContainerLength', 2, text.length)) sameAsWalk(text, limits);
    }
    expect(outcome(list, { ...BIG, maxContainerLength: 7 })).toEqual({ refused: 'list exceeds the length limit' });
  });

  it('nesting at the depth limit', () => {
    const text = '[36,1,2,{},[[[[1]]]],{"a":{"b":[]}}]'; // depth 5 in Arguments
    for (const limits of around('maxDepth', 1, text.length)) sameAsWalk(text, limits);
    expect(outcome(text, { ...BIG, maxDepth: 4 })).toEqual({ refused: 'nesting exceeds the depth limit' });
    expect('ok' in outcome(text, { ...BIG, maxDepth: 5 })).toBe(true);
  });

  it('numbers JSON.parse overflows, wherever they are, before any key check', () => {
    const limits = resolveLimits();
    for (const text of [
      '[36,1,2,{},[1e400]]',
      '[36,1,2,{},[[{"a":-1e999}]]]',
      '[36,1,2,{"x":1e400}]',
      '[36,1,2,{"publisher":"me","x":1e400}]', // a key check would fail first, the walk refuses the number
      '[48,1,{"timeout":"soon","deep":[1e400]},"a.b"]',
      '[36,1,2,{},[],{"k":1e400}]',
      '[36,1,2,[1e400]]', // Details is not a dictionary, and holds an overflow
    ]) {
      expect(jsonTextNeedsWalk(text, limits)).toBe(false);
      expect(sameAsWalk(text, limits)).toEqual({ refused: 'non-finite number' });
    }
  });

  it('integers beyond 2^53, in IDs and payloads, are re-read from the text', () => {
    const limits = resolveLimits();
    expect(sameAsWalk('[36,1,2,{},[9007199254740993]]', limits)).toEqual({
      refused: 'integer 9007199254740993 cannot be carried exactly by JSON (beyond ±2^53)',
    });
    expect(sameAsWalk('[36,9007199254740993,2,{}]', limits)).toEqual({
      refused: 'integer 9007199254740993 cannot be carried exactly by JSON (beyond ±2^53)',
    });
    expect(sameAsWalk('[36,1,2,{"publisher":9007199254740993}]', limits)).toEqual({
      refused: 'integer 9007199254740993 cannot be carried exactly by JSON (beyond ±2^53)',
    });
    // Exact: 2^53 itself, and a float as JSON.stringify writes it.
    expect('ok' in sameAsWalk('[36,9007199254740992,2,{}]', limits)).toBe(true);
    expect('ok' in sameAsWalk('[36,1,2,{},[1e+21,-1e+21]]', limits)).toBe(true);
  });

  it('"__proto__" keys stay data, in Details, ArgumentsKw and nested dictionaries', () => {
    const limits = resolveLimits();
    for (const text of [
      '[36,1,2,{"__proto__":{"x":1}}]',
      '[36,1,2,{},[],{"__proto__":1}]',
      '[36,1,2,{},[{"a":{"__proto__":[]}}]]',
    ]) {
      expect(jsonTextNeedsWalk(text, limits)).toBe(false);
      const r = sameAsWalk(text, limits);
      expect('ok' in r).toBe(true);
    }
    const m = decodeMessage(jsonSerializer, '[36,1,2,{"__proto__":{"x":1}}]') as Extract<Message, { type: 36 }>;
    expect(Object.getPrototypeOf(m.details)).toBe(null);
    expect(Object.keys(m.details)).toEqual(['__proto__']);
  });

  it('shape faults and good messages of every kind read alike', () => {
    const limits = resolveLimits();
    for (const text of [
      '[1,"realm1",{"roles":{"caller":{}}}]',
      '[1,"realm1",{}]',
      '[48,1,{"timeout":5},"com.x",[1,"a"],{"k":true}]',
      '[48,1,{"timeout":-5},"com.x"]',
      '[48,1,{},"com x"]',
      '[48,0,{},"com.x"]',
      '[36,1,2,{"publisher":0}]',
      '[36,1,2,{},{}]',
      '[36,1,2,{"enc_algo":"cryptobox"},"opaque"]',
      '[50,7,{"progress":true},["x"]]',
      '[8,48,7,{},"wamp.error.no_such_procedure",[]]',
      '[32,1,{"match":"wildcard"},"com..x"]',
      '[32,1,{},"com..x"]',
      '[6,{},"wamp.close.normal"]',
      '[]',
      '[2.5]',
      '["x"]',
      '{}',
    ]) {
      expect(jsonTextNeedsWalk(text, limits)).toBe(false);
      sameAsWalk(text, limits);
    }
  });
});

describe('the cache of valid URIs never changes an answer', () => {
  it('a URI valid under the loose rule is still checked under the strict one', () => {
    expect(outcome('[48,1,{},"com.MyApp.proc"]', resolveLimits(), 'loose')).toHaveProperty('ok');
    expect(outcome('[48,1,{},"com.MyApp.proc"]', resolveLimits(), 'strict')).toEqual({
      refused: 'CALL: Procedure is not a valid URI: "com.MyApp.proc"',
    });
  });

  it('a pattern with empty components, valid for a wildcard subscription, is not learnt for other uses', () => {
    expect(outcome('[32,1,{"match":"wildcard"},"com..x"]', resolveLimits())).toHaveProperty('ok');
    expect(outcome('[32,1,{},"com..x"]', resolveLimits())).toEqual({
      refused: 'SUBSCRIBE: Topic is not a valid URI: "com..x"',
    });
    expect(outcome('[48,1,{},"com..x"]', resolveLimits())).toEqual({ refused: 'CALL: Procedure is not a valid URI: "com..x"' });
  });

  it('URIs that share a slot (same length, first and last characters) are each checked', () => {
    const uris = ['a.bcd.e', 'a.b#d.e', 'a.b d.e', 'a.xyz.e', 'a..yz.e'];
    for (let round = 0; round < 2; round++) {
      for (const uri of uris) {
        const r = outcome(`[48,1,{},"${uri}"]`, resolveLimits());
        expect('ok' in r).toBe(uri === 'a.bcd.e' || uri === 'a.xyz.e');
      }
    }
  });
});

describe('the readers by type code', () => {
  it('refuses type codes outside the table, or not integers, as before', () => {
    const refused = (text: string): string => (outcome(text, resolveLimits()) as { refused: string }).refused;
    expect(refused('[0]')).toBe('unknown message type 0');
    expect(refused('[-1]')).toBe('unknown message type -1');
    expect(refused('[71]')).toBe('unknown message type 71');
    expect(refused('[336]')).toBe('unknown message type 336');
    expect(refused('[338]')).toBe('unknown message type 338');
    expect(refused('[1e9]')).toBe('unknown message type 1000000000');
    expect(refused('[4294967297]')).toBe('unknown message type 4294967297');
    expect(refused('[36.5]')).toBe('message type must be an integer, got 36.5');
    expect(outcome('[337,5]', resolveLimits())).toEqual({ ok: { type: 337, publication: 5 } });
  });

  it('a client refuses what only clients send, and unknown codes, as before', () => {
    expect(() => decodeRouterMessage(jsonSerializer, '[48,1,{},"com.x"]')).toThrow(ClientOnlyMessage);
    expect(() => decodeRouterMessage(jsonSerializer, '[337,5]')).toThrow(ClientOnlyMessage);
    expect(() => decodeRouterMessage(jsonSerializer, '[71]')).toThrow('unknown message type 71');
    expect(decodeRouterMessage(jsonSerializer, '[36,1,2,{},["x"]]')).toEqual({
      type: 36,
      subscription: 1,
      publication: 2,
      details: {},
      args: ['x'],
    });
  });
});
