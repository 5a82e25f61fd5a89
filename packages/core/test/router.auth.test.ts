import { describe, expect, it } from 'vitest';
import {
  ErrorUri,
  MessageType,
  WampError,
  abort,
  authenticate,
  call,
  challenge,
  cryptosignClientSignature,
  cryptosignHelloAuthextra,
  error,
  hello,
  hexDecode,
  hexEncode,
  isoTimestamp,
  msgpackSerializer,
  publish,
  published,
  register,
  scramClientFinal,
  scramClientFirst,
  scramDeriveCredential,
  scramVerifyServerSignature,
  subscribe,
  wampcraClientSignature,
  yield_,
  type Challenge,
  type Dict,
  type Invocation,
  type Welcome,
} from '@wamp/core';
import { nodeCryptoProvider } from '@wamp/client/node-crypto';
import { authVectors, seeded } from './auth-providers.js';
import { FULL_ROLES, RouterNet, type TestClient } from './harness/router-net.js';

const crypto = seeded(nodeCryptoProvider(), 7);

function net(realm: Dict, extra: Dict = {}): RouterNet {
  return new RouterNet({ realms: [{ name: 'realm1', ...realm }], ...extra }, { crypto });
}

function helloWith(c: TestClient, details: Dict): void {
  c.send(hello('realm1', { roles: FULL_ROLES, ...details }));
}

function welcomed(c: TestClient): Welcome {
  const m = c.one();
  if (m.type !== MessageType.WELCOME) throw new Error(`expected WELCOME, got ${JSON.stringify(m)}`);
  return m;
}

function challenged(c: TestClient): Challenge {
  const m = c.one();
  if (m.type !== MessageType.CHALLENGE) throw new Error(`expected CHALLENGE, got ${JSON.stringify(m)}`);
  return m;
}

describe('authentication: ticket', () => {
  const realm = { auth: { ticket: { type: 'static', principals: { joe: { ticket: 's3cret', authrole: 'user', authextra: { tier: 1 } } } } } };

  it('welcomes the right ticket with the principal identity', () => {
    const n = net(realm);
    const c = n.connect();
    helloWith(c, { authmethods: ['ticket'], authid: 'joe' });
    expect(c.one()).toEqual(challenge('ticket', {}));
    c.send(authenticate('s3cret'));
    expect(welcomed(c).details).toMatchObject({ authid: 'joe', authrole: 'user', authmethod: 'ticket', authprovider: 'static', authextra: { tier: 1 } });
  });

  it.each([
    ['a wrong ticket', 'joe', 'nope'],
    ['an unknown authid', 'ann', 's3cret'],
  ])('aborts with authentication_failed for %s', (_name, authid, ticket) => {
    const n = net(realm);
    const c = n.connect();
    helloWith(c, { authmethods: ['ticket'], authid });
    c.take();
    c.send(authenticate(ticket));
    expect(c.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'invalid ticket' }));
    expect(n.router.inspect('realm1')!.sessions).toEqual([]);
  });

  it('needs an authid', () => {
    const c = net(realm).connect();
    helloWith(c, { authmethods: ['ticket'] });
    expect(c.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.AUTHENTICATION_FAILED });
  });

  it('asks a dynamic authenticator function with the ticket in the details', async () => {
    const seen: unknown[] = [];
    const n = net({
      auth: {
        ticket: {
          type: 'dynamic',
          authenticator: (realm: string, authid: string | undefined, details: Dict) => {
            seen.push([realm, authid, details['ticket'], details['session'], details['transport']]);
            if (details['ticket'] !== 'ok') throw new WampError('wamp.error.not_authorized', ['bad ticket']);
            return Promise.resolve({ role: 'user', extra: { from: 'db' } });
          },
        },
      },
    });
    const c = n.connect();
    helloWith(c, { authmethods: ['ticket'], authid: 'joe' });
    c.take();
    c.send(authenticate('ok'));
    expect(c.session.state.tag).toBe('authenticating');
    await n.settleAuth();
    const w = welcomed(c);
    expect(w.details).toMatchObject({ authid: 'joe', authrole: 'user', authmethod: 'ticket', authprovider: 'dynamic', authextra: { from: 'db' } });
    expect(seen).toEqual([['realm1', 'joe', 'ok', w.session, { type: 'websocket', serializer: 'json', peer: 'test' }]]);
    const d = n.connect();
    helloWith(d, { authmethods: ['ticket'], authid: 'joe' });
    d.take();
    d.send(authenticate('wrong'));
    await n.settleAuth();
    expect(d.one()).toEqual(abort('wamp.error.not_authorized', { message: 'bad ticket' }));
  });
});

describe('authentication: anonymous', () => {
  it('a dynamic anonymous authenticator picks the role', async () => {
    const n = net({ auth: { anonymous: { type: 'dynamic', authenticator: () => 'guest' } } });
    const c = n.connect();
    helloWith(c, {});
    await n.settleAuth();
    expect(welcomed(c).details).toMatchObject({ authrole: 'guest', authmethod: 'anonymous', authprovider: 'dynamic' });
  });

  it('a principal whose role the realm lacks is refused with no_such_role', () => {
    const n = net({ roles: [{ name: 'user', permissions: [] }] });
    const c = n.connect();
    helloWith(c, {});
    expect(c.one()).toEqual(abort(ErrorUri.NO_SUCH_ROLE, { message: 'no role "anonymous" in realm "realm1"' }));
  });

  it('a full realm is refused', () => {
    const n = net({ limits: { maxSessionsPerRealm: 1 } });
    n.join();
    const c = n.connect();
    helloWith(c, {});
    expect(c.one()).toMatchObject({ type: MessageType.ABORT, reason: 'wamp.error.limit_exceeded' });
  });
});

describe('authentication: wampcra', () => {
  const cra = {
    auth: {
      wampcra: {
        type: 'static',
        principals: {
          peter: { secret: 'secret1', authrole: 'user' },
          salty: { secret: 'L3L1YUE8Txlw', authrole: 'user', salt: 'salt123', iterations: 1000, keylen: 32 },
        },
      },
    },
  };

  it('challenges with the spec fields and welcomes the right signature', async () => {
    const n = net(cra);
    const c = n.connect();
    helloWith(c, { authmethods: ['wampcra'], authid: 'peter' });
    const ch = challenged(c);
    expect(ch.authMethod).toBe('wampcra');
    const info = JSON.parse(ch.extra['challenge'] as string) as Dict;
    expect(info).toEqual({
      authid: 'peter',
      authrole: 'user',
      authmethod: 'wampcra',
      authprovider: 'static',
      nonce: expect.stringMatching(/^[0-9a-f]{64}$/),
      timestamp: isoTimestamp(n.now),
      session: expect.any(Number),
    });
    c.send(authenticate(await wampcraClientSignature(crypto, 'secret1', ch.extra)));
    const [e] = n.takeEvents('authenticate');
    expect(e!.request).toMatchObject({ kind: 'wampcra', secret: 'secret1', challenge: ch.extra['challenge'] });
    n.router.completeAuthentication(e!.session, await n.router.runAuth(e!), n.now);
    n.flush();
    const w = welcomed(c);
    // The challenge binds the session ID the session then gets.
    expect(w.session).toBe(info['session']);
    expect(w.details).toMatchObject({ authid: 'peter', authmethod: 'wampcra' });
  });

  it('salted: announces salt, iterations and keylen and verifies with the derived key', async () => {
    const n = net(cra);
    const c = n.connect();
    helloWith(c, { authmethods: ['wampcra'], authid: 'salty' });
    const ch = challenged(c);
    expect(ch.extra).toMatchObject({ salt: 'salt123', iterations: 1000, keylen: 32 });
    c.send(authenticate(await wampcraClientSignature(crypto, 'L3L1YUE8Txlw', ch.extra)));
    await n.settleAuth();
    expect(welcomed(c).details['authid']).toBe('salty');
  });

  it('aborts a wrong signature and an unknown authid', async () => {
    const n = net(cra);
    const c = n.connect();
    helloWith(c, { authmethods: ['wampcra'], authid: 'peter' });
    const ch = challenged(c);
    c.send(authenticate(await wampcraClientSignature(crypto, 'wrong', ch.extra)));
    await n.settleAuth();
    expect(c.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'invalid signature' }));
    // An unknown authid gets a mock challenge like a real one, then fails like a wrong secret (no enumeration).
    const d = n.connect();
    helloWith(d, { authmethods: ['wampcra'], authid: 'nobody' });
    const mock = challenged(d);
    expect(Object.keys(mock.extra).sort()).toEqual(Object.keys(ch.extra).sort());
    d.send(authenticate(await wampcraClientSignature(crypto, 'secret1', mock.extra)));
    await n.settleAuth();
    expect(d.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'invalid signature' }));
  });

  it('times out a client that never answers the challenge', () => {
    const n = net(cra, { timeouts: { auth: 2000 } });
    const c = n.connect();
    helloWith(c, { authmethods: ['wampcra'], authid: 'peter' });
    challenged(c);
    n.advance(2000);
    expect(c.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'authentication timed out' }));
  });

  it('drops a verdict that arrives after the session closed', async () => {
    const n = net(cra);
    const c = n.connect();
    helloWith(c, { authmethods: ['wampcra'], authid: 'peter' });
    const ch = challenged(c);
    c.send(authenticate(await wampcraClientSignature(crypto, 'secret1', ch.extra)));
    const [e] = n.takeEvents('authenticate');
    c.dropTransport();
    expect(n.router.completeAuthentication(e!.session, { kind: 'verified' }, n.now)).toBe(false);
    expect(n.router.inspect('realm1')!.sessions).toEqual([]);
  });

  it('refuses a verdict of the wrong kind', async () => {
    const n = net(cra);
    const c = n.connect();
    helloWith(c, { authmethods: ['wampcra'], authid: 'peter' });
    challenged(c);
    c.send(authenticate('x'));
    const [e] = n.takeEvents('authenticate');
    expect(n.router.completeAuthentication(e!.session, { kind: 'principal', result: 'admin' }, n.now)).toBe(false);
    expect(c.session.state.tag).toBe('authenticating');
  });
});

describe('authentication: dynamic authenticator procedure (the Crossbar way)', () => {
  function setup(trusted = true) {
    const n = net({ auth: { wampcra: { type: 'procedure', procedure: 'com.example.authenticate' } } });
    const authenticator = n.connect(msgpackSerializer, { transport: 'internal', authid: 'auth', authrole: 'authenticator', trusted });
    authenticator.send(hello('realm1', { roles: FULL_ROLES }));
    const w = welcomed(authenticator);
    expect(w.details).toMatchObject({ authid: 'auth', authrole: 'authenticator', authmethod: 'trusted', authprovider: 'internal' });
    authenticator.register('com.example.authenticate');
    return { n, authenticator };
  }

  it('calls the procedure with [realm, authid, details], then challenges with the secret it returned', async () => {
    const { n, authenticator } = setup();
    const c = n.connect();
    helloWith(c, { authmethods: ['wampcra'], authid: 'peter', authextra: { x: 1 } });
    const i = authenticator.one() as Invocation;
    expect(i.type).toBe(MessageType.INVOCATION);
    expect(i.args).toEqual(['realm1', 'peter', expect.objectContaining({ authmethod: 'wampcra', authid: 'peter', authextra: { x: 1 }, session: expect.any(Number) })]);
    expect(c.take()).toEqual([]);
    authenticator.send(yield_(i.request, { args: [{ role: 'user', secret: 'dyn' }] }));
    const ch = challenged(c);
    expect(JSON.parse(ch.extra['challenge'] as string)).toMatchObject({ authid: 'peter', authrole: 'user', authprovider: 'dynamic' });
    c.send(authenticate(await wampcraClientSignature(crypto, 'dyn', ch.extra)));
    await n.settleAuth();
    expect(welcomed(c).details).toMatchObject({ authid: 'peter', authrole: 'user', authprovider: 'dynamic' });
  });

  it('aborts with the error the procedure raised', () => {
    const { n, authenticator } = setup();
    const c = n.connect();
    helloWith(c, { authmethods: ['wampcra'], authid: 'peter' });
    const i = authenticator.one() as Invocation;
    authenticator.send(error(MessageType.INVOCATION, i.request, 'com.example.no_such_user', { args: ['who?'] }));
    expect(c.one()).toEqual(abort('com.example.no_such_user', { message: 'who?' }));
  });

  it('aborts when the answer is malformed, when the authenticator leaves, and interrupts it when the client leaves', () => {
    const { n, authenticator } = setup();
    const a = n.connect();
    helloWith(a, { authmethods: ['wampcra'], authid: 'peter' });
    authenticator.send(yield_((authenticator.one() as Invocation).request, { args: [{ role: 'user' }] }));
    expect(a.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'the authenticator gave an invalid answer' }));
    expect(n.takeEvents('warning')).toMatchObject([{ code: 'authenticator_result', message: 'wampcra needs a secret' }]);
    const b = n.connect();
    helloWith(b, { authmethods: ['wampcra'], authid: 'peter' });
    const i = authenticator.one() as Invocation;
    b.dropTransport();
    expect(authenticator.one()).toEqual({ type: MessageType.INTERRUPT, request: i.request, options: { mode: 'killnowait', reason: ErrorUri.CANCELED } });
    const c = n.connect();
    helloWith(c, { authmethods: ['wampcra'], authid: 'peter' });
    authenticator.take();
    authenticator.dropTransport();
    expect(c.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'the authenticator left' }));
  });

  it('never uses an untrusted registrant', () => {
    const { n } = setup(false);
    const c = n.connect();
    helloWith(c, { authmethods: ['wampcra'], authid: 'peter' });
    expect(c.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'the authenticator is not available' }));
    expect(n.takeEvents('warning')).toMatchObject([{ code: 'authenticator_unavailable' }]);
  });
});

describe('authentication: cryptosign', () => {
  const vectors = authVectors<{ vectors: { private_key: string; channel_id: string | null }[] }>('cryptosign.json').vectors;
  const seed = hexDecode(vectors[0]!.private_key)!;
  const otherSeed = hexDecode(vectors[1]!.private_key)!;

  async function realm(): Promise<Dict> {
    const pub = hexEncode(await crypto.ed25519PublicKey(seed));
    return { auth: { cryptosign: { type: 'static', principals: { 'client01@example.com': { authorizedKeys: [pub], authrole: 'device' } } } } };
  }

  it('identifies the client by its key, challenges and verifies', async () => {
    const n = net(await realm());
    const c = n.connect();
    helloWith(c, { authmethods: ['cryptosign'], authextra: await cryptosignHelloAuthextra(crypto, seed) });
    const ch = challenged(c);
    expect(ch.extra).toEqual({ challenge: expect.stringMatching(/^[0-9a-f]{64}$/), channel_binding: null });
    c.send(authenticate(await cryptosignClientSignature(crypto, seed, ch.extra)));
    await n.settleAuth();
    expect(welcomed(c).details).toMatchObject({ authid: 'client01@example.com', authrole: 'device', authmethod: 'cryptosign' });
  });

  it('refuses an unknown key, a wrong signature, and a malformed pubkey', async () => {
    const n = net(await realm());
    const a = n.connect();
    helloWith(a, { authmethods: ['cryptosign'], authextra: await cryptosignHelloAuthextra(crypto, otherSeed) });
    expect(a.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.AUTHENTICATION_FAILED });
    const b = n.connect();
    helloWith(b, { authmethods: ['cryptosign'], authextra: await cryptosignHelloAuthextra(crypto, seed) });
    const ch = challenged(b);
    b.send(authenticate(await cryptosignClientSignature(crypto, otherSeed, ch.extra)));
    await n.settleAuth();
    expect(b.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.AUTHENTICATION_FAILED });
    const c = n.connect();
    helloWith(c, { authmethods: ['cryptosign'], authextra: { pubkey: 'abc' } });
    expect(c.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.PROTOCOL_VIOLATION });
  });

  it('binds to the TLS channel when the client asks and the transport knows the channel ID', async () => {
    const channelId = hexDecode(vectors[3]!.channel_id!)!;
    const n = net(await realm());
    const c = n.connect(undefined, { channelId, channelBinding: 'tls-unique' });
    helloWith(c, { authmethods: ['cryptosign'], authextra: await cryptosignHelloAuthextra(crypto, seed, { channelBinding: 'tls-unique' }) });
    const ch = challenged(c);
    expect(ch.extra['channel_binding']).toBe('tls-unique');
    c.send(authenticate(await cryptosignClientSignature(crypto, seed, ch.extra, { channelBinding: 'tls-unique', channelId })));
    await n.settleAuth();
    welcomed(c);
    // A signature over the bare challenge does not pass on a bound channel.
    const d = n.connect(undefined, { channelId, channelBinding: 'tls-unique' });
    helloWith(d, { authmethods: ['cryptosign'], authextra: await cryptosignHelloAuthextra(crypto, seed, { channelBinding: 'tls-unique' }) });
    const ch2 = challenged(d);
    d.send(authenticate(await cryptosignClientSignature(crypto, seed, { challenge: ch2.extra['challenge'] })));
    await n.settleAuth();
    expect(d.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.AUTHENTICATION_FAILED });
  });
});

describe('authentication: wamp-scram', () => {
  it('runs the exchange and returns the server signature in WELCOME', async () => {
    const credential = await scramDeriveCredential(crypto, 'pencil', { kdf: 'pbkdf2', iterations: 1000 });
    const n = net({ auth: { 'wamp-scram': { type: 'static', principals: { user: { ...credential, authrole: 'frontend' } } } } });
    for (const [password, ok] of [
      ['pencil', true],
      ['pen', false],
    ] as const) {
      const c = n.connect();
      const first = scramClientFirst(crypto);
      helloWith(c, { authmethods: ['wamp-scram'], authid: 'user', authextra: first.authextra });
      const ch = challenged(c);
      expect(ch.extra).toMatchObject({ kdf: 'pbkdf2', iterations: 1000, salt: credential.salt, nonce: expect.stringMatching(new RegExp(`^${first.nonce.replace(/[+/=]/g, '\\$&')}`)) });
      const fin = await scramClientFinal(crypto, password, first.nonce, ch.extra, 'user');
      c.send(authenticate(fin.signature, fin.authextra));
      await n.settleAuth();
      if (ok) {
        const w = welcomed(c);
        expect(w.details).toMatchObject({ authid: 'user', authrole: 'frontend', authmethod: 'wamp-scram' });
        expect(scramVerifyServerSignature(fin.expectedServerSignature, w.details['authextra'] as Dict)).toBe(true);
      } else {
        expect(c.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'invalid signature' }));
      }
    }
  });
});

describe('authorization', () => {
  const roles = [
    {
      name: 'user',
      permissions: [
        { uri: 'com.app', match: 'prefix', allow: { call: true, subscribe: true, register: true } },
        { uri: 'com.app.admin', match: 'prefix', allow: {} },
        { uri: 'com.app.news', allow: { publish: true, subscribe: true }, disclose: { publisher: 'force' } },
        { uri: 'com.app.secret', allow: { call: true }, disclose: { caller: 'deny' } },
        { uri: 'org..public', match: 'wildcard', allow: { publish: true } },
      ],
    },
    { name: 'backend', permissions: [{ uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } }] },
    {
      name: 'scripted',
      authorizer: (r: { action: string; uri: string }) => {
        if (r.uri === 'com.boom') throw new Error('bug');
        return r.action === 'call' && r.uri === 'com.app.open';
      },
    },
  ];
  const principals = {
    u: { ticket: 't', authrole: 'user' },
    b: { ticket: 't', authrole: 'backend' },
    s: { ticket: 't', authrole: 'scripted' },
  };
  const setup = () => net({ roles, auth: { ticket: { type: 'static', principals } } });

  it('the most specific permission wins, and a denial never tells whether the URI exists', () => {
    const n = setup();
    const backend = n.joinTicket('b', 't');
    backend.register('com.app.admin.reset');
    const u = n.joinTicket('u', 't');
    u.send(call(1, 'com.app.admin.reset'));
    u.send(call(2, 'com.app.admin.nothing'));
    u.send(call(3, 'com.app.nothing'));
    u.send(call(4, 'org.other'));
    expect(u.take()).toEqual([
      error(MessageType.CALL, 1, ErrorUri.NOT_AUTHORIZED),
      error(MessageType.CALL, 2, ErrorUri.NOT_AUTHORIZED),
      error(MessageType.CALL, 3, ErrorUri.NO_SUCH_PROCEDURE),
      error(MessageType.CALL, 4, ErrorUri.NOT_AUTHORIZED),
    ]);
    u.send(subscribe(5, 'org.x'));
    u.send(subscribe(6, 'com.app.x'));
    u.send(register(7, 'com.app.admin.x'));
    const [denied, ok, denied2] = u.take();
    expect(denied).toEqual(error(MessageType.SUBSCRIBE, 5, ErrorUri.NOT_AUTHORIZED));
    expect(ok).toMatchObject({ type: MessageType.SUBSCRIBED, request: 6 });
    expect(denied2).toEqual(error(MessageType.REGISTER, 7, ErrorUri.NOT_AUTHORIZED));
  });

  it('publish: denied answered when acknowledged; wildcard permissions; forced disclosure', () => {
    const n = setup();
    const u = n.joinTicket('u', 't');
    const listener = n.joinTicket('u', 't');
    listener.send(subscribe(1, 'com.app.news'));
    listener.take();
    u.send(publish(1, 'com.app.x', undefined, { acknowledge: true }));
    expect(u.one()).toEqual(error(MessageType.PUBLISH, 1, ErrorUri.NOT_AUTHORIZED));
    u.send(publish(2, 'com.app.x'));
    expect(u.take()).toEqual([]);
    u.send(publish(3, 'org.x.public', undefined, { acknowledge: true }));
    expect(u.one()).toMatchObject({ type: MessageType.PUBLISHED, request: 3 });
    u.send(publish(4, 'com.app.news', { args: [1] }, { acknowledge: true }));
    const ack = u.one();
    expect(ack).toEqual(published(4, expect.any(Number)));
    expect(listener.one()).toMatchObject({ details: { publisher: u.sessionId, publisher_authid: 'u', publisher_authrole: 'user' } });
  });

  it('caller disclosure denied: disclose_me fails, disclose_caller is not honoured', () => {
    const n = setup();
    const backend = n.joinTicket('b', 't');
    backend.register('com.app.secret', { disclose_caller: true });
    const u = n.joinTicket('u', 't');
    u.send(call(1, 'com.app.secret', undefined, { disclose_me: true }));
    expect(u.one()).toEqual(error(MessageType.CALL, 1, 'wamp.error.option_disallowed.disclose_me'));
    u.send(call(2, 'com.app.secret'));
    expect((backend.one() as Invocation).details).toEqual({});
  });

  it('a dynamic authorizer decides; one that throws gives authorization_failed', () => {
    const n = setup();
    const s = n.joinTicket('s', 't');
    s.send(call(1, 'com.app.open'));
    s.send(call(2, 'com.app.closed'));
    s.send(call(3, 'com.boom'));
    expect(s.take()).toEqual([
      error(MessageType.CALL, 1, ErrorUri.NO_SUCH_PROCEDURE),
      error(MessageType.CALL, 2, ErrorUri.NOT_AUTHORIZED),
      error(MessageType.CALL, 3, ErrorUri.AUTHORIZATION_FAILED),
    ]);
  });

  it('meta procedures are authorized like any procedure', () => {
    const n = setup();
    const u = n.joinTicket('u', 't');
    u.send(call(1, 'wamp.session.kill_all'));
    expect(u.one()).toEqual(error(MessageType.CALL, 1, ErrorUri.NOT_AUTHORIZED));
    const b = n.joinTicket('b', 't');
    b.send(call(1, 'wamp.session.count'));
    expect(b.one()).toMatchObject({ type: MessageType.RESULT, args: [2] });
  });

  it('a trusted internal session skips authorization', () => {
    const n = setup();
    const app = n.connect(msgpackSerializer, { transport: 'internal', authrole: 'nobody', trusted: true });
    helloWith(app, {});
    expect(welcomed(app).details).toMatchObject({ authrole: 'nobody', authmethod: 'trusted' });
    app.send(register(1, 'org.anything'));
    expect(app.one()).toMatchObject({ type: MessageType.REGISTERED });
    // An untrusted internal session with a role the realm lacks is refused.
    const other = n.connect(msgpackSerializer, { transport: 'internal', authrole: 'nobody' });
    helloWith(other, {});
    expect(other.one()).toMatchObject({ type: MessageType.ABORT, reason: ErrorUri.NO_SUCH_ROLE });
  });

  it('identity fields are for internal transports only', () => {
    const n = setup();
    expect(() => n.router.openSession({ transport: 'websocket', serializer: msgpackSerializer, trusted: true }, n.now)).toThrow(/internal sessions only/);
  });
});
