// The older `scram` of Crossbar.io and Autobahn|Python, checked against a
// derivation worked by hand here from its definition: Argon2id (noble,
// called directly) → the unpadded base64 text of the hash as SaltedPassword →
// RFC 5802 keys with node:crypto's HMAC and SHA-256 → the AuthMessage with
// "c=" and the raw (empty) channel binding.

import { createHash, createHmac } from 'node:crypto';
import { argon2id } from '@noble/hashes/argon2.js';
import { describe, expect, it } from 'vitest';
import {
  ProtocolViolation,
  scramLegacyClientFinal,
  scramLegacyDeriveCredential,
  scramLegacyParseHello,
  scramLegacyServerChallenge,
  scramLegacyServerVerify,
  scramLegacyVerifyWelcome,
} from '@wamp/core';
import { nobleCryptoProvider, webCryptoProvider } from '@wamp/client';
import { nodeCryptoProvider } from '@wamp/client/node-crypto';

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const hmac = (key: Uint8Array, text: string | Uint8Array): Buffer => createHmac('sha256', key).update(text).digest();
const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();
const xor = (a: Uint8Array, b: Uint8Array): Buffer => Buffer.from(a.map((x, i) => x ^ b[i]!));

// Inputs.
const password = 'pencil';
const authid = 'joe';
const salt = Buffer.from('0011223344556677889900aabbccddee', 'hex');
const T = 3;
const M = 64;
const clientNonceBytes = Buffer.from('a1'.repeat(16), 'hex');
const serverNonceBytes = Buffer.from('b2'.repeat(16), 'hex');

// By hand.
const rawHash = argon2id(Buffer.from(password, 'utf8'), salt, { t: T, m: M, p: 1, dkLen: 32, version: 0x13 });
// The PHC string's hash field: standard base64 without padding, 43 characters for 32 octets.
const saltedPassword = Buffer.from(b64(rawHash).replace(/=+$/, ''), 'ascii');
const clientKey = hmac(saltedPassword, 'Client Key');
const storedKey = sha256(clientKey);
const serverKey = hmac(saltedPassword, 'Server Key');
const clientNonce = b64(clientNonceBytes);
const nonce = b64(Buffer.concat([clientNonceBytes, serverNonceBytes]));
const authMessage = `n=${authid},r=${clientNonce},r=${nonce},s=${b64(salt)},i=${T},c=,r=${nonce}`;
const clientProof = b64(xor(clientKey, hmac(storedKey, authMessage)));
const serverSignature = b64(hmac(serverKey, authMessage));
const challengeExtra = { nonce, kdf: 'argon2id-13', salt: b64(salt), iterations: T, memory: M };

describe.each([
  { name: 'webcrypto', crypto: webCryptoProvider() },
  { name: 'node:crypto', crypto: nodeCryptoProvider() },
  { name: 'noble', crypto: nobleCryptoProvider() },
])('scram (legacy) with $name', ({ crypto }) => {
  it('derives the stored credential as worked by hand', async () => {
    expect(saltedPassword).toHaveLength(43);
    const cred = await scramLegacyDeriveCredential(crypto, password, { salt, iterations: T, memory: M });
    expect(cred).toEqual({ kdf: 'argon2id-13', salt: b64(salt), iterations: T, memory: M, stored_key: b64(storedKey), server_key: b64(serverKey) });
  });

  it('the client answers the challenge with the hand-computed ClientProof and expects the ServerSignature', async () => {
    const out = await scramLegacyClientFinal(crypto, password, clientNonce, challengeExtra, authid);
    expect(out).toEqual({ signature: clientProof, expectedServerSignature: serverSignature });
    expect(scramLegacyVerifyWelcome(serverSignature, { scram_server_signature: serverSignature })).toBe(true);
    expect(scramLegacyVerifyWelcome(serverSignature, { scram_server_signature: b64(Buffer.alloc(32)) })).toBe(false);
    expect(() => scramLegacyVerifyWelcome(serverSignature, { verifier: serverSignature })).toThrow(ProtocolViolation);
  });

  it('the router verifies the hand-computed proof and answers scram_server_signature', async () => {
    const cred = await scramLegacyDeriveCredential(crypto, password, { salt, iterations: T, memory: M });
    // The router's nonce: the client's octets plus 16 of its own (here fixed), base64.
    const fixed = { ...crypto, randomBytes: (n: number) => serverNonceBytes.subarray(0, n) };
    const { extra, state } = scramLegacyServerChallenge(fixed, cred, scramLegacyParseHello({ nonce: clientNonce }), authid);
    // Only the keys an Autobahn|Python client accepts.
    expect(extra).toEqual(challengeExtra);
    expect(await scramLegacyServerVerify(crypto, state, clientProof)).toEqual({ ok: true, authextra: { scram_server_signature: serverSignature } });
    expect((await scramLegacyServerVerify(crypto, state, b64(xor(Buffer.from(clientProof, 'base64'), Buffer.alloc(32, 1))))).ok).toBe(false);
    expect((await scramLegacyServerVerify(crypto, state, 'not base64!')).ok).toBe(false);
  });

  it('refuses a challenge that does not extend its nonce, another KDF, or costs past the limits', async () => {
    const final = (extra: object, limits = {}) => scramLegacyClientFinal(crypto, password, clientNonce, { ...challengeExtra, ...extra }, authid, limits);
    await expect(final({ nonce: b64(Buffer.concat([serverNonceBytes, serverNonceBytes])) })).rejects.toThrow(ProtocolViolation);
    await expect(final({ nonce: clientNonce })).rejects.toThrow(ProtocolViolation);
    await expect(final({ kdf: 'argon2id13' })).rejects.toThrow(ProtocolViolation);
    await expect(final({ kdf: 'pbkdf2' })).rejects.toThrow(ProtocolViolation);
    await expect(final({}, { maxIterations: 2 })).rejects.toThrow(ProtocolViolation);
    expect(() => scramLegacyParseHello({ nonce: '***' })).toThrow(ProtocolViolation);
    expect(() => scramLegacyParseHello({})).toThrow(ProtocolViolation);
  });
});
