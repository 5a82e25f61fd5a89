import { describe, expect, it } from 'vitest';
import { LocalProtocolError } from '@wamp/core';
import { joined, subscribed, violation } from './harness/scripted-router.js';

describe('publisher', () => {
  it('sends PUBLISH with every option, exclude_me false included', () => {
    const r = joined();
    r.run((s) =>
      s.publish(
        'com.myapp.topic1',
        { args: ['Hello'], kwargs: { color: 'orange' } },
        {
          acknowledge: true,
          excludeMe: false,
          exclude: [7891255, 1245751],
          excludeAuthid: ['bob'],
          excludeAuthrole: ['guest'],
          eligible: [7891255],
          eligibleAuthid: ['alice'],
          eligibleAuthrole: ['admin'],
          discloseMe: true,
          retain: true,
        },
      ),
    );
    expect(r.sent()).toEqual([
      [
        16,
        1,
        {
          acknowledge: true,
          exclude_me: false,
          exclude: [7891255, 1245751],
          exclude_authid: ['bob'],
          exclude_authrole: ['guest'],
          eligible: [7891255],
          eligible_authid: ['alice'],
          eligible_authrole: ['admin'],
          disclose_me: true,
          retain: true,
        },
        'com.myapp.topic1',
        ['Hello'],
        { color: 'orange' },
      ],
    ]);
  });

  it('reports PUBLISHED and publish errors when acknowledged', () => {
    const r = joined();
    r.run((s) => s.publish('com.a', undefined, { acknowledge: true }));
    r.run((s) => s.publish('com.b', undefined, { acknowledge: true }));
    r.recv([17, 1, 4429313566]);
    r.recv([8, 16, 2, {}, 'wamp.error.not_authorized']);
    expect(r.events()).toMatchObject([
      { type: 'published', request: 1, publication: 4429313566 },
      { type: 'error', request: 2, kind: 'publish', error: { uri: 'wamp.error.not_authorized' } },
    ]);
  });

  it('expects no answer to an unacknowledged PUBLISH', () => {
    const r = joined();
    r.run((s) => s.publish('com.a'));
    expect(r.sent()).toEqual([[16, 1, {}, 'com.a']]);
    expect(r.session.pollTimeout()).toBeUndefined();
    r.recv([17, 1, 5]);
    violation(r, 'PUBLISHED for request 1, which is not pending');
  });
});

describe('subscriber', () => {
  it('sends SUBSCRIBE with match and get_retained and reports SUBSCRIBED', () => {
    const r = joined();
    r.run((s) => s.subscribe('com.myapp', { match: 'prefix' }));
    r.run((s) => s.subscribe('com..update', { match: 'wildcard', getRetained: true }));
    expect(r.sent()).toEqual([
      [32, 1, { match: 'prefix' }, 'com.myapp'],
      [32, 2, { match: 'wildcard', get_retained: true }, 'com..update'],
    ]);
    r.recv([33, 2, 301]);
    r.recv([8, 32, 1, {}, 'wamp.error.not_authorized']);
    expect(r.events()).toMatchObject([
      { type: 'subscribed', request: 2, subscription: 301, topic: 'com..update' },
      { type: 'error', request: 1, kind: 'subscribe', error: { uri: 'wamp.error.not_authorized' } },
    ]);
  });

  it('delivers EVENT with the subscribed topic and publisher details', () => {
    const r = subscribed();
    r.recv([36, 300, 4429313566, { publisher: 3335656, publisher_authid: 'joe' }, ['Hello'], { color: 'orange' }]);
    expect(r.events()).toEqual([
      {
        type: 'event',
        subscription: 300,
        publication: 4429313566,
        topic: 'com.t',
        details: { publisher: 3335656, publisher_authid: 'joe' },
        // Decoded once from Details ("Publisher Identification").
        publisher: 3335656,
        publisherAuthid: 'joe',
        retained: false,
        args: ['Hello'],
        kwargs: { color: 'orange' },
      },
    ]);
  });

  it('takes the topic from Details.topic for a pattern subscription, and flags retained events', () => {
    const r = joined();
    r.run((s) => s.subscribe('com.myapp', { match: 'prefix', getRetained: true }));
    r.recv([33, 1, 77]);
    r.recv([36, 77, 1, { topic: 'com.myapp.topic1', retained: true }]);
    expect(r.events()).toMatchObject([
      { type: 'subscribed' },
      { type: 'event', topic: 'com.myapp.topic1', details: { retained: true }, retained: true, args: [], kwargs: {} },
    ]);
  });

  it('reports the same subscription ID to a second SUBSCRIBE of the topic', () => {
    const r = subscribed();
    r.run((s) => s.subscribe('com.t'));
    r.recv([33, 2, 300]);
    r.recv([36, 300, 9, {}]);
    expect(r.events()).toMatchObject([
      { type: 'subscribed', request: 2, subscription: 300 },
      { type: 'event', subscription: 300, publication: 9 },
    ]);
  });

  it('drops events that arrive while unsubscribing; an event after UNSUBSCRIBED is a violation', () => {
    const r = subscribed();
    expect(r.run((s) => s.unsubscribe(300))).toBe(2);
    expect(r.sent()).toEqual([[34, 2, 300]]);
    expect(() => r.run((s) => s.unsubscribe(300))).toThrow(LocalProtocolError);
    r.recv([36, 300, 1, {}]);
    expect(r.events()).toEqual([]);
    r.recv([35, 2]);
    expect(r.events()).toEqual([{ type: 'unsubscribed', request: 2, subscription: 300 }]);
    r.recv([36, 300, 2, {}]);
    violation(r, 'EVENT for subscription 300, which this session does not hold');
  });

  it('an UNSUBSCRIBE error leaves the subscription active', () => {
    const r = subscribed();
    r.run((s) => s.unsubscribe(300));
    r.recv([8, 34, 2, {}, 'wamp.error.no_such_subscription']);
    r.recv([36, 300, 1, {}]);
    expect(r.events()).toMatchObject([
      { type: 'error', request: 2, kind: 'unsubscribe', error: { uri: 'wamp.error.no_such_subscription' } },
      { type: 'event', subscription: 300 },
    ]);
  });

  it('a SUBSCRIBED that crosses an UNSUBSCRIBE of the same ID does not revive it', () => {
    const r = subscribed();
    r.run((s) => s.subscribe('com.t'));
    r.run((s) => s.unsubscribe(300));
    r.recv([33, 2, 300]);
    r.recv([36, 300, 1, {}]);
    r.recv([35, 3]);
    expect(r.events().map((e) => e.type)).toEqual(['subscribed', 'unsubscribed']);
    expect(() => r.run((s) => s.unsubscribe(300))).toThrow(/no active subscription 300/);
  });

  it('handles subscription revocation (UNSUBSCRIBED with request 0)', () => {
    const r = subscribed();
    r.recv([35, 0, { subscription: 300, reason: 'no longer authorized' }]);
    expect(r.events()).toEqual([{ type: 'subscriptionRevoked', subscription: 300, reason: 'no longer authorized' }]);
    r.recv([36, 300, 1, {}]);
    violation(r, 'EVENT for subscription 300, which this session does not hold');
  });

  it('a revocation of a subscription this session does not hold is a violation', () => {
    const r = subscribed();
    r.recv([35, 0, { subscription: 301 }]);
    violation(r, 'UNSUBSCRIBED revokes subscription 301, which this session does not hold');
  });

  it('an EVENT for a subscription never made is a violation', () => {
    const r = joined();
    r.recv([36, 5, 1, {}]);
    violation(r, 'EVENT for subscription 5, which this session does not hold');
  });
});
