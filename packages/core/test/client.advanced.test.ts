import { describe, expect, it } from 'vitest';
import { CLIENT_ROLES } from '@wamp/core';
import { registered } from './harness/scripted-router.js';

describe('callee-side call timeout (virtual clock)', () => {
  it('announces call_timeout as a callee', () => {
    expect((CLIENT_ROLES['callee'] as { features: Record<string, unknown> }).features['call_timeout']).toBe(true);
  });

  it('interrupts the invocation when INVOCATION.Details.timeout passes; the application still answers', () => {
    const r = registered();
    r.recv([68, 7, 100, { timeout: 250 }, []]);
    expect(r.events()).toMatchObject([{ type: 'invocation', request: 7 }]);
    expect(r.session.pollTimeout()).toBeDefined();
    r.advance(249);
    expect(r.events()).toEqual([]);
    r.advance(1);
    expect(r.events()).toEqual([{ type: 'interrupt', request: 7, mode: 'kill', reason: 'wamp.error.timeout' }]);
    // Nothing goes to the router: the callee decides, and answers.
    expect(r.sent()).toEqual([]);
    expect(r.run((s) => s.yieldError(7, 'wamp.error.canceled'))).toBe(true);
    expect(r.sent()).toEqual([[8, 68, 7, {}, 'wamp.error.canceled']]);
    expect(r.session.pollTimeout()).toBeUndefined();
  });

  it('forgets the deadline of an invocation answered in time', () => {
    const r = registered();
    r.recv([68, 8, 100, { timeout: 100 }, []]);
    r.run((s) => s.yield(8));
    expect(r.session.pollTimeout()).toBeUndefined();
    r.advance(1_000);
    expect(r.events()).toMatchObject([{ type: 'invocation' }]);
  });

  it('keeps invocation and call deadlines apart (separate ID spaces)', () => {
    const r = registered();
    // Call request 2 with a timeout of 500; invocation request 2 with one of 100.
    r.run((s, now) => s.call('com.q', undefined, { timeout: 500 }, now));
    r.recv([68, 2, 100, { timeout: 100 }, []]);
    r.sent();
    r.events();
    r.advance(100);
    expect(r.events()).toEqual([{ type: 'interrupt', request: 2, mode: 'kill', reason: 'wamp.error.timeout' }]);
    r.advance(400);
    expect(r.events()).toMatchObject([{ type: 'error', request: 2, kind: 'call', error: { uri: 'wamp.error.timeout' } }]);
  });

  it('ignores a timeout that is not a positive number', () => {
    const r = registered();
    r.recv([68, 9, 100, { timeout: 0 }, []]);
    r.recv([68, 10, 100, { timeout: 'soon' }, []]);
    expect(r.session.pollTimeout()).toBeUndefined();
  });
});
