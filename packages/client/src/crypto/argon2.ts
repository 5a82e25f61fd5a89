/**
 * Argon2id from @noble/hashes, loaded on first use: argon2 is only needed by
 * WAMP-SCRAM, so a bundle of an application that never uses it does not carry
 * it (bundlers split a dynamic import into its own chunk).
 */

import type * as Argon2 from '@noble/hashes/argon2.js';
import type { CryptoProvider } from '@wamp/core';

type Argon2Module = typeof Argon2;
let loading: Promise<Argon2Module> | undefined;

export const lazyNobleArgon2id: CryptoProvider['argon2id'] = async (password, salt, params) => {
  const { argon2idAsync } = await (loading ??= import('@noble/hashes/argon2.js'));
  // The async variant yields to the event loop every few milliseconds, so a
  // large memory cost does not freeze a browser tab or starve a server's I/O.
  return argon2idAsync(password, salt, {
    t: params.iterations,
    m: params.memory,
    p: params.parallelism,
    dkLen: params.keyLength,
    version: 0x13,
  });
};
