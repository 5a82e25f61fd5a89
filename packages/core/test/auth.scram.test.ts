import { describe, expect, it } from 'vitest';
import {
  LocalProtocolError,
  ProtocolViolation,
  base64Encode,
  parseScramCredential,
  scramAuthMessage,
  scramClientFinal,
  scramClientFirst,
  scramDeriveCredential,
  scramParseHello,
  scramServerChallenge,
  scramServerVerify,
  scramVerifyServerSignature,
  scramWelcomeAuthextra,
  type CryptoProvider,
  type ScramCredential,
  type ScramKdf,
  type ScramServerState,
} from '@wamp/core';
import { PROVIDERS, b64, seeded } from './auth-providers.js';

/**
 * Known answers. RFC7677 is the SCRAM-SHA-256 example of RFC 7677 §3, which
 * the WAMP-SCRAM spec reuses (its AUTHENTICATE/WELCOME examples carry the same
 * proof and verifier). ARGON2 and CBIND were computed with an independent
 * Python implementation of the spec's AuthMessage (hashlib/hmac, and
 * `cryptography` 48 Argon2id).
 */
const KAT = {
  RFC7677: {
    authid: 'user',
    password: 'pencil',
    clientNonce: 'rOprNGfwEbeRWgbNEkqO',
    extra: { nonce: 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0', salt: 'W22ZaJ0SNY7soEsUEjb6gQ==', kdf: 'pbkdf2', iterations: 4096, memory: null },
    authMessage:
      'n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,' +
      'i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
    proof: 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    serverSignature: '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
    storedKey: 'WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=',
    serverKey: 'wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=',
    channelBinding: null,
    cbindData: undefined,
  },
  ARGON2: {
    authid: 'joe,=x',
    password: 's3cr3t',
    clientNonce: 'egVDf3DMJh0=',
    extra: { nonce: 'egVDf3DMJh0=SBmkFIh7sSo=', salt: 'aBc+fx0NAVA=', kdf: 'argon2id13', iterations: 2, memory: 512 },
    authMessage: 'n=joe=2C=3Dx,r=egVDf3DMJh0=,r=egVDf3DMJh0=SBmkFIh7sSo=,s=aBc+fx0NAVA=,i=2,c=biws,r=egVDf3DMJh0=SBmkFIh7sSo=',
    proof: 't3qh2WTFK55PXW7g+5dTIs76gKyL78gh18+aMXwzKTA=',
    serverSignature: 'uTwZmnBDpNWgs+2HMzqeYou5M+H58audZUs6vbbiVuU=',
    storedKey: 'aiDBv7kaNgEiI/S9pyn9Hds8XlduTT2wCXT79Rdl+MU=',
    serverKey: 'zB+R5Aye9CYpNY825PeAWJQExe1QZqZ+RGwrVSE4ad4=',
    channelBinding: null,
    cbindData: undefined,
  },
  CBIND: {
    authid: 'alice',
    password: 'hunter2',
    clientNonce: 'Y2xpZW50bm9uY2U=',
    extra: { nonce: 'Y2xpZW50bm9uY2U=c2VydmVybm9uY2U=', salt: 'c2FsdHNhbHRzYWx0', kdf: 'pbkdf2', iterations: 1000, memory: null },
    authMessage:
      'n=alice,r=Y2xpZW50bm9uY2U=,r=Y2xpZW50bm9uY2U=c2VydmVybm9uY2U=,s=c2FsdHNhbHRzYWx0,i=1000,' +
      'c=cD10bHMtdW5pcXVlLCwAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw==,r=Y2xpZW50bm9uY2U=c2VydmVybm9uY2U=',
    proof: 'nzKsTP4Crtxg0BNEBwLxPgbUEJlV6OSX8wJ7xbz3Foc=',
    serverSignature: 'n3luTyRs4zCcB0Uf9E3iiOqNZM18ymjfLLY5PONDq+0=',
    storedKey: 'kHT5kh5MxWwz3A27XZ5DyamrfQSggTbNltWkI4RxXeE=',
    serverKey: 'NospVwwDAkw3ZsXOHHu67aCHTBe9xV6a861MQOcovk4=',
    channelBinding: 'tls-unique',
    cbindData: Uint8Array.from({ length: 32 }, (_, i) => i),
  },
} as const;
const KATS = Object.entries(KAT).map(([name, k]) => ({ name, k }));

/** Small argon2id costs keep the suite fast; the client limits are lowered to match. */
const LOW = { pbkdf2MinIterations: 1, argon2MinMemory: 8 };

function stateOf(k: (typeof KAT)[keyof typeof KAT]): ScramServerState {
  return {
    authid: k.authid,
    clientNonce: k.clientNonce,
    nonce: k.extra.nonce,
    salt: k.extra.salt,
    iterations: k.extra.iterations,
    channelBinding: k.channelBinding,
    cbindData: k.cbindData === undefined ? null : base64Encode(k.cbindData),
    storedKey: k.storedKey,
    serverKey: k.serverKey,
  };
}

describe('WAMP-SCRAM AuthMessage', () => {
  it.each(KATS)('$name: builds the AuthMessage of the specification', ({ k }) => {
    expect(
      scramAuthMessage({
        authid: k.authid,
        clientNonce: k.clientNonce,
        nonce: k.extra.nonce,
        salt: k.extra.salt,
        iterations: k.extra.iterations,
        channelBinding: k.channelBinding,
        cbindData: k.cbindData ?? null,
      }),
    ).toBe(k.authMessage);
  });
});

describe.each(PROVIDERS)('WAMP-SCRAM known answers with $name', ({ crypto }) => {
  it.each(KATS)('$name: client proof and expected server signature', async ({ k }) => {
    const out = await scramClientFinal(crypto, k.password, k.clientNonce, k.extra, k.authid, {
      channelBinding: k.channelBinding,
      ...(k.cbindData ? { cbindData: k.cbindData } : {}),
      limits: LOW,
    });
    expect(out.signature).toBe(k.proof);
    expect(out.expectedServerSignature).toBe(k.serverSignature);
    expect(out.authextra).toEqual({
      nonce: k.extra.nonce,
      channel_binding: k.channelBinding,
      cbind_data: k.cbindData ? base64Encode(k.cbindData) : null,
    });
  });

  it.each(KATS)('$name: router verifies the proof and signs back', async ({ k }) => {
    const res = await scramServerVerify(crypto, stateOf(k), k.proof);
    expect(res).toEqual({ ok: true, serverSignature: k.serverSignature });
    const wrong = b64(k.proof);
    wrong[31] ^= 1;
    expect(await scramServerVerify(crypto, stateOf(k), base64Encode(wrong))).toEqual({ ok: false });
  });

  it.each(KATS)('$name: the stored credential has the known StoredKey and ServerKey', async ({ k }) => {
    const kdf: ScramKdf = k.extra.kdf === 'pbkdf2' ? 'pbkdf2' : 'argon2id';
    const cred = await scramDeriveCredential(crypto, k.password, {
      kdf,
      salt: b64(k.extra.salt),
      iterations: k.extra.iterations,
      ...(k.extra.memory === null ? {} : { memory: k.extra.memory }),
    });
    expect(cred).toEqual({
      kdf,
      salt: k.extra.salt,
      iterations: k.extra.iterations,
      memory: k.extra.memory,
      stored_key: k.storedKey,
      server_key: k.serverKey,
    });
  });
});

/** One whole exchange as the client session and the router will run it. */
async function exchange(
  crypto: CryptoProvider,
  credential: ScramCredential,
  opts: { authid: string; password: string; kdfName?: string; tamper?: (extra: Record<string, unknown>) => void },
): Promise<{ ok: boolean; serverVerified?: boolean }> {
  const first = scramClientFirst(crypto);
  const hello = scramParseHello(first.authextra);
  const { extra, state } = scramServerChallenge(crypto, credential, hello.clientNonce, { authid: opts.authid });
  const challengeExtra = opts.kdfName === undefined ? extra : { ...extra, kdf: opts.kdfName };
  const final = await scramClientFinal(crypto, opts.password, first.nonce, challengeExtra, opts.authid, { limits: LOW });
  const authExtra = { ...final.authextra };
  opts.tamper?.(authExtra);
  const res = await scramServerVerify(crypto, state, final.signature, authExtra);
  if (!res.ok) return { ok: false };
  return { ok: true, serverVerified: scramVerifyServerSignature(final.expectedServerSignature, scramWelcomeAuthextra(res.serverSignature!)) };
}

const KDF_CASES: { kdf: ScramKdf; iterations: number; memory?: number }[] = [
  { kdf: 'pbkdf2', iterations: 1000 },
  { kdf: 'argon2id', iterations: 2, memory: 256 },
];

describe.each(PROVIDERS)('WAMP-SCRAM exchange with $name', ({ name, crypto }) => {
  const rnd = seeded(crypto, name.length * 1000 + 17);

  describe.each(KDF_CASES)('kdf $kdf', (params) => {
    const credential = scramDeriveCredential(rnd, 'correct horse', params);

    it('authenticates both ways with the right password', async () => {
      const r = await exchange(rnd, await credential, { authid: 'user@example', password: 'correct horse' });
      expect(r).toEqual({ ok: true, serverVerified: true });
    });

    it('refuses a wrong password', async () => {
      expect(await exchange(rnd, await credential, { authid: 'user@example', password: 'correct horsf' })).toEqual({ ok: false });
      expect(await exchange(rnd, await credential, { authid: 'user@example', password: '' })).toEqual({ ok: false });
    });

    it('refuses an answer made for another authid', async () => {
      const cred = await credential;
      const first = scramClientFirst(rnd);
      const { extra, state } = scramServerChallenge(rnd, cred, first.nonce, { authid: 'alice' });
      const final = await scramClientFinal(rnd, 'correct horse', first.nonce, extra, 'mallory', { limits: LOW });
      expect((await scramServerVerify(rnd, state, final.signature)).ok).toBe(false);
    });

    it('refuses an AUTHENTICATE.Extra whose nonce or channel binding differ', async () => {
      const cred = await credential;
      const ok = { authid: 'u', password: 'correct horse' };
      expect(await exchange(rnd, cred, { ...ok, tamper: (e) => (e['nonce'] = String(e['nonce']) + 'x') })).toEqual({ ok: false });
      expect(await exchange(rnd, cred, { ...ok, tamper: (e) => (e['channel_binding'] = 'tls-unique') })).toEqual({ ok: false });
      expect(await exchange(rnd, cred, { ...ok, tamper: (e) => (e['cbind_data'] = 'AAAA') })).toEqual({ ok: false });
    });
  });

  it('accepts every spelling of the argon2id KDF', async () => {
    const cred = await scramDeriveCredential(rnd, 'pw', { kdf: 'argon2id', iterations: 1, memory: 64 });
    for (const kdfName of ['argon2id13', 'argon2id-13', 'argon2id']) {
      expect(await exchange(rnd, cred, { authid: 'a', password: 'pw', kdfName })).toEqual({ ok: true, serverVerified: true });
      expect(await exchange(rnd, { ...cred, kdf: kdfName as ScramCredential['kdf'] }, { authid: 'a', password: 'pw' })).toEqual({
        ok: true,
        serverVerified: true,
      });
    }
  });

  it('normalizes password and authid with SASLprep on both sides', async () => {
    const cred = await scramDeriveCredential(rnd, 'IX', { kdf: 'pbkdf2', iterations: 1000 });
    // U+00AD is mapped to nothing, U+2168 (ROMAN NUMERAL NINE) is NFKC "IX".
    expect((await exchange(rnd, cred, { authid: 'I\u00adX', password: 'I\u00adX' })).ok).toBe(true);
    expect((await exchange(rnd, cred, { authid: '\u2168', password: '\u2168' })).ok).toBe(true);
    await expect(scramClientFinal(rnd, 'bad\u0007', 'n', {}, 'u')).rejects.toThrow(ProtocolViolation);
    const first = scramClientFirst(rnd);
    const { extra } = scramServerChallenge(rnd, cred, first.nonce, { authid: 'u' });
    await expect(scramClientFinal(rnd, 'bad\u0007', first.nonce, extra, 'u', { limits: LOW })).rejects.toThrow(LocalProtocolError);
    await expect(scramClientFinal(rnd, 'pw', first.nonce, extra, '\u0627a', { limits: LOW })).rejects.toThrow(/SASLprep/);
  });

  it('binds to the TLS channel when both sides see the same data', async () => {
    const cred = await scramDeriveCredential(rnd, 'pw', { kdf: 'pbkdf2', iterations: 1000 });
    const cb = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    const first = scramClientFirst(rnd, { channelBinding: 'tls-unique' });
    expect(first.authextra).toEqual({ nonce: first.nonce, channel_binding: 'tls-unique' });
    const hello = scramParseHello(first.authextra);
    const run = async (clientData: Uint8Array): Promise<boolean> => {
      const { extra, state } = scramServerChallenge(rnd, cred, hello.clientNonce, {
        authid: 'u',
        channelBinding: hello.channelBinding,
        cbindData: cb,
      });
      const final = await scramClientFinal(rnd, 'pw', first.nonce, extra, 'u', {
        channelBinding: 'tls-unique',
        cbindData: clientData,
        limits: LOW,
      });
      return (await scramServerVerify(rnd, state, final.signature, final.authextra)).ok;
    };
    expect(await run(cb)).toBe(true);
    expect(await run(new Uint8Array(32))).toBe(false);
  });

  it('treats a malformed ClientProof as a failed authentication', async () => {
    const cred = await scramDeriveCredential(rnd, 'pw', { kdf: 'pbkdf2', iterations: 1000 });
    const { state } = scramServerChallenge(rnd, cred, 'abc=', { authid: 'u' });
    for (const sig of ['', 'not base64!', base64Encode(new Uint8Array(31)), base64Encode(new Uint8Array(33))]) {
      expect(await scramServerVerify(rnd, state, sig)).toEqual({ ok: false });
    }
  });
});

describe('WAMP-SCRAM malformed CHALLENGE.Extra', () => {
  const crypto = PROVIDERS[0]!.crypto;
  const nonce = 'Y2xpZW50';
  const good = { nonce: nonce + 'c2VydmVy', salt: 'c2FsdA==', kdf: 'pbkdf2', iterations: 4096, memory: null };
  const argon = { ...good, kdf: 'argon2id13', iterations: 2, memory: 1024 };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['no nonce', { ...good, nonce: undefined }, /Extra\.nonce must be a string/],
    ['a nonce not extending the client nonce', { ...good, nonce: 'other' + nonce }, /Extra\.nonce/],
    ['a nonce equal to the client nonce', { ...good, nonce }, /Extra\.nonce/],
    ['a nonce with a comma', { ...good, nonce: nonce + 'a,b' }, /Extra\.nonce/],
    ['no salt', { ...good, salt: undefined }, /Extra\.salt must be a string/],
    ['a salt that is not base64', { ...good, salt: 'c2F*dA==' }, /Extra\.salt/],
    ['an empty salt', { ...good, salt: '' }, /Extra\.salt/],
    ['no kdf', { ...good, kdf: undefined }, /Extra\.kdf/],
    ['an unknown kdf', { ...good, kdf: 'scrypt' }, /Extra\.kdf must be "argon2id13" or "pbkdf2", got "scrypt"/],
    ['no iterations', { ...good, iterations: undefined }, /Extra\.iterations/],
    ['fractional iterations', { ...good, iterations: 4096.5 }, /Extra\.iterations/],
    ['suspiciously few pbkdf2 iterations', { ...good, iterations: 10 }, /Extra\.iterations must be an integer in \[1000,/],
    ['absurdly many pbkdf2 iterations', { ...good, iterations: 1e9 }, /Extra\.iterations/],
    ['argon2id without memory', { ...argon, memory: null }, /Extra\.memory/],
    ['argon2id with too little memory', { ...argon, memory: 8 }, /Extra\.memory/],
    ['argon2id with too much memory', { ...argon, memory: 4 * 1024 * 1024 }, /Extra\.memory/],
    ['argon2id with absurd iterations', { ...argon, iterations: 100000 }, /Extra\.iterations/],
  ];
  it.each(cases)('refuses %s as a protocol violation', async (_name, extra, reason) => {
    const p = scramClientFinal(crypto, 'pw', nonce, extra, 'u');
    await expect(p).rejects.toBeInstanceOf(ProtocolViolation);
    await expect(p).rejects.toThrow(reason);
  });

  it('accepts the same parameters under relaxed limits', async () => {
    const out = await scramClientFinal(crypto, 'pw', nonce, { ...good, iterations: 10 }, 'u', { limits: { pbkdf2MinIterations: 1 } });
    expect(out.signature).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('needs the channel binding data locally when binding is requested', async () => {
    await expect(scramClientFinal(crypto, 'pw', nonce, good, 'u', { channelBinding: 'tls-unique' })).rejects.toBeInstanceOf(
      LocalProtocolError,
    );
  });
});

describe('WAMP-SCRAM WELCOME verifier', () => {
  const sig = KAT.RFC7677.serverSignature;
  it('accepts the server signature under either name, with or without "v="', () => {
    expect(scramVerifyServerSignature(sig, { scram_server_signature: sig })).toBe(true);
    expect(scramVerifyServerSignature(sig, { verifier: sig })).toBe(true);
    expect(scramVerifyServerSignature(sig, { verifier: 'v=' + sig })).toBe(true);
    expect(scramVerifyServerSignature(sig, scramWelcomeAuthextra(sig))).toBe(true);
  });
  it('refuses a wrong or malformed one', () => {
    expect(scramVerifyServerSignature(sig, { verifier: KAT.ARGON2.serverSignature })).toBe(false);
    expect(scramVerifyServerSignature(sig, { verifier: 'garbage!' })).toBe(false);
    expect(scramVerifyServerSignature(sig, { verifier: '' })).toBe(false);
  });
  it('calls a WELCOME without it a protocol violation', () => {
    expect(() => scramVerifyServerSignature(sig, undefined)).toThrow(ProtocolViolation);
    expect(() => scramVerifyServerSignature(sig, {})).toThrow(/server signature/);
    expect(() => scramVerifyServerSignature(sig, { verifier: 5 })).toThrow(ProtocolViolation);
  });
});

describe('WAMP-SCRAM router inputs', () => {
  const crypto = PROVIDERS[0]!.crypto;
  const cred: ScramCredential = {
    kdf: 'pbkdf2',
    salt: KAT.RFC7677.extra.salt,
    iterations: 4096,
    memory: null,
    stored_key: KAT.RFC7677.storedKey,
    server_key: KAT.RFC7677.serverKey,
  };

  it('reads HELLO.Details.authextra', () => {
    expect(scramParseHello({ nonce: 'abc=', channel_binding: null })).toEqual({ clientNonce: 'abc=', channelBinding: null });
    expect(scramParseHello({ nonce: 'abc=' })).toEqual({ clientNonce: 'abc=', channelBinding: null });
    expect(scramParseHello({ nonce: 'abc=', channel_binding: 'tls-unique' }).channelBinding).toBe('tls-unique');
    expect(() => scramParseHello(undefined)).toThrow(ProtocolViolation);
    expect(() => scramParseHello({})).toThrow(/nonce/);
    expect(() => scramParseHello({ nonce: '' })).toThrow(/nonce/);
    expect(() => scramParseHello({ nonce: 'a,b' })).toThrow(/nonce/);
    expect(() => scramParseHello({ nonce: 'abc', channel_binding: 1 })).toThrow(/channel_binding/);
  });

  it('issues a CHALLENGE with the spec KDF name and a nonce extending the client one', () => {
    const { extra, state } = scramServerChallenge(seeded(crypto, 3), cred, 'abc=', { authid: 'user' });
    expect(extra).toEqual({ nonce: state.nonce, salt: cred.salt, kdf: 'pbkdf2', iterations: 4096, memory: null });
    expect(state.nonce.startsWith('abc=')).toBe(true);
    expect(state.nonce.length).toBe(4 + 24);
    const argon = scramServerChallenge(crypto, { ...cred, kdf: 'argon2id-13', memory: 64 }, 'abc=', { authid: 'u' });
    expect(argon.extra['kdf']).toBe('argon2id13');
    expect(argon.extra['memory']).toBe(64);
  });

  it('needs the authid, a sound credential and a sound client nonce', () => {
    expect(() => scramServerChallenge(crypto, cred, 'abc=')).toThrow(LocalProtocolError);
    expect(() => scramServerChallenge(crypto, cred, 'abc=', {})).toThrow(/authid/);
    expect(() => scramServerChallenge(crypto, cred, 'a,b', { authid: 'u' })).toThrow(ProtocolViolation);
    expect(() => scramServerChallenge(crypto, { ...cred, stored_key: 'short' }, 'n', { authid: 'u' })).toThrow(/stored_key/);
    expect(() => scramServerChallenge(crypto, { ...cred, kdf: 'md5' as never }, 'n', { authid: 'u' })).toThrow(/kdf/);
    expect(() => scramServerChallenge(crypto, { ...cred, kdf: 'argon2id' }, 'n', { authid: 'u' })).toThrow(/memory/);
    expect(() => scramServerChallenge(crypto, cred, 'n', { authid: 'u', channelBinding: 'tls-unique' })).toThrow(/cbindData/);
  });

  it('validates credentials read from a configuration', () => {
    expect(parseScramCredential({ ...cred, memory: undefined })).toEqual(cred);
    expect(parseScramCredential({ ...cred, kdf: 'argon2id-13', memory: 1024 })).toEqual({ ...cred, kdf: 'argon2id', memory: 1024 });
    for (const bad of [null, [], 'x', { ...cred, salt: '' }, { ...cred, iterations: 0 }, { ...cred, server_key: 42 }]) {
      expect(() => parseScramCredential(bad)).toThrow(LocalProtocolError);
    }
  });

  it('refuses bad derivation parameters', async () => {
    await expect(scramDeriveCredential(crypto, 'pw', { kdf: 'pbkdf2', iterations: 0 })).rejects.toThrow(/iterations/);
    await expect(scramDeriveCredential(crypto, 'pw', { kdf: 'argon2id', memory: 4 })).rejects.toThrow(/memory/);
    await expect(scramDeriveCredential(crypto, 'pw', { kdf: 'bcrypt' as never })).rejects.toThrow(/kdf/);
    await expect(scramDeriveCredential(crypto, 'pw', { kdf: 'pbkdf2', salt: new Uint8Array(0) })).rejects.toThrow(/salt/);
    await expect(scramDeriveCredential(crypto, '\u0000', { kdf: 'pbkdf2', iterations: 1 })).rejects.toThrow(LocalProtocolError);
  });

  it('draws a fresh 16-byte salt from the provider', async () => {
    const a = await scramDeriveCredential(seeded(crypto, 1), 'pw', { kdf: 'pbkdf2', iterations: 1 });
    const b = await scramDeriveCredential(seeded(crypto, 2), 'pw', { kdf: 'pbkdf2', iterations: 1 });
    expect(b64(a.salt)).toHaveLength(16);
    expect(a.salt).not.toBe(b.salt);
    expect(a.stored_key).not.toBe(b.stored_key);
  });
});
