/**
 * The helpers on decoded messages answer with the specification's defaults,
 * on messages as they come out of `decodeMessage` in every serializer.
 */

import { describe, expect, it } from 'vitest';
import {
  ALL_SERIALIZERS,
  call,
  decodeMessage,
  encodeMessage,
  excludesPublisher,
  invocation,
  isProgress,
  publish,
  result,
  wantsAcknowledge,
  wantsProgress,
  yield_,
  type Message,
} from '@wamp/core';

describe.each(ALL_SERIALIZERS.map((s) => [s.name, s] as const))('message helpers over %s', (_name, serializer) => {
  const wire = <M extends Message>(m: M): M => decodeMessage(serializer, encodeMessage(serializer, m)) as M;

  it('wantsAcknowledge: only an explicit acknowledge: true', () => {
    expect(wantsAcknowledge(wire(publish(1, 'com.t')))).toBe(false);
    expect(wantsAcknowledge(wire(publish(1, 'com.t', undefined, { acknowledge: true })))).toBe(true);
    expect(wantsAcknowledge(wire(publish(1, 'com.t', undefined, { acknowledge: false })))).toBe(false);
  });

  it('excludesPublisher: true unless exclude_me is false', () => {
    expect(excludesPublisher(wire(publish(1, 'com.t')))).toBe(true);
    expect(excludesPublisher(wire(publish(1, 'com.t', undefined, { exclude_me: true })))).toBe(true);
    expect(excludesPublisher(wire(publish(1, 'com.t', undefined, { exclude_me: false })))).toBe(false);
  });

  it('wantsProgress: CALL.Options and INVOCATION.Details receive_progress', () => {
    expect(wantsProgress(wire(call(1, 'com.p')))).toBe(false);
    expect(wantsProgress(wire(call(1, 'com.p', { args: [1] }, { receive_progress: true })))).toBe(true);
    expect(wantsProgress(wire(invocation(1, 2, undefined, {})))).toBe(false);
    expect(wantsProgress(wire(invocation(1, 2, undefined, { receive_progress: true })))).toBe(true);
    // The other dictionary does not count: receive_progress is an option of CALL, a detail of INVOCATION.
    expect(wantsProgress(wire(invocation(1, 2, undefined, { progress: true })))).toBe(false);
  });

  it('isProgress: RESULT/INVOCATION details, YIELD/CALL options', () => {
    expect(isProgress(wire(result(1)))).toBe(false);
    expect(isProgress(wire(result(1, { args: ['part'] }, { progress: true })))).toBe(true);
    expect(isProgress(wire(yield_(1, { args: ['part'] }, { progress: true })))).toBe(true);
    expect(isProgress(wire(yield_(1, { args: ['last'] })))).toBe(false);
    expect(isProgress(wire(call(1, 'com.p', { args: [1] }, { progress: true })))).toBe(true);
    expect(isProgress(wire(invocation(1, 2, { args: [1] }, { progress: true })))).toBe(true);
    expect(isProgress(wire(invocation(1, 2, { args: [1] }, { receive_progress: true })))).toBe(false);
  });
});
