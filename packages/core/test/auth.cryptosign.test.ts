import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  LocalProtocolError,
  ProtocolViolation,
  cryptosignClientSignature,
  cryptosignHelloAuthextra,
  cryptosignParseHello,
  cryptosignPublicKey,
  cryptosignServerChallenge,
  cryptosignSign,
  cryptosignVerify,
  hexEncode,
  newChallengeHex,
} from '@wamp/core';
import { PROVIDERS, authVectors, hex, seeded } from './auth-providers.js';

interface CryptosignVector {
  channel_id: string | null;
  private_key: string;
  challenge: string;
  signature: string;
}
const VECTORS = authVectors<{ vectors: CryptosignVector[] }>('cryptosign.json').vectors;
const UNBOUND = VECTORS.find((v) => v.channel_id === null)!;
const BOUND = VECTORS.find((v) => v.channel_id !== null)!;

const cases = PROVIDERS.flatMap((p) => VECTORS.map((v, i) => ({ provider: p.name, crypto: p.crypto, i, v })));

describe('WAMP-Cryptosign vectors', () => {
  it('has vectors with and without channel binding', () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(2);
    expect(UNBOUND).toBeDefined();
    expect(BOUND).toBeDefined();
  });

  it.each(cases)('$provider: vector $i signs and verifies', async ({ crypto, v }) => {
    const seed = hex(v.private_key);
    const channelId = v.channel_id === null ? undefined : hex(v.channel_id);
    const sig = await cryptosignSign(crypto, seed, v.challenge, channelId);
    expect(sig).toBe(v.signature);
    expect(sig).toHaveLength(192);
    const pub = await cryptosignPublicKey(crypto, seed);
    expect(await cryptosignVerify(crypto, pub, v.challenge, v.signature, channelId)).toBe(true);
  });
});

describe.each(PROVIDERS)('WAMP-Cryptosign with $name', ({ crypto }) => {
  const seed = hex(UNBOUND.private_key);

  it('derives the same public key as every other provider', async () => {
    const keys = await Promise.all(PROVIDERS.map((p) => cryptosignPublicKey(p.crypto, seed)));
    const mine = await cryptosignPublicKey(crypto, seed);
    for (const k of keys) expect(k).toEqual(mine);
    expect(mine).toHaveLength(32);
  });

  it('rejects a tampered signature, a wrong key, another challenge and a wrong channel', async () => {
    const pub = await cryptosignPublicKey(crypto, seed);
    const v = UNBOUND;
    const flip = (s: string, at: number): string =>
      s.slice(0, at) + ((parseInt(s[at]!, 16) ^ 1).toString(16)) + s.slice(at + 1);
    expect(await cryptosignVerify(crypto, pub, v.challenge, flip(v.signature, 10))).toBe(false);
    // The trailing message must be the challenge itself.
    expect(await cryptosignVerify(crypto, pub, v.challenge, flip(v.signature, 150))).toBe(false);
    const otherPub = await cryptosignPublicKey(crypto, hex(VECTORS.find((x) => x.private_key !== v.private_key)!.private_key));
    expect(await cryptosignVerify(crypto, otherPub, v.challenge, v.signature)).toBe(false);
    const otherChallenge = 'aa'.repeat(32);
    expect(await cryptosignVerify(crypto, pub, otherChallenge, v.signature)).toBe(false);
    // A valid signature over another message, with the right challenge appended, is refused.
    const forged = (await cryptosignSign(crypto, seed, otherChallenge)).slice(0, 128) + v.challenge;
    expect(await cryptosignVerify(crypto, pub, v.challenge, forged)).toBe(false);
    // Bound answer checked without the channel, and with another channel.
    const b = BOUND;
    const bpub = await cryptosignPublicKey(crypto, hex(b.private_key));
    expect(await cryptosignVerify(crypto, bpub, b.challenge, b.signature)).toBe(false);
    expect(await cryptosignVerify(crypto, bpub, b.challenge, b.signature, new Uint8Array(32))).toBe(false);
    const unboundOfB = VECTORS.find((x) => x.channel_id === null && x.private_key === b.private_key)!;
    expect(await cryptosignVerify(crypto, bpub, b.challenge, unboundOfB.signature, hex(b.channel_id!))).toBe(false);
  });

  it('refuses malformed signatures and public keys with false', async () => {
    const pub = await cryptosignPublicKey(crypto, seed);
    const v = UNBOUND;
    expect(await cryptosignVerify(crypto, pub, v.challenge, v.signature.slice(0, 190))).toBe(false);
    expect(await cryptosignVerify(crypto, pub, v.challenge, v.signature + '00')).toBe(false);
    expect(await cryptosignVerify(crypto, pub, v.challenge, 'zz' + v.signature.slice(2))).toBe(false);
    expect(await cryptosignVerify(crypto, pub, v.challenge, '')).toBe(false);
    expect(await cryptosignVerify(crypto, pub.subarray(0, 31), v.challenge, v.signature)).toBe(false);
    expect(await cryptosignVerify(crypto, new Uint8Array(32).fill(0xff), v.challenge, v.signature)).toBe(false);
  });

  it('refuses a malformed challenge from the peer as a protocol violation', async () => {
    for (const bad of ['', 'ff', 'g'.repeat(64), 'ff'.repeat(31), 'ff'.repeat(33), ' '.repeat(64)]) {
      await expect(cryptosignSign(crypto, seed, bad)).rejects.toBeInstanceOf(ProtocolViolation);
    }
    await expect(cryptosignSign(crypto, seed, 'xyz')).rejects.toThrow(/32 bytes hex-encoded/);
  });

  it('refuses a bad seed, channel ID or own challenge as a local error', async () => {
    const c = UNBOUND.challenge;
    await expect(cryptosignSign(crypto, seed.subarray(0, 31), c)).rejects.toBeInstanceOf(LocalProtocolError);
    await expect(cryptosignPublicKey(crypto, new Uint8Array(64))).rejects.toBeInstanceOf(LocalProtocolError);
    await expect(cryptosignSign(crypto, seed, c, new Uint8Array(16))).rejects.toBeInstanceOf(LocalProtocolError);
    const pub = await cryptosignPublicKey(crypto, seed);
    await expect(cryptosignVerify(crypto, pub, 'nothex', UNBOUND.signature)).rejects.toBeInstanceOf(LocalProtocolError);
  });

  it('signs and verifies arbitrary seeds, challenges and channels', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }),
        async (s, challenge, channelId) => {
          const c = hexEncode(challenge);
          const sig = await cryptosignSign(crypto, s, c, channelId);
          const pub = await cryptosignPublicKey(crypto, s);
          expect(await cryptosignVerify(crypto, pub, c, sig, channelId)).toBe(true);
          // Every provider produces the same (deterministic, RFC 8032) signature.
          for (const p of PROVIDERS) expect(await cryptosignSign(p.crypto, s, c, channelId)).toBe(sig);
        },
      ),
      { numRuns: 15, seed: 0xc5 },
    );
  });
});

describe('WAMP-Cryptosign client answer to CHALLENGE.Extra', () => {
  const crypto = PROVIDERS[0]!.crypto;
  const v = UNBOUND;
  const b = BOUND;

  it('signs the challenge without channel binding', async () => {
    expect(await cryptosignClientSignature(crypto, hex(v.private_key), { challenge: v.challenge })).toBe(v.signature);
    expect(await cryptosignClientSignature(crypto, hex(v.private_key), { challenge: v.challenge, channel_binding: null })).toBe(
      v.signature,
    );
  });

  it('binds to the channel the client asked for and the router confirmed', async () => {
    const sig = await cryptosignClientSignature(
      crypto,
      hex(b.private_key),
      { challenge: b.challenge, channel_binding: 'tls-unique' },
      { channelBinding: 'tls-unique', channelId: hex(b.channel_id!) },
    );
    expect(sig).toBe(b.signature);
  });

  it('continues unbound when the router does not confirm the binding', async () => {
    const unbound = VECTORS.find((x) => x.channel_id === null && x.private_key === b.private_key)!;
    const sig = await cryptosignClientSignature(
      crypto,
      hex(b.private_key),
      { challenge: b.challenge },
      { channelBinding: 'tls-unique', channelId: hex(b.channel_id!) },
    );
    expect(sig).toBe(unbound.signature);
  });

  it('refuses a binding it did not request, a different one, or a malformed Extra', async () => {
    const seed = hex(v.private_key);
    const pv = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
      await expect(p).rejects.toBeInstanceOf(ProtocolViolation);
      await expect(p).rejects.toThrow(re);
    };
    await pv(cryptosignClientSignature(crypto, seed, { challenge: v.challenge, channel_binding: 'tls-unique' }), /requested none/);
    await pv(
      cryptosignClientSignature(
        crypto,
        seed,
        { challenge: v.challenge, channel_binding: 'tls-exporter' },
        { channelBinding: 'tls-unique', channelId: new Uint8Array(32) },
      ),
      /"tls-exporter" but the client requested "tls-unique"/,
    );
    await pv(cryptosignClientSignature(crypto, seed, {}), /Extra\.challenge must be a string, got nothing/);
    await pv(cryptosignClientSignature(crypto, seed, { challenge: 12 }), /Extra\.challenge/);
    await pv(cryptosignClientSignature(crypto, seed, { challenge: 'not hex' }), /hex/);
    await pv(cryptosignClientSignature(crypto, seed, { challenge: v.challenge, channel_binding: 5 }), /channel_binding/);
  });

  it('needs the channel ID locally when binding is in use', async () => {
    const p = cryptosignClientSignature(
      crypto,
      hex(b.private_key),
      { challenge: b.challenge, channel_binding: 'tls-unique' },
      { channelBinding: 'tls-unique' },
    );
    await expect(p).rejects.toBeInstanceOf(LocalProtocolError);
  });
});

describe.each(PROVIDERS)('WAMP-Cryptosign router side with $name', ({ crypto }) => {
  const clientSeed = hex(VECTORS[0]!.private_key);
  const routerSeed = hex(VECTORS[VECTORS.length - 1]!.private_key);

  it('issues fresh 32-byte hex challenges from the provider randomness', () => {
    const a = newChallengeHex(seeded(crypto, 7));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(newChallengeHex(seeded(crypto, 7))).toBe(a);
    expect(newChallengeHex(seeded(crypto, 8))).not.toBe(a);
    expect(newChallengeHex(crypto)).not.toBe(newChallengeHex(crypto));
  });

  it('runs a full exchange, with channel binding and router authentication', async () => {
    const channelId = hex(BOUND.channel_id!);
    const clientChallenge = newChallengeHex(seeded(crypto, 1));
    const helloExtra = await cryptosignHelloAuthextra(crypto, clientSeed, { channelBinding: 'tls-unique', challenge: clientChallenge });
    const hello = cryptosignParseHello(helloExtra);
    expect(hello.pubkeyHex).toBe(hexEncode(await cryptosignPublicKey(crypto, clientSeed)));
    expect(hello.channelBinding).toBe('tls-unique');

    const ch = await cryptosignServerChallenge(seeded(crypto, 2), hello, { channelId, routerSeed });
    expect(ch.extra['channel_binding']).toBe('tls-unique');
    // The client authenticates the router first.
    const routerPub = await cryptosignPublicKey(crypto, routerSeed);
    expect(ch.extra['pubkey']).toBe(hexEncode(routerPub));
    expect(await cryptosignVerify(crypto, routerPub, clientChallenge, ch.extra['signature'] as string, channelId)).toBe(true);

    const sig = await cryptosignClientSignature(crypto, clientSeed, ch.extra, { channelBinding: 'tls-unique', channelId });
    expect(await cryptosignVerify(crypto, hello.pubkey, ch.challenge, sig, ch.channelId)).toBe(true);
    // The same answer is worthless on another TLS channel.
    expect(await cryptosignVerify(crypto, hello.pubkey, ch.challenge, sig, new Uint8Array(32).fill(9))).toBe(false);
  });

  it('continues unbound when it has no channel ID for the requested binding', async () => {
    const hello = cryptosignParseHello(await cryptosignHelloAuthextra(crypto, clientSeed, { channelBinding: 'tls-unique' }));
    const ch = await cryptosignServerChallenge(crypto, hello);
    expect(ch.extra).toEqual({ challenge: ch.challenge, channel_binding: null });
    expect(ch.channelId).toBeUndefined();
    const sig = await cryptosignClientSignature(crypto, clientSeed, ch.extra, { channelBinding: 'tls-unique', channelId: new Uint8Array(32) });
    expect(await cryptosignVerify(crypto, hello.pubkey, ch.challenge, sig)).toBe(true);
  });

  it('refuses a malformed HELLO.Details.authextra', () => {
    const pub = 'ab'.repeat(32);
    expect(() => cryptosignParseHello(undefined)).toThrow(ProtocolViolation);
    expect(() => cryptosignParseHello({})).toThrow(/pubkey/);
    expect(() => cryptosignParseHello({ pubkey: 'ab'.repeat(31) })).toThrow(/pubkey/);
    expect(() => cryptosignParseHello({ pubkey: 'zz'.repeat(32) })).toThrow(/pubkey/);
    expect(() => cryptosignParseHello({ pubkey: pub, channel_binding: 'tls-bogus' })).toThrow(/channel_binding/);
    expect(() => cryptosignParseHello({ pubkey: pub, challenge: 'abc' })).toThrow(/challenge/);
    expect(cryptosignParseHello({ pubkey: pub.toUpperCase() }).pubkeyHex).toBe(pub);
  });
});
