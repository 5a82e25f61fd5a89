import { describe, expect, it } from 'vitest';
import { ErrorUri, MessageType, call, hello, publish, register, subscribe } from '@wamp/core';
import { BASIC_ROLES, RouterNet } from './harness/router-net.js';

// Basic profile, "Incorrect URIs": "When a Peer provides an incorrect URI for
// any URI-based attribute of a WAMP message (e.g. realm, topic), then the other
// Peer MUST respond with an ERROR message and give the Error URI
// wamp.error.invalid_uri". The session stays open.
const STRICT = { realms: [{ name: 'realm1' }], uriRule: 'strict' };

describe('router: incorrect URIs', () => {
  it.each([
    ['CALL', MessageType.CALL, (id: number) => call(id, 'com.App.Add')],
    ['REGISTER', MessageType.REGISTER, (id: number) => register(id, 'com.app.bad uri')],
    ['SUBSCRIBE', MessageType.SUBSCRIBE, (id: number) => subscribe(id, 'com..topic')],
    ['PUBLISH', MessageType.PUBLISH, (id: number) => publish(id, 'com.app.#')],
  ] as const)('answers %s with ERROR invalid_uri and keeps the session', (_name, type, make) => {
    const net = new RouterNet(STRICT);
    const c = net.join();
    const id = c.req();
    c.send(make(id));
    const reply = c.one();
    expect(reply).toMatchObject({ type: MessageType.ERROR, requestType: type, request: id, error: ErrorUri.INVALID_URI });
    expect(c.closed).toBeUndefined();
    // The request took its place in the request ID sequence: the next one works.
    const next = c.req();
    c.send(subscribe(next, 'com.app.topic'));
    expect(c.one()).toMatchObject({ type: MessageType.SUBSCRIBED, request: next });
  });

  it('still aborts a request whose ID is out of sequence, even with a bad URI', () => {
    const net = new RouterNet(STRICT);
    const c = net.join();
    c.send(call(7, 'com.App.Add'));
    expect(c.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.PROTOCOL_VIOLATION });
  });

  it('refuses a HELLO for an incorrect realm URI with ABORT invalid_uri', () => {
    const net = new RouterNet(STRICT);
    const c = net.connect();
    c.send(hello('Realm One', { roles: BASIC_ROLES }));
    expect(c.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.INVALID_URI });
    expect(c.closed?.reason).toBe(ErrorUri.INVALID_URI);
  });

  it('keeps a non-string URI a protocol violation', () => {
    const net = new RouterNet(STRICT);
    const c = net.join();
    c.sendRaw(`[48,${c.req()},{},123]`);
    expect(c.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.PROTOCOL_VIOLATION });
  });
});
