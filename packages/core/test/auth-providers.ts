// Shared by the auth*.test.ts files: every CryptoProvider implementation,
// the auth known-answer vectors read as data, and seeded randomness.

import { readFileSync } from 'node:fs';
import type { CryptoProvider } from '@wamp/core';
import { nobleCryptoProvider, webCryptoProvider } from '@wamp/client';
import { nodeCryptoProvider } from '@wamp/client/node-crypto';

export const PROVIDERS: readonly { name: string; crypto: CryptoProvider }[] = [
  { name: 'webcrypto', crypto: webCryptoProvider() },
  { name: 'node:crypto', crypto: nodeCryptoProvider() },
  { name: 'noble', crypto: nobleCryptoProvider() },
];

/** A file of ../shared/auth-vectors, parsed. */
export function authVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../../shared/auth-vectors/${name}`, import.meta.url), 'utf8')) as T;
}

/** `crypto` with its randomness replaced by a seeded generator, so that a failing run replays exactly. */
export function seeded(crypto: CryptoProvider, seed: number): CryptoProvider {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s & 0xff;
  };
  return {
    ...crypto,
    randomBytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = next();
      return out;
    },
  };
}

export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

export function b64(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'base64'));
}
