import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ErrorUri,
  ProtocolViolation,
  base64Decode,
  base64Encode,
  wampcraChallengeExtra,
  wampcraChallengeString,
  wampcraClientSignature,
  wampcraDeriveKey,
  wampcraSign,
  wampcraVerify,
} from '@wamp/core';
import { PROVIDERS, authVectors } from './auth-providers.js';

interface WampcraVectors {
  derive_key: { secret: string; salt: string; iterations: number; keylen: number; expected_base64: string };
  compute_wcs: { key: string; challenge: string; expected_base64: string };
}
const V = authVectors<WampcraVectors>('wampcra.json');

const CHALLENGE = wampcraChallengeString({
  authid: 'peter',
  authrole: 'user',
  authprovider: 'userdb',
  session: 3251278072152162,
  nonce: 'LHRTC9zeOIrt_9U3',
  timestamp: '2014-06-22T16:36:25.448Z',
});

describe.each(PROVIDERS)('WAMP-CRA with $name', ({ crypto }) => {
  it('derives the salted key of the vector', async () => {
    const d = V.derive_key;
    expect(await wampcraDeriveKey(crypto, d.secret, d.salt, d.iterations, d.keylen)).toBe(d.expected_base64);
    // 1000 and 32 are the defaults.
    expect(await wampcraDeriveKey(crypto, d.secret, d.salt)).toBe(d.expected_base64);
  });

  it('signs the vector challenge and verifies the signature', async () => {
    const w = V.compute_wcs;
    expect(await wampcraSign(crypto, w.key, w.challenge)).toBe(w.expected_base64);
    expect(await wampcraVerify(crypto, w.key, w.challenge, w.expected_base64)).toBe(true);
  });

  it('rejects a wrong key, a different challenge and a tampered or malformed signature', async () => {
    const w = V.compute_wcs;
    expect(await wampcraVerify(crypto, w.key + 'x', w.challenge, w.expected_base64)).toBe(false);
    expect(await wampcraVerify(crypto, w.key, w.challenge + ' ', w.expected_base64)).toBe(false);
    const sig = base64Decode(w.expected_base64)!;
    sig[7] ^= 1;
    expect(await wampcraVerify(crypto, w.key, w.challenge, base64Encode(sig))).toBe(false);
    expect(await wampcraVerify(crypto, w.key, w.challenge, base64Encode(sig.subarray(0, 31)))).toBe(false);
    expect(await wampcraVerify(crypto, w.key, w.challenge, '')).toBe(false);
    expect(await wampcraVerify(crypto, w.key, w.challenge, 'not base64 !')).toBe(false);
  });

  it('answers an unsalted CHALLENGE with the secret as key', async () => {
    const sig = await wampcraClientSignature(crypto, 'secret123', { challenge: CHALLENGE });
    expect(sig).toBe(await wampcraSign(crypto, 'secret123', CHALLENGE));
    expect(await wampcraVerify(crypto, 'secret123', CHALLENGE, sig)).toBe(true);
    expect(await wampcraVerify(crypto, 'secret124', CHALLENGE, sig)).toBe(false);
  });

  it('answers a salted CHALLENGE with the base64 text of the derived key as HMAC key', async () => {
    const d = V.derive_key;
    const extra = wampcraChallengeExtra(CHALLENGE, { salt: d.salt, iterations: d.iterations, keylen: d.keylen });
    expect(extra).toEqual({ challenge: CHALLENGE, salt: d.salt, iterations: 1000, keylen: 32 });
    const sig = await wampcraClientSignature(crypto, d.secret, extra);
    // The router stores only the derived key and verifies with it.
    expect(await wampcraVerify(crypto, d.expected_base64, CHALLENGE, sig)).toBe(true);
    expect(await wampcraVerify(crypto, d.secret, CHALLENGE, sig)).toBe(false);
    const wrong = await wampcraClientSignature(crypto, d.secret + '!', extra);
    expect(await wampcraVerify(crypto, d.expected_base64, CHALLENGE, wrong)).toBe(false);
    // Missing iterations/keylen take Autobahn's defaults.
    expect(await wampcraClientSignature(crypto, d.secret, { challenge: CHALLENGE, salt: d.salt })).toBe(sig);
    // Other parameters give another key.
    const other = await wampcraClientSignature(crypto, d.secret, { ...extra, iterations: 1001 });
    expect(other).not.toBe(sig);
    expect(await wampcraVerify(crypto, await wampcraDeriveKey(crypto, d.secret, d.salt, 1001), CHALLENGE, other)).toBe(true);
  });

  it('round-trips arbitrary secrets and challenges, and a changed byte fails', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string({ minLength: 1 }), async (secret, challenge) => {
        const sig = await wampcraClientSignature(crypto, secret, { challenge });
        expect(await wampcraVerify(crypto, secret, challenge, sig)).toBe(true);
        const flipped = base64Decode(sig)!;
        flipped[0] ^= 0x80;
        expect(await wampcraVerify(crypto, secret, challenge, base64Encode(flipped))).toBe(false);
      }),
      { numRuns: 25, seed: 0x5eed },
    );
  });
});

describe('WAMP-CRA challenge string', () => {
  it('is JSON with the members in Crossbar order', () => {
    expect(CHALLENGE).toBe(
      '{"authid":"peter","authrole":"user","authmethod":"wampcra","authprovider":"userdb",' +
        '"nonce":"LHRTC9zeOIrt_9U3","timestamp":"2014-06-22T16:36:25.448Z","session":3251278072152162}',
    );
    expect(Object.keys(JSON.parse(CHALLENGE))).toEqual([
      'authid',
      'authrole',
      'authmethod',
      'authprovider',
      'nonce',
      'timestamp',
      'session',
    ]);
  });

  it('keeps a given authmethod and escapes hostile text', () => {
    const s = wampcraChallengeString({
      authid: 'a"b\\c',
      authrole: 'r',
      authmethod: 'wampcra',
      authprovider: 'p',
      session: 1,
      nonce: 'n',
      timestamp: 't',
    });
    expect(JSON.parse(s)).toEqual({
      authid: 'a"b\\c',
      authrole: 'r',
      authmethod: 'wampcra',
      authprovider: 'p',
      nonce: 'n',
      timestamp: 't',
      session: 1,
    });
  });

  it('refuses a session that is not a safe integer', () => {
    const info = { authid: 'a', authrole: 'r', authprovider: 'p', nonce: 'n', timestamp: 't' };
    expect(() => wampcraChallengeString({ ...info, session: 1.5 })).toThrow(/session/);
    expect(() => wampcraChallengeString({ ...info, session: -1 })).toThrow(/session/);
  });
});

describe('WAMP-CRA malformed CHALLENGE.Extra', () => {
  const crypto = PROVIDERS[0]!.crypto;
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['no challenge', {}, /Extra\.challenge must be a string, got nothing/],
    ['a numeric challenge', { challenge: 42 }, /Extra\.challenge must be a string, got 42/],
    ['a non-string salt', { challenge: 'c', salt: 7 }, /Extra\.salt/],
    ['zero iterations', { challenge: 'c', salt: 's', iterations: 0 }, /Extra\.iterations/],
    ['fractional iterations', { challenge: 'c', salt: 's', iterations: 1.5 }, /Extra\.iterations/],
    ['string iterations', { challenge: 'c', salt: 's', iterations: '1000' }, /Extra\.iterations/],
    ['absurd iterations', { challenge: 'c', salt: 's', iterations: 1e12 }, /Extra\.iterations/],
    ['zero keylen', { challenge: 'c', salt: 's', keylen: 0 }, /Extra\.keylen/],
    ['a huge keylen', { challenge: 'c', salt: 's', keylen: 1 << 20 }, /Extra\.keylen/],
  ];
  it.each(cases)('refuses %s as a protocol violation', async (_name, extra, reason) => {
    const p = wampcraClientSignature(crypto, 'secret', extra);
    await expect(p).rejects.toBeInstanceOf(ProtocolViolation);
    await expect(p).rejects.toMatchObject({ uri: ErrorUri.PROTOCOL_VIOLATION });
    await expect(p).rejects.toThrow(reason);
  });

  it('refuses out-of-range derivation parameters from the application', async () => {
    await expect(wampcraDeriveKey(crypto, 's', 'salt', 0)).rejects.toThrow(/iterations/);
    await expect(wampcraDeriveKey(crypto, 's', 'salt', 1000, 0)).rejects.toThrow(/keyLength/);
  });
});
