/**
 * The asynchronous half of authentication: what `Router.runAuth` does with an
 * `authenticate` event. Kept apart from the router's state so it can run
 * anywhere (the adapter's event loop, a worker) and its result is applied with
 * `Router.completeAuthentication`, in order with everything else.
 */

import type { CryptoProvider } from '../auth/crypto.js';
import { cryptosignVerify } from '../auth/cryptosign.js';
import { scramServerVerify, scramWelcomeAuthextra } from '../auth/scram.js';
import { wampcraDeriveKey, wampcraVerify } from '../auth/wampcra.js';
import { ErrorUri, WampError } from '../errors.js';
import type { DynamicAuthResult } from './config.js';
import type { AuthRequest, AuthVerdict } from './handshake.js';

const DENIED: AuthVerdict = Object.freeze({ kind: 'reject', reason: ErrorUri.AUTHENTICATION_FAILED, message: 'invalid signature' });

/**
 * Compute the verdict for `request`. Never rejects: every failure (a wrong
 * signature, a throwing authenticator, a missing crypto provider) is a
 * `reject` verdict. A dynamic authenticator that throws a `WampError` gives
 * the ABORT its URI.
 */
export async function runAuth(request: AuthRequest, crypto: CryptoProvider | undefined): Promise<AuthVerdict> {
  try {
    if (request.kind === 'dynamic') {
      const result = (await request.authenticator(request.realm, request.authid, request.details, request.transport)) as DynamicAuthResult | null;
      return { kind: 'principal', result };
    }
    if (crypto === undefined) {
      return { kind: 'reject', reason: ErrorUri.AUTHENTICATION_FAILED, message: 'no crypto provider to verify the signature' };
    }
    switch (request.kind) {
      case 'wampcra': {
        const s = request.salt;
        const key = s === undefined ? request.secret : await wampcraDeriveKey(crypto, request.secret, s.salt, s.iterations, s.keylen);
        return (await wampcraVerify(crypto, key, request.challenge, request.signature)) ? { kind: 'verified' } : DENIED;
      }
      case 'cryptosign': {
        const ok = await cryptosignVerify(crypto, request.publicKey, request.challenge, request.signature, request.channelId);
        return ok ? { kind: 'verified' } : DENIED;
      }
      case 'wamp-scram': {
        const r = await scramServerVerify(crypto, request.state, request.signature, request.extra);
        return r.ok && r.serverSignature !== undefined ? { kind: 'verified', authextra: scramWelcomeAuthextra(r.serverSignature) } : DENIED;
      }
    }
  } catch (e) {
    if (request.kind === 'dynamic' && e instanceof WampError) {
      const first = e.args[0];
      return { kind: 'reject', reason: e.uri, ...(typeof first === 'string' ? { message: first } : {}) };
    }
    return { kind: 'reject', reason: ErrorUri.AUTHENTICATION_FAILED, message: request.kind === 'dynamic' ? 'the authenticator failed' : 'verification failed' };
  }
}
