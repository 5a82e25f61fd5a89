/**
 * The attempts of the challenge-response methods of auth.ts (wampcra,
 * cryptosign, wamp-scram, scram): what HELLO announces and the answer to the
 * CHALLENGE, computed by the functions of `@wamp/core/auth`. auth.ts loads
 * this module by a dynamic import() when a join starts with one of them, so
 * that a bundle puts it, and the computations, in a lazy chunk; the method
 * factories (argument checks, names, channel binding data) stay in the
 * page's first download.
 */

import type { CryptoProvider, Dict } from '@wamp/core';
import {
  cryptosignClientSignature,
  cryptosignHelloAuthextra,
  cryptosignVerify,
  newChallengeHex,
  scramClientFinal,
  scramClientFirst,
  scramLegacyClientFinal,
  scramLegacyClientFirst,
  scramLegacyVerifyWelcome,
  scramVerifyServerSignature,
  wampcraClientSignature,
} from '@wamp/core/auth';
import type { AuthAttempt, AuthContext, CryptosignOptions, ScramLegacyOptions, ScramOptions, Secret } from './auth-types.js';

/**
 * Throws `wamp.error.authentication_failed` with `message`. Handed over by
 * auth.ts rather than imported: this module imports nothing at run time from
 * `@wamp/core`'s main entry, which would pull the modules behind it into a
 * chunk shared with the page (a bundler splits by module file).
 */
export type Fail = (message: string) => never;

const reveal = async (secret: Secret): Promise<string> => (typeof secret === 'string' ? secret : secret());

/** wampcra: HMAC-SHA256 of the challenge with the (salted) secret. */
export function wampcraAttempt(ctx: AuthContext, secret: Secret): AuthAttempt {
  return { respond: async (extra) => ({ signature: await wampcraClientSignature(ctx.crypto(), await reveal(secret), extra) }) };
}

/** cryptosign: the public key (and the router challenge when `pinned`) in HELLO; Ed25519 over the CHALLENGE. */
export async function cryptosignAttempt(
  ctx: AuthContext,
  key: Uint8Array,
  options: CryptosignOptions,
  pinned: { key: Uint8Array; hex: string } | undefined,
  channelId: Uint8Array | undefined,
  fail: Fail,
): Promise<AuthAttempt> {
  const channelBinding = options.channelBinding;
  const challenge = pinned === undefined ? undefined : newChallengeHex(ctx.crypto());
  const authextra = {
    ...options.authextra,
    ...(await cryptosignHelloAuthextra(ctx.crypto(), key, {
      channelBinding: channelBinding ?? null,
      ...(challenge === undefined ? {} : { challenge }),
    })),
  };
  return {
    authextra,
    respond: async (extra) => {
      if (pinned !== undefined && challenge !== undefined) {
        const bound = channelBinding !== undefined && extra['channel_binding'] === channelBinding ? channelId : undefined;
        await verifyRouter(ctx.crypto(), pinned, challenge, extra, bound, fail);
      }
      return {
        signature: await cryptosignClientSignature(ctx.crypto(), key, extra, {
          channelBinding: channelBinding ?? null,
          ...(channelId === undefined ? {} : { channelId }),
        }),
      };
    },
  };
}

/** Router authentication: the CHALLENGE must carry the pinned key and its signature of our challenge. */
async function verifyRouter(
  crypto: CryptoProvider,
  pinned: { key: Uint8Array; hex: string },
  challenge: string,
  extra: Dict,
  channelId: Uint8Array | undefined,
  fail: Fail,
): Promise<void> {
  const refuse = (why: string): never => fail(`cryptosign: router authentication failed: ${why}`);
  const pubkey = extra['pubkey'];
  const signature = extra['signature'];
  if (typeof pubkey !== 'string' || typeof signature !== 'string') refuse('the router did not sign our challenge');
  if ((pubkey as string).toLowerCase() !== pinned.hex) refuse(`the router's key ${String(pubkey)} is not the pinned one`);
  if (!(await cryptosignVerify(crypto, pinned.key, challenge, signature as string, channelId))) refuse("the router's signature does not verify");
}

/** wamp-scram: the client nonce in HELLO; ClientProof for the CHALLENGE; the router's ServerSignature checked in WELCOME. */
export function scramAttempt(ctx: AuthContext, password: Secret, options: ScramOptions, cbindData: Uint8Array | undefined, fail: Fail): AuthAttempt {
  const channelBinding = options.channelBinding;
  const first = sharedScramNonce(ctx, () => scramClientFirst(ctx.crypto(), { channelBinding: channelBinding ?? null }).nonce);
  let expected: string | undefined;
  return {
    authextra: { nonce: first.nonce, channel_binding: channelBinding ?? null },
    respond: async (extra) => {
      const final = await scramClientFinal(ctx.crypto(), await reveal(password), first.nonce, extra, ctx.authid ?? '', {
        channelBinding: channelBinding ?? null,
        ...(cbindData === undefined ? {} : { cbindData }),
        ...(options.limits === undefined ? {} : { limits: options.limits }),
      });
      expected = final.expectedServerSignature;
      return { signature: final.signature, extra: final.authextra };
    },
    verifyWelcome: (details) => {
      if (expected === undefined) {
        fail('wamp-scram: the router welcomed the session without a challenge');
      }
      const authextra = details['authextra'];
      const ok = scramVerifyServerSignature(expected, isDict(authextra) ? authextra : undefined);
      if (!ok) fail("wamp-scram: the router's ServerSignature does not match");
    },
  };
}

/**
 * `wamp-scram` and `scram` both read HELLO.Details.authextra.nonce: offered
 * together they must send one nonce (base64 of 16 random octets suits both).
 * The first to start in a join makes it; the other takes it.
 */
const scramNonces = new WeakMap<AuthContext, string>();

function sharedScramNonce(ctx: AuthContext, make: () => string): { nonce: string } {
  let nonce = scramNonces.get(ctx);
  if (nonce === undefined) {
    nonce = make();
    scramNonces.set(ctx, nonce);
  }
  return { nonce };
}

/** scram (the older SCRAM, argon2id-13): the client nonce in HELLO; the proof; `scram_server_signature` checked in WELCOME. */
export function scramLegacyAttempt(ctx: AuthContext, password: Secret, options: ScramLegacyOptions, fail: Fail): AuthAttempt {
  const first = sharedScramNonce(ctx, () => scramLegacyClientFirst(ctx.crypto()).nonce);
  let expected: string | undefined;
  return {
    authextra: { nonce: first.nonce },
    respond: async (extra) => {
      const final = await scramLegacyClientFinal(ctx.crypto(), await reveal(password), first.nonce, extra, ctx.authid ?? '', options.limits);
      expected = final.expectedServerSignature;
      return { signature: final.signature };
    },
    verifyWelcome: (details) => {
      if (expected === undefined) {
        fail('scram: the router welcomed the session without a challenge');
      }
      const authextra = details['authextra'];
      if (!scramLegacyVerifyWelcome(expected, isDict(authextra) ? authextra : undefined)) {
        fail("scram: the router's scram_server_signature does not match");
      }
    },
  };
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}
