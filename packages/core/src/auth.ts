/**
 * `@wamp/core/auth`: the authentication computations, client and router
 * sides (advanced profile "Authentication Methods"): what HELLO announces,
 * the answer to a CHALLENGE, the router's challenge and its check.
 *
 * The main entry `@wamp/core` exports every name of this module too, except
 * in its browser build (the `browser` condition of the package's exports,
 * which bundlers for the browser pick): there the names come from here
 * only. So a dynamic `import('@wamp/core/auth')` puts this code in a lazy
 * chunk that a page loads when it joins with a challenge-response method
 * (`@wamp/client` does so) rather than in its first download.
 *
 * @module
 */

export {
  WAMPCRA_DEFAULT_ITERATIONS,
  WAMPCRA_DEFAULT_KEYLEN,
  WAMPCRA_MAX_ITERATIONS,
  WAMPCRA_MAX_KEYLEN,
  wampcraChallengeExtra,
  wampcraChallengeString,
  wampcraClientSignature,
  wampcraDeriveKey,
  wampcraSign,
  wampcraVerify,
  type WampcraChallengeInfo,
  type WampcraSalt,
} from './auth/wampcra.js';
export {
  CRYPTOSIGN_CHANNEL_BINDINGS,
  cryptosignClientSignature,
  cryptosignHelloAuthextra,
  cryptosignParseHello,
  cryptosignPublicKey,
  cryptosignServerChallenge,
  cryptosignSign,
  cryptosignVerify,
  newChallengeHex,
  type CryptosignChallenge,
  type CryptosignChallengeOptions,
  type CryptosignChannelBinding,
  type CryptosignClientOptions,
  type CryptosignHello,
} from './auth/cryptosign.js';
export {
  DEFAULT_SCRAM_COST_LIMITS,
  SCRAM_DEFAULTS,
  SCRAM_KDF_WIRE_NAME,
  parseScramCredential,
  parseScramKdf,
  scramAuthMessage,
  scramClientFinal,
  scramClientFirst,
  scramDeriveCredential,
  scramParseHello,
  scramServerChallenge,
  scramServerVerify,
  scramVerifyServerSignature,
  scramWelcomeAuthextra,
  type ScramAuthMessageParts,
  type ScramClientFinal,
  type ScramClientOptions,
  type ScramCostLimits,
  type ScramCredential,
  type ScramHello,
  type ScramKdf,
  type ScramKdfName,
  type ScramServerChallengeOptions,
  type ScramServerState,
} from './auth/scram.js';
export {
  DEFAULT_SCRAM_LEGACY_LIMITS,
  SCRAM_LEGACY_DEFAULTS,
  SCRAM_LEGACY_KDF,
  SCRAM_LEGACY_METHOD,
  scramLegacyAuthMessage,
  scramLegacyClientFinal,
  scramLegacyClientFirst,
  scramLegacyDeriveCredential,
  scramLegacyParseHello,
  scramLegacySaltedPassword,
  scramLegacyServerChallenge,
  scramLegacyServerVerify,
  scramLegacyVerifyWelcome,
  type ScramLegacyAuthMessageParts,
  type ScramLegacyClientFinal,
  type ScramLegacyCostLimits,
  type ScramLegacyHello,
  type ScramLegacyState,
} from './auth/scram-legacy.js';
export { ticketVerify } from './auth/ticket.js';
export { saslprep, timingSafeEqual } from './auth/util.js';
