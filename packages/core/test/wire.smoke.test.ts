import { describe, expect, it } from 'vitest';
import { ProtocolViolation, call, decodeMessage, encodeMessage, jsonSerializer } from '@wamp/core';

describe('wire smoke', () => {
  it('round-trips a CALL through JSON', () => {
    const m = call(1, 'com.app.add', { args: [2, 3], kwargs: { b: new Uint8Array([1, 2]) } });
    const f = encodeMessage(jsonSerializer, m);
    expect(f).toBe('[48,1,{},"com.app.add",[2,3],{"b":"\\u0000AQI="}]');
    expect(decodeMessage(jsonSerializer, f)).toEqual(m);
  });
  it('refuses a bad option with a named reason', () => {
    expect(() => decodeMessage(jsonSerializer, '[16,1,{"acknowledge":1},"a.b"]')).toThrow(ProtocolViolation);
    expect(() => decodeMessage(jsonSerializer, '[16,1,{"acknowledge":1},"a.b"]')).toThrow(/acknowledge/);
    expect(() => decodeMessage(jsonSerializer, '{"__proto__":1}')).toThrow(ProtocolViolation);
    expect(() => decodeMessage(jsonSerializer, '[48,1,{"__proto__":{"x":1}},"a.b"]')).toThrow(/__proto__/);
  });
});
