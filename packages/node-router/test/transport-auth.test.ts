// Authentication from transport information over real sockets: cookies of
// the WebSocket upgrade (the router's own store, and a cookie an HTTP route
// set), TLS client certificates (mutual TLS on wss:// and rss://), the chain
// that falls back from a transport method to a challenge method, and WAMP-CRA
// split into a requirement and an identity provider.

import type { ClientRequest, IncomingMessage } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cookie, ticket, tlsCertificate, wampcra, type AuthMethod } from '@wamp/client';
import { rawSocketTransport } from '@wamp/rawsocket';
import { nodeWebSocketTransport } from '@wamp/ws/node';
import type { Dict, SessionInfo } from '@wamp/core';
import { createRouter } from '@wamp/node-router';
import { makeClientCerts, type CertFiles, type ClientCerts } from './certs.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { validateNodeRouterConfig } from '@wamp/node-router';
import {
  Cleanup,
  RouterProcess,
  TLS_CA,
  TLS_CERT_FILE,
  TLS_KEY_FILE,
  addressOf,
  assertBuilt,
  captureLogs,
  joinSession,
  quietLogger,
  startRouter,
  tempDir,
  writeJson,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A WebSocket transport that sends `cookieHeader` and reports the cookies the upgrade response set. */
function wsWithCookies(url: string, cookieHeader: string | undefined, got: string[] = [], tls?: Dict) {
  return nodeWebSocketTransport({
    url,
    connectTimeoutMs: 5_000,
    wsOptions: {
      ...(cookieHeader === undefined ? {} : { headers: { cookie: cookieHeader } }),
      ...tls,
      finishRequest: (req: ClientRequest) => {
        req.on('upgrade', (res: IncomingMessage) => got.push(...(res.headers['set-cookie'] ?? [])));
        req.end();
      },
    },
  });
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const m = /\((wamp\.[a-z_.]+)\)/.exec((e as Error).message);
    return m?.[1] ?? (e as Error).message;
  }
  throw new Error('expected the join to be refused');
}

const TICKET_AUTH = { type: 'static', principals: { alice: { ticket: 'secret-1', authrole: 'user' } } };

describe('cookie authentication, with the router\'s own cookie store', () => {
  it('binds the cookie set on the upgrade to a ticket login; the next connection is welcomed by the cookie alone', async () => {
    const router = await startRouter(cleanup, { realms: [{ name: 'realm1', auth: { cookie: { type: 'static' }, ticket: TICKET_AUTH } }] });
    const url = addressOf(router, 'websocket').url;
    const set: string[] = [];
    // No cookie yet: the cookie method passes on to ticket, which the client offered next.
    const first = await joinSession(cleanup, wsWithCookies(url, undefined, set), { realm: 'realm1', authid: 'alice', auth: [cookie(), ticket('secret-1')] });
    expect(first.session.authmethod).toBe('ticket');
    expect(set).toHaveLength(1);
    expect(set[0]).toMatch(/^cbtid=[A-Za-z0-9_-]{32}; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax$/);
    const jar = set[0]!.split(';')[0]!;

    const again: string[] = [];
    const second = await joinSession(cleanup, wsWithCookies(url, jar, again), { realm: 'realm1', authid: 'alice', auth: [cookie(), ticket('wrong')] });
    expect(second.session.authmethod).toBe('cookie');
    expect(second.session.authid).toBe('alice');
    expect(second.session.authrole).toBe('user');
    // A known cookie is kept, not replaced.
    expect(again).toEqual([]);
  });

  it('never binds a cookie the client chose (session fixation), and refuses an unknown one', async () => {
    const logs = captureLogs('info');
    const router = await startRouter(cleanup, { realms: [{ name: 'realm1', auth: { cookie: { type: 'static' }, ticket: TICKET_AUTH } }] }, logs.logger);
    const url = addressOf(router, 'websocket').url;
    const set: string[] = [];
    // A planted cookie: unknown, so the router replaces it and the login binds the fresh one.
    const s = await joinSession(cleanup, wsWithCookies(url, 'cbtid=planted-by-attacker', set), { realm: 'realm1', authid: 'alice', auth: [cookie(), ticket('secret-1')] });
    expect(s.session.authmethod).toBe('ticket');
    expect(set[0]).not.toContain('planted-by-attacker');
    const reason = await refusal(joinSession(cleanup, wsWithCookies(url, 'cbtid=planted-by-attacker'), { realm: 'realm1', auth: cookie() }));
    expect(reason).toBe('wamp.error.authentication_failed');
    // The refusal is logged at warn, with the method and why.
    const refused = logs.records.find((r) => r['msg'] === 'session refused' && r['authmethod'] === 'cookie');
    expect(refused?.['level']).toBe('warn');
    expect(String(refused?.['message'])).toContain('cookie is not known');
  });

  it('a cookie an HTTP route set, checked by a dynamic authenticator that reads the transport information', async () => {
    const logins = new Map<string, string>();
    const seen: SessionInfo[] = [];
    const router = createRouter(
      {
        realms: [
          {
            name: 'realm1',
            auth: {
              cookie: {
                type: 'dynamic',
                authenticator: (_realm: string, _authid: string | undefined, details: Dict, transport: SessionInfo) => {
                  seen.push(transport);
                  expect((details['transport'] as Dict)['cookies']).toEqual(transport.http?.cookies);
                  const user = logins.get(transport.http?.cookies['app_session'] ?? '');
                  return user === undefined ? null : { authid: user, role: 'user' };
                },
              },
              ticket: TICKET_AUTH,
            },
          },
        ],
        listeners: [],
      },
      { logger: quietLogger() },
    );
    cleanup.add(() => router.close());
    // The application's own HTTP route logs in and sets its session cookie; WAMP is served beside it.
    const http = createHttpServer((req, res) => {
      if (req.url === '/login') {
        logins.set('tok-42', 'bob');
        res.writeHead(204, { 'Set-Cookie': 'app_session=tok-42; HttpOnly; Path=/' }).end();
      } else res.writeHead(404).end();
    });
    router.attach(http, { path: '/ws' });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanup.add(() => new Promise<void>((r) => http.close(() => r())));
    cleanup.add(() => http.closeAllConnections());
    const port = (http.address() as AddressInfo).port;

    const login = await fetch(`http://127.0.0.1:${port}/login`);
    const jar = login.headers.get('set-cookie')!.split(';')[0]!;
    const { session } = await joinSession(cleanup, wsWithCookies(`ws://127.0.0.1:${port}/ws`, jar), { realm: 'realm1', authid: 'bob', auth: [cookie(), ticket('x')] });
    expect(session.authmethod).toBe('cookie');
    expect(session.authid).toBe('bob');
    expect(seen[0]?.http?.headers['cookie']).toBe(jar);
    expect(seen[0]?.peer).toMatch(/^tcp4:127\.0\.0\.1:\d+$/);

    // No login: the authenticator answers null, and the chain goes on to ticket.
    const other = await joinSession(cleanup, wsWithCookies(`ws://127.0.0.1:${port}/ws`, 'app_session=nope'), { realm: 'realm1', authid: 'alice', auth: [cookie(), ticket('secret-1')] });
    expect(other.session.authmethod).toBe('ticket');
  });
});

describe('mutual TLS', () => {
  let certs: ClientCerts;
  beforeAll(() => {
    certs = makeClientCerts();
  });
  afterAll(() => certs.dispose());

  function tlsListeners(): Dict[] {
    const tls = { cert: TLS_CERT_FILE, key: TLS_KEY_FILE, ca: certs.ca.certFile, requestCert: true };
    return [
      { type: 'websocket', host: '127.0.0.1', port: 0, tls },
      { type: 'rawsocket', host: '127.0.0.1', port: 0, tls },
    ];
  }

  function transports(router: Awaited<ReturnType<typeof startRouter>>, who: CertFiles | undefined) {
    const client = who === undefined ? {} : { cert: who.cert, key: who.key };
    return {
      wss: nodeWebSocketTransport({ url: addressOf(router, 'websocket', true).url, connectTimeoutMs: 5_000, wsOptions: { ca: TLS_CA, ...client } }),
      rss: rawSocketTransport({ url: addressOf(router, 'rawsocket', true).url, connectTimeoutMs: 5_000, tlsOptions: { ca: TLS_CA, ...client } }),
    };
  }

  it.each(['wss', 'rss'] as const)('%s: a verified client certificate authenticates as its subject CN', async (kind) => {
    const router = await startRouter(cleanup, {
      realms: [{ name: 'realm1', auth: { tls: { type: 'static', authrole: 'device' }, ticket: TICKET_AUTH } }],
      listeners: tlsListeners(),
    });
    const { session } = await joinSession(cleanup, transports(router, certs.alice)[kind], { realm: 'realm1', auth: tlsCertificate() });
    expect(session.authmethod).toBe('tls');
    expect(session.authid).toBe('alice');
    expect(session.authrole).toBe('device');
  });

  it.each(['wss', 'rss'] as const)('%s: a certificate that does not verify falls back to ticket, or is refused alone', async (kind) => {
    const router = await startRouter(cleanup, {
      realms: [{ name: 'realm1', auth: { tls: { type: 'static', authrole: 'device' }, ticket: TICKET_AUTH } }],
      listeners: tlsListeners(),
    });
    const fallback = await joinSession(cleanup, transports(router, certs.rogue)[kind], { realm: 'realm1', authid: 'alice', auth: [tlsCertificate(), ticket('secret-1')] });
    expect(fallback.session.authmethod).toBe('ticket');
    expect(await refusal(joinSession(cleanup, transports(router, certs.rogue)[kind], { realm: 'realm1', auth: tlsCertificate() }))).toBe('wamp.error.authentication_failed');
    expect(await refusal(joinSession(cleanup, transports(router, undefined)[kind], { realm: 'realm1', auth: tlsCertificate() }))).toBe('wamp.error.authentication_failed');
  });

  it('pins a principal to its fingerprint, and hands the verified chain to a dynamic authenticator', async () => {
    const seen: { info: SessionInfo; details: Dict }[] = [];
    const router = await startRouter(cleanup, {
      realms: [
        {
          name: 'pinned',
          auth: { tls: { type: 'static', principals: { alice: { authrole: 'admin', fingerprints: ['00'.repeat(32)] } } } },
        },
        {
          name: 'dyn',
          auth: {
            tls: {
              type: 'dynamic',
              authenticator: (_r: string, _a: string | undefined, details: Dict, info: SessionInfo) => {
                seen.push({ info, details });
                const c = info.tls?.certificate;
                return info.tls?.authorized === true && c !== undefined ? { authid: `${String(c.subject['CN'])}@${String(c.subject['O'])}`, role: 'user' } : null;
              },
            },
          },
        },
      ],
      listeners: tlsListeners(),
    });
    // The certificate is alice's, but not the pinned one.
    expect(await refusal(joinSession(cleanup, transports(router, certs.alice).rss, { realm: 'pinned', auth: tlsCertificate() }))).toBe('wamp.error.authentication_failed');
    const { session } = await joinSession(cleanup, transports(router, certs.alice).wss, { realm: 'dyn', auth: tlsCertificate() });
    expect(session.authid).toBe('alice@Example');
    const { info, details } = seen[0]!;
    expect(info.tls?.chain.map((c) => c.subject['CN'])).toEqual(['alice', 'Test Client CA']);
    const der = certs.alice.cert.toString('latin1').replace(/-----[^-]+-----|\s/g, '');
    expect(Buffer.from(info.tls!.certificate!.raw).toString('base64')).toBe(der);
    const cc = (details['transport'] as Dict)['client_cert'] as Dict;
    expect(cc['authorized']).toBe(true);
    expect((cc['subject'] as Dict)['CN']).toBe('alice');
    expect(cc['fingerprint256']).toBe(info.tls?.certificate?.fingerprint256);
  });
});

describe('the configuration file', () => {
  it('mutual TLS and cookie authentication from a config file run by wamp-router (and the JSON schema accepts it)', async () => {
    assertBuilt(['core', 'client', 'ws', 'rawsocket', 'node-router']);
    const certs = makeClientCerts();
    cleanup.add(() => certs.dispose());
    const dir = tempDir(cleanup);
    const config = {
      realms: [
        {
          name: 'realm1',
          auth: {
            tls: { type: 'static', principals: { alice: { authrole: 'device' } } },
            cookie: { type: 'static', name: 'wampauth', maxAgeMs: 3_600_000 },
            ticket: { type: 'static', principals: { alice: { ticket: 'secret-1', authrole: 'user' } } },
          },
        },
      ],
      listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0, tls: { cert: TLS_CERT_FILE, key: TLS_KEY_FILE, ca: certs.ca.certFile, requestCert: true } }],
      heartbeatMs: 0,
    };
    const schema = JSON.parse(readFileSync(new URL('../config.schema.json', import.meta.url), 'utf8')) as Dict;
    const valid = new Ajv({ allErrors: true, strict: true }).compile(schema);
    expect(valid(config) ? [] : valid.errors).toEqual([]);
    expect(valid({ ...config, realms: [{ name: 'r', auth: { tls: { type: 'static' } } }] })).toBe(false);
    expect(() => validateNodeRouterConfig({ realms: [{ name: 'r', auth: { tls: { type: 'static' } } }] })).toThrow(/needs principals or an authrole/);
    expect(() => validateNodeRouterConfig({ listeners: [{ type: 'websocket', port: 0, tls: { cert: 'c', key: 'k', rejectUnauthorized: true } }] })).toThrow(/needs requestCert/);

    const proc = RouterProcess.start(cleanup, ['--config', writeJson(join(dir, 'router.json'), config)]);
    const [url] = await proc.listening(1);
    const set: string[] = [];
    const { session } = await joinSession(cleanup, wsWithCookies(url!, undefined, set, { ca: TLS_CA, cert: certs.alice.cert, key: certs.alice.key }), {
      realm: 'realm1',
      auth: [cookie(), tlsCertificate()],
    });
    // No cookie yet: passed on to tls; the certificate's login binds the cookie the router set (Secure over TLS).
    expect(session.authmethod).toBe('tls');
    expect(session.authrole).toBe('device');
    expect(set[0]).toMatch(/^wampauth=[A-Za-z0-9_-]+; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    const again = await joinSession(cleanup, wsWithCookies(url!, set[0]!.split(';')[0], [], { ca: TLS_CA }), { realm: 'realm1', auth: cookie() });
    expect(again.session.authmethod).toBe('cookie');
    expect(again.session.authid).toBe('alice');
  });
});

describe('WAMP-CRA split into a requirement and an identity provider', () => {
  it('asks for the identity only after the signature verified', async () => {
    const identities: string[] = [];
    const router = await startRouter(cleanup, {
      realms: [
        {
          name: 'realm1',
          auth: {
            wampcra: {
              type: 'split',
              requirement: (_realm: string, authid: string) => (authid === 'carol' ? { secret: 'pw', salt: 'salt123', iterations: 100, keylen: 32 } : null),
              identity: (_realm: string, authid: string) => {
                identities.push(authid);
                return { role: 'editor', extra: { team: 'docs' } };
              },
            },
          },
        },
      ],
    });
    const url = addressOf(router, 'websocket').url;
    const join = (authid: string, m: AuthMethod) => joinSession(cleanup, nodeWebSocketTransport({ url, connectTimeoutMs: 5_000 }), { realm: 'realm1', authid, auth: m });
    expect(await refusal(join('carol', wampcra('wrong')))).toBe('wamp.error.authentication_failed');
    expect(await refusal(join('nobody', wampcra('pw')))).toBe('wamp.error.authentication_failed');
    expect(identities).toEqual([]);
    const { session } = await join('carol', wampcra('pw'));
    expect(session.authrole).toBe('editor');
    expect(session.details['authextra']).toEqual({ team: 'docs' });
    expect(identities).toEqual(['carol']);
  });
});
