import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CryptoProvider } from '@wamp/core';
import { nobleCryptoProvider, webCryptoProvider } from '@wamp/client';
import { nodeCryptoProvider } from '@wamp/client/node-crypto';

const PROVIDERS: { name: string; crypto: CryptoProvider }[] = [
  { name: 'webcrypto', crypto: webCryptoProvider() },
  { name: 'node:crypto', crypto: nodeCryptoProvider() },
  { name: 'noble', crypto: nobleCryptoProvider() },
];

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * Known answers: FIPS 180-2 (SHA-256 "abc"), RFC 4231 test case 2 (HMAC),
 * RFC 7914 §11 (PBKDF2-HMAC-SHA256), RFC 8032 §7.1 test 1 and 2 (Ed25519).
 * The argon2id answers (v1.3, one lane, no secret or associated data, which
 * RFC 9106's own vector uses and WAMP-SCRAM does not) were computed with
 * Python `cryptography` 48 (OpenSSL's Argon2id).
 */
const KAT = {
  sha256: [{ data: text('abc'), out: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' }],
  hmac: [
    { key: text('Jefe'), data: text('what do ya want for nothing?'), out: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' },
    { key: new Uint8Array(0), data: new Uint8Array(0), out: 'b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad' },
  ],
  pbkdf2: [
    {
      password: text('passwd'),
      salt: text('salt'),
      iterations: 1,
      out: '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783',
    },
    {
      password: text('Password'),
      salt: text('NaCl'),
      iterations: 80000,
      out: '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d',
    },
  ],
  argon2id: [
    { password: text('password'), salt: text('somesalt'), t: 2, m: 64, len: 32, out: '16a1a498734609dd01456da406de9f3d9da93e6c86c300a12fc1465214ce4922' },
    { password: text('password'), salt: text('somesalt'), t: 1, m: 256, len: 32, out: '024ec0c1ac65d08d95f1e46fcc33801dc5dcee045470e74765b7f7381b50ecd5' },
    { password: text('pencil'), salt: new Uint8Array(16).fill(1), t: 3, m: 1024, len: 32, out: '2706bcd9a2743426af9a5f1b15e15e43989dcb10781e2268aba7fb39cd1d1816' },
    { password: text('pässwörd'), salt: text('saltsalt'), t: 1, m: 8, len: 16, out: '691ee7d5b72e0a2c966971e5e5d5bb12' },
  ],
  ed25519: [
    {
      seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      msg: '',
      sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      pub: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      msg: '72',
      sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    },
  ],
};

describe.each(PROVIDERS)('CryptoProvider $name', ({ crypto }) => {
  it('hashes with SHA-256', async () => {
    for (const k of KAT.sha256) expect(toHex(await crypto.sha256(k.data))).toBe(k.out);
  });

  it('computes HMAC-SHA256, empty key included', async () => {
    for (const k of KAT.hmac) expect(toHex(await crypto.hmacSha256(k.key, k.data))).toBe(k.out);
  });

  it('derives PBKDF2-HMAC-SHA256', async () => {
    for (const k of KAT.pbkdf2) {
      expect(toHex(await crypto.pbkdf2Sha256(k.password, k.salt, k.iterations, k.out.length / 2))).toBe(k.out);
    }
  });

  it('derives argon2id', async () => {
    for (const k of KAT.argon2id) {
      const out = await crypto.argon2id(k.password, k.salt, { iterations: k.t, memory: k.m, parallelism: 1, keyLength: k.len });
      expect(toHex(out)).toBe(k.out);
    }
  });

  it('derives Ed25519 public keys and signs deterministically (RFC 8032)', async () => {
    for (const k of KAT.ed25519) {
      expect(toHex(await crypto.ed25519PublicKey(hex(k.seed)))).toBe(k.pub);
      const sig = await crypto.ed25519Sign(hex(k.seed), hex(k.msg));
      expect(toHex(sig)).toBe(k.sig);
      expect(await crypto.ed25519Verify(hex(k.pub), hex(k.msg), sig)).toBe(true);
    }
  });

  it('refuses tampered, mismatched or malformed Ed25519 input with false', async () => {
    const [a, b] = KAT.ed25519 as [(typeof KAT.ed25519)[0], (typeof KAT.ed25519)[0]];
    const sig = hex(a.sig);
    const bad = Uint8Array.from(sig);
    bad[0]! ^= 1;
    expect(await crypto.ed25519Verify(hex(a.pub), hex(a.msg), bad)).toBe(false);
    expect(await crypto.ed25519Verify(hex(b.pub), hex(a.msg), sig)).toBe(false);
    expect(await crypto.ed25519Verify(hex(a.pub), hex('00'), sig)).toBe(false);
    expect(await crypto.ed25519Verify(hex(a.pub), hex(a.msg), sig.subarray(0, 63))).toBe(false);
    expect(await crypto.ed25519Verify(hex(a.pub).subarray(1), hex(a.msg), sig)).toBe(false);
    // Not a curve point / non-canonical encodings.
    expect(await crypto.ed25519Verify(new Uint8Array(32).fill(0xff), hex(a.msg), sig)).toBe(false);
    // S >= L (the group order) must be refused (RFC 8032 §5.1.7: malleability).
    const highS = Uint8Array.from(sig);
    highS.set(new Uint8Array(32).fill(0xff), 32);
    expect(await crypto.ed25519Verify(hex(a.pub), hex(a.msg), highS)).toBe(false);
  });

  it('returns fresh random bytes of the asked length', () => {
    expect(crypto.randomBytes(0)).toHaveLength(0);
    const a = crypto.randomBytes(32);
    const b = crypto.randomBytes(32);
    expect(a).toHaveLength(32);
    expect(a).toBeInstanceOf(Uint8Array);
    expect(toHex(a)).not.toBe(toHex(b));
    const big = crypto.randomBytes(70_000);
    expect(big).toHaveLength(70_000);
    // The tail is filled too: 4 KiB of zeros from a CSPRNG has probability 2^-32768.
    expect(big.subarray(66_000).some((x) => x !== 0)).toBe(true);
  });

  it('does not keep or alter its inputs', async () => {
    const key = text('key');
    const data = text('data');
    const h1 = await crypto.hmacSha256(key, data);
    key[0] = 0;
    data[0] = 0;
    expect(toHex(await crypto.hmacSha256(text('key'), text('data')))).toBe(toHex(h1));
  });

  it('agrees with every other provider on arbitrary input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async (data, key, seed) => {
          const mine = [
            toHex(await crypto.sha256(data)),
            toHex(await crypto.hmacSha256(key, data)),
            toHex(await crypto.pbkdf2Sha256(key, data, 3, 40)),
            toHex(await crypto.ed25519PublicKey(seed)),
            toHex(await crypto.ed25519Sign(seed, data)),
          ];
          for (const p of PROVIDERS) {
            const theirs = [
              toHex(await p.crypto.sha256(data)),
              toHex(await p.crypto.hmacSha256(key, data)),
              toHex(await p.crypto.pbkdf2Sha256(key, data, 3, 40)),
              toHex(await p.crypto.ed25519PublicKey(seed)),
              toHex(await p.crypto.ed25519Sign(seed, data)),
            ];
            expect(theirs).toEqual(mine);
          }
          expect(await crypto.ed25519Verify(await crypto.ed25519PublicKey(seed), data, hex(mine[4]!))).toBe(true);
        },
      ),
      { numRuns: 20, seed: 0xabc },
    );
  });
});

describe('provider construction', () => {
  it('webCryptoProvider refuses an environment without crypto.subtle', () => {
    expect(() => webCryptoProvider({ crypto: { getRandomValues: globalThis.crypto.getRandomValues } as unknown as Crypto })).toThrow(
      /nobleCryptoProvider/,
    );
  });

  it('webCryptoProvider takes an injected argon2id', async () => {
    const calls: number[] = [];
    const p = webCryptoProvider({
      argon2id: async (_pw, _salt, params) => {
        calls.push(params.memory);
        return new Uint8Array(params.keyLength);
      },
    });
    expect(await p.argon2id(text('a'), text('saltsalt'), { iterations: 1, memory: 77, parallelism: 1, keyLength: 4 })).toEqual(
      new Uint8Array(4),
    );
    expect(calls).toEqual([77]);
  });

  it('nobleCryptoProvider takes an injected random source', () => {
    let i = 0;
    const p = nobleCryptoProvider({ randomBytes: (n) => Uint8Array.from({ length: n }, () => i++) });
    expect(p.randomBytes(3)).toEqual(Uint8Array.of(0, 1, 2));
  });
});

describe('packaging', () => {
  const root = new URL('../', import.meta.url);

  it('exposes the Node provider only through the node-crypto subpath', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
      dependencies: Record<string, string>;
    };
    expect(pkg.exports['./node-crypto']).toEqual({ types: './dist/crypto/node.d.ts', default: './dist/crypto/node.js' });
    expect(Object.keys(pkg.exports)[0]).toBe('.');
    expect(pkg.dependencies).toHaveProperty('@noble/hashes');
    expect(pkg.dependencies).toHaveProperty('@noble/curves');
    const index = readFileSync(new URL('src/index.ts', root), 'utf8');
    expect(index).not.toMatch(/crypto\/node/);
  });

  it('keeps node:* imports out of the browser crypto modules', () => {
    // Follow relative imports from the browser-facing providers.
    const seen = new Set<string>();
    const visit = (rel: string): void => {
      if (seen.has(rel)) return;
      seen.add(rel);
      const src = readFileSync(new URL(`src/${rel}`, root), 'utf8');
      expect(src, rel).not.toMatch(/from\s+['"]node:|import\(\s*['"]node:|require\(/);
      for (const m of src.matchAll(/from\s+'\.\/([\w./-]+)\.js'/g)) visit(rel.replace(/[^/]*$/, '') + m[1] + '.ts');
    };
    visit('crypto/web.ts');
    visit('crypto/noble.ts');
    expect(seen).toContain('crypto/argon2.ts');
  });

  it('keeps @noble out of @wamp/core', () => {
    const core = JSON.parse(readFileSync(new URL('../core/package.json', root), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(core.dependencies ?? {}).filter((d) => d.startsWith('@noble/'))).toEqual([]);
  });
});
