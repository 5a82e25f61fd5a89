// Authentication flows of Session.join against a scripted router, with the
// known answers of ../shared/auth-vectors read as data.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  base64Decode,
  hexDecode,
  hexEncode,
  jsonSerializer,
  scramDeriveCredential,
  scramParseHello,
  scramServerChallenge,
  scramServerVerify,
  scramWelcomeAuthextra,
  wampcraDeriveKey,
  wampcraVerify,
  type CryptoProvider,
  type Dict,
} from '@wamp/core';
import {
  LocalProtocolError,
  ProtocolViolation,
  Session,
  SessionClosedError,
  WampError,
  anonymous,
  cryptosign,
  memoryTransportPair,
  nobleCryptoProvider,
  scram,
  ticket,
  wampcra,
  webCryptoProvider,
  type AuthMethod,
  type MemoryTransportOptions,
} from '@wamp/client';
import { FULL_ROUTER_ROLES, RouterPeer, type Wire } from './harness.js';

function vectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../../shared/auth-vectors/${name}`, import.meta.url), 'utf8')) as T;
}

interface CryptosignVector {
  channel_id: string | null;
  private_key: string;
  challenge: string;
  signature: string;
}
const CRYPTOSIGN = vectors<{ vectors: CryptosignVector[] }>('cryptosign.json').vectors;
const WAMPCRA = vectors<{
  derive_key: { secret: string; salt: string; iterations: number; keylen: number; expected_base64: string };
  compute_wcs: { key: string; challenge: string; expected_base64: string };
}>('wampcra.json');

const crypto: CryptoProvider = webCryptoProvider();

interface Join {
  readonly router: RouterPeer;
  readonly hello: Wire;
  readonly joining: Promise<Session>;
}

async function startJoin(
  auth: AuthMethod | AuthMethod[],
  authid: string | undefined,
  transportOptions: MemoryTransportOptions = {},
  provider: CryptoProvider = crypto,
): Promise<Join> {
  const [client, routerEnd] = memoryTransportPair(jsonSerializer, transportOptions);
  const router = new RouterPeer(routerEnd);
  const joining = Session.join(client, { realm: 'realm1', auth, crypto: provider, ...(authid === undefined ? {} : { authid }) });
  joining.catch(() => undefined);
  const hello = await router.next();
  return { router, hello, joining };
}

const welcome = (authmethod: string, extra: Dict = {}): Wire => [
  2,
  77,
  { roles: FULL_ROUTER_ROLES, authid: 'joe', authrole: 'user', authmethod, ...extra },
];

describe('auth: anonymous and ticket', () => {
  it('no auth option announces no authmethods', async () => {
    const [client, routerEnd] = memoryTransportPair();
    const router = new RouterPeer(routerEnd);
    void Session.join(client, { realm: 'realm1' }).catch(() => undefined);
    const hello = await router.next();
    expect(hello[2]).not.toHaveProperty('authmethods');
  });

  it('anonymous() announces anonymous', async () => {
    const { hello, router, joining } = await startJoin(anonymous(), undefined);
    expect(hello[2]).toMatchObject({ authmethods: ['anonymous'] });
    expect(hello[2]).not.toHaveProperty('authextra');
    router.send(welcome('anonymous'));
    expect((await joining).id).toBe(77);
  });

  it('ticket() sends the ticket as the signature; a function ticket is asked at each join', async () => {
    let n = 0;
    const { hello, router, joining } = await startJoin(ticket(() => `token-${++n}`), 'joe');
    expect(hello).toEqual([1, 'realm1', expect.objectContaining({ authid: 'joe', authmethods: ['ticket'] })]);
    router.send([4, 'ticket', {}]);
    expect(await router.next()).toEqual([5, 'token-1', {}]);
    router.send(welcome('ticket'));
    expect((await joining).authid).toBe('joe');
  });

  it('a method that needs an authid refuses to join without one', async () => {
    const [client] = memoryTransportPair();
    await expect(Session.join(client, { realm: 'realm1', auth: ticket('t') })).rejects.toThrow(/ticket authentication needs an authid/);
  });

  it('a failed authentication rejects join() with the router reason', async () => {
    const { router, joining } = await startJoin(ticket('wrong'), 'joe');
    router.send([4, 'ticket', {}]);
    await router.next();
    router.send([3, { message: 'invalid ticket' }, 'wamp.error.authentication_failed']);
    const e = await joining.catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SessionClosedError);
    expect(e).toMatchObject({ uri: 'wamp.error.authentication_failed', initiator: 'router', args: ['invalid ticket'] });
  });

  it('a challenge for a method not offered is refused with ABORT', async () => {
    const { router, joining } = await startJoin(ticket('t'), 'joe');
    router.send([4, 'wampcra', { challenge: 'x' }]);
    expect(await router.next()).toEqual([
      3,
      { message: 'the router asked for wampcra, which this client did not offer' },
      'wamp.error.authentication_failed',
    ]);
    await expect(joining).rejects.toMatchObject({ uri: 'wamp.error.authentication_failed' });
  });

  it('offers several methods and answers the one the router picks', async () => {
    const { hello, router, joining } = await startJoin([wampcra('secret'), ticket('tkt')], 'joe');
    expect(hello[2]).toMatchObject({ authmethods: ['wampcra', 'ticket'] });
    router.send([4, 'ticket', {}]);
    expect(await router.next()).toEqual([5, 'tkt', {}]);
    router.send(welcome('ticket'));
    await joining;
  });
});

describe('auth: wampcra', () => {
  it('signs the challenge with the secret (known answer)', async () => {
    const v = WAMPCRA.compute_wcs;
    const { router, joining } = await startJoin(wampcra(v.key), 'joe');
    router.send([4, 'wampcra', { challenge: v.challenge }]);
    expect(await router.next()).toEqual([5, v.expected_base64, {}]);
    router.send(welcome('wampcra'));
    await joining;
  });

  it('salts the secret with PBKDF2 when the challenge says so (known answer)', async () => {
    const v = WAMPCRA.derive_key;
    const { router, joining } = await startJoin(wampcra(v.secret), 'joe');
    const challenge = '{"nonce":"LHRTC9zeOIrt_9U3","authid":"joe","session":77}';
    router.send([4, 'wampcra', { challenge, salt: v.salt, iterations: v.iterations, keylen: v.keylen }]);
    const [type, signature] = (await router.next()) as [number, string];
    expect(type).toBe(5);
    expect(await wampcraDeriveKey(crypto, v.secret, v.salt, v.iterations, v.keylen)).toBe(v.expected_base64);
    expect(await wampcraVerify(crypto, v.expected_base64, challenge, signature)).toBe(true);
    router.send(welcome('wampcra'));
    await joining;
  });

  it('a malformed challenge is the router’s protocol violation', async () => {
    const { router, joining } = await startJoin(wampcra('s'), 'joe');
    router.send([4, 'wampcra', { nochallenge: 1 }]);
    const abort = await router.next();
    expect(abort[0]).toBe(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    await expect(joining).rejects.toBeInstanceOf(ProtocolViolation);
  });
});

describe('auth: cryptosign (spec test vectors)', () => {
  for (const [i, v] of CRYPTOSIGN.entries()) {
    const bound = v.channel_id !== null;
    it(`vector ${i + 1} ${bound ? 'with' : 'without'} channel binding`, async () => {
      const transportOptions: MemoryTransportOptions = bound ? { channelBinding: { 'tls-unique': hexDecode(v.channel_id!)! } } : {};
      const method = cryptosign(v.private_key, bound ? { channelBinding: 'tls-unique' } : {});
      const { hello, router, joining } = await startJoin(method, undefined, transportOptions);
      const seed = hexDecode(v.private_key)!;
      const pubkey = hexEncode(await crypto.ed25519PublicKey(seed));
      expect(hello[2]).toMatchObject({
        authmethods: ['cryptosign'],
        authextra: bound ? { pubkey, channel_binding: 'tls-unique' } : { pubkey },
      });
      router.send([4, 'cryptosign', { challenge: v.challenge, channel_binding: bound ? 'tls-unique' : null }]);
      expect(await router.next()).toEqual([5, v.signature, {}]);
      router.send(welcome('cryptosign'));
      await joining;
    });
  }

  it('accepts the seed as bytes, and refuses a key that is not 32 bytes', () => {
    expect(cryptosign(new Uint8Array(32)).name).toBe('cryptosign');
    expect(() => cryptosign('abcd')).toThrow(LocalProtocolError);
  });

  it('refuses to start when the transport has no channel binding to give', async () => {
    const [client] = memoryTransportPair();
    await expect(
      Session.join(client, { realm: 'realm1', auth: cryptosign(CRYPTOSIGN[0]!.private_key, { channelBinding: 'tls-unique' }), crypto }),
    ).rejects.toThrow(/no tls-unique channel binding/);
  });

  it('a router that names a binding the client did not ask for is refused', async () => {
    const v = CRYPTOSIGN[0]!;
    const { router, joining } = await startJoin(cryptosign(v.private_key), undefined);
    router.send([4, 'cryptosign', { challenge: v.challenge, channel_binding: 'tls-unique' }]);
    expect((await router.next())[2]).toBe('wamp.error.protocol_violation');
    await expect(joining).rejects.toBeInstanceOf(ProtocolViolation);
  });
});

describe('auth: wamp-scram', () => {
  async function scramExchange(kdf: 'pbkdf2' | 'argon2id', provider: CryptoProvider, tamper = false): Promise<{ joining: Promise<Session>; router: RouterPeer }> {
    const credential = await scramDeriveCredential(provider, 'pencil', kdf === 'pbkdf2' ? { kdf, iterations: 4096 } : { kdf, iterations: 2, memory: 1024 });
    const { hello, router, joining } = await startJoin(scram('pencil'), 'user', {}, provider);
    const details = hello[2] as Dict;
    expect(details).toMatchObject({ authmethods: ['wamp-scram'], authid: 'user' });
    const parsed = scramParseHello(details['authextra'] as Dict);
    const { extra, state } = scramServerChallenge(provider, credential, parsed.clientNonce, { authid: 'user' });
    router.send([4, 'wamp-scram', extra]);
    const [type, signature, authExtra] = (await router.next()) as [number, string, Dict];
    expect(type).toBe(5);
    expect(authExtra).toMatchObject({ nonce: extra['nonce'], channel_binding: null });
    const verdict = await scramServerVerify(provider, state, signature, authExtra);
    expect(verdict.ok).toBe(true);
    const serverSignature = tamper ? 'AAAA' + verdict.serverSignature!.slice(4) : verdict.serverSignature!;
    router.send(welcome('wamp-scram', { authextra: scramWelcomeAuthextra(serverSignature) }));
    return { joining, router };
  }

  it('pbkdf2: proves the password and checks the router’s signature', async () => {
    const { joining } = await scramExchange('pbkdf2', crypto);
    expect((await joining).id).toBe(77);
  });

  it('argon2id: proves the password and checks the router’s signature', async () => {
    const { joining } = await scramExchange('argon2id', nobleCryptoProvider());
    expect((await joining).id).toBe(77);
  });

  it('refuses a router whose ServerSignature does not match', async () => {
    const { joining, router } = await scramExchange('pbkdf2', crypto, true);
    expect(await router.next()).toEqual([
      3,
      { message: "wamp-scram: the router's ServerSignature does not match" },
      'wamp.error.authentication_failed',
    ]);
    const e = await joining.catch((err: unknown) => err);
    expect(e).toBeInstanceOf(WampError);
    expect(e).toMatchObject({ uri: 'wamp.error.authentication_failed' });
  });

  it('refuses a challenge whose nonce does not extend the client nonce', async () => {
    const { router, joining } = await startJoin(scram('pencil'), 'user');
    router.send([4, 'wamp-scram', { nonce: 'bm90bWluZQ==abc', salt: 'c2FsdA==', kdf: 'pbkdf2', iterations: 4096 }]);
    expect((await router.next())[2]).toBe('wamp.error.protocol_violation');
    await expect(joining).rejects.toBeInstanceOf(ProtocolViolation);
  });

  it('uses a fresh nonce at every join', async () => {
    const a = await startJoin(scram('pencil'), 'user');
    const b = await startJoin(scram('pencil'), 'user');
    const nonceOf = (w: Wire): string => ((w[2] as Dict)['authextra'] as Dict)['nonce'] as string;
    expect(base64Decode(nonceOf(a.hello))).toHaveLength(16);
    expect(nonceOf(a.hello)).not.toBe(nonceOf(b.hello));
  });
});

describe('auth: the CryptoProvider when the join options give none', () => {
  /** A method of the application's own that signs with the session's provider. */
  const custom = (defaultCrypto?: () => CryptoProvider): AuthMethod => ({
    name: 'x-custom',
    needsAuthid: false,
    ...(defaultCrypto === undefined ? {} : { defaultCrypto }),
    start: async (ctx) => ({
      respond: async () => ({ signature: hexEncode(await ctx.crypto().sha256(new Uint8Array([1, 2, 3]))) }),
    }),
  });
  const SHA256_123 = '039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81';

  async function joinWithout(
    auth: AuthMethod[],
    method: string,
    extra: Dict = { challenge: 'c' },
  ): Promise<{ router: RouterPeer; joining: Promise<Session> }> {
    const [client, routerEnd] = memoryTransportPair(jsonSerializer);
    const router = new RouterPeer(routerEnd);
    const joining = Session.join(client, { realm: 'realm1', authid: 'joe', auth });
    joining.catch(() => undefined);
    await router.next();
    router.send([4, method, extra]);
    return { router, joining };
  }

  it('the built-in methods fall back on webCryptoProvider (wampcra, known answer)', async () => {
    expect(wampcra('s').defaultCrypto).toBeTypeOf('function');
    expect(cryptosign(hexEncode(new Uint8Array(32))).defaultCrypto).toBeTypeOf('function');
    expect(scram('s').defaultCrypto).toBeTypeOf('function');
    expect(ticket('t').defaultCrypto).toBeUndefined();
    expect(anonymous().defaultCrypto).toBeUndefined();
    const { key, challenge, expected_base64 } = WAMPCRA.compute_wcs;
    const { router, joining } = await joinWithout([wampcra(key)], 'wampcra', { challenge });
    expect(await router.next()).toEqual([5, expected_base64, {}]);
    router.send(welcome('wampcra'));
    expect((await joining).id).toBe(77);
  });

  it('a method of the application uses the default of a built-in method offered with it, or its own', async () => {
    for (const auth of [[custom(), wampcra('s')], [custom(() => nobleCryptoProvider())]]) {
      const { router, joining } = await joinWithout(auth, 'x-custom');
      expect(await router.next()).toEqual([5, SHA256_123, {}]);
      router.send(welcome('x-custom'));
      expect((await joining).id).toBe(77);
    }
  });

  it('with no default anywhere, a method that needs crypto fails the join with a typed error', async () => {
    const { router, joining } = await joinWithout([custom()], 'x-custom');
    expect((await router.next())[2]).toBe('wamp.error.authentication_failed');
    const e = await joining.catch((err: unknown) => err);
    expect(e).toBeInstanceOf(LocalProtocolError);
    expect(String(e)).toMatch(/no CryptoProvider: pass `crypto`/);
  });
});
