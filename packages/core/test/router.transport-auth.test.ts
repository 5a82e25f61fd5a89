// The transport methods (cookie, tls) and chains, split WAMP-CRA, on the
// sans-IO router with a virtual clock: no sockets, no real time.

import { describe, expect, it } from 'vitest';
import {
  ErrorUri,
  MessageType,
  abort,
  authenticate,
  challenge,
  hello,
  wampcraClientSignature,
  type Challenge,
  type Dict,
  type HttpUpgradeInfo,
  type SessionInfo,
  type TlsCertificate,
  type TlsClientInfo,
  type Welcome,
} from '@wamp/core';
import { nodeCryptoProvider } from '@wamp/client/node-crypto';
import { seeded } from './auth-providers.js';
import { FULL_ROLES, RouterNet, type TestClient } from './harness/router-net.js';

const crypto = seeded(nodeCryptoProvider(), 11);
const TICKET = { type: 'static', principals: { joe: { ticket: 's3cret', authrole: 'user' } } };

function helloWith(c: TestClient, details: Dict): void {
  c.send(hello('realm1', { roles: FULL_ROLES, ...details }));
}

function welcomed(c: TestClient): Welcome {
  const m = c.one();
  if (m.type !== MessageType.WELCOME) throw new Error(`expected WELCOME, got ${JSON.stringify(m)}`);
  return m;
}

function http(cookies: Record<string, string>, issued?: string): { http: HttpUpgradeInfo } {
  return { http: { url: '/ws', headers: {}, cookies, ...(issued !== undefined ? { issuedCookie: issued } : {}) } };
}

function cert(cn: string, fingerprint = 'AB:'.repeat(31) + 'AB'): TlsCertificate {
  return { subject: { CN: cn }, issuer: { CN: 'CA' }, fingerprint256: fingerprint, serialNumber: '01', validFrom: '', validTo: '', raw: new Uint8Array([0x30]) };
}

function tls(authorized: boolean, c?: TlsCertificate): { tls: TlsClientInfo } {
  return { tls: { authorized, ...(c ? { certificate: c } : {}), chain: c ? [c] : [], ...(authorized ? {} : { authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }) } };
}

describe('cookie: the router\'s own store', () => {
  const config = (extra: Dict = {}) => ({ realms: [{ name: 'realm1', auth: { cookie: { type: 'static', maxAgeMs: 60_000, ...extra }, ticket: TICKET } }] });

  function loginWithTicket(n: RouterNet, info: Partial<SessionInfo>): void {
    const c = n.connect(undefined, info);
    helloWith(c, { authmethods: ['cookie', 'ticket'], authid: 'joe' });
    expect(c.one()).toEqual(challenge('ticket', {}));
    c.send(authenticate('s3cret'));
    expect(welcomed(c).details['authmethod']).toBe('ticket');
  }

  it('binds a cookie the router set to the ticket login, admits it until maxAgeMs passes', () => {
    const n = new RouterNet(config(), { crypto });
    loginWithTicket(n, http({ cbtid: 'c1' }, 'cbtid'));
    const again = n.connect(undefined, http({ cbtid: 'c1' }));
    helloWith(again, { authmethods: ['cookie'] });
    expect(welcomed(again).details).toMatchObject({ authid: 'joe', authrole: 'user', authmethod: 'cookie', authprovider: 'cookie' });
    // Another authid than the cookie's passes on (here: nothing left).
    const other = n.connect(undefined, http({ cbtid: 'c1' }));
    helloWith(other, { authmethods: ['cookie'], authid: 'ann' });
    expect(other.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: "the cbtid cookie is not ann's" }));
    n.advance(60_000);
    const late = n.connect(undefined, http({ cbtid: 'c1' }));
    helloWith(late, { authmethods: ['cookie'] });
    expect(late.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'the cbtid cookie is not known' }));
  });

  it('never binds a cookie the client brought, nor one without a WebSocket', () => {
    const n = new RouterNet(config(), { crypto });
    loginWithTicket(n, http({ cbtid: 'chosen' }));
    const c = n.connect(undefined, http({ cbtid: 'chosen' }));
    helloWith(c, { authmethods: ['cookie'] });
    expect(c.one().type).toBe(MessageType.ABORT);
    const raw = n.connect(undefined, { transport: 'rawsocket' });
    helloWith(raw, { authmethods: ['cookie'] });
    expect(raw.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'cookie authentication needs a WebSocket transport' }));
  });

  it('a full store forgets the oldest cookie, with a warning', () => {
    const n = new RouterNet(config(), { crypto, maxAuthCookies: 1 });
    loginWithTicket(n, http({ cbtid: 'first' }, 'cbtid'));
    expect(n.takeEvents('warning')).toEqual([]);
    loginWithTicket(n, http({ cbtid: 'second' }, 'cbtid'));
    expect(n.takeEvents('warning').map((w) => w.code)).toEqual(['auth_cookies_full']);
    const c = n.connect(undefined, http({ cbtid: 'first' }));
    helloWith(c, { authmethods: ['cookie'] });
    expect(c.one().type).toBe(MessageType.ABORT);
  });
});

describe('tls', () => {
  const realm = (tlsAuth: Dict) => ({ realms: [{ name: 'realm1', auth: { tls: tlsAuth, ticket: TICKET } }] });

  it('admits a verified certificate by its CN; pins by fingerprint; never an unverified one', () => {
    const n = new RouterNet(realm({ type: 'static', principals: { dev: { authrole: 'device' }, root: { authrole: 'admin', fingerprints: ['CD'.repeat(32)] } } }), { crypto });
    const ok = n.connect(undefined, tls(true, cert('dev')));
    helloWith(ok, { authmethods: ['tls'] });
    expect(welcomed(ok).details).toMatchObject({ authid: 'dev', authrole: 'device', authmethod: 'tls', authprovider: 'static' });
    // An authid other than the CN needs a pinned principal: root's fingerprint is given, in any spelling.
    const pinned = n.connect(undefined, tls(true, cert('someone', 'cd:'.repeat(31) + 'cd')));
    helloWith(pinned, { authmethods: ['tls'], authid: 'root' });
    expect(welcomed(pinned).details['authrole']).toBe('admin');
    const notPinned = n.connect(undefined, tls(true, cert('root')));
    helloWith(notPinned, { authmethods: ['tls'] });
    expect(notPinned.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: "the TLS client certificate is not one of root's" }));
    const claim = n.connect(undefined, tls(true, cert('dev')));
    helloWith(claim, { authmethods: ['tls'], authid: 'other' });
    expect(claim.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'no TLS principal for other' }));
    const unverified = n.connect(undefined, tls(false, cert('dev')));
    helloWith(unverified, { authmethods: ['tls'] });
    expect(unverified.one()).toEqual(abort(ErrorUri.AUTHENTICATION_FAILED, { message: 'the TLS client certificate did not verify (UNABLE_TO_VERIFY_LEAF_SIGNATURE)' }));
  });

  it('passes on, in the client\'s order, down to a challenge method', () => {
    const n = new RouterNet({ realms: [{ name: 'realm1', auth: { tls: { type: 'static', authrole: 'device' }, cookie: { type: 'static' }, ticket: TICKET } }] }, { crypto });
    const c = n.connect(undefined, { ...tls(false), ...http({}) });
    helloWith(c, { authmethods: ['tls', 'wampcra', 'cookie', 'ticket'], authid: 'joe' });
    expect(c.one()).toEqual(challenge('ticket', {}));
    c.send(authenticate('s3cret'));
    expect(welcomed(c).details['authmethod']).toBe('ticket');
  });

  it('a dynamic authenticator gets the transport information and may pass on with null', async () => {
    const seen: SessionInfo[] = [];
    const n = new RouterNet(
      realm({
        type: 'dynamic',
        authenticator: (_r: string, _a: string | undefined, details: Dict, info: SessionInfo) => {
          seen.push(info);
          expect((details['transport'] as Dict)['client_cert']).toMatchObject({ subject: { CN: 'dev' }, authorized: true });
          return info.peer === 'tcp4:10.0.0.7:1' ? { authid: 'by-address', role: 'device' } : null;
        },
      }),
      { crypto },
    );
    const a = n.connect(undefined, { ...tls(true, cert('dev')), peer: 'tcp4:10.0.0.7:1' });
    helloWith(a, { authmethods: ['tls', 'ticket'], authid: 'joe' });
    await n.settleAuth();
    expect(welcomed(a).details).toMatchObject({ authid: 'by-address', authmethod: 'tls', authprovider: 'dynamic' });
    const b = n.connect(undefined, tls(true, cert('dev')));
    helloWith(b, { authmethods: ['tls', 'ticket'], authid: 'joe' });
    await n.settleAuth();
    expect(b.one()).toEqual(challenge('ticket', {}));
    expect(seen[0]!.tls?.certificate?.subject['CN']).toBe('dev');
  });
});

describe('WAMP-CRA split', () => {
  it('the identity provider runs only after the signature verified; an unknown authid fails like a wrong secret', async () => {
    const calls: string[] = [];
    const n = new RouterNet(
      {
        realms: [
          {
            name: 'realm1',
            auth: {
              wampcra: {
                type: 'split',
                requirement: (_r: string, authid: string) => (authid === 'carol' ? { secret: 'pw' } : null),
                identity: (_r: string, authid: string) => {
                  calls.push(authid);
                  return 'editor';
                },
              },
            },
          },
        ],
      },
      { crypto },
    );
    const attempt = async (authid: string, secret: string): Promise<TestClient> => {
      const c = n.connect();
      helloWith(c, { authmethods: ['wampcra'], authid });
      await n.settleAuth();
      const ch = c.one() as Challenge;
      expect(ch.type).toBe(MessageType.CHALLENGE);
      c.send(authenticate(await wampcraClientSignature(crypto, secret, ch.extra)));
      await n.settleAuth();
      return c;
    };
    expect((await attempt('carol', 'wrong')).one().type).toBe(MessageType.ABORT);
    expect((await attempt('nobody', 'pw')).one().type).toBe(MessageType.ABORT);
    expect(calls).toEqual([]);
    expect(welcomed(await attempt('carol', 'pw')).details).toMatchObject({ authid: 'carol', authrole: 'editor', authmethod: 'wampcra' });
    expect(calls).toEqual(['carol']);
  });
});

describe('the transport step (auth.transport)', () => {
  const config = {
    realms: [
      {
        name: 'realm1',
        auth: { transport: { type: 'static', addresses: { '10.0.0.7': { authrole: 'backend', authid: 'svc' }, '::1': { authrole: 'local' } } }, ticket: TICKET },
      },
    ],
  };

  it('admits a listed address whatever the client offers; others go on to the methods offered', () => {
    const n = new RouterNet(config, { crypto });
    const a = n.connect(undefined, { peer: 'tls:tcp6:::ffff:10.0.0.7:4000' });
    helloWith(a, {});
    expect(welcomed(a).details).toMatchObject({ authid: 'svc', authrole: 'backend', authmethod: 'transport', authprovider: 'static' });
    const b = n.connect(undefined, { peer: 'tcp6:::1:4000' });
    helloWith(b, { authmethods: ['ticket'], authid: '::1' });
    expect(welcomed(b).details).toMatchObject({ authid: '::1', authrole: 'local', authmethod: 'transport' });
    // Another authid than the address's: on to ticket.
    const c = n.connect(undefined, { peer: 'tcp4:10.0.0.7:4000' });
    helloWith(c, { authmethods: ['ticket'], authid: 'joe' });
    expect(c.one()).toEqual(challenge('ticket', {}));
    const d = n.connect(undefined, { peer: 'tcp4:10.0.0.8:4000' });
    helloWith(d, {});
    expect(d.one()).toEqual(abort(ErrorUri.NO_MATCHING_AUTH_METHOD, { message: 'realm "realm1" accepts none of anonymous (no identity for the address 10.0.0.8)' }));
  });

  it('a dynamic step sees the transport information and may pass on', async () => {
    const n = new RouterNet(
      {
        realms: [
          {
            name: 'realm1',
            auth: {
              transport: { type: 'dynamic', authenticator: (_r: string, _a: string | undefined, _d: Dict, info: SessionInfo) => (info.http?.cookies['k'] === 'v' ? { authid: 'kv', role: 'r' } : null) },
              ticket: TICKET,
            },
          },
        ],
      },
      { crypto },
    );
    const a = n.connect(undefined, http({ k: 'v' }));
    helloWith(a, {});
    await n.settleAuth();
    expect(welcomed(a).details).toMatchObject({ authid: 'kv', authmethod: 'transport', authprovider: 'dynamic' });
    const b = n.connect(undefined, http({}));
    helloWith(b, { authmethods: ['ticket'], authid: 'joe' });
    await n.settleAuth();
    expect(b.one()).toEqual(challenge('ticket', {}));
  });
});
